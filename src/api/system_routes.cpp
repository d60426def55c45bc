// brainstem's own routes: the OpenAPI document and the Prometheus scrape path.
#include "api/handler_util.h"
#include "api/routes.h"

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

void add_system_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/metrics", .family = Family::kSystem, .auth = Auth::kNone, .backend = true,
         .summary = "Prometheus text format metrics (same as /v1/metrics)",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           co_return http::Response::text(200, svc.metrics.prometheus_text(), "text/plain; version=0.0.4; charset=utf-8");
         }});

  t.add({.method = "GET", .path = "/openapi.json", .family = Family::kSystem, .auth = Auth::kNone,
         .summary = "OpenAPI 3.1 description of every route, generated from the route table",
         .handler = [&svc, &t](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           co_return http::Response::json(200, t.openapi(svc.options.version));
         }});
}

void add_all_routes(RouteTable& t, Services& svc) {
  add_cerebral_routes(t, svc);
  add_cerebral_agent_routes(t, svc);
  add_agent_routes(t, svc);
  add_cerebrum_routes(t, svc);
  add_cendriix_routes(t, svc);
  add_conversation_routes(t, svc);
  add_orchestration_routes(t, svc);
  add_mcp_routes(t, svc);
  add_mcp_server_routes(t, svc);
  add_a2a_routes(t, svc);
  add_cortex_routes(t, svc);
  add_cortex_chat_routes(t, svc);
  add_knowledge_routes(t, svc);
  add_cellstate_routes(t, svc);
  add_cellstate_account_routes(t, svc);
  add_openai_routes(t, svc);
  add_anthropic_routes(t, svc);
  add_system_routes(t, svc);
}

}  // namespace brainstem::api
