// Cortex (seed 004): the developer portal (login, ctx_ keys) and health and metrics.
// Validation errors answer 422 with FastAPI's `detail` list (api/errors.cpp).
#include "api/handler_util.h"
#include "api/routes.h"

#include <sys/statvfs.h>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object portal_key_view(const store::ApiKey& k) {
  return {{"id", k.id},
          {"key_prefix", k.prefix},
          {"name", k.name},
          {"scopes", json::array(k.scopes.begin(), k.scopes.end())},
          {"expires_at", iso_or_null(k.expires_at)},
          {"created_at", iso8601(k.created_at)},
          {"last_used_at", iso_or_null(k.last_used_at)},
          {"revoked", k.revoked_at.has_value()}};
}

// Free space of the data directory's file system, in MiB (-1 if unknown).
int64_t free_disk_mb(const std::string& dir) {
  struct statvfs st{};
  if (statvfs(dir.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize) / (1024 * 1024);
}

// "ok" when every written turn is searchable, else how many are still being indexed.
std::string turn_index_check(size_t pending) {
  return pending == 0 ? "ok" : "indexing: " + std::to_string(pending) + " turns not yet searchable";
}

}  // namespace

void add_cortex_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/portal/api/login", .family = Family::kCortex, .auth = Auth::kNone,
         .summary = "Portal login: a JWT session token for managing API keys",
         .request_schema = R"({"type":"object","required":["email","password"],"properties":{"email":{"type":"string"},"password":{"type":"string"}}})",
         .response_schema = R"({"type":"object","properties":{"token":{"type":"string"},"user":{"type":"object","properties":{"id":{"type":"string"},"email":{"type":"string"},"company_id":{"type":"string"}}}}})",
         .handler = [&svc](http::Request& req, RequestContext&) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto email = f.required_string("email", 1, 254);
           auto password = f.required_string("password", 1, 1024);
           check(f);
           auto s = unwrap(co_await svc.accounts.login(email, password));
           co_return http::Response::json(
               200, json::object{{"token", s.token},
                                 {"user", json::object{{"id", s.user.id}, {"email", s.user.email}, {"company_id", s.tenant.id}}}});
         }});

  t.add({.method = "POST", .path = "/portal/api/keys", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "Create a ctx_ API key for the company; the raw key is shown once",
         .event = "api_key.created",
         .request_schema = R"({"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1,"maxLength":100},"scopes":{"type":"array","items":{"type":"string"}},"expires_in_days":{"type":["integer","null"],"minimum":1,"maximum":365}}})",
         .response_schema = R"({"type":"object","properties":{"key":{"type":"string"},"key_prefix":{"type":"string"},"name":{"type":"string"},"scopes":{"type":"array"},"expires_at":{"type":["string","null"]},"created_at":{"type":"string"}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("member")) throw StatusError(Status::forbidden("viewers cannot create keys"));
           auto body = json_body(req);
           FieldReader f(body);
           auth::KeyRequest kr;
           kr.kind = auth::KeyKind::kCortex;
           kr.tenant_id = ctx.caller().tenant_id;
           kr.created_by = ctx.caller().user_id;
           kr.name = f.required_string("name", 1, 100);
           kr.scopes = f.string_array("scopes", 100).value_or(std::vector<std::string>{"*"});
           if (auto days = f.integer("expires_in_days", 1, 365)) kr.expires_at = now_ms() + *days * 86400000LL;
           check(f);
           auto created = unwrap(co_await svc.accounts.create_key(kr));
           ctx.audit["keyId"] = created.record.id;
           json::object out = portal_key_view(created.record);
           out["key"] = created.raw;
           co_return http::Response::json(201, out);
         }});

  t.add({.method = "GET", .path = "/portal/api/keys", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "List the company's API keys (prefixes only)",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto keys = unwrap(co_await svc.accounts.list_keys(tenant));
           json::array list;
           for (const auto& k : keys) list.push_back(portal_key_view(k));
           co_return http::Response::json(200, json::object{{"keys", std::move(list)}});
         }});

  t.add({.method = "DELETE", .path = "/portal/api/keys/{key_id}", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "Revoke an API key",
         .event = "api_key.revoked",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("member")) throw StatusError(Status::forbidden("viewers cannot revoke keys"));
           std::string id(req.param("key_id"));
           auto tenant = ctx.caller().tenant_id;
           check(co_await svc.accounts.revoke_key(tenant, id));
           ctx.audit["keyId"] = id;
           co_return http::Response::json(200, json::object{{"id", id}, {"revoked", true}});
         }});

  t.add({.method = "GET", .path = "/health/detailed", .family = Family::kCortex, .auth = Auth::kNone,
         .summary = "Checks every dependency; 200 with status ok or degraded",
         .response_schema = R"({"type":"object","properties":{"status":{"enum":["ok","degraded"]},"version":{"type":"string"},"checks":{"type":"object"}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           auto ping = co_await svc.engine.ping();
           int64_t free_mb = free_disk_mb(svc.options.data_dir);
           json::object checks{
               {"store", ping.is_ok() ? "ok" : "error: " + ping.message()},
               {"disk", free_mb < 0 ? "unknown" : free_mb < 100 ? "low: " + std::to_string(free_mb) + " MiB free" : "ok"},
               {"rate_limiter", "ok"},
               {"knowledge_index", svc.knowledge.loaded() ? "ok" : "loading"},
               {"turn_index", turn_index_check(svc.turn_index.pending())}};
           bool all_ok = ping.is_ok() && free_mb >= 100;
           co_return http::Response::json(200, json::object{{"status", all_ok ? "ok" : "degraded"},
                                                            {"version", svc.options.version},
                                                            {"engine", svc.engine.engine_name()},
                                                            {"checks", std::move(checks)}});
         }});

  t.add({.method = "GET", .path = "/v1/metrics", .family = Family::kCortex, .auth = Auth::kNone,
         .summary = "Prometheus text format metrics",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           co_return http::Response::text(200, svc.metrics.prometheus_text(), "text/plain; version=0.0.4; charset=utf-8");
         }});

  t.add({.method = "GET", .path = "/v1/metrics/dashboard", .family = Family::kCortex, .auth = Auth::kNone,
         .summary = "JSON metrics for dashboards",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           co_return http::Response::json(
               200, json::object{{"http", svc.metrics.requests_json()},
                                 {"requests_total", svc.metrics.requests_total()},
                                 {"requests_active", svc.metrics.requests_active()},
                                 {"uptime_seconds", double(now_ms() - svc.options.started_at_ms) / 1000.0}});
         }});
}

}  // namespace brainstem::api
