#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::http;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using RawResponse = bhttp::response<bhttp::string_body>;

// What the handler saw, shared between the server's threads and the test.
struct Seen {
  std::mutex mu;
  std::vector<Request> requests;
  std::promise<void> slow_entered;
  std::atomic<bool> slow_signalled{false};
  std::vector<std::thread::id> threads;  // the thread that handled each request
  std::atomic<int> writes_refused_after_last{0};

  std::vector<Request> snapshot() {
    std::lock_guard lock(mu);
    return requests;
  }
};

Handler make_handler(std::shared_ptr<Seen> seen) {
  return [seen](Request& req) -> asio::awaitable<Response> {
    {
      std::lock_guard lock(seen->mu);
      seen->requests.push_back(req);
      seen->threads.push_back(std::this_thread::get_id());
    }
    if (req.transport_error) {
      const Status& s = *req.transport_error;
      Response r = Response::text(http_status_of(s.code()), "transport: " + s.message());
      r.set_header("X-Transport-Error", snake_name(s.code()));
      co_return r;
    }
    if (req.path == "/slow") {
      if (!seen->slow_signalled.exchange(true)) seen->slow_entered.set_value();
      asio::steady_timer timer(co_await asio::this_coro::executor, 200ms);
      co_await timer.async_wait(asio::use_awaitable);
      co_return Response::text(200, "slow done");
    }
    if (req.path == "/throw") throw std::runtime_error("handler failed");
    if (req.path == "/stream") {
      co_return Response::event_stream([seen](StreamWriter& out) -> asio::awaitable<void> {
        co_await out.write("data: one\n\n");
        co_await out.write("");
        co_await out.write_last("data: two\n\n");
        if (!co_await out.write("data: late\n\n")) ++seen->writes_refused_after_last;
      });
    }
    if (req.path == "/stream-idle") {  // an event, a pause, an event
      co_return Response::event_stream([](StreamWriter& out) -> asio::awaitable<void> {
        co_await out.write("data: one\n\n");
        asio::steady_timer pause(co_await asio::this_coro::executor, 300ms);
        co_await pause.async_wait(asio::use_awaitable);
        co_await out.write_last("data: two\n\n");
      });
    }
    if (req.path == "/stream-silent") {
      co_return Response::event_stream([](StreamWriter&) -> asio::awaitable<void> { co_return; });
    }
    Response r = Response::text(200, "echo " + req.method + " " + req.path + " " + req.body);
    r.set_header("X-Handled", "yes");
    co_return r;
  };
}

// A plain TCP client: raw bytes out, responses parsed as they come back. Reads run on the
// client's own io_context with a deadline, so a misbehaving server fails the test instead
// of hanging it.
class RawClient {
 public:
  boost::system::error_code connect(uint16_t port) {
    boost::system::error_code ec;
    stream_.socket().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    return ec;
  }

  void send(std::string_view raw) { asio::write(stream_.socket(), asio::buffer(raw.data(), raw.size())); }

  std::optional<RawResponse> read(bool head_request = false, std::chrono::seconds timeout = 5s) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head_request);
    parser.body_limit(16 << 20);
    stream_.expires_after(timeout);
    boost::system::error_code result;
    bhttp::async_read(stream_, buffer_, parser, [&](boost::system::error_code ec, size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    last_error_ = result;
    if (result) return std::nullopt;
    return parser.release();
  }

  // True when the server closes the connection (EOF or reset) with nothing more to read.
  bool closed_by_server(std::chrono::seconds timeout = 5s) {
    if (buffer_.size() > 0) return false;
    char byte;
    stream_.expires_after(timeout);
    boost::system::error_code result;
    size_t got = 0;
    stream_.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code ec, size_t n) {
      result = ec;
      got = n;
    });
    ioc_.restart();
    ioc_.run();
    return got == 0 && (result == asio::error::eof || result == asio::error::connection_reset);
  }

  const boost::system::error_code& last_error() const { return last_error_; }

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  boost::system::error_code last_error_;
};

std::string get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

class HttpServer : public ::testing::Test {
 protected:
  static ServerOptions test_options() {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.body_limit = 1024;
    o.header_limit = 2048;
    o.drain_timeout = 5000ms;
    return o;
  }

  void start(ServerOptions options = test_options()) {
    server_ = std::make_unique<Server>(options, make_handler(seen_));
    Status s = server_->start();
    ASSERT_TRUE(s.is_ok()) << s.message();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
    runner_ = std::thread([this] {
      server_->run();
      run_returned_ = true;
    });
  }

