// CerebralOS (seed 000): accounts, API keys and rate limits, in the {success,data} envelope.
// /v1/auth/login, /v1/auth/me and /v1/api-keys are also Cendriix (seed 002) routes: their
// answers carry the Cerebral envelope and repeat the Cendriix fields at the top level.
#include "api/handler_util.h"
#include "api/routes.h"
#include "auth/api_key_format.h"

#include <spdlog/spdlog.h>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string key_status(const store::ApiKey& k) {
  if (k.revoked_at) return "revoked";
  if (k.expires_at && *k.expires_at <= now_ms()) return "expired";
  return "active";
}

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

json::object key_view(const store::ApiKey& k) {
  return {{"id", k.id},
          {"key", auth::mask_api_key(k.prefix)},
          {"prefix", k.prefix},
          {"name", k.name},
          {"status", key_status(k)},
          {"scopes", strings(k.scopes)},
          {"cerebral_id", k.agent_id.empty() ? json::value(nullptr) : json::value(k.agent_id)},
          {"identity_mode", k.identity_mode},
          {"allowed_origins", strings(k.allowed_origins)},
          {"expiresAt", iso_or_null(k.expires_at)},
          {"lastUsedAt", iso_or_null(k.last_used_at)},
          {"createdAt", iso8601(k.created_at)}};
}

// "https://app.example.com" or "http://localhost:3000": scheme, host, optional port, no path.
bool valid_origin(std::string_view o) {
  size_t sep = o.find("://");
  if (sep == std::string_view::npos) return false;
  auto scheme = o.substr(0, sep);
  auto rest = o.substr(sep + 3);
  return (scheme == "https" || scheme == "http") && !rest.empty() && rest.find('/') == std::string_view::npos &&
         rest.find('@') == std::string_view::npos && rest.find(' ') == std::string_view::npos;
}

void require_rank(const RequestContext& ctx, const std::string& role, const char* what) {
  if (ctx.caller().rank() < auth::role_rank(role)) {
    throw StatusError(Status::forbidden(std::string("your role does not allow ") + what));
  }
}

