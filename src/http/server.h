// The HTTP/1.1 server: asynchronous (one coroutine per connection; one io_context per I/O
// thread, connections spread over them round robin), keep-alive, body limit, header/idle
// timeouts, graceful stop.
//
// The handler is called for every request that was read, and also for requests that could
// not be read whole (Request::transport_error set), so one place renders every answer.
// Thread-safety: start() and run() from one thread; stop() from any thread or a signal handler
// context posted to the server's executor.
#pragma once

#include "common/status.h"
#include "http/message.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brainstem::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port (see Server::port())
  int threads = 2;
  size_t body_limit = 1 << 20;  // larger bodies get 413 without being read
  // Paths starting with one of these prefixes take bodies up to its limit instead (uploads).
  std::vector<std::pair<std::string, size_t>> upload_limits;
  size_t header_limit = 16 << 10;
  // Timeouts are enforced by a sweep of each I/O thread's connections every quarter of the
  // shortest of them (10 ms to 1 s), so one fires up to that much late.
  std::chrono::milliseconds header_timeout{10000};  // whole header of a new request
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait between requests
  std::chrono::milliseconds body_timeout{60000};    // the body, and each write of the response
  std::chrono::milliseconds drain_timeout{30000};  // graceful stop: in-flight requests get this long
  // Graceful stop also waits, within drain_timeout, until this says the server's background
  // work (spawned by requests, outliving them) is done. Unset: nothing to wait for.
  std::function<bool()> background_idle;
  // An event stream (text/event-stream) that has sent nothing for this long gets a comment
  // line (": keep-alive"), which clients ignore and proxies take as life; 0 turns it off.
  std::chrono::milliseconds sse_heartbeat{15000};
};

// The body limit for a request target under `options`.
size_t body_limit_for(const ServerOptions& options, std::string_view target);

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();

  // Binds and listens. kUnavailable if the address cannot be bound.
  Status start();
  uint16_t port() const;
  // Serves until stop() and the drain have finished. Uses `threads` threads (this one included).
  void run();
  // Stops accepting, lets in-flight requests finish (answered with Connection: close), closes
  // idle connections. Returns at once; run() returns when done.
  void stop();
  // The first I/O thread's executor (the acceptor's): for the server's own periodic tasks.
  boost::asio::any_io_executor executor();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace brainstem::http
