// An agent's configuration as the pipeline uses it: parsed once from the stored JSON
// document (store::Agent::config), validated, immutable afterwards and shared between
// concurrent messages.
#pragma once

#include "common/status.h"
#include "pipeline/action.h"
#include "pipeline/template.h"
#include "store/store.h"

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::pipeline {

struct Faq {
  std::string question;
  std::string answer;
  // The question by the built-in embedder (models/hashed_embedder.h, default dimension), the
  // one the pipeline embeds messages with; made once when the agent is parsed.
  std::vector<float> embedding;
};

// A standard operating procedure: when the message matches one of its triggers, its
// instructions join the prompt and its name is reported as `sop_matched`.
struct Scenario {
  std::string name;
  std::vector<std::string> triggers;  // lower-case phrases
  std::string instructions;
};

struct ModelPolicy {
  std::string policy;     // cost | latency | "" (configuration order)
  std::string tier;       // speed | nano | sonnet | complex | "" (classified per message)
  std::string task_type;  // code_generation | reasoning | ... | ""
  std::optional<double> max_cost_usd;
};

struct AgentConfig {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string status;  // draft | active | paused
  int64_t version = 0;

  std::string model;  // a configured model id; empty: the router picks
  ModelPolicy model_policy;
  boost::json::object personality;  // {id, name, tone, ...}
  boost::json::object dialect;      // {name, primary_language}
  std::string language;
  std::string system_prompt;  // template (pipeline/template.h)
  std::shared_ptr<const CompiledTemplate> prompt_template;  // system_prompt parsed; null when empty
  std::vector<Faq> faqs;
  std::vector<Scenario> scenarios;
  std::vector<std::string> knowledge_source_ids;
  std::vector<ActionDefinition> actions;
  // MCP connectors whose tools join the agent's own actions, named "<connector id>__<tool>".
  std::vector<std::string> allowed_connector_ids;
  int token_budget = 4096;  // prompt tokens the optimizer fits the context into
  int max_tool_rounds = 5;
  int history_turns = 20;  // session turns recalled
  // Earlier turns of the same customer, from other sessions, recalled by relevance to the
  // message (0: none); of this agent only, or of every agent of the tenant when allowed.
  int recall_turns = 4;
  bool recall_across_agents = false;
  int max_facts = 20;
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  bool cache_enabled = true;
  std::optional<double> cache_threshold;  // similarity of a semantic cache hit; unset: the server's

  // The stored document, for `GET /v1/agents/{id}/config` (secrets removed).
  boost::json::object public_view() const;
};

using AgentConfigPtr = std::shared_ptr<const AgentConfig>;

// Validates a configuration document (the body of POST/PATCH /v1/agents without id/status).
// Errors are validation statuses naming the field ("actions[0].webhook_url").
Status validate_agent_document(const boost::json::object& doc);

// The knowledge source holding the agent's own documents (POST /v1/knowledge/ingest/documents);
// the agent searches it besides its knowledge_source_ids.
std::string documents_source_id(const std::string& agent_id);

// Parses a stored agent. The document was validated when saved; a document that no longer
// parses (edited by hand) is kInternal.
Result<AgentConfigPtr> parse_agent(const store::Agent& agent);

}  // namespace brainstem::pipeline
