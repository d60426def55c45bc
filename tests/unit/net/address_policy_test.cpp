#include "net/address_policy.h"

#include "net/client.h"
#include "http/server.h"
#include "common/run_sync.h"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace brainstem;
using namespace brainstem::http;
using namespace brainstem::net;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Classification only: no test connects to any of these addresses.
TEST(AddressPolicy, RefusesSpecialRanges) {
  AddressPolicy policy;
  for (const char* ip : {"127.0.0.1", "127.255.255.254", "::1",                        // loopback
                         "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",  // private
                         "192.168.0.1", "192.168.255.255",                              //
                         "169.254.169.254", "169.254.0.1", "fe80::1", "febf::1",        // link-local
                         "fc00::1", "fdff:ffff::1",                                     // unique-local
                         "fec0::1",                                                     // site-local
                         "0.0.0.0", "0.1.2.3", "::",                                    // unspecified
                         "224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1",          // multicast
                         "240.0.0.1", "255.255.255.255",                                // reserved
                         "100.64.0.1", "100.127.255.255",                               // CGNAT
                         "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
                         "::ffff:192.168.1.1", "::ffff:100.64.0.1", "::ffff:0.0.0.0",  // IPv4-mapped
                         "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1"}) {                   // NAT64
    EXPECT_FALSE(policy.allows(ip)) << ip;
  }
}

TEST(AddressPolicy, AllowsPublicAddresses) {
  AddressPolicy policy;
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.0", "192.167.255.255",
                         "192.169.0.0", "100.63.255.255", "100.128.0.0", "169.253.255.255", "223.255.255.255",
                         "11.0.0.1", "126.255.255.255", "128.0.0.1", "2606:4700:4700::1111", "2001:4860:4860::8888",
                         "::ffff:8.8.8.8", "64:ff9b::808:808", "fbff::1", "fe00::1"}) {
    EXPECT_TRUE(policy.allows(ip)) << ip;
  }
}

TEST(AddressPolicy, UnparseableAddressIsRefused) {
  AddressPolicy policy;
  EXPECT_FALSE(policy.allows("localhost"));
  EXPECT_FALSE(policy.allows(""));
  EXPECT_FALSE(policy.allows("1.2.3"));
}

TEST(AddressPolicy, AllowListWinsOverRefusedRanges) {
  auto policy = AddressPolicy::create({"127.0.0.0/8", "::1/128", "10.1.0.0/16", "192.168.1.7"});
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  EXPECT_TRUE(policy->allows("127.0.0.1"));
  EXPECT_TRUE(policy->allows("127.3.2.1"));
  EXPECT_TRUE(policy->allows("::ffff:127.0.0.1"));
  EXPECT_TRUE(policy->allows("::1"));
  EXPECT_TRUE(policy->allows("10.1.255.1"));
  EXPECT_FALSE(policy->allows("10.2.0.1"));
  EXPECT_TRUE(policy->allows("192.168.1.7"));
  EXPECT_FALSE(policy->allows("192.168.1.8"));
  EXPECT_FALSE(policy->allows("169.254.169.254"));
  EXPECT_TRUE(policy->allows("8.8.8.8"));
}

TEST(AddressPolicy, BadCidrsAreInvalid) {
  for (const char* bad : {"127.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0/8", "not-an-ip", "/8",
                          "10.0.0.0/-1", "10.0.0.0/8/8"}) {
    auto policy = AddressPolicy::create({"127.0.0.0/8", bad});
    ASSERT_FALSE(policy.ok()) << bad;
    EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(policy.status().message().find(bad), std::string::npos);
  }
  EXPECT_TRUE(AddressPolicy::create({"0.0.0.0/0", "::/0", "fe80::/10"}).ok());
}

TEST(AddressPolicy, UrlScheme) {
  EXPECT_TRUE(AddressPolicy::check_url_scheme("https://example.com/hook").is_ok());
  EXPECT_TRUE(AddressPolicy::check_url_scheme("http://example.com:8080").is_ok());
  for (const char* bad : {"ftp://example.com/", "file:///etc/passwd", "gopher://x", "example.com", "https://",
                          "javascript:alert(1)"}) {
    EXPECT_EQ(AddressPolicy::check_url_scheme(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

Result<ClientResponse> get(asio::io_context& ioc, HttpClient& client, const std::string& url, const AddressPolicy* policy,
                           std::chrono::milliseconds timeout = 5s) {
  ClientRequest req;
  req.url = url;
  req.address_policy = policy;
  req.timeout = timeout;
  return run_sync(ioc, client.send(req));
}

// True when a connection waits in the listener's backlog.
bool has_pending_connection(tcp::acceptor& acceptor) {
  acceptor.non_blocking(true);
  boost::system::error_code ec;
  tcp::socket peer = acceptor.accept(ec);
  return !ec;
}

TEST(AddressPolicyClient, RefusedLoopbackIsNeverConnected) {
  asio::io_context ioc;
  tcp::acceptor listener(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.local_endpoint().port()) + "/";
  HttpClient client;
  AddressPolicy policy;

  auto refused = get(ioc, client, url, &policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("address not allowed"), std::string::npos);
  EXPECT_FALSE(has_pending_connection(listener));

  // Host names are judged by what they resolve to.
  auto by_name = get(ioc, client, "http://localhost:" + std::to_string(listener.local_endpoint().port()) + "/", &policy);
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.status().code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(has_pending_connection(listener));

  // The same request with loopback allow-listed does connect (and times out: nobody answers).
  auto allowing = AddressPolicy::create({"127.0.0.0/8"});
  ASSERT_TRUE(allowing.ok());
  auto allowed = get(ioc, client, url, &allowing.value(), 200ms);
  EXPECT_FALSE(allowed.ok());
  EXPECT_EQ(allowed.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(has_pending_connection(listener));
}

TEST(AddressPolicyClient, PooledConnectionDoesNotBypassPolicy) {
  std::atomic<int> requests{0};
  ServerOptions so;
  so.port = 0;
  so.threads = 1;
  Server server(so, [&](Request&) -> asio::awaitable<Response> {
    ++requests;
    co_return Response::text(200, "ok");
  });
  ASSERT_TRUE(server.start().is_ok());
  struct Serving {
    Server& server;
    std::thread thread{[this] { server.run(); }};
    ~Serving() {
      server.stop();
      thread.join();
    }
  } serving{server};
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  asio::io_context ioc;
  HttpClient client;

  auto first = get(ioc, client, url, nullptr);  // no policy: connects, and the connection is pooled
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->status, 200);

  AddressPolicy policy;
  auto refused = get(ioc, client, url, &policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(requests.load(), 1);
}

}  // namespace
