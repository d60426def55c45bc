// brainstem as an MCP server (streamable HTTP, protocol 2025-11-25; 2025-06-18 and 2025-03-26
// clients are answered in their version): POST /mcp takes JSON-RPC messages from an MCP host
// holding a tenant API key; GET /mcp is the session's stream of the server's notifications. The tenant's active agents are tools (input: message, session,
// customer), knowledge search is a tool, knowledge sources are resources and agents' prompt
// templates are prompts. Sessions (Mcp-Session-Id) live in this process; DELETE /mcp ends one.
// DNS-rebinding protection is the gateway's: a browser Origin is refused unless the API key
// names it among its allowed origins, or the page and the server are both on loopback.
#include "api/agent_message.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "http/sse.h"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <unordered_map>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 3> kVersions = {"2025-11-25", "2025-06-18", "2025-03-26"};
constexpr const char* kAgentPrefix = "agent_";
constexpr const char* kSearchTool = "knowledge_search";
constexpr size_t kMaxSessions = 10000;
// A GET stream looks for changes this often, lives this long, and asks the host to wait this
// long before it reconnects.
constexpr auto kStreamPoll = std::chrono::seconds(1);
constexpr auto kStreamLifetime = std::chrono::minutes(5);
constexpr auto kStreamRetry = std::chrono::milliseconds(2000);

// JSON-RPC error codes.
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInvalidRequest = -32600;

// The sessions this process started: session id -> tenant.
class McpSessions {
 public:
  std::string open(const std::string& tenant_id) {
    std::string id = random_id("mcp_", 24);
    std::lock_guard lock(mu_);
    if (sessions_.size() >= kMaxSessions) sessions_.clear();  // bounded: the oldest hosts initialize again
    sessions_[id] = tenant_id;
    return id;
  }
  bool belongs(const std::string& id, const std::string& tenant_id) const {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    return it != sessions_.end() && it->second == tenant_id;
  }
  bool close(const std::string& id, const std::string& tenant_id) {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second != tenant_id) return false;
    sessions_.erase(it);
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> sessions_;
};

json::object text_result(std::string text, bool is_error) {
  return json::object{{"content", json::array{json::object{{"type", "text"}, {"text", std::move(text)}}}}, {"isError", is_error}};
}

json::object agent_input_schema() {
  return json::object{
      {"type", "object"},
      {"properties", json::object{{"message", json::object{{"type", "string"}, {"description", "What to ask the agent"}}},
                                  {"session", json::object{{"type", "string"}, {"description", "A conversation to continue"}}},
                                  {"customer", json::object{{"type", "string"}, {"description", "The customer the message is about"}}}}},
      {"required", json::array{"message"}}};
}

class McpServer {
 public:
  explicit McpServer(Services& svc) : svc_(svc) {}

  asio::awaitable<http::Response> post(http::Request& req, RequestContext& ctx) {
    auto body = json_body(req);  // 400 for a body that is not one JSON object
    json::value id = nullptr;
    if (const auto* given = body.if_contains("id")) id = *given;
    const auto* method = body.if_contains("method");
    if (!method || !method->is_string()) {
      if (body.contains("result") || body.contains("error")) co_return http::Response::empty(202);  // a reply to us: none expected
      co_return http::Response::json(400, rpc_error(id, kInvalidRequest, "a JSON-RPC request needs a method"));
    }
    const std::string name(method->as_string());
    const std::string& tenant = ctx.caller().tenant_id;
    if (name == "initialize") co_return initialize(body, id, tenant);
    const std::string session(req.header("Mcp-Session-Id"));
    if (session.empty()) co_return http::Response::json(400, rpc_error(id, kInvalidRequest, "Mcp-Session-Id is required after initialize"));
    if (!sessions_.belongs(session, tenant)) co_return http::Response::json(404, rpc_error(id, kInvalidRequest, "unknown session"));
    if (!body.contains("id")) co_return http::Response::empty(202);  // notifications: nothing to answer
    json::object params;
    if (const auto* given = body.if_contains("params"); given && given->is_object()) params = given->as_object();
    json::object reply;
    if (name == "ping" || name == "logging/setLevel") reply = rpc_result(id, json::object{});
    else if (name == "tools/list") reply = rpc_result(id, co_await tools(tenant));
    else if (name == "tools/call") reply = co_await call_tool(id, params, ctx);
    else if (name == "resources/list") reply = rpc_result(id, co_await resources(tenant));
    else if (name == "resources/templates/list") reply = rpc_result(id, json::object{{"resourceTemplates", json::array{}}});
    else if (name == "prompts/list") reply = rpc_result(id, co_await prompts(tenant));
    else reply = rpc_error(id, kMethodNotFound, "method " + name + " is not supported");
    co_return http::Response::json(200, std::move(reply));
  }

