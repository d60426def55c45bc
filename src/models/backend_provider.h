// A brainstem server in the backend role (seed 001's inference tier) as a provider: the
// orchestrator sends the conversation to `{base_url}/v1/inference` (or `/stream`) with the
// shared key as X-API-Key, naming the backend's model (upstream_model, default id), and reads
// seed 001's {completion} reply or its token/done/error events. No tools, no embeddings.
// Retries as remote_call.h (the backend's 429 load shedding included); errors as Provider.
#pragma once

#include "models/remote_call.h"

namespace brainstem::models {

class BackendProvider final : public RemoteProvider {
 public:
  BackendProvider(ModelSpec spec, net::HttpClient& client);

  boost::asio::awaitable<Result<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& on_delta) override;
  boost::asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>& inputs) override;
  ModelInfo info() const override;
};

}  // namespace brainstem::models
