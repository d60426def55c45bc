#include "mcp/mcp_session.h"

#include "common/json_text.h"
#include "models/remote_call.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace brainstem::mcp {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 3> kAcceptedVersions = {"2025-11-25", "2025-06-18", "2025-03-26"};
constexpr int kMaxToolPages = 50;
constexpr int kMaxResumes = 5;  // reconnections of one request's stream

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

// Reads a reply body as it arrives: one JSON document, or an SSE stream read until the reply to
// `want` comes (the rest is not waited for: a server may keep the stream open).
class McpSession::BodyReader {
 public:
  explicit BodyReader(std::optional<int64_t> want) : want_(want) {}

  net::BodySink sink() {
    return [this](std::string_view bytes) -> asio::awaitable<bool> { co_return take(bytes); };
  }
  // After the response: a JSON body's messages.
  void finish() {
    if (mode_ == Mode::kJson) sort(messages_of(raw_));
  }
  bool event_stream() const { return mode_ == Mode::kEvents; }

  std::optional<json::object> reply;
  std::vector<json::object> notifications;
  std::string last_event_id;
  std::chrono::milliseconds retry{kDefaultRetry};

 private:
  enum class Mode { kUnknown, kJson, kEvents };
  static constexpr auto kDefaultRetry = std::chrono::milliseconds(1000);
  static constexpr auto kMaxRetry = std::chrono::milliseconds(10000);
  static constexpr size_t kMaxJsonBytes = 16 << 20;

  bool take(std::string_view bytes) {
    if (mode_ == Mode::kUnknown) {
      const size_t first = bytes.find_first_not_of(" \t\r\n");
      if (first == std::string_view::npos) return true;
      mode_ = bytes[first] == '{' || bytes[first] == '[' ? Mode::kJson : Mode::kEvents;
    }
    if (mode_ == Mode::kJson) {
      if (raw_.size() + bytes.size() > kMaxJsonBytes) return false;
      raw_.append(bytes);
      return true;
    }
    for (const auto& e : splitter_.feed(bytes)) {
      if (!e.id.empty()) last_event_id = e.id;
      if (!e.retry.empty()) {
        int64_t ms = 0;
        if (std::from_chars(e.retry.data(), e.retry.data() + e.retry.size(), ms).ec == std::errc() && ms >= 0)
          retry = std::min(std::chrono::milliseconds(ms), kMaxRetry);
      }
      sort(messages_of(e.data));
      if (reply) return false;
    }
    return !splitter_.overflowed();
  }

  void sort(std::vector<json::object> messages) {
    for (auto& m : messages) {
      if (want_ && carries_reply(m, *want_)) {
        if (!reply) reply = std::move(m);
      } else if (m.contains("method")) {
        notifications.push_back(std::move(m));
      }
    }
  }

  const std::optional<int64_t> want_;
  Mode mode_ = Mode::kUnknown;
  std::string raw_;
  models::SseSplitter splitter_;
};

net::ClientRequest McpSession::request_to_server(const Session& session, std::string method) const {
  net::ClientRequest req;
  req.method = std::move(method);
  req.url = endpoint_.url;
  req.timeout = endpoint_.timeout;
  req.address_policy = &policy_;
  req.headers = endpoint_.headers;
  req.headers.push_back({"Accept", req.method == "GET" ? "text/event-stream" : "application/json, text/event-stream"});
  if (!session.protocol.empty()) req.headers.push_back({"MCP-Protocol-Version", session.protocol});
  if (!session.id.empty()) req.headers.push_back({"Mcp-Session-Id", session.id});
  return req;
}

asio::awaitable<Result<McpSession::Reply>> McpSession::post(const Session& session, const json::object& message,
                                                            bool& session_lost, McpError* rpc_error) {
  net::ClientRequest req = request_to_server(session, "POST");
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = json_text(message);
  std::optional<int64_t> want;
  if (const auto* id = message.if_contains("id")) want = id->as_int64();
  BodyReader body(want);
  net::BodySink sink = body.sink();
  auto sent = co_await http_.send(req, &sink);
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
  reply.session_id = r.header("Mcp-Session-Id");
  if (!want) co_return reply;  // a notification: 202 Accepted and no body
  body.finish();
  // A stream that closed before the reply: the server meant it to be resumed (SSE `retry` and
  // `id`), so ask for the rest with a GET naming the last event seen, after the wait it set.
  for (int resumed = 0; !body.reply && body.event_stream() && !body.last_event_id.empty() && resumed < kMaxResumes; ++resumed) {
    asio::steady_timer wait(co_await asio::this_coro::executor, body.retry);
    co_await wait.async_wait(asio::use_awaitable);
    net::ClientRequest again = request_to_server(session, "GET");
    again.headers.push_back({"Last-Event-ID", body.last_event_id});
    const std::string before = body.last_event_id;
    auto resent = co_await http_.send(again, &sink);
    if (!resent || resent->status < 200 || resent->status > 299) break;
    if (body.last_event_id == before && !body.reply) break;  // nothing new: stop rather than spin
  }
  reply.notifications = std::move(body.notifications);
  if (!body.reply) co_return Status::unavailable("the MCP server sent no reply to request " + std::to_string(*want));
  json::object& m = *body.reply;
  if (const auto* err = m.if_contains("error"); err && err->is_object()) {
    McpError e;
    if (const auto* c = err->as_object().if_contains("code"); c && c->is_number()) e.code = c->to_number<int64_t>();
    if (const auto* t = err->as_object().if_contains("message"); t && t->is_string()) e.message = t->as_string();
    if (rpc_error) *rpc_error = e;
    co_return Status(StatusCode::kBadGateway, "the MCP server answered error " + std::to_string(e.code) + ": " + e.message);
  }
  reply.result = std::move(m["result"]);
  co_return reply;
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
                                                             const std::string&) {
  // A progress token asks the server to report progress while the tool runs.
  json::object params{{"name", name},
                      {"arguments", arguments},
                      {"_meta", json::object{{"progressToken", "brainstem-" + std::to_string(next_id_++)}}}};
  auto reply = co_await request("tools/call", params, nullptr);
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