  // GET /mcp: the session's stream of server messages. It opens with an event naming its id
  // and the reconnection wait, then says notifications/tools/list_changed and
  // prompts/list_changed when the workspace's active agents change; it ends with the session,
  // or after kStreamLifetime (the host reconnects).
  asio::awaitable<http::Response> listen(http::Request& req, RequestContext& ctx) {
    const std::string session(req.header("Mcp-Session-Id"));
    const std::string tenant = ctx.caller().tenant_id;
    if (session.empty()) co_return refuse(400, "Mcp-Session-Id is required");
    if (!sessions_.belongs(session, tenant)) co_return refuse(404, "unknown session");
    std::string seen = co_await agents_signature(tenant);
    co_return http::Response::event_stream([this, session, tenant, seen](http::StreamWriter& out) mutable -> asio::awaitable<void> {
      int64_t event = 0;
      std::string opening = "id: " + session + "-" + std::to_string(event) + "\nretry: " + std::to_string(kStreamRetry.count()) + "\ndata: \n\n";
      if (!co_await out.write(opening)) co_return;
      asio::steady_timer timer(co_await asio::this_coro::executor);
      const auto until = std::chrono::steady_clock::now() + kStreamLifetime;
      while (std::chrono::steady_clock::now() < until && sessions_.belongs(session, tenant)) {
        timer.expires_after(kStreamPoll);
        co_await timer.async_wait(asio::use_awaitable);
        std::string now = co_await agents_signature(tenant);
        if (now == seen) continue;
        seen = std::move(now);
        std::string frames;
        for (const char* method : {"notifications/tools/list_changed", "notifications/prompts/list_changed"}) {
          http::append_sse(frames, "message", json::object{{"jsonrpc", "2.0"}, {"method", method}},
                           session + "-" + std::to_string(++event));
        }
        if (!co_await out.write(frames)) co_return;
      }
      co_await out.write_last("");
    });
  }

  asio::awaitable<http::Response> remove(http::Request& req, RequestContext& ctx) {
    const std::string session(req.header("Mcp-Session-Id"));
    if (session.empty()) co_return refuse(400, "Mcp-Session-Id is required");
    if (!sessions_.close(session, ctx.caller().tenant_id)) co_return refuse(404, "unknown session");
    co_return http::Response::empty(204);
  }

 private:
  static http::Response refuse(int status, std::string message) {
    return http::Response::json(status, rpc_error(nullptr, kInvalidRequest, std::move(message)));
  }

  http::Response initialize(const json::object& body, const json::value& id, const std::string& tenant) {
    std::string version(kVersions.front());
    if (const auto* p = body.if_contains("params"); p && p->is_object()) {
      if (const auto* v = p->as_object().if_contains("protocolVersion"); v && v->is_string()) {
        if (std::find(kVersions.begin(), kVersions.end(), std::string_view(v->as_string())) != kVersions.end())
          version = v->as_string();
      }
    }
    json::object result{{"protocolVersion", version},
                        {"capabilities", json::object{{"tools", json::object{{"listChanged", true}}},
                                                      {"resources", json::object{}},
                                                      {"prompts", json::object{{"listChanged", true}}},
                                                      {"logging", json::object{}}}},
                        {"serverInfo", json::object{{"name", "brainstem"}, {"version", svc_.options.version}}},
                        {"instructions", "Ask this workspace's agents (one tool each) or search its knowledge."}};
    http::Response res = http::Response::json(200, rpc_result(id, std::move(result)));
    res.set_header("Mcp-Session-Id", sessions_.open(tenant));
    return res;
  }

  // What the tools and prompts lists depend on: the active agents' ids and names.
  asio::awaitable<std::string> agents_signature(const std::string& tenant) {
    auto listed = co_await svc_.agents.list_active(tenant);
    std::string signature;
    if (listed)
      for (const auto& a : *listed) signature += a.id + '\t' + a.name + '\n';
    co_return signature;
  }

  asio::awaitable<std::vector<store::Agent>> active_agents(const std::string& tenant) {
    co_return unwrap(co_await svc_.agents.list_active(tenant));
  }

