// Edges between entities, and summarization policies and requests.
//
// Keyed columns: an edge's parent_id is its trajectory (or empty), type its edge_type; its
// body keeps the participants' ids in `_participant_ids` for lookups. A policy's parent_id is
// its trajectory (empty: every trajectory of the tenant). A request's parent_id is its scope,
// owner_id its policy, status its status.
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_text.h"
#include "memory/cellstate.h"
#include "memory/cellstate_internal.h"
#include "memory/extractive_summary.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>

#include <array>
#include <deque>
#include <set>

namespace brainstem::memory {

namespace json = boost::json;
using namespace detail;

namespace {

const std::initializer_list<std::string_view> kEdgeTypes = {
    "supports", "contradicts", "supersedes", "derived_from", "relates_to", "temporal", "causal", "synthesized_from",
    "grouped", "compared"};
const std::initializer_list<std::string_view> kAbstractionLevels = {"raw", "summary", "principle"};
const std::initializer_list<std::string_view> kExtractionMethods = {
    "explicit", "inferred", "user_provided", "llm_extraction", "tool_extraction", "memory_recall", "external_api",
    "unknown"};
const std::initializer_list<std::string_view> kRequestStatuses = {"pending", "in_progress", "completed", "failed"};
constexpr int kMaxTraversalDepth = 10;

// A trigger: "scope_close", "manual", {"dosage_threshold": {"percent": p}},
// {"turn_count": {"count": n}} or {"artifact_count": {"count": n}}.
std::optional<std::string> trigger_problem(const json::value& trigger) {
  if (trigger.is_string()) {
    if (trigger.get_string() == "scope_close" || trigger.get_string() == "manual") return std::nullopt;
    return "unknown trigger " + std::string(trigger.get_string());
  }
  if (!trigger.is_object() || trigger.as_object().size() != 1) return "a trigger is a name or a one-key object";
  const auto& [name, args] = *trigger.as_object().begin();
  std::string_view param = name == "dosage_threshold" ? "percent"
                           : name == "turn_count" || name == "artifact_count" ? "count"
                                                                              : "";
  if (param.empty()) return "unknown trigger " + std::string(name);
  const json::value* n = args.is_object() ? args.as_object().if_contains(param) : nullptr;
  if (!n || !n->is_int64() || n->get_int64() < 1 || (param == "percent" && n->get_int64() > 100)) {
    return std::string(name) + " needs a positive integer " + std::string(param) + (param == "percent" ? " up to 100" : "");
  }
  return std::nullopt;
}

std::string trigger_kind(const json::value& trigger) {
  return trigger.is_string() ? std::string(trigger.get_string()) : std::string(trigger.as_object().begin()->key());
}

int64_t trigger_number(const json::value& trigger) {
  const auto& args = trigger.as_object().begin()->value().as_object();
  return args.begin()->value().as_int64();
}

json::object edge_view(const store::MemoryEntity& edge) { return public_view(edge); }

}  // namespace

// --- edges

CellState::Task<store::MemoryEntity> CellState::build_edge(std::string tenant, json::object body, std::string field) {
  FieldReader f(body);
  auto type = f.one_of("edge_type", kEdgeTypes);
  if (!type && f.ok()) f.fail("edge_type", "field required");
  auto trajectory_id = uuid_field(f, "trajectory_id");
  auto weight = f.number("weight", 0.0, 1.0);
  const json::object* provenance = f.object("provenance");
  if (!provenance && f.ok()) f.fail("provenance", "field required");
  require(f);
  if (const json::value* method = provenance->if_contains("extraction_method"); method && !method->is_null()) {
    bool known = method->is_string() && std::find(kExtractionMethods.begin(), kExtractionMethods.end(),
                                                  std::string_view(method->get_string())) != kExtractionMethods.end();
    if (!known) fail(Status::validation(field + "provenance.extraction_method", "unknown extraction method"));
  }
  const json::value* participants = body.if_contains("participants");
  if (!participants || !participants->is_array() || participants->as_array().size() < 2 ||
      participants->as_array().size() > 100) {
    fail(Status::validation(field + "participants", "an edge joins 2 to 100 participants"));
  }
  json::array cleaned, ids;
  for (const auto& p : participants->as_array()) {
    const json::object* o = p.if_object();
    const json::value* kind = o ? o->if_contains("entity_type") : nullptr;
    const json::value* id = o ? o->if_contains("entity_id") : nullptr;
    if (!kind || !kind->is_string() || !is_entity_type(kind->get_string()) || !id || !id->is_string() ||
        id->get_string().empty() || id->get_string().size() > 64) {
      fail(Status::validation(field + "participants",
                              "each participant needs a known entity_type and an entity_id (with an optional role)"));
    }
    json::object participant{{"entity_type", *kind}, {"entity_id", *id}};
    if (const json::value* role = o->if_contains("role"); role && role->is_string()) participant["role"] = *role;
    cleaned.push_back(std::move(participant));
    ids.push_back(*id);
  }
  store::MemoryEntity e;
  e.tenant_id = tenant;
  e.kind = kEdge;
  e.id = crypto::uuid_v4();
  e.parent_id = trajectory_id.value_or("");
  e.type = *type;
  e.created_at = e.updated_at = now_ms();
  const json::value* metadata = body.if_contains("metadata");
  e.body = json_text(json::object{
      {"edge_id", e.id},
      {"tenant_id", tenant},
      {"edge_type", *type},
      {"participants", std::move(cleaned)},
      {"provenance", *provenance},
      {"trajectory_id", trajectory_id ? json::value(*trajectory_id) : json::value(nullptr)},
      {"weight", weight ? json::value(*weight) : json::value(nullptr)},
      {"metadata", metadata ? *metadata : json::value(nullptr)},
      {"created_at", iso8601(e.created_at)},
      {"_participant_ids", std::move(ids)}});
  co_return e;
}

CellState::Task<json::object> CellState::create_edge(std::string tenant, json::object body) {
  std::string no_prefix;
  auto edge = co_await build_edge(tenant, std::move(body), no_prefix);
  std::string container = edge.parent_id;
  auto stored = co_await insert_recorded(std::move(edge), kEdgeCreated, container);
  co_return edge_view(stored);
}

CellState::Task<json::object> CellState::create_edges(std::string tenant, json::value body) {
  if (!body.is_array() || body.as_array().empty() || body.as_array().size() > 1000) {
    fail(Status::validation("body", "a batch is an array of 1 to 1000 edges"));
  }
  // Every edge is checked before any is stored.
  std::vector<store::MemoryEntity> edges;
  for (size_t i = 0; i < body.as_array().size(); ++i) {
    const json::value& item = body.as_array()[i];
    if (!item.is_object()) fail(Status::validation("[" + std::to_string(i) + "]", "each edge must be an object"));
    std::string prefix = "[" + std::to_string(i) + "].";
    auto edge = co_await build_edge(tenant, item.as_object(), prefix);
    edges.push_back(std::move(edge));
  }
  json::array out;
  for (auto& edge : edges) {
    std::string container = edge.parent_id;
    auto stored = co_await insert_recorded(std::move(edge), kEdgeCreated, container);
    out.push_back(edge_view(stored));
  }
  co_return json::object{{"edges", std::move(out)}};
}

CellState::Task<json::object> CellState::edges_of(std::string tenant, std::string entity_id) {
  store::MemoryEntityQuery q{.tenant_id = tenant, .kind = kEdge, .body_contains = {{"$._participant_ids", entity_id}},
                             .limit = 1000, .newest_first = false};
  auto page = co_await query(q);
  json::array out;
  for (const auto& e : page.items) out.push_back(edge_view(e));
  co_return json::object{{"edges", std::move(out)}};
}

CellState::Task<json::object> CellState::traverse(std::string tenant, QueryLookup q) {
  auto start = q("start_id");
  if (!start || start->empty()) fail(Status::validation("start_id", "field required"));
  int64_t max_depth = integer_param(q, "max_depth", 3, 1, kMaxTraversalDepth);
  int64_t limit = integer_param(q, "limit", 1000, 1, 10000);
  // rel_types: repeated or comma-separated.
  std::set<std::string, std::less<>> types;
  if (auto rel = q("rel_types")) {
    for (size_t pos = 0; pos <= rel->size();) {
      size_t comma = rel->find(',', pos);
      if (comma == std::string::npos) comma = rel->size();
      if (comma > pos) types.insert(rel->substr(pos, comma - pos));
      pos = comma + 1;
    }
  }
  json::array links;
  std::set<std::string> visited{*start}, used_edges;
  std::deque<std::pair<std::string, int64_t>> frontier{{*start, 0}};
  while (!frontier.empty() && static_cast<int64_t>(links.size()) < limit) {
    auto [node, depth] = frontier.front();
    frontier.pop_front();
    if (depth >= max_depth) continue;
    store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kEdge, .body_contains = {{"$._participant_ids", node}},
                                .limit = 1000, .newest_first = false};
    auto page = co_await query(eq);
    for (const auto& edge : page.items) {
      if (!types.empty() && !types.contains(edge.type)) continue;
      if (!used_edges.insert(edge.id).second) continue;
      json::object body = body_of(edge);
      for (const auto& p : body["participants"].as_array()) {
        std::string other(p.as_object().at("entity_id").as_string());
        if (other == node || static_cast<int64_t>(links.size()) >= limit) continue;
        links.push_back(json::object{{"source_id", node},
                                     {"target_id", other},
                                     {"target_type", p.as_object().at("entity_type")},
                                     {"edge_id", edge.id},
                                     {"edge_type", edge.type},
                                     {"weight", body["weight"]},
                                     {"depth", depth + 1}});
        if (visited.insert(other).second) frontier.emplace_back(other, depth + 1);
      }
    }
  }
  co_return json::object{{"links", std::move(links)}};
}

