#include "knowledge/embedding_models.h"

#include "models/provider_embedder.h"

namespace brainstem::knowledge {

namespace {

bool names_builtin(const std::string& name) { return name.empty() || name == "builtin" || name == "hashed"; }

}  // namespace

EmbeddingModels::EmbeddingModels(std::shared_ptr<models::Embedder> builtin, const models::ModelRegistry& registry,
                                 std::string default_name)
    : builtin_(std::move(builtin)), default_name_(std::move(default_name)) {
  for (const auto& spec : registry.specs()) {
    auto provider = registry.find(spec.id);
    if (provider && provider->info().supports_embeddings) {
      configured_[spec.id] = std::make_shared<models::ProviderEmbedder>(spec.id, provider);
    }
  }
}

Result<std::shared_ptr<models::Embedder>> EmbeddingModels::find(const std::string& name) const {
  const std::string& wanted = name.empty() ? default_name_ : name;
  if (names_builtin(wanted) || wanted == builtin_->id()) return builtin_;
  if (auto it = configured_.find(wanted); it != configured_.end()) return it->second;
  return Status::validation("embedding_model", "unknown embedding model '" + wanted +
                                                   "': name a configured model that embeds, or \"builtin\"");
}

std::shared_ptr<models::Embedder> EmbeddingModels::by_id(const std::string& id) const {
  if (id == builtin_->id()) return builtin_;
  auto it = configured_.find(id);
  return it == configured_.end() ? nullptr : it->second;
}

}  // namespace brainstem::knowledge
