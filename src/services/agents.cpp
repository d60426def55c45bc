#include "services/agents.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_text.h"
#include "pipeline/agent_config.h"

#include <boost/json/parse.hpp>

namespace brainstem::services {

namespace json = boost::json;

namespace {

void keep_action_secrets(json::object& change, const json::object& stored) {
  auto* new_actions = change.if_contains("actions");
  auto* old_actions = stored.if_contains("actions");
  if (!new_actions || !new_actions->is_array() || !old_actions || !old_actions->is_array()) return;
  for (auto& action : new_actions->as_array()) {
    auto* given = action.if_object();
    if (!given || given->contains("auth_secret") || !given->contains("name")) continue;
    for (const auto& old : old_actions->as_array()) {
      const auto* kept = old.if_object();
      if (kept && kept->contains("auth_secret") && kept->contains("name") && kept->at("name") == given->at("name")) {
        (*given)["auth_secret"] = kept->at("auth_secret");
      }
    }
  }
}

Result<json::object> stored_document(const store::Agent& agent) {
  boost::system::error_code ec;
  json::value doc = json::parse(agent.config, ec);
  if (ec || !doc.is_object()) return Status::internal("agent configuration is not a JSON object");
  return std::move(doc.as_object());
}

}  // namespace

Agents::Task<Result<store::Agent>> Agents::create(const std::string& tenant_id, AgentDraft draft) {
  if (Status s = pipeline::validate_agent_document(draft.config); !s.is_ok()) co_return s;
  store::Agent agent;
  agent.id = crypto::uuid_v4();
  agent.tenant_id = tenant_id;
  agent.name = std::move(draft.name);
  agent.status = std::move(draft.status);
  agent.config = json_text(draft.config);
  agent.created_at = agent.updated_at = now_ms();
  if (Status s = co_await store_.create_agent(agent); !s.is_ok()) co_return s;
  co_return agent;
}

Agents::Task<Result<std::vector<store::Agent>>> Agents::list(const std::string& tenant_id) {
  co_return co_await store_.list_agents(tenant_id);
}

Agents::Task<Result<std::vector<store::Agent>>> Agents::list_active(const std::string& tenant_id) {
  auto agents = co_await store_.list_agents(tenant_id);
  if (agents) std::erase_if(*agents, [](const store::Agent& a) { return a.status != "active"; });
  co_return agents;
}

Agents::Task<Result<store::Agent>> Agents::get(const std::string& tenant_id, const std::string& id) {
  co_return co_await store_.get_agent(tenant_id, id);
}

Agents::Task<Result<store::Agent>> Agents::update(const std::string& tenant_id, const std::string& id,
                                                  AgentChange change) {
  auto agent = co_await store_.get_agent(tenant_id, id);
  if (!agent) co_return agent.status();
  auto doc = stored_document(*agent);
  if (!doc) co_return doc.status();
  keep_action_secrets(change.config, *doc);
  for (auto& [key, value] : change.config) (*doc)[key] = std::move(value);
  if (Status s = pipeline::validate_agent_document(*doc); !s.is_ok()) co_return s;
  if (change.name) agent->name = std::move(*change.name);
  if (change.status) agent->status = std::move(*change.status);
  agent->config = json_text(*doc);
  co_return co_await store_change(*agent);
}

Agents::Task<Status> Agents::remove(const std::string& tenant_id, const std::string& id) {
  if (Status s = co_await store_.delete_agent(tenant_id, id); !s.is_ok()) co_return s;
  co_await invalidation_.agent_changed(tenant_id, id);
  // The agent is gone whatever happens to its answers: a failure here leaves rows no lookup
  // can reach (they are keyed by the deleted agent).
  (void)co_await store_.delete_cache_entries(tenant_id, id);
  co_await invalidation_.answers_flushed(tenant_id, id);
  co_return Status::ok();
}

Agents::Task<Result<pipeline::AgentConfigPtr>> Agents::config(const std::string& tenant_id, const std::string& id) {
  auto loaded = co_await cache_.load(id);
  if (!loaded) co_return loaded.status();
  if ((*loaded)->tenant_id != tenant_id) co_return Status::not_found("agent not found");
  co_return loaded;
}

Agents::Task<Status> Agents::require(const std::string& tenant_id, const std::string& id) {
  auto agent = co_await store_.get_agent(tenant_id, id);
  co_return agent ? Status::ok() : agent.status();
}

Agents::Task<Status> Agents::attach_source(const std::string& tenant_id, const std::string& agent_id,
                                           const std::string& source_id) {
  auto agent = co_await store_.get_agent(tenant_id, agent_id);
  if (!agent) co_return agent.status();
  auto doc = stored_document(*agent);
  if (!doc) co_return doc.status();
  json::value& ids = (*doc)["knowledge_source_ids"];
  if (!ids.is_array()) ids = json::array();
  for (const auto& id : ids.as_array()) {
    if (id.is_string() && id.as_string() == source_id) co_return Status::ok();
  }
  ids.as_array().emplace_back(source_id);
  agent->config = json_text(*doc);
  auto stored = co_await store_change(*agent);
  co_return stored ? Status::ok() : stored.status();
}

Agents::Task<Result<store::Agent>> Agents::store_change(const store::Agent& agent) {
  auto updated = co_await store_.update_agent(agent);
  if (updated) co_await invalidation_.agent_changed(agent.tenant_id, agent.id);
  co_return updated;
}

}  // namespace brainstem::services
