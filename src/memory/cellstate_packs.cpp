// The tenant's configuration, deployments of packs and benchmark snapshots.
//
// Keyed columns: the configuration is the entity "current" of kind config. A deployment's
// parent_id is its pack, status created | active | superseded | rolled_back. A benchmark
// snapshot's type is its phase.
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_text.h"
#include "memory/cellstate.h"
#include "memory/cellstate_internal.h"
#include "memory/ttl.h"

namespace brainstem::memory {

namespace json = boost::json;
using namespace detail;

namespace {

const std::string kCurrent = "current";

json::object deployment_answer(const store::MemoryEntity& d) {
  json::object view = public_view(d);
  view["status"] = d.status;
  return {{"deployment", std::move(view)}};
}

int64_t rollout_field(const json::object& body) {
  FieldReader f(body);
  auto percentage = f.integer("rollout_percentage", 0, 100);
  if (!percentage && f.ok()) f.fail("rollout_percentage", "field required");
  require(f);
  return *percentage;
}

}  // namespace

// --- configuration

json::object CellState::validate_config(const json::object& body) const {
  json::array errors;
  auto error = [&](std::string path, std::string message) {
    errors.push_back(json::object{{"path", std::move(path)}, {"message", std::move(message)}});
  };
  const json::value* config = body.if_contains("config");
  if (!config || !config->is_object()) {
    error("config", "config must be an object");
    return {{"config", config ? *config : json::value(nullptr)}, {"errors", std::move(errors)}, {"valid", false}};
  }
  for (const auto& [key, value] : config->as_object()) {
    if (key == "default_ttl") {
      if (auto ttl = parse_ttl(value); !ttl.ok()) error("config.default_ttl", ttl.status().message());
    } else if (key == "agent_active_window_ms") {
      if (!value.is_int64() || value.get_int64() < 1000 || value.get_int64() > 86400000) {
        error("config.agent_active_window_ms", "an integer from 1000 to 86400000");
      }
    } else if (key == "pack" || key == "agents" || key == "prompts" || key == "settings") {
      if (!value.is_object() && !value.is_null()) error("config." + std::string(key), "must be an object");
    } else {
      error("config." + std::string(key), "unknown setting");
    }
  }
  bool valid = errors.empty();
  return {{"config", *config}, {"errors", std::move(errors)}, {"valid", valid}};
}

CellState::Task<json::object> CellState::tenant_config(std::string tenant) {
  const int64_t now = now_ms();
  if (auto kept = configs_.get(tenant, now)) co_return std::move(*kept);
  auto stored = co_await find(tenant, kConfig, kCurrent);
  json::object config;
  if (stored) config = body_of(*stored);
  configs_.put(tenant, config, now);
  co_return config;
}

CellState::Task<json::object> CellState::get_config(std::string tenant) {
  auto config = co_await tenant_config(tenant);
  co_return json::object{{"config", std::move(config)}, {"errors", json::array()}, {"valid", true}};
}

CellState::Task<json::object> CellState::update_config(std::string tenant, json::object body) {
  json::object checked = validate_config(body);
  if (!checked["valid"].as_bool()) {
    fail(Status::validation("config", "the configuration is not valid").with_details({{"errors", checked["errors"]}}));
  }
  json::object config = checked["config"].as_object();
  co_await upsert(tenant, kConfig, kCurrent, [&config](json::object& body) { body = config; });
  configs_.erase(tenant);
  co_await record_event(tenant, kConfigUpdated, kConfig, kCurrent, kNoContainer);
  checked["errors"] = json::array();
  co_return checked;
}

// --- the tenant's profile

CellState::Task<json::object> CellState::tenant_profile(std::string tenant) {
  auto stored = co_await find(tenant, kTenantProfile, tenant);
  co_return stored ? body_of(*stored) : json::object();
}

CellState::Task<json::object> CellState::update_tenant_profile(std::string tenant, json::object changes) {
  auto stored = co_await upsert(tenant, kTenantProfile, tenant, [&changes](json::object& body) {
    for (const auto& [key, value] : changes) body[key] = value;
  });
  co_return body_of(stored);
}

// --- deployments

CellState::Task<json::object> CellState::list_deployments(std::string tenant, QueryLookup q) {
  auto pack = q("pack_name");
  if (!pack || pack->empty()) fail(Status::validation("pack_name", "field required"));
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kDeployment, .parent_id = *pack, .limit = 1000};
  eq.count_total = true;
  auto page = co_await query(eq);
  json::array out;
  for (const auto& d : page.items) out.push_back(deployment_answer(d)["deployment"]);
  co_return json::object{{"deployments", std::move(out)}, {"total", page.total}};
}