void add_auth_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/auth/signup", .family = Family::kCerebral, .auth = Auth::kNone,
         .summary = "Register a new tenant account (a user and their own workspace)",
         .event = "user.signed_up",
         .request_schema = R"({"type":"object","required":["email","password"],"properties":{"email":{"type":"string","format":"email"},"password":{"type":"string","minLength":8},"name":{"type":"string"}}})",
         .response_schema = R"({"type":"object","properties":{"success":{"type":"boolean"},"data":{"type":"object","properties":{"userId":{"type":"string"},"tenantId":{"type":"string"},"message":{"type":"string"}}}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto email = f.required_string("email", 3, 254);
           auto password = f.required_string("password", 8, 1024);
           auto name = f.string("name", 0, 200).value_or("");
           check(f);
           auto r = unwrap(co_await svc.accounts.signup(email, password, name));
           ctx.audit_tenant = r.tenant.id;
           ctx.audit_actor = r.user.id;
           ctx.audit["userId"] = r.user.id;
           std::string message = "Account created";
           if (!r.verification_link.empty()) {
             // No mail transport is built in: the operator relays the link.
             spdlog::info("{} verification link for {}: {}", ctx.request_id, r.user.email, r.verification_link);
             message = "Verification email sent";
           }
           co_return cerebral_ok(json::object{{"userId", r.user.id}, {"tenantId", r.tenant.id}, {"message", message}}, 201);
         }});

  t.add({.method = "GET", .path = "/v1/auth/verify", .family = Family::kCerebral, .auth = Auth::kNone,
         .summary = "Open an email verification link (?token=...)",
         .handler = [&svc](http::Request& req, RequestContext&) -> asio::awaitable<http::Response> {
           auto token = req.query_param("token").value_or("");
           auto user = unwrap(co_await svc.accounts.verify_email(token));
           co_return cerebral_ok(json::object{{"userId", user.id}, {"email", user.email}, {"verified", true}});
         }});

  t.add({.method = "POST", .path = "/v1/auth/login", .family = Family::kCerebral, .auth = Auth::kNone,
         .summary = "Log in with email and password; returns a JWT for the management API",
         .request_schema = R"({"type":"object","required":["email","password"],"properties":{"email":{"type":"string"},"password":{"type":"string"}}})",
         .response_schema = R"({"type":"object","properties":{"success":{"type":"boolean"},"data":{"type":"object","properties":{"token":{"type":"string"},"user":{"type":"object"}}},"token":{"type":"string"},"user":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext&) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           if (body.contains("provider") && !body.contains("password")) {
             throw StatusError(Status::invalid("OAuth login needs an identity provider, and none is configured; "
                                               "log in with email and password"));
           }
           auto email = f.required_string("email", 1, 254);
           auto password = f.required_string("password", 1, 1024);
           check(f);
           auto s = unwrap(co_await svc.accounts.login(email, password));
           json::object user{{"id", s.user.id},          {"email", s.user.email},
                             {"tenantId", s.tenant.id},  {"displayName", s.user.name},
                             {"role", s.role}};
           json::object data{{"token", s.token}, {"user", user}};
           co_return http::Response::json(200, json::object{{"success", true}, {"data", data}, {"token", s.token}, {"user", user}});
         }});

  t.add({.method = "GET", .path = "/v1/auth/me", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "The authenticated user's profile and workspaces",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto uid = ctx.caller().user_id;
           auto user = unwrap(co_await svc.accounts.user(uid));
           auto spaces = unwrap(co_await svc.accounts.workspaces(uid));
           json::array ws;
           for (const auto& [tenant, role] : spaces) {
             ws.push_back(json::object{{"id", tenant.id}, {"name", tenant.name}, {"slug", tenant.slug},
                                       {"plan", tenant.plan}, {"role", role}});
           }
           json::object me{{"id", user.id},
                           {"email", user.email},
                           {"displayName", user.name},
                           {"avatarUrl", nullptr},
                           {"emailVerified", user.email_verified},
                           {"tenantId", ctx.caller().tenant_id},
                           {"role", ctx.caller().role},
                           {"workspaces", std::move(ws)}};
           json::object out = me;
           out["success"] = true;
           out["data"] = std::move(me);
           co_return http::Response::json(200, out);
         }});
}

