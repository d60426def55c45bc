#include "net/client.h"

#include "net/address_policy.h"
#include "http/socket_write.h"
#include "http/wire.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>

namespace brainstem::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
namespace wire = http::wire;
using http::Header;
using http::iequals;
using http::write_all;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t kResponseHeaderLimit = 64 << 10;

Status io_error(const boost::system::error_code& ec, const std::string& what) {
  if (ec == beast::error::timeout) return Status(StatusCode::kDeadlineExceeded, what + ": timed out");
  return Status::unavailable(what + ": " + ec.message());
}
}  // namespace

Result<Url> parse_url(std::string_view url) {
  // Spaces and control characters would break the request line open.
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    return Status::invalid("URL must not contain spaces or control characters");
  }
  Url u;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return Status::invalid("URL needs a scheme: " + std::string(url));
  u.scheme = std::string(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return Status::invalid("URL scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) return Status::invalid("URL must not carry credentials");
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::invalid("bad IPv6 host in URL");
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = std::string(authority.substr(close + 2));
  } else {
    size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
  }
  if (u.host.empty()) return Status::invalid("URL has no host");
  if (u.port.empty()) u.port = u.scheme == "https" ? "443" : "80";
  return u;
}

std::string_view ClientResponse::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

// A request's deadline: when it passes, the I/O pending on the guarded socket is cancelled
// and fails (timed() names that a timeout), and no later I/O of the request starts. One timer
// a request, where a timed stream arms one around every read and write. Its handler runs on
// the request's thread, as the request does, so the two never run at once.
class Deadline {
 public:
  Deadline(const asio::any_io_executor& executor, std::chrono::steady_clock::time_point at)
      : timer_(executor, at), state_(std::make_shared<State>()) {
    timer_.async_wait([state = state_](const boost::system::error_code& ec) {
      if (ec) return;
      state->passed = true;
      boost::system::error_code ignored;
      if (state->socket) state->socket->cancel(ignored);
    });
  }
  ~Deadline() { state_->socket = nullptr; }  // the timer's destruction cancels its wait
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // The socket whose I/O is cancelled when the deadline passes; nullptr before the socket goes.
  void guard(tcp::socket* socket) { state_->socket = socket; }
  bool passed() const { return state_->passed; }
  // `ec`, or a timeout when the deadline ended the operation.
  boost::system::error_code timed(const boost::system::error_code& ec) const {
    return ec && state_->passed ? boost::system::error_code(beast::error::timeout) : ec;
  }

 private:
  struct State {
    tcp::socket* socket = nullptr;
    bool passed = false;
  };
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;  // shared with the handler, which may run after this is gone
};

// One pooled connection: plain TCP or TLS over TCP.
struct Connection {
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<beast::ssl_stream<tcp::socket>> tls;
  beast::flat_buffer buffer;
  asio::ip::tcp::endpoint remote;  // the peer, checked again when a request with a policy reuses it
  std::chrono::steady_clock::time_point idle_since;

  asio::ip::tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
};

struct HttpClient::Impl {
  explicit Impl(ClientOptions o) : options(o), tls_context(ssl::context::tls_client) {
    tls_context.set_default_verify_paths();
    tls_context.set_verify_mode(ssl::verify_peer);
  }

  ClientOptions options;
  ssl::context tls_context;
  // Idle connections by I/O thread (its execution context) and origin: a connection is reused
  // only on the thread whose reactor it is registered with.
  using PoolKey = std::pair<const void*, std::string>;
  std::mutex mu;
  std::map<PoolKey, std::deque<std::unique_ptr<Connection>>> idle;

  // A connection opened without a policy may lead to an address `policy` refuses: such
  // connections are closed instead of reused.
  std::unique_ptr<Connection> take_idle(const PoolKey& origin, const AddressPolicy* policy) {
    std::lock_guard lock(mu);
    auto& q = idle[origin];
    auto now = std::chrono::steady_clock::now();
    while (!q.empty()) {
      auto c = std::move(q.back());
      q.pop_back();
      if (now - c->idle_since < options.idle_timeout && (!policy || policy->allows(c->remote.address()))) return c;
    }
    return nullptr;
  }

