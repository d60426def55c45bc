#include "services/answers.h"

#include "common/clock.h"
#include "common/ids.h"

namespace brainstem::services {

Answers::Task<Result<int64_t>> Answers::warm(const std::string& tenant_id, const std::string& agent_id,
                                             std::vector<AnswerPair> pairs) {
  if (Status s = co_await agents_.require(tenant_id, agent_id); !s.is_ok()) co_return s;
  std::vector<store::CacheEntry> entries;
  for (auto& pair : pairs) {
    if (pair.question.empty() || pair.answer.empty()) continue;
    auto embedding = embedder_.embed_one(pipeline::SemanticCache::normalise(pair.question));
    entries.push_back({random_id("ce_", 16), tenant_id, agent_id, "", std::move(pair.question), std::move(pair.answer),
                       "warm", std::move(embedding), now_ms()});
  }
  for (const auto& entry : entries) {
    if (Status s = co_await store_.put_cache_entry(entry); !s.is_ok()) co_return s;
  }
  for (const auto& entry : entries) cache_.insert(entry);
  co_return static_cast<int64_t>(entries.size());
}

Answers::Task<Result<int64_t>> Answers::flush(const std::string& tenant_id, const std::string& agent_id) {
  auto deleted = co_await store_.delete_cache_entries(tenant_id, agent_id);
  co_await invalidation_.answers_flushed(tenant_id, agent_id);
  co_return deleted;
}

}  // namespace brainstem::services
