// What goes into the message pipeline and what comes out, whichever route family the message
// came through (Cortex /v1/chat, Cerebral /v1/cerebrals/:id/message, Cendriix conversations).
#pragma once

#include "ops/budget_state.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace brainstem::pipeline {

struct MessageRequest {
  std::string request_id;
  std::string tenant_id;
  std::string key_id;        // the API key that called, or empty
  std::vector<std::string> scopes{"*"};  // the key's scopes (which MCP tools the agent may call for it)
  std::string locked_agent;  // the key's agent lock, or empty
  std::string identity_mode = "identified";  // anonymous | identified | required
  bool foreign_agent_forbidden = false;  // another tenant's agent: 403 (Cerebral) rather than 404
  std::string agent_id;
  std::string session_id;   // empty: stateless
  std::string customer_id;  // empty: anonymous
  boost::json::object identity;  // {email, name, phone, ...}
  std::string message;
  std::string channel = "web";
  boost::json::object metadata;
  // The tenant's cost budget when the request came in: at throttle, the router keeps to the
  // cheapest models. (A spent budget never reaches the pipeline: the gateway answers 402.)
  ops::BudgetState budget = ops::BudgetState::kOk;
};

struct TokenFigures {
  int64_t input = 0;
  int64_t output = 0;
  double cost_usd = 0;
};

struct MessageResult {
  std::string reply;
  std::string execution_id;
  std::string session_id;
  std::string customer_id;
  std::string model_used;  // the model id, or "cache"
  std::string tier;        // complexity tier the router classified
  bool cached = false;
  bool used_fallback = false;
  std::vector<std::string> actions_executed;
  std::string sop_matched;  // scenario name, or empty
  std::string escalation;   // why the conversation was escalated to a person (escalation.h), or empty
  TokenFigures tokens;
  int64_t context_before = 0;  // prompt tokens before the optimizer fitted the budget
  int64_t context_after = 0;
  double latency_ms = 0;
  // Stage timings in ms, keyed by Cortex's names (config_load, memory_recall, ...), plus
  // tool_call_rounds (a count).
  std::map<std::string, double> step_timings;

  double savings_pct() const;
};

// Streamed to the client while the pipeline runs.
struct TokenEvent {
  std::string text;
};
struct ToolEvent {
  std::string name;
  bool ok = true;
  int status = 0;
  double latency_ms = 0;
};
using StreamEvent = std::variant<TokenEvent, ToolEvent>;
// Returns false when the client went away: the pipeline stops generating.
using StreamSink = std::function<boost::asio::awaitable<bool>(const StreamEvent&)>;

}  // namespace brainstem::pipeline
