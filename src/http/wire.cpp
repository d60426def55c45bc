#include "http/wire.h"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace brainstem::http::wire {

namespace {

// Two single-character searches (memchr) rather than find_first_of, which tests the set
// character by character.
bool has_line_break(std::string_view s) { return s.find('\n') != std::string_view::npos || s.find('\r') != std::string_view::npos; }

// A header the caller may not set: the renderer owns the message framing.
bool is_framing(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

// Framing headers are the renderer's; a line break or a colon would let a value forge others.
bool renderable(const Header& h) {
  return !is_framing(h.name) && !has_line_break(h.name) && h.name.find(':') == std::string::npos && !has_line_break(h.value);
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

void append_number(std::string& out, size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void append_content_length(std::string& out, size_t n) {
  out.append("Content-Length: ");
  append_number(out, n);
  out.append("\r\n");
}

}  // namespace

void RequestParser::on_request_impl(bhttp::verb, beast_view method, beast_view raw_target, int,
                                    boost::system::error_code&) {
  const std::string_view target = raw_target;
  out_.method.assign(method);
  out_.target.assign(target);
  const size_t q = target.find('?');
  out_.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) out_.query.assign(target.substr(q + 1));
  out_.headers.reserve(8);
}

void RequestParser::on_field_impl(bhttp::field field, beast_view name, beast_view value,
                                  boost::system::error_code&) {
  if (field == bhttp::field::transfer_encoding) {
    ++transfer_encodings_;
    transfer_encoding_chunked_ = iequals(value, "chunked");  // the parser trims surrounding whitespace
  } else if (field == bhttp::field::content_length) {
    content_length_ = true;
  }
  out_.headers.push_back({std::string(name), std::string(value)});
}

void RequestParser::on_header_impl(boost::system::error_code& ec) {
  if (transfer_encodings_ == 0) return;
  if (transfer_encodings_ > 1 || !transfer_encoding_chunked_ || content_length_) {
    ec = bhttp::error::bad_transfer_encoding;
  }
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::system::error_code&) {
  if (length) out_.body.reserve(static_cast<size_t>(*length));
}

std::size_t RequestParser::on_body_impl(beast_view body, boost::system::error_code&) {
  out_.body.append(body);
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, beast_view body, boost::system::error_code&) {
  out_.body.append(body);
  return body.size();
}

bool status_has_no_body(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

void render_response_head(std::string& out, const Response& res, std::optional<size_t> content_length, bool keep_alive) {
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<size_t>(res.status));
  out.push_back(' ');
  out.append(bhttp::obsolete_reason(static_cast<bhttp::status>(res.status)));
  out.append("\r\n");
  if (!res.content_type.empty() && !has_line_break(res.content_type)) append_header(out, "Content-Type", res.content_type);
  for (const auto& h : res.headers) {
    if (renderable(h)) append_header(out, h.name, h.value);
  }
  if (!status_has_no_body(res.status)) {
    if (content_length) append_content_length(out, *content_length);
    else out.append("Transfer-Encoding: chunked\r\n");
  }
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
}

void render_request_head(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                         const std::vector<Header>& headers, std::optional<size_t> content_length) {
  out.append(method).push_back(' ');
  out.append(target).append(" HTTP/1.1\r\n");
  bool has_host = false, has_agent = false;
  for (const auto& h : headers) {
    has_host = has_host || iequals(h.name, "host");
    has_agent = has_agent || iequals(h.name, "user-agent");
  }
  if (!has_host) append_header(out, "Host", host);
  if (!has_agent) append_header(out, "User-Agent", "brainstem/0.1");
  for (const auto& h : headers) {
    if (renderable(h)) append_header(out, h.name, h.value);
  }
  if (content_length) append_content_length(out, *content_length);
  out.append("\r\n");
}

}  // namespace brainstem::http::wire
