// Internal: text helpers the extractors share.
#pragma once

#include "knowledge/document.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::knowledge::detail {

using TableRows = std::vector<std::vector<std::string>>;

// Byte offset of the first byte that does not start a valid UTF-8 sequence; nullopt when
// all of `text` is valid (overlong forms, surrogates and code points past U+10FFFF are not).
std::optional<size_t> find_invalid_utf8(std::string_view text);

bool is_space(char c);  // ASCII whitespace
std::string_view trim(std::string_view text);

// Runs of whitespace, no-break spaces included, become one space; the ends are trimmed.
std::string collapse_whitespace(std::string_view text);

// Markdown table text: the first row is the header, then a delimiter row, then the rest;
// rows are padded to one width, cell whitespace collapsed and pipes escaped.
std::string markdown_table(const TableRows& rows);

// Appends the table as kTable blocks of at most a few dozen rows each, every one starting
// with the header row, so that a long table still chunks into readable pieces. Blank rows
// and trailing blank columns are dropped.
void append_table_blocks(TableRows rows, int page, std::vector<Block>& out);

}  // namespace brainstem::knowledge::detail