CellState::Task<json::object> CellState::create_deployment(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string pack = f.required_string("pack_name", 1, 200);
  auto threshold = f.number("error_threshold", 0.0, 1.0);
  json::value launch = object_or_null(f, "launch_config");
  require(f);
  store::MemoryEntityQuery existing{.tenant_id = tenant, .kind = kDeployment, .parent_id = pack, .limit = 0};
  existing.count_total = true;
  auto versions = co_await query(existing);
  store::MemoryEntity d;
  d.tenant_id = tenant;
  d.kind = kDeployment;
  d.id = crypto::uuid_v4();
  d.parent_id = pack;
  d.status = "created";
  d.created_at = d.updated_at = now_ms();
  // The pack's configuration as it stands now is what this version deploys.
  auto config = co_await tenant_config(tenant);
  d.body = json_text(json::object{{"deployment_id", d.id},
                                        {"id", d.id},
                                        {"tenant_id", tenant},
                                        {"pack_name", pack},
                                        {"version", versions.total + 1},
                                        {"rollout_percentage", 0},
                                        {"error_threshold", threshold.value_or(0.1)},
                                        {"launch_config", std::move(launch)},
                                        {"config_hash", crypto::sha256_hex(json_text(config))},
                                        {"previous_deployment_id", nullptr},
                                        {"created_at", iso8601(d.created_at)},
                                        {"activated_at", nullptr}});
  // A concurrent creation may take the same version number: the unique id keeps both, and
  // the later one (by creation time) is the newer.
  auto stored = co_await insert_recorded(std::move(d), kDeploymentCreated, kNoContainer);
  co_return deployment_answer(stored);
}

CellState::Task<json::object> CellState::get_deployment(std::string tenant, std::string id) {
  auto d = co_await fetch(tenant, kDeployment, id);
  co_return deployment_answer(d);
}

CellState::Task<json::object> CellState::activate_deployment(std::string tenant, std::string id, json::object body) {
  int64_t percentage = rollout_field(body);
  auto d = co_await fetch(tenant, kDeployment, id);
  if (d.status != "created") {
    fail(Status::conflict("a " + d.status + " deployment cannot be activated").with_details({{"code", "INVALID_STATE_TRANSITION"}}));
  }
  // The pack's active deployment, if any, keeps serving the rest until this one reaches 100%.
  store::MemoryEntityQuery active{.tenant_id = tenant, .kind = kDeployment, .parent_id = d.parent_id,
                                  .status = "active", .limit = 1};
  auto current = co_await query(active);
  json::object view = body_of(d);
  if (!current.items.empty()) view["previous_deployment_id"] = current.items.front().id;
  d.status = "active";
  view["rollout_percentage"] = percentage;
  view["activated_at"] = iso8601(now_ms());
  d.body = json_text(view);
  auto stored = co_await save(std::move(d));
  if (percentage == 100 && !current.items.empty()) {
    auto previous = std::move(current.items.front());
    previous.status = "superseded";
    co_await save(std::move(previous));
  }
  co_await record_event(tenant, kDeploymentActivated, kDeployment, id, kNoContainer);
  co_return deployment_answer(stored);
}

