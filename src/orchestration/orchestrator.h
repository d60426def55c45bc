// What the orchestration routes call: workflows (checked definitions), runs and their moves
// between states, within one tenant (another tenant's records are "not found").
//
// A run's states: planned → running → awaiting_approval ⇄ running → merged | failed |
// cancelled; retry takes a failed or cancelled run back to running. Any other move is
// kConflict. The engine does the work; these methods store the move and wake it.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "orchestration/engine.h"
#include "orchestration/graph.h"
#include "orchestration/plan_writer.h"
#include "store/orchestration_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace brainstem::orchestration {

struct WorkflowDraft {
  std::string name;
  std::string description;
  boost::json::value definition;
  RunCaps caps;  // the caps of its runs, unless a run names its own
};

struct RunRequest {
  std::string workflow_id;  // empty: a plan by the planning model, or the built-in template "ticket"
  boost::json::value input = boost::json::object();
  std::optional<int64_t> token_budget;  // both unset: the workflow's caps
  std::optional<double> max_cost_usd;
  bool start = false;  // false: stays planned until advanced
};

// The graph a run of the workflow would follow, and where it came from: "workflow"; with no
// workflow, "model:<id>" (written by the planning model) or "template:<slug>" (none is
// configured, or its plan failed, and `note` says why).
struct PlannedGraph {
  Graph graph;
  std::string source;
  std::string note;
  RunCaps caps;  // the workflow's caps for its runs
};

struct RunRecord {
  store::Run run;
  std::vector<store::RunStep> steps;
};

// A built-in workflow to start from.
struct WorkflowTemplate {
  std::string id;
  std::string slug;
  std::string name;
  std::string description;
  boost::json::object definition;
};
const std::vector<WorkflowTemplate>& workflow_templates();

class Orchestrator {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;

  // `plans` writes the plans of runs created without a workflow; null: they follow the template.
  Orchestrator(store::OrchestrationStore& store, RunEngine& engine, PlanWriter* plans = nullptr)
      : store_(store), engine_(engine), plans_(plans) {}

  // {"valid": true} or {"valid": false, "errors": [{"nodeId", "message"}]}.
  static boost::json::object validate(const boost::json::value& definition);

  // kValidation (with the errors as details) when the definition does not check.
  Task<Result<store::Workflow>> create_workflow(const std::string& tenant_id, WorkflowDraft draft);
  Task<Result<store::Workflow>> update_workflow(const std::string& tenant_id, const std::string& id, WorkflowDraft draft);
  Task<Result<store::Workflow>> workflow(const std::string& tenant_id, const std::string& id);
  Task<Result<std::vector<store::Workflow>>> workflows(const std::string& tenant_id);
  Task<Status> delete_workflow(const std::string& tenant_id, const std::string& id);
  // A new workflow from a built-in template (by id or slug), its runs capped at `cost_cap_usd`.
  Task<Result<store::Workflow>> from_template(const std::string& tenant_id, const std::string& id_or_slug,
                                              const std::string& name, std::optional<double> cost_cap_usd);

  Task<Result<PlannedGraph>> plan_graph(const std::string& tenant_id, const std::string& workflow_id,
                                        const boost::json::value& input);
  // A plan as decompose shows it ({steps: [{id, type, name?, config?, dependsOn?}], edges?}),
  // read back into a graph; the edges are the plan's, or else those its dependsOn name.
  static Result<Graph> graph_of_plan(const boost::json::value& plan);

  // Stores the run with its plan (the workflow's graph, or the template's) before it starts.
  Task<Result<RunRecord>> create_run(const std::string& tenant_id, RunRequest request);
  Task<Result<RunRecord>> run(const std::string& tenant_id, const std::string& id);
  Task<Result<std::vector<store::Run>>> runs(const std::string& tenant_id, int limit);
  Task<Result<RunRecord>> advance(const std::string& tenant_id, const std::string& id);
  Task<Result<RunRecord>> approve(const std::string& tenant_id, const std::string& id, const std::string& note,
                                  const std::string& approved_by);
  Task<Result<RunRecord>> cancel(const std::string& tenant_id, const std::string& id);
  // From the failed or cancelled steps, or from `from_step` and everything after it.
  Task<Result<RunRecord>> retry(const std::string& tenant_id, const std::string& id, const std::string& from_step);
  // Replaces the run's caps (nullopt: none) unless it merged (a failed run may be retried with
  // more); the engine applies them from its next model call.
  Task<Result<RunRecord>> set_caps(const std::string& tenant_id, const std::string& id, std::optional<int64_t> token_budget,
                                   std::optional<double> max_cost_usd);
  Task<Result<std::vector<store::RunEvent>>> events(const std::string& tenant_id, const std::string& run_id,
                                                   int64_t after_seq, int limit);

 private:
  // Moves the run from one of `from` to `to`, appending `event`; kConflict otherwise.
  Task<Result<store::Run>> move(const std::string& tenant_id, const std::string& id, const std::vector<std::string>& from,
                                const std::string& to, const std::string& event_type);
  Task<Result<RunRecord>> record_of(Result<store::Run> run);

  store::OrchestrationStore& store_;
  RunEngine& engine_;
  PlanWriter* plans_;
};

}  // namespace brainstem::orchestration
