// What runs one node of a run: the engine hands it the node with its references resolved and
// stores what it returns. The standard runner calls models through the router and tools over
// HTTP under the address policy; tests substitute their own.
//
// Thread-safety: run() may be called concurrently. A run's cancellation reaches a node as the
// cancellation of the awaited operation (model and tool calls stop, they are not waited for).
#pragma once

#include "common/status.h"
#include "models/router.h"
#include "net/address_policy.h"
#include "net/client.h"
#include "ops/usage_meter.h"
#include "orchestration/agent_steps.h"
#include "orchestration/graph.h"
#include "orchestration/security.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <optional>
#include <string>

namespace brainstem::orchestration {

struct NodeCall {
  std::string tenant_id;
  std::string run_id;
  const Node* node = nullptr;
  boost::json::object config;  // the node's config with its references resolved
  // {"input", "nodes": {id: {"output"}}}: what references read. The run's own, valid for the
  // whole call; steps of the same wave that end meanwhile add their outputs to it.
  const boost::json::object* scope = nullptr;
  // What is left of the run's caps (nullopt: no cap): a model call stays within them.
  std::optional<int64_t> tokens_left;
  std::optional<double> cost_left_usd;
};

struct NodeOutcome {
  boost::json::value output;
  int64_t tokens = 0;
  double cost_usd = 0;
  std::vector<std::string> warnings;  // security rules with action "warn" the call met
};

class NodeRunner {
 public:
  virtual ~NodeRunner() = default;
  // kPaymentRequired when a cap would be passed (the run fails as budget_exceeded);
  // kPermissionDenied when a security rule blocks it. Neither is retried.
  virtual boost::asio::awaitable<Result<NodeOutcome>> run(const NodeCall& call) = 0;
};

// noop, condition, model_call, agent_step and tool_call (http, noop). approval_gate never
// reaches a runner.
class StandardNodeRunner final : public NodeRunner {
 public:
  // Model calls are metered to the run's tenant (kind "run_step") as every other call is; agent
  // steps are run and recorded under the run's id by `agent_steps`; tool calls are checked
  // against the tenant's security policy first.
  StandardNodeRunner(models::ModelRouter& router, ops::UsageMeter& usage, SecurityPolicies& security,
                     AgentSteps& agent_steps, net::HttpClient& client, const net::AddressPolicy& policy)
      : router_(router), usage_(usage), security_(security), agent_steps_(agent_steps), client_(client), policy_(policy) {}

  boost::asio::awaitable<Result<NodeOutcome>> run(const NodeCall& call) override;

  // A condition's result over the scope (pure; exposed for tests).
  static Result<bool> test_condition(const boost::json::object& config, const boost::json::object& scope);

 private:
  boost::asio::awaitable<Result<NodeOutcome>> call_model(const NodeCall& call);
  boost::asio::awaitable<Result<NodeOutcome>> run_agent_step(const NodeCall& call);
  boost::asio::awaitable<Result<NodeOutcome>> call_http(const NodeCall& call);
  // Lowers `max_tokens` to what the run's caps leave; kPaymentRequired when the call cannot fit.
  Status fit_caps(const NodeCall& call, const models::RouteHints& hints, int64_t prompt_tokens, int64_t& max_tokens) const;

  models::ModelRouter& router_;
  ops::UsageMeter& usage_;
  SecurityPolicies& security_;
  AgentSteps& agent_steps_;
  net::HttpClient& client_;
  const net::AddressPolicy& policy_;
};

}  // namespace brainstem::orchestration