  // Stops the server and waits for run() to return.
  bool stop_and_wait(std::chrono::milliseconds limit = 5000ms) {
    server_->stop();
    return wait_for_run_to_return(limit);
  }

  bool wait_for_run_to_return(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!run_returned_ && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    if (run_returned_ && runner_.joinable()) runner_.join();
    return run_returned_;
  }

  void TearDown() override {
    if (runner_.joinable()) {
      server_->stop();
      runner_.join();
    }
  }

  std::shared_ptr<Seen> seen_ = std::make_shared<Seen>();
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::thread runner_;
  std::atomic<bool> run_returned_{false};
};

TEST_F(HttpServer, ServesRequestOnEphemeralPort) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/hello"));
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), "echo GET /hello ");
  EXPECT_EQ((*res)["X-Handled"], "yes");
  EXPECT_EQ((*res)[bhttp::field::content_type], "text/plain; charset=utf-8");
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/hello");
  EXPECT_EQ(seen[0].remote_address, "127.0.0.1");
  EXPECT_EQ(seen[0].header("host"), "test");
  EXPECT_FALSE(seen[0].transport_error);
}

TEST_F(HttpServer, StreamedBodyIsChunkedAndEndsWithTheLastWrite) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/stream"));
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ((*res)[bhttp::field::content_type], "text/event-stream");
  EXPECT_TRUE(res->chunked());
  EXPECT_EQ(res->body(), "data: one\n\ndata: two\n\n");
  // The body was framed exactly: the connection serves the next request (which also means
  // the producer has returned, its late write refused).
  c.send(get("/after"));
  auto next = c.read();
  ASSERT_TRUE(next) << c.last_error().message();
  EXPECT_EQ(next->body(), "echo GET /after ");
  EXPECT_EQ(seen_->writes_refused_after_last.load(), 1);
}

TEST_F(HttpServer, IdleEventStreamGetsHeartbeatCommentsBetweenWholeEvents) {
  ServerOptions options = test_options();
  options.sse_heartbeat = 40ms;
  start(options);
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/stream-idle"));
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  const std::string& body = res->body();
  ASSERT_TRUE(body.starts_with("data: one\n\n")) << body;
  ASSERT_TRUE(body.ends_with("data: two\n\n")) << body;
  // Only whole comment lines stand between the two events.
  std::string between = body.substr(11, body.size() - 22);
  EXPECT_FALSE(between.empty()) << "the pause is several heartbeat intervals long";
  for (size_t at = 0; at < between.size(); at += 14) EXPECT_EQ(between.substr(at, 14), ": keep-alive\n\n");
  // The connection is still good for the next request.
  c.send(get("/plain"));
  auto next = c.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->result_int(), 200);
}

TEST_F(HttpServer, HeartbeatsCanBeTurnedOff) {
  ServerOptions options = test_options();
  options.sse_heartbeat = 0ms;
  start(options);
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/stream-idle"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "data: one\n\ndata: two\n\n");
}

TEST_F(HttpServer, StreamThatWritesNothingStillSendsHeadersAndAnEmptyBody) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/stream-silent"));
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), "");
  c.send(get("/after"));
  ASSERT_TRUE(c.read());
}

TEST_F(HttpServer, ConnectionsAreSpreadOverTheIoThreads) {
  start();  // two threads
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<RawClient>());
    ASSERT_FALSE(clients.back()->connect(port_));
  }
  for (auto& c : clients) {
    c->send(get("/which-thread"));
    ASSERT_TRUE(c->read());
  }
  std::lock_guard lock(seen_->mu);
  std::set<std::thread::id> distinct(seen_->threads.begin(), seen_->threads.end());
  EXPECT_EQ(distinct.size(), 2u);
}

TEST_F(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/first"));
  auto first = c.read();
  ASSERT_TRUE(first) << c.last_error().message();
  EXPECT_TRUE(first->keep_alive());
  EXPECT_EQ(first->body(), "echo GET /first ");
  c.send("POST /second HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello");
  auto second = c.read();
  ASSERT_TRUE(second) << c.last_error().message();
  EXPECT_EQ(second->body(), "echo POST /second hello");
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].body, "hello");
}

TEST_F(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/one") + get("/two"));
  auto one = c.read();
  auto two = c.read();
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->body(), "echo GET /one ");
  EXPECT_EQ(two->body(), "echo GET /two ");
}

