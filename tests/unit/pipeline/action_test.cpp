#include "pipeline/action.h"

#include "net/address_policy.h"
#include "net/client.h"
#include "http/server.h"
#include "testing/loopback_server.h"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::pipeline;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;

// ---------------------------------------------------------------- parse_action

TEST(ParseAction, ReadsEveryField) {
  auto parsed = parse_action(json::parse(R"({
    "id": "act_1", "name": "get_order", "description": "Looks up an order", "source_type": "custom_function",
    "webhook_url": "https://api.example.com", "method": "get", "path_template": "/api/v1/orders/{order_id}",
    "headers": {"X-Team": "ops"}, "auth_type": "api_key", "auth_secret": "k3y", "auth_header": "X-Key",
    "parameters_schema": {"type": "object"}, "query_schema": {"type": "object"},
    "rate_limit": {"max_calls": 5, "window_seconds": 60}})"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().field() << ": " << parsed.status().message();
  const ActionDefinition& a = *parsed;
  EXPECT_EQ(a.id, "act_1");
  EXPECT_EQ(a.name, "get_order");
  EXPECT_EQ(a.source_type, "custom_function");
  EXPECT_EQ(a.method, "GET");
  EXPECT_EQ(a.path_template, "/api/v1/orders/{order_id}");
  ASSERT_EQ(a.headers.size(), 1u);
  EXPECT_EQ(a.headers[0].first, "X-Team");
  EXPECT_EQ(a.auth_type, "api_key");
  EXPECT_EQ(a.auth_secret, "k3y");
  EXPECT_EQ(a.auth_header, "X-Key");
  EXPECT_EQ(a.rate_limit_max_calls, 5);
  EXPECT_EQ(a.rate_limit_window_s, 60);

  json::object out = action_to_json(a, false);
  EXPECT_FALSE(out.contains("auth_secret"));
  EXPECT_EQ(out.at("rate_limit").at("max_calls").as_int64(), 5);
  EXPECT_EQ(action_to_json(a, true).at("auth_secret").as_string(), "k3y");
  auto again = parse_action(action_to_json(a, true));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(action_to_json(*again, true), action_to_json(a, true));
}

