#include "pipeline/prompt.h"

#include "common/clock.h"

#include "common/offload.h"
#include "pipeline/template.h"

namespace brainstem::pipeline {

namespace json = boost::json;

json::object template_variables(const PipelineState& state, const CompiledTemplate& tmpl) {
  const AgentConfig& agent = *state.agent;
  const MessageRequest& req = state.request;
  json::object vars;
  if (tmpl.uses("agent")) {
    vars["agent"] = json::object{{"name", agent.name}, {"personality", agent.personality}, {"dialect", agent.dialect},
                                 {"language", agent.language}};
  }
  if (tmpl.uses("customer")) {
    json::object customer = req.identity;
    customer["id"] = state.result.customer_id;
    vars["customer"] = std::move(customer);
  }
  if (tmpl.uses("facts") || tmpl.uses("memory")) {
    json::array facts;
    for (const auto& f : state.facts) facts.push_back(json::object{{"fact", f.fact}, {"category", f.category}, {"confidence", f.confidence}});
    vars["memory"] = json::object{{"facts", facts}};
    vars["facts"] = std::move(facts);
  }
  if (tmpl.uses("knowledge")) {
    json::array knowledge;
    for (const auto& p : state.knowledge) knowledge.push_back(json::object{{"title", p.title}, {"text", p.text}, {"source", p.source}, {"citation", p.citation}});
    vars["knowledge"] = std::move(knowledge);
  }
  if (tmpl.uses("channel")) vars["channel"] = req.channel;
  if (tmpl.uses("metadata")) vars["metadata"] = req.metadata;
  if (tmpl.uses("message")) vars["message"] = req.message;
  return vars;
}

namespace {

std::string default_identity(const AgentConfig& agent) {
  std::string out = "You are " + (agent.name.empty() ? std::string("a helpful assistant") : agent.name) + ".";
  if (auto* p = agent.personality.if_contains("name"); p && p->is_string()) out += " Personality: " + std::string(p->as_string()) + ".";
  if (auto* d = agent.dialect.if_contains("name"); d && d->is_string()) out += " Reply in " + std::string(d->as_string()) + ".";
  else if (!agent.language.empty()) out += " Reply in the language '" + agent.language + "'.";
  return out;
}

}  // namespace

std::string system_message(const PipelineState& state) {
  const AgentConfig& agent = *state.agent;
  std::string out;
  if (!agent.prompt_template) {
    out = default_identity(agent);
  } else {
    auto rendered = agent.prompt_template->render(template_variables(state, *agent.prompt_template));
    if (!rendered) throw StatusError(Status::internal("agent prompt template: " + rendered.status().message()));
    out = std::move(rendered).value();
  }
  if (state.scenario && !state.scenario->instructions.empty()) {
    out += "\n\nProcedure (" + state.scenario->name + "):\n" + state.scenario->instructions;
  }
  // A template that places facts or knowledge itself gets no second copy.
  const bool template_has_facts = agent.system_prompt.find("facts") != std::string::npos;
  const bool template_has_knowledge = agent.system_prompt.find("knowledge") != std::string::npos;
  if (!state.facts.empty() && !template_has_facts) {
    out += "\n\nWhat you know about this customer:";
    for (const auto& f : state.facts) out += "\n- " + f.fact;
  }
  if (!state.recalled.empty()) {
    out += "\n\nFrom earlier conversations with this customer:";
    for (const auto& t : state.recalled) {
      out += "\n- [" + iso8601(t.created_at).substr(0, 10) + "] " + (t.role == "user" ? "customer" : t.role) + ": " +
             t.content;
    }
  }
  if (!state.knowledge.empty() && !template_has_knowledge) {
    out += "\n\nRelevant knowledge:";
    for (const auto& p : state.knowledge) {
      if (p.citation.empty()) {
        out += "\n- Q: " + p.title + "\n  A: " + p.text;
      } else {
        out += "\n- [" + p.citation + "] " + p.text;
      }
    }
  }
  if (!state.earlier_summary.empty()) out += "\n\nEarlier in this conversation: " + state.earlier_summary;
  return out;
}

}  // namespace brainstem::pipeline
