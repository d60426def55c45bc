// Conformance suite of store::OutboxStore: what every engine must do with webhooks and their
// deliveries, claims and leases included. Every engine in conformance.h runs all of it.
#include "common/run_sync.h"
#include "conformance.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;
using brainstem::test_support::Engines;
using brainstem::test_support::ids_of;

template <class Engine>
class OutboxStoreConformance : public brainstem::test_support::StoreConformance<Engine> {};
TYPED_TEST_SUITE(OutboxStoreConformance, Engines);

Webhook make_webhook(const std::string& id, const std::string& tenant_id = "t1", int64_t created_at = 1000) {
  Webhook w;
  w.id = id;
  w.tenant_id = tenant_id;
  w.url = "https://example.com/hooks/" + id;
  w.events = {"message.created", "session.ended"};
  w.secret = "whsec_" + id;
  w.created_at = created_at;
  return w;
}

WebhookDelivery make_delivery(const std::string& id, const std::string& webhook_id, int64_t next_attempt_at,
                              const std::string& tenant_id = "t1", int64_t created_at = 1000) {
  WebhookDelivery d;
  d.id = id;
  d.webhook_id = webhook_id;
  d.tenant_id = tenant_id;
  d.event = "message.created";
  d.payload = R"({"id":")" + id + R"("})";
  d.next_attempt_at = next_attempt_at;
  d.created_at = created_at;
  d.updated_at = created_at;
  return d;
}


TYPED_TEST(OutboxStoreConformance, WebhookRoundTrip) {
  Webhook webhook = make_webhook("wh_1");
  webhook.active = false;
  ASSERT_TRUE(run_sync(this->store_->create_webhook(webhook)).is_ok());
  auto got = run_sync(this->store_->get_webhook("t1", "wh_1"));
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, "wh_1");
  EXPECT_EQ(got->tenant_id, "t1");
  EXPECT_EQ(got->url, "https://example.com/hooks/wh_1");
  EXPECT_EQ(got->events, (std::vector<std::string>{"message.created", "session.ended"}));
  EXPECT_EQ(got->secret, "whsec_wh_1");
  EXPECT_FALSE(got->active);
  EXPECT_EQ(got->created_at, 1000);
}

TYPED_TEST(OutboxStoreConformance, WebhooksAreTenantScoped) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  EXPECT_EQ(run_sync(this->store_->create_webhook(make_webhook("wh_1", "t2"))).code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->create_webhook(make_webhook("wh_2", "nope"))).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_webhook("t2", "wh_1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->delete_webhook("t2", "wh_1")).code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(this->store_->get_webhook("t1", "wh_1")).ok());
}

TYPED_TEST(OutboxStoreConformance, ListWebhooksNewestFirst) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_old", "t1", 1000))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_new", "t1", 2000))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_other", "t2", 3000))).is_ok());
  auto webhooks = run_sync(this->store_->list_webhooks("t1"));
  ASSERT_TRUE(webhooks.ok());
  EXPECT_EQ(ids_of(*webhooks), (std::vector<std::string>{"wh_new", "wh_old"}));
}

TYPED_TEST(OutboxStoreConformance, DeleteWebhookDeletesItsDeliveries) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_2"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_
                  ->enqueue_deliveries({make_delivery("whd_1", "wh_1", 100), make_delivery("whd_2", "wh_1", 100),
                                        make_delivery("whd_3", "wh_2", 100)}))
                  .is_ok());
  ASSERT_TRUE(run_sync(this->store_->delete_webhook("t1", "wh_1")).is_ok());
  EXPECT_EQ(run_sync(this->store_->get_webhook("t1", "wh_1")).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(this->store_->list_deliveries("t1", "wh_1", 10))->empty());
  EXPECT_EQ(ids_of(*run_sync(this->store_->claim_deliveries(100, 1000, 10))), (std::vector<std::string>{"whd_3"}));
  EXPECT_EQ(run_sync(this->store_->delete_webhook("t1", "wh_1")).code(), StatusCode::kNotFound);
}

