// The table of every route the server serves: method, path, family, who may call it, what it
// does, its JSON schemas and its handler. The router, the OpenAPI document and the coverage
// report are all generated from this one table, so they cannot drift apart.
#pragma once

#include "api/family.h"
#include "auth/principal.h"
#include "http/message.h"
#include "http/router.h"
#include "ops/budget_state.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::api {

enum class Auth {
  kNone,  // public
  kUser,  // a user's JWT (management API)
  kKey,   // an API key (invocation API); a JWT is refused
  kAny,   // either
};

struct Route;

// Per-request state the gateway fills and handlers read or add to.
struct RequestContext {
  std::string request_id;
  Family family = Family::kSystem;
  const Route* route = nullptr;
  std::shared_ptr<const auth::Principal> principal;  // shared with the key cache
  // What a successful mutating call records in the audit log besides method, path and status.
  boost::json::object audit;
  std::string audit_tenant;  // set when the call acts on a tenant other than the caller's (signup)
  std::string audit_actor;
  // The tenant's cost budget as the gateway found it before a generating route ran.
  ops::BudgetState budget = ops::BudgetState::kOk;

  // REQUIRES: the route's auth is not kNone.
  const auth::Principal& caller() const { return *principal; }
};

using RouteHandler = std::function<boost::asio::awaitable<http::Response>(http::Request&, RequestContext&)>;

struct Route {
  std::string method;
  std::string path;  // ":name" or "{name}" parameters
  Family family = Family::kSystem;
  Auth auth = Auth::kNone;
  // Also served by a server in the backend role (seed 001's inference tier), where the
  // orchestrators' shared key authenticates kKey routes.
  bool backend = false;
  // Calls a model. The gateway applies the generation policies to every such route, once per
  // request: a tenant whose daily budget is spent gets 402, and the call holds a generation
  // slot (429 past max_concurrent, 503 when resources are short) until its reply, streamed
  // or not, is done.
  bool generates = false;
  // The API key may also come as the query parameter `key` (for hosts that cannot send a
  // header); the access log masks it.
  bool key_in_query = false;
  // A browser page served from this machine may call it with any key: Origin and Host both
  // name a loopback host (localhost, 127.0.0.1, [::1]). Any other Origin must be one the key
  // allows, as everywhere; a rebound DNS name is neither, so DNS rebinding stays refused.
  bool local_browsers = false;
  // An A2A token (auth/a2a_token.h) is accepted beside API keys; every other route refuses one.
  bool a2a_token = false;
  std::string summary;
  std::string event;            // audit event type ("api_key.created"); empty: the route is not audited
  std::string request_schema;   // JSON Schema (text) of the body, or empty
  std::string response_schema;  // JSON Schema (text) of the success body, or empty
  int success_status = 200;
  RouteHandler handler;
};

class RouteTable {
 public:
  // A backend-only table (server.role = backend) keeps just the routes marked `backend`.
  explicit RouteTable(bool backend_only = false) : backend_only_(backend_only) {}

  // Throws std::invalid_argument on a duplicate route or a schema that is not JSON, so a bad
  // table fails at start-up (and in the route table test), never per request.
  void add(Route route);
  http::Router<size_t>::Match find(std::string_view method, std::string_view path) const {
    return router_.find(method, path);
  }
  const Route& at(size_t index) const { return routes_[index]; }
  const std::vector<Route>& routes() const { return routes_; }

  // OpenAPI 3.1 document of every route.
  boost::json::object openapi(const std::string& version) const;

 private:
  bool backend_only_ = false;
  std::vector<Route> routes_;
  http::Router<size_t> router_;
};

// "/v1/api-keys/:id" → "/v1/api-keys/{id}"
std::string openapi_path(std::string_view path);

}  // namespace brainstem::api
