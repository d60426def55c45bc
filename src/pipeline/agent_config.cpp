#include "pipeline/agent_config.h"

#include "common/json_body.h"
#include "common/text.h"
#include "models/hashed_embedder.h"
#include "pipeline/template.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace brainstem::pipeline {

namespace json = boost::json;

namespace {

std::string indexed(std::string_view field, size_t i) { return std::string(field) + "[" + std::to_string(i) + "]"; }

// The array under `name` or its alternative spelling (Cortex's config names differ from its
// inputs: `action_definitions`, `workflow_faqs`).
const json::array* array_field(const json::object& doc, std::string_view name, std::string_view alias) {
  for (auto key : {name, alias}) {
    if (auto* v = doc.if_contains(key); v && v->is_array()) return &v->as_array();
  }
  return nullptr;
}

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Result<std::vector<Faq>> parse_faqs(const json::object& doc) {
  std::vector<Faq> out;
  auto* list = array_field(doc, "faqs", "workflow_faqs");
  if (!list) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    if (item.is_string()) continue;  // Cortex's workflow_faqs may be plain labels; nothing to answer from
    if (!item.is_object()) return Status::validation(indexed("faqs", i), "must be an object {question, answer}");
    Faq faq{text_of(item.as_object(), "question"), text_of(item.as_object(), "answer"), {}};
    if (faq.question.empty() || faq.answer.empty()) {
      return Status::validation(indexed("faqs", i), "question and answer are required strings");
    }
    out.push_back(std::move(faq));
  }
  return out;
}

Result<std::vector<Scenario>> parse_scenarios(const json::object& doc) {
  std::vector<Scenario> out;
  auto* list = array_field(doc, "scenarios", "sops");
  if (!list) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_object()) return Status::validation(indexed("scenarios", i), "must be an object");
    const auto& o = (*list)[i].as_object();
    Scenario s{text_of(o, "name"), {}, text_of(o, "instructions")};
    if (s.name.empty()) return Status::validation(indexed("scenarios", i) + ".name", "field required");
    if (auto* t = o.if_contains("triggers"); t && t->is_array()) {
      for (const auto& trig : t->as_array()) {
        if (trig.is_string() && !trig.as_string().empty()) s.triggers.push_back(ascii_lower(trig.as_string()));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<ActionDefinition>> parse_actions(const json::object& doc) {
  std::vector<ActionDefinition> out;
  auto* list = array_field(doc, "actions", "action_definitions");
  if (!list) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    auto action = parse_action((*list)[i], indexed("actions", i));
    if (!action) return action.status();
    bool duplicate = std::any_of(out.begin(), out.end(), [&](const ActionDefinition& a) { return a.name == action->name; });
    if (duplicate) return Status::validation(indexed("actions", i) + ".name", "duplicate action name");
    out.push_back(std::move(action).value());
  }
  return out;
}

// Reads every scalar setting; records the first error in `f`.
void read_settings(FieldReader& f, const json::object& doc, AgentConfig& c) {
  c.model = f.string("model", 0, 200).value_or("");
  c.language = f.string("language", 0, 32).value_or("");
  c.system_prompt = f.string("system_prompt", 0, 64000).value_or("");
  c.token_budget = static_cast<int>(f.integer("token_budget", 256, 1'000'000).value_or(c.token_budget));
  c.max_tool_rounds = static_cast<int>(f.integer("max_tool_rounds", 0, 5).value_or(c.max_tool_rounds));
  c.history_turns = static_cast<int>(f.integer("history_turns", 0, 200).value_or(c.history_turns));
  c.max_facts = static_cast<int>(f.integer("max_facts", 0, 200).value_or(c.max_facts));
  c.recall_turns = static_cast<int>(f.integer("recall_turns", 0, 50).value_or(c.recall_turns));
  c.recall_across_agents = f.boolean("recall_across_agents").value_or(c.recall_across_agents);
  c.temperature = f.number("temperature", 0, 2);
  if (auto m = f.integer("max_tokens", 1, 1'000'000)) c.max_tokens = static_cast<int>(*m);
  if (auto* p = f.object("personality")) c.personality = *p;
  if (auto* d = f.object("dialect")) c.dialect = *d;
  if (auto* policy = f.object("model_policy")) {
    FieldReader pf(*policy);
    c.model_policy.policy = pf.one_of("policy", {"cost", "latency"}).value_or("");
    c.model_policy.tier = pf.one_of("tier", {"speed", "nano", "sonnet", "complex", "search"}).value_or("");
    c.model_policy.task_type = pf.string("task_type", 0, 64).value_or("");
    c.model_policy.max_cost_usd = pf.number("max_cost_usd", 0, 1e6);
    if (!pf.ok()) f.fail("model_policy." + pf.status().field(), pf.status().message());
  }
  if (auto* cache = f.object("cache")) {
    FieldReader cf(*cache);
    c.cache_enabled = cf.boolean("enabled").value_or(true);
    c.cache_threshold = cf.number("threshold", 0.5, 1.0);
    if (!cf.ok()) f.fail("cache." + cf.status().field(), cf.status().message());
  }
  if (auto ids = f.string_array("knowledge_source_ids", 1000)) c.knowledge_source_ids = *ids;
  if (auto ids = f.string_array("allowed_connector_ids", 20)) c.allowed_connector_ids = *ids;
  (void)doc;
}

Result<AgentConfig> parse_document(const json::object& doc) {
  AgentConfig c;
  FieldReader f(doc);
  read_settings(f, doc, c);
  if (!f.ok()) return f.status();
  if (!c.system_prompt.empty()) {
    auto compiled = CompiledTemplate::compile(c.system_prompt);
    if (!compiled) return Status::validation("system_prompt", compiled.status().message());
    c.prompt_template = std::make_shared<const CompiledTemplate>(std::move(compiled).value());
  }
  auto faqs = parse_faqs(doc);
  if (!faqs) return faqs.status();
  c.faqs = std::move(faqs).value();
  auto scenarios = parse_scenarios(doc);
  if (!scenarios) return scenarios.status();
  c.scenarios = std::move(scenarios).value();
  auto actions = parse_actions(doc);
  if (!actions) return actions.status();
  c.actions = std::move(actions).value();
  return c;
}

}  // namespace

