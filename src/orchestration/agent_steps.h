// Cendriix agent steps: one agent's turn at a task, run at once and recorded under a run id.
// The step calls the routed model with the system prompt and the task, within its token
// budget, and records every turn, why it stopped (completed, token_budget when the budget
// cannot hold the prompt, tool_error when the model call fails) and the tokens it used; the
// call is metered to the tenant (kind "agent_step"). The MCP connectors named by
// `allowedConnectorIds` offer their tools ("<connector id>__<tool>"): the tools the model
// calls run and their results go back to it, one model call an iteration, until it answers
// without calling any (completed), or maxIterations (max_iterations), or the token budget
// (token_budget) ends the step. An unknown connector refuses the step (422); one that cannot
// list its tools is left out and named in `connectorsLeftOut`.
//
// Steps are tenant-scoped rows of the memory store (kind "agent_step", under their run id).
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "common/status.h"
#include "mcp/connectors.h"
#include "models/router.h"
#include "ops/usage_meter.h"
#include "store/memory_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace brainstem::orchestration {

// A rough prompt size (4 characters a token), enough to refuse a call that cannot fit a budget
// before any tokenizer runs.
int64_t rough_prompt_tokens(const std::string& system, const std::string& prompt);

struct AgentStepPolicy {
  int max_iterations = 5;          // model calls at most, once connectors give it tools to call
  std::optional<int64_t> token_budget;  // prompt + completion tokens over the whole step
  std::string task_type;           // code_generation | reasoning | summarisation | classification | general
  int max_tokens_per_call = 2048;
  int64_t tool_timeout_ms = 30000;
};

struct AgentStepRequest {
  std::string run_id;
  std::string name;
  std::string prompt;
  std::string system_prompt;
  std::vector<std::string> allowed_connector_ids;
  AgentStepPolicy policy;
  mcp::ToolCaller caller;  // who asked: its tool calls are checked and recorded as theirs (tenant set by run)
};

class AgentSteps {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;

  AgentSteps(models::ModelRouter& router, ops::UsageMeter& usage, store::MemoryStore& store,
             mcp::Connectors* connectors = nullptr)
      : router_(router), usage_(usage), store_(store), connectors_(connectors) {}

  // Runs the step and stores it; returns it as stored ({id, runId, name, status, turns,
  // stopReason, totalTokens, costUsd, model, policy, createdAt, finishedAt}).
  Task<Result<boost::json::object>> run(const std::string& tenant_id, AgentStepRequest request);
  Task<Result<boost::json::object>> get(const std::string& tenant_id, const std::string& step_id);
  Task<Result<std::vector<boost::json::object>>> of_run(const std::string& tenant_id, const std::string& run_id);

 private:
  models::ModelRouter& router_;
  ops::UsageMeter& usage_;
  store::MemoryStore& store_;
  mcp::Connectors* connectors_;  // null: no connector can be named
};

}  // namespace brainstem::orchestration
