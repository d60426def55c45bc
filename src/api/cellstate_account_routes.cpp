// CELLSTATE's account routes (seed 003): API keys, the user's profile and tenants, on the one
// key store and tenant model every family shares. They take a user's JWT: keys are managed by
// people, not by other keys.
#include "api/handler_util.h"
#include "api/routes.h"
#include "auth/api_key_format.h"
#include "common/crypto.h"
#include "common/json_text.h"

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool active(const store::ApiKey& k, int64_t now) {
  return !k.revoked_at && (!k.expires_at || *k.expires_at > now);
}

json::object key_view(const store::ApiKey& k, int64_t now) {
  json::array scopes;
  for (const auto& s : k.scopes) scopes.emplace_back(s);
  return {{"id", k.id},
          {"api_key_id", k.id},
          {"tenant_id", k.tenant_id},
          {"name", k.name},
          {"key_prefix", auth::mask_api_key(k.prefix)},
          {"scopes", std::move(scopes)},
          {"is_active", active(k, now)},
          {"owner_user_id", k.created_by},
          {"expires_at", iso_or_null(k.expires_at)},
          {"last_used_at", iso_or_null(k.last_used_at)},
          {"revoked_at", iso_or_null(k.revoked_at)},
          {"created_at", iso8601(k.created_at)}};
}

// The keys matching the list filters (is_active, name substring, owner), paged.
json::object key_list(const std::vector<store::ApiKey>& keys, const http::Request& req, const std::string& owner) {
  std::optional<bool> active_filter;
  if (auto v = req.query_param("is_active")) {
    if (*v != "true" && *v != "false") throw StatusError(Status::validation("is_active", "is_active must be true or false"));
    active_filter = *v == "true";
  }
  std::string name = req.query_param("name").value_or("");
  auto number = [&](const char* param, int64_t fallback, int64_t max) {
    auto v = req.query_param(param);
    if (!v) return fallback;
    try {
      size_t used = 0;
      int64_t n = std::stoll(*v, &used);
      if (used == v->size() && n >= 0 && n <= max) return n;
    } catch (const std::exception&) {
    }
    throw StatusError(Status::validation(param, std::string(param) + " must be an integer from 0 to " + std::to_string(max)));
  };
  int64_t limit = number("limit", 100, 1000), offset = number("offset", 0, INT32_MAX);
  int64_t now = now_ms(), total = 0;
  json::array out;
  for (const auto& k : keys) {
    if (!owner.empty() && k.created_by != owner) continue;
    if (active_filter && active(k, now) != *active_filter) continue;
    if (!name.empty() && k.name.find(name) == std::string::npos) continue;
    if (total++ < offset || static_cast<int64_t>(out.size()) >= limit) continue;
    out.push_back(key_view(k, now));
  }
  return {{"api_keys", std::move(out)}, {"total", total}};
}

// The caller's workspace `tenant_id` with the caller's role; another tenant is not found.
asio::awaitable<auth::WorkspaceRole> member_tenant(Services& svc, const auth::Principal& caller,
                                                  const std::string& tenant_id) {
  auto workspace = co_await svc.accounts.workspace(caller, tenant_id);
  if (!workspace.ok()) {
    if (workspace.status().code() == StatusCode::kNotFound) throw StatusError(Status::not_found("tenant not found"));
    throw StatusError(workspace.status());
  }
  co_return std::move(workspace).value();
}

// Refuses (403 `refusal`) a caller who is not an owner or admin of the tenant.
asio::awaitable<void> require_admin_of(Services& svc, const auth::Principal& caller, const std::string& tenant_id,
                                       const char* refusal) {
  auto [tenant, role] = co_await member_tenant(svc, caller, tenant_id);
  if (auth::role_rank(role) < auth::role_rank("admin")) throw StatusError(Status::forbidden(refusal));
}

asio::awaitable<json::object> tenant_view(Services& svc, const store::Tenant& tenant) {
  json::object view{{"tenant_id", tenant.id},   {"name", tenant.name},      {"domain", nullptr},
                    {"settings", json::object()}, {"status", "active"},      {"workos_organization_id", nullptr},
                    {"created_at", iso8601(tenant.created_at)}};
  auto profile = co_await svc.cellstate.tenant_profile(tenant.id);
  for (const auto& [k, v] : profile) view[k] = v;
  co_return view;
}

