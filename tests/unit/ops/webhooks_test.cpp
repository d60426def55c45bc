#include "common/run_sync.h"
#include "testing/temp_dir.h"
#include "ops/webhooks.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "net/address_policy.h"
#include "net/client.h"
#include "http/server.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace brainstem;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;
using brainstem::test_support::TempDir;

TEST(WebhookSignature, IsHmacOfTimestampDotBody) {
  const std::string body = R"({"event":"agent.created","timestamp":"2026-01-01T00:00:00Z"})";
  const std::string signature = ops::WebhookDispatcher::sign("whsec_1", 1767225600, body);
  EXPECT_EQ(signature, "sha256=" + crypto::hmac_sha256_hex("whsec_1", "1767225600." + body));
  EXPECT_EQ(signature.size(), 7u + 64u);
  EXPECT_NE(signature, ops::WebhookDispatcher::sign("whsec_2", 1767225600, body));
  EXPECT_NE(signature, ops::WebhookDispatcher::sign("whsec_1", 1767225601, body));
  // HMAC-SHA256 known answer (RFC 4231 test case 2), so receivers can trust the scheme above.
  EXPECT_EQ(crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// A receiver on loopback: "/fail-once" answers 500 the first time, "/fail" always, anything else 204.
class Receiver {
 public:
  Receiver() {
    http::ServerOptions so;
    so.port = 0;
    so.threads = 2;
    so.drain_timeout = 2s;
    server_ = std::make_unique<http::Server>(so, [this](http::Request& req) -> asio::awaitable<http::Response> {
      int seen = 0;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
        seen = ++per_path_[req.path];
      }
      if (req.path == "/fail" || (req.path == "/fail-once" && seen == 1)) co_return http::Response::text(500, "no");
      co_return http::Response::empty(204);
    });
    if (!server_->start().is_ok()) throw std::runtime_error("cannot start receiver");
    thread_ = std::thread([this] { server_->run(); });
  }
  ~Receiver() {
    server_->stop();
    thread_.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server_->port()) + path; }
  std::vector<http::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<http::Request> requests_;
  std::map<std::string, int> per_path_;
};

class WebhooksTest : public ::testing::Test {
 protected:
  WebhooksTest() : allow_loopback_(*net::AddressPolicy::create({"127.0.0.0/8"})) {
    auto opened = store::open_sqlite(dir_.file("brainstem.db"));
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    store_ = std::move(opened).value();
    for (const char* id : {"ten_1", "ten_2"}) {
      store::Tenant t;
      t.id = id;
      t.slug = id == std::string("ten_1") ? "tenant-1" : "tenant-2";
      t.name = id;
      if (!run_sync(store_->create_tenant(t, "")).is_ok()) throw std::runtime_error("cannot create tenant");
    }
    options_.retry_schedule = {1s, 2s};  // three attempts in all
    options_.timeout = 2s;
  }

  static store::Webhook webhook_of(const std::string& tenant_id, const std::string& url, std::vector<std::string> events,
                                   bool active = true) {
    store::Webhook w;
    w.id = random_id("wh_", 12);
    w.tenant_id = tenant_id;
    w.url = url;
    w.events = std::move(events);
    w.secret = "whsec_0123456789abcdef";
    w.active = active;
    w.created_at = now_ms();
    return w;
  }

  // A webhook written to the store directly, as another node would.
  std::string add_webhook(const std::string& tenant_id, const std::string& path, std::vector<std::string> events,
                          bool active = true) {
    auto w = webhook_of(tenant_id, receiver_.url(path), std::move(events), active);
    w.secret = "whsec_" + path;
    Status s = run_sync(store_->create_webhook(w));
    if (!s.is_ok()) throw std::runtime_error(s.message());
    return w.id;
  }

