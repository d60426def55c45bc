#include "orchestration/entities.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "orchestration/graph.h"
#include "orchestration/security.h"
#include "orchestration/stored_bodies.h"

#include <algorithm>

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

const std::string kEntityKind = "cendriix_entity";
const std::string kVersionKind = "cendriix_entity_version";
const std::vector<std::string> kKinds = {"skill", "plugin", "playbook", "policy", "guardrail"};

json::value parsed(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void problem(json::array& out, std::string field, std::string message) {
  out.push_back(json::object{{"field", std::move(field)}, {"message", std::move(message)}});
}

// The entity as the API shows it: its stored body plus the keys it is found by.
json::object view_of(const store::MemoryEntity& e) {
  json::value body = parsed(e.body);
  json::object out = body.is_object() ? body.as_object() : json::object();
  out["id"] = e.id;
  out["kind"] = e.type;
  out["createdAt"] = iso8601(e.created_at);
  out["updatedAt"] = iso8601(e.updated_at);
  return out;
}

// The spec's problems as one validation error naming the first.
Status spec_status(const json::array& problems) {
  const auto& first = problems.front().as_object();
  return Status::validation(std::string(first.at("field").as_string()), std::string(first.at("message").as_string()))
      .with_details({{"errors", problems}});
}

}  // namespace

json::array Entities::check_spec(const std::string& kind, const json::value& spec) {
  json::array problems;
  if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    problem(problems, "kind", "one of skill, plugin, playbook, policy, guardrail");
    return problems;
  }
  const auto* s = spec.if_object();
  if (!s) {
    problem(problems, "spec", "must be an object");
    return problems;
  }
  auto text = [&](const char* field, bool required) {
    const auto* v = s->if_contains(field);
    if (!v) {
      if (required) problem(problems, std::string("spec.") + field, "field required");
      return std::string();
    }
    if (!v->is_string() || v->as_string().empty()) problem(problems, std::string("spec.") + field, "a non-empty string");
    return v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (kind == "skill") {
    text("instructions", true);
    if (const auto* tools = s->if_contains("tools"); tools && !tools->is_array()) problem(problems, "spec.tools", "an array of tool names");
  } else if (kind == "plugin") {
    std::string endpoint = text("endpoint", true);
    if (!endpoint.empty() && !endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
      problem(problems, "spec.endpoint", "an http or https URL");
    }
  } else if (kind == "playbook") {
    const auto* workflow = s->if_contains("workflow");
    if (!workflow) problem(problems, "spec.workflow", "field required: {nodes, edges}");
    else {
      std::vector<GraphError> errors;
      if (!Graph::parse(*workflow, &errors)) {
        for (const auto& e : errors) problem(problems, "spec.workflow" + (e.node_id.empty() ? "" : ".nodes." + e.node_id), e.message);
      }
    }
  } else if (kind == "policy") {
    const auto* rules = s->if_contains("rules");
    if (!rules || !rules->is_array()) problem(problems, "spec.rules", "field required: an array of rules");
    else if (Status st = SecurityPolicies::check_rules(rules->as_array()); !st.is_ok()) problem(problems, "spec." + st.field(), st.message());
  } else if (kind == "guardrail") {
    json::array one{json::object{{"name", "guardrail"}, {"condition", s->contains("condition") ? s->at("condition") : json::value(json::object())},
                                 {"action", s->contains("action") ? s->at("action") : json::value("")}}};
    if (Status st = SecurityPolicies::check_rules(one); !st.is_ok()) {
      std::string field = st.field();
      field.replace(0, std::string("rules[0]").size(), "spec");
      problem(problems, field, st.message());
    }
  }
  return problems;
}

Entities::Task<Result<store::MemoryEntity>> Entities::stored(const std::string& tenant_id, const std::string& id) {
  auto e = co_await entities_.get_memory_entity(tenant_id, kEntityKind, id);
  if (!e && e.status().code() == StatusCode::kNotFound) co_return Status::not_found("entity not found");
  co_return e;
}