TYPED_TEST(OutboxStoreConformance, DeliveryRoundTrip) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->enqueue_deliveries({make_delivery("whd_1", "wh_1", 100)})).is_ok());
  auto deliveries = run_sync(this->store_->list_deliveries("t1", "wh_1", 10));
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 1u);
  const WebhookDelivery& got = deliveries->front();
  EXPECT_EQ(got.id, "whd_1");
  EXPECT_EQ(got.webhook_id, "wh_1");
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.event, "message.created");
  EXPECT_EQ(got.payload, R"({"id":"whd_1"})");
  EXPECT_EQ(got.status, "pending");
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(got.next_attempt_at, 100);
  EXPECT_EQ(got.last_status_code, 0);
  EXPECT_EQ(got.last_error, "");
  EXPECT_EQ(got.created_at, 1000);
  EXPECT_EQ(got.updated_at, 1000);
}

TYPED_TEST(OutboxStoreConformance, EnqueueForAnotherTenantsWebhookStoresNothing) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  Status s = run_sync(this->store_->enqueue_deliveries({make_delivery("whd_1", "wh_1", 100), make_delivery("whd_2", "wh_1", 100, "t2")}));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->enqueue_deliveries({make_delivery("whd_3", "wh_missing", 100)})).code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(this->store_->list_deliveries("t1", "wh_1", 10))->empty());
  EXPECT_TRUE(run_sync(this->store_->enqueue_deliveries({})).is_ok());
}

TYPED_TEST(OutboxStoreConformance, ClaimedDeliveriesArePendingAndDueOldestFirst) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_2", "t2"))).is_ok());
  WebhookDelivery delivered = make_delivery("whd_done", "wh_1", 10);
  delivered.status = "delivered";
  ASSERT_TRUE(run_sync(this->store_
                  ->enqueue_deliveries({make_delivery("whd_late", "wh_1", 300), make_delivery("whd_first", "wh_1", 100),
                                        make_delivery("whd_future", "wh_1", 900), delivered}))
                  .is_ok());
  ASSERT_TRUE(run_sync(this->store_->enqueue_deliveries({make_delivery("whd_t2", "wh_2", 200, "t2")})).is_ok());

  EXPECT_TRUE(run_sync(this->store_->claim_deliveries(50, 1000, 10))->empty());
  EXPECT_EQ(ids_of(*run_sync(this->store_->claim_deliveries(300, 1000, 2))), (std::vector<std::string>{"whd_first", "whd_t2"}));
  auto rest = run_sync(this->store_->claim_deliveries(300, 1000, 10));
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(ids_of(*rest), (std::vector<std::string>{"whd_late"})) << "the first claim's are leased";
}

TYPED_TEST(OutboxStoreConformance, AClaimIsLeasedAndDueAgainWhenTheLeaseEnds) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->enqueue_deliveries({make_delivery("whd_1", "wh_1", 100)})).is_ok());
  auto claimed = run_sync(this->store_->claim_deliveries(200, 5000, 10));
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().next_attempt_at, 5200);
  EXPECT_EQ(claimed->front().attempts, 0);
  // A second claimer (another node) finds nothing while the lease holds ...
  EXPECT_TRUE(run_sync(this->store_->claim_deliveries(5199, 5000, 10))->empty());
  // ... and the delivery again once the first claimer let its lease run out.
  EXPECT_EQ(ids_of(*run_sync(this->store_->claim_deliveries(5200, 5000, 10))), (std::vector<std::string>{"whd_1"}));
}

