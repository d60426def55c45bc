// The model layer's vocabulary: chat requests, replies, streamed deltas, tool calls,
// embeddings. Providers (provider.h) and the API families speak these types; each family maps
// its own wire format to them at the edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::models {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as the model produced it
};

struct Message {
  std::string role;  // system | user | assistant | tool
  std::string content;
  std::string name;
  std::string tool_call_id;          // role "tool": which call this answers
  std::vector<ToolCall> tool_calls;  // role "assistant": calls the model made
};

struct Tool {
  std::string name;
  std::string description;
  std::string parameters;  // JSON Schema text
};

// A passage the prompt was built from (retrieved knowledge, an FAQ, a memory), best first.
struct ContextPassage {
  std::string text;
  std::string source;  // how to cite it: "returns.docx — Refunds", "FAQ \"Opening hours\""
};

struct ChatRequest {
  std::string model;  // the configured model id
  std::vector<Message> messages;
  std::vector<Tool> tools;
  std::string tool_choice;  // "", "auto", "none", "required"
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
  std::vector<std::string> stop;
  std::optional<uint64_t> seed;
  // What the extractive provider answers from; models read the same text in the messages.
  std::vector<ContextPassage> passages;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // of the prompt tokens, those served from a cache and not computed again
};

struct ChatResponse {
  std::string model;
  std::string content;
  std::vector<ToolCall> tool_calls;
  std::string finish_reason;  // stop | length | tool_calls
  Usage usage;
};

// A piece of a streamed reply: text to append, and/or fragments of tool calls.
struct ToolCallDelta {
  int index = 0;
  std::string id;         // set on a call's first fragment
  std::string name;       // set on a call's first fragment
  std::string arguments;  // appended
};

struct ChatDelta {
  std::string content;
  std::vector<ToolCallDelta> tool_calls;
};

struct EmbeddingResult {
  std::vector<std::vector<float>> vectors;  // one per input, in order
  int64_t prompt_tokens = 0;
};

}  // namespace brainstem::models
