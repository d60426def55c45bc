#include "common/run_sync.h"
#include "ops/budgets.h"
#include "ops/usage_meter.h"

#include "common/clock.h"
#include "common/offload.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"


#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
using brainstem::ops::BudgetOptions;
using brainstem::ops::Budgets;
using brainstem::ops::BudgetState;
using brainstem::ops::UsageMeter;
using brainstem::test_support::TempDir;
namespace asio = boost::asio;

constexpr int64_t kDayMs = 86400000;


store::UsageRecord usage(const std::string& tenant_id, double cost_usd, int64_t at_ms, const std::string& model = "llama",
                         const std::string& key_id = "key_1") {
  store::UsageRecord r;
  r.tenant_id = tenant_id;
  r.key_id = key_id;
  r.agent_id = "a1";
  r.model = model;
  r.kind = "chat";
  r.prompt_tokens = 100;
  r.completion_tokens = 20;
  r.cost_usd = cost_usd;
  r.at_ms = at_ms;
  return r;
}

class BudgetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite(dir_.file("brainstem.db"));
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
  }

  // Each call awaits state() with the tenant id alive until the coroutine is done.
  BudgetState state(Budgets& budgets, const std::string& tenant_id) { return run_sync(budgets.state(tenant_id)); }

  void record(std::vector<store::UsageRecord> records) {
    Status s = run_sync(store_->record_usage(records));
    ASSERT_TRUE(s.is_ok()) << s.message();
  }

  std::vector<store::UsageRow> summary(const std::string& tenant_id) {
    store::UsageQuery q;
    q.tenant_id = tenant_id;
    auto rows = run_sync(store_->usage_summary(q));
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    return rows.ok() ? *rows : std::vector<store::UsageRow>{};
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

TEST(BudgetStateName, NamesEveryState) {
  EXPECT_STREQ(ops::budget_state_name(BudgetState::kOk), "ok");
  EXPECT_STREQ(ops::budget_state_name(BudgetState::kWarn), "warn");
  EXPECT_STREQ(ops::budget_state_name(BudgetState::kThrottle), "throttle");
  EXPECT_STREQ(ops::budget_state_name(BudgetState::kBlock), "block");
}

TEST_F(BudgetsTest, DisabledBudgetIsAlwaysOk) {
  record({usage("t1", 1e6, now_ms())});
  Budgets budgets(*store_, BudgetOptions{});
  EXPECT_FALSE(budgets.enabled());
  EXPECT_EQ(budgets.daily_limit(), 0);
  EXPECT_EQ(state(budgets, "t1"), BudgetState::kOk);
  budgets.add("t1", 1e6, now_ms());
  EXPECT_EQ(state(budgets, "t1"), BudgetState::kOk);
  EXPECT_EQ(budgets.spent_today("t1"), 0);
}

TEST_F(BudgetsTest, ThresholdsAreInclusive) {
  // Percentages that are exact in binary: 75% and 87.5% of 8.
  Budgets budgets(*store_, BudgetOptions{8, 75, 87.5});
  const std::string tenant = "t1";
  EXPECT_TRUE(budgets.enabled());
  EXPECT_EQ(budgets.daily_limit(), 8);
  EXPECT_EQ(state(budgets, tenant), BudgetState::kOk);
  budgets.add(tenant, 5.5, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kOk);  // 68.75%
  budgets.add(tenant, 0.5, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kWarn);  // 75%
  budgets.add(tenant, 0.75, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kWarn);  // 84.375%
  budgets.add(tenant, 0.25, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kThrottle);  // 87.5%
  budgets.add(tenant, 0.5, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kThrottle);  // 93.75%
  budgets.add(tenant, 0.5, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kBlock);  // 100%
  budgets.add(tenant, 3, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kBlock);
  EXPECT_DOUBLE_EQ(budgets.spent_today(tenant), 11);
}

TEST_F(BudgetsTest, DefaultThresholdsAreEightyAndNinetyFivePercent) {
  const std::vector<std::pair<double, BudgetState>> cases = {
      {0, BudgetState::kOk},     {7.9, BudgetState::kOk},         {8.1, BudgetState::kWarn},
      {9.4, BudgetState::kWarn}, {9.6, BudgetState::kThrottle}, {10.5, BudgetState::kBlock}};
  for (const auto& [spent, expected] : cases) {
    Budgets budgets(*store_, BudgetOptions{10});
    const std::string tenant = "t1";
    budgets.add(tenant, spent, now_ms());
    EXPECT_EQ(state(budgets, tenant), expected) << "spent " << spent;
  }
}

TEST_F(BudgetsTest, TenantsAreCountedApart) {
  Budgets budgets(*store_, BudgetOptions{10});
  const std::string t1 = "t1", t2 = "t2";
  budgets.add(t1, 10, now_ms());
  EXPECT_EQ(state(budgets, t1), BudgetState::kBlock);
  EXPECT_EQ(state(budgets, t2), BudgetState::kOk);
  EXPECT_DOUBLE_EQ(budgets.spent_today(t2), 0);
}

TEST_F(BudgetsTest, SpendIsLoadedFromTodaysStoredUsage) {
  const int64_t now = now_ms();
  record({usage("t1", 5, now), usage("t1", 3.5, now, "gpt"),
          usage("t1", 100, now - kDayMs),  // yesterday: not counted
          usage("t2", 10, now)});
  Budgets budgets(*store_, BudgetOptions{10});
  const std::string t1 = "t1", t2 = "t2", t3 = "t3";
  EXPECT_DOUBLE_EQ(budgets.spent_today(t1), 0);  // not loaded yet
  EXPECT_EQ(state(budgets, t1), BudgetState::kWarn);  // 85%
  EXPECT_DOUBLE_EQ(budgets.spent_today(t1), 8.5);
  EXPECT_EQ(state(budgets, t2), BudgetState::kBlock);
  EXPECT_EQ(state(budgets, t3), BudgetState::kOk);
  // Metered cost adds to what was loaded.
  budgets.add(t1, 1.25, now_ms());
  EXPECT_DOUBLE_EQ(budgets.spent_today(t1), 9.75);
  EXPECT_EQ(state(budgets, t1), BudgetState::kThrottle);
}

TEST_F(BudgetsTest, UnflushedSpendInMemoryIsNotForgottenByTheFirstLoad) {
  record({usage("t1", 2, now_ms())});
  Budgets budgets(*store_, BudgetOptions{10});
  const std::string tenant = "t1";
  budgets.add(tenant, 9.6, now_ms());  // metered, not yet in the store
  EXPECT_EQ(state(budgets, tenant), BudgetState::kThrottle);
  EXPECT_DOUBLE_EQ(budgets.spent_today(tenant), 9.6);
}

TEST_F(BudgetsTest, StoredSpendLargerThanMemoryWins) {
  record({usage("t1", 9.6, now_ms())});
  Budgets budgets(*store_, BudgetOptions{10});
  const std::string tenant = "t1";
  budgets.add(tenant, 1, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kThrottle);
  EXPECT_DOUBLE_EQ(budgets.spent_today(tenant), 9.6);
}

TEST_F(BudgetsTest, TheStoreIsReadOncePerTenantAndDay) {
  Budgets budgets(*store_, BudgetOptions{10});
  const std::string tenant = "t1";
  EXPECT_EQ(state(budgets, tenant), BudgetState::kOk);
  record({usage("t1", 50, now_ms())});  // written behind the budget's back
  EXPECT_EQ(state(budgets, tenant), BudgetState::kOk);
  Budgets fresh(*store_, BudgetOptions{10});
  EXPECT_EQ(state(fresh, tenant), BudgetState::kBlock);
}

TEST_F(BudgetsTest, CostsOfAnotherDayOrNotPositiveAreNotAdded) {
  Budgets budgets(*store_, BudgetOptions{10});
  const std::string tenant = "t1";
  budgets.add(tenant, 50, now_ms() - kDayMs);
  EXPECT_DOUBLE_EQ(budgets.spent_today(tenant), 0);
  budgets.add(tenant, 0, now_ms());
  budgets.add(tenant, -5, now_ms());
  EXPECT_DOUBLE_EQ(budgets.spent_today(tenant), 0);
  EXPECT_EQ(state(budgets, tenant), BudgetState::kOk);
}

TEST_F(BudgetsTest, WhenTheStoreCannotBeReadSpendInMemoryDecidesAndTheReadIsRetried) {
  record({usage("t1", 100, now_ms())});
  store::SqliteOptions refusing;
  refusing.max_queued = 0;  // every call is refused as busy
  auto busy = store::open_sqlite(dir_.file("brainstem.db"), refusing);
  ASSERT_TRUE(busy.ok()) << busy.status().message();
  Budgets budgets(**busy, BudgetOptions{10});
  const std::string tenant = "t1";
  EXPECT_EQ(state(budgets, tenant), BudgetState::kOk);
  budgets.add(tenant, 8.5, now_ms());
  EXPECT_EQ(state(budgets, tenant), BudgetState::kWarn);
  EXPECT_DOUBLE_EQ(budgets.spent_today(tenant), 8.5);
}

// --- usage meter

TEST_F(BudgetsTest, MeterAddsCostToTheBudgetAtOnceAndFlushWritesToTheStore) {
  Budgets budgets(*store_, BudgetOptions{10});
  UsageMeter meter(*store_, budgets);
  const std::string tenant = "t1";
  const int64_t now = now_ms();
  meter.record(usage("t1", 4, now, "llama", "key_1"));
  meter.record(usage("t1", 4.5, now, "llama", "key_1"));
  meter.record(usage("t1", 0.5, now, "gpt", "key_2"));
  meter.record(usage("t2", 1, now, "llama", "key_9"));
  EXPECT_DOUBLE_EQ(budgets.spent_today(tenant), 9);
  EXPECT_EQ(state(budgets, tenant), BudgetState::kWarn);  // 90%
  EXPECT_TRUE(summary("t1").empty());  // nothing written before a flush

  Status flushed = run_sync(meter.flush());
  ASSERT_TRUE(flushed.is_ok()) << flushed.message();
  auto rows = summary("t1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].model, "gpt");
  EXPECT_EQ(rows[0].key_id, "key_2");
  EXPECT_EQ(rows[0].requests, 1);
  EXPECT_DOUBLE_EQ(rows[0].cost_usd, 0.5);
  EXPECT_EQ(rows[1].model, "llama");
  EXPECT_EQ(rows[1].key_id, "key_1");
  EXPECT_EQ(rows[1].requests, 2);
  EXPECT_EQ(rows[1].prompt_tokens, 200);
  EXPECT_EQ(rows[1].completion_tokens, 40);
  EXPECT_DOUBLE_EQ(rows[1].cost_usd, 8.5);
  EXPECT_EQ(summary("t2").size(), 1u);

  // A second flush has nothing left to write.
  Status again = run_sync(meter.flush());
  EXPECT_TRUE(again.is_ok()) << again.message();
  EXPECT_EQ(summary("t1")[1].requests, 2);

  // A fresh budget (a restart) sees the flushed spend.
  Budgets restarted(*store_, BudgetOptions{10});
  EXPECT_EQ(state(restarted, tenant), BudgetState::kWarn);
  EXPECT_DOUBLE_EQ(restarted.spent_today(tenant), 9);
}

TEST_F(BudgetsTest, FlushWithNothingRecordedIsOk) {
  Budgets budgets(*store_, BudgetOptions{10});
  UsageMeter meter(*store_, budgets);
  Status s = run_sync(meter.flush());
  EXPECT_TRUE(s.is_ok()) << s.message();
  EXPECT_TRUE(summary("t1").empty());
}

TEST_F(BudgetsTest, FlushWritesWhatIsPendingOnce) {
  Budgets budgets(*store_, BudgetOptions{});  // disabled: usage is still metered
  UsageMeter meter(*store_, budgets);
  meter.record(usage("t1", 2, now_ms()));
  EXPECT_DOUBLE_EQ(budgets.spent_today("t1"), 0);
  ASSERT_TRUE(run_sync(meter.flush()).is_ok());
  auto rows = summary("t1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 1);
  EXPECT_DOUBLE_EQ(rows[0].cost_usd, 2);
  ASSERT_TRUE(run_sync(meter.flush()).is_ok());
  EXPECT_EQ(summary("t1")[0].requests, 1);
}

// Calls of one tenant, key, agent, model and kind in the same second become one row; another
// second, key or model starts another.
TEST_F(BudgetsTest, MeterSumsTheCallsOfOneSecondIntoOneRow) {
  Budgets budgets(*store_, BudgetOptions{});
  UsageMeter meter(*store_, budgets);
  const int64_t second = now_ms() / 1000 * 1000;
  meter.record(usage("t1", 1, second));
  meter.record(usage("t1", 2, second + 999));
  EXPECT_EQ(meter.pending_rows(), 1u);
  meter.record(usage("t1", 4, second + 1000));
  meter.record(usage("t1", 8, second, "gpt"));
  meter.record(usage("t1", 16, second, "llama", "key_2"));
  EXPECT_EQ(meter.pending_rows(), 4u);

  ASSERT_TRUE(run_sync(meter.flush()).is_ok());
  EXPECT_EQ(meter.pending_rows(), 0u);
  auto rows = summary("t1");
  ASSERT_EQ(rows.size(), 3u);  // per model and key
  EXPECT_EQ(rows[1].model, "llama");
  EXPECT_EQ(rows[1].key_id, "key_1");
  EXPECT_EQ(rows[1].requests, 3);
  EXPECT_EQ(rows[1].prompt_tokens, 300);
  EXPECT_DOUBLE_EQ(rows[1].cost_usd, 7);
  // The rows keep their second: a window that ends before the last one leaves it out.
  store::UsageQuery first_second{"t1", second, second + 1000};
  auto early = run_sync(store_->usage_summary(first_second));
  ASSERT_TRUE(early.ok());
  int64_t requests = 0;
  for (const auto& row : *early) requests += row.requests;
  EXPECT_EQ(requests, 4);
}

// A flush of more rows than one transaction takes writes every row, each once.
TEST_F(BudgetsTest, LargeFlushWritesEveryRecordOnce) {
  Budgets budgets(*store_, BudgetOptions{});
  UsageMeter meter(*store_, budgets);
  const int64_t now = now_ms();
  for (int i = 0; i < 1234; ++i) meter.record(usage("t1", 0.5, now - i * 1000));  // a row per second
  EXPECT_EQ(meter.pending_rows(), 1234u);
  Status s = run_sync(meter.flush());
  ASSERT_TRUE(s.is_ok()) << s.message();
  auto rows = summary("t1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 1234);
  EXPECT_DOUBLE_EQ(rows[0].cost_usd, 617);
  ASSERT_TRUE(run_sync(meter.flush()).is_ok());
  EXPECT_EQ(summary("t1")[0].requests, 1234);
}

// A flush refused because the store is saturated keeps its records for the next one.
TEST_F(BudgetsTest, FlushRefusedAsBusyKeepsTheRecords) {
  store::SqliteOptions one_slot;
  one_slot.max_queued = 0;  // no write may wait while another is written
  auto opened = store::open_sqlite(dir_.file("brainstem.db"), one_slot);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  store::Store& busy = **opened;
  store::CacheEntry entry;
  entry.id = "ce_1";
  entry.tenant_id = "t1";
  ASSERT_TRUE(run_sync(busy.put_cache_entry(entry)).is_ok());
  Budgets budgets(busy, BudgetOptions{10});
  UsageMeter meter(busy, budgets);
  meter.record(usage("t1", 3, now_ms()));

  asio::io_context ioc;
  std::promise<void> gate;
  std::shared_future<void> gate_open = gate.get_future().share();
  std::promise<void> writing;
  std::optional<Status> refused;
  bool threw = false;
  // Keeps the store's writer busy (an audit entry whose seal waits) until the gate opens.
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        store::AuditEntry held;
        held.id = "aud_1";
        held.tenant_id = "t1";
        const std::function<std::string(const store::AuditEntry&)> seal = [&](const store::AuditEntry&) {
          writing.set_value();
          gate_open.wait();
          return std::string("seal");
        };
        co_await busy.append_audit(held, seal);
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        writing.get_future().wait();
        try {
          Status s = co_await meter.flush();
          refused = s;
        } catch (const StatusError&) {
          threw = true;
        }
        gate.set_value();
      },
      asio::detached);
  ioc.run();

  EXPECT_FALSE(threw);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), StatusCode::kUnavailable);
  EXPECT_TRUE(summary("t1").empty());

  Status s = run_sync(meter.flush());
  ASSERT_TRUE(s.is_ok()) << s.message();
  auto rows = summary("t1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 1);
  EXPECT_DOUBLE_EQ(rows[0].cost_usd, 3);
}

}  // namespace
