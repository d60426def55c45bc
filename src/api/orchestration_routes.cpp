// Cendriix (seed 002) orchestration: workflows, runs and their moves, run lifecycle, run
// metering (costs per step, caps) and the live stream of a run's events. The engine does the work in the background
// (orchestration/engine.h); these handlers read requests into orchestrator calls.
#include "api/agent_message.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/json_text.h"
#include "http/sse.h"

#include <boost/asio/steady_timer.hpp>

#include <unordered_map>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kWorkflowSchema =
    R"({"type":"object","required":["name","nodes"],"properties":{"name":{"type":"string","minLength":1,"maxLength":200},)"
    R"("description":{"type":"string","maxLength":2000},"nodes":{"type":"array","maxItems":1000},"edges":{"type":"array"},)"
    R"("caps":{"type":"object","properties":{"tokenBudget":{"type":"integer","minimum":1},"maxCostUsd":{"type":"number","minimum":0}}}}})";
constexpr const char* kRunSchema =
    R"({"type":"object","properties":{"workflowId":{"type":"string"},"input":{"type":"object"},)"
    R"("caps":{"type":"object","properties":{"tokenBudget":{"type":"integer","minimum":1},"maxCostUsd":{"type":"number","minimum":0}}}}})";
// Polling period of a live stream: the store is the one source, so any node can serve it.
constexpr auto kStreamPoll = std::chrono::milliseconds(100);
constexpr int kRunListLimit = 200;

