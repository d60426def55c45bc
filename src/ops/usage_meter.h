// Meters every model call: tokens in and out and cost, per tenant, key, agent and model.
// Records are buffered and written to the store, 500 per transaction, at each flush (the server
// flushes every second and at shutdown), and each cost is added to the tenant's budget at once.
//
// Thread-safety: record() may be called concurrently; flush() from one place at a time.
#pragma once

#include "common/offload.h"
#include "ops/budgets.h"
#include "store/store.h"

#include <boost/asio/awaitable.hpp>

#include <mutex>
#include <vector>

namespace brainstem::ops {

class UsageMeter {
 public:
  UsageMeter(store::Store& store, BlockingPool& blocking, Budgets& budgets)
      : store_(store), blocking_(blocking), budgets_(budgets) {}

  void record(store::UsageRecord record);
  // Writes what is buffered; on a store failure the records are kept for the next flush.
  boost::asio::awaitable<Status> flush();
  Status flush_now();  // blocking: for shutdown

 private:
  std::vector<store::UsageRecord> take();
  void put_back(std::vector<store::UsageRecord> records);

  store::Store& store_;
  BlockingPool& blocking_;
  Budgets& budgets_;
  std::mutex mu_;
  std::vector<store::UsageRecord> pending_;
};

}  // namespace brainstem::ops
