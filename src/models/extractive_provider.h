// The model-free provider: answers by quoting the passage that best matches the question,
// with its source, labelled as an extractive answer. It is what brainstem answers with when
// no model is configured (model id "extractive"), and a last-resort fallback when configured
// after other models (provider = "extractive").
//
// It answers from the request's passages (retrieved knowledge and FAQs, best first, as the
// pipeline ranked them); without any, from the sentences of the conversation's earlier
// messages (a prompt that carries its own documents), ranked by the words they share with the
// last user message. No passage sharing a word: a fixed "no answer" reply. Streams word by
// word; never fails; costs nothing; no tools, no embeddings.
#pragma once

#include "models/provider.h"
#include "models/registry.h"

namespace brainstem::models {

class ExtractiveProvider final : public Provider {
 public:
  explicit ExtractiveProvider(ModelSpec spec) : spec_(std::move(spec)) {}

  boost::asio::awaitable<Result<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& on_delta) override;
  boost::asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>& inputs) override;
  ModelInfo info() const override;

  // The reply for `request`, without streaming (what chat() delivers).
  static std::string answer(const ChatRequest& request);

 private:
  ModelSpec spec_;
};

}  // namespace brainstem::models