json::value parsed(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

bool final_status(const std::string& status) { return status == "merged" || status == "failed" || status == "cancelled"; }

json::object workflow_view(const store::Workflow& w) {
  json::value definition = parsed(w.definition);
  json::object out{{"id", w.id},
                   {"tenantId", w.tenant_id},
                   {"name", w.name},
                   {"description", w.description},
                   {"version", w.version},
                   {"createdAt", iso8601(w.created_at)},
                   {"updatedAt", iso8601(w.updated_at)}};
  if (definition.is_object()) {
    for (const char* key : {"nodes", "edges", "caps"}) {
      if (const auto* v = definition.as_object().if_contains(key)) out[key] = *v;
    }
  }
  return out;
}

json::object run_view(const orchestration::RunRecord& record) {
  const auto& run = record.run;
  std::unordered_map<std::string, const store::RunStep*> steps;
  int64_t tokens = 0;
  double cost = 0;
  for (const auto& s : record.steps) {
    steps[s.node_id] = &s;
    tokens += s.tokens;
    cost += s.cost_usd;
  }
  json::value plan = parsed(run.plan);
  json::array plan_steps;
  if (plan.is_object()) {
    json::object& p = plan.as_object();
    const auto* nodes = p.if_contains("nodes");
    const auto* edges = p.if_contains("edges");
    for (const auto& node : nodes && nodes->is_array() ? nodes->as_array() : json::array()) {
      const auto& n = node.as_object();
      std::string id(n.at("id").as_string());
      json::array depends;
      for (const auto& e : edges && edges->is_array() ? edges->as_array() : json::array()) {
        if (e.as_object().at("to") == n.at("id")) depends.push_back(e.as_object().at("from"));
      }
      json::object step{{"id", id},
                        {"name", n.contains("name") ? n.at("name") : n.at("id")},
                        {"type", n.at("type")},
                        {"dependsOn", std::move(depends)},
                        {"status", "pending"},
                        {"attempts", 0}};
      if (auto it = steps.find(id); it != steps.end()) {
        const auto& s = *it->second;
        step["status"] = s.status;
        step["attempts"] = s.attempts;
        if (s.status == "completed") step["output"] = parsed(s.output);
        if (!s.error.empty()) step["error"] = s.error;
        if (s.tokens) step["tokens"] = s.tokens;
        if (s.cost_usd) step["costUsd"] = s.cost_usd;
        if (s.started_at) step["startedAt"] = iso8601(s.started_at);
        if (s.finished_at) step["finishedAt"] = iso8601(s.finished_at);
      }
      plan_steps.push_back(std::move(step));
    }
    p.erase("nodes");
    p["steps"] = std::move(plan_steps);
  }
  return {{"id", run.id},
          {"tenantId", run.tenant_id},
          {"workflowId", run.workflow_id.empty() ? json::value(nullptr) : json::value(run.workflow_id)},
          {"status", run.status},
          {"input", parsed(run.input)},
          {"plan", std::move(plan)},
          {"caps", parsed(run.caps)},
          {"reason", run.reason.empty() ? json::value(nullptr) : json::value(run.reason)},
          {"totalTokens", tokens},
          {"costUsd", cost},
          {"createdAt", iso8601(run.created_at)},
          {"updatedAt", iso8601(run.updated_at)}};
}

// `caps: {tokenBudget, maxCostUsd}` of a run or a workflow; a fault is named under "caps.".
orchestration::RunCaps read_caps(FieldReader& f) {
  orchestration::RunCaps caps;
  if (const auto* given = f.object("caps")) {
    FieldReader c(*given);
    caps.tokens = c.integer("tokenBudget", 1, int64_t(1) << 40);
    caps.cost_usd = c.number("maxCostUsd", 0, 1e9);
    if (!c.ok()) f.fail("caps." + c.status().field(), c.status().message());
  }
  return caps;
}

// A workflow's name, description, definition and run caps from a request body.
orchestration::WorkflowDraft read_workflow(const json::object& body) {
  FieldReader f(body);
  orchestration::WorkflowDraft draft;
  draft.name = f.required_string("name", 1, 200);
  draft.description = f.string("description", 0, 2000).value_or("");
  draft.caps = read_caps(f);
  check(f);
  json::object definition;
  for (const char* key : {"nodes", "edges"}) {
    if (const auto* v = body.if_contains(key)) definition[key] = *v;
  }
  draft.definition = std::move(definition);
  return draft;
}

orchestration::RunRequest read_run(const json::object& body) {
  FieldReader f(body);
  orchestration::RunRequest request;
  request.workflow_id = f.string("workflowId", 1, 100).value_or("");
  if (const auto* input = f.object("input")) request.input = *input;
  auto caps = read_caps(f);
  request.token_budget = caps.tokens;
  request.max_cost_usd = caps.cost_usd;
  check(f);
  return request;
}

http::Response run_response(int status, const orchestration::RunRecord& record) {
  return http::Response::json(status, run_view(record));
}

void add_workflow_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/workflows", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The workspace's workflows, newest first",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto workflows = unwrap(co_await svc.orchestrator.workflows(ctx.caller().tenant_id));
           json::array list;
           for (const auto& w : workflows) list.push_back(workflow_view(w));
           co_return http::Response::json(200, json::object{{"workflows", std::move(list)}});
         }});

  t.add({.method = "POST", .path = "/v1/workflows", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Create a workflow (a DAG of nodes and edges), checked as /v1/workflows/validate does",
         .event = "workflow.created", .request_schema = kWorkflowSchema, .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto draft = read_workflow(json_body(req));
           auto created = unwrap(co_await svc.orchestrator.create_workflow(ctx.caller().tenant_id, std::move(draft)));
           ctx.audit["workflowId"] = created.id;
           co_return http::Response::json(201, workflow_view(created));
         }});

  t.add({.method = "POST", .path = "/v1/workflows/validate", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Check a workflow definition without saving it: {valid, errors:[{nodeId, message}]}",
         .handler = [](http::Request& req, RequestContext&) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           co_return http::Response::json(200, orchestration::Orchestrator::validate(body));
         }});

  t.add({.method = "GET", .path = "/v1/workflows/templates", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The built-in workflow templates",
         .handler = [](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           json::array list;
           for (const auto& tpl : orchestration::workflow_templates()) {
             json::object view{{"id", tpl.id}, {"slug", tpl.slug}, {"name", tpl.name}, {"description", tpl.description}};
             for (const auto& [k, v] : tpl.definition) view[k] = v;
             list.push_back(std::move(view));
           }
           co_return http::Response::json(200, json::object{{"templates", std::move(list)}});
         }});

  t.add({.method = "POST", .path = "/v1/workflows/from-template/:idOrSlug", .family = Family::kCendriix,
         .auth = Auth::kAny, .summary = "Create a workflow from a built-in template", .event = "workflow.created",
         .request_schema = R"({"type":"object","properties":{"name":{"type":"string","maxLength":200},"costCapUsd":{"type":"number","minimum":0}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req, true);
           FieldReader f(body);
           auto name = f.string("name", 1, 200).value_or("");
           auto cost_cap = f.number("costCapUsd", 0, 1e9);
           check(f);
           std::string id(req.param("idOrSlug"));
           auto created = unwrap(co_await svc.orchestrator.from_template(ctx.caller().tenant_id, id, name, cost_cap));
           ctx.audit["workflowId"] = created.id;
           co_return http::Response::json(201, workflow_view(created));
         }});

  t.add({.method = "POST", .path = "/v1/workflows/compose", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Propose a workflow for a free-form intent from the workspace's playbooks and skills and the "
                    "templates (written by the planning model when one is configured); nothing is saved",
         .request_schema = R"({"type":"object","required":["intent"],"properties":{"intent":{"type":"string","minLength":1,"maxLength":4000}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto intent = f.required_string("intent", 1, orchestration::kMaxIntentBytes);
           check(f);
           co_return http::Response::json(200, unwrap(co_await svc.composer.compose(ctx.caller().tenant_id, intent)));
         }});

  t.add({.method = "POST", .path = "/v1/workflows/compose/approve", .family = Family::kCendriix,
         .auth = Auth::kAny, .summary = "Save a composed proposal (as returned, or edited) as a workflow",
         .event = "workflow.created",
         .request_schema = R"({"type":"object","required":["proposal"],"properties":{"proposal":{"type":"object"},"name":{"type":"string","maxLength":200}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           const auto* proposal = f.object("proposal");
           auto name = f.string("name", 1, 200);
           check(f);
           if (!proposal) throw StatusError(Status::validation("proposal", "field required: a proposal from /v1/workflows/compose"));
           json::object fields = *proposal;
           if (name) fields["name"] = *name;
           auto draft = read_workflow(fields);
           auto created = unwrap(co_await svc.orchestrator.create_workflow(ctx.caller().tenant_id, std::move(draft)));
           ctx.audit["workflowId"] = created.id;
           co_return http::Response::json(201, workflow_view(created));
         }});

  t.add({.method = "POST", .path = "/v1/workflows/execute", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Start a run of a workflow with an input; it runs in the background (202)",
         .event = "run.started", .request_schema = kRunSchema, .success_status = 202,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto request = read_run(json_body(req));
           if (request.workflow_id.empty()) throw StatusError(Status::validation("workflowId", "field required"));
           request.start = true;
           auto created = unwrap(co_await svc.orchestrator.create_run(ctx.caller().tenant_id, std::move(request)));
           ctx.audit["runId"] = created.run.id;
           co_return run_response(202, created);
         }});

  t.add({.method = "GET", .path = "/v1/workflows/:id", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "A workflow",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto w = unwrap(co_await svc.orchestrator.workflow(ctx.caller().tenant_id, std::string(req.param("id"))));
           co_return http::Response::json(200, workflow_view(w));
         }});

  t.add({.method = "PUT", .path = "/v1/workflows/:id", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Replace a workflow's name, description and graph (its runs keep their plans)",
         .event = "workflow.updated", .request_schema = kWorkflowSchema,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto draft = read_workflow(json_body(req));
           std::string id(req.param("id"));
           auto updated = unwrap(co_await svc.orchestrator.update_workflow(ctx.caller().tenant_id, id, std::move(draft)));
           ctx.audit["workflowId"] = id;
           co_return http::Response::json(200, workflow_view(updated));
         }});

  t.add({.method = "DELETE", .path = "/v1/workflows/:id", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Delete a workflow (its finished runs stay readable)", .event = "workflow.deleted",
         .success_status = 204,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           check(co_await svc.orchestrator.delete_workflow(ctx.caller().tenant_id, id));
           ctx.audit["workflowId"] = id;
           co_return http::Response::empty(204);
         }});
}