void add_key_and_limit_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/api-keys", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "Create an API key (sk_live_...); the full key is returned once",
         .event = "api_key.created",
         .request_schema = R"({"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1,"maxLength":100},"cerebral_id":{"type":"string"},"identity_mode":{"enum":["anonymous","identified","required"]},"allowed_origins":{"type":"array","items":{"type":"string"}},"scopes":{"type":"array","items":{"type":"string"}},"expiresAt":{"type":"string","format":"date-time"},"expires_in_days":{"type":"integer","minimum":1,"maximum":365}}})",
         .response_schema = R"({"type":"object","properties":{"success":{"type":"boolean"},"data":{"type":"object","properties":{"id":{"type":"string"},"key":{"type":"string"},"name":{"type":"string"},"status":{"type":"string"},"createdAt":{"type":"string"}}},"apiKey":{"type":"object"},"rawKey":{"type":"string"}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           require_rank(ctx, "member", "creating API keys");
           auto body = json_body(req);
           FieldReader f(body);
           auth::KeyRequest kr;
           kr.tenant_id = ctx.caller().tenant_id;
           kr.created_by = ctx.caller().user_id;
           kr.name = f.required_string("name", 1, 100);
           kr.agent_id = f.string("cerebral_id", 1, 200).value_or("");
           kr.identity_mode = f.one_of("identity_mode", {"anonymous", "identified", "required"}).value_or("identified");
           kr.allowed_origins = f.string_array("allowed_origins", 100).value_or(std::vector<std::string>{});
           kr.scopes = f.string_array("scopes", 100).value_or(std::vector<std::string>{"*"});
           if (auto at = f.string("expiresAt")) {
             auto ms = parse_iso8601_ms(*at);
             if (!ms) f.fail("expiresAt", "expiresAt must be an ISO-8601 date-time");
             else if (*ms <= now_ms()) f.fail("expiresAt", "expiresAt must be in the future");
             else kr.expires_at = *ms;
           }
           if (auto days = f.integer("expires_in_days", 1, 365)) kr.expires_at = now_ms() + *days * 86400000LL;
           for (const auto& o : kr.allowed_origins) {
             if (!valid_origin(o)) f.fail("allowed_origins", "'" + o + "' is not an origin like https://app.example.com");
           }
           check(f);
           auto created = unwrap(co_await svc.accounts.create_key(kr));
           ctx.audit["keyId"] = created.record.id;
           json::object view = key_view(created.record);
           json::object data = view;
           data["key"] = created.raw;
           co_return http::Response::json(201, json::object{{"success", true}, {"data", std::move(data)},
                                                            {"apiKey", std::move(view)}, {"rawKey", created.raw}});
         }});

  t.add({.method = "GET", .path = "/v1/api-keys", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "List the tenant's API keys, masked",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto keys = unwrap(co_await svc.accounts.list_keys(tenant));
           json::array list;
           for (const auto& k : keys) list.push_back(key_view(k));
           co_return http::Response::json(200, json::object{{"success", true}, {"data", list}, {"apiKeys", list}});
         }});

  t.add({.method = "DELETE", .path = "/v1/api-keys/:id", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "Revoke an API key; requests using it fail from now on",
         .event = "api_key.revoked",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           require_rank(ctx, "member", "revoking API keys");
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           check(co_await svc.accounts.revoke_key(tenant, id));
           ctx.audit["keyId"] = id;
           co_return cerebral_ok(json::object{{"deleted", true}});
         }});

  t.add({.method = "GET", .path = "/v1/rate-limits", .family = Family::kCerebral, .auth = Auth::kAny,
         .summary = "The tenant's rate limits and current usage",
         .response_schema = R"({"type":"object","properties":{"success":{"type":"boolean"},"data":{"type":"object","properties":{"tenant":{"type":"object"},"current":{"type":"object"},"health":{"type":"object"}}}}})",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           const auto& p = ctx.caller();
           const auto& limits = svc.limits_for(p.tenant_id, p.tenant_slug);
           auto used = co_await svc.rate_limiter.usage("t:" + p.tenant_id, now_ms());
           ops::BudgetState budget = co_await svc.budgets.state(p.tenant_id);
           // The worst circuit among the models: open beats half_open beats closed.
           auto circuit = models::CircuitState::kClosed;
           for (const auto& c : svc.router.circuits()) {
             if (c.state == models::CircuitState::kOpen) circuit = c.state;
             else if (c.state == models::CircuitState::kHalfOpen && circuit == models::CircuitState::kClosed) circuit = c.state;
           }
           co_return cerebral_ok(json::object{
               {"tenant", json::object{{"requests_per_minute", limits.per_minute},
                                       {"requests_per_hour", limits.per_hour},
                                       {"requests_per_day", limits.per_day}}},
               {"current", json::object{{"minute", used.minute}, {"hour", used.hour}, {"day", used.day}}},
               {"health", json::object{{"budget_state", ops::budget_state_name(budget)},
                                       {"circuit_state", models::circuit_name(circuit)},
                                       {"budget_daily_usd", svc.budgets.daily_limit()},
                                       {"spent_today_usd", svc.budgets.spent_today(p.tenant_id)}}}});
         }});
}

}  // namespace

void add_cerebral_routes(RouteTable& t, Services& svc) {
  add_auth_routes(t, svc);
  add_key_and_limit_routes(t, svc);
}

}  // namespace brainstem::api
