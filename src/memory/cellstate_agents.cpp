// Registered agents and how they coordinate: locks, messages, delegations and handoffs.
//
// Keyed columns: an agent's type is its agent_type, status its status, owner_id its current
// trajectory. A lock's parent_id is "<resource_type>:<resource_id>", owner_id its holder, type
// "exclusive" or "shared", expires_at its expiry. A message's parent_id is its trajectory,
// owner_id its sender, type its message_type. A delegation's or handoff's parent_id is its
// trajectory, owner_id the receiving agent, status its state.
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_text.h"
#include "memory/cellstate.h"
#include "memory/cellstate_internal.h"
#include "common/text.h"

#include <algorithm>

namespace brainstem::memory {

namespace json = boost::json;
using namespace detail;

namespace {

const std::initializer_list<std::string_view> kAgentStatuses = {"idle", "active", "busy", "blocked", "failed",
                                                                    "offline"};
const std::initializer_list<std::string_view> kResourceTypes = {"trajectory", "scope", "artifact", "note",
                                                                    "agent"};
const std::initializer_list<std::string_view> kMessageTypes = {
    "task_delegation", "task_result", "context_request", "context_share", "coordination_signal", "handoff",
    "interrupt", "heartbeat"};
const std::initializer_list<std::string_view> kPriorities = {"low", "normal", "high", "critical"};
constexpr int64_t kMaxLockMs = 24LL * 3600 * 1000;

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

// agent_type: a name ("Tester") or {"custom": "name"}; the name is what filters match.
std::optional<std::string> agent_type_of(const json::value& v) {
  if (v.is_string() && !v.get_string().empty() && v.get_string().size() <= 100) return std::string(v.get_string());
  if (v.is_object() && v.as_object().size() == 1) {
    const auto& inner = v.as_object().begin()->value();
    if (inner.is_string() && !inner.get_string().empty() && inner.get_string().size() <= 100) {
      return std::string(inner.get_string());
    }
  }
  return std::nullopt;
}

std::string lock_mode(std::string_view mode) {
  return ascii_lower(mode);
}

json::object lock_view(const store::MemoryEntity& lock) {
  json::object view = public_view(lock);
  view["expires_at"] = lock.expires_at ? json::value(iso8601(*lock.expires_at)) : json::value(nullptr);
  return view;
}

std::string field_text(const json::object& body, std::string_view field) {
  const json::value* v = body.if_contains(field);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

CellState::Task<store::MemoryEntity> CellState::registered_agent(std::string tenant, std::string id, const char* field) {
  auto agent = co_await find(tenant, kAgent, id);
  if (!agent) fail(Status::not_found("agent " + id + " is not registered").with_field(field));
  co_return std::move(*agent);
}

// --- agents

CellState::Task<json::object> CellState::list_agents(std::string tenant, QueryLookup q) {
  Page page = page_of(q);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kAgent, .limit = 100000};
  if (auto type = q("agent_type")) eq.type = *type;
  if (auto status = q("status")) eq.status = *status;
  if (auto trajectory = q("trajectory_id")) eq.owner_id = *trajectory;
  bool active_only = bool_param(q, "active_only").value_or(false);
  auto found = co_await query(eq);
  auto config = co_await tenant_config(tenant);
  const json::value* window = config.if_contains("agent_active_window_ms");
  int64_t since = now_ms() - (window && window->is_int64() ? window->get_int64() : options_.agent_active_window_ms);
  json::array list;
  int64_t total = 0;
  for (const auto& agent : found.items) {
    if (active_only) {
      const json::value* beat = body_of(agent).if_contains("_heartbeat_ms");
      if (!beat || !beat->is_int64() || beat->get_int64() < since) continue;
    }
    if (total++ < page.offset || static_cast<int64_t>(list.size()) >= page.limit) continue;
    list.push_back(public_view(agent));
  }
  co_return json::object{{"total", total}, {"agents", std::move(list)}};
}

CellState::Task<json::object> CellState::register_agent(std::string tenant, json::object body,
                                                        std::string principal_id) {
  FieldReader f(body);
  const json::value* type_value = body.if_contains("agent_type");
  std::optional<std::string> type = type_value ? agent_type_of(*type_value) : std::nullopt;
  if (!type) f.fail("agent_type", "agent_type must be a name of 1 to 100 characters or {\"custom\": name}");
  auto capabilities = f.string_array("capabilities", 200);
  if (!capabilities && f.ok()) f.fail("capabilities", "field required");
  auto delegates = f.string_array("can_delegate_to", 200);
  if (!delegates && f.ok()) f.fail("can_delegate_to", "field required");
  const json::object* access = f.object("memory_access");
  if (!access && f.ok()) f.fail("memory_access", "field required");
  auto owner = uuid_field(f, "owner_principal_id");
  auto reports_to = uuid_field(f, "reports_to");
  require(f);
  if (reports_to) co_await registered_agent(tenant, *reports_to, "reports_to");

  store::MemoryEntity a;
  a.tenant_id = tenant;
  a.kind = kAgent;
  a.id = crypto::uuid_v4();
  a.type = *type;
  a.status = "idle";
  a.created_at = a.updated_at = now_ms();
  std::string now = iso8601(a.created_at);
  a.body = json_text(json::object{
      {"agent_id", a.id},
      {"tenant_id", tenant},
      {"agent_type", *type_value},
      {"capabilities", string_array(*capabilities)},
      {"can_delegate_to", string_array(*delegates)},
      {"memory_access", *access},
      {"owner_principal_id", owner ? json::value(*owner) : json::value(principal_id)},
      {"reports_to", reports_to ? json::value(*reports_to) : json::value(nullptr)},
      {"status", "idle"},
      {"current_trajectory_id", nullptr},
      {"current_scope_id", nullptr},
      {"last_heartbeat_at", now},
      {"_heartbeat_ms", a.created_at},
      {"created_at", now}});
  auto stored = co_await insert_recorded(std::move(a), kAgentRegistered, kNoContainer);
  co_return public_view(stored);
}

CellState::Task<json::object> CellState::get_agent(std::string tenant, std::string id) {
  auto agent = co_await fetch(tenant, kAgent, id);
  co_return public_view(agent);
}

CellState::Task<json::object> CellState::update_agent(std::string tenant, std::string id, json::object patch) {
  FieldReader f(patch);
  auto capabilities = f.string_array("capabilities", 200);
  auto scope_id = uuid_field(f, "current_scope_id");
  auto trajectory_id = uuid_field(f, "current_trajectory_id");
  const json::object* access = f.object("memory_access");
  auto status = f.one_of("status", kAgentStatuses);
  require(f);
  auto agent = co_await fetch(tenant, kAgent, id);
  json::object body = body_of(agent);
  if (capabilities) body["capabilities"] = string_array(*capabilities);
  if (scope_id) body["current_scope_id"] = *scope_id;
  if (trajectory_id) {
    body["current_trajectory_id"] = *trajectory_id;
    agent.owner_id = *trajectory_id;
  }
  if (access) body["memory_access"] = *access;
  if (status) {
    body["status"] = *status;
    agent.status = *status;
  }
  agent.body = json_text(body);
  auto stored = co_await save(std::move(agent));
  co_await record_event(tenant, kAgentUpdated, kAgent, id, kNoContainer);
  co_return public_view(stored);
}

CellState::Task<void> CellState::delete_agent(std::string tenant, std::string id) {
  co_await erase(tenant, kAgent, id);
  co_await record_event(tenant, kAgentUnregistered, kAgent, id, kNoContainer);
}

CellState::Task<json::object> CellState::heartbeat(std::string tenant, std::string id) {
  auto change = [](store::MemoryEntity&, json::object& body) {
    int64_t now = now_ms();
    body["last_heartbeat_at"] = iso8601(now);
    body["_heartbeat_ms"] = now;
    return true;
  };
  auto agent = co_await mutate(tenant, kAgent, id, change);
  co_return public_view(agent);
}

// --- locks

CellState::Task<json::object> CellState::list_locks(std::string tenant) {
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kLock, .live_at = now_ms(), .limit = 10000};
  eq.count_total = true;
  auto found = co_await query(eq);
  json::array list;
  for (const auto& lock : found.items) list.push_back(lock_view(lock));
  co_return json::object{{"total", found.total}, {"locks", std::move(list)}};
}

CellState::Task<json::object> CellState::acquire_lock(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string holder = required_uuid(f, "holder_agent_id");
  std::string resource_id = required_uuid(f, "resource_id");
  auto resource_type = f.one_of("resource_type", kResourceTypes);
  if (!resource_type && f.ok()) f.fail("resource_type", "field required");
  std::string mode = lock_mode(f.required_string("mode", 1, 20));
  if (f.ok() && mode != "exclusive" && mode != "shared") f.fail("mode", "mode must be Exclusive or Shared");
  auto timeout = f.integer("timeout_ms", 1, kMaxLockMs);
  if (!timeout && f.ok()) f.fail("timeout_ms", "field required");
  require(f);
  co_await registered_agent(tenant, holder, "holder_agent_id");

  store::MemoryEntity lock;
  lock.tenant_id = tenant;
  lock.kind = kLock;
  lock.id = crypto::uuid_v4();
  lock.parent_id = *resource_type + ":" + resource_id;
  lock.owner_id = holder;
  lock.type = mode;
  int64_t now = now_ms();
  lock.created_at = lock.updated_at = now;
  lock.expires_at = now + *timeout;
  lock.body = json_text(json::object{{"lock_id", lock.id},
                                           {"tenant_id", tenant},
                                           {"resource_type", *resource_type},
                                           {"resource_id", resource_id},
                                           {"holder_agent_id", holder},
                                           {"mode", mode == "exclusive" ? "Exclusive" : "Shared"},
                                           {"acquired_at", iso8601(now)}});
  auto acquired = co_await store_.acquire_memory_lock(lock, now);
  if (!acquired.ok()) fail(acquired.status());
  co_await record_event(tenant, kLockAcquired, kLock, acquired->id, kNoContainer);
  co_return lock_view(*acquired);
}

CellState::Task<json::object> CellState::get_lock(std::string tenant, std::string id) {
  auto lock = co_await fetch(tenant, kLock, id);
  co_return lock_view(lock);
}

CellState::Task<json::object> CellState::extend_lock(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  auto additional = f.integer("additional_ms", 1, kMaxLockMs);
  if (!additional && f.ok()) f.fail("additional_ms", "field required");
  require(f);
  auto lock = co_await fetch(tenant, kLock, id);
  lock.expires_at = *lock.expires_at + *additional;
  auto stored = co_await save(std::move(lock));
  co_await record_event(tenant, kLockExtended, kLock, id, kNoContainer);
  co_return lock_view(stored);
}

CellState::Task<void> CellState::release_lock(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  std::string releasing = required_uuid(f, "releasing_agent_id");
  require(f);
  auto lock = co_await fetch(tenant, kLock, id);
  if (lock.owner_id != releasing) fail(Status::forbidden("only the lock's holder may release it"));
  co_await erase(tenant, kLock, id);
  co_await record_event(tenant, kLockReleased, kLock, id, kNoContainer);
}

// --- messages

CellState::Task<json::object> CellState::list_messages(std::string tenant, QueryLookup q) {
  Page page = page_of(q);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kMessage, .live_at = now_ms(), .limit = page.limit,
                              .offset = page.offset};
  eq.count_total = true;
  if (auto type = q("message_type")) eq.type = *type;
  if (auto from = q("from_agent_id")) eq.owner_id = *from;
  if (auto trajectory = q("trajectory_id")) eq.parent_id = *trajectory;
  if (auto to = q("to_agent_id")) eq.body_equals.emplace_back("$.to.agent_id", *to);
  if (auto to_type = q("to_agent_type")) eq.body_equals.emplace_back("$.to.agent_type", *to_type);
  if (auto priority = q("priority")) eq.body_equals.emplace_back("$.priority", *priority);
  if (bool_param(q, "undelivered_only").value_or(false)) eq.body_null.emplace_back("$.delivered_at");
  if (bool_param(q, "unacknowledged_only").value_or(false)) eq.body_null.emplace_back("$.acknowledged_at");
  auto found = co_await query(eq);
  json::array list;
  for (const auto& m : found.items) list.push_back(public_view(m));
  co_return json::object{{"total", found.total}, {"messages", std::move(list)}};
}

