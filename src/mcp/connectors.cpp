#include "mcp/connectors.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_body.h"
#include "common/json_text.h"

namespace brainstem::mcp {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kKind = "mcp_connector";
constexpr int64_t kMaxConnectors = 1000;

json::object body_of(const store::MemoryEntity& e) {
  boost::system::error_code ec;
  json::value v = json::parse(e.body, ec);
  return !ec && v.is_object() ? std::move(v.as_object()) : json::object{};
}

json::object view_of(const store::MemoryEntity& e) {
  json::object body = body_of(e);
  std::string protocol = string_field(body, "protocol");
  return json::object{{"id", e.id},
                      {"name", string_field(body, "name")},
                      {"protocol", protocol.empty() ? "mcp" : protocol},
                      {"endpointUrl", string_field(body, "endpointUrl")},
                      {"authType", string_field(body, "authType")},
                      {"createdAt", iso8601(e.created_at)},
                      {"updatedAt", iso8601(e.updated_at)}};
}

Status check_draft(const ConnectorDraft& d) {
  if (d.name.empty() || d.name.size() > 200) return Status::validation("name", "name must be 1 to 200 characters");
  if (d.protocol != "mcp" && d.protocol != "a2a") return Status::validation("protocol", "protocol must be mcp or a2a");
  if (Status s = net::AddressPolicy::check_url_scheme(d.endpoint_url); !s.is_ok())
    return Status::validation("endpointUrl", "endpointUrl must be an http:// or https:// URL");
  if (!net::parse_url(d.endpoint_url)) return Status::validation("endpointUrl", "endpointUrl is not a valid URL");
  if (d.auth_type == "api_key" && string_field(d.credentials, "apiKey").empty())
    return Status::validation("credentials", "credentials.apiKey is required for authType api_key");
  if (d.auth_type == "oauth" && string_field(d.credentials, "accessToken").empty())
    return Status::validation("credentials", "credentials.accessToken is required for authType oauth");
  if (d.auth_type != "none" && d.auth_type != "api_key" && d.auth_type != "oauth")
    return Status::validation("authType", "authType must be none, api_key or oauth");
  return Status::ok();
}

}  // namespace

Connectors::Connectors(store::MemoryStore& store, net::HttpClient& http, const net::AddressPolicy& policy, SecretBox secrets)
    : store_(store), http_(http), policy_(policy), secrets_(std::move(secrets)) {}

asio::awaitable<Result<json::object>> Connectors::create(const std::string& tenant_id, ConnectorDraft draft) {
  if (Status s = check_draft(draft); !s.is_ok()) co_return s;
  store::MemoryEntity e;
  e.tenant_id = tenant_id;
  e.kind = kKind;
  e.id = random_id("conn_", 16);
  e.type = draft.auth_type;
  e.created_at = e.updated_at = now_ms();
  json::object body{{"name", draft.name}, {"protocol", draft.protocol}, {"endpointUrl", draft.endpoint_url}, {"authType", draft.auth_type}};
  if (draft.auth_type != "none") body["credentials"] = secrets_.seal(json_text(draft.credentials));
  e.body = json_text(body);
  auto created = co_await store_.create_memory_entity(std::move(e));
  if (!created) co_return created.status();
  co_return view_of(*created);
}

asio::awaitable<Result<std::vector<json::object>>> Connectors::list(const std::string& tenant_id) {
  store::MemoryEntityQuery q;
  q.tenant_id = tenant_id;
  q.kind = kKind;
  q.limit = kMaxConnectors;
  auto page = co_await store_.list_memory_entities(q);
  if (!page) co_return page.status();
  std::vector<json::object> out;
  for (const auto& e : page->items) out.push_back(view_of(e));
  co_return out;
}

asio::awaitable<Result<store::MemoryEntity>> Connectors::stored(const std::string& tenant_id, const std::string& id) {
  auto found = co_await store_.get_memory_entity(tenant_id, kKind, id);
  if (!found && found.status().code() == StatusCode::kNotFound) co_return Status::not_found("connector " + id + " not found");
  co_return found;
}

