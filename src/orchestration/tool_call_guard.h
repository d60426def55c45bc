// The guard every MCP tool call of a workspace passes (mcp::ToolCallGuard), whoever makes it:
// the workspace's security policy decides before the call (a tool action {tool: "mcp", url:
// the connector's endpoint, method: the tool's name, body: the arguments}; a blocking rule
// refuses it, naming the rule), and after it the call is metered (a usage row of kind "tool",
// model "mcp:<connector id>/<tool>") and audited ("mcp.tool_called": connector, tool, agent,
// outcome, latency), refusals and failures included. The audit entry is written in the
// background (a graceful stop waits for it), so the call's answer does not wait on the store.
// Thread-safety: as the services it uses.
#pragma once

#include "common/task_group.h"
#include "mcp/connectors.h"
#include "ops/audit.h"
#include "ops/usage_meter.h"
#include "orchestration/security.h"

namespace brainstem::orchestration {

class PolicyToolCallGuard : public mcp::ToolCallGuard {
 public:
  PolicyToolCallGuard(SecurityPolicies& policies, ops::UsageMeter& usage, ops::AuditLog& audit, TaskGroup& background)
      : policies_(policies), usage_(usage), audit_(audit), background_(background) {}

  boost::asio::awaitable<Status> before(const mcp::ToolCaller& caller, const std::string& connector_id,
                                        const std::string& endpoint_url, const std::string& tool,
                                        const boost::json::object& input) override;
  boost::asio::awaitable<void> after(const mcp::ToolCaller& caller, const std::string& connector_id, const std::string& tool,
                                     const Result<boost::json::object>& outcome) override;

 private:
  SecurityPolicies& policies_;
  ops::UsageMeter& usage_;
  ops::AuditLog& audit_;
  TaskGroup& background_;
};

}  // namespace brainstem::orchestration
