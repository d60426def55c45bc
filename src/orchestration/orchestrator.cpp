#include "orchestration/orchestrator.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_text.h"

#include <boost/asio/this_coro.hpp>

#include <algorithm>

namespace brainstem::orchestration {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::array errors_json(const std::vector<GraphError>& errors) {
  json::array out;
  for (const auto& e : errors) {
    out.push_back(json::object{{"nodeId", e.node_id.empty() ? json::value(nullptr) : json::value(e.node_id)},
                               {"message", e.message}});
  }
  return out;
}

// The definition as stored: checked, in its normal form.
// The graph as stored, with the caps of the workflow's runs when it has any.
Result<std::string> checked_definition(const json::value& definition, const RunCaps& caps) {
  std::vector<GraphError> errors;
  auto graph = Graph::parse(definition, &errors);
  if (!graph) return Status(graph.status()).with_details({{"errors", errors_json(errors)}});
  json::object stored = graph->to_json();
  json::object caps_json;
  if (caps.tokens) caps_json["tokenBudget"] = *caps.tokens;
  if (caps.cost_usd) caps_json["maxCostUsd"] = *caps.cost_usd;
  if (!caps_json.empty()) stored["caps"] = std::move(caps_json);
  return json_text(stored);
}

json::value parsed(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

// Events built outside the coroutines (GCC 12 mis-compiles braced lists inside them).
store::RunEvent state_event(const store::Run& run, const char* type, const std::string& status) {
  return run_event(run, type, {{"status", status}});
}

store::RunEvent step_event(const store::Run& run, const char* type, const store::RunStep& step) {
  json::object data{{"nodeId", step.node_id}, {"status", step.status}};
  if (step.status == "completed") data["output"] = parsed(step.output);
  return run_event(run, type, std::move(data));
}

std::vector<store::RunEvent> one(store::RunEvent event) {
  std::vector<store::RunEvent> events;
  events.push_back(std::move(event));
  return events;
}

json::object approval(const std::string& note, const std::string& approved_by) {
  return {{"approved", true}, {"note", note}, {"approvedBy", approved_by}};
}

// The states each move starts from.
const std::vector<std::string> kPlanned{"planned"};
const std::vector<std::string> kAwaitingApproval{"awaiting_approval"};
const std::vector<std::string> kCancellable{"planned", "running", "awaiting_approval"};
const std::vector<std::string> kRetryable{"failed", "cancelled"};
const std::vector<std::string> kSettled{"completed", "skipped"};
const std::vector<std::string> kEnded{"merged"};  // a failed or cancelled run may be retried

bool one_of(const std::string& status, const std::vector<std::string>& statuses) {
  return std::find(statuses.begin(), statuses.end(), status) != statuses.end();
}

}  // namespace

json::object Orchestrator::validate(const json::value& definition) {
  std::vector<GraphError> errors;
  auto graph = Graph::parse(definition, &errors);
  if (graph) return {{"valid", true}, {"errors", json::array()}};
  return {{"valid", false}, {"errors", errors_json(errors)}};
}

Orchestrator::Task<Result<store::Workflow>> Orchestrator::create_workflow(const std::string& tenant_id, WorkflowDraft draft) {
  auto definition = checked_definition(draft.definition, draft.caps);
  if (!definition) co_return definition.status();
  store::Workflow w;
  w.id = random_id("wf_", 20);
  w.tenant_id = tenant_id;
  w.name = std::move(draft.name);
  w.description = std::move(draft.description);
  w.definition = std::move(definition).value();
  w.created_at = w.updated_at = now_ms();
  if (Status s = co_await store_.create_workflow(w); !s.is_ok()) co_return s;
  co_return w;
}

Orchestrator::Task<Result<store::Workflow>> Orchestrator::update_workflow(const std::string& tenant_id, const std::string& id,
                                                                          WorkflowDraft draft) {
  auto definition = checked_definition(draft.definition, draft.caps);
  if (!definition) co_return definition.status();
  store::Workflow w;
  w.id = id;
  w.tenant_id = tenant_id;
  w.name = std::move(draft.name);
  w.description = std::move(draft.description);
  w.definition = std::move(definition).value();
  w.updated_at = now_ms();
  co_return co_await store_.update_workflow(w);
}

Orchestrator::Task<Result<store::Workflow>> Orchestrator::workflow(const std::string& tenant_id, const std::string& id) {
  co_return co_await store_.get_workflow(tenant_id, id);
}

Orchestrator::Task<Result<std::vector<store::Workflow>>> Orchestrator::workflows(const std::string& tenant_id) {
  co_return co_await store_.list_workflows(tenant_id);
}

Orchestrator::Task<Status> Orchestrator::delete_workflow(const std::string& tenant_id, const std::string& id) {
  co_return co_await store_.delete_workflow(tenant_id, id);
}

Orchestrator::Task<Result<store::Workflow>> Orchestrator::from_template(const std::string& tenant_id,
                                                                        const std::string& id_or_slug,
                                                                        const std::string& name,
                                                                        std::optional<double> cost_cap_usd) {
  const auto& templates = workflow_templates();
  auto it = std::find_if(templates.begin(), templates.end(),
                         [&](const WorkflowTemplate& t) { return t.id == id_or_slug || t.slug == id_or_slug; });
  if (it == templates.end()) co_return Status::not_found("workflow template not found");
  WorkflowDraft draft{name.empty() ? it->name : name, it->description, it->definition, RunCaps{std::nullopt, cost_cap_usd}};
  co_return co_await create_workflow(tenant_id, std::move(draft));
}

Orchestrator::Task<Result<PlannedGraph>> Orchestrator::plan_graph(const std::string& tenant_id,
                                                                  const std::string& workflow_id,
                                                                  const json::value& input) {
  json::value definition;
  std::string source, note;
  RunCaps caps;
  if (!workflow_id.empty()) {
    auto workflow = co_await store_.get_workflow(tenant_id, workflow_id);
    if (!workflow) co_return workflow.status();
    definition = parsed(workflow->definition);
    if (const auto* stored = definition.is_object() ? definition.as_object().if_contains("caps") : nullptr) {
      caps = caps_of(json::serialize(*stored));
    }
    source = "workflow";
  } else {
    if (plans_ && plans_->enabled()) {
      std::string task = "Plan the work this request needs. Its input, referable as {{input.<field>}}:\n" +
                         json::serialize(input);
      auto written = co_await plans_->write(tenant_id, task, "");
      if (written) co_return PlannedGraph{std::move(written).value(), "model:" + plans_->model(), "", RunCaps{}};
      note = "the planning model's plan was not used: " + written.status().message();
    }
    definition = workflow_templates().front().definition;
    source = "template:" + workflow_templates().front().slug;
  }
  auto graph = Graph::parse(definition);
  if (!graph) co_return graph.status();
  co_return PlannedGraph{std::move(graph).value(), std::move(source), std::move(note), caps};
}

Result<Graph> Orchestrator::graph_of_plan(const json::value& plan) {
  const auto* o = plan.if_object();
  const auto* steps = o ? o->if_contains("steps") : nullptr;
  if (!steps || !steps->is_array()) return Status::validation("plan.steps", "field required: an array of steps");
  if (steps->as_array().size() > kMaxPlanSteps) return Status::validation("plan.steps", "at most 200 steps");
  json::array nodes, edges;
  for (const auto& step : steps->as_array()) {
    const auto* s = step.if_object();
    if (!s) return Status::validation("plan.steps", "each step is an object");
    json::object node;
    for (const char* key : {"id", "type", "name", "config", "retry", "idempotent"}) {
      if (const auto* v = s->if_contains(key)) node[key] = *v;
    }
    if (const auto* depends = s->if_contains("dependsOn"); depends && depends->is_array() && !o->contains("edges")) {
      for (const auto& from : depends->as_array()) edges.push_back(json::object{{"from", from}, {"to", node["id"]}});
    }
    nodes.push_back(std::move(node));
  }
  if (const auto* given = o->if_contains("edges")) {
    if (!given->is_array()) return Status::validation("plan.edges", "must be an array");
    edges = given->as_array();
  }
  return Graph::parse(json::object{{"nodes", std::move(nodes)}, {"edges", std::move(edges)}});
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::create_run(const std::string& tenant_id, RunRequest request) {
  auto planned = co_await plan_graph(tenant_id, request.workflow_id, request.input);
  if (!planned) co_return planned.status();
  store::Run run;
  json::object plan = planned->graph.to_json();
  std::string source = planned->source;
  plan["source"] = source;
  if (!planned->note.empty()) plan["note"] = planned->note;
  plan["generatedAt"] = iso8601(now_ms());
  run.id = random_id("run_", 20);
  run.tenant_id = tenant_id;
  run.workflow_id = request.workflow_id;
  run.status = request.start ? "running" : "planned";
  run.input = json_text(request.input);
  run.plan = json_text(plan);
  if (!request.token_budget && !request.max_cost_usd) {
    request.token_budget = planned->caps.tokens;
    request.max_cost_usd = planned->caps.cost_usd;
  }
  json::object caps;
  if (request.token_budget) caps["tokenBudget"] = *request.token_budget;
  if (request.max_cost_usd) caps["maxCostUsd"] = *request.max_cost_usd;
  run.caps = json_text(caps);
  run.created_at = run.updated_at = now_ms();
  auto events = one(state_event(run, "RUN_CREATED", "planned"));
  if (request.start) events.push_back(state_event(run, "RUN_STARTED", "running"));
  if (Status s = co_await store_.create_run(run, events); !s.is_ok()) co_return s;
  if (request.start) engine_.wake(co_await asio::this_coro::executor);
  RunRecord created;
  created.run = std::move(run);
  co_return created;
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::run(const std::string& tenant_id, const std::string& id) {
  co_return co_await record_of(co_await store_.get_run(tenant_id, id));
}

Orchestrator::Task<Result<std::vector<store::Run>>> Orchestrator::runs(const std::string& tenant_id, int limit) {
  co_return co_await store_.list_runs(tenant_id, limit);
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::advance(const std::string& tenant_id, const std::string& id) {
  auto moved = co_await move(tenant_id, id, kPlanned, "running", "RUN_STARTED");
  if (moved) engine_.wake(co_await asio::this_coro::executor);
  co_return co_await record_of(std::move(moved));
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::approve(const std::string& tenant_id, const std::string& id,
                                                            const std::string& note, const std::string& approved_by) {
  auto run = co_await store_.get_run(tenant_id, id);
  if (!run) co_return run.status();
  if (run->status != "awaiting_approval") co_return Status::conflict("run is " + run->status + ", not awaiting approval");
  auto steps = co_await store_.run_steps(tenant_id, id);
  if (!steps) co_return steps.status();
  // The gates first: the engine that takes the run up must find them passed.
  std::vector<store::RunStep> passed;
  std::vector<store::RunEvent> events;
  for (auto step : *steps) {
    if (step.status != "waiting") continue;
    step.status = "completed";
    step.finished_at = now_ms();
    step.output = json_text(approval(note, approved_by));
    events.push_back(step_event(*run, "NODE_RUN_COMPLETED", step));
    passed.push_back(std::move(step));
  }
  if (!passed.empty()) {
    if (Status s = co_await store_.record_steps(passed, events, ""); !s.is_ok()) co_return s;
  }
  auto moved = co_await move(tenant_id, id, kAwaitingApproval, "running", "RUN_RESUMED");
  if (moved) engine_.wake(co_await asio::this_coro::executor);
  co_return co_await record_of(std::move(moved));
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::cancel(const std::string& tenant_id, const std::string& id) {
  auto moved = co_await move(tenant_id, id, kCancellable, "cancelled", "RUN_CANCELLED");
  if (!moved) co_return moved.status();
  engine_.interrupt(id);
  auto steps = co_await store_.run_steps(tenant_id, id);
  if (!steps) co_return steps.status();
  std::vector<store::RunStep> stopped;
  std::vector<store::RunEvent> events;
  for (auto step : *steps) {
    if (step.status != "running" && step.status != "waiting") continue;
    step.status = "cancelled";
    step.finished_at = now_ms();
    events.push_back(step_event(*moved, "NODE_RUN_CANCELLED", step));
    stopped.push_back(std::move(step));
  }
  if (!stopped.empty()) {
    if (Status s = co_await store_.record_steps(stopped, events, ""); !s.is_ok()) co_return s;
  }
  co_return co_await record_of(std::move(moved));
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::retry(const std::string& tenant_id, const std::string& id,
                                                          const std::string& from_step) {
  auto run = co_await store_.get_run(tenant_id, id);
  if (!run) co_return run.status();
  if (run->status != "failed" && run->status != "cancelled") {
    co_return Status::conflict("run is " + run->status + "; only a failed or cancelled run can be retried");
  }
  auto graph = Graph::parse(parsed(run->plan));
  if (!graph) co_return graph.status();
  std::vector<std::string> reset;
  if (!from_step.empty()) {
    if (!graph->node(from_step)) co_return Status::validation("fromStepId", "no step " + from_step + " in the run's plan");
    reset = graph->downstream(from_step);
    reset.push_back(from_step);
  }
  auto steps = co_await store_.run_steps(tenant_id, id);
  if (!steps) co_return steps.status();
  std::vector<store::RunStep> again;
  for (auto step : *steps) {
    bool runs_again = from_step.empty() ? !one_of(step.status, kSettled)
                                        : std::find(reset.begin(), reset.end(), step.node_id) != reset.end();
    if (!runs_again) continue;
    step.status = "pending";
    step.output = "null";
    step.error.clear();
    step.finished_at = 0;
    again.push_back(std::move(step));
  }
  if (!again.empty()) {
    std::vector<store::RunEvent> none;
    if (Status s = co_await store_.record_steps(again, none, ""); !s.is_ok()) co_return s;
  }
  auto moved = co_await move(tenant_id, id, kRetryable, "running", "RUN_RETRIED");
  if (moved) engine_.wake(co_await asio::this_coro::executor);
  co_return co_await record_of(std::move(moved));
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::set_caps(const std::string& tenant_id, const std::string& id,
                                                             std::optional<int64_t> token_budget,
                                                             std::optional<double> max_cost_usd) {
  json::object caps;
  if (token_budget) caps["tokenBudget"] = *token_budget;
  if (max_cost_usd) caps["maxCostUsd"] = *max_cost_usd;
  for (int attempt = 0;; ++attempt) {
    auto run = co_await store_.get_run(tenant_id, id);
    if (!run) co_return run.status();
    if (one_of(run->status, kEnded)) co_return Status::conflict("run is " + run->status + "; its budget is final");
    run->caps = json_text(caps);
    run->updated_at = now_ms();
    auto events = one(state_event(*run, "RUN_BUDGET_CHANGED", run->status));
    auto saved = co_await store_.save_run(*run, events);
    if (saved || saved.status().code() != StatusCode::kConflict || attempt >= 8) co_return co_await record_of(std::move(saved));
  }
}

Orchestrator::Task<Result<std::vector<store::RunEvent>>> Orchestrator::events(const std::string& tenant_id,
                                                                              const std::string& run_id,
                                                                              int64_t after_seq, int limit) {
  co_return co_await store_.run_events(tenant_id, run_id, after_seq, limit);
}

Orchestrator::Task<Result<store::Run>> Orchestrator::move(const std::string& tenant_id, const std::string& id,
                                                          const std::vector<std::string>& from, const std::string& to,
                                                          const std::string& event_type) {
  for (int attempt = 0;; ++attempt) {
    auto run = co_await store_.get_run(tenant_id, id);
    if (!run) co_return run.status();
    if (!one_of(run->status, from)) co_return Status::conflict("run is " + run->status + "; it cannot become " + to);
    run->status = to;
    if (to == "running") run->reason.clear();
    if (to == "cancelled") run->reason = "cancelled by request";
    run->updated_at = now_ms();
    auto events = one(state_event(*run, event_type.c_str(), to));
    auto saved = co_await store_.save_run(*run, events);
    if (saved || saved.status().code() != StatusCode::kConflict || attempt >= 8) co_return saved;
  }
}

Orchestrator::Task<Result<RunRecord>> Orchestrator::record_of(Result<store::Run> run) {
  if (!run) co_return run.status();
  auto steps = co_await store_.run_steps(run->tenant_id, run->id);
  if (!steps) co_return steps.status();
  co_return RunRecord{std::move(run).value(), std::move(steps).value()};
}

}  // namespace brainstem::orchestration