asio::awaitable<Status> Connectors::remove(const std::string& tenant_id, const std::string& id) {
  auto found = co_await stored(tenant_id, id);
  if (!found) co_return found.status();
  Status removed = co_await store_.delete_memory_entity(tenant_id, kKind, id);
  forget(tenant_id, id);
  co_return removed;
}

void Connectors::forget(const std::string& tenant_id, const std::string& id) {
  std::lock_guard lock(mu_);
  pool_.erase(tenant_id + '/' + id);
}

Result<McpEndpoint> Connectors::endpoint_of(const store::MemoryEntity& connector) const {
  json::object body = body_of(connector);
  McpEndpoint endpoint;
  endpoint.url = string_field(body, "endpointUrl");
  const std::string sealed = string_field(body, "credentials");
  if (sealed.empty()) return endpoint;
  auto opened = secrets_.open(sealed);
  if (!opened) return Status::internal("connector " + connector.id + ": its credentials cannot be opened with the configured secret keys");
  boost::system::error_code ec;
  json::value credentials = json::parse(*opened, ec);
  if (ec || !credentials.is_object()) return Status::internal("connector " + connector.id + ": stored credentials are malformed");
  const json::object& c = credentials.as_object();
  if (std::string key = string_field(c, "apiKey"); !key.empty()) {
    std::string header = string_field(c, "headerName");
    if (header.empty()) endpoint.headers.push_back({"Authorization", "Bearer " + key});
    else endpoint.headers.push_back({header, key});
  } else if (std::string token = string_field(c, "accessToken"); !token.empty()) {
    endpoint.headers.push_back({"Authorization", "Bearer " + token});
  }
  return endpoint;
}

asio::awaitable<Result<Connectors::Pooled>> Connectors::pooled(const std::string& tenant_id, const std::string& id) {
  const std::string key = tenant_id + '/' + id;
  {
    std::lock_guard lock(mu_);
    if (auto it = pool_.find(key); it != pool_.end()) co_return it->second;
  }
  auto connector = co_await stored(tenant_id, id);
  if (!connector) co_return connector.status();
  auto endpoint = endpoint_of(*connector);
  if (!endpoint) co_return endpoint.status();
  Pooled made;
  made.url = endpoint->url;
  if (string_field(body_of(*connector), "protocol") == "a2a") {
    made.server = std::make_shared<A2aToolServer>(http_, policy_, a2a::PeerEndpoint{.card_url = endpoint->url, .headers = endpoint->headers});
  } else {
    made.server = std::make_shared<McpSession>(http_, policy_, std::move(endpoint).value());
  }
  std::lock_guard lock(mu_);
  auto [it, _] = pool_.try_emplace(key, std::move(made));
  co_return it->second;
}

asio::awaitable<Result<std::vector<McpTool>>> Connectors::connector_tools(const std::string& tenant_id, const std::string& id,
                                                                   bool refresh) {
  const std::string key = tenant_id + '/' + id;
  if (!refresh) {
    std::lock_guard lock(mu_);
    if (auto it = pool_.find(key); it != pool_.end() && it->second.tools) co_return *it->second.tools;
  }
  auto reached = co_await pooled(tenant_id, id);
  if (!reached) co_return reached.status();
  auto listed = co_await reached->server->list_tools();
  if (!listed) co_return listed.status();
  std::lock_guard lock(mu_);
  if (auto it = pool_.find(key); it != pool_.end()) it->second.tools = *listed;
  co_return listed;
}

bool may_use_tool(const std::vector<std::string>& scopes, const std::string& connector_id, const std::string& tool) {
  const std::string connector = "mcp:" + connector_id;
  return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) {
    return s == "*" || s == "mcp:*" || s == connector || s == connector + "/*" || s == connector + "/" + tool;
  });
}

