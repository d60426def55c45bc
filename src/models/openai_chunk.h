// Reads one streamed `chat.completion.chunk` event of an OpenAI-compatible API. A stream
// carries one such event per token, so the fields a reply needs are picked out as the parser
// passes them (Boost.JSON's SAX parser), without building a JSON tree for each event; and
// ChunkReader skips the parser for chunks that differ from an earlier one only in their text.
#pragma once

#include "models/chat.h"
#include "models/stream_template.h"

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
  int64_t cached_tokens = 0;  // usage.prompt_tokens_details.cached_tokens
  bool has_choice = false;  // choices[0] is an object; the rest is read from it
  std::string finish_reason;
  bool has_delta = false;  // choices[0].delta is an object
  std::string content;
  std::vector<ToolCallDelta> tool_calls;  // delta.tool_calls entries that are objects, in order
};

// Reads `data` into `out`; false when it is not a JSON object.
bool read_chunk(std::string_view data, ChunkFields& out);

// Reads the chunks of one stream: a chunk that repeats the last parsed one but for the delta's
// text is known without parsing (TextTemplate). Everything else goes through read_chunk.
class ChunkReader {
 public:
  // What `data` says, valid until the next call; nullptr when it is not a JSON object.
  const ChunkFields* read(std::string_view data);

 private:
  ChunkFields fields_;  // of the last parsed chunk, or of the template with the last text
  TextTemplate template_;
};

}  // namespace brainstem::models