  // Runs the coroutine and everything it started (the background delivery pass) to the end,
  // on the test's one io_context: pooled connections belong to the one they were made on.
  template <class T>
  T run_all(asio::awaitable<T> task) {
    std::optional<T> out;
    asio::co_spawn(
        ioc_,
        [&]() -> asio::awaitable<void> {
          T value = co_await std::move(task);
          out.emplace(std::move(value));
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    ioc_.restart();
    ioc_.run();
    return std::move(*out);
  }

  store::WebhookDelivery only_delivery(const std::string& webhook_id) {
    auto list = run_sync(store_->list_deliveries("ten_1", webhook_id, 10));
    if (!list.ok() || list->size() != 1) throw std::runtime_error("expected one delivery");
    return list->front();
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  Receiver receiver_;
  asio::io_context ioc_;
  net::HttpClient client_;
  net::AddressPolicy allow_loopback_;
  ops::WebhookOptions options_;
};

TEST_F(WebhooksTest, PublishDeliversSignedPayload) {
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, options_);
  const std::string id = add_webhook("ten_1", "/hook", {"agent.created"});
  auto published = run_all(dispatcher.publish("ten_1", "agent.created", json::object{{"agent_id", "ag_1"}}));
  ASSERT_TRUE(published.ok()) << published.status().message();
  EXPECT_EQ(*published, 1);

  auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  const http::Request& req = seen[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  EXPECT_EQ(req.header("X-Brainstem-Event"), "agent.created");
  const std::string timestamp(req.header("X-Brainstem-Timestamp"));
  EXPECT_NEAR(std::stoll(timestamp), now_ms() / 1000, 5);
  // What a receiver does: recompute over the raw body and compare in constant time.
  const std::string expected = ops::WebhookDispatcher::sign("whsec_/hook", std::stoll(timestamp), req.body);
  EXPECT_TRUE(crypto::constant_time_equal(req.header("X-Brainstem-Signature"), expected));
  json::object body = json::parse(req.body).as_object();
  EXPECT_EQ(body.at("agent_id").as_string(), "ag_1");
  EXPECT_EQ(body.at("event").as_string(), "agent.created");
  EXPECT_TRUE(parse_iso8601_ms(body.at("timestamp").as_string()).has_value());

  auto d = only_delivery(id);
  EXPECT_EQ(req.header("X-Brainstem-Delivery"), d.id);
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status_code, 204);
  EXPECT_EQ(d.payload, req.body);
}

TEST_F(WebhooksTest, FailedAttemptIsRetriedOnSchedule) {
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, options_);
  const std::string id = add_webhook("ten_1", "/fail-once", {"*"});
  ASSERT_TRUE(run_all(dispatcher.publish("ten_1", "session.ended", {})).ok());
  auto d = only_delivery(id);
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status_code, 500);
  const int64_t first_attempt_at = d.updated_at;
  EXPECT_EQ(d.next_attempt_at, first_attempt_at + 1000);

  EXPECT_EQ(run_all(dispatcher.deliver_due(d.next_attempt_at - 1)), 0);  // not due yet
  EXPECT_EQ(receiver_.requests().size(), 1u);
  EXPECT_EQ(run_all(dispatcher.deliver_due(d.next_attempt_at)), 1);
  auto seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].header("X-Brainstem-Delivery"), seen[0].header("X-Brainstem-Delivery"));
  EXPECT_EQ(seen[1].header("X-Brainstem-Timestamp"), std::to_string(d.next_attempt_at / 1000));
  d = only_delivery(id);
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts, 2);
}

TEST_F(WebhooksTest, FailsWhenScheduleIsUsedUp) {
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, options_);
  const std::string id = add_webhook("ten_1", "/fail", {"*"});
  ASSERT_TRUE(run_all(dispatcher.publish("ten_1", "x", {})).ok());
  auto d = only_delivery(id);
  const int64_t second_at = d.next_attempt_at;
  EXPECT_EQ(run_all(dispatcher.deliver_due(second_at)), 1);
  d = only_delivery(id);
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.next_attempt_at, second_at + 2000);
  EXPECT_EQ(run_all(dispatcher.deliver_due(d.next_attempt_at)), 1);
  d = only_delivery(id);
  EXPECT_EQ(d.status, "failed");
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.last_error, "HTTP 500");
  EXPECT_EQ(run_all(dispatcher.deliver_due(d.next_attempt_at + 86400000)), 0);
  EXPECT_EQ(receiver_.requests().size(), 3u);
}

TEST_F(WebhooksTest, TheDefaultScheduleRetriesAfterOneMinuteFiveMinutesHalfAnHourTwoHoursAndADay) {
  ops::WebhookOptions defaults;
  defaults.timeout = options_.timeout;
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, defaults);
  const std::string id = add_webhook("ten_1", "/fail", {"*"});
  ASSERT_TRUE(run_all(dispatcher.publish("ten_1", "x", {})).ok());
  auto d = only_delivery(id);
  std::vector<int64_t> gaps;
  int64_t at = d.updated_at;
  while (d.status == "pending") {
    gaps.push_back((d.next_attempt_at - at) / 1000);
    at = d.next_attempt_at;
    ASSERT_EQ(run_all(dispatcher.deliver_due(at)), 1);
    d = only_delivery(id);
  }
  EXPECT_EQ(gaps, (std::vector<int64_t>{60, 300, 1800, 7200, 86400}));
  EXPECT_EQ(d.status, "failed");
  EXPECT_EQ(d.attempts, 6);
  EXPECT_EQ(receiver_.requests().size(), 6u);
}

