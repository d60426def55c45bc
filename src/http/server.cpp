#include "http/server.h"

#include "http/socket_write.h"
#include "http/wire.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace brainstem::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

using Clock = std::chrono::steady_clock;

class ChunkWriter;

// One open connection. Lives on one I/O thread's io_context; `idle` is true while waiting for
// the first byte of a request, which is when a graceful stop may close it.
struct Connection {
  explicit Connection(tcp::socket&& s) : socket(std::move(s)) {}
  // The current read or write must be done within `timeout`: past that, the thread's sweep
  // cancels it and it fails with beast::error::timeout (see timed()).
  void expires_after(std::chrono::milliseconds timeout) {
    deadline = Clock::now() + timeout;
    timed_out = false;
  }
  // `ec` of an operation on this connection, with a cancellation by the sweep named a timeout.
  boost::system::error_code timed(const boost::system::error_code& ec) const {
    return ec == asio::error::operation_aborted && timed_out ? boost::system::error_code(beast::error::timeout) : ec;
  }

  tcp::socket socket;
  ChunkWriter* event_stream = nullptr;  // the event stream being written, if any
  beast::flat_buffer input;  // received bytes not parsed yet (a pipelined request's)
  std::string head;          // the response head being written, its capacity kept between responses
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  std::atomic<bool> idle{true};
};

// One I/O thread: its io_context and the connections it serves (touched on that thread only).
// The set outlives the context, whose destruction ends the sessions that leave it.
struct IoThread {
  std::unordered_set<Connection*> connections;
  asio::io_context context{1};
};

