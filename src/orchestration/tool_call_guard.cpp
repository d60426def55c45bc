#include "orchestration/tool_call_guard.h"

#include "common/clock.h"
#include "common/json_text.h"

#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

namespace brainstem::orchestration {

namespace json = boost::json;

boost::asio::awaitable<Status> PolicyToolCallGuard::before(const mcp::ToolCaller& caller, const std::string& connector_id,
                                                           const std::string& endpoint_url, const std::string& tool,
                                                           const json::object& input) {
  ToolAction action{.tool = "mcp", .url = endpoint_url, .method = tool, .body = json_text(input)};
  auto verdict = co_await policies_.evaluate(caller.tenant_id, action);
  if (!verdict) co_return verdict.status();
  for (const auto& v : verdict->violations) {
    if (v.action == "warn")
      spdlog::warn("tenant {}: MCP tool {} of connector {} matches security rule {}", caller.tenant_id, tool, connector_id, v.rule);
  }
  if (!verdict->allowed) {
    for (const auto& v : verdict->violations)
      if (v.action == "block") co_return Status::forbidden("the security policy's rule " + v.rule + " blocks this tool call");
  }
  co_return Status::ok();
}

boost::asio::awaitable<void> PolicyToolCallGuard::after(const mcp::ToolCaller& caller, const std::string& connector_id,
                                                        const std::string& tool, const Result<json::object>& outcome) {
  store::UsageRecord usage;
  usage.tenant_id = caller.tenant_id;
  usage.key_id = caller.key_id;
  usage.agent_id = caller.agent_id;
  usage.model = "mcp:" + connector_id + "/" + tool;
  usage.kind = "tool";
  usage.at_ms = now_ms();
  usage_.record(std::move(usage));

  json::object payload{{"connectorId", connector_id}, {"toolName", tool}};
  if (!caller.agent_id.empty()) payload["agentId"] = caller.agent_id;
  if (outcome) {
    const bool is_error = outcome->at("isError").as_bool();
    payload["outcome"] = is_error ? "tool_error" : "ok";
    payload["latencyMs"] = outcome->at("latencyMs");
  } else {
    payload["outcome"] = outcome.status().code() == StatusCode::kPermissionDenied ? "refused" : "failed";
    payload["error"] = outcome.status().message();
  }
  std::string actor = caller.actor;
  if (actor.empty()) actor = "system";
  auto write = [](ops::AuditLog& audit, std::string tenant, std::string actor, json::object payload) -> boost::asio::awaitable<void> {
    const std::string event = "mcp.tool_called";  // a named local, not a temporary in the co_await's arguments
    auto appended = co_await audit.append(tenant, actor, event, payload);
    if (!appended) spdlog::warn("tenant {}: the audit entry of an MCP tool call was not written: {}", tenant, appended.status().message());
  };
  background_.spawn(co_await boost::asio::this_coro::executor, write(audit_, caller.tenant_id, std::move(actor), std::move(payload)));
}

}  // namespace brainstem::orchestration
