#include "ops/webhooks.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "net/address_policy.h"
#include "net/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace brainstem::ops {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool subscribed(const store::Webhook& w, const std::string& event) {
  return w.active && std::any_of(w.events.begin(), w.events.end(), [&](const std::string& e) { return e == event || e == "*"; });
}

std::vector<store::WebhookDelivery> make_deliveries(const std::vector<store::Webhook>& webhooks, const std::string& tenant_id,
                                                    const std::string& event, json::object payload, int64_t now) {
  std::vector<store::WebhookDelivery> out;
  std::vector<const store::Webhook*> targets;
  for (const auto& w : webhooks) {
    if (subscribed(w, event)) targets.push_back(&w);
  }
  if (targets.empty()) return out;  // nothing to serialize
  if (!payload.contains("event")) payload["event"] = event;
  if (!payload.contains("timestamp")) payload["timestamp"] = iso8601(now);
  const std::string body = json_text(payload);
  for (const store::Webhook* w : targets) {
    store::WebhookDelivery d;
    d.id = random_id("whd_", 20);
    d.webhook_id = w->id;
    d.tenant_id = tenant_id;
    d.event = event;
    d.payload = body;
    d.next_attempt_at = now;
    d.created_at = now;
    d.updated_at = now;
    out.push_back(std::move(d));
  }
  return out;
}

net::ClientRequest make_request(const store::Webhook& w, const store::WebhookDelivery& d, int64_t now_ms,
                                 const WebhookOptions& options, const net::AddressPolicy& policy) {
  const int64_t timestamp = now_ms / 1000;
  net::ClientRequest req;
  req.method = "POST";
  req.url = w.url;
  req.body = d.payload;
  req.timeout = options.timeout;
  req.address_policy = &policy;
  req.headers = {{"Content-Type", "application/json"},
                 {"X-Brainstem-Event", d.event},
                 {"X-Brainstem-Delivery", d.id},
                 {"X-Brainstem-Timestamp", std::to_string(timestamp)},
                 {"X-Brainstem-Signature", WebhookDispatcher::sign(w.secret, timestamp, d.payload)}};
  return req;
}

