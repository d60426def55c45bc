// 7. compile + tools: renders the prompt, calls the routed model, runs the tool calls it makes
// as the agent's webhook actions and feeds the results back, for at most max_tool_rounds
// rounds; then the model must answer in text (no tools offered). The retrieved passages travel
// with the request, so the extractive provider (what answers when no model is configured)
// quotes the best of them.
#include "common/clock.h"
#include "common/json_text.h"
#include "common/offload.h"
#include "mcp/model_tools.h"
#include "pipeline/prompt.h"
#include "pipeline/stages/stages.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace brainstem::pipeline {

namespace {

namespace json = boost::json;

std::vector<models::Tool> tools_of(const AgentConfig& agent) {
  std::vector<models::Tool> tools;
  for (const auto& a : agent.actions) {
    json::object schema = a.parameters_schema.empty() ? json::object{{"type", "object"}, {"properties", json::object{}}}
                                                       : a.parameters_schema;
    tools.push_back({a.name, a.description, json_text(schema)});
  }
  return tools;
}

std::vector<models::Message> conversation(const PipelineState& state) {
  std::vector<models::Message> out;
  out.push_back({"system", system_message(state), "", "", {}});
  for (const auto& turn : state.history) {
    if (turn.role == "user" || turn.role == "assistant") out.push_back({turn.role, turn.content, "", "", {}});
  }
  out.push_back({"user", state.request.message, "", "", {}});
  return out;
}

std::vector<models::ContextPassage> passages_of(const PipelineState& state) {
  std::vector<models::ContextPassage> out;
  for (const Passage& p : state.knowledge) {
    out.push_back({p.text, p.citation.empty() ? "FAQ \"" + p.title + "\"" : p.citation});
  }
  return out;
}

class CompileStage : public Stage {
 public:
  explicit CompileStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "agent_compiler"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const AgentConfig& agent = *state.agent;
    state.transcript = conversation(state);
    std::vector<models::Tool> tools = tools_of(agent);
    co_await add_connector_tools(state, tools);
    const std::vector<models::ContextPassage> passages = passages_of(state);
    double tool_ms = 0;
    int rounds = 0;
    models::DeltaSink forward = [&state](const models::ChatDelta& delta) -> boost::asio::awaitable<bool> {
      if (delta.content.empty()) co_return true;
      StreamEvent event = TokenEvent{delta.content};
      co_return co_await (*state.sink)(event);
    };
    const models::DeltaSink none;
    for (;;) {
      models::ChatRequest request;
      request.messages = state.transcript;
      request.passages = passages;
      if (rounds < agent.max_tool_rounds) request.tools = tools;
      request.temperature = agent.temperature;
      request.max_tokens = agent.max_tokens;
      const models::DeltaSink& sink = state.sink ? forward : none;
      auto routed = co_await deps_.router.chat(state.hints, std::move(request), sink);
      if (!routed) throw StatusError(routed.status());
      account(state, routed.value());
      const models::ChatResponse& reply = routed->response;
      if (reply.tool_calls.empty() || rounds >= agent.max_tool_rounds) {
        state.result.reply = reply.content;
        break;
      }
      ++rounds;
      state.transcript.push_back({"assistant", reply.content, "", "", reply.tool_calls});
      for (const auto& call : reply.tool_calls) {
        auto outcome = co_await run_tool(state, call);
        tool_ms += outcome.latency_ms;
        state.transcript.push_back({"tool", outcome.content, call.name, call.id, {}});
      }
    }
    state.result.step_timings["tool_call_rounds"] = rounds;
    state.result.step_timings["tool_execution"] = tool_ms;
    co_return true;
  }

 private:
  static void account(PipelineState& state, const models::RoutedReply& routed) {
    state.result.model_used = routed.model;
    state.result.used_fallback = state.result.used_fallback || routed.used_fallback;
    state.result.tokens.input += routed.response.usage.prompt_tokens;
    state.result.tokens.output += routed.response.usage.completion_tokens;
    state.result.tokens.cost_usd += routed.cost_usd;
  }

  static mcp::ToolCaller tool_caller(const PipelineState& state) {
    const MessageRequest& r = state.request;
    return mcp::ToolCaller{.tenant_id = r.tenant_id, .actor = r.key_id.empty() ? "system" : r.key_id, .key_id = r.key_id,
                           .agent_id = state.agent->id, .scopes = r.scopes};
  }

  // The tools of the connectors the agent allows; a connector that cannot list them now is
  // left out of this message (logged), not a failure of it.
  boost::asio::awaitable<void> add_connector_tools(const PipelineState& state, std::vector<models::Tool>& tools) {
    if (!deps_.connectors || state.agent->allowed_connector_ids.empty()) co_return;
    std::vector<std::string> left_out;
    const mcp::ToolCaller caller = tool_caller(state);
    auto listed = co_await mcp::model_tools(*deps_.connectors, caller, state.agent->allowed_connector_ids, left_out);
    if (!listed) left_out.push_back(listed.status().message());
    for (const auto& why : left_out) spdlog::warn("{} agent {}: connector tools left out: {}", state.request.request_id, state.agent->id, why);
    if (listed) tools.insert(tools.end(), listed->begin(), listed->end());
  }

  // The agent's own actions and its connectors' tools run; anything else the model names is
  // answered with an error.
  boost::asio::awaitable<ActionResult> run_tool(PipelineState& state, const models::ToolCall& call) {
    const auto& actions = state.agent->actions;
    auto it = std::find_if(actions.begin(), actions.end(), [&](const ActionDefinition& a) { return a.name == call.name; });
    std::optional<std::pair<std::string, std::string>> mcp_tool;
    if (deps_.connectors) mcp_tool = mcp::split_model_tool_name(call.name, state.agent->allowed_connector_ids);
    ActionResult outcome;
    if (mcp_tool) {
      const mcp::ToolCaller caller = tool_caller(state);
      auto ran = co_await mcp::run_model_tool(*deps_.connectors, caller, mcp_tool->first, mcp_tool->second, call.arguments);
      outcome.ok = ran.ok;
      outcome.content = std::move(ran.content);
      outcome.latency_ms = ran.latency_ms;
      state.result.actions_executed.push_back(call.name);
    } else if (it == actions.end()) {
      outcome.content = R"({"error":"unknown tool"})";
    } else {
      outcome = co_await deps_.actions.run(state.request.tenant_id, *it, call.arguments);
      state.result.actions_executed.push_back(call.name);
    }
    if (state.sink) {
      StreamEvent event = ToolEvent{call.name, outcome.ok, outcome.status, outcome.latency_ms};
      co_await (*state.sink)(event);
    }
    co_return outcome;
  }

  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_compile_stage(PipelineDeps& deps) { return std::make_unique<CompileStage>(deps); }

}  // namespace brainstem::pipeline