asio::awaitable<Result<json::array>> Connectors::tools(const std::string& tenant_id, const std::string& connector_id,
                                                       bool refresh, const std::vector<std::string>& scopes) {
  std::vector<std::string> ids;
  if (!connector_id.empty()) {
    ids.push_back(connector_id);
  } else {
    auto all = co_await list(tenant_id);
    if (!all) co_return all.status();
    for (const auto& c : *all) ids.push_back(std::string(c.at("id").as_string()));
  }
  json::array out;
  for (const auto& id : ids) {
    auto listed = co_await connector_tools(tenant_id, id, refresh);
    if (!listed) co_return listed.status();
    for (const auto& t : *listed) {
      if (!may_use_tool(scopes, id, t.name)) continue;
      json::value schema = t.input_schema;
      if (schema.is_null()) schema = json::object{};
      out.push_back(json::object{{"connectorId", id}, {"name", t.name}, {"description", t.description}, {"inputSchema", std::move(schema)}});
    }
  }
  co_return out;
}

asio::awaitable<Result<json::object>> Connectors::execute(const ToolCaller& caller, const std::string& connector_id,
                                                          const std::string& tool, const json::object& input) {
  if (!may_use_tool(caller.scopes, connector_id, tool))
    co_return Status::forbidden("this API key may not use tool " + tool + " of connector " + connector_id);
  if (guard_) {
    auto reached = co_await pooled(caller.tenant_id, connector_id);
    if (!reached) co_return reached.status();
    Status allowed = co_await guard_->before(caller, connector_id, reached->url, tool, input);
    if (!allowed.is_ok()) {
      Result<json::object> refused = allowed;
      co_await guard_->after(caller, connector_id, tool, refused);
      co_return allowed;
    }
  }
  Result<json::object> outcome = co_await call(caller, connector_id, tool, input);
  if (guard_) co_await guard_->after(caller, connector_id, tool, outcome);
  co_return outcome;
}

asio::awaitable<Result<json::object>> Connectors::call(const ToolCaller& caller, const std::string& connector_id,
                                                       const std::string& tool, const json::object& input) {
  const std::string& tenant_id = caller.tenant_id;
  auto listed = co_await connector_tools(tenant_id, connector_id, false);
  if (!listed) co_return listed.status();
  bool known = std::any_of(listed->begin(), listed->end(), [&](const McpTool& t) { return t.name == tool; });
  if (!known) {  // the server may have added it since the list was cached
    listed = co_await connector_tools(tenant_id, connector_id, true);
    if (!listed) co_return listed.status();
    known = std::any_of(listed->begin(), listed->end(), [&](const McpTool& t) { return t.name == tool; });
  }
  if (!known) co_return Status::not_found("tool " + tool + " not found on connector " + connector_id);
  auto reached = co_await pooled(tenant_id, connector_id);
  if (!reached) co_return reached.status();
  const int64_t started = now_us();
  auto called = co_await reached->server->call_tool(tool, input, caller.agent_id);
  if (!called) co_return called.status();
  json::array progress, logs;
  for (auto& n : called->notifications) {
    const std::string method = string_field(n, "method");
    json::value* params = n.if_contains("params");
    if (method == "notifications/tools/list_changed") {
      std::lock_guard lock(mu_);
      if (auto it = pool_.find(tenant_id + '/' + connector_id); it != pool_.end()) it->second.tools.reset();
    } else if (method == "notifications/progress" && params) {
      progress.push_back(std::move(*params));
    } else if (method == "notifications/message" && params) {
      logs.push_back(std::move(*params));
    }
  }
  json::object out{{"output", std::move(called->content)},
                   {"isError", called->is_error},
                   {"latencyMs", double(now_us() - started) / 1000.0}};
  if (!called->structured.is_null()) out["structuredContent"] = std::move(called->structured);
  if (!progress.empty()) out["progress"] = std::move(progress);
  if (!logs.empty()) out["logs"] = std::move(logs);
  co_return out;
}

}  // namespace brainstem::mcp
