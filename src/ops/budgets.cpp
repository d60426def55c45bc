#include "ops/budgets.h"

#include "common/clock.h"

namespace brainstem::ops {

namespace {
constexpr int64_t kDayMs = 86400000;
}

const char* budget_state_name(BudgetState state) {
  switch (state) {
    case BudgetState::kOk: return "ok";
    case BudgetState::kWarn: return "warn";
    case BudgetState::kThrottle: return "throttle";
    case BudgetState::kBlock: return "block";
  }
  return "ok";
}

BudgetState Budgets::classify(double spent) const {
  double pct = spent / options_.daily_usd * 100;
  if (pct >= 100) return BudgetState::kBlock;
  if (pct >= options_.throttle_pct) return BudgetState::kThrottle;
  if (pct >= options_.warn_pct) return BudgetState::kWarn;
  return BudgetState::kOk;
}

boost::asio::awaitable<BudgetState> Budgets::state(const std::string& tenant_id) {
  if (!enabled()) co_return BudgetState::kOk;
  const int64_t today = now_ms() / kDayMs;
  {
    std::lock_guard lock(mu_);
    auto& d = days_[tenant_id];
    if (d.day == today && d.loaded) co_return classify(d.spent);
  }
  // A failed read (the store busy) judges by what is in memory and reads again next time.
  Result<double> stored = co_await store_.usage_cost(tenant_id, today * kDayMs, (today + 1) * kDayMs);
  std::lock_guard lock(mu_);
  auto& d = days_[tenant_id];
  if (d.day != today || !d.loaded) {
    // Usage metered but not yet flushed is in memory only; keep the larger figure.
    double in_memory = d.day == today ? d.spent : 0;
    d = Day{today, std::max(in_memory, stored ? stored.value() : 0.0), stored.ok()};
  }
  co_return classify(d.spent);
}

void Budgets::add(const std::string& tenant_id, double cost_usd, int64_t at_ms) {
  if (!enabled() || cost_usd <= 0) return;
  const int64_t day = at_ms / kDayMs;
  std::lock_guard lock(mu_);
  auto& d = days_[tenant_id];
  if (d.day != day) d = Day{day, 0, false};
  d.spent += cost_usd;
}

double Budgets::spent_today(const std::string& tenant_id) {
  std::lock_guard lock(mu_);
  auto it = days_.find(tenant_id);
  return it != days_.end() && it->second.day == now_ms() / kDayMs ? it->second.spent : 0;
}

}  // namespace brainstem::ops
