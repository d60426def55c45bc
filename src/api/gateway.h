// The gateway: every request passes through one chain of small steps before and after its
// route handler — request id, routing, CORS, authentication, rate limiting, the handler inside
// an exception fence, the audit entry of a mutating call, response headers, metrics and the
// access log. A step that answers (401, 429, ...) ends the chain, like an Envoy filter's local reply.
#pragma once

#include "api/route_table.h"
#include "api/services.h"
#include "http/message.h"
#include "ops/access_log.h"

#include <boost/asio/awaitable.hpp>

namespace brainstem::api {

class Gateway {
 public:
  // `access_log`, when given, gets one line per request.
  Gateway(Services& services, const RouteTable& routes, ops::AccessLog* access_log = nullptr)
      : services_(services), routes_(routes), access_log_(access_log) {}

  boost::asio::awaitable<http::Response> handle(http::Request& request);

 private:
  boost::asio::awaitable<http::Response> route(http::Request& request, RequestContext& ctx, ops::RateDecision& rate);
  boost::asio::awaitable<Status> authenticate(const http::Request& request, RequestContext& ctx);
  // For a route that generates: the tenant's budget (402 when spent), then a generation slot.
  boost::asio::awaitable<Result<GenerationGate::Slot>> admit_generation(RequestContext& ctx);
  // Appends the audit entry of a mutating call whose route names an event.
  boost::asio::awaitable<void> audit(const http::Request& request, RequestContext& ctx, const std::string& event,
                                     int status);

  Services& services_;
  const RouteTable& routes_;
  ops::AccessLog* access_log_;
};

// The request id to use: the client's X-Request-ID when it is sane, else a new one.
std::string request_id_for(const http::Request& request);

}  // namespace brainstem::api
