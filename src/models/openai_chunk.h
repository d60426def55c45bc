// Reads one streamed `chat.completion.chunk` event of an OpenAI-compatible API. A stream
// carries one such event per token, so the fields a reply needs are picked out as the parser
// passes them (Boost.JSON's SAX parser), without building a JSON tree for each event; and
// ChunkReader skips the parser for chunks that differ from an earlier one only in their text.
#pragma once

#include "models/chat.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::models {

// What a chunk says; fields of the wrong JSON type count as absent.
struct ChunkFields {
  bool has_error = false;  // a top-level "error" member: the upstream failed mid-stream
  std::string model;
  bool has_usage = false;  // "usage" is an object: its token counts (0 when absent) follow
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  bool has_choice = false;  // choices[0] is an object; the rest is read from it
  std::string finish_reason;
  bool has_delta = false;  // choices[0].delta is an object
  std::string content;
  std::vector<ToolCallDelta> tool_calls;  // delta.tool_calls entries that are objects, in order
};

// Reads `data` into `out`; false when it is not a JSON object.
bool read_chunk(std::string_view data, ChunkFields& out);

// Reads the chunks of one stream. Servers repeat every byte of a chunk but the delta's text
// (id, model, created, index, ...), so a chunk that is a parsed one with only that text
// replaced, by text with nothing to escape and nothing beyond ASCII, is known without parsing:
// it says what that one said, with this text. Everything else goes through read_chunk.
class ChunkReader {
 public:
  // What `data` says, valid until the next call; nullptr when it is not a JSON object.
  const ChunkFields* read(std::string_view data);

 private:
  bool read_like_template(std::string_view data);

  ChunkFields fields_;
  // The last parsed chunk whose delta text lay in it as it is, and where that text lies.
  std::string template_;
  size_t content_begin_ = 0;
  size_t content_end_ = 0;
  bool have_template_ = false;
};

}  // namespace brainstem::models
