// The semantic cache as a tenant manages it: answers stored ahead of questions (warming),
// flushed, counted. Entries live in the store (reloaded at start) and in the in-memory cache
// the pipeline looks up; a flush reaches every node through CacheInvalidation.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "models/hashed_embedder.h"
#include "pipeline/semantic_cache.h"
#include "services/agents.h"
#include "services/cache_invalidation.h"
#include "store/conversation_store.h"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace brainstem::services {

struct AnswerPair {
  std::string question;
  std::string answer;
};

class Answers {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;

  Answers(store::ConversationStore& store, pipeline::SemanticCache& cache, const models::HashedEmbedder& embedder,
          Agents& agents, CacheInvalidation& invalidation)
      : store_(store), cache_(cache), embedder_(embedder), agents_(agents), invalidation_(invalidation) {}

  // Stores each pair as a shared answer of the tenant's agent (kNotFound without the agent);
  // returns how many were stored. A pair with an empty question or answer is skipped.
  Task<Result<int64_t>> warm(const std::string& tenant_id, const std::string& agent_id, std::vector<AnswerPair> pairs);
  // Deletes the tenant's answers of the agent (empty: of every agent); returns how many
  // stored entries were deleted.
  Task<Result<int64_t>> flush(const std::string& tenant_id, const std::string& agent_id);
  pipeline::CacheStats stats(const std::string& tenant_id) const { return cache_.stats(tenant_id); }

 private:
  store::ConversationStore& store_;
  pipeline::SemanticCache& cache_;
  const models::HashedEmbedder& embedder_;
  Agents& agents_;
  CacheInvalidation& invalidation_;
};

}  // namespace brainstem::services