CellState::Task<json::object> CellState::send_message(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string from = required_uuid(f, "from_agent_id");
  auto type = f.one_of("message_type", kMessageTypes);
  if (!type && f.ok()) f.fail("message_type", "field required");
  auto priority = f.one_of("priority", kPriorities);
  if (!priority && f.ok()) f.fail("priority", "field required");
  std::string payload = f.required_string("payload", 0, 1 << 20);
  auto artifact_ids = f.string_array("artifact_ids", 1000);
  if (!artifact_ids && f.ok()) f.fail("artifact_ids", "field required");
  auto scope_id = uuid_field(f, "scope_id");
  auto trajectory_id = uuid_field(f, "trajectory_id");
  auto expires = time_field(f, "expires_at");
  // The target: one agent ({"agent_id"}), every agent of a type ({"agent_type"}), or null for all.
  json::value to = nullptr;
  if (const json::value* target = body.if_contains("to"); target && !target->is_null()) {
    const json::object* t = target->if_object();
    const json::value* agent = t ? t->if_contains("agent_id") : nullptr;
    const json::value* agent_type = t ? t->if_contains("agent_type") : nullptr;
    if (agent && agent->is_string() && is_uuid(agent->get_string())) {
      to = json::object{{"agent_id", *agent}};
    } else if (agent_type && agent_type_of(*agent_type)) {
      to = json::object{{"agent_type", *agent_type_of(*agent_type)}};
    } else {
      f.fail("to", "to must be {\"agent_id\": uuid} or {\"agent_type\": name}");
    }
  }
  require(f);
  co_await registered_agent(tenant, from, "from_agent_id");
  if (to.is_object() && to.as_object().contains("agent_id")) {
    std::string recipient(to.as_object().at("agent_id").as_string());
    co_await registered_agent(tenant, recipient, "to");
  }

  store::MemoryEntity m;
  m.tenant_id = tenant;
  m.kind = kMessage;
  m.id = crypto::uuid_v4();
  m.parent_id = trajectory_id.value_or("");
  m.owner_id = from;
  m.type = *type;
  m.created_at = m.updated_at = now_ms();
  m.expires_at = expires;
  m.body = json_text(json::object{
      {"message_id", m.id},
      {"tenant_id", tenant},
      {"sender_id", from},
      {"to", to},
      {"message_type", *type},
      {"payload", payload},
      {"priority", *priority},
      {"artifact_ids", string_array(*artifact_ids)},
      {"scope_id", scope_id ? json::value(*scope_id) : json::value(nullptr)},
      {"trajectory_id", trajectory_id ? json::value(*trajectory_id) : json::value(nullptr)},
      {"created_at", iso8601(m.created_at)},
      {"expires_at", expires ? json::value(iso8601(*expires)) : json::value(nullptr)},
      {"delivered_at", nullptr},
      {"acknowledged_at", nullptr}});
  std::string container = m.parent_id;
  auto stored = co_await insert_recorded(std::move(m), kMessageSent, container);
  co_return public_view(stored);
}

