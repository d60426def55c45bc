// Work to hand out later, claimed with leases so that several dispatchers (or nodes) never take the
// same item: outgoing webhooks and their deliveries. The contract every store interface keeps
// (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
#include <string>
#include <vector>

namespace brainstem::store {

// An outgoing webhook subscription (seed 000).
struct Webhook {
  std::string id;  // "wh_..."
  std::string tenant_id;
  std::string url;
  std::vector<std::string> events;
  std::string secret;  // HMAC-SHA256 key
  bool active = true;
  int64_t created_at = 0;
};

// One event to deliver to one webhook; retried on the documented schedule until delivered or
// out of attempts.
struct WebhookDelivery {
  std::string id;  // "whd_..."
  std::string webhook_id;
  std::string tenant_id;
  std::string event;
  std::string payload;           // JSON text, exactly the bytes signed and sent
  std::string status = "pending";  // pending | delivered | failed
  int attempts = 0;
  int64_t next_attempt_at = 0;  // unix ms; meaningful while pending
  int last_status_code = 0;     // 0: no HTTP answer
  std::string last_error;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // --- outgoing webhooks
  virtual Async<Status> create_webhook(const Webhook& webhook) = 0;
  virtual Async<Result<std::vector<Webhook>>> list_webhooks(const std::string& tenant_id) = 0;  // newest first
  virtual Async<Result<Webhook>> get_webhook(const std::string& tenant_id, const std::string& id) = 0;
  // Deletes the webhook and its deliveries.
  virtual Async<Status> delete_webhook(const std::string& tenant_id, const std::string& id) = 0;
  virtual Async<Status> enqueue_deliveries(const std::vector<WebhookDelivery>& deliveries) = 0;
  // Claims up to `limit` pending deliveries due at `now_ms`, oldest due first: in the same
  // transaction their next attempt moves to now_ms + lease_ms, so no other claimer (another
  // node's dispatcher) takes them while the lease holds, and a claimer that dies before it
  // completes or fails them leaves them due again when the lease ends. Returns them leased.
  virtual Async<Result<std::vector<WebhookDelivery>>> claim_deliveries(int64_t now_ms, int64_t lease_ms, int limit) = 0;
  // Completes or fails a claimed delivery: stores its status, attempts, next attempt and last
  // result.
  virtual Async<Status> update_delivery(const WebhookDelivery& delivery) = 0;
  // The webhook's deliveries, newest first.
  virtual Async<Result<std::vector<WebhookDelivery>>> list_deliveries(const std::string& tenant_id,
                                                                      const std::string& webhook_id, int limit) = 0;
};

}  // namespace brainstem::store
