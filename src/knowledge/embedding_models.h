// The embedders that knowledge ingestion and search may use, by name: the built-in hashed
// embedder (also named "builtin" and "hashed") and every configured model that embeds.
// A chunk's vectors are stored under its embedder's id(), and a search embeds the query once
// per embedder id found among the sources it searches.
//
// Thread-safety: immutable after construction.
#pragma once

#include "common/status.h"
#include "models/embedder.h"
#include "models/registry.h"

#include <map>
#include <memory>
#include <string>

namespace brainstem::knowledge {

class EmbeddingModels {
 public:
  // `default_name`: what an ingestion that names no model uses ("" or "builtin": the built-in).
  EmbeddingModels(std::shared_ptr<models::Embedder> builtin, const models::ModelRegistry& registry,
                  std::string default_name);

  // The embedder called `name` ("" = the default). kInvalidArgument for an unknown name or a
  // model that does not embed.
  Result<std::shared_ptr<models::Embedder>> find(const std::string& name) const;
  // The embedder whose id() is `id`, or null.
  std::shared_ptr<models::Embedder> by_id(const std::string& id) const;

 private:
  std::shared_ptr<models::Embedder> builtin_;
  std::map<std::string, std::shared_ptr<models::Embedder>, std::less<>> configured_;  // by model id
  std::string default_name_;
};

}  // namespace brainstem::knowledge
