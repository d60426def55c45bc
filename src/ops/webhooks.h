// Outgoing webhooks (seed 000): events of a tenant are delivered as signed JSON POSTs to the
// tenant's subscribed URLs, persisted first so that they survive a restart, and retried on a
// schedule until delivered or out of attempts (at-least-once: a receiver may see a delivery
// twice and should de-duplicate on X-Brainstem-Delivery).
//
// Each attempt is a POST of the stored payload (a JSON object with at least "event" and
// "timestamp", ISO 8601 UTC) with these headers:
//   Content-Type: application/json
//   X-Brainstem-Event: <event>
//   X-Brainstem-Delivery: <delivery id, the same on every attempt>
//   X-Brainstem-Timestamp: <unix seconds of this attempt>
//   X-Brainstem-Signature: sha256=<lower-case hex HMAC-SHA256, keyed with the webhook secret,
//                                   of "<X-Brainstem-Timestamp>.<raw request body>">
// A receiver recomputes the signature over the exact bytes it received, compares in constant
// time, and rejects timestamps too far from its clock (replays).
//
// A 2xx answer marks the delivery delivered. Anything else (other status, connection error,
// timeout, an address the policy refuses) counts a failed attempt: attempt 1 is made at once,
// attempt k+1 retry_schedule[k-1] after attempt k; when the schedule is used up the delivery is
// marked failed.
//
// Scheduling is the caller's: publish() starts a delivery pass in the background, and the app
// calls deliver_due(now_ms()) every few seconds, which also picks up deliveries left pending
// by a restart. Thread-safety: every method may be called from any I/O thread; at most one
// pass runs at a time in this process (a pass asked for meanwhile is skipped, the next one
// catches up). The dispatcher must outlive the executors it ran on: background passes refer
// to it.
#pragma once

#include "common/status.h"
#include "store/outbox_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brainstem::net {
class HttpClient;
class AddressPolicy;
}  // namespace brainstem::net

namespace brainstem::ops {

struct WebhookOptions {
  // Delays before attempts 2, 3, ...: six attempts over about 1.5 days by default.
  std::vector<std::chrono::seconds> retry_schedule{std::chrono::seconds(60), std::chrono::seconds(300),
                                                   std::chrono::seconds(1800), std::chrono::seconds(7200),
                                                   std::chrono::seconds(86400)};
  std::chrono::milliseconds timeout{10000};  // per attempt
  // How long a claimed delivery is this dispatcher's: past it (the node died mid-pass), the
  // delivery is due again for any dispatcher. Longer than an attempt can take.
  std::chrono::milliseconds lease{60000};
  int batch_size = 100;                      // deliveries sent (concurrently) per pass
  std::chrono::milliseconds subscriptions_ttl{5000};  // how long a tenant's webhook list is reused
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(store::OutboxStore& store, net::HttpClient& client,
                    const net::AddressPolicy& policy, WebhookOptions options = {});

  // Enqueues one delivery per active webhook of the tenant subscribed to `event` (or to "*"),
  // adding "event" and "timestamp" to the payload when it lacks them, then starts a delivery
  // pass in the background. Returns how many deliveries were enqueued; errors are the store's.
  // A tenant's webhooks are read from the store at most every `subscriptions_ttl`, so an
  // event nobody subscribes to costs no store call.
  boost::asio::awaitable<Result<int>> publish(const std::string& tenant_id, const std::string& event,
                                              boost::json::object payload);

  // False when the tenant's webhooks, as read within subscriptions_ttl, subscribe none to
  // `event`, so a publisher can skip building the payload; true otherwise (publish then finds
  // out). Never blocks.
  bool may_subscribe(const std::string& tenant_id, const std::string& event);

  // Registers a webhook; the tenant's next event here sees it at once (other nodes within
  // subscriptions_ttl).
  boost::asio::awaitable<Status> subscribe(const store::Webhook& webhook);
  boost::asio::awaitable<Result<std::vector<store::Webhook>>> webhooks(const std::string& tenant_id);
  // Deletes the webhook and its delivery log.
  boost::asio::awaitable<Status> unsubscribe(const std::string& tenant_id, const std::string& webhook_id);
  // The webhook's deliveries, newest first; kNotFound unless it is the tenant's.
  boost::asio::awaitable<Result<std::vector<store::WebhookDelivery>>> deliveries(const std::string& tenant_id,
                                                                                const std::string& webhook_id,
                                                                                int limit);

  // Claims the deliveries due at `now_ms` (at most batch_size, leased for `lease`) and
  // attempts them; `now_ms` is also the clock for the next attempts and the timestamp header.
  // Returns how many were attempted; 0 when another pass is running or the store failed
  // (they stay due).
  boost::asio::awaitable<int> deliver_due(int64_t now_ms);

  // The X-Brainstem-Signature value: "sha256=" + hex HMAC-SHA256(secret, "<timestamp>.<body>").
  static std::string sign(std::string_view secret, int64_t timestamp_s, std::string_view body);

 private:
  boost::asio::awaitable<void> attempt(store::WebhookDelivery delivery, int64_t now_ms);
  // Drops what is remembered of the tenant's webhooks, so its next event reads them anew.
  void forget_subscriptions(const std::string& tenant_id);
  // The tenant's webhooks, from memory when read within subscriptions_ttl.
  boost::asio::awaitable<Result<std::shared_ptr<const std::vector<store::Webhook>>>> subscriptions(const std::string& tenant_id);

  struct Subscriptions {
    std::shared_ptr<const std::vector<store::Webhook>> webhooks;
    int64_t read_at_ms = 0;
  };

  store::OutboxStore& store_;
  net::HttpClient& client_;
  const net::AddressPolicy& policy_;
  const WebhookOptions options_;
  std::atomic<bool> passing_{false};
  std::mutex subscriptions_mu_;
  std::unordered_map<std::string, Subscriptions> subscriptions_;  // by tenant
};

}  // namespace brainstem::ops