CellState::Task<json::object> CellState::get_message(std::string tenant, std::string id) {
  auto change = [](store::MemoryEntity&, json::object& body) {
    if (!body["delivered_at"].is_null()) return false;
    body["delivered_at"] = iso8601(now_ms());
    return true;
  };
  auto message = co_await mutate(tenant, kMessage, id, change);
  co_return public_view(message);
}

CellState::Task<void> CellState::acknowledge_message(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  std::string agent_id = required_uuid(f, "agent_id");
  require(f);
  auto m = co_await fetch(tenant, kMessage, id);
  json::object message = body_of(m);
  const json::value& to = message["to"];
  bool recipient = false;
  if (to.is_object() && to.as_object().contains("agent_id")) {
    recipient = to.as_object().at("agent_id").as_string() == agent_id;
  } else {
    auto agent = co_await find(tenant, kAgent, agent_id);
    recipient = agent && (!to.is_object() || agent->type == to.as_object().at("agent_type").as_string());
  }
  if (!recipient) fail(Status::forbidden("only a recipient of the message may acknowledge it"));
  if (!message["acknowledged_at"].is_null()) fail(Status::conflict("the message is already acknowledged"));
  m.updated_at = now_ms();
  message["acknowledged_at"] = iso8601(m.updated_at);
  message["acknowledged_by"] = agent_id;
  if (message["delivered_at"].is_null()) message["delivered_at"] = iso8601(m.updated_at);
  m.body = json_text(message);
  co_await save(std::move(m));
  co_await record_event(tenant, kMessageAcknowledged, kMessage, id, kNoContainer);
}

