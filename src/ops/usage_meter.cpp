#include "ops/usage_meter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace brainstem::ops {

namespace {
constexpr size_t kMaxPending = 100000;  // a store down for long must not grow memory without bound
// Rows per transaction, so that a large flush does not hold the store's single write lock
// for long while other writers (the conversation writer) wait.
constexpr size_t kChunk = 500;
constexpr int64_t kSecondMs = 1000;

// The fields a row sums over, joined by a separator no id, model or kind contains.
std::string group_key(const store::UsageRecord& r) {
  std::string key;
  key.reserve(r.tenant_id.size() + r.key_id.size() + r.agent_id.size() + r.model.size() + r.kind.size() + 28);
  for (const std::string* part : {&r.tenant_id, &r.key_id, &r.agent_id, &r.model, &r.kind}) {
    key += *part;
    key += '\x1f';
  }
  key += r.cached ? '1' : '0';
  key += std::to_string(r.at_ms);
  return key;
}
}  // namespace

void UsageMeter::record(store::UsageRecord record) {
  budgets_.add(record.tenant_id, record.cost_usd, record.at_ms);
  record.at_ms -= record.at_ms % kSecondMs;
  std::lock_guard lock(mu_);
  add_locked(std::move(record));
}

size_t UsageMeter::pending_rows() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

void UsageMeter::add_locked(store::UsageRecord record) {
  auto [slot, fresh] = group_index_.try_emplace(group_key(record), pending_.size());
  if (fresh) {
    if (pending_.size() < kMaxPending) {
      pending_.push_back(std::move(record));
    } else {
      group_index_.erase(slot);
    }
    return;
  }
  store::UsageRecord& sum = pending_[slot->second];
  sum.prompt_tokens += record.prompt_tokens;
  sum.completion_tokens += record.completion_tokens;
  sum.cost_usd += record.cost_usd;
  sum.requests += record.requests;
}

std::vector<store::UsageRecord> UsageMeter::take() {
  std::lock_guard lock(mu_);
  group_index_.clear();
  return std::exchange(pending_, {});
}

void UsageMeter::put_back(std::vector<store::UsageRecord> records) {
  std::lock_guard lock(mu_);
  for (auto& record : records) add_locked(std::move(record));
}

boost::asio::awaitable<Result<std::vector<store::UsageRow>>> UsageMeter::summary(const store::UsageQuery& query) {
  co_await flush();  // a failed flush keeps its records for the next; the stored rows still answer
  co_return co_await store_.usage_summary(query);
}

boost::asio::awaitable<Status> UsageMeter::flush() {
  auto batch = take();
  if (batch.empty()) co_return Status::ok();
  Status s;
  size_t written = 0;
  while (written < batch.size()) {
    const auto from = batch.begin() + static_cast<std::ptrdiff_t>(written);
    const size_t n = std::min(kChunk, batch.size() - written);
    const std::vector<store::UsageRecord> chunk(from, from + static_cast<std::ptrdiff_t>(n));
    s = co_await store_.record_usage(chunk);
    if (!s.is_ok()) break;
    written += n;
  }
  if (!s.is_ok()) {
    spdlog::warn("usage flush of {} records failed: {}", batch.size() - written, s.message());
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(written));
    put_back(std::move(batch));
  }
  co_return s;
}

}  // namespace brainstem::ops
