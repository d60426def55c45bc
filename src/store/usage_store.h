// Metered usage of model calls, and the sums budgets and reports read. The contract every store
// interface keeps (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

namespace brainstem::store {

// Metered usage of one model call, or the sum of `requests` calls of the same tenant, key,
// agent, model and kind made in the second that starts at `at_ms`.
struct UsageRecord {
  std::string tenant_id;
  std::string key_id;  // empty for calls made with a user's token
  std::string agent_id;
  std::string model;
  std::string kind;  // chat | complete | embeddings | message
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
  bool cached = false;
  int64_t at_ms = 0;
  int64_t requests = 1;
};

struct UsageQuery {
  std::string tenant_id;
  int64_t from_ms = 0;
  int64_t to_ms = INT64_MAX;
};

// Usage summed per (model, key).
struct UsageRow {
  std::string model;
  std::string key_id;
  int64_t requests = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
};

class UsageStore {
 public:
  virtual ~UsageStore() = default;

  // --- usage metering
  virtual Async<Status> record_usage(const std::vector<UsageRecord>& records) = 0;  // one transaction
  virtual Async<Result<std::vector<UsageRow>>> usage_summary(const UsageQuery& query) = 0;
  // Total cost of the tenant's usage in [from_ms, to_ms).
  virtual Async<Result<double>> usage_cost(const std::string& tenant_id, int64_t from_ms, int64_t to_ms) = 0;
};

}  // namespace brainstem::store
