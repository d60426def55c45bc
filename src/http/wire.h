// HTTP/1.1 on the wire, for the server and the client: parsers that fill brainstem's own
// request and response types as bytes arrive, and the renderers of message heads. Beast's
// parser does the parsing (limits, chunked bodies, malformed input); its message containers
// are not used, so a request costs one allocation per header string and none per field node.
#pragma once

#include "http/message.h"

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brainstem::http::wire {

namespace bhttp = boost::beast::http;
using beast_view = boost::beast::string_view;

// Parses one request into a Request: method, target, path and query, headers, body.
// Framing that two readers could disagree on is refused (RFC 9112 §6.3): a Transfer-Encoding
// other than exactly one "chunked", or one beside a Content-Length, fails the header with
// bad_transfer_encoding, so the bytes after it are never read as another request.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  explicit RequestParser(Request& out) : out_(out) {}

 private:
  void on_request_impl(bhttp::verb, beast_view method, beast_view target, int version,
                       boost::system::error_code&) override;
  void on_response_impl(int, beast_view, int, boost::system::error_code&) override {}
  void on_field_impl(bhttp::field, beast_view name, beast_view value, boost::system::error_code&) override;
  void on_header_impl(boost::system::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::system::error_code&) override;
  std::size_t on_body_impl(beast_view body, boost::system::error_code&) override;
  void on_chunk_header_impl(std::uint64_t, beast_view, boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast_view body, boost::system::error_code&) override;
  void on_finish_impl(boost::system::error_code&) override {}

  Request& out_;
  int transfer_encodings_ = 0;              // Transfer-Encoding fields seen
  bool transfer_encoding_chunked_ = false;  // the last one's whole value is "chunked"
  bool content_length_ = false;             // a Content-Length field was seen
};

// Parses one response: status and headers into a response, body bytes into `body()`, where
// the reader takes them after each put() (a streamed body is passed on piece by piece).
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  ResponseParser(int& status, std::vector<Header>& headers) : status_(status), headers_(headers) { headers_.reserve(8); }
  std::string& body() { return body_; }

 private:
  void on_request_impl(bhttp::verb, beast_view, beast_view, int, boost::system::error_code&) override {}
  void on_response_impl(int code, beast_view, int, boost::system::error_code&) override { status_ = code; }
  void on_field_impl(bhttp::field, beast_view name, beast_view value, boost::system::error_code&) override {
    headers_.push_back({std::string(name), std::string(value)});
  }
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::system::error_code&) override {}
  std::size_t on_body_impl(beast_view body, boost::system::error_code&) override {
    body_.append(body);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast_view, boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast_view body, boost::system::error_code&) override {
    body_.append(body);
    return body.size();
  }
  void on_finish_impl(boost::system::error_code&) override {}

  int& status_;
  std::vector<Header>& headers_;
  std::string body_;
};

// True for statuses whose responses never carry a body (1xx, 204, 304).
bool status_has_no_body(int status);

// Appends the status line and headers of `res` to `out`, ending with the blank line. The
// framing is the renderer's: Content-Length `content_length`, or chunked when it is absent
// (nothing for bodiless statuses); Connection: close unless `keep_alive`. Headers of the
// response that would contradict that framing, and any header whose name or value carries a
// line break, are left out.
void render_response_head(std::string& out, const Response& res, std::optional<size_t> content_length, bool keep_alive);

// Appends the request line and headers: Host and User-Agent unless `headers` carries its own,
// Content-Length when `content_length` is set.
void render_request_head(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                         const std::vector<Header>& headers, std::optional<size_t> content_length);

}  // namespace brainstem::http::wire