// --- delegations and handoffs

CellState::Task<store::MemoryEntity> CellState::transition(std::string tenant, std::string kind, std::string id,
                                                           std::string from_status, std::string to_status,
                                                           std::string actor_field, std::string actor,
                                                           json::object extra, int event) {
  auto e = co_await fetch(tenant, kind, id);
  json::object body = body_of(e);
  if (field_text(body, actor_field) != actor) {
    fail(Status::forbidden("only the agent named by " + actor_field + " may do this"));
  }
  if (e.status != from_status) {
    fail(Status::conflict("the " + kind + " is " + e.status + ", not " + from_status)
             .with_details({{"code", "INVALID_STATE_TRANSITION"}, {"status", e.status}}));
  }
  e.status = to_status;
  e.updated_at = now_ms();
  body["status"] = to_status;
  body[to_status + "_at"] = iso8601(e.updated_at);
  for (auto& [key, value] : extra) body[key] = value;
  e.body = json_text(body);
  auto stored = co_await store_.update_memory_entity(e);
  if (!stored.ok()) fail(stored.status());  // 409 when another request moved it first
  co_await record_event(tenant, event, kind, id, kNoContainer);
  co_return std::move(stored).value();
}

CellState::Task<store::MemoryEntity> CellState::check_parties(std::string tenant, std::string from, std::string to,
                                                             std::string scope_id, std::string trajectory_id) {
  auto sender = co_await registered_agent(tenant, from, "from_agent_id");
  co_await registered_agent(tenant, to, "to_agent_id");
  auto scope = co_await find(tenant, kScope, scope_id);
  if (!scope) fail(Status::not_found("scope not found").with_field("scope_id"));
  if (scope->parent_id != trajectory_id) fail(Status::validation("trajectory_id", "the scope belongs to another trajectory"));
  co_return sender;
}

