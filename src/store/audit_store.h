// Each tenant's audit log: a hash chain of entries and its head. The contract every store interface
// keeps (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::store {

struct AuditEntry {
  int64_t seq = 0;  // position in the tenant's chain, from 1
  std::string id;   // "aud_..."
  std::string tenant_id;
  int64_t timestamp = 0;  // unix ms
  std::string actor;      // user id, key id, or "system"
  std::string event_type;
  std::string payload;  // JSON text
  std::string prev_hash;
  std::string hash;
};

struct AuditQuery {
  std::string tenant_id;
  std::optional<std::string> actor;
  std::optional<std::string> event_type;
  std::optional<int64_t> from_ms, to_ms;
  std::optional<int64_t> after_seq;  // cursor: entries with seq > after_seq
  int limit = 50;
};

// The tenant's chain head, kept beside the entries so that deleting the newest rows is
// detected too.
struct AuditHead {
  int64_t count = 0;
  std::string hash;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // --- audit chain
  // Appends to the tenant's chain atomically: fills seq and prev_hash from the current head,
  // calls `seal` to compute the hash over the filled entry, stores entry and new head.
  virtual Async<Result<AuditEntry>> append_audit(AuditEntry entry,
                                                 const std::function<std::string(const AuditEntry&)>& seal) = 0;
  virtual Async<Result<std::vector<AuditEntry>>> query_audit(const AuditQuery& query) = 0;  // ascending seq
  // Visits the tenant's entries in seq order until `visit` returns false.
  virtual Async<Status> scan_audit(const std::string& tenant_id, const std::function<bool(const AuditEntry&)>& visit) = 0;
  virtual Async<Result<AuditHead>> audit_head(const std::string& tenant_id) = 0;
};

}  // namespace brainstem::store
