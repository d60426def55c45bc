#include "orchestration/agent_steps.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "mcp/model_tools.h"
#include "orchestration/stored_bodies.h"

#include <algorithm>

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

const std::string kStepKind = "agent_step";

json::object turn(const std::string& role, const std::string& content, int64_t tokens) {
  return {{"role", role}, {"content", content}, {"tokens", tokens}};
}

json::object policy_json(const AgentStepPolicy& p) {
  json::object out{{"maxIterations", p.max_iterations}, {"maxTokensPerCall", p.max_tokens_per_call},
                   {"toolTimeoutMs", p.tool_timeout_ms}, {"taskType", p.task_type}};
  out["tokenBudget"] = p.token_budget ? json::value(*p.token_budget) : json::value(nullptr);
  return out;
}

}  // namespace

int64_t rough_prompt_tokens(const std::string& system, const std::string& prompt) {
  return static_cast<int64_t>((system.size() + prompt.size()) / 4 + 8);
}

AgentSteps::Task<Result<json::object>> AgentSteps::run(const std::string& tenant_id, AgentStepRequest request) {
  request.caller.tenant_id = tenant_id;
  std::vector<models::Tool> tools;
  std::vector<std::string> left_out;
  if (!request.allowed_connector_ids.empty()) {
    if (!connectors_) {
      co_return Status::validation("allowedConnectorIds", "no connector " + request.allowed_connector_ids.front() + " is registered");
    }
    auto listed = co_await mcp::model_tools(*connectors_, request.caller, request.allowed_connector_ids, left_out);
    if (!listed) {
      if (listed.status().code() == StatusCode::kNotFound) co_return Status::validation("allowedConnectorIds", listed.status().message());
      co_return listed.status();
    }
    tools = std::move(listed).value();
  }
  const int64_t started = now_ms();
  json::array turns;
  std::vector<models::Message> messages;
  if (!request.system_prompt.empty()) {
    messages.push_back({"system", request.system_prompt, "", "", {}});
    turns.push_back(turn("system", request.system_prompt, 0));
  }
  messages.push_back({"user", request.prompt, "", "", {}});
  turns.push_back(turn("user", request.prompt, 0));

  // Each iteration is one model call; the tools it calls run and their results go back to it,
  // until it answers without calling any, or maxIterations, or the token budget, ends it.
  int64_t total = 0;
  double cost_usd = 0;
  std::string stop_reason = "completed", status = "completed", model, error;
  std::string context = request.system_prompt + request.prompt;  // what the next call's prompt holds, for its size
  for (int iteration = 1;; ++iteration) {
    int64_t max_tokens = request.policy.max_tokens_per_call;
    const int64_t prompt_tokens = rough_prompt_tokens(context, "");
    if (request.policy.token_budget) max_tokens = std::min(max_tokens, *request.policy.token_budget - total - prompt_tokens);
    if (max_tokens <= 0) {
      stop_reason = "token_budget";
      break;
    }
    models::RouteHints hints;
    hints.task_type = request.policy.task_type;
    hints.expected_prompt_tokens = prompt_tokens;
    hints.expected_completion_tokens = max_tokens;
    models::ChatRequest chat;
    chat.messages = messages;
    chat.max_tokens = static_cast<int>(max_tokens);
    if (iteration < request.policy.max_iterations) chat.tools = tools;
    const models::DeltaSink no_stream;  // a named local: GCC 12 mishandles temporaries inside co_await
    auto reply = co_await router_.chat(hints, std::move(chat), no_stream);
    if (!reply) {
      stop_reason = "tool_error";
      status = "failed";
      error = reply.status().message();
      break;
    }
    const auto& usage = reply->response.usage;
    total += usage.prompt_tokens + usage.completion_tokens;
    model = reply->model;
    cost_usd += reply->cost_usd;
    usage_.record(store::UsageRecord{tenant_id, "", "", reply->model, "agent_step", usage.prompt_tokens,
                                     usage.completion_tokens, reply->cost_usd, false, now_ms(), 1});
    json::object said = turn("assistant", reply->response.content, usage.prompt_tokens + usage.completion_tokens);
    const auto& calls = reply->response.tool_calls;
    if (!calls.empty()) {
      json::array names;
      for (const auto& c : calls) names.push_back(json::string(c.name));
      said["toolCalls"] = std::move(names);
    }
    turns.push_back(std::move(said));
    if (calls.empty()) break;
    if (iteration >= request.policy.max_iterations) {
      stop_reason = "max_iterations";
      break;
    }
    messages.push_back({"assistant", reply->response.content, "", "", calls});
    context += reply->response.content;
    for (const auto& call : calls) {
      std::string content = R"({"error":"unknown tool"})";
      if (auto target = mcp::split_model_tool_name(call.name, request.allowed_connector_ids)) {
        auto ran = co_await mcp::run_model_tool(*connectors_, request.caller, target->first, target->second, call.arguments);
        content = std::move(ran.content);
      }
      json::object result = turn("tool", content, 0);
      result["name"] = call.name;
      turns.push_back(std::move(result));
      context += content;
      messages.push_back({"tool", std::move(content), call.name, call.id, {}});
    }
  }

  json::object step{{"id", random_id("step_", 16)},
                    {"runId", request.run_id},
                    {"name", request.name},
                    {"status", status},
                    {"turns", std::move(turns)},
                    {"stopReason", stop_reason},
                    {"totalTokens", total},
                    {"costUsd", cost_usd},
                    {"model", model.empty() ? json::value(nullptr) : json::value(model)},
                    {"policy", policy_json(request.policy)},
                    {"allowedConnectorIds", json::array(request.allowed_connector_ids.begin(), request.allowed_connector_ids.end())},
                    {"createdAt", iso8601(started)},
                    {"finishedAt", iso8601(now_ms())}};
  if (!error.empty()) step["error"] = error;
  if (!left_out.empty()) step["connectorsLeftOut"] = json::array(left_out.begin(), left_out.end());
  store::MemoryEntity row;
  row.tenant_id = tenant_id;
  row.kind = kStepKind;
  row.id = std::string(step.at("id").as_string());
  row.parent_id = request.run_id;
  row.status = status;
  row.body = json_text(step);
  row.created_at = row.updated_at = started;
  auto stored = co_await store_.create_memory_entity(row);
  if (!stored) co_return stored.status();
  co_return step;
}

AgentSteps::Task<Result<json::object>> AgentSteps::get(const std::string& tenant_id, const std::string& step_id) {
  auto row = co_await store_.get_memory_entity(tenant_id, kStepKind, step_id);
  if (!row) {
    if (row.status().code() == StatusCode::kNotFound) co_return Status::not_found("agent step not found");
    co_return row.status();
  }
  boost::system::error_code ec;
  json::value body = json::parse(row->body, ec);
  if (ec || !body.is_object()) co_return Status::internal("agent step " + step_id + " is stored malformed");
  co_return std::move(body.as_object());
}

AgentSteps::Task<Result<std::vector<json::object>>> AgentSteps::of_run(const std::string& tenant_id,
                                                                       const std::string& run_id) {
  co_return co_await stored_bodies(store_, tenant_id, kStepKind, run_id);
}

}  // namespace brainstem::orchestration
