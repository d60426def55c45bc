// Seed 002's MCP gateway: the workspace's connectors (MCP servers it registered, credentials
// sealed at rest and never returned), the tools they offer, and tool calls made directly.
#include "api/agent_message.h"
#include "api/handler_util.h"
#include "api/routes.h"

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

asio::awaitable<http::Response> list_connectors(Services& svc, RequestContext& ctx) {
  auto connectors = unwrap(co_await svc.connectors.list(ctx.caller().tenant_id));
  json::array list;
  for (auto& c : connectors) list.push_back(std::move(c));
  co_return http::Response::json(200, json::object{{"connectors", std::move(list)}});
}

asio::awaitable<http::Response> create_connector(Services& svc, http::Request& req, RequestContext& ctx) {
  auto body = json_body(req);
  FieldReader f(body);
  mcp::ConnectorDraft draft;
  draft.name = f.required_string("name", 1, 200);
  draft.protocol = f.one_of("protocol", {"mcp", "a2a"}).value_or("mcp");
  draft.endpoint_url = f.required_string("endpointUrl", 1, 2000);
  draft.auth_type = f.one_of("authType", {"none", "api_key", "oauth"}).value_or("none");
  if (const auto* credentials = f.object("credentials")) draft.credentials = *credentials;
  check(f);
  auto created = unwrap(co_await svc.connectors.create(ctx.caller().tenant_id, std::move(draft)));
  ctx.audit["connectorId"] = created.at("id");
  co_return http::Response::json(201, std::move(created));
}

asio::awaitable<http::Response> delete_connector(Services& svc, http::Request& req, RequestContext& ctx) {
  std::string id(req.param("id"));
  check(co_await svc.connectors.remove(ctx.caller().tenant_id, id));
  ctx.audit["connectorId"] = id;
  co_return http::Response::empty(204);
}

asio::awaitable<http::Response> list_tools(Services& svc, http::Request& req, RequestContext& ctx) {
  const std::string connector = req.query_param("connectorId").value_or("");
  const bool refresh = req.query_param("refresh").value_or("") == "true";
  const mcp::ToolCaller caller = tool_caller_of(ctx);
  auto tools = unwrap(co_await svc.connectors.tools(caller.tenant_id, connector, refresh, caller.scopes));
  co_return http::Response::json(200, json::object{{"tools", std::move(tools)}});
}

asio::awaitable<http::Response> execute_tool(Services& svc, http::Request& req, RequestContext& ctx) {
  auto body = json_body(req);
  FieldReader f(body);
  std::string connector = f.required_string("connectorId", 1, 200);
  std::string tool = f.required_string("toolName", 1, 200);
  json::object input;
  if (const auto* given = f.object("input")) input = *given;
  check(f);
  ctx.audit["connectorId"] = connector;
  ctx.audit["toolName"] = tool;
  const mcp::ToolCaller caller = tool_caller_of(ctx);
  co_return http::Response::json(200, unwrap(co_await svc.connectors.execute(caller, connector, tool, input)));
}

}  // namespace

void add_mcp_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/v1/connectors", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The workspace's MCP connectors, newest first (credentials are never returned)",
         .handler = [&svc](http::Request&, RequestContext& ctx) { return list_connectors(svc, ctx); }});
  t.add({.method = "POST", .path = "/v1/connectors", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Register an MCP server (streamable HTTP), or with protocol a2a another A2A agent (its card's URL) "
                    "whose skills become tools; credentials are sealed at rest",
         .event = "connector.created",
         .request_schema = R"({"type":"object","required":["name","endpointUrl"],"properties":{"name":{"type":"string","minLength":1,"maxLength":200},"protocol":{"enum":["mcp","a2a"]},"endpointUrl":{"type":"string","format":"uri"},"authType":{"enum":["none","api_key","oauth"]},"credentials":{"type":"object","properties":{"apiKey":{"type":"string"},"headerName":{"type":"string"},"accessToken":{"type":"string"}}}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) { return create_connector(svc, req, ctx); }});
  t.add({.method = "DELETE", .path = "/v1/connectors/:id", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Delete a connector and close its session", .event = "connector.deleted", .success_status = 204,
         .handler = [&svc](http::Request& req, RequestContext& ctx) { return delete_connector(svc, req, ctx); }});
  t.add({.method = "GET", .path = "/v1/mcp/tools", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Tools of every connector (or ?connectorId=), cached per connector; ?refresh=true lists them again",
         .handler = [&svc](http::Request& req, RequestContext& ctx) { return list_tools(svc, req, ctx); }});
  t.add({.method = "POST", .path = "/v1/mcp/execute", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Call a connector's tool: {output, isError, latencyMs}",
         .request_schema = R"({"type":"object","required":["connectorId","toolName"],"properties":{"connectorId":{"type":"string"},"toolName":{"type":"string"},"input":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) { return execute_tool(svc, req, ctx); }});
}

}  // namespace brainstem::api