Entities::Task<Result<json::object>> Entities::insert(const std::string& tenant_id, const std::string& kind,
                                                      const std::string& name, json::value spec,
                                                      const std::string& origin, const std::string& source) {
  auto problems = check_spec(kind, spec);
  if (!problems.empty()) co_return spec_status(problems);
  store::MemoryEntity e;
  e.tenant_id = tenant_id;
  e.kind = kEntityKind;
  e.id = random_id("ent_", 16);
  e.type = kind;
  e.status = origin;
  e.parent_id = source;
  json::object body{{"name", name}, {"spec", std::move(spec)}, {"origin", origin}, {"source", source.empty() ? json::value(nullptr) : json::value(source)},
                    {"publishedVersion", nullptr}};
  e.body = json_text(body);
  e.created_at = e.updated_at = now_ms();
  auto created = co_await entities_.create_memory_entity(e);
  if (!created) co_return created.status();
  co_return view_of(*created);
}

Entities::Task<Result<json::object>> Entities::create(const std::string& tenant_id, const std::string& kind,
                                                      const std::string& name, json::value spec) {
  co_return co_await insert(tenant_id, kind, name, std::move(spec), "user", "");
}

Entities::Task<Result<std::vector<json::object>>> Entities::list(const std::string& tenant_id, const EntityFilter& filter) {
  store::MemoryEntityQuery query;
  query.tenant_id = tenant_id;
  query.kind = kEntityKind;
  if (!filter.kind.empty()) query.type = filter.kind;
  if (!filter.origin.empty()) query.status = filter.origin;
  query.limit = 1000;
  auto page = co_await entities_.list_memory_entities(query);
  if (!page) co_return page.status();
  std::vector<json::object> out;
  std::string q = lower(filter.q);
  for (const auto& e : page->items) {
    if (!q.empty() && lower(e.body).find(q) == std::string::npos) continue;
    out.push_back(view_of(e));
  }
  co_return out;
}

Entities::Task<Result<json::object>> Entities::get(const std::string& tenant_id, const std::string& id) {
  auto e = co_await stored(tenant_id, id);
  if (!e) co_return e.status();
  co_return view_of(*e);
}

Entities::Task<Result<json::object>> Entities::update(const std::string& tenant_id, const std::string& id,
                                                      std::optional<std::string> name, std::optional<json::value> spec) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto e = co_await stored(tenant_id, id);
    if (!e) co_return e.status();
    json::object body = parsed(e->body).as_object();
    if (name) body["name"] = *name;
    if (spec) {
      auto problems = check_spec(e->type, *spec);
      if (!problems.empty()) co_return spec_status(problems);
      body["spec"] = *spec;
    }
    e->body = json_text(body);
    e->updated_at = now_ms();
    auto saved = co_await entities_.update_memory_entity(*e);
    if (saved) co_return view_of(*saved);
    if (saved.status().code() != StatusCode::kConflict) co_return saved.status();
  }
  co_return Status::conflict("the entity kept changing; try again");
}

Entities::Task<Status> Entities::remove(const std::string& tenant_id, const std::string& id) {
  Status s = co_await entities_.delete_memory_entity(tenant_id, kEntityKind, id);
  if (s.code() == StatusCode::kNotFound) co_return Status::not_found("entity not found");
  co_return s;
}

Entities::Task<Result<json::object>> Entities::fork(const std::string& tenant_id, const std::string& id, const std::string& name) {
  auto e = co_await stored(tenant_id, id);
  if (!e) co_return e.status();
  json::object body = parsed(e->body).as_object();
  std::string copy_name = name.empty() ? std::string(body["name"].as_string()) + " (fork)" : name;
  co_return co_await insert(tenant_id, e->type, copy_name, body["spec"], "fork", id);
}