TEST_F(HttpServer, ConnectionCloseRequestIsAnsweredThenClosed) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/bye", "Connection: close\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(HttpServer, Http10WithoutKeepAliveIsClosedAfterResponse) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send("GET /old HTTP/1.0\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "echo GET /old ");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(HttpServer, HeadResponseHasNoBodyAndKeepsConnectionUsable) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send("HEAD /thing HTTP/1.1\r\nHost: test\r\n\r\n");
  auto head = c.read(/*head_request=*/true);
  ASSERT_TRUE(head) << c.last_error().message();
  EXPECT_EQ(head->result_int(), 200);
  EXPECT_TRUE(head->body().empty());
  c.send(get("/after"));
  auto next = c.read();
  ASSERT_TRUE(next) << c.last_error().message();
  EXPECT_EQ(next->body(), "echo GET /after ");
}

TEST_F(HttpServer, PathIsPercentDecodedAndQueryKeptRaw) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/v1/caf%C3%A9/a%20b?name=hello%20world&tag=a+b&enc=%26x"));
  auto res = c.read();
  ASSERT_TRUE(res);
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  const Request& r = seen[0];
  EXPECT_EQ(r.target, "/v1/caf%C3%A9/a%20b?name=hello%20world&tag=a+b&enc=%26x");
  EXPECT_EQ(r.path, "/v1/caf\xC3\xA9/a b");
  EXPECT_EQ(r.query, "name=hello%20world&tag=a+b&enc=%26x");
  EXPECT_EQ(r.query_param("name"), "hello world");
  EXPECT_EQ(r.query_param("tag"), "a b");
  EXPECT_EQ(r.query_param("enc"), "&x");
  EXPECT_FALSE(r.query_param("missing"));
}

TEST_F(HttpServer, PlusInPathIsNotASpace) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/a+b"));
  ASSERT_TRUE(c.read());
  EXPECT_EQ(seen_->snapshot().at(0).path, "/a+b");
}

TEST_F(HttpServer, BodyWithinLimitIsDelivered) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  std::string body(1024, 'x');
  c.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1024\r\n\r\n" + body);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(seen_->snapshot().at(0).body, body);
}

TEST_F(HttpServer, BodyOverLimitReachesHandlerAsPayloadTooLargeAndCloses) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send("POST /upload?x=1 HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n" +
         std::string(2000, 'y'));
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 413);
  EXPECT_EQ((*res)["X-Transport-Error"], "payload_too_large");
  EXPECT_NE(res->body().find("exceeds 1024 bytes"), std::string::npos) << res->body();
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_by_server());

  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].transport_error);
  EXPECT_EQ(seen[0].transport_error->code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/upload");
  EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
  EXPECT_FALSE(seen[0].keep_alive);
  EXPECT_TRUE(seen[0].body.empty());
}

TEST_F(HttpServer, DeclaredLengthOverLimitIsAnsweredWithoutWaitingForBody) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  // Only the head is sent: the answer must not depend on the 100000 bytes ever arriving.
  c.send("PUT /big HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n");
  auto res = c.read(false, 3s);
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 413);
  EXPECT_TRUE(c.closed_by_server());
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].path, "/big");
}

TEST_F(HttpServer, ChunkedBodyOverLimitReachesHandlerAsPayloadTooLarge) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  std::string chunk(800, 'z');
  c.send("POST /chunked HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
         "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 413);
  EXPECT_TRUE(c.closed_by_server());
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].transport_error);
  EXPECT_EQ(seen[0].transport_error->code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(seen[0].path, "/chunked");
}

