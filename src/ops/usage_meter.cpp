#include "ops/usage_meter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace brainstem::ops {

namespace {
constexpr size_t kMaxPending = 100000;  // a store down for long must not grow memory without bound
// Records per transaction, so that a large flush does not hold the store's single write lock
// for long while other writers (the conversation writer) wait.
constexpr size_t kChunk = 500;
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
  size_t written = 0;
  try {
    auto write = [&] {
      while (written < batch.size()) {
        const auto from = batch.begin() + static_cast<std::ptrdiff_t>(written);
        const size_t n = std::min(kChunk, batch.size() - written);
        const std::vector<store::UsageRecord> chunk(from, from + static_cast<std::ptrdiff_t>(n));
        if (Status chunk_status = store_.record_usage(chunk); !chunk_status.is_ok()) return chunk_status;
        written += n;
      }
      return Status::ok();
    };
    s = co_await blocking_.run(write);
  } catch (const StatusError& e) {
    s = e.status;  // the pool is saturated: keep the records like any other failure
  }
  if (!s.is_ok()) {
    spdlog::warn("usage flush of {} records failed: {}", batch.size() - written, s.message());
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(written));
    put_back(std::move(batch));
  }
  co_return s;
}

Status UsageMeter::flush_now() {
  auto batch = take();
  return batch.empty() ? Status::ok() : store_.record_usage(batch);
}

}  // namespace brainstem::ops
