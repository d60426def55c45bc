// Anthropic's Messages API (`POST {base_url}/messages`): plain and streamed replies, tool use.
// The system messages of a request become the `system` field, tool calls become tool_use
// blocks and tool results tool_result blocks; replies map back to the OpenAI-shaped
// vocabulary of chat.h (stop_reason end_turn → stop, max_tokens → length, tool_use →
// tool_calls). Anthropic serves no embeddings. Retries as remote_call.h; errors as Provider.
#pragma once

#include "models/remote_call.h"

namespace brainstem::models {

class AnthropicProvider final : public RemoteProvider {
 public:
  // `spec.base_url` defaults to https://api.anthropic.com/v1.
  AnthropicProvider(ModelSpec spec, net::HttpClient& client);

  boost::asio::awaitable<Result<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& on_delta) override;
  boost::asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>& inputs) override;
  ModelInfo info() const override;
};

}  // namespace brainstem::models
