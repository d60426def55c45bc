#include "models/provider_embedder.h"

namespace brainstem::models {

boost::asio::awaitable<Result<std::vector<std::vector<float>>>> ProviderEmbedder::embed(
    const std::vector<std::string>& texts) {
  auto result = co_await provider_->embed(texts);
  if (!result.ok()) co_return result.status();
  if (result->vectors.size() != texts.size()) {
    co_return Status::internal("model " + model_id_ + " returned " + std::to_string(result->vectors.size()) +
                               " embeddings for " + std::to_string(texts.size()) + " inputs");
  }
  for (const auto& vector : result->vectors) {
    int expected = 0;
    auto size = static_cast<int>(vector.size());
    if (!dimension_.compare_exchange_strong(expected, size) && expected != size) {
      co_return Status::internal("model " + model_id_ + " changed embedding dimension from " +
                                 std::to_string(expected) + " to " + std::to_string(size));
    }
  }
  co_return std::move(result->vectors);
}

}  // namespace brainstem::models
