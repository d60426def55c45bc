// Plain request and response types that handlers see. No Beast type crosses this line.
#pragma once

#include "common/status.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <memory>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brainstem::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // upper case: "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // percent-decoded, without the query
  std::string query;   // raw query string, without '?'
  std::vector<Header> headers;
  std::string body;
  std::string remote_address;
  bool keep_alive = true;
  // Set by the transport when the request could not be read whole (413, 400, 408); the
  // handler renders it in the right family's envelope instead of routing.
  std::optional<Status> transport_error;
  // Filled by the router: values of ":name" / "{name}" segments.
  std::vector<std::pair<std::string, std::string>> path_params;

  // The path as received (still percent-encoded), for routing.
  std::string_view raw_path() const { return std::string_view(target).substr(0, target.find('?')); }
  // Case-insensitive; the first value, or empty.
  std::string_view header(std::string_view name) const;
  std::string_view param(std::string_view name) const;
  // Percent-decoded value of a query parameter, nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

// Writes the chunks of a streamed response (Server-Sent Events and the like).
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Sends `data` to the client now (the status and headers go with the first piece). Returns
  // false once the client is gone: stop producing.
  virtual boost::asio::awaitable<bool> write(std::string_view data) = 0;
  // Sends `data` and ends the body with it, in one write; nothing may be written after it.
  virtual boost::asio::awaitable<bool> write_last(std::string_view data) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;
  std::string body;
  // When set, the body is produced by this coroutine after the status and headers are sent
  // (chunked); `body` is ignored. Decide the status before returning such a response.
  std::function<boost::asio::awaitable<void>(StreamWriter&)> stream;
  // Kept until the response has been sent, streamed body included: e.g. a generation slot.
  std::shared_ptr<void> hold;

  // Replaces an existing header of the same name (case-insensitive).
  void set_header(std::string_view name, std::string value);
  std::string_view header(std::string_view name) const;

  static Response json(int status, const boost::json::value& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response empty(int status);
  // A Server-Sent Events response (text/event-stream, no caching) produced by `producer`.
  static Response event_stream(std::function<boost::asio::awaitable<void>(StreamWriter&)> producer);
};

bool iequals(std::string_view a, std::string_view b);
std::string percent_decode(std::string_view in, bool plus_as_space);

}  // namespace brainstem::http
