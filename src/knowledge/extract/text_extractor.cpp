// Plain text and Markdown. Markdown is read line by line for its block structure only:
// ATX and setext headings, list items, pipe tables and fenced code; inline markup stays.
#include "knowledge/extract/extractors.h"
#include "knowledge/extract/text_util.h"

#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::knowledge::detail {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    if (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n') ++end;
    start = end + 1;
  }
  return lines;
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

// The line without the up to three spaces of indentation a block marker may have;
// nullopt when it is indented further (Markdown's indented code).
std::optional<std::string_view> unindented(std::string_view line) {
  size_t indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos || indent > 3) return std::nullopt;
  return line.substr(indent);
}

// "## Title ##" → level 2, "Title"; level 0 when the line is no ATX heading.
int atx_heading(std::string_view line, std::string& text) {
  auto rest = unindented(line);
  if (!rest) return 0;
  size_t level = rest->find_first_not_of('#');
  if (level == std::string_view::npos) level = rest->size();
  if (level == 0 || level > 6 || (level < rest->size() && (*rest)[level] != ' ' && (*rest)[level] != '\t')) return 0;
  std::string_view body = trim(rest->substr(level));
  size_t last = body.find_last_not_of('#');
  if (last == std::string_view::npos) {
    body = {};
  } else if (last + 1 < body.size() && is_space(body[last])) {
    body = trim(body.substr(0, last));  // a closing sequence of #s
  }
  text = body;
  return static_cast<int>(level);
}

// The marker ("```", "~~~~") when the line opens a fenced code block, else empty.
std::string_view opening_fence(std::string_view line) {
  auto rest = unindented(line);
  if (!rest || rest->empty() || (rest->front() != '`' && rest->front() != '~')) return {};
  size_t length = rest->find_first_not_of(rest->front());
  if (length == std::string_view::npos) length = rest->size();
  return length >= 3 ? rest->substr(0, length) : std::string_view{};
}

bool closes_fence(std::string_view line, std::string_view fence) {
  auto rest = unindented(line);
  if (!rest || !rest->starts_with(fence)) return false;
  size_t end = rest->find_first_not_of(fence.front());
  return end == std::string_view::npos || trim(rest->substr(end)).empty();
}

// "---", "* * *", "___": three or more of one marker and nothing else.
bool is_thematic_break(std::string_view line) {
  auto rest = unindented(line);
  if (!rest || rest->empty() || (rest->front() != '-' && rest->front() != '*' && rest->front() != '_')) return false;
  size_t markers = 0;
  for (char c : *rest) {
    if (c == rest->front()) {
      ++markers;
    } else if (!is_space(c)) {
      return false;
    }
  }
  return markers >= 3;
}

// The heading level an underline of "===" (1) or "---" (2) gives the paragraph above it.
int setext_level(std::string_view line) {
  auto rest = unindented(line);
  if (!rest) return 0;
  std::string_view marks = trim(*rest);
  if (marks.empty() || marks.find_first_not_of(marks.front()) != std::string_view::npos) return 0;
  return marks.front() == '=' ? 1 : marks.front() == '-' ? 2 : 0;
}

// The item's text when the line starts a list item: "- x", "* x", "+ x", "1. x", "2) x".
std::optional<std::string_view> list_item(std::string_view line) {
  std::string_view rest = trim(line);
  size_t marker = 0;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '*' || rest.front() == '+')) {
    marker = 1;
  } else {
    size_t digits = 0;
    while (digits < rest.size() && digits < 9 && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    if (digits == 0 || digits >= rest.size() || (rest[digits] != '.' && rest[digits] != ')')) return std::nullopt;
    marker = digits + 1;
  }
  if (marker == rest.size()) return std::string_view{};
  if (!is_space(rest[marker])) return std::nullopt;
  return trim(rest.substr(marker));
}

// A delimiter row under a pipe table's header: "| --- | :-: |".
bool is_table_delimiter(std::string_view line) {
  std::string_view row = trim(line);
  return row.find('|') != std::string_view::npos && row.find('-') != std::string_view::npos &&
         row.find_first_not_of("|:- \t") == std::string_view::npos;
}

