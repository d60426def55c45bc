// Any OpenAI-compatible endpoint (vLLM, llama.cpp's server, Ollama, OpenAI): chat completions
// plain and streamed (SSE), tool calls, embeddings. Retries connection failures, 429 and 5xx
// with exponential backoff, honouring Retry-After, but only before the first delta reached
// the caller. Thread-safety and errors: as Provider.
#pragma once

#include "models/remote_call.h"

namespace brainstem::models {

class OpenAiProvider final : public RemoteProvider {
 public:
  OpenAiProvider(ModelSpec spec, net::HttpClient& client);

  boost::asio::awaitable<Result<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& on_delta) override;
  boost::asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>& inputs) override;
  ModelInfo info() const override;
};

}  // namespace brainstem::models
