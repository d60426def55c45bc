#include "ops/usage_meter.h"

#include <spdlog/spdlog.h>

namespace brainstem::ops {

namespace {
constexpr size_t kMaxPending = 100000;  // a store down for long must not grow memory without bound
}

void UsageMeter::record(store::UsageRecord record) {
  budgets_.add(record.tenant_id, record.cost_usd, record.at_ms);
  std::lock_guard lock(mu_);
  if (pending_.size() >= kMaxPending) return;
  pending_.push_back(std::move(record));
}

std::vector<store::UsageRecord> UsageMeter::take() {
  std::lock_guard lock(mu_);
  return std::exchange(pending_, {});
}

void UsageMeter::put_back(std::vector<store::UsageRecord> records) {
  std::lock_guard lock(mu_);
  if (pending_.size() + records.size() > kMaxPending) return;
  pending_.insert(pending_.begin(), std::make_move_iterator(records.begin()), std::make_move_iterator(records.end()));
}

boost::asio::awaitable<Status> UsageMeter::flush() {
  auto batch = take();
  if (batch.empty()) co_return Status::ok();
  Status s;
  try {
    auto write = [&] { return store_.record_usage(batch); };
    s = co_await blocking_.run(write);
  } catch (const StatusError& e) {
    s = e.status;  // the pool is saturated: keep the records like any other failure
  }
  if (!s.is_ok()) {
    spdlog::warn("usage flush of {} records failed: {}", batch.size(), s.message());
    put_back(std::move(batch));
  }
  co_return s;
}

Status UsageMeter::flush_now() {
  auto batch = take();
  return batch.empty() ? Status::ok() : store_.record_usage(batch);
}

}  // namespace brainstem::ops
