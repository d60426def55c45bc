// The tamper-evident audit log: one hash chain per tenant over every mutating call.
// Each entry's hash covers its own fields and the previous entry's hash, and the tenant's
// head (count + newest hash) is kept apart, so editing, deleting or reordering rows is detected.
//
// Thread-safety: as the store's.
#pragma once

#include "common/status.h"
#include "store/audit_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace brainstem::ops {

struct AuditVerification {
  bool valid = true;
  int64_t checked = 0;                       // entries examined
  std::optional<int64_t> first_invalid_seq;  // where the chain first breaks
  std::string reason;                        // empty when valid
};

class AuditLog {
 public:
  explicit AuditLog(store::AuditStore& store) : store_(store) {}

  boost::asio::awaitable<Result<store::AuditEntry>> append(const std::string& tenant_id, const std::string& actor,
                                                      const std::string& event_type,
                                                      const boost::json::object& payload);
  boost::asio::awaitable<Result<AuditVerification>> verify(const std::string& tenant_id);
  // The tenant's entries matching the query, in chain order.
  boost::asio::awaitable<Result<std::vector<store::AuditEntry>>> query(const store::AuditQuery& query);

  // sha256 hex over prev_hash, seq, id, tenant_id, timestamp, actor, event_type and payload,
  // each length-prefixed so no two entries serialise alike.
  static std::string seal(const store::AuditEntry& entry);

 private:
  store::AuditStore& store_;
};

}  // namespace brainstem::ops
