#include "mcp/mcp_session.h"

#include "common/json_text.h"
#include "models/remote_call.h"

#include <algorithm>
#include <array>

namespace brainstem::mcp {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 3> kAcceptedVersions = {"2025-11-25", "2025-06-18", "2025-03-26"};
constexpr int kMaxToolPages = 50;

bool carries_reply(const json::object& message, int64_t id) {
  const auto* mid = message.if_contains("id");
  if (!mid || !(message.contains("result") || message.contains("error"))) return false;
  if (mid->is_int64()) return mid->get_int64() == id;
  if (mid->is_uint64()) return static_cast<int64_t>(mid->get_uint64()) == id;
  return mid->is_string() && mid->get_string() == std::to_string(id);
}

// Every JSON-RPC message in a body: one object, or a batch (array) of them.
std::vector<json::object> messages_of(std::string_view text) {
  std::vector<json::object> out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return out;
  if (v.is_object()) out.push_back(std::move(v.as_object()));
  if (v.is_array()) {
    for (auto& item : v.as_array())
      if (item.is_object()) out.push_back(std::move(item.as_object()));
  }
  return out;
}

}  // namespace

McpSession::McpSession(net::HttpClient& http, const net::AddressPolicy& policy, McpEndpoint endpoint)
    : http_(http), policy_(policy), endpoint_(std::move(endpoint)) {}

McpSession::Session McpSession::current() const {
  std::lock_guard lock(mu_);
  return session_;
}

asio::awaitable<Result<McpSession::Reply>> McpSession::post(const Session& session, const json::object& message,
                                                            bool& session_lost, McpError* rpc_error) {
  net::ClientRequest req;
  req.method = "POST";
  req.url = endpoint_.url;
  req.timeout = endpoint_.timeout;
  req.address_policy = &policy_;
  req.headers = endpoint_.headers;
  req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"Accept", "application/json, text/event-stream"});
  if (!session.protocol.empty()) req.headers.push_back({"MCP-Protocol-Version", session.protocol});
  if (!session.id.empty()) req.headers.push_back({"Mcp-Session-Id", session.id});
  req.body = json_text(message);
  auto sent = co_await http_.send(req);
  if (!sent) co_return sent.status();
  const net::ClientResponse& r = *sent;
  if (r.status == 404 || (r.status == 400 && !session.id.empty())) {
    session_lost = true;
    co_return Status::unavailable("the MCP server no longer knows the session");
  }
  if (r.status < 200 || r.status > 299) {
    co_return Status::unavailable("the MCP server answered HTTP " + std::to_string(r.status) + ": " +
                                  models::upstream_error_message(r.body));
  }
  Reply reply;
  const auto* id = message.if_contains("id");
  if (!id) co_return reply;  // a notification: 202 Accepted and no body
  const int64_t want = id->as_int64();

  std::vector<json::object> received;
  if (r.header("Content-Type").find("text/event-stream") != std::string_view::npos) {
    models::SseSplitter splitter;
    auto take = [&](const std::vector<models::SseEvent>& events) {
      for (const auto& e : events)
        for (auto& m : messages_of(e.data)) received.push_back(std::move(m));
    };
    take(splitter.feed(r.body));
    take(splitter.feed("\n\n"));  // a last event the server did not end with a blank line
  } else {
    received = messages_of(r.body);
  }
  for (auto& m : received) {
    if (!carries_reply(m, want)) {
      if (m.contains("method")) reply.notifications.push_back(std::move(m));
      continue;
    }
    if (const auto* err = m.if_contains("error"); err && err->is_object()) {
      McpError e;
      if (const auto* c = err->as_object().if_contains("code"); c && c->is_number()) e.code = c->to_number<int64_t>();
      if (const auto* t = err->as_object().if_contains("message"); t && t->is_string()) e.message = t->as_string();
      if (rpc_error) *rpc_error = e;
      co_return Status(StatusCode::kBadGateway, "the MCP server answered error " + std::to_string(e.code) + ": " + e.message);
    }
    reply.result = std::move(m["result"]);
    reply.session_id = r.header("Mcp-Session-Id");
    co_return reply;
  }
  co_return Status::unavailable("the MCP server sent no reply to request " + std::to_string(want));
}

