// MCP connectors of a workspace (seed 002's MCP gateway): registered MCP servers, their tools
// listed across connectors, and tool calls made directly.
//
// A connector is a tenant-scoped row of the memory store (kind "mcp_connector"); its
// credentials are sealed with the server's SecretBox and never leave it in a view. It reaches
// an MCP server (protocol "mcp") or another A2A agent (protocol "a2a": its card's skills are
// the tools, see a2a_tool_server.h). Each connector has one pooled ToolServer (an McpSession,
// or an A2aToolServer), made on first use and dropped with the connector; its tool list is
// cached until asked to refresh, or until the server says it changed
// (notifications/tools/list_changed).
//
// Errors: kNotFound for another tenant's or an unknown connector or tool; kValidation for a
// bad draft; the session's errors for calls (kPermissionDenied when the address policy
// refuses the server; kBadGateway for a JSON-RPC error).
// Thread-safety: every method may be called concurrently.
#pragma once

#include "common/status.h"
#include "mcp/a2a_tool_server.h"
#include "mcp/mcp_session.h"
#include "mcp/secret_box.h"
#include "store/memory_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::mcp {

struct ConnectorDraft {
  std::string name;
  std::string protocol = "mcp";  // mcp: endpoint_url is an MCP server; a2a: an A2A agent card's URL
  std::string endpoint_url;
  std::string auth_type;  // none | api_key | oauth
  // api_key: {apiKey, headerName?} (sent as headerName: apiKey, default Authorization: Bearer);
  // oauth: {accessToken} (Authorization: Bearer).
  boost::json::object credentials;
};

// Who calls a tool, for the checks and records around the call.
struct ToolCaller {
  std::string tenant_id;
  std::string actor;     // the key id, the user id, or "system"
  std::string key_id;    // empty for a user or the system
  std::string agent_id;  // the agent whose tool loop calls, or empty
  // The API key's scopes. A tool needs "*", "mcp:*", "mcp:<connector id>",
  // "mcp:<connector id>/*" or "mcp:<connector id>/<tool>"; users and the system pass {"*"}.
  std::vector<std::string> scopes{"*"};
};

bool may_use_tool(const std::vector<std::string>& scopes, const std::string& connector_id, const std::string& tool);

// What runs around every tool call, whoever makes it (the execute route, an agent's tool loop,
// an agent step): the workspace's policy first, the records of the outcome after.
class ToolCallGuard {
 public:
  virtual ~ToolCallGuard() = default;
  // OK to go ahead; kPermissionDenied, saying why, to refuse (nothing is sent then).
  virtual boost::asio::awaitable<Status> before(const ToolCaller& caller, const std::string& connector_id,
                                                const std::string& endpoint_url, const std::string& tool,
                                                const boost::json::object& input) = 0;
  // The outcome ({output, isError, latencyMs, ...}, or the failure), for metering and audit.
  virtual boost::asio::awaitable<void> after(const ToolCaller& caller, const std::string& connector_id,
                                             const std::string& tool, const Result<boost::json::object>& outcome) = 0;
};

class Connectors {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;
  using Object = boost::json::object;

  Connectors(store::MemoryStore& store, net::HttpClient& http, const net::AddressPolicy& policy, SecretBox secrets);

  Task<Result<Object>> create(const std::string& tenant_id, ConnectorDraft draft);
  Task<Result<std::vector<Object>>> list(const std::string& tenant_id);  // newest first
  Task<Status> remove(const std::string& tenant_id, const std::string& id);
  // Installs the guard every later call passes through (none: calls are only scope-checked).
  void set_guard(ToolCallGuard* guard) { guard_ = guard; }

  // [{connectorId, name, description, inputSchema}] of one connector, or of all when
  // `connector_id` is empty: those tools `scopes` allows.
  Task<Result<boost::json::array>> tools(const std::string& tenant_id, const std::string& connector_id, bool refresh,
                                         const std::vector<std::string>& scopes = {"*"});
  // The tools one connector offers (cached as above).
  Task<Result<std::vector<McpTool>>> connector_tools(const std::string& tenant_id, const std::string& id, bool refresh = false);
  // {output (the result's content), structuredContent?, isError, latencyMs, progress?, logs?}:
  // progress and logs are the params of the progress and logging notifications the server
  // sent while the tool ran, in order. kPermissionDenied when the caller's scopes or the guard
  // refuse the call.
  Task<Result<Object>> execute(const ToolCaller& caller, const std::string& connector_id, const std::string& tool,
                               const Object& input);

 private:
  struct Pooled {
    std::shared_ptr<ToolServer> server;
    std::string url;  // the endpoint, as the policy sees it
    std::optional<std::vector<McpTool>> tools;
  };
  Task<Result<store::MemoryEntity>> stored(const std::string& tenant_id, const std::string& id);
  // The connector's pooled server and endpoint, made on first use.
  Task<Result<Pooled>> pooled(const std::string& tenant_id, const std::string& id);
  Result<McpEndpoint> endpoint_of(const store::MemoryEntity& connector) const;
  void forget(const std::string& tenant_id, const std::string& id);

  store::MemoryStore& store_;
  net::HttpClient& http_;
  const net::AddressPolicy& policy_;
  Task<Result<Object>> call(const ToolCaller& caller, const std::string& connector_id, const std::string& tool,
                            const Object& input);

  const SecretBox secrets_;
  ToolCallGuard* guard_ = nullptr;
  std::mutex mu_;
  std::map<std::string, Pooled> pool_;  // by tenant + '/' + connector id
};

}  // namespace brainstem::mcp