TEST_F(WebhooksTest, RefusedAddressIsNotContacted) {
  net::AddressPolicy strict;  // loopback refused
  ops::WebhookDispatcher dispatcher(*store_, client_, strict, options_);
  const std::string id = add_webhook("ten_1", "/hook", {"*"});
  ASSERT_TRUE(run_all(dispatcher.publish("ten_1", "x", {})).ok());
  auto d = only_delivery(id);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status_code, 0);
  EXPECT_NE(d.last_error.find("address not allowed"), std::string::npos) << d.last_error;
  EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(WebhooksTest, OnlySubscribedActiveWebhooksOfTheTenant) {
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, options_);
  add_webhook("ten_1", "/exact", {"agent.created", "agent.deleted"});
  add_webhook("ten_1", "/any", {"*"});
  add_webhook("ten_1", "/other-event", {"agent.deleted"});
  add_webhook("ten_1", "/inactive", {"agent.created"}, false);
  add_webhook("ten_2", "/other-tenant", {"*"});
  auto published = run_all(dispatcher.publish("ten_1", "agent.created", {}));
  ASSERT_TRUE(published.ok()) << published.status().message();
  EXPECT_EQ(*published, 2);
  std::vector<std::string> paths;
  for (const auto& r : receiver_.requests()) paths.push_back(r.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"/any", "/exact"}));

  auto none = run_all(dispatcher.publish("ten_1", "customer.created", {}));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 1);  // "/any" only
}

TEST_F(WebhooksTest, SubscriptionsAreRememberedUntilChangedHereOrStale) {
  options_.subscriptions_ttl = std::chrono::milliseconds(300);
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, options_);
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "agent.created", {})).value(), 0);
  add_webhook("ten_1", "/elsewhere", {"agent.created"});
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "agent.created", {})).value(), 0) << "the list read a moment ago serves";
  ASSERT_TRUE(run_all(dispatcher.subscribe(webhook_of("ten_1", receiver_.url("/here"), {"agent.created"}))).is_ok());
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "agent.created", {})).value(), 2) << "subscribed here: read again";
  add_webhook("ten_1", "/later", {"agent.created"});
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "agent.created", {})).value(), 3) << "stale: read again";
}

TEST_F(WebhooksTest, AnUnsubscribedWebhookGetsNoFurtherEventAndItsLogIsGone) {
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, options_);
  auto hook = webhook_of("ten_1", receiver_.url("/gone"), {"*"});
  ASSERT_TRUE(run_all(dispatcher.subscribe(hook)).is_ok());
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "agent.created", {})).value(), 1);
  auto log = run_all(dispatcher.deliveries("ten_1", hook.id, 10));
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 1u);
  EXPECT_EQ(run_all(dispatcher.deliveries("ten_2", hook.id, 10)).status().code(), StatusCode::kNotFound)
      << "another tenant's webhook";
  auto listed = run_all(dispatcher.webhooks("ten_1"));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, hook.id);

  EXPECT_EQ(run_all(dispatcher.unsubscribe("ten_2", hook.id)).code(), StatusCode::kNotFound);
  ASSERT_TRUE(run_all(dispatcher.unsubscribe("ten_1", hook.id)).is_ok());
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "agent.created", {})).value(), 0) << "seen at once";
  EXPECT_EQ(run_all(dispatcher.deliveries("ten_1", hook.id, 10)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_all(dispatcher.webhooks("ten_1"))->empty());
}

TEST_F(WebhooksTest, MaySubscribeIsFalseOnlyWhenAFreshListHasNoSubscriber) {
  options_.subscriptions_ttl = std::chrono::milliseconds(300);
  ops::WebhookDispatcher dispatcher(*store_, client_, allow_loopback_, options_);
  add_webhook("ten_1", "/completed", {"conversation.completed"});
  EXPECT_TRUE(dispatcher.may_subscribe("ten_1", "message.received")) << "not read yet: unknown";
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "message.received", {})).value(), 0);
  EXPECT_FALSE(dispatcher.may_subscribe("ten_1", "message.received"));
  EXPECT_TRUE(dispatcher.may_subscribe("ten_1", "conversation.completed"));
  EXPECT_TRUE(dispatcher.may_subscribe("ten_2", "message.received")) << "another tenant's list is not known";

  ASSERT_TRUE(run_all(dispatcher.subscribe(webhook_of("ten_1", receiver_.url("/all"), {"*"}))).is_ok());
  EXPECT_TRUE(dispatcher.may_subscribe("ten_1", "message.received"));
  EXPECT_EQ(run_all(dispatcher.publish("ten_1", "message.received", {})).value(), 1);
  EXPECT_TRUE(dispatcher.may_subscribe("ten_1", "message.received")) << "the catch-all webhook subscribes";
}

TEST_F(WebhooksTest, PendingDeliveriesSurviveARestart) {
  const std::string id = add_webhook("ten_1", "/fail-once", {"*"});
  {
    ops::WebhookDispatcher first(*store_, client_, allow_loopback_, options_);
    ASSERT_TRUE(run_all(first.publish("ten_1", "x", {})).ok());
  }
  store_.reset();
  auto reopened = store::open_sqlite(dir_.file("brainstem.db"));
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(reopened).value();
  ops::WebhookDispatcher second(*store_, client_, allow_loopback_, options_);
  auto d = only_delivery(id);
  EXPECT_EQ(run_all(second.deliver_due(d.next_attempt_at)), 1);
  EXPECT_EQ(only_delivery(id).status, "delivered");
}

}  // namespace
