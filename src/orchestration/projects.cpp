#include "orchestration/projects.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "orchestration/stored_bodies.h"

#include <algorithm>
#include <array>

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

const std::string kProjectKind = "cendriix_project";
const std::string kAnyParent;  // projects are listed whatever run they link to
constexpr std::array<const char*, 4> kStages = {"idea", "provisioning", "building", "live"};

int stage_of(const std::string& status) {
  for (size_t i = 0; i < kStages.size(); ++i) {
    if (status == kStages[i]) return static_cast<int>(i);
  }
  return -1;
}

// The project as listed: what was given, its status and its run's id.
json::object summary_of(const store::MemoryEntity& row) {
  boost::system::error_code ec;
  json::value body = json::parse(row.body, ec);
  json::object view = !ec && body.is_object() ? std::move(body.as_object()) : json::object();
  view["id"] = row.id;
  view["status"] = row.status;
  view["runId"] = row.parent_id;
  view["createdAt"] = iso8601(row.created_at);
  view["updatedAt"] = iso8601(row.updated_at);
  return view;
}

// What needs a person's attention, from the linked run.
json::array concerns_of(const RunRecord& run) {
  json::array concerns;
  if (run.run.status == "failed") concerns.emplace_back("the planned run failed: " + run.run.reason);
  if (run.run.status == "awaiting_approval") concerns.emplace_back("the planned run waits for approval");
  if (run.run.status == "planned") concerns.emplace_back("the planned run has not started (POST /v1/runs/" + run.run.id + "/advance)");
  return concerns;
}

}  // namespace

bool Projects::may_move(const std::string& from, const std::string& to) {
  if (from == "archived" || from == to) return false;
  if (to == "archived") return true;
  if ((from == "live" && to == "paused") || (from == "paused" && to == "live")) return true;
  const int a = stage_of(from), b = stage_of(to);
  return a >= 0 && b >= 0 && (a - b == 1 || b - a == 1);
}

Projects::Task<Result<json::object>> Projects::detail(const std::string& tenant_id, const store::MemoryEntity& row) {
  json::object view = summary_of(row);
  double cost = 0;
  json::array concerns;
  json::value run_view = nullptr;
  auto run = co_await orchestrator_.run(tenant_id, row.parent_id);
  if (run) {
    for (const auto& step : run->steps) cost += step.cost_usd;
    concerns = concerns_of(*run);
    json::object linked{{"status", run->run.status}};
    if (!run->run.reason.empty()) linked["reason"] = run->run.reason;
    run_view = std::move(linked);
  } else {
    concerns.emplace_back("the planned run is gone");
  }
  view["run"] = std::move(run_view);
  view["costUsd"] = cost;
  view["concerns"] = std::move(concerns);
  co_return view;
}

Projects::Task<Result<json::object>> Projects::create(const std::string& tenant_id, ProjectDraft draft) {
  RunRequest request;
  request.input = json::object{{"title", draft.name}, {"body", draft.idea}};
  auto run = co_await orchestrator_.create_run(tenant_id, std::move(request));
  if (!run) co_return run.status();
  json::array tags;
  for (const auto& tag : draft.tags) tags.emplace_back(tag);
  store::MemoryEntity row;
  row.tenant_id = tenant_id;
  row.kind = kProjectKind;
  row.id = random_id("prj_", 20);
  row.status = "idea";
  row.parent_id = run->run.id;
  row.body = json_text(json::object{{"name", draft.name}, {"idea", draft.idea}, {"cloud", draft.cloud},
                                    {"region", draft.region}, {"tags", std::move(tags)}});
  row.created_at = row.updated_at = now_ms();
  auto stored = co_await store_.create_memory_entity(row);
  if (!stored) co_return stored.status();
  co_return co_await detail(tenant_id, *stored);
}

Projects::Task<Result<std::vector<json::object>>> Projects::list(const std::string& tenant_id) {
  auto rows = co_await stored_rows(store_, tenant_id, kProjectKind, kAnyParent);
  if (!rows) co_return rows.status();
  std::vector<json::object> out;
  for (const auto& row : *rows) out.push_back(summary_of(row));
  co_return out;
}

Projects::Task<Result<json::object>> Projects::get(const std::string& tenant_id, const std::string& id) {
  auto row = co_await store_.get_memory_entity(tenant_id, kProjectKind, id);
  if (!row) {
    if (row.status().code() == StatusCode::kNotFound) co_return Status::not_found("project not found");
    co_return row.status();
  }
  co_return co_await detail(tenant_id, *row);
}

Projects::Task<Result<json::object>> Projects::set_status(const std::string& tenant_id, const std::string& id,
                                                          const std::string& status) {
  if (stage_of(status) < 0 && status != "paused" && status != "archived") {
    co_return Status::validation("status", "one of idea, provisioning, building, live, paused, archived");
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto row = co_await store_.get_memory_entity(tenant_id, kProjectKind, id);
    if (!row) {
      if (row.status().code() == StatusCode::kNotFound) co_return Status::not_found("project not found");
      co_return row.status();
    }
    if (!may_move(row->status, status)) {
      co_return Status::conflict("a project cannot move from " + row->status + " to " + status);
    }
    store::MemoryEntity moved = *row;
    moved.status = status;
    moved.updated_at = now_ms();
    auto saved = co_await store_.update_memory_entity(moved);
    if (saved) co_return co_await detail(tenant_id, *saved);
    if (saved.status().code() != StatusCode::kConflict) co_return saved.status();
  }
  co_return Status::conflict("the project kept changing; try again");
}

}  // namespace brainstem::orchestration