std::string unquoted(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

class MarkdownReader {
 public:
  explicit MarkdownReader(std::string_view text) : lines_(split_lines(text)) {}

  Document read() {
    Document document;
    document.title = skip_front_matter();
    while (next_ < lines_.size()) read_block();
    flush();
    document.blocks = std::move(blocks_);
    return document;
  }

 private:
  // A YAML front matter block ("---" ... "---") is metadata, not text; its title is kept.
  std::string skip_front_matter() {
    if (lines_.empty() || trim(lines_.front()) != "---") return {};
    for (size_t end = 1; end < lines_.size(); ++end) {
      if (trim(lines_[end]) != "---" && trim(lines_[end]) != "...") continue;
      std::string title;
      for (size_t i = 1; i < end; ++i) {
        if (lines_[i].starts_with("title:")) title = unquoted(trim(lines_[i].substr(6)));
      }
      next_ = end + 1;
      return title;
    }
    return {};
  }

  void read_block() {
    std::string_view line = lines_[next_];
    std::string heading;
    int underline = pending_kind_ == Block::Kind::kParagraph && !pending_.empty() ? setext_level(line) : 0;
    if (is_blank(line)) {
      flush();
      ++next_;
    } else if (auto fence = opening_fence(line); !fence.empty()) {
      read_code(fence);
    } else if (int level = atx_heading(line, heading)) {
      flush();
      emit(Block::Kind::kHeading, level, heading);
      ++next_;
    } else if (underline > 0) {
      emit(Block::Kind::kHeading, underline, pending_);
      pending_.clear();
      ++next_;
    } else if (is_thematic_break(line)) {
      flush();
      ++next_;
    } else if (next_ + 1 < lines_.size() && line.find('|') != std::string_view::npos &&
               is_table_delimiter(lines_[next_ + 1])) {
      read_table();
    } else if (auto item = list_item(line)) {
      flush();
      pending_kind_ = Block::Kind::kListItem;
      pending_ = *item;
      ++next_;
    } else {
      // A paragraph line, or the continuation of a list item.
      if (!pending_.empty()) pending_ += ' ';
      pending_ += trim(line);
      ++next_;
    }
  }

  // Code keeps its fences and indentation, so that it still reads as code.
  void read_code(std::string_view fence) {
    flush();
    std::string code(lines_[next_++]);
    while (next_ < lines_.size()) {
      std::string_view line = lines_[next_++];
      code += '\n';
      code += line;
      if (closes_fence(line, fence)) break;
    }
    emit(Block::Kind::kParagraph, 0, code);
  }

  void read_table() {
    flush();
    std::string table;
    while (next_ < lines_.size() && !is_blank(lines_[next_]) && lines_[next_].find('|') != std::string_view::npos) {
      if (!table.empty()) table += '\n';
      table += trim(lines_[next_++]);
    }
    emit(Block::Kind::kTable, 0, table);
  }

  void flush() {
    emit(pending_kind_, 0, pending_);
    pending_.clear();
    pending_kind_ = Block::Kind::kParagraph;
  }

  void emit(Block::Kind kind, int level, std::string_view text) {
    text = trim(text);
    if (!text.empty()) blocks_.push_back({kind, level, std::string(text)});
  }

  std::vector<std::string_view> lines_;
  size_t next_ = 0;
  std::string pending_;  // the paragraph or list item being read
  Block::Kind pending_kind_ = Block::Kind::kParagraph;
  std::vector<Block> blocks_;
};

}  // namespace

Document extract_text(std::string_view text) {
  Document document;
  std::string paragraph;
  auto flush = [&] {
    if (!paragraph.empty()) document.blocks.push_back({Block::Kind::kParagraph, 0, std::move(paragraph)});
    paragraph.clear();
  };
  for (std::string_view line : split_lines(text)) {
    if (is_blank(line)) {
      flush();
      continue;
    }
    // Plain text keeps its line breaks: without markup they may be all the structure there is.
    if (!paragraph.empty()) paragraph += '\n';
    paragraph += trim(line);
  }
  flush();
  return document;
}

Document extract_markdown(std::string_view text) { return MarkdownReader(text).read(); }

}  // namespace brainstem::knowledge::detail
