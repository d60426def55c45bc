#include "http/wire.h"


#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using namespace brainstem::http;
namespace bhttp = boost::beast::http;

// Feeds `bytes` to the parser `step` bytes at a time, the way reads bring them, keeping what
// it did not take. Returns the first error other than need_more.
template <class Parser>
boost::system::error_code feed(Parser& parser, std::string_view bytes, size_t step) {
  std::string pending;
  for (size_t at = 0; at < bytes.size() && !parser.is_done(); at += step) {
    pending.append(bytes.substr(at, step));
    for (;;) {
      boost::system::error_code ec;
      const size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return ec;
      if (used == 0 || pending.empty() || parser.is_done()) break;
    }
  }
  return {};
}

TEST(WireRequestParser, FillsTheRequestFromBytesArrivingInAnyPieces) {
  const std::string bytes =
      "POST /v1/a%20b/c?x=1&y=%32 HTTP/1.1\r\nHost: example\r\nX-Key:  spaced value \r\n"
      "Content-Length: 11\r\n\r\nhello world";
  for (size_t step : {size_t{1}, size_t{7}, bytes.size()}) {
    Request req;
    wire::RequestParser parser(req);
    parser.eager(true);
    ASSERT_FALSE(feed(parser, bytes, step)) << step;
    ASSERT_TRUE(parser.is_done()) << step;
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.target, "/v1/a%20b/c?x=1&y=%32");
    EXPECT_EQ(req.path, "/v1/a b/c");
    EXPECT_EQ(req.query, "x=1&y=%32");
    EXPECT_EQ(req.header("x-key"), "spaced value");
    EXPECT_EQ(req.header("Host"), "example");
    EXPECT_EQ(req.body, "hello world");
    EXPECT_TRUE(parser.keep_alive());
  }
}

TEST(WireRequestParser, JoinsAChunkedBody) {
  Request req;
  wire::RequestParser parser(req);
  parser.eager(true);
  ASSERT_FALSE(feed(parser, "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 3));
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(req.body, "hello world");
}

TEST(WireRequestParser, MalformedStartLineAndOversizedHeadersAreErrors) {
  Request bad;
  wire::RequestParser malformed(bad);
  EXPECT_TRUE(feed(malformed, "GET /x HTTP/9\r\n\r\n", 64));

  Request big;
  wire::RequestParser limited(big);
  limited.header_limit(64);
  EXPECT_EQ(feed(limited, "GET /x HTTP/1.1\r\nX-Long: " + std::string(200, 'a') + "\r\n\r\n", 64),
            bhttp::error::header_limit);
}

TEST(WireRequestParser, BodyOverTheLimitIsAnError) {
  Request req;
  wire::RequestParser parser(req);
  parser.body_limit(4);
  EXPECT_EQ(feed(parser, "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 64), bhttp::error::body_limit);
}

TEST(WireRequestParser, Http10WithoutKeepAliveIsNotKeptAlive) {
  Request req;
  wire::RequestParser parser(req);
  ASSERT_FALSE(feed(parser, "GET /old HTTP/1.0\r\n\r\n", 64));
  ASSERT_TRUE(parser.is_done());
  EXPECT_FALSE(parser.keep_alive());
}

TEST(WireResponseParser, ReadsStatusHeadersAndAChunkedBody) {
  int status = 0;
  std::vector<Header> headers;
  wire::ResponseParser parser(status, headers);
  parser.eager(true);
  ASSERT_FALSE(feed(parser,
                    "HTTP/1.1 201 Created\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "6\r\ndata: \r\n3\r\nhi\n\r\n0\r\n\r\n",
                    5));
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(status, 201);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].name, "Content-Type");
  EXPECT_EQ(headers[0].value, "text/event-stream");
  EXPECT_EQ(parser.body(), "data: hi\n");
}

TEST(WireResponseHead, CarriesStatusTypeHeadersAndLength) {
  Response res = Response::text(404, "missing");
  res.headers.push_back({"X-Request-Id", "req_1"});
  std::string out;
  wire::render_response_head(out, res, res.body.size(), true);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nX-Request-Id: req_1\r\n"
            "Content-Length: 7\r\n\r\n");
}

TEST(WireResponseHead, ChunkedWithoutLengthAndCloseWhenNotKeptAlive) {
  Response res = Response::empty(200);
  res.content_type = "text/event-stream";
  std::string out;
  wire::render_response_head(out, res, std::nullopt, false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

TEST(WireResponseHead, BodilessStatusesAnnounceNoBody) {
  Response res = Response::empty(204);
  res.content_type.clear();
  std::string out;
  wire::render_response_head(out, res, 0, true);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(WireResponseHead, FramingHeadersAndLineBreaksCannotBeInjected) {
  Response res = Response::text(200, "ok");
  res.headers = {{"Content-Length", "999"},
                 {"Transfer-Encoding", "chunked"},
                 {"Connection", "keep-alive"},
                 {"X-Evil", "a\r\nSet-Cookie: stolen=1"},
                 {"X-Bad\r\nName", "v"},
                 {"X-Fine", "yes"}};
  std::string out;
  wire::render_response_head(out, res, 2, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Fine: yes\r\nContent-Length: 2\r\n\r\n");
}

TEST(WireRequestHead, AddsHostAgentAndLengthUnlessTheCallerSetsThem) {
  std::string out;
  wire::render_request_head(out, "POST", "/v1/chat/completions", "127.0.0.1:8080", {{"Authorization", "Bearer k"}}, 12);
  EXPECT_EQ(out,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: brainstem/0.1\r\n"
            "Authorization: Bearer k\r\nContent-Length: 12\r\n\r\n");

  std::string own;
  wire::render_request_head(own, "GET", "/", "h", {{"user-agent", "custom"}, {"Content-Length", "5"}, {"X-A", "1\r\nX-B: 2"}},
                            std::nullopt);
  EXPECT_EQ(own, "GET / HTTP/1.1\r\nHost: h\r\nuser-agent: custom\r\n\r\n");
}

}  // namespace