// Request smuggling: a Transfer-Encoding that is not exactly one "chunked", or one beside a
// Content-Length, is answered 400 and the connection closes, so the bytes a front proxy might
// have read as part of the body are never served as a request of their own.
TEST_F(HttpServer, AmbiguousTransferEncodingIsRefusedAndNothingAfterItIsServed) {
  start();
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n";
  const std::string chunked_body = "5\r\nhello\r\n0\r\n\r\n";
  const std::string length = "Content-Length: " + std::to_string(chunked_body.size()) + "\r\n";
  const std::vector<std::string> framings = {
      "Transfer-Encoding: xchunked\r\n" + length,
      length + "Transfer-Encoding: xchunked\r\n",
      "Transfer-Encoding: chunked\r\n" + length,
      length + "Transfer-Encoding: chunked\r\n",
      "Transfer-Encoding: CHUNKED\r\n" + length,
      "Transfer-Encoding:  chunked \t\r\n" + length,
      "Transfer-Encoding:\tchunked\r\n" + length,
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked, identity\r\n" + length,
      "Transfer-Encoding: gzip, chunked\r\n",
      "Transfer-Encoding: chunked, chunked\r\n",
      "Transfer-Encoding: gzip\r\n",
      "Transfer-Encoding: \r\n" + length,
  };
  for (const auto& framing : framings) {
    SCOPED_TRACE(framing);
    RawClient c;
    ASSERT_FALSE(c.connect(port_));
    c.send("POST /framed HTTP/1.1\r\nHost: test\r\n" + framing + "\r\n" + chunked_body + smuggled);
    auto res = c.read();
    ASSERT_TRUE(res) << c.last_error().message();
    EXPECT_EQ(res->result_int(), 400);
    EXPECT_EQ((*res)[bhttp::field::connection], "close");
    EXPECT_TRUE(c.closed_by_server());
  }
  for (const auto& seen : seen_->snapshot()) {
    EXPECT_NE(seen.path, "/smuggled");
    ASSERT_TRUE(seen.transport_error) << seen.path;
    EXPECT_EQ(seen.transport_error->code(), StatusCode::kInvalidArgument);
  }
  // Plain chunked framing still works, and so does a pipelined request after it.
  RawClient plain;
  ASSERT_FALSE(plain.connect(port_));
  plain.send("POST /framed HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body + get("/after"));
  auto first = plain.read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body(), "echo POST /framed hello");
  auto second = plain.read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body(), "echo GET /after ");
}

TEST_F(HttpServer, ReadableFramingRefusalKeepsThePathForTheFamilysErrorFormat) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send("POST /v1/chat HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400);
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/v1/chat");
  ASSERT_TRUE(seen[0].transport_error);
  EXPECT_NE(seen[0].transport_error->message().find("Transfer-Encoding"), std::string::npos);
}

TEST_F(HttpServer, InvalidChunkSizeIsAnsweredBadRequestThenClosed) {
  start();
  for (std::string bad_chunk : {"zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n"}) {
    SCOPED_TRACE(bad_chunk);
    RawClient c;
    ASSERT_FALSE(c.connect(port_));
    c.send("POST /chunks HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + bad_chunk + get("/after"));
    auto res = c.read();
    ASSERT_TRUE(res) << c.last_error().message();
    EXPECT_EQ(res->result_int(), 400);
    EXPECT_NE(res->body().find("malformed request body"), std::string::npos) << res->body();
    EXPECT_TRUE(c.closed_by_server());
  }
  for (const auto& seen : seen_->snapshot()) EXPECT_EQ(seen.path, "/chunks");
}

TEST_F(HttpServer, UploadPathsTakeTheirOwnLargerBodyLimit) {
  ServerOptions options = test_options();
  options.upload_limits = {{"/upload/", 4096}};
  start(options);
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  std::string body(3000, 'u');
  c.send("POST /upload/file HTTP/1.1\r\nHost: test\r\nContent-Length: 3000\r\n\r\n" + body);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(seen_->snapshot().at(0).body, body);

  // Beyond the upload limit, and the usual limit elsewhere.
  RawClient big;
  ASSERT_FALSE(big.connect(port_));
  big.send("POST /upload/file HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n");
  auto refused = big.read(false, 3s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 413);
  EXPECT_NE(refused->body().find("exceeds 4096 bytes"), std::string::npos) << refused->body();
  RawClient other;
  ASSERT_FALSE(other.connect(port_));
  other.send("POST /elsewhere HTTP/1.1\r\nHost: test\r\nContent-Length: 3000\r\n\r\n" + body);
  auto elsewhere = other.read();
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->result_int(), 413);
}

TEST_F(HttpServer, MalformedRequestLineReachesHandlerAsBadRequest) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send("THIS IS NOT HTTP\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_EQ((*res)["X-Transport-Error"], "bad_request");
  EXPECT_TRUE(c.closed_by_server());
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].transport_error);
  EXPECT_EQ(seen[0].transport_error->code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpServer, OversizedHeaderReachesHandlerAsBadRequest) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/big", "X-Padding: " + std::string(4096, 'p') + "\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_NE(res->body().find("headers too large"), std::string::npos) << res->body();
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].transport_error);
}

TEST_F(HttpServer, ConnectionClosedWithoutBytesDoesNotReachHandler) {
  start();
  {
    RawClient c;
    ASSERT_FALSE(c.connect(port_));
  }
  RawClient probe;
  ASSERT_FALSE(probe.connect(port_));
  probe.send(get("/probe"));
  ASSERT_TRUE(probe.read());
  auto seen = seen_->snapshot();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/probe");
}

