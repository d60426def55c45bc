// Parsed agent configurations, cached for `ttl_ms` (Cortex: 5 minutes). Every change made
// through this server invalidates the agent at once; the TTL bounds staleness for changes
// made elsewhere (another node, the CLI).
//
// Thread-safety: all methods may be called concurrently. load() reads the store on a miss.
#pragma once

#include "pipeline/agent_config.h"
#include "store/conversation_store.h"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

namespace brainstem::pipeline {

class AgentCache {
 public:
  explicit AgentCache(store::ConversationStore& store, int64_t ttl_ms = 300000) : store_(store), ttl_ms_(ttl_ms) {}

  // The agent with `id`, in whichever tenant it lives (the caller checks the tenant).
  // kNotFound if there is none.
  boost::asio::awaitable<Result<AgentConfigPtr>> load(const std::string& id);
  void invalidate(const std::string& id);

  int64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  int64_t loads() const { return loads_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    AgentConfigPtr config;
    int64_t loaded_at = 0;
  };
  store::ConversationStore& store_;
  const int64_t ttl_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::atomic<int64_t> hits_{0}, loads_{0};
};

}  // namespace brainstem::pipeline
