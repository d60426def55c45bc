#include "ops/audit.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_text.h"


#include <string_view>
#include <utility>

namespace brainstem::ops {

namespace {

void append_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

std::string seq_text(int64_t seq) { return std::to_string(seq); }

}  // namespace

std::string AuditLog::seal(const store::AuditEntry& entry) {
  std::string material;
  material.reserve(128 + entry.payload.size() + entry.prev_hash.size());
  append_field(material, entry.prev_hash);
  append_field(material, std::to_string(entry.seq));
  append_field(material, entry.id);
  append_field(material, entry.tenant_id);
  append_field(material, std::to_string(entry.timestamp));
  append_field(material, entry.actor);
  append_field(material, entry.event_type);
  append_field(material, entry.payload);
  return crypto::sha256_hex(material);
}

boost::asio::awaitable<Result<store::AuditEntry>> AuditLog::append(const std::string& tenant_id, const std::string& actor,
                                           const std::string& event_type, const boost::json::object& payload) {
  store::AuditEntry entry;
  entry.id = random_id("aud_", 20);
  entry.tenant_id = tenant_id;
  entry.timestamp = now_ms();
  entry.actor = actor;
  entry.event_type = event_type;
  entry.payload = json_text(payload);
  co_return co_await store_.append_audit(std::move(entry), &AuditLog::seal);
}

boost::asio::awaitable<Result<std::vector<store::AuditEntry>>> AuditLog::query(const store::AuditQuery& query) {
  co_return co_await store_.query_audit(query);
}

boost::asio::awaitable<Result<AuditVerification>> AuditLog::verify(const std::string& tenant_id) {
  // The head is read first: entries appended while the scan runs then lie beyond it and are
  // checked for continuity but cannot make the head look stale.
  auto head = co_await store_.audit_head(tenant_id);
  if (!head.ok()) co_return head.status();

  AuditVerification result;
  auto fail = [&](int64_t seq, std::string reason) {
    result.valid = false;
    result.first_invalid_seq = seq;
    result.reason = std::move(reason);
  };

  int64_t last_seq = 0;
  std::string last_hash;
  std::string hash_at_head;  // hash of the entry at the head's position
  Status scanned = co_await store_.scan_audit(tenant_id, [&](const store::AuditEntry& entry) {
    ++result.checked;
    int64_t expected = last_seq + 1;
    if (entry.seq != expected) {
      fail(expected, entry.seq > expected ? "entry " + seq_text(expected) + " is missing"
                                          : "entry " + seq_text(entry.seq) + " is out of order");
      return false;
    }
    if (entry.hash != seal(entry)) {
      fail(entry.seq, "entry " + seq_text(entry.seq) + " was modified");
      return false;
    }
    if (entry.prev_hash != last_hash) {
      fail(entry.seq, "entry " + seq_text(entry.seq) + " does not link to entry " + seq_text(last_seq));
      return false;
    }
    last_seq = entry.seq;
    last_hash = entry.hash;
    if (entry.seq == head->count) hash_at_head = entry.hash;
    return true;
  });
  if (!scanned.is_ok()) co_return scanned;
  if (!result.valid) co_return result;

  if (last_seq < head->count) {
    fail(last_seq + 1, "chain head does not match: newest entries were deleted (head records " +
                           seq_text(head->count) + ", found " + seq_text(last_seq) + ")");
  } else if (hash_at_head != head->hash) {
    fail(head->count, "chain head does not match: entry " + seq_text(head->count) + " was replaced");
  } else if (last_seq > head->count) {
    // Either appended during the scan, or inserted behind the log's back; a fresh head tells.
    auto now = co_await store_.audit_head(tenant_id);
    if (!now.ok()) co_return now.status();
    if (now->count < last_seq) {
      fail(now->count + 1, "entry " + seq_text(now->count + 1) + " is not covered by the chain head");
    } else if (now->count == last_seq && now->hash != last_hash) {
      fail(last_seq, "chain head does not match: entry " + seq_text(last_seq) + " was replaced");
    }
  }
  co_return result;
}

}  // namespace brainstem::ops