TEST_F(HttpServer, HeaderNotFinishedInTimeClosesTheConnectionUnanswered) {
  ServerOptions o = test_options();
  o.header_timeout = 200ms;
  start(o);
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send("GET /partial HTTP/1.1\r\nHost: test\r\n");  // the blank line never comes
  EXPECT_TRUE(c.closed_by_server(3s));
  EXPECT_TRUE(seen_->snapshot().empty());
}

TEST_F(HttpServer, BodyNotReceivedInTimeIsAnsweredThenClosed) {
  ServerOptions o = test_options();
  o.body_timeout = 200ms;
  start(o);
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc");
  auto res = c.read(false, 3s);
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_NE(res->body().find("not received in time"), std::string::npos) << res->body();
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(HttpServer, KeepAliveConnectionIdlePastItsTimeoutIsClosed) {
  ServerOptions o = test_options();
  o.idle_timeout = 200ms;
  start(o);
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/first"));
  ASSERT_TRUE(c.read());
  EXPECT_TRUE(c.closed_by_server(3s));
}

TEST_F(HttpServer, HandlerExceptionBecomes500AndConnectionStaysUsable) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/throw"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 500);
  c.send(get("/ok"));
  auto next = c.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->result_int(), 200);
}

// A drain timeout far longer than the wait: run() returning within the wait shows it did not
// wait for the timeout, with no bound on how fast a loaded machine must be.
constexpr auto kLongDrain = 600'000ms;
constexpr auto kWellWithinTheDrain = 60'000ms;

TEST_F(HttpServer, StopWithNoConnectionsReturnsRunWithoutWaitingForTheDrainTimeout) {
  ServerOptions options = test_options();
  options.drain_timeout = kLongDrain;
  start(options);
  ASSERT_TRUE(stop_and_wait(kWellWithinTheDrain));
}

TEST_F(HttpServer, StopLetsInFlightRequestFinishThenRunReturns) {
  ServerOptions options = test_options();
  options.drain_timeout = kLongDrain;
  start(options);
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/slow"));
  ASSERT_EQ(seen_->slow_entered.get_future().wait_for(5s), std::future_status::ready);
  server_->stop();

  auto res = c.read();
  ASSERT_TRUE(res) << c.last_error().message();
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), "slow done");
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_by_server());

  // Well before the drain timeout: run() returns once the last connection is gone.
  ASSERT_TRUE(wait_for_run_to_return(kWellWithinTheDrain));

  RawClient late;
  EXPECT_TRUE(late.connect(port_)) << "a connection was accepted after stop";
}

TEST_F(HttpServer, StopWaitsForBackgroundWorkToFinish) {
  std::atomic<bool> background_done{false};
  ServerOptions options = test_options();
  options.background_idle = [&] { return background_done.load(); };
  start(options);
  server_->stop();
  EXPECT_FALSE(wait_for_run_to_return(150ms)) << "background work is still running";
  background_done = true;
  EXPECT_TRUE(wait_for_run_to_return(5000ms));
}

TEST_F(HttpServer, StopClosesIdleKeepAliveConnections) {
  start();
  RawClient c;
  ASSERT_FALSE(c.connect(port_));
  c.send(get("/before-stop"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->keep_alive());
  server_->stop();
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_TRUE(wait_for_run_to_return(5000ms));
}

TEST_F(HttpServer, NewConnectionsAreRefusedAfterStop) {
  start();
  uint16_t port = port_;
  ASSERT_TRUE(stop_and_wait());
  RawClient c;
  auto ec = c.connect(port);
  EXPECT_TRUE(ec);
}

TEST(HttpServerStart, BusyPortIsUnavailable) {
  ServerOptions o;
  o.port = 0;
  Server first(o, make_handler(std::make_shared<Seen>()));
  ASSERT_TRUE(first.start().is_ok());
  o.port = first.port();
  Server second(o, make_handler(std::make_shared<Seen>()));
  Status s = second.start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find(std::to_string(o.port)), std::string::npos) << s.message();
}

TEST(HttpServerStart, BadListenAddressIsInvalid) {
  ServerOptions o;
  o.host = "not-an-address";
  o.port = 0;
  Server server(o, make_handler(std::make_shared<Seen>()));
  EXPECT_EQ(server.start().code(), StatusCode::kInvalidArgument);
}

TEST(HttpServerStart, PortIsZeroBeforeStart) {
  Server server(ServerOptions{}, make_handler(std::make_shared<Seen>()));
  EXPECT_EQ(server.port(), 0);
}

}  // namespace