CellState::Task<json::object> CellState::get_edge(std::string tenant, std::string id) {
  auto edge = co_await fetch(tenant, kEdge, id);
  co_return edge_view(edge);
}

CellState::Task<void> CellState::delete_edge(std::string tenant, std::string id) {
  co_await erase(tenant, kEdge, id);
  co_await record_event(tenant, kEdgeDeleted, kEdge, id, kNoContainer);
}

// --- summarization policies

CellState::Task<json::object> CellState::create_policy(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string name = f.required_string("name", 1, 500);
  auto source = f.one_of("source_level", kAbstractionLevels);
  if (!source && f.ok()) f.fail("source_level", "field required");
  auto target = f.one_of("target_level", kAbstractionLevels);
  if (!target && f.ok()) f.fail("target_level", "field required");
  auto max_sources = f.integer("max_sources", 1, 10000);
  if (!max_sources && f.ok()) f.fail("max_sources", "field required");
  auto create_edges = f.boolean("create_edges");
  if (!create_edges && f.ok()) f.fail("create_edges", "field required");
  auto trajectory_id = uuid_field(f, "trajectory_id");
  const json::value* triggers = body.if_contains("triggers");
  if (f.ok() && (!triggers || !triggers->is_array() || triggers->as_array().empty())) {
    f.fail("triggers", "triggers must be a non-empty array");
  }
  require(f);
  for (const auto& trigger : triggers->as_array()) {
    if (auto problem = trigger_problem(trigger)) fail(Status::validation("triggers", *problem));
  }
  if (trajectory_id) {
    auto trajectory = co_await find(tenant, kTrajectory, *trajectory_id);
    if (!trajectory) fail(Status::not_found("trajectory not found").with_field("trajectory_id"));
  }
  store::MemoryEntity p;
  p.tenant_id = tenant;
  p.kind = kPolicy;
  p.id = crypto::uuid_v4();
  p.parent_id = trajectory_id.value_or("");
  p.created_at = p.updated_at = now_ms();
  const json::value* metadata = body.if_contains("metadata");
  p.body = json_text(json::object{
      {"summarization_policy_id", p.id},
      {"tenant_id", tenant},
      {"name", name},
      {"source_level", *source},
      {"target_level", *target},
      {"max_sources", *max_sources},
      {"create_edges", *create_edges},
      {"trajectory_id", trajectory_id ? json::value(*trajectory_id) : json::value(nullptr)},
      {"triggers", *triggers},
      {"metadata", metadata ? *metadata : json::value(nullptr)},
      {"created_at", iso8601(p.created_at)}});
  std::string container = p.parent_id;
  auto stored = co_await insert_recorded(std::move(p), kPolicyCreated, container);
  policies_.erase(policies_key(tenant, container));
  co_return public_view(stored);
}

