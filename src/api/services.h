// What route handlers reach: the long-lived services of one server, wired by app/.
// Everything here outlives every request.
#pragma once

#include "a2a/card.h"
#include "a2a/tasks.h"
#include "auth/accounts.h"
#include "auth/authenticator.h"
#include "common/offload.h"
#include "common/task_group.h"
#include "net/address_policy.h"
#include "net/client.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/page_fetcher.h"
#include "knowledge/turn_index.h"
#include "memory/cellstate.h"
#include "api/generation_gate.h"
#include "mcp/connectors.h"
#include "models/registry.h"
#include "models/router.h"
#include "ops/audit.h"
#include "ops/budgets.h"
#include "ops/usage_meter.h"
#include "ops/webhooks.h"
#include "pipeline/pipeline.h"
#include "ops/metrics.h"
#include "ops/rate_limiter.h"
#include "orchestration/agent_steps.h"
#include "orchestration/composer.h"
#include "orchestration/notifications.h"
#include "orchestration/projects.h"
#include "orchestration/entities.h"
#include "orchestration/orchestrator.h"
#include "orchestration/planner.h"
#include "services/agents.h"
#include "services/answers.h"
#include "services/conversations.h"
#include "store/store_engine.h"

#include <cstdint>
#include <string>
#include <unordered_map>

namespace brainstem::api {

struct KnowledgeOptions {
  std::string upload_dir;                  // ingest/file paths must lie inside it
  size_t max_file_bytes = size_t(32) << 20;  // uploads and files to ingest
  knowledge::FetchLimits fetch;            // ingest/url
};

struct ApiOptions {
  std::string version = "0.1.0";
  std::string data_dir;
  ops::RateLimits default_limits;
  // Per-tenant overrides, by tenant id or slug.
  std::unordered_map<std::string, ops::RateLimits> tenant_limits;
  int64_t model_idle_ms = 60 * 60000;  // local models idle this long are unloaded by /v1/cleanup
  int64_t started_at_ms = 0;
  KnowledgeOptions knowledge;
  // The key orchestrators present to this server's backend routes (server.backend_key_env);
  // empty: only tenants' API keys.
  std::string backend_key;
  // Base of the URLs this server publishes (agent cards); empty: http:// and the request's Host.
  std::string public_url;
};

struct Services {
  ApiOptions options;
  store::StoreEngine& engine;  // health only: handlers reach records through the services
  BlockingPool& blocking;  // CPU-heavy work: password hashing, reading uploaded files
  auth::Authenticator& authenticator;
  auth::Accounts& accounts;
  ops::RateLimiter& rate_limiter;
  ops::Metrics& metrics;
  ops::AuditLog& audit;
  models::ModelRegistry& models;
  models::ModelRouter& router;
  GenerationGate& gate;
  ops::Budgets& budgets;
  ops::UsageMeter& usage;
  ops::WebhookDispatcher& webhooks;
  pipeline::Pipeline& pipeline;
  services::Agents& agents;
  services::Answers& answers;  // the semantic cache as tenants manage it (Cortex /v1/cache/*)
  services::Conversations& conversations;  // sessions, customers, facts
  const net::AddressPolicy& address_policy;  // what outgoing calls to tenant URLs may reach
  knowledge::KnowledgeBase& knowledge;
  const knowledge::TurnIndex& turn_index;  // conversation turns, searchable shortly after their write
  net::HttpClient& outbound;  // calls to tenant-given URLs (web pages to ingest)
  memory::CellState& cellstate;
  orchestration::Orchestrator& orchestrator;  // workflows and runs (seed 002)
  orchestration::Planner& planner;            // plans costed before they run
  orchestration::SecurityPolicies& security;  // guardrails on runs' tool calls, scans of runs
  orchestration::Entities& entities;          // skills, plugins, playbooks, policies, guardrails
  orchestration::AgentSteps& agent_steps;     // single agent steps recorded under a run id
  orchestration::Composer& composer;          // workflows proposed for an intent
  orchestration::Notifications& notifications;  // what the workspace's runs need or did
  orchestration::Projects& projects;            // ideas carried through a lifecycle, each with a planned run
  mcp::Connectors& connectors;                  // MCP servers the workspace registered, and their tools
  a2a::Tasks& a2a_tasks;                        // messages sent to agents over A2A, as tasks
  const a2a::CardSigner& card_signer;           // signs the agent cards this server publishes
  TaskGroup& background;  // work that outlives its request (async ingestion)

  const ops::RateLimits& limits_for(const std::string& tenant_id, const std::string& slug) const;
};

}  // namespace brainstem::api