Entities::Task<Result<json::object>> Entities::publish(const std::string& tenant_id, const std::string& id) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto e = co_await stored(tenant_id, id);
    if (!e) co_return e.status();
    json::object body = parsed(e->body).as_object();
    int64_t number = body["publishedVersion"].is_int64() ? body["publishedVersion"].as_int64() + 1 : 1;
    body["publishedVersion"] = number;
    e->body = json_text(body);
    e->updated_at = now_ms();
    // The draft's version counter moves first: a concurrent publish re-reads and takes the next.
    auto saved = co_await entities_.update_memory_entity(*e);
    if (!saved) {
      if (saved.status().code() == StatusCode::kConflict) continue;
      co_return saved.status();
    }
    store::MemoryEntity version;
    version.tenant_id = tenant_id;
    version.kind = kVersionKind;
    version.id = id + "@" + std::to_string(number);
    version.parent_id = id;
    json::object snapshot{{"entityId", id}, {"version", number}, {"name", body["name"]}, {"spec", body["spec"]},
                          {"publishedAt", iso8601(e->updated_at)}};
    version.body = json_text(snapshot);
    version.created_at = version.updated_at = e->updated_at;
    auto created = co_await entities_.create_memory_entity(version);
    if (!created) co_return created.status();
    co_return snapshot;
  }
  co_return Status::conflict("the entity kept changing; try again");
}

Entities::Task<Result<std::vector<json::object>>> Entities::versions(const std::string& tenant_id, const std::string& id) {
  auto e = co_await stored(tenant_id, id);
  if (!e) co_return e.status();
  co_return co_await stored_bodies(entities_, tenant_id, kVersionKind, id);
}

Entities::Task<Result<json::object>> Entities::validate(const std::string& tenant_id, const std::string& id) {
  auto e = co_await stored(tenant_id, id);
  if (!e) co_return e.status();
  json::object body = parsed(e->body).as_object();
  auto problems = check_spec(e->type, body["spec"]);
  bool valid = problems.empty();
  co_return json::object{{"valid", valid}, {"errors", std::move(problems)}};
}

Entities::Task<Result<json::object>> Entities::linkage(const std::string& tenant_id, const std::string& id) {
  auto e = co_await stored(tenant_id, id);
  if (!e) co_return e.status();
  auto forks = co_await stored_rows(entities_, tenant_id, kEntityKind, id);
  if (!forks) co_return forks.status();
  json::array fork_ids;
  for (const auto& f : *forks) fork_ids.emplace_back(f.id);
  auto workflows = co_await runs_.list_workflows(tenant_id);
  if (!workflows) co_return workflows.status();
  json::array workflow_ids;
  for (const auto& w : *workflows) {
    if (w.definition.find(id) != std::string::npos) workflow_ids.emplace_back(w.id);
  }
  json::object out{{"entityId", id}, {"forks", std::move(fork_ids)}, {"workflows", std::move(workflow_ids)},
                   {"forkedFrom", nullptr}, {"fromRun", nullptr}};
  if (e->status == "fork") out["forkedFrom"] = e->parent_id;
  if (e->status == "run") out["fromRun"] = e->parent_id;
  co_return out;
}

Entities::Task<Result<json::object>> Entities::promote_run(const std::string& tenant_id, const std::string& run_id,
                                                           const std::string& name) {
  auto run = co_await runs_.get_run(tenant_id, run_id);
  if (!run) co_return run.status();
  if (run->status != "merged") co_return Status::conflict("run is " + run->status + "; only a merged run becomes a playbook");
  auto graph = Graph::parse(parsed(run->plan));
  if (!graph) co_return graph.status();
  json::object spec{{"workflow", graph->to_json()}, {"input", parsed(run->input)}};
  std::string playbook_name = name.empty() ? "Playbook from " + run_id : name;  // not a ?: inside the co_await (GCC 12)
  co_return co_await insert(tenant_id, "playbook", playbook_name, std::move(spec), "run", run_id);
}

}  // namespace brainstem::orchestration