// A run move: POST /v1/runs/:runId/<verb>. One that reads the body is a coroutine itself, so
// that what it read lives as long as the call it makes.
using RunMove = std::function<asio::awaitable<Result<orchestration::RunRecord>>(Services&, const std::string& tenant,
                                                                                const std::string& run_id,
                                                                                const json::object& body,
                                                                                const auth::Principal& caller)>;

void add_run_move(RouteTable& t, Services& svc, const char* verb, const char* summary, const char* schema,
                  int status, RunMove move) {
  t.add({.method = "POST", .path = std::string("/v1/runs/:runId/") + verb, .family = Family::kCendriix,
         .auth = Auth::kAny, .summary = summary, .event = std::string("run.") + verb, .request_schema = schema,
         .success_status = status,
         .handler = [&svc, status, move](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req, true);
           std::string id(req.param("runId"));
           auto record = unwrap(co_await move(svc, ctx.caller().tenant_id, id, body, ctx.caller()));
           ctx.audit["runId"] = id;
           co_return run_response(status, record);
         }});
}

void add_planning_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/orchestrator/decompose", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The plan a run would follow (the workflow's; without one the planning model's, or the ticket template's), each step with its "
                    "routed model, estimated cost, reversibility tier and confidence; no run is created",
         .request_schema = kRunSchema,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto request = read_run(json_body(req, true));
           auto planned = unwrap(co_await svc.orchestrator.plan_graph(ctx.caller().tenant_id, request.workflow_id, request.input));
           auto plan = svc.planner.enrich(planned.graph, request.input, planned.source);
           if (!planned.note.empty()) plan["note"] = planned.note;
           co_return http::Response::json(200, json::object{{"plan", std::move(plan)}});
         }});

  t.add({.method = "POST", .path = "/v1/orchestrator/estimate", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Re-cost an edited plan: its steps (id, type, config, dependsOn) checked as a workflow and "
                    "estimated again",
         .request_schema = R"({"type":"object","required":["plan"],"properties":{"plan":{"type":"object"},"input":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext&) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           const auto* plan = f.object("plan");
           const auto* input = f.object("input");
           check(f);
           if (!plan) throw StatusError(Status::validation("plan", "field required"));
           auto graph = unwrap(orchestration::Orchestrator::graph_of_plan(*plan));
           auto estimated = svc.planner.enrich(graph, input ? json::value(*input) : json::value(json::object()), "estimate");
           co_return http::Response::json(200, json::object{{"plan", std::move(estimated)}});
         }});
}

