// An asynchronous HTTP/1.1 client for upstream calls (model providers, webhooks): keep-alive
// connections pooled per origin, TLS (with certificate and host name verification), a
// deadline per request, and bodies either collected or streamed as they arrive.
//
// Thread-safety: one HttpClient serves every I/O thread; a pooled connection is used by one
// request at a time. Errors: kUnavailable (connect, TLS or I/O failure: retryable),
// kDeadlineExceeded (the deadline passed), kInvalidArgument (bad URL), kPermissionDenied
// (the request's AddressPolicy refuses every address the host resolves to; nothing was sent).
// An HTTP error status is not an error here: it is in ClientResponse::status.
#pragma once

#include "common/status.h"
#include "http/message.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::net {

class AddressPolicy;

struct Url {
  std::string scheme;  // http | https
  std::string host;
  std::string port;
  std::string target;  // path and query, "/" at least
};
Result<Url> parse_url(std::string_view url);

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  std::vector<http::Header> headers;
  std::string body;
  std::chrono::milliseconds timeout{60000};  // the whole exchange, streamed bodies included
  // When set, only addresses it allows are connected to, pooled connections included.
  const AddressPolicy* address_policy = nullptr;
};

struct ClientResponse {
  int status = 0;
  std::vector<http::Header> headers;
  std::string body;  // collected unless streamed
  std::string_view header(std::string_view name) const;
};

// Receives body bytes of a successful (2xx) streamed response; returns false to abort.
using BodySink = std::function<boost::asio::awaitable<bool>(std::string_view)>;

struct ClientOptions {
  size_t max_idle_per_origin = 64;
  std::chrono::milliseconds idle_timeout{30000};  // pooled connections older than this are closed
  size_t max_response_bytes = 64 << 20;           // collected bodies beyond this fail
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();

  // Sends the request; with `on_body` set, a 2xx response body is passed on piece by piece
  // (ClientResponse::body stays empty), any other status is collected as usual.
  boost::asio::awaitable<Result<ClientResponse>> send(const ClientRequest& request, const BodySink* on_body = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brainstem::net
