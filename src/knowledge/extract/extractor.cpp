#include "knowledge/extract/extractor.h"

#include "knowledge/extract/extractors.h"
#include "knowledge/extract/ooxml_package.h"
#include "knowledge/extract/text_util.h"
#include "common/text.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <span>
#include <string>

namespace brainstem::knowledge {

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

struct NamedFormat {
  std::string_view name;
  Format format;
};

constexpr NamedFormat kContentTypes[] = {
    {"text/plain", Format::kText},
    {"text/markdown", Format::kMarkdown},
    {"text/x-markdown", Format::kMarkdown},
    {"text/html", Format::kHtml},
    {"application/xhtml+xml", Format::kHtml},
    {"text/csv", Format::kCsv},
    {"application/csv", Format::kCsv},
    {"application/pdf", Format::kPdf},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", Format::kDocx},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", Format::kPptx},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Format::kXlsx},
};

constexpr NamedFormat kExtensions[] = {
    {"text", Format::kText},     {"txt", Format::kText},     {"markdown", Format::kMarkdown},
    {"md", Format::kMarkdown},   {"html", Format::kHtml},    {"htm", Format::kHtml},
    {"xhtml", Format::kHtml},    {"csv", Format::kCsv},      {"pdf", Format::kPdf},
    {"docx", Format::kDocx},     {"pptx", Format::kPptx},    {"xlsx", Format::kXlsx},
};

std::optional<Format> lookup(std::span<const NamedFormat> table, std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.format;
  }
  return std::nullopt;
}

bool looks_like_html(std::string_view bytes) {
  if (bytes.starts_with(kByteOrderMark)) bytes.remove_prefix(kByteOrderMark.size());
  std::string start = ascii_lower(detail::trim(bytes.substr(0, 512)).substr(0, 14));
  return start.starts_with("<!doctype html") || start.starts_with("<html");
}

Result<Document> extract_text_format(std::string_view bytes, Format format) {
  if (auto offset = detail::find_invalid_utf8(bytes)) {
    return Status::invalid("the " + std::string(detail::display_name(format)) +
                           " file is not valid UTF-8 (byte offset " + std::to_string(*offset) + ")");
  }
  if (bytes.starts_with(kByteOrderMark)) bytes.remove_prefix(kByteOrderMark.size());
  switch (format) {
    case Format::kMarkdown: return detail::extract_markdown(bytes);
    case Format::kHtml: return detail::extract_html(bytes);
    case Format::kCsv: return detail::extract_csv(bytes);
    default: return detail::extract_text(bytes);
  }
}

Result<Document> extract_by_format(std::string_view bytes, Format format, const ExtractLimits& limits) {
  switch (format) {
    case Format::kPdf: return detail::extract_pdf(bytes, limits);
    case Format::kDocx: return detail::extract_docx(bytes, limits);
    case Format::kPptx: return detail::extract_pptx(bytes, limits);
    case Format::kXlsx: return detail::extract_xlsx(bytes, limits);
    default: return extract_text_format(bytes, format);
  }
}

Result<Document> checked(Document document, Format format) {
  if (document.blocks.empty()) {
    std::string message = "the " + std::string(detail::display_name(format)) + " file contains no text";
    if (format == Format::kPdf) message += " (a scanned PDF needs OCR first)";
    return Status::invalid(std::move(message));
  }
  // A sheet name makes a poor title for a whole workbook.
  if (document.title.empty() && format != Format::kXlsx) {
    auto heading = std::find_if(document.blocks.begin(), document.blocks.end(),
                                [](const Block& b) { return b.kind == Block::Kind::kHeading; });
    if (heading != document.blocks.end()) document.title = heading->text;
  }
  return document;
}

}  // namespace

namespace detail {

std::string_view display_name(Format format) {
  switch (format) {
    case Format::kText: return "text";
    case Format::kMarkdown: return "Markdown";
    case Format::kHtml: return "HTML";
    case Format::kCsv: return "CSV";
    case Format::kPdf: return "PDF";
    case Format::kDocx: return "DOCX";
    case Format::kPptx: return "PPTX";
    case Format::kXlsx: return "XLSX";
  }
  return "unknown";
}

}  // namespace detail

std::string_view format_name(Format format) {
  switch (format) {
    case Format::kText: return "text";
    case Format::kMarkdown: return "markdown";
    case Format::kHtml: return "html";
    case Format::kCsv: return "csv";
    case Format::kPdf: return "pdf";
    case Format::kDocx: return "docx";
    case Format::kPptx: return "pptx";
    case Format::kXlsx: return "xlsx";
  }
  return "unknown";
}

std::optional<Format> format_from_name(std::string_view name) {
  std::string key = ascii_lower(detail::trim(name.substr(0, name.find(';'))));
  if (auto format = lookup(kContentTypes, key)) return format;
  size_t dot = key.rfind('.');
  return lookup(kExtensions, dot == std::string::npos ? key : key.substr(dot + 1));
}

Format sniff_format(std::string_view bytes, std::optional<Format> hint) {
  if (bytes.starts_with("%PDF-")) return Format::kPdf;
  if (bytes.starts_with("PK\x03\x04")) {
    if (auto format = detail::ooxml_kind(bytes)) return *format;
  }
  if (looks_like_html(bytes)) return Format::kHtml;
  return hint.value_or(Format::kText);
}

Result<Document> extract_document(std::string_view bytes, Format format, const ExtractLimits& limits) {
  try {
    auto document = extract_by_format(bytes, format, limits);
    if (!document.ok()) return document;
    return checked(std::move(document).value(), format);
  } catch (const std::exception& e) {
    return Status::internal("reading the " + std::string(detail::display_name(format)) + " file failed: " + e.what());
  }
}

}  // namespace brainstem::knowledge