void add_run_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/runs", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Create a run: its plan is built at once from the workflow (or the ticket template); "
                    "it starts on /advance",
         .event = "run.created", .request_schema = kRunSchema, .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto created = unwrap(co_await svc.orchestrator.create_run(ctx.caller().tenant_id, read_run(json_body(req))));
           ctx.audit["runId"] = created.run.id;
           co_return run_response(201, created);
         }});

  t.add({.method = "GET", .path = "/v1/runs", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The workspace's runs, newest first",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto runs = unwrap(co_await svc.orchestrator.runs(ctx.caller().tenant_id, kRunListLimit));
           json::array list;
           for (auto& run : runs) list.push_back(run_view({std::move(run), {}}));
           co_return http::Response::json(200, json::object{{"runs", std::move(list)}});
         }});

  t.add({.method = "GET", .path = "/v1/runs/:runId", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "A run with its full plan and each step's state",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto record = unwrap(co_await svc.orchestrator.run(ctx.caller().tenant_id, std::string(req.param("runId"))));
           co_return run_response(200, record);
         }});

  add_run_move(t, svc, "advance", "Start a planned run", "", 200,
               [](Services& s, const std::string& tenant, const std::string& id, const json::object&, const auth::Principal&) {
                 return s.orchestrator.advance(tenant, id);
               });
  add_run_move(t, svc, "approve", "Approve a run paused at an approval gate; it resumes on any node",
               R"({"type":"object","properties":{"note":{"type":"string","maxLength":2000}}})", 200,
               [](Services& s, const std::string& tenant, const std::string& id, const json::object& body,
                  const auth::Principal& caller) -> asio::awaitable<Result<orchestration::RunRecord>> {
                 FieldReader f(body);
                 auto note = f.string("note", 0, 2000).value_or("");
                 check(f);
                 co_return co_await s.orchestrator.approve(tenant, id, note, caller.actor());
               });
  add_run_move(t, svc, "cancel", "Cancel a run: running steps are stopped, not waited for", "", 200,
               [](Services& s, const std::string& tenant, const std::string& id, const json::object&, const auth::Principal&) {
                 return s.orchestrator.cancel(tenant, id);
               });
  add_run_move(t, svc, "retry", "Retry a failed or cancelled run, from its failed steps or from fromStepId",
               R"({"type":"object","properties":{"fromStepId":{"type":"string"}}})", 202,
               [](Services& s, const std::string& tenant, const std::string& id, const json::object& body,
                  const auth::Principal&) -> asio::awaitable<Result<orchestration::RunRecord>> {
                 FieldReader f(body);
                 auto from = f.string("fromStepId", 1, 100).value_or("");
                 check(f);
                 co_return co_await s.orchestrator.retry(tenant, id, from);
               });

  t.add({.method = "GET", .path = "/v1/runs/:runId/lifecycle", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Each phase of the run's lifecycle, with whether it was reached and which is current",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("runId"));
           auto tenant = ctx.caller().tenant_id;
           auto record = unwrap(co_await svc.orchestrator.run(tenant, id));
           auto events = unwrap(co_await svc.orchestrator.events(tenant, id, 0, 100000));
           static const std::vector<std::pair<std::string, std::string>> kPhases = {
               {"planned", "RUN_CREATED"}, {"running", "RUN_STARTED"}, {"awaiting_approval", "RUN_AWAITING_APPROVAL"},
               {"merged", "RUN_COMPLETED"}, {"failed", "RUN_FAILED"}, {"cancelled", "RUN_CANCELLED"}};
           json::array phases;
           for (const auto& [phase, event] : kPhases) {
             bool reached = record.run.status == phase;
             for (const auto& e : events) reached = reached || e.type == event;
             if (!reached && (phase == "failed" || phase == "cancelled")) continue;  // only the end it met
             phases.push_back(json::object{{"phase", phase}, {"reached", reached}, {"current", record.run.status == phase}});
           }
           co_return http::Response::json(200, json::object{{"runId", id}, {"status", record.run.status}, {"phases", std::move(phases)}});
         }});
}

struct RunSpend {
  int64_t tokens = 0;
  double cost_usd = 0;
  std::optional<int64_t> token_budget;
  std::optional<double> max_cost_usd;
};

RunSpend spend_of(const orchestration::RunRecord& record) {
  RunSpend s;
  for (const auto& step : record.steps) {
    s.tokens += step.tokens;
    s.cost_usd += step.cost_usd;
  }
  auto caps = orchestration::caps_of(record.run.caps);
  s.token_budget = caps.tokens;
  s.max_cost_usd = caps.cost_usd;
  return s;
}

json::value optional_json(const auto& v) { return v ? json::value(*v) : json::value(nullptr); }

json::object budget_view(const orchestration::RunRecord& record) {
  auto s = spend_of(record);
  return {{"runId", record.run.id}, {"tokenBudget", optional_json(s.token_budget)}, {"maxCostUsd", optional_json(s.max_cost_usd)}};
}

