#include "knowledge/page_fetcher.h"

#include "testing/loopback_server.h"
#include "common/run_sync.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::knowledge;
using test_support::LoopbackServer;

boost::asio::awaitable<http::Response> pages(http::Request& req) {
  if (req.path == "/page") co_return http::Response::text(200, "<html><body><p>Hello</p></body></html>", "text/html");
  if (req.path == "/hop") {
    http::Response res = http::Response::empty(302);
    res.headers.push_back({"Location", "/page"});
    co_return res;
  }
  if (req.path == "/loop") {
    http::Response res = http::Response::empty(301);
    res.headers.push_back({"Location", "loop"});
    co_return res;
  }
  if (req.path == "/big") co_return http::Response::text(200, std::string(100000, 'x'));
  co_return http::Response::text(404, "missing");
}

net::AddressPolicy loopback_allowed() { return *net::AddressPolicy::create({"127.0.0.1"}); }

TEST(ResolveLocation, MakesRedirectTargetsAbsolute) {
  net::Url base{"https", "docs.example.com", "443", "/guide/intro.html?x=1"};
  EXPECT_EQ(resolve_location(base, "http://other.example/a"), "http://other.example/a");
  EXPECT_EQ(resolve_location(base, "//cdn.example/b"), "https://cdn.example/b");
  EXPECT_EQ(resolve_location(base, "/c"), "https://docs.example.com/c");
  EXPECT_EQ(resolve_location(base, "d.html"), "https://docs.example.com/guide/d.html");
  net::Url with_port{"http", "127.0.0.1", "8080", "/"};
  EXPECT_EQ(resolve_location(with_port, "/e"), "http://127.0.0.1:8080/e");
}

TEST(FetchPage, FollowsRedirectsToThePage) {
  LoopbackServer server(pages);
  net::HttpClient client;
  auto policy = loopback_allowed();
  auto page = run_sync(fetch_page(client, policy, server.url() + "/hop"));
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->url, server.url() + "/page");
  EXPECT_EQ(page->content_type, "text/html");
  EXPECT_NE(page->body.find("Hello"), std::string::npos);
}

TEST(FetchPage, RefusesLoopbackUnlessAllowListedAndSendsNothing) {
  LoopbackServer server(pages);
  net::HttpClient client;
  net::AddressPolicy strict;
  auto page = run_sync(fetch_page(client, strict, server.url() + "/page"));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(server.requests().empty());
}

// A client per call: pooled connections belong to the io_context that made them.
Result<FetchedPage> fetch(const std::string& url, FetchLimits limits = {}) {
  net::HttpClient client;
  auto policy = loopback_allowed();
  return run_sync(fetch_page(client, policy, url, limits));
}

TEST(FetchPage, CapsSizeRedirectsAndStatus) {
  LoopbackServer server(pages);
  FetchLimits small;
  small.max_bytes = 50000;
  auto big = fetch(server.url() + "/big", small);
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find("exceeds 50000 bytes"), std::string::npos);
  EXPECT_NE(fetch(server.url() + "/loop").status().message().find("too many"), std::string::npos);
  EXPECT_NE(fetch(server.url() + "/nope").status().message().find("HTTP 404"), std::string::npos);
  EXPECT_EQ(fetch("ftp://127.0.0.1/file").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