Status validate_agent_document(const json::object& doc) {
  auto parsed = parse_document(doc);
  return parsed ? Status::ok() : parsed.status();
}

Result<AgentConfigPtr> parse_agent(const store::Agent& agent) {
  boost::system::error_code ec;
  auto value = json::parse(agent.config, ec);
  if (ec || !value.is_object()) return Status::internal("agent " + agent.id + " has a malformed stored configuration");
  auto parsed = parse_document(value.as_object());
  if (!parsed) return Status::internal("agent " + agent.id + ": " + parsed.status().message());
  auto config = std::make_shared<AgentConfig>(std::move(parsed).value());
  static const models::HashedEmbedder embedder;
  for (auto& faq : config->faqs) faq.embedding = embedder.embed_one(faq.question);
  config->id = agent.id;
  config->tenant_id = agent.tenant_id;
  config->name = agent.name;
  config->status = agent.status;
  config->version = agent.version;
  return AgentConfigPtr(std::move(config));
}

json::object AgentConfig::public_view() const {
  json::array faq_list, scenario_list, action_list;
  for (const auto& f : faqs) faq_list.push_back(json::object{{"question", f.question}, {"answer", f.answer}});
  for (const auto& s : scenarios) {
    scenario_list.push_back(json::object{{"name", s.name},
                                         {"triggers", json::array(s.triggers.begin(), s.triggers.end())},
                                         {"instructions", s.instructions}});
  }
  for (const auto& a : actions) action_list.push_back(action_to_json(a, false));
  json::object policy{{"policy", model_policy.policy.empty() ? json::value(nullptr) : json::value(model_policy.policy)},
                      {"tier", model_policy.tier.empty() ? json::value(nullptr) : json::value(model_policy.tier)},
                      {"task_type", model_policy.task_type.empty() ? json::value(nullptr) : json::value(model_policy.task_type)},
                      {"max_cost_usd", model_policy.max_cost_usd ? json::value(*model_policy.max_cost_usd) : json::value(nullptr)}};
  json::object out{{"id", id},
                   {"company_id", tenant_id},
                   {"name", name},
                   {"status", status},
                   {"version", version},
                   {"model", model.empty() ? json::value(nullptr) : json::value(model)},
                   {"model_policy", std::move(policy)},
                   {"personality", personality},
                   {"dialect", dialect},
                   {"language", language},
                   {"system_prompt", system_prompt},
                   {"faqs", faq_list},
                   {"workflow_faqs", faq_list},
                   {"scenarios", std::move(scenario_list)},
                   {"knowledge_source_ids", json::array(knowledge_source_ids.begin(), knowledge_source_ids.end())},
                   {"allowed_connector_ids", json::array(allowed_connector_ids.begin(), allowed_connector_ids.end())},
                   {"actions", action_list},
                   {"action_definitions", action_list},
                   {"token_budget", token_budget},
                   {"max_tool_rounds", max_tool_rounds},
                   {"history_turns", history_turns},
                   {"max_facts", max_facts},
                   {"recall_turns", recall_turns},
                   {"recall_across_agents", recall_across_agents},
                   {"temperature", temperature ? json::value(*temperature) : json::value(nullptr)},
                   {"max_tokens", max_tokens ? json::value(*max_tokens) : json::value(nullptr)},
                   {"cache", json::object{{"enabled", cache_enabled}, {"threshold", cache_threshold ? json::value(*cache_threshold) : json::value(nullptr)}}}};
  return out;
}

std::string documents_source_id(const std::string& agent_id) { return "agent-documents-" + agent_id; }

}  // namespace brainstem::pipeline