TYPED_TEST(OutboxStoreConformance, ConcurrentClaimersNeverShareADelivery) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  std::vector<WebhookDelivery> deliveries;
  for (int i = 0; i < 200; ++i) deliveries.push_back(make_delivery("whd_" + std::to_string(i), "wh_1", 100));
  ASSERT_TRUE(run_sync(this->store_->enqueue_deliveries(deliveries)).is_ok());
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::thread> claimers;
  for (int t = 0; t < 4; ++t) {
    claimers.emplace_back([&] {
      for (;;) {
        auto batch = run_sync(this->store_->claim_deliveries(1000, 60000, 7));
        if (!batch.ok() || batch->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& d : *batch) claimed.push_back(d.id);
      }
    });
  }
  for (auto& c : claimers) c.join();
  std::set<std::string> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), 200u);
  EXPECT_EQ(unique.size(), 200u);
}

TYPED_TEST(OutboxStoreConformance, UpdateDeliveryStoresTheAttempt) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->enqueue_deliveries({make_delivery("whd_1", "wh_1", 100)})).is_ok());
  WebhookDelivery attempt = make_delivery("whd_1", "wh_1", 5000);
  attempt.attempts = 1;
  attempt.last_status_code = 503;
  attempt.last_error = "upstream unavailable";
  attempt.updated_at = 4000;
  ASSERT_TRUE(run_sync(this->store_->update_delivery(attempt)).is_ok());
  EXPECT_TRUE(run_sync(this->store_->claim_deliveries(4999, 1000, 10))->empty());

  auto got = run_sync(this->store_->list_deliveries("t1", "wh_1", 10))->front();
  EXPECT_EQ(got.status, "pending");
  EXPECT_EQ(got.attempts, 1);
  EXPECT_EQ(got.next_attempt_at, 5000);
  EXPECT_EQ(got.last_status_code, 503);
  EXPECT_EQ(got.last_error, "upstream unavailable");
  EXPECT_EQ(got.created_at, 1000);
  EXPECT_EQ(got.updated_at, 4000);

  attempt.status = "delivered";
  attempt.attempts = 2;
  attempt.last_status_code = 200;
  ASSERT_TRUE(run_sync(this->store_->update_delivery(attempt)).is_ok());
  EXPECT_TRUE(run_sync(this->store_->claim_deliveries(99999, 1000, 10))->empty());
  EXPECT_EQ(run_sync(this->store_->list_deliveries("t1", "wh_1", 10))->front().status, "delivered");
}

TYPED_TEST(OutboxStoreConformance, UpdateDeliveryOfOtherTenantIsNotFound) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->enqueue_deliveries({make_delivery("whd_1", "wh_1", 100)})).is_ok());
  WebhookDelivery attempt = make_delivery("whd_1", "wh_1", 100, "t2");
  attempt.status = "failed";
  EXPECT_EQ(run_sync(this->store_->update_delivery(attempt)).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->update_delivery(make_delivery("whd_missing", "wh_1", 100))).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->list_deliveries("t1", "wh_1", 10))->front().status, "pending");
}

TYPED_TEST(OutboxStoreConformance, ListDeliveriesNewestFirstWithLimit) {
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_webhook(make_webhook("wh_2"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_
                  ->enqueue_deliveries({make_delivery("whd_1", "wh_1", 0, "t1", 1000),
                                        make_delivery("whd_3", "wh_1", 0, "t1", 3000),
                                        make_delivery("whd_2", "wh_1", 0, "t1", 2000),
                                        make_delivery("whd_other", "wh_2", 0, "t1", 4000)}))
                  .is_ok());
  EXPECT_EQ(ids_of(*run_sync(this->store_->list_deliveries("t1", "wh_1", 10))),
            (std::vector<std::string>{"whd_3", "whd_2", "whd_1"}));
  EXPECT_EQ(ids_of(*run_sync(this->store_->list_deliveries("t1", "wh_1", 2))), (std::vector<std::string>{"whd_3", "whd_2"}));
  EXPECT_TRUE(run_sync(this->store_->list_deliveries("t2", "wh_1", 10))->empty());
}

}  // namespace