void add_api_key_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/api/v1/api-keys", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "List the caller's API keys (is_active, name, limit, offset)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto keys = unwrap(co_await svc.accounts.list_keys(tenant));
           co_return http::Response::json(200, key_list(keys, req, ctx.caller().user_id));
         }});

  t.add({.method = "POST", .path = "/api/v1/api-keys", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "Create an API key (shown once)", .event = "api_key.created",
         .request_schema = R"({"type":"object","required":["name"],"properties":{"name":{"type":"string"},"expires_at":{"type":["string","null"],"format":"date-time"},"scopes":{"type":["array","null"],"items":{"type":"string"}}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auth::KeyRequest request;
           request.name = f.required_string("name", 1, 200);
           if (auto scopes = f.string_array("scopes", 100)) request.scopes = *scopes;
           if (auto expires = f.string("expires_at", 1, 64)) {
             request.expires_at = parse_iso8601_ms(*expires);
             if (!request.expires_at) f.fail("expires_at", "expires_at must be an ISO 8601 date-time");
           }
           check(f);
           request.tenant_id = ctx.caller().tenant_id;
           request.created_by = ctx.caller().user_id;
           auto created = unwrap(co_await svc.accounts.create_key(request));
           ctx.audit["keyId"] = created.record.id;
           co_return http::Response::json(201, json::object{{"api_key", key_view(created.record, now_ms())},
                                                            {"key", created.raw}});
         }});

  t.add({.method = "GET", .path = "/api/v1/api-keys/admin/tenants/{tenant_id}", .family = Family::kCellstate,
         .auth = Auth::kUser, .summary = "An admin lists a tenant's API keys (is_active, name, owner_user_id, limit, offset)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string tenant(req.param("tenant_id"));
           co_await require_admin_of(svc, ctx.caller(), tenant, "admins only");
           auto keys = unwrap(co_await svc.accounts.list_keys(tenant));
           co_return http::Response::json(200, key_list(keys, req, req.query_param("owner_user_id").value_or("")));
         }});

  t.add({.method = "POST", .path = "/api/v1/api-keys/admin/tenants/{tenant_id}/{id}/revoke",
         .family = Family::kCellstate, .auth = Auth::kUser, .summary = "An admin revokes a tenant's API key",
         .event = "api_key.revoked", .success_status = 204,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string tenant(req.param("tenant_id")), id(req.param("id"));
           co_await require_admin_of(svc, ctx.caller(), tenant, "admins only");
           check(co_await svc.accounts.revoke_key(tenant, id));
           ctx.audit["keyId"] = id;
           ctx.audit_tenant = tenant;
           co_return http::Response::empty(204);
         }});

  t.add({.method = "POST", .path = "/api/v1/api-keys/{id}/revoke", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "Revoke one of the caller's API keys", .event = "api_key.revoked", .success_status = 204,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           auto keys = unwrap(co_await svc.accounts.list_keys(tenant));
           auto mine = std::find_if(keys.begin(), keys.end(), [&](const store::ApiKey& k) {
             return k.id == id && k.created_by == ctx.caller().user_id;
           });
           if (mine == keys.end()) throw StatusError(Status::not_found("API key not found"));
           check(co_await svc.accounts.revoke_key(tenant, id));
           ctx.audit["keyId"] = id;
           co_return http::Response::empty(204);
         }});
}