TEST(ParseAction, Defaults) {
  auto parsed = parse_action(json::parse(R"({"name": "ping", "webhook_url": "http://example.com/ping"})"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->method, "POST");
  EXPECT_EQ(parsed->source_type, "action");
  EXPECT_EQ(parsed->auth_type, "none");
  EXPECT_EQ(parsed->auth_header, "X-API-Key");
}

TEST(ParseAction, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"({"webhook_url": "https://x.example"})", "actions[2].name"},
      {R"({"name": "has space", "webhook_url": "https://x.example"})", "actions[2].name"},
      {R"({"name": "n", "webhook_url": "https://x.example", "description": 5})", "actions[2].description"},
      {R"({"name": "n"})", "actions[2].webhook_url"},
      {R"({"name": "n", "webhook_url": "ftp://x.example"})", "actions[2].webhook_url"},
      {R"({"name": "n", "webhook_url": "https://x.example", "method": "TRACE"})", "actions[2].method"},
      {R"({"name": "n", "webhook_url": "https://x.example", "source_type": "magic"})", "actions[2].source_type"},
      {R"({"name": "n", "webhook_url": "https://x.example", "path_template": "orders/{id}"})", "actions[2].path_template"},
      {R"({"name": "n", "webhook_url": "https://x.example", "path_template": "/orders/{id"})", "actions[2].path_template"},
      {R"({"name": "n", "webhook_url": "https://x.example", "auth_type": "magic"})", "actions[2].auth_type"},
      {R"({"name": "n", "webhook_url": "https://x.example", "auth_type": "basic", "auth_secret": "nocolon"})",
       "actions[2].auth_secret"},
      {R"({"name": "n", "webhook_url": "https://x.example", "headers": {"X-A": "a\r\nX-B: b"}})", "actions[2].headers.X-A"},
      {R"({"name": "n", "webhook_url": "https://x.example", "headers": {"Host": "evil"}})", "actions[2].headers.Host"},
      {R"({"name": "n", "webhook_url": "https://x.example", "headers": []})", "actions[2].headers"},
      {R"({"name": "n", "webhook_url": "https://x.example", "rate_limit": {"max_calls": -1, "window_seconds": 5}})",
       "actions[2].rate_limit.max_calls"},
      {R"({"name": "n", "webhook_url": "https://x.example", "rate_limit": {"max_calls": 3}})", "actions[2].rate_limit"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_action(json::parse(c.json), "actions[2]");
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_EQ(parsed.status().code(), StatusCode::kValidation) << c.json;
    EXPECT_EQ(parsed.status().field(), c.field) << c.json;
  }
  auto no_prefix = parse_action(json::parse(R"({"name": "n"})"));
  EXPECT_EQ(no_prefix.status().field(), "webhook_url");
  EXPECT_FALSE(parse_action(json::parse("[]"), "actions[0]").ok());
}

// ---------------------------------------------------------------- ActionRunner

// A loopback upstream that records what it received.
class Upstream : public test_support::LoopbackServer {
 public:
  Upstream() : LoopbackServer([this](http::Request& req) { return handle(req); }) {}

 private:
  asio::awaitable<http::Response> handle(http::Request& req) {
    if (req.path == "/slow") {
      auto exec = co_await asio::this_coro::executor;
      asio::steady_timer timer(exec, 1s);
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (req.path == "/big") co_return http::Response::text(200, std::string(2 << 20, 'x'));
    if (req.path == "/flaky" && flaky_calls_++ == 0) co_return http::Response::text(503, "busy");
    if (req.path == "/missing") co_return http::Response::text(404, "no such order");
    co_return http::Response::json(200, json::object{{"ok", true}});
  }

  std::atomic<int> flaky_calls_{0};
};

// One io_context for all calls of a test: pooled connections belong to the one they were made on.
ActionResult run_sync(asio::io_context& ioc, ActionRunner& runner, const ActionDefinition& action,
                      const std::string& args, const std::string& tenant = "ten_1") {
  std::optional<ActionResult> out;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        ActionResult result = co_await runner.run(tenant, action, args);
        out = std::move(result);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.restart();
  ioc.run();
  return std::move(*out);
}

class ActionRunnerTest : public ::testing::Test {
 protected:
  ActionRunnerTest() : policy_(*net::AddressPolicy::create({"127.0.0.0/8"})) {
    options_.timeout = 300ms;
    options_.retry_backoff = 10ms;
  }

  ActionDefinition action(std::string method, std::string path_template) {
    ActionDefinition a;
    a.id = "act_1";
    a.name = "test_action";
    a.webhook_url = upstream_.url();
    a.method = std::move(method);
    a.path_template = std::move(path_template);
    return a;
  }

  ActionResult run_sync(ActionRunner& runner, const ActionDefinition& action, const std::string& args,
                        const std::string& tenant = "ten_1") {
    return ::run_sync(ioc_, runner, action, args, tenant);
  }

  Upstream upstream_;
  asio::io_context ioc_;
  net::HttpClient client_;
  net::AddressPolicy policy_;
  ActionRunnerOptions options_;
};

std::string header(const http::Request& req, std::string_view name) { return std::string(req.header(name)); }

TEST_F(ActionRunnerTest, GetFillsPathAndQuery) {
  ActionRunner runner(client_, policy_, options_);
  auto a = action("GET", "/api/v1/orders/{order_id}");
  a.headers = {{"X-Team", "ops"}};
  a.auth_type = "api_key";
  a.auth_secret = "k3y";
  a.auth_header = "X-Key";
  auto result = run_sync(runner, a, R"({"order_id": "A 1/2", "verbose": true, "tag": "x&y", "ids": [1, 2]})");
  EXPECT_TRUE(result.ok) << result.content;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(json::parse(result.content), json::parse(R"({"ok": true})"));
  auto seen = upstream_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/api/v1/orders/A%201%2F2?verbose=true&tag=x%26y&ids=1&ids=2");
  EXPECT_EQ(seen[0].body, "");
  EXPECT_EQ(header(seen[0], "X-Team"), "ops");
  EXPECT_EQ(header(seen[0], "X-Key"), "k3y");
}

TEST_F(ActionRunnerTest, PostSendsJsonBodyAndBearer) {
  ActionRunner runner(client_, policy_, options_);
  auto a = action("POST", "/orders/{order_id}/items");
  a.auth_type = "bearer";
  a.auth_secret = "s3cret";
  a.query_schema = json::parse(R"({"type": "object", "properties": {"dry_run": {"type": "boolean"}}})").as_object();
  auto result = run_sync(runner, a, R"({"order_id": 7, "item": "book", "qty": 2, "dry_run": false})");
  EXPECT_TRUE(result.ok) << result.content;
  auto seen = upstream_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/orders/7/items?dry_run=false");
  EXPECT_EQ(json::parse(seen[0].body), json::parse(R"({"item": "book", "qty": 2})"));
  EXPECT_EQ(header(seen[0], "Content-Type"), "application/json");
  EXPECT_EQ(header(seen[0], "Authorization"), "Bearer s3cret");
}

TEST_F(ActionRunnerTest, BasicAuth) {
  ActionRunner runner(client_, policy_, options_);
  auto a = action("PUT", "/x");
  a.auth_type = "basic";
  a.auth_secret = "user:pass";
  auto result = run_sync(runner, a, "");
  EXPECT_TRUE(result.ok) << result.content;
  auto seen = upstream_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(header(seen[0], "Authorization"), "Basic dXNlcjpwYXNz");
  EXPECT_EQ(seen[0].body, "{}");
}

TEST_F(ActionRunnerTest, BadArgumentsAreNotSent) {
  ActionRunner runner(client_, policy_, options_);
  auto bad = run_sync(runner, action("POST", "/x"), "{not json");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(json::parse(bad.content), json::parse(R"({"error": "invalid arguments"})"));
  auto not_object = run_sync(runner, action("POST", "/x"), "[1, 2]");
  EXPECT_EQ(json::parse(not_object.content), json::parse(R"({"error": "invalid arguments"})"));
  auto missing = run_sync(runner, action("GET", "/orders/{order_id}"), "{}");
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.content.find("order_id"), std::string::npos);
  EXPECT_EQ(missing.attempts, 0);
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ActionRunnerTest, TimeoutFailsAfterRetries) {
  ActionRunner runner(client_, policy_, options_);
  auto result = run_sync(runner, action("GET", "/slow"), "{}");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(json::parse(result.content), json::parse(R"({"error": "timed out"})"));
  EXPECT_GE(result.latency_ms, 900);
  EXPECT_EQ(upstream_.requests().size(), 3u);
}

TEST_F(ActionRunnerTest, LargeResponseIsTruncated) {
  ActionRunner runner(client_, policy_, options_);
  auto result = run_sync(runner, action("GET", "/big"), "{}");
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.status, 200);
  const std::string marker = "\n[truncated: response exceeded 51200 bytes]";
  ASSERT_EQ(result.content.size(), 51200 + marker.size());
  EXPECT_EQ(result.content.substr(51200), marker);
  // The aborted connection is not reused: the next call still works.
  auto next = run_sync(runner, action("GET", "/after"), "{}");
  EXPECT_TRUE(next.ok) << next.content;
}

TEST_F(ActionRunnerTest, TransientStatusIsRetried) {
  ActionRunner runner(client_, policy_, options_);
  auto result = run_sync(runner, action("POST", "/flaky"), R"({"a": 1})");
  EXPECT_TRUE(result.ok) << result.content;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(upstream_.requests().size(), 2u);
}

TEST_F(ActionRunnerTest, ClientErrorIsNotRetried) {
  ActionRunner runner(client_, policy_, options_);
  auto result = run_sync(runner, action("GET", "/missing"), "{}");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.attempts, 1);
  auto content = json::parse(result.content);
  EXPECT_EQ(content.at("status").as_int64(), 404);
  EXPECT_EQ(content.at("body").as_string(), "no such order");
}

TEST_F(ActionRunnerTest, RateLimitPerTenantAndAction) {
  ActionRunner runner(client_, policy_, options_);
  auto a = action("GET", "/x");
  a.rate_limit_max_calls = 2;
  a.rate_limit_window_s = 60;
  EXPECT_TRUE(run_sync(runner, a, "{}").ok);
  EXPECT_TRUE(run_sync(runner, a, "{}").ok);
  auto limited = run_sync(runner, a, "{}");
  EXPECT_FALSE(limited.ok);
  EXPECT_EQ(limited.attempts, 0);
  EXPECT_EQ(json::parse(limited.content).at("error").as_string(), "rate limited");
  EXPECT_EQ(upstream_.requests().size(), 2u);
  EXPECT_TRUE(run_sync(runner, a, "{}", "ten_2").ok);  // another tenant has its own budget
  a.id = "act_2";
  EXPECT_TRUE(run_sync(runner, a, "{}").ok);  // so has another action
}

TEST_F(ActionRunnerTest, RefusedAddressIsNotContacted) {
  ActionRunner allowing(client_, policy_, options_);
  EXPECT_TRUE(run_sync(allowing, action("GET", "/x"), "{}").ok);  // leaves a pooled connection behind

  net::AddressPolicy strict;  // no allow-list: loopback is refused
  ActionRunner runner(client_, strict, options_);
  auto result = run_sync(runner, action("GET", "/x"), "{}");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(json::parse(result.content), json::parse(R"({"error": "address not allowed"})"));
  EXPECT_EQ(upstream_.requests().size(), 1u);
}

}  // namespace