  void give_back(const PoolKey& origin, std::unique_ptr<Connection> c) {
    c->idle_since = std::chrono::steady_clock::now();
    std::lock_guard lock(mu);
    auto& q = idle[origin];
    if (q.size() < options.max_idle_per_origin) q.push_back(std::move(c));
  }

  asio::awaitable<Result<std::unique_ptr<Connection>>> connect(const Url& url, Deadline& deadline, const AddressPolicy* policy) {
    auto exec = co_await asio::this_coro::executor;
    tcp::resolver resolver(exec);
    auto [rec, resolved] = co_await resolver.async_resolve(url.host, url.port, kTuple);
    if (rec) co_return io_error(rec, "cannot resolve " + url.host);
    if (deadline.passed()) co_return io_error(beast::error::timeout, "cannot connect to " + url.host + ":" + url.port);
    // Only checked addresses are connected to, so a second DNS answer cannot differ.
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : resolved) {
      if (!policy || policy->allows(entry.endpoint().address())) endpoints.push_back(entry.endpoint());
    }
    if (endpoints.empty() && policy) {
      co_return Status::forbidden("address not allowed: " + url.host + " resolves only to refused addresses");
    }
    auto c = std::make_unique<Connection>();
    c->buffer.reserve(16384);  // reads take what the buffer has room for (512 bytes at the least)
    if (url.scheme == "https") {
      c->tls = std::make_unique<beast::ssl_stream<tcp::socket>>(exec, tls_context);
      if (!SSL_set_tlsext_host_name(c->tls->native_handle(), url.host.c_str())) {
        co_return Status::unavailable("TLS: cannot set server name");
      }
      c->tls->set_verify_callback(ssl::host_name_verification(url.host));
    } else {
      c->plain = std::make_unique<tcp::socket>(exec);
    }
    deadline.guard(&c->socket());
    auto [cec, ep] = co_await asio::async_connect(c->socket(), endpoints, kTuple);
    boost::system::error_code hec;
    if (!cec) {
      c->remote = ep;
      c->socket().set_option(tcp::no_delay(true), hec);
      // A plain connection writes requests at once where they fit (write_all), which needs a
      // socket that never blocks the thread.
      if (!hec && c->plain) c->plain->non_blocking(true, hec);
      if (c->tls) std::tie(hec) = co_await c->tls->async_handshake(ssl::stream_base::client, kTuple);
    }
    deadline.guard(nullptr);  // `c` goes with a failure
    if (cec) co_return io_error(deadline.timed(cec), "cannot connect to " + url.host + ":" + url.port);
    if (hec) co_return io_error(deadline.timed(hec), "TLS handshake with " + url.host);
    co_return std::move(c);
  }

  // Sends one request on `stream` and reads its response: collected into `out.body`, or for a
  // 2xx with `on_body` set passed on as it arrives. `reusable` says whether the connection may
  // serve another request.
  template <class Stream>
  asio::awaitable<Status> exchange(Stream& stream, Connection& c, const Deadline& deadline, const std::string& head,
                                   std::string_view body, bool head_method, ClientResponse& out, const BodySink* on_body,
                                   bool& reusable) {
    if (deadline.passed()) co_return io_error(beast::error::timeout, "sending request");
    std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(body.data(), body.size())};
    boost::system::error_code wec;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      wec = co_await write_all(stream, request);
    } else {
      std::tie(wec, std::ignore) = co_await asio::async_write(stream, request, kTuple);
    }
    if (wec) co_return io_error(deadline.timed(wec), "sending request");
    wire::ResponseParser parser(out.status, out.headers);
    parser.header_limit(kResponseHeaderLimit);
    parser.body_limit(boost::none);
    parser.eager(true);
    parser.skip(head_method);  // a HEAD response announces a body it does not carry
    beast::flat_buffer& input = c.buffer;
    for (;;) {
      boost::system::error_code ec;
      bool starved = input.size() == 0;  // nothing left to parse: read first
      if (!starved) {
        const size_t used = parser.put(input.data(), ec);
        input.consume(used);
        starved = ec == bhttp::error::need_more || used == 0;
        if (ec && ec != bhttp::error::need_more) co_return io_error(ec, "reading response");
      }
      // Everything one read brought is passed on at once, so a stream leaves as it comes.
      if (std::string& piece = parser.body(); !piece.empty()) {
        if (on_body && out.status >= 200 && out.status < 300) {
          if (!co_await (*on_body)(piece)) {
            // The rest of this body is never read, so the connection cannot serve another
            // request, unless there is no rest: the body ended in the bytes already read.
            reusable = parser.is_done() && parser.keep_alive() && input.size() == 0;
            co_return Status::ok();
          }
        } else if (out.body.size() + piece.size() > options.max_response_bytes) {
          reusable = false;
          co_return Status::unavailable("upstream response exceeds " + std::to_string(options.max_response_bytes) + " bytes");
        } else {
          out.body.append(piece);
        }
        piece.clear();
      }
      if (parser.is_done()) break;
      if (!starved) continue;
      const char* reading = parser.is_header_done() ? "reading response body" : "reading response";
      if (deadline.passed()) co_return io_error(beast::error::timeout, reading);  // e.g. while the sink waited
      auto [read_ec, n] = co_await stream.async_read_some(input.prepare(beast::read_size(input, 65536)), kTuple);
      input.commit(n);
      const boost::system::error_code rec = deadline.timed(read_ec);
      if (rec == asio::error::eof || rec == ssl::error::stream_truncated) {
        // Closed before a byte of the response came (a pooled connection the server let go):
        // an error, so the request may be retried on a fresh connection.
        if (!parser.got_some()) co_return io_error(bhttp::error::end_of_stream, reading);
        parser.put_eof(ec);  // completes a body that runs until the connection closes
        if (ec) co_return io_error(ec, reading);
      } else if (rec) {
        co_return io_error(rec, reading);
      }
    }
    reusable = parser.keep_alive();  // false for a body that ran until the connection closed
    co_return Status::ok();
  }
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>(options)) {}
HttpClient::~HttpClient() = default;

