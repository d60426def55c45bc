#include "orchestration/composer.h"

#include "knowledge/index/terms.h"
#include "orchestration/orchestrator.h"

#include <algorithm>
#include <set>

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

constexpr size_t kMaxSkillsChained = 5;

struct Candidate {
  std::string kind;  // playbook | template | skill
  std::string id;
  std::string name;
  std::string text;                 // what its words are matched in
  json::object workflow;            // playbooks and templates
  std::string instructions;         // skills
  size_t score = 0;
};

size_t shared_terms(const std::set<std::string>& intent, const std::string& text) {
  size_t n = 0;
  std::set<std::string> seen;
  for (auto& term : knowledge::index_terms(text)) {
    if (intent.contains(term) && seen.insert(term).second) ++n;
  }
  return n;
}

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A workflow's words: its node names and prompts.
std::string workflow_text(const json::object& workflow) {
  std::string text;
  if (const auto* nodes = workflow.if_contains("nodes"); nodes && nodes->is_array()) {
    for (const auto& n : nodes->as_array()) {
      if (!n.is_object()) continue;
      text += " " + text_of(n.as_object(), "name");
      if (const auto* config = n.as_object().if_contains("config"); config && config->is_object()) {
        text += " " + text_of(config->as_object(), "prompt");
      }
    }
  }
  return text;
}

json::object based_on(const Candidate& c) { return {{"kind", c.kind}, {"id", c.id}, {"name", c.name}}; }

// One agent step a skill, in a chain: the first reads the request, each next one the answer before.
json::object skill_chain(const std::vector<const Candidate*>& skills) {
  json::array nodes, edges;
  std::string previous;
  for (size_t i = 0; i < skills.size(); ++i) {
    std::string id = "step" + std::to_string(i + 1);
    std::string prompt = previous.empty() ? "{{input.request}}" : "{{nodes." + previous + ".output.text}}";
    nodes.push_back(json::object{{"id", id}, {"type", "agent_step"}, {"name", skills[i]->name},
                                 {"config", json::object{{"system", skills[i]->instructions}, {"prompt", prompt}}}});
    if (!previous.empty()) edges.push_back(json::object{{"from", previous}, {"to", id}});
    previous = id;
  }
  return {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
}

std::string title_of(const std::string& intent) {
  std::string title = intent.substr(0, 80);
  if (intent.size() > 80) title += "…";
  return title;
}

// What the workspace and the templates offer to compose from.
struct Offer {
  std::vector<Candidate> candidates;  // the workspace's playbooks and skills, then the templates
  bool has_entities = false;
};

Offer offer_of(const std::vector<json::object>& entities) {
  Offer offer;
  for (const auto& e : entities) {
    const std::string kind = text_of(e, "kind");
    if (kind != "playbook" && kind != "skill") continue;
    offer.has_entities = true;
    const auto* stored_spec = e.if_contains("spec");
    const json::object spec = stored_spec && stored_spec->is_object() ? stored_spec->as_object() : json::object();
    Candidate c;
    c.kind = kind;
    c.id = text_of(e, "id");
    c.name = text_of(e, "name");
    if (kind == "playbook") {
      if (const auto* w = spec.if_contains("workflow"); w && w->is_object()) c.workflow = w->as_object();
      c.text = c.name + " " + workflow_text(c.workflow);
    } else {
      c.instructions = text_of(spec, "instructions");
      c.text = c.name + " " + c.instructions;
    }
    offer.candidates.push_back(std::move(c));
  }
  for (const auto& t : workflow_templates()) {
    Candidate c;
    c.kind = "template";
    c.id = t.id;
    c.name = t.name;
    c.text = t.name + " " + t.description + " " + workflow_text(t.definition);
    c.workflow = t.definition;
    offer.candidates.push_back(std::move(c));
  }
  return offer;
}

// The offer as the planning model is told it.
std::string context_of(const Offer& offer) {
  std::string context;
  for (const auto& c : offer.candidates) {
    context += "- " + c.kind + " \"" + c.name + "\"";
    if (!c.instructions.empty()) context += ": " + c.instructions.substr(0, 300);
    context += "\n";
  }
  return context;
}

json::object proposal_of(const std::string& intent, const json::object& definition, const std::string& composed_by,
                         json::array based_on_sources) {
  json::object proposal{{"name", title_of(intent)}, {"description", intent}};
  proposal["nodes"] = definition.contains("nodes") ? definition.at("nodes") : json::array();
  proposal["edges"] = definition.contains("edges") ? definition.at("edges") : json::array();
  proposal["composedBy"] = composed_by;
  proposal["basedOn"] = std::move(based_on_sources);
  return proposal;
}

// What shares the most words with the intent: a workflow (a playbook, or a template), or else
// a chain of the matching skills.
json::object compose_by_rules(const std::string& intent, Offer& offer, const std::string& note) {
  std::set<std::string> terms;
  for (auto& term : knowledge::index_terms(intent)) terms.insert(std::move(term));
  for (auto& c : offer.candidates) c.score = shared_terms(terms, c.text);
  const Candidate* best_workflow = nullptr;
  std::vector<const Candidate*> skills;
  for (const auto& c : offer.candidates) {
    if (c.score == 0) continue;
    if (c.kind == "skill") skills.push_back(&c);
    // Ties go to the workspace's own playbooks, listed before the templates.
    else if (!best_workflow || c.score > best_workflow->score) best_workflow = &c;
  }
  std::stable_sort(skills.begin(), skills.end(), [](const Candidate* a, const Candidate* b) { return a->score > b->score; });
  if (skills.size() > kMaxSkillsChained) skills.resize(kMaxSkillsChained);
  const size_t skill_score = skills.empty() ? 0 : skills.front()->score;
  json::object proposal;
  if (best_workflow && best_workflow->score >= skill_score) {
    proposal = proposal_of(intent, best_workflow->workflow, "rules", json::array{based_on(*best_workflow)});
  } else if (!skills.empty()) {
    json::array sources;
    for (const auto* s : skills) sources.push_back(based_on(*s));
    proposal = proposal_of(intent, skill_chain(skills), "rules", std::move(sources));
  } else {
    const char* empty_state = offer.has_entities ? "no_match" : "no_entities";
    return {{"proposal", nullptr}, {"emptyState", empty_state}};
  }
  if (!note.empty()) proposal["note"] = note;
  return {{"proposal", std::move(proposal)}};
}

}  // namespace

boost::asio::awaitable<Result<json::object>> Composer::compose(const std::string& tenant_id, const std::string& intent) {
  const EntityFilter every_kind;  // a local: GCC 12 frees a braced temporary in a co_await twice
  auto listed = co_await entities_.list(tenant_id, every_kind);
  if (!listed) co_return listed.status();
  Offer offer = offer_of(*listed);
  std::string note;
  if (plans_.enabled()) {
    std::string context = context_of(offer);
    auto written = co_await plans_.write(tenant_id, intent, context);
    if (written) {
      std::string composed_by = "model:" + plans_.model();
      json::object proposal = proposal_of(intent, written->to_json(), composed_by, json::array());
      co_return json::object{{"proposal", std::move(proposal)}};
    }
    note = "the planning model's proposal was not used: " + written.status().message();
  }
  co_return compose_by_rules(intent, offer, note);
}

}  // namespace brainstem::orchestration
