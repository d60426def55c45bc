// Document: what an extractor reads out of a file or page, before chunking. A flat list of
// Markdown-like blocks in reading order, each remembering the page it came from, so that the
// chunker can keep headings with their text and every chunk can cite where it came from.
#pragma once

#include <string>
#include <vector>

namespace brainstem::knowledge {

struct Block {
  enum class Kind { kHeading, kParagraph, kListItem, kTable };
  Kind kind = Kind::kParagraph;
  int level = 0;     // headings: 1..6; others 0
  std::string text;  // UTF-8, trimmed; a table is Markdown rows ("| a | b |"), one per line
  int page = 0;      // 1-based page or slide (PDF, PPTX) or sheet (XLSX); 0 when the format has none
};

struct Document {
  std::string title;  // from the file's metadata or first heading; may be empty
  std::vector<Block> blocks;
};

}  // namespace brainstem::knowledge
