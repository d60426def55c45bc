// Answers an agent message for a route handler: runs it through the pipeline and renders the
// result in the family's shape, as one JSON body or as Server-Sent Events:
//   event: token  data: {"text": "..."}                 text as the model produces it
//   event: tool   data: {"name","ok","status","latency_ms"}  each tool call when it ends
//   event: done   data: <the family's full response body>
//   event: error  data: {"code","message","requestId"}  a failure after streaming began
// Refusals (unknown agent, locked key, identity required, budget spent) are thrown as
// StatusError before anything streams, so they get the family's normal error response.
#pragma once

#include "api/route_table.h"
#include "api/services.h"
#include "pipeline/message.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <functional>

namespace brainstem::api {

using RenderResult = std::function<http::Response(const pipeline::MessageResult&)>;
using RenderDone = std::function<boost::json::value(const pipeline::MessageResult&)>;

// Fills the caller's part of a message request: tenant, key, its scopes, agent lock and identity mode.
void fill_caller(pipeline::MessageRequest& request, const RequestContext& ctx);
// The caller as MCP tool calls see it (their scope check, policy, metering and audit).
mcp::ToolCaller tool_caller_of(const RequestContext& ctx);

boost::asio::awaitable<http::Response> answer_message(Services& services, pipeline::MessageRequest request,
                                                      const RenderResult& render);
boost::asio::awaitable<http::Response> stream_message(Services& services, pipeline::MessageRequest request,
                                                      RenderDone render_done);

}  // namespace brainstem::api
