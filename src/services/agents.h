// A tenant's agents: their records and configuration documents, kept in step with the caches
// that serve them. Every change invalidates the parsed agent (on every node, through
// CacheInvalidation); a deletion also drops the agent's cached answers. Another tenant's agent
// is "not found", as if it did not exist.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "common/status.h"
#include "pipeline/agent_cache.h"
#include "services/cache_invalidation.h"
#include "store/conversation_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace brainstem::services {

struct AgentDraft {
  std::string name;
  std::string status = "active";  // draft, active, paused
  boost::json::object config;     // the configuration document (validated)
};

struct AgentChange {
  std::optional<std::string> name;
  std::optional<std::string> status;
  // Keys replacing the stored document's; an action given again without its auth_secret keeps
  // the stored secret (answers never show it).
  boost::json::object config;
};

class Agents {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;

  Agents(store::ConversationStore& store, pipeline::AgentCache& cache, CacheInvalidation& invalidation)
      : store_(store), cache_(cache), invalidation_(invalidation) {}

  // kValidation when the document is not a valid agent configuration.
  Task<Result<store::Agent>> create(const std::string& tenant_id, AgentDraft draft);
  Task<Result<std::vector<store::Agent>>> list(const std::string& tenant_id);  // newest first
  // The agents in status "active" (what MCP hosts and A2A clients may call), newest first.
  Task<Result<std::vector<store::Agent>>> list_active(const std::string& tenant_id);
  Task<Result<store::Agent>> get(const std::string& tenant_id, const std::string& id);
  Task<Result<store::Agent>> update(const std::string& tenant_id, const std::string& id, AgentChange change);
  // Deletes the agent and its cached answers.
  Task<Status> remove(const std::string& tenant_id, const std::string& id);

  // The agent's configuration as the pipeline loads it (from the same cache).
  Task<Result<pipeline::AgentConfigPtr>> config(const std::string& tenant_id, const std::string& id);
  // OK when the tenant has the agent; kNotFound otherwise.
  Task<Status> require(const std::string& tenant_id, const std::string& id);
  // Adds the knowledge source to the agent's knowledge_source_ids, once.
  Task<Status> attach_source(const std::string& tenant_id, const std::string& agent_id, const std::string& source_id);

 private:
  // Stores the changed record and invalidates the agent everywhere.
  Task<Result<store::Agent>> store_change(const store::Agent& agent);

  store::ConversationStore& store_;
  pipeline::AgentCache& cache_;
  CacheInvalidation& invalidation_;
};

}  // namespace brainstem::services