void add_run_metering_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/metering/runs/:runId/costs", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The run's metered model usage per step; the steps sum to the run's total",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto record = unwrap(co_await svc.orchestrator.run(ctx.caller().tenant_id, std::string(req.param("runId"))));
           json::array steps;
           for (const auto& s : record.steps) {
             steps.push_back(json::object{{"stepId", s.node_id}, {"status", s.status}, {"tokens", s.tokens}, {"costUsd", s.cost_usd}});
           }
           auto spend = spend_of(record);
           co_return http::Response::json(200, json::object{{"runId", record.run.id}, {"steps", std::move(steps)},
                                                            {"totalTokens", spend.tokens}, {"totalCostUsd", spend.cost_usd}});
         }});

  t.add({.method = "GET", .path = "/v1/metering/runs/:runId/cap-status", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Whether the run has reached a cap, with what is spent and left",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto record = unwrap(co_await svc.orchestrator.run(ctx.caller().tenant_id, std::string(req.param("runId"))));
           auto s = spend_of(record);
           bool tokens_out = s.token_budget && s.tokens >= *s.token_budget;
           bool cost_out = s.max_cost_usd && s.cost_usd >= *s.max_cost_usd;
           std::optional<int64_t> tokens_left;
           std::optional<double> cost_left;
           if (s.token_budget) tokens_left = std::max<int64_t>(0, *s.token_budget - s.tokens);
           if (s.max_cost_usd) cost_left = std::max(0.0, *s.max_cost_usd - s.cost_usd);
           co_return http::Response::json(200, json::object{
               {"runId", record.run.id}, {"exceeded", tokens_out || cost_out || record.run.reason == "budget_exceeded"},
               {"spent", json::object{{"tokens", s.tokens}, {"costUsd", s.cost_usd}}},
               {"caps", json::object{{"tokenBudget", optional_json(s.token_budget)}, {"maxCostUsd", optional_json(s.max_cost_usd)}}},
               {"remaining", json::object{{"tokens", optional_json(tokens_left)}, {"costUsd", optional_json(cost_left)}}}});
         }});

  t.add({.method = "GET", .path = "/v1/metering/runs/:runId/budget", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The run's caps",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto record = unwrap(co_await svc.orchestrator.run(ctx.caller().tenant_id, std::string(req.param("runId"))));
           co_return http::Response::json(200, budget_view(record));
         }});

  t.add({.method = "PUT", .path = "/v1/metering/runs/:runId/budget", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Replace the run's caps (null or absent: none); its next model call keeps to them",
         .event = "run.budget_changed",
         .request_schema = R"({"type":"object","properties":{"tokenBudget":{"type":["integer","null"],"minimum":1},"maxCostUsd":{"type":["number","null"],"minimum":0}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto tokens = f.integer("tokenBudget", 1, int64_t(1) << 40);
           auto cost = f.number("maxCostUsd", 0, 1e9);
           check(f);
           std::string id(req.param("runId"));
           auto record = unwrap(co_await svc.orchestrator.set_caps(ctx.caller().tenant_id, id, tokens, cost));
           ctx.audit["runId"] = id;
           co_return http::Response::json(200, budget_view(record));
         }});
}

void add_blast_radius_route(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/workflow-runs/:runId/blast-radius/:nodeId", .family = Family::kCendriix,
         .auth = Auth::kAny,
         .summary = "What a node of the run may touch: it and the nodes after it, their tools, the outside "
                    "endpoints they reach and how reversible that is",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string node(req.param("nodeId"));
           auto record = unwrap(co_await svc.orchestrator.run(ctx.caller().tenant_id, std::string(req.param("runId"))));
           auto graph = unwrap(orchestration::Graph::parse(parsed(record.run.plan)));
           if (!graph.node(node)) throw StatusError(Status::not_found("no node " + node + " in the run's plan"));
           json::object out = orchestration::blast_radius(graph, node);
           out["runId"] = record.run.id;
           co_return http::Response::json(200, out);
         }});
}

json::object verdict_view(const orchestration::Verdict& v) {
  json::array violations;
  for (const auto& x : v.violations) violations.push_back(json::object{{"rule", x.rule}, {"action", x.action}});
  return {{"allowed", v.allowed}, {"violations", std::move(violations)}};
}

void add_security_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/security/policy", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The workspace's guardrail policy for the tool calls of its runs",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto rules = unwrap(co_await svc.security.rules(ctx.caller().tenant_id));
           co_return http::Response::json(200, json::object{{"rules", std::move(rules)}});
         }});

  t.add({.method = "PUT", .path = "/v1/security/policy", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Replace the guardrail policy: rules [{name, condition {tool, host, method, urlContains, "
                    "bodyContains}, action block|warn}]",
         .event = "security.policy_updated",
         .request_schema = R"({"type":"object","required":["rules"],"properties":{"rules":{"type":"array","maxItems":200}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           const auto* rules = body.if_contains("rules");
           if (!rules || !rules->is_array()) throw StatusError(Status::validation("rules", "field required: an array of rules"));
           if (rules->as_array().size() > 200) throw StatusError(Status::validation("rules", "at most 200 rules"));
           auto stored = unwrap(co_await svc.security.set_rules(ctx.caller().tenant_id, rules->as_array()));
           co_return http::Response::json(200, json::object{{"rules", std::move(stored)}});
         }});

  t.add({.method = "POST", .path = "/v1/security/evaluate", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Evaluate a tool call {tool, url, method, body} against the current policy",
         .request_schema = R"({"type":"object","properties":{"tool":{"type":"string"},"url":{"type":"string"},"method":{"type":"string"},"body":{}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           const json::object* action = body.contains("action") && body.at("action").is_object() ? &body.at("action").as_object() : &body;
           FieldReader f(*action);
           orchestration::ToolAction a;
           a.tool = f.string("tool", 0, 50).value_or("http");
           a.url = f.string("url", 0, 4096).value_or("");
           a.method = f.string("method", 0, 10).value_or(a.tool == "http" ? "POST" : "");
           check(f);
           if (const auto* b = action->if_contains("body")) a.body = b->is_string() ? std::string(b->as_string()) : json::serialize(*b);
           auto verdict = unwrap(co_await svc.security.evaluate(ctx.caller().tenant_id, a));
           co_return http::Response::json(200, verdict_view(verdict));
         }});

  t.add({.method = "POST", .path = "/v1/security/scans", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Scan a run's step inputs and outputs for secrets (types: secrets; sast and dependency are "
                    "answered unsupported)",
         .event = "security.scan_created",
         .request_schema = R"({"type":"object","required":["runId"],"properties":{"runId":{"type":"string"},"types":{"type":"array","items":{"enum":["sast","secrets","dependency"]}}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto run_id = f.required_string("runId", 1, 100);
           auto types = f.string_array("types", 3).value_or(std::vector<std::string>{"secrets"});
           check(f);
           for (const auto& type : types) {
             if (type != "secrets" && type != "sast" && type != "dependency") {
               throw StatusError(Status::validation("types", "unknown scan type " + type));
             }
           }
           auto scan = unwrap(co_await svc.security.scan_run(ctx.caller().tenant_id, run_id, types));
           ctx.audit["runId"] = run_id;
           co_return http::Response::json(201, scan);
         }});

  t.add({.method = "GET", .path = "/v1/security/scans/run/:runId", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Every scan of a run, newest first",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto scans = unwrap(co_await svc.security.scans(ctx.caller().tenant_id, std::string(req.param("runId"))));
           json::array list;
           for (auto& s : scans) list.push_back(std::move(s));
           co_return http::Response::json(200, json::object{{"scans", std::move(list)}});
         }});
}