asio::awaitable<Result<ClientResponse>> HttpClient::send(const ClientRequest& request, const BodySink* on_body) {
  auto url = parse_url(request.url);
  if (!url) co_return url.status();
  auto executor = co_await asio::this_coro::executor;
  const Impl::PoolKey origin{&asio::query(executor, asio::execution::context), url->scheme + "://" + url->host + ":" + url->port};
  Deadline deadline(executor, std::chrono::steady_clock::now() + request.timeout);

  const bool default_port = url->port == (url->scheme == "https" ? "443" : "80");
  const bool v6 = url->host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + url->host + "]" : url->host;
  if (!default_port) host += ":" + url->port;
  const bool sends_body = !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  std::string head;
  head.reserve(256 + url->target.size());
  wire::render_request_head(head, request.method, url->target, host, request.headers,
                            sends_body ? std::optional<size_t>(request.body.size()) : std::nullopt);
  const bool head_method = request.method == "HEAD";

  // A pooled connection may have been closed by the server meanwhile: one retry on a fresh
  // connection, and only if nothing of the response was delivered.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    if (attempt == 0) conn = impl_->take_idle(origin, request.address_policy);
    const bool reused = conn != nullptr;
    if (!conn) {
      auto fresh = co_await impl_->connect(*url, deadline, request.address_policy);
      if (!fresh) co_return fresh.status();
      conn = std::move(fresh.value());
    }
    deadline.guard(&conn->socket());
    ClientResponse out;
    bool reusable = false;
    Status s;
    if (conn->tls) {
      s = co_await impl_->exchange(*conn->tls, *conn, deadline, head, request.body, head_method, out, on_body, reusable);
    } else {
      s = co_await impl_->exchange(*conn->plain, *conn, deadline, head, request.body, head_method, out, on_body, reusable);
    }
    deadline.guard(nullptr);  // the connection goes back to the pool or away
    if (!s.is_ok()) {
      if (reused && out.status == 0 && s.code() == StatusCode::kUnavailable) continue;
      co_return s;
    }
    if (reusable) impl_->give_back(origin, std::move(conn));
    co_return out;
  }
  co_return Status::unavailable("upstream connection failed");
}

}  // namespace brainstem::net
