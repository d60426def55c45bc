// MCP tools offered to a model in a tool loop (an agent's messages, a Cendriix agent step):
// each allowed connector's tools named "<connector id>__<tool>", and a model's call of one run
// through the connector's session with its result as the tool message.
//
// Thread-safety: every function may be called concurrently.
#pragma once

#include "common/status.h"
#include "mcp/connectors.h"
#include "models/chat.h"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace brainstem::mcp {

std::string model_tool_name(const std::string& connector_id, const std::string& tool);
// The connector and tool a model's tool name stands for, when the connector is one of
// `allowed`; nullopt for any other name.
std::optional<std::pair<std::string, std::string>> split_model_tool_name(const std::string& name,
                                                                         const std::vector<std::string>& allowed);

// The tools of `connector_ids` the caller's scopes allow, named as above. kNotFound for a
// connector the tenant does not have; a connector that cannot list its tools now is left out
// and named in `left_out`.
boost::asio::awaitable<Result<std::vector<models::Tool>>> model_tools(Connectors& connectors, const ToolCaller& caller,
                                                                      const std::vector<std::string>& connector_ids,
                                                                      std::vector<std::string>& left_out);

struct ModelToolResult {
  bool ok = false;          // the tool ran and did not report an error
  std::string content;      // the tool message: {"content":[...],"isError":...} or {"error":"..."}
  double latency_ms = 0;
};

// Runs a model's call of a connector tool; `arguments` is the call's JSON text.
boost::asio::awaitable<ModelToolResult> run_model_tool(Connectors& connectors, const ToolCaller& caller,
                                                       const std::string& connector_id, const std::string& tool,
                                                       const std::string& arguments);

}  // namespace brainstem::mcp