// One entity route: `call` reads what it needs and answers the entity service's object.
using EntityCall = std::function<asio::awaitable<Result<json::object>>(Services&, const std::string& tenant,
                                                                         const std::string& id, const json::object& body)>;

void add_entity_route(RouteTable& t, Services& svc, const char* method, const char* suffix, const char* summary,
                      const char* event, int status, EntityCall call) {
  t.add({.method = method, .path = std::string("/v1/entities/:id") + suffix, .family = Family::kCendriix,
         .auth = Auth::kAny, .summary = summary, .event = event, .success_status = status,
         .handler = [&svc, status, call](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = req.method == "GET" ? json::object() : json_body(req, true);
           std::string id(req.param("id"));
           auto out = unwrap(co_await call(svc, ctx.caller().tenant_id, id, body));
           ctx.audit["entityId"] = id;  // recorded only by the routes that audit
           co_return http::Response::json(status, std::move(out));
         }});
}

void add_entity_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/entities", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The workspace's skills, plugins, playbooks, policies and guardrails (?kind=, ?origin=, ?q=)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           orchestration::EntityFilter filter{req.query_param("kind").value_or(""), req.query_param("origin").value_or(""),
                                              req.query_param("q").value_or("")};
           auto found = unwrap(co_await svc.entities.list(ctx.caller().tenant_id, filter));
           json::array list;
           for (auto& e : found) list.push_back(std::move(e));
           co_return http::Response::json(200, json::object{{"entities", std::move(list)}});
         }});

  t.add({.method = "POST", .path = "/v1/entities", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Create an entity; its spec is checked for its kind", .event = "entity.created",
         .request_schema = R"({"type":"object","required":["kind","name","spec"],"properties":{"kind":{"enum":["skill","plugin","playbook","policy","guardrail"]},"name":{"type":"string","minLength":1,"maxLength":200},"spec":{"type":"object"}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto kind = f.required_string("kind", 1, 20);
           auto name = f.required_string("name", 1, 200);
           const auto* spec = f.object("spec");
           check(f);
           if (!spec) throw StatusError(Status::validation("spec", "field required"));
           auto created = unwrap(co_await svc.entities.create(ctx.caller().tenant_id, kind, name, *spec));
           ctx.audit["entityId"] = created.at("id");
           co_return http::Response::json(201, std::move(created));
         }});

  add_entity_route(t, svc, "GET", "", "An entity", "", 200,
                   [](Services& s, const std::string& tenant, const std::string& id, const json::object&) {
                     return s.entities.get(tenant, id);
                   });
  add_entity_route(t, svc, "PATCH", "", "Change an entity's name or spec (the spec is checked again)", "entity.updated", 200,
                   [](Services& s, const std::string& tenant, const std::string& id,
                      const json::object& body) -> asio::awaitable<Result<json::object>> {
                     FieldReader f(body);
                     auto name = f.string("name", 1, 200);
                     const auto* spec = f.object("spec");
                     check(f);
                     std::optional<json::value> new_spec;
                     if (spec) new_spec = *spec;
                     co_return co_await s.entities.update(tenant, id, name, std::move(new_spec));
                   });
  add_entity_route(t, svc, "POST", "/fork", "Copy an entity into a new draft that remembers its source", "entity.forked", 201,
                   [](Services& s, const std::string& tenant, const std::string& id,
                      const json::object& body) -> asio::awaitable<Result<json::object>> {
                     FieldReader f(body);
                     auto name = f.string("name", 1, 200).value_or("");
                     check(f);
                     co_return co_await s.entities.fork(tenant, id, name);
                   });
  add_entity_route(t, svc, "POST", "/publish", "Snapshot the entity as its next immutable version", "entity.published", 201,
                   [](Services& s, const std::string& tenant, const std::string& id, const json::object&) {
                     return s.entities.publish(tenant, id);
                   });
  add_entity_route(t, svc, "GET", "/versions", "The entity's published versions, newest first", "", 200,
                   [](Services& s, const std::string& tenant, const std::string& id,
                      const json::object&) -> asio::awaitable<Result<json::object>> {
                     auto versions = co_await s.entities.versions(tenant, id);
                     if (!versions) co_return versions.status();
                     json::array list;
                     for (auto& v : *versions) list.push_back(std::move(v));
                     co_return json::object{{"versions", std::move(list)}};
                   });
  add_entity_route(t, svc, "POST", "/validate", "Check the entity's spec without changing it", "", 200,
                   [](Services& s, const std::string& tenant, const std::string& id, const json::object&) {
                     return s.entities.validate(tenant, id);
                   });
  add_entity_route(t, svc, "GET", "/linkage", "What refers to the entity and what it came from", "", 200,
                   [](Services& s, const std::string& tenant, const std::string& id, const json::object&) {
                     return s.entities.linkage(tenant, id);
                   });

  t.add({.method = "DELETE", .path = "/v1/entities/:id", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Delete an entity (its published versions stay readable by id)", .event = "entity.deleted",
         .success_status = 204,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           check(co_await svc.entities.remove(ctx.caller().tenant_id, id));
           ctx.audit["entityId"] = id;
           co_return http::Response::empty(204);
         }});

  t.add({.method = "POST", .path = "/v1/runs/:runId/promote-playbook", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Make a merged run's plan a reusable playbook", .event = "entity.created",
         .request_schema = R"({"type":"object","properties":{"name":{"type":"string","maxLength":200}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req, true);
           FieldReader f(body);
           auto name = f.string("name", 1, 200).value_or("");
           check(f);
           std::string run_id(req.param("runId"));
           auto playbook = unwrap(co_await svc.entities.promote_run(ctx.caller().tenant_id, run_id, name));
           ctx.audit["runId"] = run_id;
           co_return http::Response::json(201, json::object{{"playbook", std::move(playbook)}});
         }});
}