asio::awaitable<Status> McpSession::initialize() {
  json::object params{{"protocolVersion", kProtocolVersion},
                      {"capabilities", json::object{}},
                      {"clientInfo", json::object{{"name", "brainstem"}, {"version", "0.1.0"}}}};
  json::object message{{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", "initialize"}, {"params", std::move(params)}};
  bool lost = false;
  const Session none;
  auto reply = co_await post(none, message, lost, nullptr);
  if (!reply) co_return reply.status();
  Session fresh;
  fresh.id = reply->session_id;
  const auto* result = reply->result.if_object();
  const auto* version = result ? result->if_contains("protocolVersion") : nullptr;
  if (!version || !version->is_string()) co_return Status::unavailable("the MCP server's initialize reply has no protocolVersion");
  fresh.protocol = version->as_string();
  if (std::find(kAcceptedVersions.begin(), kAcceptedVersions.end(), fresh.protocol) == kAcceptedVersions.end()) {
    co_return Status::unavailable("the MCP server speaks protocol " + fresh.protocol + ", not one of 2025-11-25, 2025-06-18, 2025-03-26");
  }
  json::object initialized{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
  auto acked = co_await post(fresh, initialized, lost, nullptr);
  if (!acked) co_return acked.status();
  fresh.ready = true;
  std::lock_guard lock(mu_);
  session_ = std::move(fresh);
  co_return Status::ok();
}

asio::awaitable<Result<McpSession::Reply>> McpSession::request(const std::string& method, const json::object& params,
                                                               McpError* rpc_error) {
  for (int attempt = 0;; ++attempt) {
    Session s = current();
    if (!s.ready) {
      Status started = co_await initialize();
      if (!started.is_ok()) co_return started;
      s = current();
    }
    json::object message{{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}, {"params", params}};
    bool lost = false;
    auto reply = co_await post(s, message, lost, rpc_error);
    if (!lost || attempt > 0) co_return reply;
    std::lock_guard lock(mu_);
    if (session_.id == s.id) session_ = Session{};  // start again unless another call already did
  }
}

asio::awaitable<Result<std::vector<McpTool>>> McpSession::list_tools() {
  std::vector<McpTool> tools;
  std::string cursor;
  for (int page = 0; page < kMaxToolPages; ++page) {
    json::object params;
    if (!cursor.empty()) params["cursor"] = cursor;
    auto reply = co_await request("tools/list", params, nullptr);
    if (!reply) co_return reply.status();
    const auto* result = reply->result.if_object();
    const auto* list = result ? result->if_contains("tools") : nullptr;
    if (!list || !list->is_array()) co_return Status::unavailable("the MCP server's tools/list reply has no tools");
    for (const auto& item : list->as_array()) {
      const auto* t = item.if_object();
      const auto* name = t ? t->if_contains("name") : nullptr;
      if (!name || !name->is_string()) continue;
      McpTool tool;
      tool.name = name->as_string();
      if (const auto* d = t->if_contains("description"); d && d->is_string()) tool.description = d->as_string();
      if (const auto* s = t->if_contains("inputSchema")) tool.input_schema = *s;
      tools.push_back(std::move(tool));
    }
    const auto* next = result->if_contains("nextCursor");
    if (!next || !next->is_string() || next->as_string().empty()) co_return tools;
    cursor = next->as_string();
  }
  co_return tools;
}

asio::awaitable<Result<McpCallResult>> McpSession::call_tool(const std::string& name, const json::object& arguments,
                                                             McpError* rpc_error) {
  // A progress token asks the server to report progress while the tool runs.
  json::object params{{"name", name},
                      {"arguments", arguments},
                      {"_meta", json::object{{"progressToken", "brainstem-" + std::to_string(next_id_++)}}}};
  auto reply = co_await request("tools/call", params, rpc_error);
  if (!reply) co_return reply.status();
  const auto* result = reply->result.if_object();
  if (!result) co_return Status::unavailable("the MCP server's tools/call reply is not an object");
  McpCallResult out;
  if (const auto* c = result->if_contains("content")) out.content = *c;
  else out.content = json::array{};
  if (const auto* s = result->if_contains("structuredContent")) out.structured = *s;
  if (const auto* e = result->if_contains("isError"); e && e->is_bool()) out.is_error = e->as_bool();
  out.notifications = std::move(reply->notifications);
  co_return out;
}

}  // namespace brainstem::mcp
