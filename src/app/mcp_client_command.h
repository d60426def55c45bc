// `brainstem mcp-client URL`: connects to an MCP server over streamable HTTP the way
// connectors do (mcp::McpSession), lists its tools and calls them, printing one JSON line per
// step. A tool's arguments come from --args, or are made from its input schema's required
// properties (numbers 1, 2, ...; strings "test"; booleans true). The operator names the URL,
// so loopback and private addresses are allowed here.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace brainstem::app {

struct McpClientCommand {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string tool;                  // empty: every tool
  std::string args_json;             // the tool's arguments, a JSON object
  int timeout_s = 30;
};

// Returns the process exit code: 0 when every step got a reply (a tool's isError included).
int run_mcp_client(const McpClientCommand& command, std::ostream& out, std::ostream& err);

}  // namespace brainstem::app
