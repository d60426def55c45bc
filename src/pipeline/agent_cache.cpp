#include "pipeline/agent_cache.h"

#include "common/clock.h"

namespace brainstem::pipeline {

boost::asio::awaitable<Result<AgentConfigPtr>> AgentCache::load(const std::string& id) {
  loads_.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = now_ms();
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(id); it != entries_.end() && now - it->second.loaded_at < ttl_ms_) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      co_return it->second.config;
    }
  }
  auto stored = co_await store_.find_agent(id);
  if (!stored) co_return stored.status();
  auto parsed = parse_agent(stored.value());
  if (!parsed) co_return parsed.status();
  std::lock_guard lock(mu_);
  entries_[id] = Entry{parsed.value(), now};
  co_return parsed;
}

void AgentCache::invalidate(const std::string& id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
}

}  // namespace brainstem::pipeline
