// A client session with one MCP server over the streamable HTTP transport (protocol
// 2025-11-25; servers that answer 2025-06-18 or 2025-03-26 are accepted).
//
// The session initializes on first use (`initialize`, then `notifications/initialized`),
// keeps the server's Mcp-Session-Id and sends it with MCP-Protocol-Version on every later
// request. A server that no longer knows the session (HTTP 404, or 400 to a request that
// carried a session id) gets a new `initialize` and the request once more. Replies are read as
// JSON or as an SSE stream: the stream's notifications (progress, logging) and requests are
// recorded with the call, and the reply whose id matches ends it. A stream that closes before
// the reply is resumed: after the wait its `retry:` field set, a GET with Last-Event-ID (the
// last `id:` seen) reads on, a few times at most.
//
// Errors: kPermissionDenied when the address policy refuses the server's address (nothing is
// sent); kUnavailable when the server cannot be reached or answers out of protocol;
// kDeadlineExceeded after the call's timeout; a JSON-RPC error reply is kBadGateway with its
// code in McpError. A tool that ran and failed is not an error: McpCallResult::is_error.
// Thread-safety: every method may be called concurrently; concurrent first calls may both
// initialize (the later session wins).
#pragma once

#include "common/status.h"
#include "http/message.h"
#include "mcp/tool_server.h"
#include "net/address_policy.h"
#include "net/client.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::mcp {

inline constexpr const char* kProtocolVersion = "2025-11-25";

struct McpEndpoint {
  std::string url;
  std::vector<http::Header> headers;  // credentials, e.g. Authorization
  std::chrono::milliseconds timeout{30000};
};

// A JSON-RPC error the server answered with (code and message), when a call failed so.
struct McpError {
  int64_t code = 0;
  std::string message;
};

class McpSession : public ToolServer {
 public:
  McpSession(net::HttpClient& http, const net::AddressPolicy& policy, McpEndpoint endpoint);

  boost::asio::awaitable<Result<std::vector<McpTool>>> list_tools() override;
  // Asks for progress reports (a progressToken). MCP has no notion of the calling agent.
  boost::asio::awaitable<Result<McpCallResult>> call_tool(const std::string& name, const boost::json::object& arguments,
                                                          const std::string& caller_agent_id = {}) override;

  const std::string& url() const { return endpoint_.url; }

 private:
  struct Reply {
    boost::json::value result;
    std::vector<boost::json::object> notifications;
    std::string session_id;  // the Mcp-Session-Id header the reply came with
  };
  struct Session {
    std::string id;
    std::string protocol;
    bool ready = false;
  };

  // A request in the current session, initializing first and once more if the server lost it.
  boost::asio::awaitable<Result<Reply>> request(const std::string& method, const boost::json::object& params,
                                                McpError* rpc_error);
  boost::asio::awaitable<Status> initialize();
  // One POST of a message; `session_lost` is set when the server did not know our session.
  boost::asio::awaitable<Result<Reply>> post(const Session& session, const boost::json::object& message,
                                             bool& session_lost, McpError* rpc_error);
  Session current() const;
  class BodyReader;
  net::ClientRequest request_to_server(const Session& session, std::string method) const;

  net::HttpClient& http_;
  const net::AddressPolicy& policy_;
  const McpEndpoint endpoint_;
  mutable std::mutex mu_;
  Session session_;
  std::atomic<int64_t> next_id_{1};
};

}  // namespace brainstem::mcp
