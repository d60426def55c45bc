#include "orchestration/notifications.h"

#include "common/clock.h"
#include "orchestration/stored_bodies.h"

#include <functional>

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

const std::string kReadsKind = "cendriix_notification_reads";
const std::string kPrefsKind = "cendriix_notification_prefs";
const std::string kOnly = "current";
constexpr int kRunsRead = 200;
constexpr size_t kReadIdsKept = 1000;

struct Kind {
  const char* status;  // the run's
  const char* type;    // the notification's
  const char* title;
};
constexpr Kind kKinds[] = {
    {"awaiting_approval", "approval_required", "A run is waiting for approval"},
    {"failed", "run_failed", "A run failed"},
    {"merged", "run_completed", "A run completed"},
};

const Kind* kind_of(const std::string& status) {
  for (const auto& k : kKinds) {
    if (status == k.status) return &k;
  }
  return nullptr;
}

json::object default_preferences() {
  json::object types;
  for (const auto& k : kKinds) types[k.type] = true;
  return {{"inApp", true}, {"email", false}, {"types", std::move(types)}};
}

// The stored preferences over the defaults.
json::object effective(const json::object& stored) {
  json::object prefs = default_preferences();
  for (const char* key : {"inApp", "email"}) {
    if (const auto* v = stored.if_contains(key); v && v->is_bool()) prefs[key] = *v;
  }
  if (const auto* types = stored.if_contains("types"); types && types->is_object()) {
    for (const auto& [type, on] : types->as_object()) {
      if (on.is_bool() && prefs["types"].as_object().contains(type)) prefs["types"].as_object()[type] = on;
    }
  }
  return prefs;
}

bool was_read(const json::object& reads, const std::string& id, int64_t at) {
  if (const auto* before = reads.if_contains("readBefore"); before && before->is_int64() && at <= before->as_int64()) return true;
  if (const auto* ids = reads.if_contains("ids"); ids && ids->is_array()) {
    for (const auto& seen : ids->as_array()) {
      if (seen.is_string() && seen.as_string() == id) return true;
    }
  }
  return false;
}

// The tenant's current notifications, newest first, with their read flags.
json::array notifications_of(const std::vector<store::Run>& runs, const json::object& reads, const json::object& prefs) {
  json::array out;
  const auto& wanted = prefs.at("types").as_object();
  for (const auto& run : runs) {
    const Kind* kind = kind_of(run.status);
    if (!kind || !wanted.at(kind->type).as_bool()) continue;
    std::string id = "ntf_" + run.id + "_" + std::to_string(run.version);
    std::string body = run.reason.empty() ? "Run " + run.id + " is " + run.status
                                          : "Run " + run.id + " is " + run.status + ": " + run.reason;
    out.push_back(json::object{{"id", id},
                               {"type", kind->type},
                               {"title", kind->title},
                               {"body", body},
                               {"runId", run.id},
                               {"read", was_read(reads, id, run.updated_at)},
                               {"createdAt", iso8601(run.updated_at)}});
  }
  return out;
}

int64_t unread_in(const json::array& list) {
  int64_t n = 0;
  for (const auto& item : list) n += item.at("read").as_bool() ? 0 : 1;
  return n;
}

}  // namespace

Notifications::Task<Result<json::object>> Notifications::list(const std::string& tenant_id, bool unread_only) {
  auto runs = co_await runs_.list_runs(tenant_id, kRunsRead);
  if (!runs) co_return runs.status();
  auto reads = co_await stored_body(settings_, tenant_id, kReadsKind, kOnly);
  if (!reads) co_return reads.status();
  auto prefs = co_await stored_body(settings_, tenant_id, kPrefsKind, kOnly);
  if (!prefs) co_return prefs.status();
  json::array all = notifications_of(*runs, *reads, effective(*prefs));
  const int64_t unread = unread_in(all);
  json::array shown;
  for (auto& item : all) {
    if (!unread_only || !item.at("read").as_bool()) shown.push_back(std::move(item));
  }
  co_return json::object{{"notifications", std::move(shown)}, {"unread", unread}};
}

Notifications::Task<Result<json::object>> Notifications::mark_read(const std::string& tenant_id, const std::string& id) {
  auto current = co_await list(tenant_id, false);
  if (!current) co_return current.status();
  json::object found;
  for (const auto& item : current->at("notifications").as_array()) {
    if (item.at("id").as_string() == id) found = item.as_object();
  }
  if (found.empty()) co_return Status::not_found("notification not found");
  const std::function<void(json::object&)> remember = [&id](json::object& reads) {
    json::array ids;
    if (const auto* kept = reads.if_contains("ids"); kept && kept->is_array()) ids = kept->as_array();
    ids.emplace_back(id);
    if (ids.size() > kReadIdsKept) ids.erase(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(ids.size() - kReadIdsKept));
    reads["ids"] = std::move(ids);
  };
  auto saved = co_await change_body(settings_, tenant_id, kReadsKind, kOnly, remember);
  if (!saved) co_return saved.status();
  found["read"] = true;
  co_return found;
}

Notifications::Task<Result<json::object>> Notifications::mark_all_read(const std::string& tenant_id) {
  auto current = co_await list(tenant_id, true);
  if (!current) co_return current.status();
  const int64_t now = now_ms();
  const std::function<void(json::object&)> read_all = [now](json::object& reads) {
    reads["readBefore"] = now;
    reads["ids"] = json::array();
  };
  auto saved = co_await change_body(settings_, tenant_id, kReadsKind, kOnly, read_all);
  if (!saved) co_return saved.status();
  co_return json::object{{"marked", current->at("unread")}};
}

Notifications::Task<Result<json::object>> Notifications::preferences(const std::string& tenant_id) {
  auto stored = co_await stored_body(settings_, tenant_id, kPrefsKind, kOnly);
  if (!stored) co_return stored.status();
  co_return effective(*stored);
}

Notifications::Task<Result<json::object>> Notifications::set_preferences(const std::string& tenant_id,
                                                                         const json::object& change) {
  const json::object defaults = default_preferences();
  for (const auto& [key, value] : change) {
    if (key == "inApp" || key == "email") {
      if (!value.is_bool()) co_return Status::validation(std::string(key), "must be true or false");
    } else if (key == "types") {
      if (!value.is_object()) co_return Status::validation("types", "an object of notification types to true or false");
      for (const auto& [type, on] : value.as_object()) {
        if (!defaults.at("types").as_object().contains(type)) {
          co_return Status::validation("types." + std::string(type), "unknown notification type");
        }
        if (!on.is_bool()) co_return Status::validation("types." + std::string(type), "must be true or false");
      }
    } else {
      co_return Status::validation(std::string(key), "unknown field");
    }
  }
  const std::function<void(json::object&)> apply = [&change](json::object& stored) {
    for (const auto& [key, value] : change) {
      if (key != "types") {
        stored[key] = value;
        continue;
      }
      if (!stored.contains("types") || !stored["types"].is_object()) stored["types"] = json::object();
      for (const auto& [type, on] : value.as_object()) stored["types"].as_object()[type] = on;
    }
  };
  auto saved = co_await change_body(settings_, tenant_id, kPrefsKind, kOnly, apply);
  if (!saved) co_return saved.status();
  co_return effective(*saved);
}

}  // namespace brainstem::orchestration