CellState::Task<json::object> CellState::create_delegation(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string from = required_uuid(f, "from_agent_id");
  std::string to = required_uuid(f, "to_agent_id");
  std::string scope_id = required_uuid(f, "scope_id");
  std::string trajectory_id = required_uuid(f, "trajectory_id");
  std::string task = f.required_string("task_description", 1, 100000);
  json::value context = object_or_null(f, "context");
  auto expected = time_field(f, "expected_completion");
  require(f);
  auto delegator = co_await check_parties(tenant, from, to, scope_id, trajectory_id);
  auto delegatee = co_await registered_agent(tenant, to, "to_agent_id");
  // An agent delegates only to the agent types it lists (an empty list: to any).
  json::object delegator_body = body_of(delegator);
  const json::array& allowed = delegator_body["can_delegate_to"].as_array();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), json::value(delegatee.type)) == allowed.end()) {
    fail(Status::forbidden("agent " + from + " may not delegate to agents of type " + delegatee.type));
  }

  store::MemoryEntity d;
  d.tenant_id = tenant;
  d.kind = kDelegation;
  d.id = crypto::uuid_v4();
  d.parent_id = trajectory_id;
  d.owner_id = to;
  d.status = "pending";
  d.created_at = d.updated_at = now_ms();
  d.body = json_text(json::object{
      {"delegation_id", d.id},
      {"tenant_id", tenant},
      {"delegator_id", from},
      {"delegatee_id", to},
      {"scope_id", scope_id},
      {"trajectory_id", trajectory_id},
      {"task_description", task},
      {"context", std::move(context)},
      {"expected_completion", expected ? json::value(iso8601(*expected)) : json::value(nullptr)},
      {"status", "pending"},
      {"result", nullptr},
      {"created_at", iso8601(d.created_at)},
      {"accepted_at", nullptr},
      {"completed_at", nullptr}});
  auto stored = co_await insert_recorded(std::move(d), kDelegationCreated, scope_id);
  co_return public_view(stored);
}

CellState::Task<json::object> CellState::get_delegation(std::string tenant, std::string id) {
  auto d = co_await fetch(tenant, kDelegation, id);
  co_return public_view(d);
}