orchestration::AgentStepRequest read_agent_step(const json::object& body) {
  FieldReader f(body);
  orchestration::AgentStepRequest request;
  request.run_id = f.required_string("runId", 1, 100);
  request.name = f.string("name", 0, 200).value_or("agent step");
  request.prompt = f.required_string("prompt", 1, 100000);
  request.system_prompt = f.string("systemPrompt", 0, 100000).value_or("");
  request.allowed_connector_ids = f.string_array("allowedConnectorIds", 100).value_or(std::vector<std::string>{});
  if (const auto* policy = f.object("policy")) {
    FieldReader p(*policy);
    auto& out = request.policy;
    out.max_iterations = static_cast<int>(p.integer("maxIterations", 1, 50).value_or(out.max_iterations));
    out.token_budget = p.integer("tokenBudget", 1, int64_t(1) << 40);
    out.task_type = p.one_of("taskType", {"code_generation", "reasoning", "summarisation", "classification", "general"}).value_or("");
    out.max_tokens_per_call = static_cast<int>(p.integer("maxTokensPerCall", 1, 100000).value_or(out.max_tokens_per_call));
    out.tool_timeout_ms = p.integer("toolTimeoutMs", 1, 600000).value_or(out.tool_timeout_ms);
    if (!p.ok()) f.fail("policy." + p.status().field(), p.status().message());
  }
  check(f);
  return request;
}

void add_agent_step_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/agent/steps", .family = Family::kCendriix, .auth = Auth::kAny, .generates = true,
         .summary = "Run one agent step (the routed model on a prompt, within its policy) and record its turns, "
                    "stopReason and totalTokens",
         .event = "agent_step.created",
         .request_schema = R"({"type":"object","required":["runId","prompt"],"properties":{"runId":{"type":"string"},"name":{"type":"string"},"prompt":{"type":"string"},"systemPrompt":{"type":"string"},"allowedConnectorIds":{"type":"array","items":{"type":"string"}},"policy":{"type":"object"}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto request = read_agent_step(json_body(req));
           request.caller = tool_caller_of(ctx);
           auto step = unwrap(co_await svc.agent_steps.run(ctx.caller().tenant_id, std::move(request)));
           ctx.audit["stepId"] = step.at("id");
           co_return http::Response::json(201, std::move(step));
         }});

  t.add({.method = "GET", .path = "/v1/agent/steps/:stepId", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "An agent step with its turns",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto step = unwrap(co_await svc.agent_steps.get(ctx.caller().tenant_id, std::string(req.param("stepId"))));
           co_return http::Response::json(200, std::move(step));
         }});

  t.add({.method = "GET", .path = "/v1/agent/runs/:runId/steps", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The agent steps recorded under a run id, newest first",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto steps = unwrap(co_await svc.agent_steps.of_run(ctx.caller().tenant_id, std::string(req.param("runId"))));
           json::array list;
           for (auto& s : steps) list.push_back(std::move(s));
           co_return http::Response::json(200, json::object{{"steps", std::move(list)}});
         }});
}

void add_notification_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/notifications", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The workspace's notifications (runs waiting for approval, failed, completed), newest first; "
                    "?unread=true for the unread ones",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           const bool unread_only = req.query_param("unread").value_or("") == "true";
           co_return http::Response::json(200, unwrap(co_await svc.notifications.list(ctx.caller().tenant_id, unread_only)));
         }});

  t.add({.method = "POST", .path = "/v1/notifications/:id/read", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Mark a notification as read", .event = "notification.read",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           ctx.audit["notificationId"] = id;
           co_return http::Response::json(200, unwrap(co_await svc.notifications.mark_read(ctx.caller().tenant_id, id)));
         }});

  t.add({.method = "POST", .path = "/v1/notifications/read-all", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Mark every notification as read: {marked}", .event = "notification.read_all",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           co_return http::Response::json(200, unwrap(co_await svc.notifications.mark_all_read(ctx.caller().tenant_id)));
         }});

  t.add({.method = "GET", .path = "/v1/notifications/preferences", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Notification preferences: {inApp, email, types: {approval_required, run_failed, run_completed}}",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           co_return http::Response::json(200, unwrap(co_await svc.notifications.preferences(ctx.caller().tenant_id)));
         }});

  t.add({.method = "PUT", .path = "/v1/notifications/preferences", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Change notification preferences (the fields given)", .event = "notification.preferences_updated",
         .request_schema = R"({"type":"object","properties":{"inApp":{"type":"boolean"},"email":{"type":"boolean"},"types":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           co_return http::Response::json(200, unwrap(co_await svc.notifications.set_preferences(ctx.caller().tenant_id, body)));
         }});
}

