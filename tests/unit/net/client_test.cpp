#include "net/client.h"

#include "common/run_sync.h"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace {

using namespace brainstem;
using namespace brainstem::http;
using namespace brainstem::net;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A server on a loopback port that reads one request per connection, writes `reply`, and
// then, when `close_after` is set, closes the connection without announcing it, as a server
// whose keep-alive timeout passed does.
class RawServer {
 public:
  RawServer(std::string reply, bool close_after) : reply_(std::move(reply)), close_after_(close_after) {
    thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ignored);  // wakes the blocking accept
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/"; }
  int connections() const { return connections_; }
  int answered() const { return answered_; }

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ++connections_;
      for (;;) {
        asio::streambuf request;
        asio::read_until(socket, request, "\r\n\r\n", ec);
        if (ec) break;
        asio::write(socket, asio::buffer(reply_), ec);
        ++answered_;
        if (ec || close_after_) break;
      }
      socket.close(ec);
    }
  }

  std::string reply_;
  bool close_after_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> answered_{0};
  std::thread thread_;
};

Result<ClientResponse> get(asio::io_context& ioc, HttpClient& client, const std::string& url) {
  ClientRequest req;
  req.url = url;
  req.timeout = 5s;
  return run_sync(ioc, client.send(req));
}

void wait_for(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(2ms);
}

TEST(HttpClientPool, KeptAliveConnectionIsReusedForTheNextRequest) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
  asio::io_context ioc;
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    auto res = get(ioc, client, server.url());
    ASSERT_TRUE(res.ok()) << res.status().message();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "ok");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientPool, PooledConnectionTheServerClosedIsReplacedWithoutAnError) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true);
  asio::io_context ioc;
  HttpClient client;
  auto first = get(ioc, client, server.url());
  ASSERT_TRUE(first.ok()) << first.status().message();
  wait_for([&] { return server.answered() == 1; });
  std::this_thread::sleep_for(20ms);  // the server's close reaches the pooled connection
  auto second = get(ioc, client, server.url());
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientPool, BodyEndedByTheServerClosingIsReadWholeAndNotPooled) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", true);
  asio::io_context ioc;
  HttpClient client;
  for (int i = 0; i < 2; ++i) {
    auto res = get(ioc, client, server.url());
    ASSERT_TRUE(res.ok()) << res.status().message();
    EXPECT_EQ(res->body, "until the end");
  }
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientPool, ResponseCutShortIsAnError) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true);
  asio::io_context ioc;
  HttpClient client;
  auto res = get(ioc, client, server.url());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable);
}

TEST(ParseUrl, RefusesSpacesAndControlCharacters) {
  EXPECT_TRUE(parse_url("http://127.0.0.1:9/hook?a=1").ok());
  EXPECT_FALSE(parse_url("http://127.0.0.1:9/a b").ok());
  EXPECT_FALSE(parse_url("http://127.0.0.1:9/a\r\nX-Injected: 1").ok());
  EXPECT_FALSE(parse_url(std::string("http://127.0.0.1:9/a\0b", 23)).ok());
}

}  // namespace
