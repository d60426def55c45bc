// What a connector reaches: a server of tools, over MCP (McpSession) or over A2A (an agent
// whose skills are its tools, A2aToolServer).
#pragma once

#include "common/status.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <string>
#include <vector>

namespace brainstem::mcp {

struct McpTool {
  std::string name;
  std::string description;
  boost::json::value input_schema;
};

struct McpCallResult {
  boost::json::value content;     // the result's content array
  boost::json::value structured;  // structuredContent, null when none
  bool is_error = false;          // the tool ran and reported failure
  std::vector<boost::json::object> notifications;  // progress, logging: what came before the reply
};

class ToolServer {
 public:
  virtual ~ToolServer() = default;
  virtual boost::asio::awaitable<Result<std::vector<McpTool>>> list_tools() = 0;
  // `caller_agent_id`: the agent whose tool loop calls (empty for a person or program), for
  // servers that record who delegated to them.
  virtual boost::asio::awaitable<Result<McpCallResult>> call_tool(const std::string& name, const boost::json::object& arguments,
                                                                  const std::string& caller_agent_id) = 0;
};

}  // namespace brainstem::mcp
