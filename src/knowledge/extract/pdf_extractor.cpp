// PDF: poppler's reading-order text of each page, split into paragraphs. Poppler marks
// gaps between text blocks with blank lines; inside a block, a line noticeably shorter
// than the block's widest ends a paragraph (the last line of a paragraph, or a heading).
#include "knowledge/extract/extractors.h"
#include "knowledge/extract/text_util.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <memory>
#include <mutex>
#include <span>

namespace brainstem::knowledge::detail {

namespace {

// Readers accept a header anywhere in the first KiB and need the end marker in the last.
constexpr size_t kMarkerWindow = 1024;

std::string utf8(const poppler::ustring& text) {
  poppler::byte_array bytes = text.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

// Damaged uploads are reported through Status; poppler's own diagnostics would only
// flood the server's stderr.
void quiet_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

size_t width_of(std::string_view line) {
  return static_cast<size_t>(std::count_if(line.begin(), line.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Joins a wrapped line onto its paragraph, undoing hyphenation ("exam-" + "ple").
void join_line(std::string& paragraph, std::string_view line) {
  if (paragraph.empty()) {
    paragraph = line;
    return;
  }
  size_t n = paragraph.size();
  bool hyphenated = n >= 2 && paragraph[n - 1] == '-' && std::isalpha(static_cast<unsigned char>(paragraph[n - 2])) &&
                    std::islower(static_cast<unsigned char>(line.front()));
  if (hyphenated) {
    paragraph.pop_back();
  } else {
    paragraph += ' ';
  }
  paragraph += line;
}

void append_paragraphs(std::span<const std::string_view> lines, std::vector<std::string>& out) {
  size_t widest = 0;
  for (auto line : lines) widest = std::max(widest, width_of(line));
  std::string paragraph;
  for (size_t i = 0; i < lines.size(); ++i) {
    join_line(paragraph, lines[i]);
    bool short_line = width_of(lines[i]) * 4 < widest * 3;
    if (short_line || i + 1 == lines.size()) {
      out.push_back(std::move(paragraph));
      paragraph.clear();
    }
  }
}

std::vector<std::string> paragraphs_of(std::string_view page_text) {
  std::vector<std::string> paragraphs;
  std::vector<std::string_view> group;  // the lines between two blank lines
  size_t start = 0;
  while (start <= page_text.size()) {
    size_t end = std::min(page_text.find('\n', start), page_text.size());
    std::string_view line = trim(page_text.substr(start, end - start));
    if (!line.empty()) group.push_back(line);
    if (line.empty() || end == page_text.size()) {
      append_paragraphs(group, paragraphs);
      group.clear();
    }
    start = end + 1;
  }
  return paragraphs;
}

Status check_markers(std::string_view bytes) {
  if (bytes.substr(0, kMarkerWindow).find("%PDF-") == std::string_view::npos) {
    return Status::invalid("the file is not a PDF");
  }
  if (bytes.substr(bytes.size() - std::min(bytes.size(), kMarkerWindow)).find("%%EOF") == std::string_view::npos) {
    return Status::invalid("the PDF file is truncated or damaged (it has no end-of-file marker)");
  }
  if (bytes.size() > INT_MAX) return Status::invalid("the PDF file is too large");
  return Status::ok();
}

}  // namespace

Result<Document> extract_pdf(std::string_view bytes, const ExtractLimits& limits) {
  if (Status markers = check_markers(bytes); !markers.is_ok()) return markers;
  quiet_poppler();
  std::unique_ptr<poppler::document> pdf(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!pdf) return Status::invalid("the PDF file is damaged and cannot be read");
  if (pdf->is_locked()) return Status::invalid("the PDF file is password-protected");
  int pages = pdf->pages();
  if (pages > limits.max_pages) {
    return Status::invalid("the PDF file has " + std::to_string(pages) + " pages, more than the limit of " +
                           std::to_string(limits.max_pages));
  }
  Document document{collapse_whitespace(utf8(pdf->get_title())), {}};
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(pdf->create_page(i));
    if (!page) return Status::invalid("the PDF file is damaged (page " + std::to_string(i + 1) + " cannot be read)");
    auto text = utf8(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout));
    for (auto& paragraph : paragraphs_of(text)) {
      document.blocks.push_back({Block::Kind::kParagraph, 0, std::move(paragraph), i + 1});
    }
  }
  return document;
}

}  // namespace brainstem::knowledge::detail
