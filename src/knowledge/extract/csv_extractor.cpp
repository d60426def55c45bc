// CSV per RFC 4180 (quoted fields may hold delimiters, quotes and line breaks), read into
// Markdown table blocks. Semicolon- and tab-separated files, as spreadsheets in many
// locales write them, are recognised by their first line.
#include "knowledge/extract/extractors.h"
#include "knowledge/extract/text_util.h"

#include <algorithm>
#include <array>

namespace brainstem::knowledge::detail {

namespace {

// The most frequent of , ; and tab outside quotes on the first line; comma on a tie.
char delimiter_of(std::string_view text) {
  constexpr std::array<char, 3> kCandidates = {',', ';', '\t'};
  std::array<size_t, 3> counts{};
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) break;
    for (size_t i = 0; i < kCandidates.size(); ++i) {
      if (!quoted && c == kCandidates[i]) ++counts[i];
    }
  }
  return kCandidates[std::max_element(counts.begin(), counts.end()) - counts.begin()];
}

TableRows parse_csv(std::string_view text, char delimiter) {
  TableRows rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    rows.push_back(std::move(row));
    row.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;  // a quote only opens a field at its start; elsewhere it is a character
    } else if (c == delimiter) {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) end_row();
  return rows;
}

}  // namespace

Document extract_csv(std::string_view text) {
  Document document;
  append_table_blocks(parse_csv(text, delimiter_of(text)), 0, document.blocks);
  return document;
}

}  // namespace brainstem::knowledge::detail