// Counts a failed attempt: the next one per the schedule, or failed when it is used up.
void schedule_retry(store::WebhookDelivery& d, int64_t now_ms, const WebhookOptions& options) {
  const size_t retry = static_cast<size_t>(d.attempts) - 1;  // attempts already counts this one
  if (retry < options.retry_schedule.size()) {
    d.next_attempt_at = now_ms + std::chrono::milliseconds(options.retry_schedule[retry]).count();
  } else {
    d.status = "failed";
  }
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(store::OutboxStore& store, net::HttpClient& client,
                                     const net::AddressPolicy& policy, WebhookOptions options)
    : store_(store), client_(client), policy_(policy), options_(std::move(options)) {}

std::string WebhookDispatcher::sign(std::string_view secret, int64_t timestamp_s, std::string_view body) {
  std::string signed_text = std::to_string(timestamp_s) + ".";
  signed_text += body;
  return "sha256=" + crypto::hmac_sha256_hex(secret, signed_text);
}

bool WebhookDispatcher::may_subscribe(const std::string& tenant_id, const std::string& event) {
  std::lock_guard lock(subscriptions_mu_);
  auto it = subscriptions_.find(tenant_id);
  if (it == subscriptions_.end() || now_ms() - it->second.read_at_ms >= options_.subscriptions_ttl.count()) return true;
  const auto& webhooks = *it->second.webhooks;
  return std::any_of(webhooks.begin(), webhooks.end(), [&](const store::Webhook& w) { return subscribed(w, event); });
}

asio::awaitable<Status> WebhookDispatcher::subscribe(const store::Webhook& webhook) {
  Status created = co_await store_.create_webhook(webhook);
  if (created.is_ok()) forget_subscriptions(webhook.tenant_id);
  co_return created;
}

asio::awaitable<Result<std::vector<store::Webhook>>> WebhookDispatcher::webhooks(const std::string& tenant_id) {
  co_return co_await store_.list_webhooks(tenant_id);
}

asio::awaitable<Status> WebhookDispatcher::unsubscribe(const std::string& tenant_id, const std::string& webhook_id) {
  Status deleted = co_await store_.delete_webhook(tenant_id, webhook_id);
  if (deleted.is_ok()) forget_subscriptions(tenant_id);
  co_return deleted;
}

asio::awaitable<Result<std::vector<store::WebhookDelivery>>> WebhookDispatcher::deliveries(
    const std::string& tenant_id, const std::string& webhook_id, int limit) {
  auto webhook = co_await store_.get_webhook(tenant_id, webhook_id);
  if (!webhook) co_return webhook.status();
  co_return co_await store_.list_deliveries(tenant_id, webhook_id, limit);
}

void WebhookDispatcher::forget_subscriptions(const std::string& tenant_id) {
  std::lock_guard lock(subscriptions_mu_);
  subscriptions_.erase(tenant_id);
}

asio::awaitable<Result<std::shared_ptr<const std::vector<store::Webhook>>>> WebhookDispatcher::subscriptions(
    const std::string& tenant_id) {
  const int64_t now = now_ms();
  {
    std::lock_guard lock(subscriptions_mu_);
    auto it = subscriptions_.find(tenant_id);
    if (it != subscriptions_.end() && now - it->second.read_at_ms < options_.subscriptions_ttl.count()) {
      co_return it->second.webhooks;
    }
  }
  auto webhooks = co_await store_.list_webhooks(tenant_id);
  if (!webhooks) co_return webhooks.status();
  auto shared = std::make_shared<const std::vector<store::Webhook>>(std::move(webhooks).value());
  std::lock_guard lock(subscriptions_mu_);
  if (subscriptions_.size() >= 100000) subscriptions_.clear();  // bounded: forget all, re-read as needed
  subscriptions_[tenant_id] = Subscriptions{shared, now};
  co_return shared;
}

asio::awaitable<Result<int>> WebhookDispatcher::publish(const std::string& tenant_id, const std::string& event,
                                                        json::object payload) {
  auto webhooks = co_await subscriptions(tenant_id);
  if (!webhooks) co_return webhooks.status();
  const int64_t now = now_ms();
  const std::vector<store::WebhookDelivery> deliveries = make_deliveries(**webhooks, tenant_id, event, std::move(payload), now);
  if (deliveries.empty()) co_return 0;
  const Status enqueued = co_await store_.enqueue_deliveries(deliveries);
  if (!enqueued.is_ok()) co_return enqueued;

  auto executor = co_await asio::this_coro::executor;
  auto pass = deliver_due(now);
  auto ignore_outcome = [](std::exception_ptr, int) {};  // the deliveries stay due on failure
  asio::co_spawn(executor, std::move(pass), ignore_outcome);
  co_return static_cast<int>(deliveries.size());
}

asio::awaitable<int> WebhookDispatcher::deliver_due(int64_t now_ms) {
  if (passing_.exchange(true)) co_return 0;
  struct EndPass {
    std::atomic<bool>& passing;
    ~EndPass() { passing = false; }
  } end_pass{passing_};

  auto due = co_await store_.claim_deliveries(now_ms, options_.lease.count(), options_.batch_size);
  if (!due || due->empty()) co_return 0;

  // Concurrently, so that one slow receiver does not hold up the others.
  auto executor = co_await asio::this_coro::executor;
  using Attempt = decltype(asio::co_spawn(executor, attempt({}, 0), asio::deferred));
  std::vector<Attempt> attempts;
  for (auto& d : *due) {
    auto task = attempt(std::move(d), now_ms);
    auto op = asio::co_spawn(executor, std::move(task), asio::deferred);
    attempts.push_back(std::move(op));
  }
  auto group = asio::experimental::make_parallel_group(std::move(attempts));
  auto outcome = co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  (void)outcome;  // attempt() records its own failures
  co_return static_cast<int>(due->size());
}

asio::awaitable<void> WebhookDispatcher::attempt(store::WebhookDelivery d, int64_t now_ms) {
  auto webhook = co_await store_.get_webhook(d.tenant_id, d.webhook_id);
  if (!webhook && webhook.status().code() != StatusCode::kNotFound) co_return;  // store trouble: due when the lease ends
  ++d.attempts;
  d.updated_at = now_ms;
  if (!webhook || !webhook->active) {
    d.status = "failed";
    d.last_status_code = 0;
    d.last_error = "webhook deleted or disabled";
  } else {
    const net::ClientRequest request = make_request(*webhook, d, now_ms, options_, policy_);
    auto sent = co_await client_.send(request);
    d.last_status_code = sent.ok() ? sent->status : 0;
    if (d.last_status_code >= 200 && d.last_status_code < 300) {
      d.status = "delivered";
      d.last_error.clear();
    } else {
      if (sent.ok()) d.last_error = "HTTP " + std::to_string(d.last_status_code);
      else d.last_error = sent.status().message();
      schedule_retry(d, now_ms, options_);
    }
  }
  // If this write fails the delivery is due again when its lease ends: at least once.
  co_await store_.update_delivery(d);
}

}  // namespace brainstem::ops
