#include "orchestration/plan_writer.h"

#include "common/clock.h"

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

const char* const kInstructions =
    "You plan work as a workflow graph for an orchestration engine. Answer with one JSON object and "
    "nothing else: {\"nodes\":[{\"id\",\"type\",\"name\",\"config\"}],\"edges\":[{\"from\",\"to\"}]}.\n"
    "Node types and their config fields:\n"
    "- model_call: prompt (required), system, taskType, maxTokens\n"
    "- agent_step: prompt (required), system, taskType, maxTokensPerCall, tokenBudget\n"
    "- tool_call: tool (required: \"noop\" or \"http\"), url, method, body\n"
    "- approval_gate: message (a person approves before the work after it runs)\n"
    "- condition: path (required), and one of equals, notEquals, exists, greaterThan, lessThan; its "
    "edges carry \"when\": true or false\n"
    "- noop: output\n"
    "A config string may name the run's input as {{input.field}} and an earlier node's answer as "
    "{{nodes.<id>.output.text}}. Ids are short and unique; the graph has no cycle and at most 200 nodes. "
    "Put an approval_gate before any step that changes something outside.";

std::string problems_of(const std::vector<GraphError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.node_id.empty() ? e.message : "node " + e.node_id + ": " + e.message;
  }
  return out;
}

}  // namespace

Result<Graph> PlanWriter::read_reply(const std::string& reply) {
  const size_t open = reply.find('{');
  const size_t close = reply.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return Status::validation("plan", "the reply holds no JSON object");
  }
  boost::system::error_code ec;
  json::value definition = json::parse(std::string_view(reply).substr(open, close - open + 1), ec);
  if (ec) return Status::validation("plan", "the reply's JSON does not parse: " + ec.message());
  const auto* nodes = definition.is_object() ? definition.as_object().if_contains("nodes") : nullptr;
  if (nodes && nodes->is_array() && nodes->as_array().size() > kMaxPlanSteps) {
    return Status::validation("plan", "more than 200 steps");
  }
  std::vector<GraphError> errors;
  auto graph = Graph::parse(definition, &errors);
  if (!graph) return Status::validation("plan", problems_of(errors));
  return graph;
}

boost::asio::awaitable<Result<Graph>> PlanWriter::write(const std::string& tenant_id, const std::string& task,
                                                        const std::string& context) {
  if (!enabled()) co_return Status::unavailable("no planning model is configured");
  models::ChatRequest request;
  request.messages.push_back({"system", kInstructions, "", "", {}});
  std::string ask = "Task:\n" + task;
  if (!context.empty()) ask += "\n\nAvailable to build from:\n" + context;
  request.messages.push_back({"user", ask, "", "", {}});
  request.max_tokens = 2048;
  request.temperature = 0;
  models::RouteHints hints;
  hints.model = model_;
  Status last = Status::ok();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const models::DeltaSink no_stream;  // a named local: GCC 12 mishandles temporaries inside co_await
    auto reply = co_await router_.chat(hints, request, no_stream);
    if (!reply) co_return reply.status();
    const auto& usage = reply->response.usage;
    usage_.record(store::UsageRecord{tenant_id, "", "", reply->model, "planning", usage.prompt_tokens,
                                     usage.completion_tokens, reply->cost_usd, false, now_ms(), 1});
    auto graph = read_reply(reply->response.content);
    if (graph) co_return graph;
    last = graph.status();
    request.messages.push_back({"assistant", reply->response.content, "", "", {}});
    request.messages.push_back({"user", "That plan is not valid: " + last.message() + ". Answer with the corrected JSON only.", "", "", {}});
  }
  co_return Status::validation("plan", "the planning model's plan was not valid twice: " + last.message());
}

}  // namespace brainstem::orchestration