void add_user_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/api/v1/users/me", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "The caller's profile",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto user_id = ctx.caller().user_id;
           auto user = unwrap(co_await svc.accounts.user(user_id));
           std::string first = user.name, last;
           if (auto space = user.name.find(' '); space != std::string::npos) {
             first = user.name.substr(0, space);
             last = user.name.substr(space + 1);
           }
           // The user's own key (the newest active one made by /users/me/api-key), masked.
           auto tenant = ctx.caller().tenant_id;
           auto keys = unwrap(co_await svc.accounts.list_keys(tenant));
           json::value key = nullptr;
           for (const auto& k : keys) {
             if (k.created_by == user.id && k.name == "users/me" && active(k, now_ms())) {
               key = json::value(auth::mask_api_key(k.prefix));
               break;
             }
           }
           co_return http::Response::json(200, json::object{{"id", user.id}, {"email", user.email},
                                                            {"first_name", first}, {"last_name", last},
                                                            {"tenant_id", tenant}, {"api_key", key},
                                                            {"created_at", iso8601(user.created_at)}});
         }});

  t.add({.method = "POST", .path = "/api/v1/users/me/api-key", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "Regenerate the caller's own API key (the previous one is revoked)", .event = "api_key.regenerated",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto user_id = ctx.caller().user_id;
           auto keys = unwrap(co_await svc.accounts.list_keys(tenant));
           for (const auto& k : keys) {
             if (k.created_by != user_id || k.name != "users/me" || k.revoked_at) continue;
             std::string id = k.id;
             check(co_await svc.accounts.revoke_key(tenant, id));
           }
           auth::KeyRequest request;
           request.tenant_id = tenant;
           request.name = "users/me";
           request.created_by = user_id;
           auto created = unwrap(co_await svc.accounts.create_key(request));
           ctx.audit["keyId"] = created.record.id;
           co_return http::Response::json(200, json::object{{"api_key", created.raw}});
         }});
}

}  // namespace

void add_cellstate_account_routes(RouteTable& t, Services& svc) {
  add_api_key_routes(t, svc);
  add_user_routes(t, svc);
  t.add({.method = "GET", .path = "/api/v1/tenants", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "The tenants the caller is a member of",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto memberships = unwrap(co_await svc.accounts.workspaces(ctx.caller().user_id));
           if (memberships.empty()) {  // a token of a tenant the user is no longer listed in
             auto own = co_await svc.accounts.workspace(ctx.caller(), ctx.caller().tenant_id);
             if (own.ok()) memberships.push_back(std::move(own).value());
           }
           json::array out;
           for (const auto& [tenant, role] : memberships) {
             auto view = co_await tenant_view(svc, tenant);
             out.push_back(std::move(view));
           }
           co_return http::Response::json(200, json::object{{"tenants", std::move(out)}});
         }});

  t.add({.method = "GET", .path = "/api/v1/tenants/{id}", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "A tenant the caller belongs to (others are not found)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto [tenant, role] = co_await member_tenant(svc, ctx.caller(), id);
           auto view = co_await tenant_view(svc, tenant);
           co_return http::Response::json(200, view);
         }});

  t.add({.method = "PATCH", .path = "/api/v1/tenants/{id}", .family = Family::kCellstate, .auth = Auth::kUser,
         .summary = "Update the tenant's name, domain, settings or status (owners and admins)",
         .event = "tenant.updated",
         .request_schema = R"({"type":"object","properties":{"name":{"type":["string","null"]},"domain":{"type":["string","null"]},"settings":{"type":["object","null"]},"status":{"enum":["active","suspended","archived",null]}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto body = json_body(req);
           FieldReader f(body);
           auto name = f.string("name", 1, 200);
           auto domain = f.string("domain", 0, 253);
           const json::object* settings = f.object("settings");
           auto status = f.one_of("status", {"active", "suspended", "archived"});
           check(f);
           co_await require_admin_of(svc, ctx.caller(), id, "owners and admins only");
           if (name) check(co_await svc.accounts.rename_workspace(ctx.caller(), id, *name));
           json::object changes;
           if (domain) changes["domain"] = *domain;
           if (settings) changes["settings"] = *settings;
           if (status) changes["status"] = *status;
           if (!changes.empty()) co_await svc.cellstate.update_tenant_profile(id, std::move(changes));
           ctx.audit_tenant = id;
           auto [tenant, _] = co_await member_tenant(svc, ctx.caller(), id);
           auto view = co_await tenant_view(svc, tenant);
           co_return http::Response::json(200, view);
         }});
}

}  // namespace brainstem::api
