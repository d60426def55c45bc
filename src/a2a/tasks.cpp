#include "a2a/tasks.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_body.h"
#include "common/json_text.h"

#include <boost/json.hpp>

#include <charconv>
#include <set>
#include <utility>

namespace brainstem::a2a {

namespace json = boost::json;

namespace {

constexpr const char* kTaskKind = "a2a_task";
constexpr int kUpdateAttempts = 8;
constexpr int64_t kTopologyScan = 5000;  // newest rows of each kind counted into the topology

json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? std::move(v.get_object()) : json::object{};
}

TaskState state_of(const json::object& task) {
  const auto* status = task.if_contains("status");
  if (!status || !status->is_object()) return TaskState::kSubmitted;
  return parse_state(string_field(status->get_object(), "state")).value_or(TaskState::kSubmitted);
}

json::object status_now(TaskState state, std::optional<json::object> message) {
  json::object status{{"state", state_name(state)}, {"timestamp", iso8601(now_ms())}};
  if (message) status["message"] = std::move(*message);
  return status;
}

std::string key_of(const std::string& tenant_id, const std::string& id) { return tenant_id + '/' + id; }

// A page token: the created_at bound of the next page and how many rows at that instant were
// already shown. Rows added later sort before the bound, so pages neither skip nor repeat.
std::string page_token(int64_t created_at, int64_t skip) {
  return crypto::base64url_encode(std::to_string(created_at) + ":" + std::to_string(skip));
}

bool read_page_token(const std::string& token, int64_t& created_at, int64_t& skip) {
  std::string text;
  if (!crypto::base64url_decode(token, text)) return false;
  auto colon = text.find(':');
  if (colon == std::string::npos) return false;
  auto a = std::from_chars(text.data(), text.data() + colon, created_at);
  auto b = std::from_chars(text.data() + colon + 1, text.data() + text.size(), skip);
  return a.ec == std::errc() && a.ptr == text.data() + colon && b.ec == std::errc() &&
         b.ptr == text.data() + text.size() && created_at > 0 && skip >= 0;
}

}  // namespace

json::object task_view(json::object task, std::optional<int> history_length, bool include_artifacts) {
  if (!include_artifacts) task.erase("artifacts");
  if (history_length) {
    if (auto* h = task.if_contains("history"); h && h->is_array()) {
      json::array& history = h->get_array();
      const size_t keep = static_cast<size_t>(std::max(0, *history_length));
      if (history.size() > keep) history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(keep));
    }
  }
  return task;
}

Tasks::Task<Result<json::object>> Tasks::create(TaskDraft draft) {
  const int64_t now = now_ms();
  store::MemoryEntity e;
  e.tenant_id = draft.tenant_id;
  e.kind = kTaskKind;
  e.id = crypto::uuid_v4();
  e.parent_id = draft.context_id;
  if (e.parent_id.empty()) e.parent_id = crypto::uuid_v4();
  e.owner_id = draft.agent_id;
  e.status = state_short(TaskState::kSubmitted);
  e.type = draft.caller_agent_id;
  e.created_at = e.updated_at = now;
  draft.message["contextId"] = e.parent_id;
  draft.message["taskId"] = e.id;
  json::object task{{"id", e.id},
                    {"contextId", e.parent_id},
                    {"status", status_now(TaskState::kSubmitted, std::nullopt)},
                    {"artifacts", json::array{}},
                    {"history", json::array{std::move(draft.message)}},
                    {"metadata", json::object{{"agentId", draft.agent_id}, {"skill", draft.skill}}}};
  if (!draft.caller_agent_id.empty()) task["metadata"].get_object()["callerAgentId"] = draft.caller_agent_id;
  e.body = json_text(task);
  auto created = co_await store_.create_memory_entity(std::move(e));
  if (!created) co_return created.status();
  co_return task;
}

Tasks::Task<Result<json::object>> Tasks::get(const std::string& tenant_id, const std::string& id,
                                              std::optional<int> history_length) {
  auto found = co_await store_.get_memory_entity(tenant_id, kTaskKind, id);
  if (!found) {
    if (found.status().code() == StatusCode::kNotFound) co_return Status::not_found("task " + id + " not found");
    co_return found.status();
  }
  co_return task_view(parse_object(found->body), history_length, true);
}

Tasks::Task<Result<json::object>> Tasks::update(const std::string& tenant_id, const std::string& id,
                                                 const std::function<Status(json::object&, bool&)>& change) {
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    auto found = co_await store_.get_memory_entity(tenant_id, kTaskKind, id);
    if (!found) {
      if (found.status().code() == StatusCode::kNotFound) co_return Status::not_found("task " + id + " not found");
      co_return found.status();
    }
    store::MemoryEntity e = std::move(found.value());
    json::object task = parse_object(e.body);
    bool unchanged = false;
    if (Status s = change(task, unchanged); !s.is_ok()) co_return s;
    if (unchanged) co_return task;
    e.body = json_text(task);
    e.status = state_short(state_of(task));
    e.updated_at = now_ms();
    auto updated = co_await store_.update_memory_entity(std::move(e));
    if (updated) co_return task;
    if (updated.status().code() != StatusCode::kConflict) co_return updated.status();
  }
  co_return Status(StatusCode::kConflict, "task " + id + " kept changing; try again");
}

