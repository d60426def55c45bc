// Another A2A agent as a connector's tool server: each skill of its card is a tool taking
// {message}, and a call sends the message for that skill, waits for the task to end and
// returns the answer as text (isError unless the task completed). Agents delegate to other
// agents this way: the connector's tools join their tool loop like MCP tools, with the same
// scopes, policy, metering and audit, and the call names the calling agent
// (metadata.callerAgentId) so a brainstem peer counts the delegation in its topology.
// Thread-safety: as a2a::Peer.
#pragma once

#include "a2a/peer.h"
#include "mcp/tool_server.h"

namespace brainstem::mcp {

class A2aToolServer : public ToolServer {
 public:
  A2aToolServer(net::HttpClient& http, const net::AddressPolicy& policy, a2a::PeerEndpoint endpoint)
      : peer_(http, policy, std::move(endpoint)) {}

  boost::asio::awaitable<Result<std::vector<McpTool>>> list_tools() override;
  boost::asio::awaitable<Result<McpCallResult>> call_tool(const std::string& name, const boost::json::object& arguments,
                                                          const std::string& caller_agent_id) override;

  // A skill id as a tool name models accept: characters other than letters, digits, '_' and
  // '-' become '_'.
  static std::string tool_name(const std::string& skill_id);

 private:
  a2a::Peer peer_;
};

}  // namespace brainstem::mcp