CellState::Task<void> CellState::accept_delegation(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  std::string agent = required_uuid(f, "accepting_agent_id");
  require(f);
  const std::string from_status = "pending", to_status = "accepted", actor_field = "delegatee_id";
  json::object no_extra;
  co_await transition(tenant, kDelegation, id, from_status, to_status, actor_field, agent, no_extra, kDelegationAccepted);
}

CellState::Task<void> CellState::complete_delegation(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  std::string agent = required_uuid(f, "completing_agent_id");
  const json::object* result = f.object("result");
  if (!result && f.ok()) f.fail("result", "field required");
  require(f);
  json::object extra{{"result", *result}};
  const std::string from_status = "accepted", to_status = "completed", actor_field = "delegatee_id";
  co_await transition(tenant, kDelegation, id, from_status, to_status, actor_field, agent, extra, kDelegationCompleted);
}

CellState::Task<void> CellState::reject_delegation(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  std::string agent = required_uuid(f, "rejecting_agent_id");
  std::string reason = f.required_string("reason", 1, 10000);
  require(f);
  json::object extra{{"rejection_reason", reason}};
  const std::string from_status = "pending", to_status = "rejected", actor_field = "delegatee_id";
  co_await transition(tenant, kDelegation, id, from_status, to_status, actor_field, agent, extra, kDelegationRejected);
}

CellState::Task<json::object> CellState::create_handoff(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string from = required_uuid(f, "from_agent_id");
  std::string to = required_uuid(f, "to_agent_id");
  std::string scope_id = required_uuid(f, "scope_id");
  std::string trajectory_id = required_uuid(f, "trajectory_id");
  std::string reason = f.required_string("reason", 1, 10000);
  std::string snapshot = f.required_string("context_snapshot", 0, 16 << 20);
  require(f);
  co_await check_parties(tenant, from, to, scope_id, trajectory_id);

  store::MemoryEntity h;
  h.tenant_id = tenant;
  h.kind = kHandoff;
  h.id = crypto::uuid_v4();
  h.parent_id = trajectory_id;
  h.owner_id = to;
  h.status = "initiated";
  h.created_at = h.updated_at = now_ms();
  h.body = json_text(json::object{{"handoff_id", h.id},
                                        {"tenant_id", tenant},
                                        {"from_agent_id", from},
                                        {"to_agent_id", to},
                                        {"scope_id", scope_id},
                                        {"trajectory_id", trajectory_id},
                                        {"reason", reason},
                                        {"context_snapshot", snapshot},
                                        {"status", "initiated"},
                                        {"created_at", iso8601(h.created_at)},
                                        {"accepted_at", nullptr},
                                        {"completed_at", nullptr}});
  auto stored = co_await insert_recorded(std::move(h), kHandoffCreated, scope_id);
  co_return public_view(stored);
}

CellState::Task<json::object> CellState::get_handoff(std::string tenant, std::string id) {
  auto h = co_await fetch(tenant, kHandoff, id);
  co_return public_view(h);
}

CellState::Task<void> CellState::accept_handoff(std::string tenant, std::string id, json::object body) {
  FieldReader f(body);
  std::string agent = required_uuid(f, "accepting_agent_id");
  require(f);
  const std::string from_status = "initiated", to_status = "accepted", actor_field = "to_agent_id";
  json::object no_extra;
  co_await transition(tenant, kHandoff, id, from_status, to_status, actor_field, agent, no_extra, kHandoffAccepted);
}

CellState::Task<void> CellState::complete_handoff(std::string tenant, std::string id) {
  auto h = co_await fetch(tenant, kHandoff, id);
  std::string receiver = h.owner_id;
  const std::string from_status = "accepted", to_status = "completed", actor_field = "to_agent_id";
  json::object no_extra;
  co_await transition(tenant, kHandoff, id, from_status, to_status, actor_field, receiver, no_extra, kHandoffCompleted);
  // The trajectory now belongs to the receiving agent.
  auto trajectory = co_await find(tenant, kTrajectory, h.parent_id);
  if (trajectory) {
    auto change = [&](store::MemoryEntity& t, json::object& body) {
      body["agent_id"] = receiver;
      t.owner_id = receiver;
      return true;
    };
    co_await mutate(tenant, kTrajectory, h.parent_id, change);
  }
}

}  // namespace brainstem::memory
