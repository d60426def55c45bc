// What a change to an agent or to its cached answers must drop from the caches of every node
// that serves it. The local engine drops this server's copies at once; an engine shared by
// several nodes publishes the change as well, and each node applies it to its own caches.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "pipeline/agent_cache.h"
#include "pipeline/semantic_cache.h"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace brainstem::services {

class CacheInvalidation {
 public:
  virtual ~CacheInvalidation() = default;
  // The agent's record changed or is gone: its parsed configuration is stale.
  virtual boost::asio::awaitable<void> agent_changed(const std::string& tenant_id, const std::string& agent_id) = 0;
  // The tenant's cached answers of the agent (empty: of every agent) were deleted.
  virtual boost::asio::awaitable<void> answers_flushed(const std::string& tenant_id, const std::string& agent_id) = 0;
};

// One node: the change applies to this server's caches before the call returns.
class LocalCacheInvalidation final : public CacheInvalidation {
 public:
  LocalCacheInvalidation(pipeline::AgentCache& agents, pipeline::SemanticCache& answers)
      : agents_(agents), answers_(answers) {}

  boost::asio::awaitable<void> agent_changed(const std::string& tenant_id, const std::string& agent_id) override;
  boost::asio::awaitable<void> answers_flushed(const std::string& tenant_id, const std::string& agent_id) override;

 private:
  pipeline::AgentCache& agents_;
  pipeline::SemanticCache& answers_;
};

}  // namespace brainstem::services
