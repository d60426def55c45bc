// Splits a Document into retrievable chunks of about `target_tokens` tokens, following its
// structure: a heading or a new page starts a new chunk and every chunk carries the path of
// headings above it; paragraphs and list items are packed together until the target; a table stays whole
// when it fits under `max_tokens`, else it is split by rows with its header row repeated; a
// paragraph over the target is split at sentence ends, then at words. Consecutive chunks of
// one section share about `overlap_tokens` of text so an answer cut at a boundary is still
// found whole in one of them.
//
// Token counts come from the caller (the server's real tokenizer), so chunk sizes are in the
// units the model's context budget is.
#pragma once

#include "knowledge/document.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::knowledge {

struct ChunkerOptions {
  int target_tokens = 256;
  int overlap_tokens = 32;
  int max_tokens = 512;  // a table or list up to this size is never split
};

struct TextChunk {
  std::string text;
  std::string heading_path;  // "Guide > Returns"
  int page = 0;              // the page of the chunk's first block
  int64_t tokens = 0;
};

using TokenCount = std::function<int64_t(std::string_view)>;

std::vector<TextChunk> chunk_document(const Document& document, const ChunkerOptions& options,
                                      const TokenCount& count_tokens);

}  // namespace brainstem::knowledge