// Keeps a connection in its thread's set while its session runs.
class Registration {
 public:
  Registration(IoThread& thread, Connection* conn) : thread_(thread), conn_(conn) { thread_.connections.insert(conn_); }
  ~Registration() { thread_.connections.erase(conn_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  IoThread& thread_;
  Connection* conn_;
};

// Chunked transfer: the head with the first chunk, then each chunk as the producer writes
// it; the terminating chunk with the last one when the producer says which that is.
class ChunkWriter final : public StreamWriter {
 public:
  ChunkWriter(Connection& conn, std::chrono::milliseconds timeout) : conn_(conn), head_(conn.head), timeout_(timeout) {}
  asio::awaitable<bool> write(std::string_view data) override {
    if (!data.empty()) co_return co_await send(data, false);
    co_return open_;
  }
  asio::awaitable<bool> write_last(std::string_view data) override { co_return co_await send(data, true); }
  // Ends the body unless write_last already did.
  asio::awaitable<bool> finish() {
    if (!ended_) co_await send({}, true);
    co_return open_;
  }
  // Called by the thread's sweep: an SSE comment line when nothing was sent for `idle`. Only
  // between writes and only what the socket takes at once, so it never splits or delays an
  // event; a socket that takes part of it has a client that stopped reading, and is closed.
  void heartbeat_if_idle(Clock::time_point now, Clock::duration idle) {
    if (busy_ || ended_ || !open_ || !head_.empty() || now - last_sent_ < idle) return;
    static constexpr std::string_view kBeat = "e\r\n: keep-alive\n\n\r\n";  // one chunk
    boost::system::error_code ec;
    const size_t n = conn_.socket.write_some(asio::buffer(kBeat.data(), kBeat.size()), ec);
    if (ec == asio::error::would_block) return;
    if (ec || n != kBeat.size()) {
      open_ = false;
      conn_.socket.cancel(ec);
      conn_.socket.shutdown(tcp::socket::shutdown_both, ec);
      return;
    }
    last_sent_ = now;
  }

 private:
  asio::awaitable<bool> send(std::string_view data, bool last) {
    if (!open_ || ended_) co_return false;
    ended_ = last;
    busy_ = true;
    char size_line[24];
    int size_len = data.empty() ? 0 : std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    static constexpr std::string_view kCrlf = "\r\n", kLastChunk = "0\r\n\r\n";
    std::array<asio::const_buffer, 5> pieces{
        asio::buffer(head_.data(), head_.size()), asio::buffer(size_line, size_len), asio::buffer(data.data(), data.size()),
        asio::buffer(kCrlf.data(), data.empty() ? 0 : kCrlf.size()),
        asio::buffer(kLastChunk.data(), last ? kLastChunk.size() : 0)};
    conn_.expires_after(timeout_);
    const auto ec = co_await write_all(conn_.socket, pieces);
    head_ = {};
    busy_ = false;
    last_sent_ = Clock::now();
    if (ec) open_ = false;
    co_return open_;
  }

  Connection& conn_;
  std::string_view head_;  // not sent yet
  std::chrono::milliseconds timeout_;
  Clock::time_point last_sent_ = Clock::now();
  bool busy_ = false;  // a write is under way
  bool open_ = true;
  bool ended_ = false;
};

// The peer left or went quiet: nothing to answer.
bool connection_gone(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::not_connected;
}

size_t largest_limit(const ServerOptions& options) {
  size_t largest = options.body_limit;
  for (const auto& [prefix, limit] : options.upload_limits) largest = std::max(largest, limit);
  return largest;
}

}  // namespace

size_t body_limit_for(const ServerOptions& options, std::string_view target) {
  for (const auto& [prefix, limit] : options.upload_limits) {
    if (target.starts_with(prefix)) return limit;
  }
  return options.body_limit;
}

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions o, Handler h)
      : options(std::move(o)), largest_body_limit(largest_limit(options)), handler(std::move(h)),
        threads(make_threads(options.threads)), acceptor(main()) {
    for (auto& t : threads) keep_running.emplace_back(t->context.get_executor());
  }

  // One io_context per I/O thread: a connection stays on the thread that accepted it, so its
  // handlers never need a strand and a post never wakes another thread.
  static std::vector<std::unique_ptr<IoThread>> make_threads(int count) {
    std::vector<std::unique_ptr<IoThread>> out;
    for (int i = 0; i < std::max(count, 1); ++i) out.push_back(std::make_unique<IoThread>());
    return out;
  }
  // The first thread's context: the acceptor, signals and the server's periodic tasks.
  asio::io_context& main() { return threads.front()->context; }
  void stop_all() {
    keep_running.clear();
    for (auto& t : threads) t->context.stop();
  }

  // How often each thread looks for connections past their deadline (and idle event streams):
  // a timeout fires up to this much late. One sweep a thread replaces a timer armed and
  // cancelled per read and write, and a heartbeat timer per stream.
  Clock::duration sweep_interval() const {
    auto shortest = std::min({options.header_timeout, options.idle_timeout, options.body_timeout});
    if (options.sse_heartbeat.count() > 0) shortest = std::min(shortest, options.sse_heartbeat);
    return std::clamp<Clock::duration>(shortest / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
  }

  asio::awaitable<void> sweep(IoThread& thread) {
    asio::steady_timer timer(thread.context);
    const auto interval = sweep_interval();
    for (;;) {
      timer.expires_after(interval);
      auto [ec] = co_await timer.async_wait(kTuple);
      if (ec) co_return;
      const auto now = Clock::now();
      for (Connection* c : thread.connections) {
        if (c->deadline <= now && !c->timed_out) {
          c->timed_out = true;
          boost::system::error_code ignored;
          c->socket.cancel(ignored);
        }
        if (c->event_stream) c->event_stream->heartbeat_if_idle(now, options.sse_heartbeat);
      }
    }
  }

  ServerOptions options;
  const size_t largest_body_limit;  // what the header parser allows before the path is known
  Handler handler;
  std::vector<std::unique_ptr<IoThread>> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;  // idle threads wait for work
  size_t next_thread = 0;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::mutex conns_mu;
  std::unordered_set<std::shared_ptr<Connection>> conns;

  asio::awaitable<void> accept_loop() {
    while (!stopping) {
      IoThread& home = *threads[next_thread++ % threads.size()];  // round robin over the threads
      auto [ec, socket] = co_await acceptor.async_accept(home.context, kTuple);
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) break;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      socket.set_option(tcp::no_delay(true));
      // Replies are written at once where they fit (write_all), which needs a socket that
      // never blocks the thread.
      boost::system::error_code mode_ec;
      if (socket.non_blocking(true, mode_ec); mode_ec) continue;
      auto conn = std::make_shared<Connection>(std::move(socket));
      {
        std::lock_guard lock(conns_mu);
        conns.insert(conn);
      }
      asio::co_spawn(home.context, session(conn, home), [self = shared_from_this(), conn](std::exception_ptr) {
        std::lock_guard lock(self->conns_mu);
        self->conns.erase(conn);
      });
    }
  }

  static Status too_large(size_t limit) {
    return Status(StatusCode::kPayloadTooLarge, "request body exceeds " + std::to_string(limit) + " bytes");
  }

  // How reading a request ended.
  enum class Read { kRequest, kRejected, kGone };

  // Feeds the parser from the connection until `done` holds for it. Leaves the error of the
  // read or the parse in `ec`; bytes past the message stay in the connection's input.
  template <class Done>
  static asio::awaitable<void> parse_until(Connection& conn, wire::RequestParser& parser, Done done,
                                           boost::system::error_code& ec) {
    beast::flat_buffer& input = conn.input;
    while (!done()) {
      if (input.size() > 0) {
        const size_t used = parser.put(input.data(), ec);
        input.consume(used);
        if (ec && ec != bhttp::error::need_more) co_return;
        const bool starved = ec == bhttp::error::need_more || used == 0;
        ec = {};
        if (!starved) continue;
      }
      auto [read_ec, n] = co_await conn.socket.async_read_some(input.prepare(beast::read_size(input, 65536)), kTuple);
      input.commit(n);
      const boost::system::error_code rec = conn.timed(read_ec);
      if (rec == asio::error::eof) {
        if (parser.got_some()) parser.put_eof(ec);
        else ec = bhttp::error::end_of_stream;
        co_return;
      }
      if (rec) {
        ec = rec;
        co_return;
      }
    }
  }

  // Reads the next request into `req`. kRejected: it could not be read whole and
  // `req.transport_error` says why (answer it, then close); kGone: nothing to answer.
  asio::awaitable<Read> read_request(Connection& conn, Request& req, bool first) {
    wire::RequestParser parser(req);
    parser.header_limit(static_cast<uint32_t>(options.header_limit));
    parser.body_limit(largest_body_limit);
    conn.idle = true;
    conn.expires_after(first ? options.header_timeout : options.idle_timeout);
    boost::system::error_code ec;
    co_await parse_until(conn, parser, [&] { return parser.is_header_done(); }, ec);
    conn.idle = false;
    if (ec) {
      if (ec == bhttp::error::body_limit) {  // a declared Content-Length over the largest limit
        req.transport_error = too_large(largest_body_limit);
      } else if (ec == bhttp::error::bad_transfer_encoding || ec == bhttp::error::bad_content_length) {
        // Framing two readers could disagree on (request smuggling): the request line is kept
        // so that the answer speaks the family of the path.
        req.transport_error = Status::invalid("ambiguous message framing: Transfer-Encoding must be exactly \"chunked\", "
                                              "Content-Length one number, and not both");
      } else if (ec == bhttp::error::header_limit) {
        req = Request{};
        req.transport_error = Status::invalid("request headers too large");
      } else if (!connection_gone(ec)) {
        req = Request{};
        req.transport_error = Status::invalid("malformed HTTP request");
      } else {
        co_return Read::kGone;
      }
      co_return Read::kRejected;
    }
    const size_t limit = body_limit_for(options, req.target);
    if (auto length = parser.content_length(); length && *length > limit) {
      req.transport_error = too_large(limit);
      co_return Read::kRejected;
    }
    parser.body_limit(limit);
    parser.eager(true);
    conn.expires_after(options.body_timeout);
    co_await parse_until(conn, parser, [&] { return parser.is_done(); }, ec);
    if (ec == bhttp::error::body_limit) {
      req.transport_error = too_large(limit);
      co_return Read::kRejected;
    }
    if (ec == beast::error::timeout) {
      req.transport_error = Status::invalid("request body not received in time");
      co_return Read::kRejected;
    }
    if (ec && !connection_gone(ec)) {  // e.g. a chunk size that is not hexadecimal
      req.body.clear();
      req.transport_error = Status::invalid("malformed request body: " + ec.message());
      co_return Read::kRejected;
    }
    if (ec) co_return Read::kGone;
    req.keep_alive = parser.keep_alive();
    co_return Read::kRequest;
  }

  asio::awaitable<bool> write(Connection& conn, const Request& req, Response&& res, bool keep_alive) {
    const bool head_only = req.method == "HEAD";
    conn.head.clear();
    if (res.stream && !head_only) co_return co_await write_stream(conn, res, keep_alive);
    const bool has_body = !head_only && !wire::status_has_no_body(res.status);
    wire::render_response_head(conn.head, res, res.stream ? std::nullopt : std::optional<size_t>(res.body.size()),
                               keep_alive);
    std::array<asio::const_buffer, 2> message{asio::buffer(conn.head),
                                              asio::buffer(res.body.data(), has_body ? res.body.size() : 0)};
    conn.expires_after(options.body_timeout);
    const auto ec = co_await write_all(conn.socket, message);
    co_return !ec;
  }

  asio::awaitable<bool> write_stream(Connection& conn, Response& res, bool keep_alive) {
    wire::render_response_head(conn.head, res, std::nullopt, keep_alive);
    ChunkWriter writer(conn, options.body_timeout);
    // An event stream is offered to the sweep for heartbeats while it runs.
    const bool beats = options.sse_heartbeat.count() > 0 && res.content_type.starts_with("text/event-stream");
    if (beats) conn.event_stream = &writer;
    struct Withdraw {
      Connection& conn;
      ~Withdraw() { conn.event_stream = nullptr; }
    } withdraw{conn};
    co_await res.stream(writer);
    co_return co_await writer.finish();
  }

  asio::awaitable<void> session(std::shared_ptr<Connection> conn, IoThread& home) {
    const Registration registration(home, conn.get());
    conn->input.reserve(4096);  // reads take what the buffer has room for: most requests in one
    std::string remote;
    {
      boost::system::error_code ec;
      auto ep = conn->socket.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    bool first = true;
    while (!stopping) {
      Request req;
      const Read read = co_await read_request(*conn, req, first);
      first = false;
      if (read == Read::kGone) break;
      req.remote_address = remote;
      // A request that cannot be read whole is answered once and the connection closes.
      if (read == Read::kRejected) req.keep_alive = false;
      Response res;
      try {
        res = co_await handler(req);
      } catch (const std::exception&) {
        res = Response::text(500, "internal error");
      }
      bool keep_alive = req.keep_alive && !stopping;
      if (!co_await write(*conn, req, std::move(res), keep_alive) || !keep_alive) break;
    }
    boost::system::error_code ignored;
    conn->socket.shutdown(tcp::socket::shutdown_send, ignored);
    conn->socket.close(ignored);
  }
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

Status Server::start() {
  auto& a = impl_->acceptor;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::invalid("bad listen address '" + impl_->options.host + "'");
  tcp::endpoint ep(address, impl_->options.port);
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::unavailable("cannot listen on " + impl_->options.host + ":" +
                               std::to_string(impl_->options.port) + ": " + ec.message());
  }
  asio::co_spawn(impl_->main(), impl_->accept_loop(), asio::detached);
  for (auto& thread : impl_->threads) asio::co_spawn(thread->context, impl_->sweep(*thread), asio::detached);
  return Status::ok();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

boost::asio::any_io_executor Server::executor() { return impl_->main().get_executor(); }

void Server::run() {
  std::vector<std::thread> extra;
  for (size_t i = 1; i < impl_->threads.size(); ++i) extra.emplace_back([this, i] { impl_->threads[i]->context.run(); });
  impl_->main().run();
  for (auto& t : extra) t.join();
}

void Server::stop() {
  auto impl = impl_;
  asio::post(impl->main(), [impl] {
    if (impl->stopping.exchange(true)) return;
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    std::vector<std::shared_ptr<Connection>> conns;
    {
      std::lock_guard lock(impl->conns_mu);
      conns.assign(impl->conns.begin(), impl->conns.end());
    }
    for (auto& c : conns) {
      asio::post(c->socket.get_executor(), [c] {
        boost::system::error_code ignored;
        if (c->idle) c->socket.cancel(ignored);
      });
    }
    // In-flight requests finish and close; whatever is still open after the drain is cut.
    auto timer = std::make_shared<asio::steady_timer>(impl->main(), impl->options.drain_timeout);
    timer->async_wait([impl, timer](boost::system::error_code) { impl->stop_all(); });
    // Ends the timer early once every connection is gone.
    auto poll = std::make_shared<std::function<void()>>();
    auto check = std::make_shared<asio::steady_timer>(impl->main());
    *poll = [impl, timer, check, poll] {
      bool empty;
      {
        std::lock_guard lock(impl->conns_mu);
        empty = impl->conns.empty();
      }
      if (empty && impl->options.background_idle && !impl->options.background_idle()) empty = false;
      if (empty) {
        timer->cancel();
        impl->stop_all();
        return;
      }
      check->expires_after(std::chrono::milliseconds(20));
      check->async_wait([poll](boost::system::error_code) { (*poll)(); });
    };
    (*poll)();
  });
}

}  // namespace brainstem::http