  asio::awaitable<json::object> tools(const std::string& tenant) {
    json::array list;
    const auto agents = co_await active_agents(tenant);
    for (const auto& a : agents) {
      list.push_back(json::object{{"name", kAgentPrefix + a.id},
                                  {"title", a.name},
                                  {"description", "Ask the agent \"" + a.name + "\" a question; it answers with what it knows"},
                                  {"inputSchema", agent_input_schema()}});
    }
    list.push_back(json::object{
        {"name", kSearchTool},
        {"description", "Search the workspace's knowledge sources; returns the best passages with their citations"},
        {"inputSchema", json::object{{"type", "object"},
                                     {"properties", json::object{{"query", json::object{{"type", "string"}}},
                                                                 {"limit", json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 20}}}}},
                                     {"required", json::array{"query"}}}}});
    co_return json::object{{"tools", std::move(list)}};
  }

  asio::awaitable<json::object> call_tool(const json::value& id, const json::object& params, RequestContext& ctx) {
    const auto* tool = params.if_contains("name");
    if (!tool || !tool->is_string()) co_return rpc_error(id, kInvalidParams, "params.name is required");
    const std::string name(tool->as_string());
    json::object args;
    if (const auto* given = params.if_contains("arguments"); given && given->is_object()) args = given->as_object();
    FieldReader f(args);
    if (name == kSearchTool) {
      knowledge::SearchRequest search;
      search.tenant_id = ctx.caller().tenant_id;
      search.query = f.required_string("query", 1, 4000);
      search.limit = static_cast<size_t>(f.integer("limit", 1, 20).value_or(5));
      if (!f.ok()) co_return rpc_result(id, text_result(f.status().message(), true));
      auto found = co_await svc_.knowledge.search(search);
      auto hits = unwrap(std::move(found));
      std::string text;
      for (const auto& h : hits) text += "[" + knowledge::citation_of(h.chunk) + "] " + h.chunk.text + "\n\n";
      co_return rpc_result(id, text_result(text.empty() ? "No passage matches." : text, false));
    }
    if (!name.starts_with(kAgentPrefix)) co_return rpc_error(id, kInvalidParams, "unknown tool " + name);
    pipeline::MessageRequest request;
    fill_caller(request, ctx);
    request.agent_id = name.substr(std::string_view(kAgentPrefix).size());
    request.message = f.required_string("message", 1, 32000);
    request.session_id = f.string("session", 1, 200).value_or(random_id("mcp-", 16));
    request.customer_id = f.string("customer", 1, 200).value_or("");
    request.channel = "mcp";
    if (!f.ok()) co_return rpc_result(id, text_result(f.status().message(), true));
    const ops::BudgetState budget = co_await svc_.budgets.state(request.tenant_id);
    if (budget == ops::BudgetState::kBlock)
      co_return rpc_result(id, text_result("the workspace's daily budget is spent", true));
    try {
      auto state = co_await svc_.pipeline.admit(request);
      pipeline::MessageResult result = co_await svc_.pipeline.run(*state);
      json::object out = text_result(result.reply, false);
      out["structuredContent"] = json::object{{"reply", result.reply}, {"session", request.session_id},
                                              {"model", result.model_used}, {"cached", result.cached}};
      co_return rpc_result(id, std::move(out));
    } catch (const StatusError& e) {
      if (e.status.code() == StatusCode::kNotFound) co_return rpc_error(id, kInvalidParams, "unknown tool " + name);
      co_return rpc_result(id, text_result(e.status.message(), true));
    }
  }

  asio::awaitable<json::object> resources(const std::string& tenant) {
    json::array list;
    auto listed = co_await svc_.knowledge.sources(tenant);
    for (const auto& s : unwrap(std::move(listed))) {
      list.push_back(json::object{{"uri", "brainstem://knowledge/" + s.id}, {"name", s.name},
                                  {"description", s.kind + " knowledge source, " + std::to_string(s.chunk_count) + " passages"},
                                  {"mimeType", "text/plain"}});
    }
    co_return json::object{{"resources", std::move(list)}};
  }

  asio::awaitable<json::object> prompts(const std::string& tenant) {
    json::array list;
    const auto agents = co_await active_agents(tenant);
    for (const auto& a : agents) {
      list.push_back(json::object{{"name", kAgentPrefix + a.id}, {"title", a.name},
                                  {"description", "The system prompt template of the agent \"" + a.name + "\""}});
    }
    co_return json::object{{"prompts", std::move(list)}};
  }

  Services& svc_;
  McpSessions sessions_;
};

}  // namespace

void add_mcp_server_routes(RouteTable& t, Services& svc) {
  auto server = std::make_shared<McpServer>(svc);
  t.add({.method = "POST", .path = "/mcp", .family = Family::kSystem, .auth = Auth::kKey, .key_in_query = true, .local_browsers = true,
         .summary = "MCP server (streamable HTTP): the workspace's agents and knowledge search as tools, knowledge "
                    "sources as resources, agents' prompt templates as prompts",
         .handler = [server](http::Request& req, RequestContext& ctx) { return server->post(req, ctx); }});
  t.add({.method = "GET", .path = "/mcp", .family = Family::kSystem, .auth = Auth::kKey, .key_in_query = true, .local_browsers = true,
         .summary = "The MCP session's stream of server messages (SSE): tools and prompts list changes",
         .handler = [server](http::Request& req, RequestContext& ctx) { return server->listen(req, ctx); }});
  t.add({.method = "DELETE", .path = "/mcp", .family = Family::kSystem, .auth = Auth::kKey, .key_in_query = true, .local_browsers = true,
         .summary = "End an MCP session (Mcp-Session-Id)", .success_status = 204,
         .handler = [server](http::Request& req, RequestContext& ctx) { return server->remove(req, ctx); }});
}

}  // namespace brainstem::api
