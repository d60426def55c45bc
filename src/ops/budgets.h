// Daily LLM cost budgets per tenant (seed 000): the day's spend against the limit gives the
// X-Budget-State on every response — ok, warn (past warn_pct), throttle (past throttle_pct:
// the router keeps to the cheapest models), block (spent: invocations answer 402) — and
// resets at midnight UTC.
//
// Spend is counted in memory as usage is metered; the first look at a tenant each day reads
// what the store already holds for that day, so a restart forgets nothing.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include "ops/budget_state.h"
#include "store/usage_store.h"

#include <boost/asio/awaitable.hpp>

#include <mutex>
#include <string>
#include <unordered_map>

namespace brainstem::ops {

struct BudgetOptions {
  double daily_usd = 0;  // 0: unlimited, always ok
  double warn_pct = 80;
  double throttle_pct = 95;
};

class Budgets {
 public:
  Budgets(store::UsageStore& store, BudgetOptions options) : store_(store), options_(options) {}

  bool enabled() const { return options_.daily_usd > 0; }
  boost::asio::awaitable<BudgetState> state(const std::string& tenant_id);
  // Adds metered cost to today's spend (after state() has loaded the tenant's day, or not:
  // the store read then includes it).
  void add(const std::string& tenant_id, double cost_usd, int64_t at_ms);
  double daily_limit() const { return options_.daily_usd; }
  // Today's known spend, without loading.
  double spent_today(const std::string& tenant_id);

 private:
  struct Day {
    int64_t day = -1;  // days since the epoch (UTC)
    double spent = 0;
    bool loaded = false;
  };
  BudgetState classify(double spent) const;

  store::UsageStore& store_;
  const BudgetOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Day> days_;
};

}  // namespace brainstem::ops