CellState::Task<json::object> CellState::get_policy(std::string tenant, std::string id) {
  auto p = co_await fetch(tenant, kPolicy, id);
  co_return public_view(p);
}

CellState::Task<void> CellState::delete_policy(std::string tenant, std::string id) {
  auto policy = co_await fetch(tenant, kPolicy, id);
  co_await erase(tenant, kPolicy, id);
  policies_.erase(policies_key(tenant, policy.parent_id));
  co_await record_event(tenant, kPolicyDeleted, kPolicy, id, kNoContainer);
}

CellState::Task<json::object> CellState::trajectory_policies(std::string tenant, std::string trajectory_id) {
  co_await fetch(tenant, kTrajectory, trajectory_id);
  store::MemoryEntityQuery q{.tenant_id = tenant, .kind = kPolicy, .parent_id = trajectory_id, .limit = 1000,
                             .newest_first = false};
  auto page = co_await query(q);
  json::array out;
  for (const auto& p : page.items) out.push_back(public_view(p));
  co_return json::object{{"policies", std::move(out)}};
}

std::string CellState::policies_key(const std::string& tenant, const std::string& trajectory) {
  return tenant + '\n' + trajectory;
}

CellState::Task<std::vector<store::MemoryEntity>> CellState::policies_of(std::string tenant, std::string trajectory) {
  const std::string key = policies_key(tenant, trajectory);
  const int64_t now = now_ms();
  if (auto kept = policies_.get(key, now)) co_return std::move(*kept);
  store::MemoryEntityQuery q{.tenant_id = tenant, .kind = kPolicy, .parent_id = trajectory, .limit = 1000};
  auto page = co_await query(q);
  policies_.put(key, page.items, now);
  co_return std::move(page.items);
}