Tasks::Task<Result<json::object>> Tasks::advance(const std::string& tenant_id, const std::string& id, TaskState state,
                                                  std::optional<json::object> message, json::array artifacts) {
  // A named function, not a temporary in the co_await's arguments (GCC 12 frees those twice).
  const std::function<Status(json::object&, bool&)> change = [&](json::object& task, bool& unchanged) {
    unchanged = is_final(state_of(task));
    if (unchanged) return Status::ok();
    if (message) task["history"].as_array().push_back(*message);
    task["status"] = status_now(state, message);
    for (auto& a : artifacts) task["artifacts"].as_array().push_back(a);
    return Status::ok();
  };
  co_return co_await update(tenant_id, id, change);
}

Tasks::Task<Result<json::object>> Tasks::cancel(const std::string& tenant_id, const std::string& id) {
  const std::function<Status(json::object&, bool&)> change = [&](json::object& task, bool&) {
    const TaskState state = state_of(task);
    if (is_final(state)) {
      return Status::conflict("task " + id + " is already " + std::string(state_short(state)) + " and cannot be canceled");
    }
    task["status"] = status_now(TaskState::kCanceled, std::nullopt);
    return Status::ok();
  };
  auto canceled = co_await update(tenant_id, id, change);
  if (canceled) {
    std::lock_guard lock(mu_);
    if (auto it = running_.find(key_of(tenant_id, id)); it != running_.end()) it->second->store(true);
  }
  co_return canceled;
}

Tasks::Task<Result<TaskPage>> Tasks::list(const TaskQuery& query) {
  store::MemoryEntityQuery q;
  q.tenant_id = query.tenant_id;
  q.kind = kTaskKind;
  if (!query.agent_id.empty()) q.owner_id = query.agent_id;
  if (!query.context_id.empty()) q.parent_id = query.context_id;
  if (query.state) q.status = std::string(state_short(*query.state));
  q.updated_after = query.status_after_ms;  // a task's row changes when its status does
  q.newest_first = true;
  q.count_total = true;
  TaskPage page;
  int64_t before = 0, skip = 0;
  if (!query.page_token.empty()) {
    if (!read_page_token(query.page_token, before, skip)) co_return Status::validation("pageToken", "is not a token this server wrote");
    q.limit = 1;
    auto counted = co_await store_.list_memory_entities(q);  // the total of every page; the first page counts it itself
    if (!counted) co_return counted.status();
    page.total = counted->total;
    q.created_before = before + 1;
    q.offset = skip;
  }
  q.limit = query.page_size + 1;  // one more tells whether another page follows
  q.count_total = query.page_token.empty();
  auto found = co_await store_.list_memory_entities(q);
  if (!found) co_return found.status();
  if (query.page_token.empty()) page.total = found->total;
  auto& items = found->items;
  const bool more = items.size() > static_cast<size_t>(query.page_size);
  if (more) items.pop_back();
  for (const auto& e : items) page.tasks.push_back(task_view(parse_object(e.body), query.history_length, query.include_artifacts));
  page.page_size = static_cast<int>(items.size());
  if (more && !items.empty()) {
    const int64_t last = items.back().created_at;
    int64_t at_last = 0;
    for (const auto& e : items) at_last += e.created_at == last ? 1 : 0;
    // Rows at the last instant shown on earlier pages too are still before this page's rows.
    if (!query.page_token.empty() && before == last) at_last += skip;
    page.next_page_token = page_token(last, at_last);
  }
  co_return page;
}

Tasks::Task<Result<json::object>> Tasks::topology(const std::string& tenant_id) {
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> counts;
  std::set<std::string> agents;
  // Delegations and handoffs are CELLSTATE rows: owner_id is the receiving agent, the body
  // names the sender. A2A tasks: owner_id the agent sent to, type the one that delegated.
  for (const char* kind : {kTaskKind, "delegation", "handoff"}) {
    const store::MemoryEntityQuery q{.tenant_id = tenant_id, .kind = kind, .limit = kTopologyScan};
    auto found = co_await store_.list_memory_entities(q);
    if (!found) co_return found.status();
    const bool task = std::string_view(kind) == kTaskKind;
    for (const auto& e : found->items) {
      std::string from = e.type;
      if (!task) from = string_field(parse_object(e.body), "from_agent_id");
      if (!e.owner_id.empty()) agents.insert(e.owner_id);
      if (from.empty() || e.owner_id.empty()) continue;
      agents.insert(from);
      ++counts[{from, e.owner_id, task ? "a2a" : kind}];
    }
  }
  json::array edges;
  for (const auto& [key, count] : counts) {
    const auto& [from, to, via] = key;
    edges.push_back(json::object{{"from", from}, {"to", to}, {"via", via}, {"count", count}});
  }
  json::array nodes;
  for (const auto& a : agents) nodes.push_back(json::value(a));
  co_return json::object{{"agents", std::move(nodes)}, {"edges", std::move(edges)}};
}

std::shared_ptr<std::atomic<bool>> Tasks::running(const std::string& tenant_id, const std::string& id) {
  auto flag = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(mu_);
  running_[key_of(tenant_id, id)] = flag;
  return flag;
}

void Tasks::finished(const std::string& tenant_id, const std::string& id) {
  std::lock_guard lock(mu_);
  running_.erase(key_of(tenant_id, id));
}

}  // namespace brainstem::a2a
