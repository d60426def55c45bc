// Trajectories, scopes and turns.
//
// Keyed columns: a trajectory's parent_id is its parent trajectory, owner_id its agent,
// status its status. A scope's parent_id is its trajectory, owner_id its parent scope, status
// "active" or "closed". Turns are the store's turns of the session whose id is the scope's.
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_text.h"
#include "memory/cellstate.h"
#include "memory/cellstate_internal.h"

namespace brainstem::memory {

namespace json = boost::json;
using namespace detail;

namespace {

const std::initializer_list<std::string_view> kTrajectoryStatuses = {"active", "completed", "failed", "suspended"};

json::object trajectory_links(const std::string& id) {
  std::string self = "/api/v1/trajectories/" + id;
  return {{"self", json::object{{"href", self}}},
          {"children", json::object{{"href", self + "/children"}}},
          {"scopes", json::object{{"href", self + "/scopes"}}}};
}

json::object trajectory_view(const store::MemoryEntity& t) { return public_view(t, trajectory_links(t.id)); }

json::object scope_links(const std::string& id, const std::string& trajectory_id) {
  std::string self = "/api/v1/scopes/" + id;
  return {{"self", json::object{{"href", self}}},
          {"trajectory", json::object{{"href", "/api/v1/trajectories/" + trajectory_id}}},
          {"artifacts", json::object{{"href", self + "/artifacts"}}},
          {"turns", json::object{{"href", self + "/turns"}}}};
}

json::value json_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

// Stamps updated_at in the body and the entity alike.
void touch(store::MemoryEntity& entity, json::object& body) {
  entity.updated_at = now_ms();
  body["updated_at"] = iso8601(entity.updated_at);
}

}  // namespace

json::object detail::turn_view(const store::Turn& t) {
  boost::system::error_code ec;
  json::value metadata = json::parse(t.metadata, ec);
  if (ec) metadata = json::object();
  return {{"turn_id", t.id},         {"tenant_id", t.tenant_id},
          {"scope_id", t.session_id}, {"sequence", t.seq - 1},
          {"role", t.role},          {"content", t.content},
          {"token_count", t.tokens}, {"tool_calls", json_or_null(t.tool_calls)},
          {"tool_results", json_or_null(t.tool_results)}, {"metadata", std::move(metadata)},
          {"created_at", iso8601(t.created_at)}};
}

// --- trajectories

CellState::Task<json::object> CellState::create_trajectory(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string name = f.required_string("name", 1, 500);
  auto description = f.string("description", 0, 10000);
  auto agent_id = uuid_field(f, "agent_id");
  auto parent_id = uuid_field(f, "parent_trajectory_id");
  json::value metadata = object_or_null(f, "metadata");
  require(f);

  store::MemoryEntity t;
  t.tenant_id = tenant;
  t.kind = kTrajectory;
  t.id = crypto::uuid_v4();
  std::string root = t.id;
  if (parent_id) {
    auto parent = co_await find(tenant, kTrajectory, *parent_id);
    if (!parent) fail(Status::not_found("parent trajectory not found").with_field("parent_trajectory_id"));
    root = std::string(body_of(*parent).at("root_trajectory_id").as_string());
    t.parent_id = *parent_id;
  }
  t.owner_id = agent_id.value_or("");
  t.status = "active";
  t.created_at = t.updated_at = now_ms();
  std::string created = iso8601(t.created_at);
  t.body = json_text(json::object{
      {"trajectory_id", t.id},
      {"tenant_id", tenant},
      {"name", name},
      {"description", description ? json::value(*description) : json::value(nullptr)},
      {"agent_id", agent_id ? json::value(*agent_id) : json::value(nullptr)},
      {"parent_trajectory_id", parent_id ? json::value(*parent_id) : json::value(nullptr)},
      {"root_trajectory_id", root},
      {"status", "active"},
      {"outcome", nullptr},
      {"metadata", std::move(metadata)},
      {"created_at", created},
      {"updated_at", created},
      {"completed_at", nullptr}});
  std::string container = t.parent_id;
  auto stored = co_await insert_recorded(std::move(t), kTrajectoryCreated, container);
  co_return trajectory_view(stored);
}

CellState::Task<json::object> CellState::list_trajectories(std::string tenant, QueryLookup q) {
  Page page = page_of(q);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kTrajectory, .limit = page.limit, .offset = page.offset};
  eq.count_total = true;
  if (auto status = q("status")) eq.status = *status;
  if (auto agent = q("agent_id")) eq.owner_id = *agent;
  if (auto parent = q("parent_trajectory_id")) eq.parent_id = *parent;
  auto found = co_await query(eq);
  json::array list;
  for (const auto& t : found.items) list.push_back(trajectory_view(t));
  co_return json::object{{"total", found.total}, {"trajectories", std::move(list)}};
}