void add_project_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/projects", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The workspace's projects, newest first",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto projects = unwrap(co_await svc.projects.list(ctx.caller().tenant_id));
           json::array list;
           for (auto& p : projects) list.push_back(std::move(p));
           co_return http::Response::json(200, json::object{{"projects", std::move(list)}});
         }});

  t.add({.method = "POST", .path = "/v1/projects", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Create a project from a plain-English idea; its work is planned at once as a run",
         .event = "project.created",
         .request_schema = R"({"type":"object","required":["name","idea"],"properties":{"name":{"type":"string","minLength":1,"maxLength":200},"idea":{"type":"string","minLength":1,"maxLength":4000},"cloud":{"type":"string"},"region":{"type":"string"},"tags":{"type":"array","items":{"type":"string"},"maxItems":20}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           orchestration::ProjectDraft draft;
           draft.name = f.required_string("name", 1, 200);
           draft.idea = f.required_string("idea", 1, 4000);
           if (auto cloud = f.string("cloud", 1, 100)) draft.cloud = *cloud;
           if (auto region = f.string("region", 1, 100)) draft.region = *region;
           if (auto tags = f.string_array("tags", 20)) draft.tags = *tags;
           check(f);
           auto created = unwrap(co_await svc.projects.create(ctx.caller().tenant_id, std::move(draft)));
           ctx.audit["projectId"] = created.at("id");
           co_return http::Response::json(201, std::move(created));
         }});

  t.add({.method = "GET", .path = "/v1/projects/:id", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "A project with its status, concerns, cost and linked run",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           co_return http::Response::json(200, unwrap(co_await svc.projects.get(ctx.caller().tenant_id, std::string(req.param("id")))));
         }});

  t.add({.method = "PATCH", .path = "/v1/projects/:id/status", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Advance or roll back the project's lifecycle (idea, provisioning, building, live, paused, archived)",
         .event = "project.status_changed",
         .request_schema = R"({"type":"object","required":["status"],"properties":{"status":{"enum":["idea","provisioning","building","live","paused","archived"]}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto status = f.required_string("status", 1, 40);
           check(f);
           std::string id(req.param("id"));
           ctx.audit["projectId"] = id;
           co_return http::Response::json(200, unwrap(co_await svc.projects.set_status(ctx.caller().tenant_id, id, status)));
         }});
}

void add_run_stream_route(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/workflow-runs/:runId/stream", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Server-sent events of a run: NODE_RUN_STARTED, NODE_RUN_COMPLETED, NODE_RUN_FAILED, "
                    "NODE_RUN_WAITING, RUN_COMPLETED...; reconnect with Last-Event-ID to get what was missed",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("runId"));
           std::string tenant = ctx.caller().tenant_id;
           unwrap(co_await svc.orchestrator.run(tenant, id));  // 404 before the stream starts
           int64_t after = 0;
           if (auto last = req.header("Last-Event-ID"); !last.empty()) {
             char* end = nullptr;
             std::string text(last);
             after = std::strtoll(text.c_str(), &end, 10);
             if (*end || after < 0) throw StatusError(Status::validation("Last-Event-ID", "not an id this stream sent"));
           }
           co_return http::Response::event_stream([&svc, tenant, id, after](http::StreamWriter& out) mutable -> asio::awaitable<void> {
             asio::steady_timer timer(co_await asio::this_coro::executor);
             for (;;) {
               auto events = co_await svc.orchestrator.events(tenant, id, after, 500);
               if (!events) co_return;
               std::string chunk;
               for (const auto& e : *events) {
                 http::append_sse(chunk, e.type, parsed(e.data), std::to_string(e.seq));
                 after = e.seq;
               }
               if (!chunk.empty() && !co_await out.write(chunk)) co_return;
               if (events->empty()) {
                 auto run = co_await svc.orchestrator.run(tenant, id);
                 if (!run || final_status(run->run.status)) {
                   co_await out.write_last("");
                   co_return;
                 }
               }
               timer.expires_after(kStreamPoll);
               co_await timer.async_wait(asio::use_awaitable);
             }
           });
         }});
}

}  // namespace

void add_orchestration_routes(RouteTable& t, Services& svc) {
  add_workflow_routes(t, svc);
  add_run_routes(t, svc);
  add_run_stream_route(t, svc);
  add_run_metering_routes(t, svc);
  add_planning_routes(t, svc);
  add_blast_radius_route(t, svc);
  add_security_routes(t, svc);
  add_entity_routes(t, svc);
  add_agent_step_routes(t, svc);
  add_notification_routes(t, svc);
  add_project_routes(t, svc);
}

}  // namespace brainstem::api
