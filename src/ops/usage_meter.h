// Meters every model call: tokens in and out and cost, per tenant, key, agent and model.
// Each cost is added to the tenant's budget at once. The calls are summed in memory per tenant,
// key, agent, model, kind and second, and those sums are written to the store, 500 rows per
// transaction, at each flush (the server flushes every second and at shutdown): a gateway
// answering thousands of calls a second writes a few rows a second, not a row per call.
//
// Thread-safety: record() may be called concurrently; flush() from one place at a time.
#pragma once

#include "ops/budgets.h"
#include "store/usage_store.h"

#include <boost/asio/awaitable.hpp>

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace brainstem::ops {

class UsageMeter {
 public:
  UsageMeter(store::UsageStore& store, Budgets& budgets) : store_(store), budgets_(budgets) {}

  void record(store::UsageRecord record);
  size_t pending_rows() const;  // the sums waiting for the next flush
  // Writes what is buffered; on a store failure the records are kept for the next flush.
  boost::asio::awaitable<Status> flush();
  // The period's usage, grouped, including what was recorded a moment ago (flushed first).
  boost::asio::awaitable<Result<std::vector<store::UsageRow>>> summary(const store::UsageQuery& query);

 private:
  std::vector<store::UsageRecord> take();
  void put_back(std::vector<store::UsageRecord> records);
  void add_locked(store::UsageRecord record);

  store::UsageStore& store_;
  Budgets& budgets_;
  mutable std::mutex mu_;
  std::vector<store::UsageRecord> pending_;  // one per group, at_ms the start of its second
  std::unordered_map<std::string, size_t> group_index_;  // group key -> its place in pending_
};

}  // namespace brainstem::ops