CellState::Task<json::object> CellState::rollout_deployment(std::string tenant, std::string id, json::object body) {
  int64_t percentage = rollout_field(body);
  auto d = co_await fetch(tenant, kDeployment, id);
  if (d.status != "active") fail(Status::conflict("only an active deployment rolls out further"));
  json::object view = body_of(d);
  if (percentage < view["rollout_percentage"].as_int64()) {
    fail(Status::validation("rollout_percentage", "a rollout only increases; roll back to go back"));
  }
  view["rollout_percentage"] = percentage;
  d.body = json_text(view);
  auto stored = co_await save(std::move(d));
  if (percentage == 100 && view["previous_deployment_id"].is_string()) {
    std::string previous_id(view["previous_deployment_id"].as_string());
    auto previous = co_await find(tenant, kDeployment, previous_id);
    if (previous && previous->status == "active") {
      previous->status = "superseded";
      co_await save(std::move(*previous));
    }
  }
  co_await record_event(tenant, kDeploymentRolledOut, kDeployment, id, kNoContainer);
  co_return deployment_answer(stored);
}

CellState::Task<json::object> CellState::rollback_deployment(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string pack = f.required_string("pack_name", 1, 200);
  require(f);
  // The newest active deployment is rolled back; the one it replaced serves everything again.
  store::MemoryEntityQuery active{.tenant_id = tenant, .kind = kDeployment, .parent_id = pack, .status = "active",
                                  .limit = 1};
  auto current = co_await query(active);
  if (current.items.empty()) fail(Status::not_found("the pack has no active deployment"));
  auto latest = std::move(current.items.front());
  json::object view = body_of(latest);
  if (!view["previous_deployment_id"].is_string()) {
    fail(Status::conflict("the active deployment replaced none; there is nothing to roll back to"));
  }
  std::string previous_id(view["previous_deployment_id"].as_string());
  auto previous = co_await fetch(tenant, kDeployment, previous_id);
  latest.status = "rolled_back";
  co_await save(std::move(latest));
  json::object restored = body_of(previous);
  restored["rollout_percentage"] = 100;
  previous.status = "active";
  previous.body = json_text(restored);
  auto stored = co_await save(std::move(previous));
  co_await record_event(tenant, kDeploymentRolledBack, kDeployment, stored.id, kNoContainer);
  co_return deployment_answer(stored);
}

// --- benchmark snapshots

CellState::Task<json::object> CellState::list_benchmarks(std::string tenant) {
  store::MemoryEntityQuery q{.tenant_id = tenant, .kind = kBenchmark, .limit = 1000};
  q.count_total = true;
  auto page = co_await query(q);
  json::array out;
  for (const auto& b : page.items) out.push_back(public_view(b));
  co_return json::object{{"snapshots", std::move(out)}, {"total", page.total}};
}

CellState::Task<json::object> CellState::submit_benchmark(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string name = f.required_string("name", 1, 200);
  std::string source = f.required_string("config_source", 0, 1 << 20);
  auto phase = f.one_of("phase", {"online", "frozen", "evolving"});
  if (!phase && f.ok()) f.fail("phase", "field required");
  json::value metrics = object_or_null(f, "metrics");
  json::value metadata = object_or_null(f, "metadata");
  require(f);
  store::MemoryEntity b;
  b.tenant_id = tenant;
  b.kind = kBenchmark;
  b.id = crypto::uuid_v4();
  b.type = *phase;
  b.created_at = b.updated_at = now_ms();
  b.body = json_text(json::object{{"snapshot_id", b.id},
                                        {"name", name},
                                        {"phase", *phase},
                                        {"config_source", source},
                                        {"config_hash", crypto::sha256_hex(source)},
                                        {"metrics", std::move(metrics)},
                                        {"metadata", std::move(metadata)},
                                        {"created_at", iso8601(b.created_at)}});
  auto stored = co_await insert_recorded(std::move(b), kBenchmarkSubmitted, kNoContainer);
  co_return public_view(stored);
}

}  // namespace brainstem::memory