CellState::Task<json::object> CellState::get_trajectory(std::string tenant, std::string id) {
  auto t = co_await fetch(tenant, kTrajectory, id);
  co_return trajectory_view(t);
}

CellState::Task<json::object> CellState::update_trajectory(std::string tenant, std::string id, json::object patch) {
  FieldReader f(patch);
  auto name = f.string("name", 1, 500);
  auto description = f.string("description", 0, 10000);
  const json::object* metadata = f.object("metadata");
  auto status = f.one_of("status", kTrajectoryStatuses);
  const json::object* outcome = f.object("outcome");
  require(f);
  auto t = co_await fetch(tenant, kTrajectory, id);
  json::object body = body_of(t);
  if (name) body["name"] = *name;
  if (description) body["description"] = *description;
  if (metadata) body["metadata"] = *metadata;
  if (outcome) body["outcome"] = *outcome;
  touch(t, body);
  if (status && *status != t.status) {
    t.status = *status;
    body["status"] = *status;
    bool finished = *status == "completed" || *status == "failed";
    body["completed_at"] = finished ? json::value(iso8601(t.updated_at)) : json::value(nullptr);
  }
  t.body = json_text(body);
  auto stored = co_await save(std::move(t));
  co_await record_event(tenant, kTrajectoryUpdated, kTrajectory, id, kNoContainer);
  co_return trajectory_view(stored);
}

CellState::Task<void> CellState::delete_trajectory(std::string tenant, std::string id) {
  co_await fetch(tenant, kTrajectory, id);
  // A trajectory that still holds sub-tasks or scopes is not deleted out from under them.
  store::MemoryEntityQuery children{.tenant_id = tenant, .kind = kTrajectory, .parent_id = id, .limit = 0};
  children.count_total = true;
  store::MemoryEntityQuery scopes{.tenant_id = tenant, .kind = kScope, .parent_id = id, .limit = 0};
  scopes.count_total = true;
  auto child_count = co_await query(children);
  auto scope_count = co_await query(scopes);
  if (child_count.total > 0 || scope_count.total > 0) {
    fail(Status::conflict("the trajectory still has " + std::to_string(child_count.total) + " child trajectories and " +
                          std::to_string(scope_count.total) + " scopes; delete those first"));
  }
  co_await erase(tenant, kTrajectory, id);
  co_await record_event(tenant, kTrajectoryDeleted, kTrajectory, id, kNoContainer);
}

CellState::Task<json::value> CellState::trajectory_children(std::string tenant, std::string id) {
  co_await fetch(tenant, kTrajectory, id);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kTrajectory, .parent_id = id, .limit = 1000,
                              .newest_first = false};
  auto found = co_await query(eq);
  json::array list;
  for (const auto& t : found.items) list.push_back(trajectory_view(t));
  co_return list;
}

CellState::Task<json::value> CellState::trajectory_scopes(std::string tenant, std::string id) {
  co_await fetch(tenant, kTrajectory, id);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kScope, .parent_id = id, .limit = 1000,
                              .newest_first = false};
  auto found = co_await query(eq);
  json::array list;
  for (const auto& s : found.items) {
    auto view = co_await scope_view(s);
    list.push_back(std::move(view));
  }
  co_return list;
}

// --- scopes

CellState::Task<json::object> CellState::scope_view(const store::MemoryEntity& scope) {
  std::string tenant = scope.tenant_id, id = scope.id;
  auto used = co_await store_.session_tokens(tenant, id);
  if (!used.ok()) fail(used.status());
  json::object view = public_view(scope, scope_links(scope.id, scope.parent_id));
  view["tokens_used"] = *used;
  co_return view;
}