// --- summarization requests

CellState::Task<void> CellState::fire_triggers(store::MemoryEntity scope, std::string event, int64_t count) {
  std::string tenant = scope.tenant_id;
  std::vector<store::MemoryEntity> policies;
  const std::array<std::string, 2> owners{scope.parent_id, std::string()};  // its trajectory's, and the tenant's
  for (const std::string& trajectory : owners) {
    auto found = co_await policies_of(tenant, trajectory);
    for (auto& p : found) policies.push_back(std::move(p));
  }
  if (policies.empty()) co_return;
  json::object scope_body = body_of(scope);
  for (const auto& policy : policies) {
    json::object p = body_of(policy);
    for (const auto& trigger : p["triggers"].as_array()) {
      std::string kind = trigger_kind(trigger);
      bool fires = false;
      if (kind == "scope_close") fires = event == "close";
      else if (kind == "turn_count") fires = event == "turn" && count % trigger_number(trigger) == 0;
      else if (kind == "artifact_count" && event == "artifact") {
        store::MemoryEntityQuery in_scope{.tenant_id = tenant, .kind = kArtifact, .parent_id = scope.id, .limit = 0};
        in_scope.count_total = true;
        auto artifacts = co_await query(in_scope);
        fires = artifacts.total % trigger_number(trigger) == 0;
      }
      else if (kind == "dosage_threshold" && event == "turn") {
        std::string scope_id = scope.id;
        auto used = co_await store_.session_tokens(tenant, scope_id);
        if (!used.ok()) fail(used.status());
        int64_t budget = scope_body["token_budget"].as_int64();
        bool crossed = budget > 0 && *used * 100 >= budget * trigger_number(trigger);
        if (crossed) {
          // Once per scope and policy: the dose does not fall again.
          store::MemoryEntityQuery earlier{.tenant_id = tenant, .kind = kSummarizationRequest, .parent_id = scope.id,
                                           .owner_id = policy.id,
                                           .body_equals = {{"$.trigger_kind", "dosage_threshold"}}, .limit = 0};
          earlier.count_total = true;
          auto earlier_requests = co_await query(earlier);
          fires = earlier_requests.total == 0;
        }
      }
      if (!fires) continue;
      store::MemoryEntity r;
      r.tenant_id = tenant;
      r.kind = kSummarizationRequest;
      r.id = crypto::uuid_v4();
      r.parent_id = scope.id;
      r.owner_id = policy.id;
      r.status = "pending";
      r.created_at = r.updated_at = now_ms();
      r.body = json_text(json::object{{"summarization_request_id", r.id},
                                            {"summarization_policy_id", policy.id},
                                            {"tenant_id", tenant},
                                            {"scope_id", scope.id},
                                            {"trajectory_id", scope.parent_id},
                                            {"source_level", p["source_level"]},
                                            {"target_level", p["target_level"]},
                                            {"max_sources", p["max_sources"]},
                                            {"create_edges", p["create_edges"]},
                                            {"trigger", trigger},
                                            {"trigger_kind", kind},
                                            {"status", "pending"},
                                            {"requested_at", iso8601(r.created_at)},
                                            {"requested_by", nullptr},
                                            {"completed_at", nullptr},
                                            {"result_note_id", nullptr},
                                            {"error", nullptr},
                                            {"metadata", p["metadata"]}});
      auto stored = co_await insert_recorded(std::move(r), kSummarizationRequested, scope.id);
      auto executor = co_await boost::asio::this_coro::executor;
      background_.spawn(executor, run_summarization(tenant, stored.id));
      break;  // one request per policy and event
    }
  }
}

