#include "orchestration/node_runner.h"

#include "common/clock.h"

#include <algorithm>
#include <chrono>

namespace brainstem::orchestration {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

int64_t integer_of(const json::object& config, std::string_view key, int64_t fallback, int64_t low, int64_t high) {
  const auto* v = config.if_contains(key);
  if (!v || !v->is_number()) return fallback;
  return std::clamp(v->to_number<int64_t>(), low, high);
}

std::optional<double> number(const json::value* v) {
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

}  // namespace

Result<bool> StandardNodeRunner::test_condition(const json::object& config, const json::object& scope) {
  const auto* path = config.if_contains("path");
  if (!path || !path->is_string()) return Status::validation("config.path", "field required");
  const json::value* found = value_at(scope, path->as_string());
  if (const auto* exists = config.if_contains("exists")) return exists->is_bool() && exists->as_bool() == (found != nullptr);
  if (const auto* equals = config.if_contains("equals")) return found && *found == *equals;
  if (const auto* differs = config.if_contains("notEquals")) return !found || *found != *differs;
  auto value = number(found);
  if (auto bound = number(config.if_contains("greaterThan"))) return value && *value > *bound;
  if (auto bound = number(config.if_contains("lessThan"))) return value && *value < *bound;
  // No operator: the value's truth.
  return found && !found->is_null() && !(found->is_bool() && !found->as_bool()) &&
         !(found->is_string() && found->as_string().empty());
}

asio::awaitable<Result<NodeOutcome>> StandardNodeRunner::run(const NodeCall& call) {
  const std::string& type = call.node->type;
  if (type == "noop") {
    const auto* output = call.config.if_contains("output");
    co_return NodeOutcome{output ? *output : json::value(json::object{})};
  }
  if (type == "condition") {
    auto result = test_condition(call.config, *call.scope);
    if (!result) co_return result.status();
    co_return NodeOutcome{json::object{{"result", *result}}};
  }
  if (type == "model_call") co_return co_await call_model(call);
  if (type == "agent_step") co_return co_await run_agent_step(call);
  if (type == "tool_call") {
    ToolAction action{config_text(call.config, "tool"), config_text(call.config, "url"), config_text(call.config, "method"),
                      config_text(call.config, "body")};
    if (action.tool == "http" && action.method.empty()) action.method = "POST";
    auto verdict = co_await security_.evaluate(call.tenant_id, action);
    if (!verdict) co_return verdict.status();
    std::vector<std::string> warnings;
    for (const auto& v : verdict->violations) {
      if (v.action == "block") co_return Status::forbidden("blocked by security rule " + v.rule);
      warnings.push_back(v.rule);
    }
    Result<NodeOutcome> outcome = NodeOutcome{json::object{{"tool", "noop"}}};
    if (action.tool != "noop") outcome = co_await call_http(call);
    if (outcome) outcome->warnings = std::move(warnings);
    co_return outcome;
  }
  co_return Status::internal("no runner for node type " + type);
}

Status StandardNodeRunner::fit_caps(const NodeCall& call, const models::RouteHints& hints, int64_t prompt_tokens,
                                    int64_t& max_tokens) const {
  if (call.tokens_left) {
    if (*call.tokens_left <= prompt_tokens) return Status(StatusCode::kPaymentRequired, "budget_exceeded: the run's token budget is spent");
    max_tokens = std::min(max_tokens, *call.tokens_left - prompt_tokens);
  }
  if (call.cost_left_usd) {
    models::RouteHints priced = hints;
    priced.expected_prompt_tokens = prompt_tokens;
    priced.expected_completion_tokens = max_tokens;
    auto candidates = router_.candidates(priced);
    if (!candidates) return candidates.status();
    if (router_.estimate_cost(candidates->front(), prompt_tokens, max_tokens) > *call.cost_left_usd) {
      return Status(StatusCode::kPaymentRequired, "budget_exceeded: the call could pass the run's cost cap");
    }
  }
  return Status::ok();
}

asio::awaitable<Result<NodeOutcome>> StandardNodeRunner::run_agent_step(const NodeCall& call) {
  AgentStepRequest request;
  request.run_id = call.run_id;
  request.name = call.node->name.empty() ? call.node->id : call.node->name;
  request.prompt = config_text(call.config, "prompt");
  request.system_prompt = config_text(call.config, "system");
  request.policy.task_type = config_text(call.config, "taskType");
  request.policy.max_iterations = static_cast<int>(integer_of(call.config, "maxIterations", 5, 1, 50));
  if (call.config.contains("tokenBudget")) request.policy.token_budget = integer_of(call.config, "tokenBudget", 0, 1, 10'000'000);
  request.policy.tool_timeout_ms = integer_of(call.config, "toolTimeoutMs", 30'000, 1, 300'000);
  if (const auto* ids = call.config.if_contains("allowedConnectorIds"); ids && ids->is_array()) {
    for (const auto& id : ids->as_array()) {
      if (id.is_string()) request.allowed_connector_ids.emplace_back(id.as_string());
    }
  }
  int64_t max_tokens = integer_of(call.config, "maxTokensPerCall", 2048, 1, 100'000);
  models::RouteHints hints;
  hints.task_type = request.policy.task_type;
  if (Status fits = fit_caps(call, hints, rough_prompt_tokens(request.system_prompt, request.prompt), max_tokens); !fits.is_ok()) {
    co_return fits;
  }
  request.policy.max_tokens_per_call = static_cast<int>(max_tokens);
  if (call.tokens_left) {
    request.policy.token_budget = std::min(request.policy.token_budget.value_or(*call.tokens_left), *call.tokens_left);
  }
  auto step = co_await agent_steps_.run(call.tenant_id, std::move(request));
  if (!step) co_return step.status();
  const auto& s = *step;
  if (s.at("status") != "completed") {
    std::string why = "no answer";  // not a ?: in the co_return: GCC 12 mis-compiles its temporaries
    if (const auto* error = s.if_contains("error"); error && error->is_string()) why = error->as_string();
    co_return Status::unavailable("agent step " + std::string(s.at("id").as_string()) + " failed: " + why);
  }
  std::string text;
  for (const auto& t : s.at("turns").as_array()) {
    if (t.at("role") == "assistant") text = t.at("content").as_string();
  }
  const int64_t tokens = s.at("totalTokens").to_number<int64_t>();
  const double cost = s.at("costUsd").to_number<double>();
  co_return NodeOutcome{json::object{{"stepId", s.at("id")}, {"text", text}, {"stopReason", s.at("stopReason")},
                                     {"totalTokens", tokens}, {"model", s.at("model")}},
                        tokens, cost};
}

asio::awaitable<Result<NodeOutcome>> StandardNodeRunner::call_model(const NodeCall& call) {
  models::RouteHints hints;
  hints.model = config_text(call.config, "model");
  hints.task_type = config_text(call.config, "taskType");
  models::ChatRequest request;
  std::string system = config_text(call.config, "system");
  if (!system.empty()) request.messages.push_back({"system", system, "", "", {}});
  std::string prompt = config_text(call.config, "prompt");
  request.messages.push_back({"user", prompt, "", "", {}});
  int64_t max_tokens = integer_of(call.config, "maxTokens", 512, 1, 100'000);
  int64_t prompt_tokens = rough_prompt_tokens(system, prompt);
  if (Status fits = fit_caps(call, hints, prompt_tokens, max_tokens); !fits.is_ok()) co_return fits;
  request.max_tokens = static_cast<int>(max_tokens);
  hints.expected_prompt_tokens = prompt_tokens;
  hints.expected_completion_tokens = max_tokens;
  if (auto temperature = number(call.config.if_contains("temperature"))) request.temperature = *temperature;
  const models::DeltaSink no_stream;  // a named local: GCC 12 mishandles temporaries inside co_await
  auto reply = co_await router_.chat(hints, std::move(request), no_stream);
  if (!reply) co_return reply.status();
  const auto& usage = reply->response.usage;
  usage_.record(store::UsageRecord{call.tenant_id, "", "", reply->model, "run_step", usage.prompt_tokens,
                                   usage.completion_tokens, reply->cost_usd, false, now_ms(), 1});
  co_return NodeOutcome{json::object{{"text", reply->response.content}, {"model", reply->model}},
                        usage.prompt_tokens + usage.completion_tokens, reply->cost_usd};
}

asio::awaitable<Result<NodeOutcome>> StandardNodeRunner::call_http(const NodeCall& call) {
  net::ClientRequest request;
  request.method = config_text(call.config, "method");
  if (request.method.empty()) request.method = "POST";
  request.url = config_text(call.config, "url");
  if (Status s = net::AddressPolicy::check_url_scheme(request.url); !s.is_ok()) co_return s;
  if (const auto* headers = call.config.if_contains("headers"); headers && headers->is_object()) {
    for (const auto& [name, value] : headers->as_object()) {
      request.headers.push_back({std::string(name), value.is_string() ? std::string(value.as_string()) : json::serialize(value)});
    }
  }
  if (const auto* body = call.config.if_contains("body")) {
    request.body = body->is_string() ? std::string(body->as_string()) : json::serialize(*body);
    if (!body->is_string()) request.headers.push_back({"Content-Type", "application/json"});
  }
  request.timeout = std::chrono::milliseconds(integer_of(call.config, "timeoutMs", 30'000, 1, 300'000));
  request.address_policy = &policy_;
  auto response = co_await client_.send(request);
  if (!response) co_return response.status();
  boost::system::error_code ec;
  json::value parsed = json::parse(response->body, ec);
  json::object output{{"status", response->status}, {"body", ec ? json::value(response->body) : parsed}};
  if (response->status >= 400) {
    co_return Status(StatusCode::kUnavailable, "the http tool answered " + std::to_string(response->status));
  }
  co_return NodeOutcome{std::move(output)};
}

}  // namespace brainstem::orchestration
