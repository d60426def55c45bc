// ProviderEmbedder: a configured model (llama.cpp GGUF, OpenAI-compatible endpoint) used as
// an Embedder. Its id() is the model's id; its dimension is learned from the first answer
// (0 before), and an answer of another dimension is an error, since the vectors could not be
// compared.
#pragma once

#include "models/embedder.h"
#include "models/provider.h"

#include <atomic>
#include <memory>

namespace brainstem::models {

class ProviderEmbedder final : public Embedder {
 public:
  ProviderEmbedder(std::string model_id, std::shared_ptr<Provider> provider)
      : model_id_(std::move(model_id)), provider_(std::move(provider)) {}

  std::string id() const override { return model_id_; }
  int dimension() const override { return dimension_.load(); }
  boost::asio::awaitable<Result<std::vector<std::vector<float>>>> embed(const std::vector<std::string>& texts) override;

 private:
  const std::string model_id_;
  const std::shared_ptr<Provider> provider_;
  std::atomic<int> dimension_{0};
};

}  // namespace brainstem::models