CellState::Task<json::object> CellState::create_scope(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string name = f.required_string("name", 1, 500);
  std::string trajectory_id = required_uuid(f, "trajectory_id");
  auto parent_scope_id = uuid_field(f, "parent_scope_id");
  auto purpose = f.string("purpose", 0, 10000);
  auto budget = f.integer("token_budget", 0, INT32_MAX);
  if (!budget && f.ok()) f.fail("token_budget", "field required");
  json::value metadata = object_or_null(f, "metadata");
  require(f);
  auto trajectory = co_await find(tenant, kTrajectory, trajectory_id);
  if (!trajectory) fail(Status::not_found("trajectory not found").with_field("trajectory_id"));
  if (parent_scope_id) {
    auto parent = co_await find(tenant, kScope, *parent_scope_id);
    if (!parent) fail(Status::not_found("parent scope not found").with_field("parent_scope_id"));
    if (parent->parent_id != trajectory_id) {
      fail(Status::validation("parent_scope_id", "the parent scope belongs to another trajectory"));
    }
  }
  store::MemoryEntity s;
  s.tenant_id = tenant;
  s.kind = kScope;
  s.id = crypto::uuid_v4();
  s.parent_id = trajectory_id;
  s.owner_id = parent_scope_id.value_or("");
  s.status = "active";
  s.created_at = s.updated_at = now_ms();
  s.body = json_text(json::object{
      {"scope_id", s.id},
      {"tenant_id", tenant},
      {"trajectory_id", trajectory_id},
      {"parent_scope_id", parent_scope_id ? json::value(*parent_scope_id) : json::value(nullptr)},
      {"name", name},
      {"purpose", purpose ? json::value(*purpose) : json::value(nullptr)},
      {"token_budget", *budget},
      {"is_active", true},
      {"checkpoint", nullptr},
      {"metadata", std::move(metadata)},
      {"created_at", iso8601(s.created_at)},
      {"closed_at", nullptr}});
  auto stored = co_await insert_recorded(std::move(s), kScopeCreated, trajectory_id);
  auto view = co_await scope_view(stored);
  co_return view;
}

CellState::Task<json::object> CellState::get_scope(std::string tenant, std::string id) {
  auto s = co_await fetch(tenant, kScope, id);
  auto view = co_await scope_view(s);
  co_return view;
}

CellState::Task<json::object> CellState::update_scope(std::string tenant, std::string id, json::object patch) {
  FieldReader f(patch);
  auto name = f.string("name", 1, 500);
  auto purpose = f.string("purpose", 0, 10000);
  const json::object* metadata = f.object("metadata");
  auto budget = f.integer("token_budget", 0, INT32_MAX);
  require(f);
  auto s = co_await fetch(tenant, kScope, id);
  json::object body = body_of(s);
  if (budget) {
    auto used = co_await store_.session_tokens(tenant, id);
    if (!used.ok()) fail(used.status());
    if (*budget < *used) {
      fail(Status::conflict("the scope has used " + std::to_string(*used) + " tokens, more than the new budget")
               .with_details({{"code", "TOKEN_BUDGET_EXCEEDED"}, {"tokens_used", *used}}));
    }
    body["token_budget"] = *budget;
  }
  if (name) body["name"] = *name;
  if (purpose) body["purpose"] = *purpose;
  if (metadata) body["metadata"] = *metadata;
  s.body = json_text(body);
  auto stored = co_await save(std::move(s));
  co_await record_event(tenant, kScopeUpdated, kScope, id, kNoContainer);
  auto view = co_await scope_view(stored);
  co_return view;
}

CellState::Task<json::object> CellState::checkpoint_scope(std::string tenant, std::string id, json::object request) {
  FieldReader f(request);
  std::string state = f.required_string("context_state", 0, 16 << 20);
  auto recoverable = f.boolean("recoverable");
  if (!recoverable && f.ok()) f.fail("recoverable", "field required");
  require(f);
  std::string decoded;
  std::string url_safe = state;
  for (auto& c : url_safe) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!url_safe.empty() && url_safe.back() == '=') url_safe.pop_back();
  if (!crypto::base64url_decode(url_safe, decoded)) {
    fail(Status::validation("context_state", "context_state must be base64-encoded bytes"));
  }
  auto s = co_await fetch(tenant, kScope, id);
  if (s.status != "active") fail(Status::conflict("the scope is closed").with_details({{"code", "SCOPE_CLOSED"}}));
  json::object body = body_of(s);
  json::object checkpoint{{"context_state", state}, {"recoverable", *recoverable},
                          {"created_at", iso8601(now_ms())}};
  body["checkpoint"] = checkpoint;
  s.body = json_text(body);
  co_await save(std::move(s));
  co_await record_event(tenant, kScopeCheckpointed, kScope, id, kNoContainer);
  co_return json::object{{"context_state", state}, {"recoverable", *recoverable}};
}

