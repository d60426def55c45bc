// Durable orchestration: workflows (DAGs of nodes), their runs, each run's steps and the
// events a run's stream replays. A run is driven by whichever node holds its lease; the
// claim is written so that it maps onto PostgreSQL's FOR UPDATE SKIP LOCKED. The contract
// every store interface keeps (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
#include <string>
#include <vector>

namespace brainstem::store {

// A DAG of nodes and edges (seed 002), its definition stored as JSON text.
struct Workflow {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string description;
  std::string definition = "{}";  // {"nodes": [...], "edges": [...]}
  int64_t version = 1;            // bumped by every update
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One execution of a plan. Its input and plan are stored before it starts.
struct Run {
  std::string id;
  std::string tenant_id;
  std::string workflow_id;  // empty: a plan from a built-in template
  std::string status = "planned";  // planned | running | awaiting_approval | merged | failed | cancelled
  std::string input = "{}";  // JSON
  std::string plan = "{}";   // JSON: {"steps": [...], "source", "generatedAt"}
  std::string caps = "{}";   // JSON: {"tokenBudget", "maxCostUsd"}
  std::string reason;        // why it failed or was cancelled
  int64_t version = 1;       // bumped by every save_run
  std::string lease_owner;   // the node driving it, while running
  int64_t lease_until = 0;   // unix ms; past it, any node may claim the run
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The state of one plan step (a workflow node) of a run.
struct RunStep {
  std::string tenant_id;
  std::string run_id;
  std::string node_id;
  std::string status = "pending";  // pending | running | waiting | completed | failed | cancelled | skipped
  int attempts = 0;
  std::string output = "null";  // JSON, once completed
  std::string error;
  int64_t tokens = 0;     // metered model tokens of the step
  double cost_usd = 0;    // metered cost of the step
  int64_t started_at = 0;
  int64_t finished_at = 0;
};

// One event of a run's stream, numbered 1, 2, ... within the run as it is stored.
struct RunEvent {
  std::string tenant_id;
  std::string run_id;
  int64_t seq = 0;  // assigned by the store
  std::string type;  // NODE_RUN_STARTED, NODE_RUN_COMPLETED, NODE_RUN_FAILED, RUN_COMPLETED, ...
  std::string data = "{}";  // JSON
  int64_t created_at = 0;
};

class OrchestrationStore {
 public:
  virtual ~OrchestrationStore() = default;

  // --- workflows
  virtual Async<Status> create_workflow(const Workflow& workflow) = 0;  // kConflict on a duplicate id
  virtual Async<Result<Workflow>> get_workflow(const std::string& tenant_id, const std::string& id) = 0;
  virtual Async<Result<std::vector<Workflow>>> list_workflows(const std::string& tenant_id) = 0;  // newest first
  // Replaces name, description and definition; bumps version. Returns the stored workflow.
  virtual Async<Result<Workflow>> update_workflow(const Workflow& workflow) = 0;
  // Runs of a deleted workflow keep their plan and stay readable.
  virtual Async<Status> delete_workflow(const std::string& tenant_id, const std::string& id) = 0;

  // --- runs
  virtual Async<Status> create_run(const Run& run, const std::vector<RunEvent>& events) = 0;
  virtual Async<Result<Run>> get_run(const std::string& tenant_id, const std::string& id) = 0;
  virtual Async<Result<std::vector<Run>>> list_runs(const std::string& tenant_id, int limit) = 0;  // newest first
  // Stores status, plan, caps and reason if the stored version is still run.version (else
  // kConflict: read it again), bumps the version and appends `events`, in one transaction. A
  // status other than running ends the lease. Returns the run as stored.
  virtual Async<Result<Run>> save_run(const Run& run, const std::vector<RunEvent>& events) = 0;
  // Claims up to `limit` running runs whose lease has ended, or that `owner` held before (a
  // restarted node takes its own runs back at once): their lease moves to owner until
  // now_ms + lease_ms. Returns them.
  virtual Async<Result<std::vector<Run>>> claim_runs(const std::string& owner, int64_t now_ms, int64_t lease_ms,
                                                     int limit) = 0;
  // Extends the owner's lease; kConflict when another node holds the run now.
  virtual Async<Status> renew_run_lease(const std::string& tenant_id, const std::string& run_id,
                                        const std::string& owner, int64_t until_ms) = 0;

  // --- steps and events
  // Writes the steps' states (inserted or replaced; all of one run, at least one) and appends
  // `events`, in one transaction. With an `owner`, only while that node holds the run's lease
  // (else kConflict: a node that lost its lease never overwrites what the new holder wrote).
  virtual Async<Status> record_steps(const std::vector<RunStep>& steps, const std::vector<RunEvent>& events,
                                     const std::string& owner) = 0;
  virtual Async<Result<std::vector<RunStep>>> run_steps(const std::string& tenant_id, const std::string& run_id) = 0;
  // The run's events after `after_seq`, in order, at most `limit`.
  virtual Async<Result<std::vector<RunEvent>>> run_events(const std::string& tenant_id, const std::string& run_id,
                                                          int64_t after_seq, int limit) = 0;
};

}  // namespace brainstem::store
