#include "api/gateway.h"

#include "api/errors.h"
#include "auth/a2a_token.h"
#include "auth/api_key_format.h"
#include "auth/jwt.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

const ops::RateLimits& Services::limits_for(const std::string& tenant_id, const std::string& slug) const {
  if (!options.tenant_limits.empty()) {
    if (auto it = options.tenant_limits.find(tenant_id); it != options.tenant_limits.end()) return it->second;
    if (auto it = options.tenant_limits.find(slug); !slug.empty() && it != options.tenant_limits.end()) {
      return it->second;
    }
  }
  return options.default_limits;
}

std::string request_id_for(const http::Request& request) {
  auto given = request.header("X-Request-ID");
  bool sane = !given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
  });
  return sane ? std::string(given) : random_id("req_", 20);
}

namespace {

bool is_mutating(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// The credential of a request: X-API-Key, or the token of "Authorization: Bearer".
std::string_view credential_of(const http::Request& req) {
  if (auto key = req.header("X-API-Key"); !key.empty()) return key;
  auto authz = req.header("Authorization");
  if (authz.size() > 7 && http::iequals(authz.substr(0, 7), "Bearer ")) {
    auto token = authz.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    return token;
  }
  return {};
}

// The request target with the value of a `key` query parameter replaced by "***", so an API
// key sent in the URL never reaches the access log.
std::string mask_key_param(std::string_view target) {
  std::string out(target);
  const size_t query = out.find('?');
  if (query == std::string::npos) return out;
  for (size_t at = query + 1; at < out.size();) {
    size_t end = out.find('&', at);
    if (end == std::string::npos) end = out.size();
    if (out.compare(at, 4, "key=") == 0) {
      out.replace(at + 4, end - at - 4, "***");
      end = at + 7;
    }
    at = end + 1;
  }
  return out;
}

// Who an orchestrator calling this backend with the shared key is: the same for every call.
const std::shared_ptr<const auth::Principal>& orchestrator_principal() {
  static const std::shared_ptr<const auth::Principal> principal = [] {
    auto p = std::make_shared<auth::Principal>();
    p->kind = auth::Principal::Kind::kApiKey;
    p->key_id = "orchestrator";
    p->scopes = {"*"};
    p->orchestrator = true;
    return p;
  }();
  return principal;
}

void add_rate_headers(http::Response& res, const ops::RateDecision& d) {
  if (d.limit == 0) return;
  res.set_header("X-RateLimit-Limit", std::to_string(d.limit));
  res.set_header("X-RateLimit-Remaining", std::to_string(d.remaining));
  res.set_header("X-RateLimit-Reset", std::to_string(d.reset_unix_s));
}

// "http://localhost:8080" -> "localhost:8080"; "" for anything else.
std::string_view origin_host(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"})
    if (origin.starts_with(scheme)) return origin.substr(scheme.size());
  return {};
}

// A Host (or origin host) naming this machine's loopback: localhost, 127.0.0.1 or [::1],
// with or without a port.
bool loopback_host(std::string_view host) {
  if (host.starts_with("[::1]")) return host.size() == 5 || host[5] == ':';
  std::string_view name = host.substr(0, host.find(':'));
  return name == "localhost" || name == "127.0.0.1";
}

}  // namespace

asio::awaitable<Status> Gateway::authenticate(const http::Request& req, RequestContext& ctx) {
  const Auth policy = ctx.route->auth;
  if (policy == Auth::kNone) co_return Status::ok();
  std::string_view credential = credential_of(req);
  std::string query_key;
  if (credential.empty() && ctx.route->key_in_query) {
    query_key = req.query_param("key").value_or("");
    credential = query_key;
  }
  if (credential.empty()) {
    co_return Status::unauthenticated(policy == Auth::kUser ? "JWT required: log in and send Authorization: Bearer <token>"
                                                            : "missing credentials: send X-API-Key or Authorization: Bearer");
  }
  const int64_t now = now_ms();
  if (auth::looks_like_a2a_token(credential)) {
    if (!ctx.route->a2a_token) co_return Status::unauthenticated("an A2A token opens only the A2A endpoints");
    auto p = services_.authenticator.authenticate_a2a_token(credential, now);
    if (!p) co_return p.status();
    ctx.principal = std::make_shared<const auth::Principal>(std::move(p.value()));
    co_return Status::ok();
  }
  bool is_jwt = auth::looks_like_jwt(credential) && req.header("X-API-Key").empty();
  if (is_jwt) {
    if (policy == Auth::kKey) co_return Status::unauthenticated("an API key is required here; JWTs are for the management API");
    auto p = services_.authenticator.authenticate_jwt(credential, now);
    if (!p) co_return p.status();
    ctx.principal = std::make_shared<const auth::Principal>(std::move(p.value()));
    co_return Status::ok();
  }
  if (policy == Auth::kUser) co_return Status::unauthenticated("JWT required: use platform login, not an API key");
  if (ctx.route->backend && !services_.options.backend_key.empty() &&
      crypto::constant_time_equal(credential, services_.options.backend_key)) {
    ctx.principal = orchestrator_principal();
    co_return Status::ok();
  }
  // A cache miss asks the store. (No co_await inside ?: — GCC 12 miscompiles temporaries
  // there.)
  std::optional<Result<auth::Authenticator::SharedPrincipal>> found = services_.authenticator.cached_key(credential, now);
  if (!found) {
    std::string key(credential);
    found.emplace(co_await services_.authenticator.authenticate_key(key, now));
  }
  if (!found->ok()) co_return found->status();
  auth::Authenticator::SharedPrincipal& p = found->value();
  // CORS: a key with allowed origins may be used from those browser origins only; a key
  // without any is for servers, so a browser (which always sends Origin) is refused.
  if (auto origin = req.header("Origin"); !origin.empty()) {
    const auto& allowed = p->allowed_origins;
    const bool local = ctx.route->local_browsers && loopback_host(origin_host(origin)) && loopback_host(req.header("Host"));
    if (!local && std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
      co_return Status::forbidden("origin " + std::string(origin) + " is not allowed for this API key");
    }
  }
  services_.authenticator.record_use(p->key_id, now);
  ctx.principal = std::move(p);
  co_return Status::ok();
}

asio::awaitable<http::Response> Gateway::route(http::Request& req, RequestContext& ctx, ops::RateDecision& rate) {
  if (req.transport_error) {  // answered in the family of the route it was meant for, when that is known
    auto match = req.target.empty() ? http::Router<size_t>::Match{} : routes_.find(req.method, req.raw_path());
    ctx.family = match.entry ? routes_.at(*match.entry).family : family_for_unrouted_path(req.path);
    co_return render_error(ctx.family, *req.transport_error, ctx.request_id);
  }
  // CORS preflight carries no credentials; the real request is checked against its key.
  if (req.method == "OPTIONS" && !req.header("Origin").empty() &&
      !req.header("Access-Control-Request-Method").empty()) {
    auto res = http::Response::empty(204);
    res.set_header("Access-Control-Allow-Origin", std::string(req.header("Origin")));
    res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, X-API-Key, Content-Type, X-Request-ID");
    res.set_header("Access-Control-Max-Age", "600");
    res.set_header("Vary", "Origin");
    co_return res;
  }

  auto match = routes_.find(req.method, req.raw_path());
  if (!match.entry) {
    ctx.family = family_for_unrouted_path(req.path);
    if (match.path_matched) {
      std::string allow;
      for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
      auto res = render_error(ctx.family, Status(StatusCode::kMethodNotAllowed, req.method + " is not allowed on " + req.path),
                              ctx.request_id);
      res.set_header("Allow", allow);
      co_return res;
    }
    co_return render_error(ctx.family, Status::not_found("no route for " + req.method + " " + req.path), ctx.request_id);
  }
  const Route& route = routes_.at(*match.entry);
  ctx.route = &route;
  ctx.family = route.family;
  req.path_params = std::move(match.params);

  const int64_t now = now_ms();
  if (auto s = co_await authenticate(req, ctx); !s.is_ok()) {
    // Failed attempts count against the client address, so guessing keys is rate-limited too.
    rate = co_await services_.rate_limiter.hit("ip:" + req.remote_address, services_.options.default_limits, now);
    if (!rate.allowed) s = Status::rate_limited("too many failed attempts; retry after " + std::to_string(rate.retry_after_s) + " s", rate.retry_after_s);
    co_return render_error(ctx.family, s, ctx.request_id);
  }

  // Rate limits: per tenant when the caller is known, per client address otherwise; an
  // orchestrator's calls were limited where its own callers came in.
  if (ctx.principal && ctx.principal->orchestrator) {
    rate = ops::RateDecision{};
  } else if (ctx.principal) {
    const auto& limits = services_.limits_for(ctx.principal->tenant_id, ctx.principal->tenant_slug);
    rate = co_await services_.rate_limiter.hit("t:" + ctx.principal->tenant_id, limits, now);
  } else {
    rate = co_await services_.rate_limiter.hit("ip:" + req.remote_address, services_.options.default_limits, now);
  }
  if (!rate.allowed) {
    co_return render_error(ctx.family, Status::rate_limited("rate limit exceeded; retry after " +
                                                                std::to_string(rate.retry_after_s) + " s",
                                                            rate.retry_after_s),
                           ctx.request_id);
  }

  GenerationGate::Slot slot;
  if (route.generates) {
    auto admitted = co_await admit_generation(ctx);
    if (!admitted) co_return render_error(ctx.family, admitted.status(), ctx.request_id);
    slot = std::move(admitted).value();
  }

  http::Response res;
  try {
    res = co_await route.handler(req, ctx);
  } catch (const StatusError& e) {
    if (e.status.code() == StatusCode::kInternal) spdlog::error("{} {} {}: {}", ctx.request_id, req.method, req.path, e.what());
    co_return render_error(ctx.family, e.status, ctx.request_id);
  } catch (const std::exception& e) {
    spdlog::error("{} {} {}: unhandled: {}", ctx.request_id, req.method, req.path, e.what());
    co_return render_error(ctx.family, Status::internal("internal error"), ctx.request_id);
  }

  // Calls that change configuration or access are audited (their routes name an event);
  // inference calls are metered instead, and stay off the store's write path.
  if (!route.event.empty() && is_mutating(req.method) && res.status < 400) co_await audit(req, ctx, route.event, res.status);
  if (slot) res.hold = std::move(slot);  // a generation holds its slot until its reply is sent
  if (ctx.principal && ctx.principal->is_key()) {
    if (auto origin = req.header("Origin"); !origin.empty()) {
      res.set_header("Access-Control-Allow-Origin", std::string(origin));
      res.set_header("Vary", "Origin");
    }
  }
  co_return res;
}

asio::awaitable<Result<GenerationGate::Slot>> Gateway::admit_generation(RequestContext& ctx) {
  // A tenant's own call is held to its budget; an orchestrator's was where its tenant came in.
  if (ctx.principal && !ctx.principal->orchestrator && services_.budgets.enabled()) {
    ctx.budget = co_await services_.budgets.state(ctx.principal->tenant_id);
    if (ctx.budget == ops::BudgetState::kBlock) {
      co_return Status(StatusCode::kPaymentRequired, "daily LLM cost budget exhausted; it resets at midnight UTC");
    }
  }
  co_return services_.gate.acquire();
}

asio::awaitable<void> Gateway::audit(const http::Request& req, RequestContext& ctx, const std::string& event, int status) {
  std::string tenant = !ctx.audit_tenant.empty() ? ctx.audit_tenant : ctx.principal ? ctx.principal->tenant_id : "";
  std::string actor = !ctx.audit_actor.empty() ? ctx.audit_actor : ctx.principal ? ctx.principal->actor() : "anonymous";
  if (tenant.empty()) co_return;
  json::object payload = std::move(ctx.audit);
  payload["method"] = req.method;
  payload["path"] = req.path;
  payload["status"] = status;
  payload["requestId"] = ctx.request_id;
  auto appended = co_await services_.audit.append(tenant, actor, event, payload);
  if (!appended) spdlog::error("{} audit append failed: {}", ctx.request_id, appended.status().message());
}

asio::awaitable<http::Response> Gateway::handle(http::Request& req) {
  const int64_t started = now_us();
  services_.metrics.request_started();
  RequestContext ctx;
  ctx.request_id = request_id_for(req);
  ops::RateDecision rate;
  http::Response res;
  try {
    res = co_await route(req, ctx, rate);
  } catch (const StatusError& e) {
    res = render_error(ctx.family, e.status, ctx.request_id);
  }
  res.set_header("X-Request-ID", ctx.request_id);
  add_rate_headers(res, rate);
  if (ctx.principal) {
    ops::BudgetState budget = co_await services_.budgets.state(ctx.principal->tenant_id);
    res.set_header("X-Budget-State", ops::budget_state_name(budget));
  }

  const double seconds = double(now_us() - started) / 1e6;
  services_.metrics.request_finished();
  services_.metrics.observe_request(family_name(ctx.family), res.status, seconds);
  if (access_log_) {
    fmt::memory_buffer line;
    fmt::format_to(std::back_inserter(line), "{} {} {} {} {:.3f}ms family={} tenant={}", ctx.request_id, req.method,
                   mask_key_param(req.target), res.status, seconds * 1000, family_name(ctx.family),
                   ctx.principal ? std::string_view(ctx.principal->tenant_id) : std::string_view("-"));
    access_log_->write(std::string_view(line.data(), line.size()));
  }
  co_return res;
}

}  // namespace brainstem::api