CellState::Task<void> CellState::run_summarization(std::string tenant, std::string request_id) {
  std::optional<Status> failure;
  try {
    std::string pending = "pending", running = "in_progress";
    auto request = co_await fetch(tenant, kSummarizationRequest, request_id);
    if (request.status != pending) co_return;  // a worker took it
    request.status = running;
    json::object body = body_of(request);
    body["status"] = running;
    request.body = json_text(body);
    request.updated_at = now_ms();
    auto taken = co_await store_.update_memory_entity(request);
    if (!taken.ok()) co_return;  // a worker moved it first
    request = std::move(taken).value();

    std::string scope_id = request.parent_id;
    std::string trajectory_id(body["trajectory_id"].as_string());
    std::string level(body["source_level"].as_string());
    int64_t max_sources = body["max_sources"].as_int64();
    std::vector<std::string> texts;
    json::array artifact_ids, note_ids;
    if (level == "raw") {
      // The scope's latest turns and artifacts.
      auto turns = co_await store_.session_turns(tenant, scope_id);
      if (!turns.ok()) fail(turns.status());
      size_t first = turns->size() > static_cast<size_t>(max_sources) ? turns->size() - max_sources : 0;
      for (size_t i = first; i < turns->size(); ++i) texts.push_back((*turns)[i].content);
      store::MemoryEntityQuery aq{.tenant_id = tenant, .kind = kArtifact, .parent_id = scope_id, .live_at = now_ms(),
                                  .limit = max_sources};
      auto artifacts = co_await query(aq);
      for (const auto& a : artifacts.items) {
        texts.push_back(std::string(body_of(a)["content"].as_string()));
        artifact_ids.emplace_back(a.id);
      }
    } else {
      // Notes of the source level drawn from this trajectory.
      store::MemoryEntityQuery nq{.tenant_id = tenant, .kind = kNote,
                                  .body_equals = {{"$.abstraction_level", level}},
                                  .body_contains = {{"$.source_trajectory_ids", trajectory_id}},
                                  .live_at = now_ms(), .limit = max_sources};
      auto notes = co_await query(nq);
      for (const auto& n : notes.items) {
        texts.push_back(std::string(body_of(n)["content"].as_string()));
        note_ids.emplace_back(n.id);
      }
    }
    if (extractive_summary(texts).empty()) {
      fail(Status::conflict("nothing to summarize: the scope has no text at the source level"));
    }
    std::string summary, summarizer = "extractive";
    if (options_.summarize) {
      auto by_model = co_await options_.summarize(tenant, texts);
      if (by_model.ok() && !by_model->text.empty()) {
        summary = std::move(by_model->text);
        summarizer = "model:" + by_model->model;
      }
    }
    if (summary.empty()) summary = extractive_summary(texts);

    auto scope = co_await fetch(tenant, kScope, scope_id);
    json::object note{{"title", "Summary of " + std::string(body_of(scope)["name"].as_string())},
                      {"content", summary},
                      {"note_type", "summary"},
                      {"abstraction_level", body["target_level"]},
                      {"source_artifact_ids", artifact_ids},
                      {"source_note_ids", note_ids},
                      {"source_trajectory_ids", json::array{json::value(trajectory_id)}},
                      {"metadata", json::object{{"summarization_request_id", request_id}, {"summarizer", summarizer}}},
                      {"ttl", "persistent"}};
    auto created = co_await create_note(tenant, std::move(note));
    std::string note_id(created["note_id"].as_string());
    if (body["create_edges"].as_bool() && (!artifact_ids.empty() || !note_ids.empty())) {
      json::array participants{json::object{{"entity_type", "note"}, {"entity_id", note_id}, {"role", "summary"}}};
      for (const auto& id : artifact_ids) participants.push_back(json::object{{"entity_type", "artifact"}, {"entity_id", id}, {"role", "source"}});
      for (const auto& id : note_ids) participants.push_back(json::object{{"entity_type", "note"}, {"entity_id", id}, {"role", "source"}});
      json::object edge{{"edge_type", "synthesized_from"}, {"participants", std::move(participants)},
                        {"provenance", json::object{{"extraction_method", "inferred"}}}, {"trajectory_id", trajectory_id}};
      co_await create_edge(tenant, std::move(edge));
    }
    body = body_of(request);
    body["status"] = "completed";
    body["completed_at"] = iso8601(now_ms());
    body["result_note_id"] = note_id;
    body["summarizer"] = summarizer;
    request.status = "completed";
    request.body = json_text(body);
    co_await save(std::move(request));
  } catch (const StatusError& e) {
    failure = e.status;
  }
  if (failure) {
    // Recorded on the request; nobody is waiting on this coroutine.
    auto failed = co_await store_.get_memory_entity(tenant, kSummarizationRequest, request_id);
    if (failed.ok()) {
      json::object body = body_of(*failed);
      body["status"] = "failed";
      body["error"] = failure->message();
      failed->status = "failed";
      failed->body = json_text(body);
      failed->updated_at = now_ms();
      co_await store_.update_memory_entity(*failed);
    }
  }
}

