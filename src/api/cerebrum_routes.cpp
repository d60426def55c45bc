// Cerebrum (seed 001): health and system statistics. /health is claimed by Cortex (004) too:
// its answer carries both shapes' fields (Cortex's status "ok" and version; Cerebrum's
// timestamp, uptime and vps_available). vps_available is true when the inference backend is
// reachable, which an embedded backend always is.
#include "api/handler_util.h"
#include "api/routes.h"
#include "ops/metrics.h"

#include <cstdlib>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

void add_cerebrum_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/health", .family = Family::kCerebrum, .auth = Auth::kNone,
         .summary = "Liveness: 200 while the process serves",
         .response_schema = R"({"type":"object","properties":{"status":{"type":"string"},"version":{"type":"string"},"timestamp":{"type":"string"},"uptime":{"type":"number"},"vps_available":{"type":"boolean"}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           co_return http::Response::json(200, json::object{{"status", "ok"},
                                                            {"version", svc.options.version},
                                                            {"timestamp", iso8601_micros(now_us())},
                                                            {"uptime", double(now_ms() - svc.options.started_at_ms) / 1000.0},
                                                            {"vps_available", true}});
         }});

  t.add({.method = "GET", .path = "/v1/stats", .family = Family::kCerebrum, .auth = Auth::kNone,
         .summary = "System statistics: uptime, requests, memory, load",
         .response_schema = R"({"type":"object","properties":{"uptime":{"type":"number"},"requests_total":{"type":"integer"},"requests_active":{"type":"integer"},"vps_available":{"type":"boolean"},"vps_response_time_ms":{"type":["number","null"]},"memory_mb":{"type":"number"},"load_avg":{"type":"array","items":{"type":"number"}}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           double load[3] = {0, 0, 0};
           if (getloadavg(load, 3) != 3) load[0] = load[1] = load[2] = 0;
           co_return http::Response::json(
               200, json::object{{"uptime", double(now_ms() - svc.options.started_at_ms) / 1000.0},
                                 {"requests_total", svc.metrics.requests_total()},
                                 {"requests_active", svc.metrics.requests_active()},
                                 {"vps_available", true},
                                 {"vps_response_time_ms", nullptr},
                                 {"memory_mb", double(ops::resident_memory_bytes()) / (1024.0 * 1024.0)},
                                 {"load_avg", json::array{load[0], load[1], load[2]}}});
         }});
}

}  // namespace brainstem::api