CellState::Task<json::object> CellState::close_scope(std::string tenant, std::string id) {
  auto s = co_await fetch(tenant, kScope, id);
  if (s.status != "active") fail(Status::conflict("the scope is already closed").with_details({{"code", "SCOPE_CLOSED"}}));
  json::object body = body_of(s);
  s.status = "closed";
  int64_t now = now_ms();
  body["is_active"] = false;
  body["closed_at"] = iso8601(now);
  s.body = json_text(body);
  auto stored = co_await save(std::move(s));
  // Artifacts whose TTL is the scope's end expire with it.
  store::MemoryEntityQuery bound{.tenant_id = tenant, .kind = kArtifact, .parent_id = id, .status = "scope_bound",
                                 .limit = 100000};
  auto artifacts = co_await query(bound);
  for (auto& artifact : artifacts.items) {
    artifact.expires_at = now;
    unindex(artifact);
    co_await save(std::move(artifact));
  }
  co_await record_event(tenant, kScopeClosed, kScope, id, kNoContainer);
  std::string event = "close";
  co_await fire_triggers(stored, event, 0);
  auto view = co_await scope_view(stored);
  co_return view;
}

CellState::Task<json::value> CellState::scope_artifacts(std::string tenant, std::string id) {
  co_await fetch(tenant, kScope, id);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kArtifact, .parent_id = id, .live_at = now_ms(),
                              .limit = 1000, .newest_first = false};
  auto found = co_await query(eq);
  json::array list;
  for (const auto& a : found.items) {
    list.push_back(public_view(a, json::object{{"self", json::object{{"href", "/api/v1/artifacts/" + a.id}}}}));
  }
  co_return list;
}

CellState::Task<json::value> CellState::scope_turns(std::string tenant, std::string id) {
  co_await fetch(tenant, kScope, id);
  auto turns = co_await store_.session_turns(tenant, id);
  if (!turns.ok()) fail(turns.status());
  json::array list;
  for (const auto& t : *turns) list.push_back(turn_view(t));
  co_return list;
}

// --- turns

CellState::Task<json::object> CellState::create_turn(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string scope_id = required_uuid(f, "scope_id");
  std::string content = f.required_string("content", 0, 4 << 20);
  auto role = f.one_of("role", {"user", "assistant", "system", "tool"});
  if (!role && f.ok()) f.fail("role", "field required");
  f.integer("sequence", 0, INT32_MAX);  // checked, but the store assigns the position
  auto token_count = f.integer("token_count", 0, INT32_MAX);
  const json::object* metadata = f.object("metadata");
  const json::value* tool_calls = body.if_contains("tool_calls");
  const json::value* tool_results = body.if_contains("tool_results");
  require(f);
  auto scope = co_await fetch(tenant, kScope, scope_id);
  if (scope.status != "active") {
    fail(Status::conflict("the scope is closed; turns cannot be added").with_details({{"code", "SCOPE_CLOSED"}}));
  }
  const json::value* budget = body_of(scope).if_contains("token_budget");
  store::Turn turn;
  turn.id = crypto::uuid_v4();
  turn.tenant_id = tenant;
  turn.session_id = scope_id;
  turn.role = *role;
  turn.content = content;
  // Without a count the turn is counted with the server's tokenizer, so budgets hold.
  turn.tokens = token_count ? *token_count : tokens_.count("", content);
  turn.metadata = metadata ? json_text(*metadata) : "{}";
  if (tool_calls && !tool_calls->is_null()) turn.tool_calls = json_text(*tool_calls);
  if (tool_results && !tool_results->is_null()) turn.tool_results = json_text(*tool_results);
  turn.created_at = now_ms();
  int64_t limit = budget && budget->is_int64() ? budget->get_int64() : INT64_MAX;
  std::vector<store::MemoryEntity> recorded;
  recorded.push_back(co_await event_about(tenant, kTurnCreated, kTurn, turn.id, scope_id, true));
  auto stored = co_await store_.append_turn_within_budget(turn, limit, std::move(recorded));
  if (!stored.ok()) fail(stored.status());
  turns_.add({*stored});
  std::string event = "turn";
  co_await fire_triggers(scope, event, stored->seq);
  co_return turn_view(*stored);
}

CellState::Task<json::object> CellState::get_turn(std::string tenant, std::string id) {
  auto turn = co_await store_.get_turn(tenant, id);
  if (!turn.ok()) fail(turn.status());
  co_return turn_view(*turn);
}

}  // namespace brainstem::memory