CellState::Task<json::object> CellState::list_summarization_requests(std::string tenant, QueryLookup q) {
  Page page = page_of(q);
  if (!q("limit")) page.limit = 50;
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kSummarizationRequest, .limit = page.limit,
                              .offset = page.offset};
  eq.count_total = true;
  if (auto status = q("status")) eq.status = *status;
  if (auto scope = q("scope_id")) eq.parent_id = *scope;
  if (auto policy = q("summarization_policy_id")) eq.owner_id = *policy;
  auto found = co_await query(eq);
  json::array out;
  for (const auto& r : found.items) out.push_back(public_view(r));
  co_return json::object{{"requests", std::move(out)}, {"total", found.total}};
}

CellState::Task<json::object> CellState::get_summarization_request(std::string tenant, std::string id) {
  auto r = co_await fetch(tenant, kSummarizationRequest, id);
  co_return public_view(r);
}

CellState::Task<void> CellState::update_summarization_status(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  auto status = f.one_of("status", kRequestStatuses);
  if (!status && f.ok()) f.fail("status", "field required");
  require(f);
  auto r = co_await fetch(tenant, kSummarizationRequest, id);
  // pending → in_progress → completed | failed; pending → failed; a finished request stays so.
  bool legal = (r.status == "pending" && (*status == "in_progress" || *status == "failed")) ||
               (r.status == "in_progress" && (*status == "completed" || *status == "failed"));
  if (!legal) {
    fail(Status::conflict("a " + r.status + " request cannot become " + *status)
             .with_details({{"code", "INVALID_STATE_TRANSITION"}, {"status", r.status}}));
  }
  json::object view = body_of(r);
  r.status = *status;
  view["status"] = *status;
  if (*status == "completed" || *status == "failed") view["completed_at"] = iso8601(now_ms());
  r.body = json_text(view);
  co_await save(std::move(r));
  co_await record_event(tenant, kSummarizationUpdated, kSummarizationRequest, id, kNoContainer);
}

}  // namespace brainstem::memory
