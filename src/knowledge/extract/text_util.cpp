#include "knowledge/extract/text_util.h"

#include <algorithm>
#include <cstdint>

namespace brainstem::knowledge::detail {

namespace {

constexpr size_t kTableRowsPerBlock = 50;
constexpr std::string_view kNoBreakSpace = "\xC2\xA0";

struct Utf8Sequence {
  size_t length;
  uint32_t lead_bits;  // the code point bits the lead byte carries
  uint32_t smallest;   // code points below this in `length` bytes are overlong forms
};

std::optional<Utf8Sequence> sequence_starting_with(unsigned char lead) {
  if ((lead & 0xE0) == 0xC0) return Utf8Sequence{2, lead & 0x1Fu, 0x80};
  if ((lead & 0xF0) == 0xE0) return Utf8Sequence{3, lead & 0x0Fu, 0x800};
  if ((lead & 0xF8) == 0xF0) return Utf8Sequence{4, lead & 0x07u, 0x10000};
  return std::nullopt;
}

bool is_blank(std::string_view text) { return trim(text).empty(); }

bool is_blank_row(const std::vector<std::string>& row) {
  return std::all_of(row.begin(), row.end(), [](const std::string& cell) { return is_blank(cell); });
}

// One past the last column that holds text in any row.
size_t used_width(const TableRows& rows) {
  size_t width = 0;
  for (const auto& row : rows) {
    for (size_t i = row.size(); i > width; --i) {
      if (!is_blank(row[i - 1])) {
        width = i;
        break;
      }
    }
  }
  return width;
}

std::string table_cell(std::string_view text) {
  std::string cell;
  for (char c : collapse_whitespace(text)) {
    if (c == '|') cell += '\\';
    cell += c;
  }
  return cell;
}

void append_table_row(const std::vector<std::string>& row, size_t width, std::string& out) {
  out += '|';
  for (size_t i = 0; i < width; ++i) {
    out += ' ';
    if (i < row.size()) out += table_cell(row[i]);
    out += " |";
  }
  out += '\n';
}

}  // namespace

std::optional<size_t> find_invalid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    auto sequence = sequence_starting_with(lead);
    if (!sequence || text.size() - i < sequence->length) return i;
    uint32_t code_point = sequence->lead_bits;
    for (size_t k = 1; k < sequence->length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < sequence->smallest || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += sequence->length;
  }
  return std::nullopt;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool gap = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i).starts_with(kNoBreakSpace)) {
      gap = true;
      ++i;
    } else if (is_space(text[i])) {
      gap = true;
    } else {
      if (gap && !out.empty()) out += ' ';
      gap = false;
      out += text[i];
    }
  }
  return out;
}

std::string markdown_table(const TableRows& rows) {
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.size());
  std::string out;
  if (width == 0) return out;
  append_table_row(rows.front(), width, out);
  for (size_t i = 0; i < width; ++i) out += i == 0 ? "| --- |" : " --- |";
  out += '\n';
  for (size_t r = 1; r < rows.size(); ++r) append_table_row(rows[r], width, out);
  out.pop_back();
  return out;
}

void append_table_blocks(TableRows rows, int page, std::vector<Block>& out) {
  std::erase_if(rows, is_blank_row);
  size_t width = used_width(rows);
  if (width == 0) return;
  for (auto& row : rows) row.resize(width);
  size_t start = 1;
  do {
    size_t end = std::min(rows.size(), start + kTableRowsPerBlock);
    TableRows part{rows.front()};
    part.insert(part.end(), rows.begin() + static_cast<ptrdiff_t>(start), rows.begin() + static_cast<ptrdiff_t>(end));
    out.push_back({Block::Kind::kTable, 0, markdown_table(part), page});
    start = end;
  } while (start < rows.size());
}

}  // namespace brainstem::knowledge::detail
