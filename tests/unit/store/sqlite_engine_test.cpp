// The SQLite engine's own threads: a read waits for one, and past the queue's bound it is
// refused as busy instead of queueing without end. (Writes queue for the writer thread, whose
// bound, max_waiting, sqlite_concurrency_test.cpp tests.)
#include "common/run_sync.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using namespace brainstem;

TEST(SqliteEngine, CallsPastTheQueueBoundAreRefusedAsBusy) {
  test_support::TempDir dir;
  store::SqliteOptions refusing;
  refusing.max_queued = 0;
  auto opened = store::open_sqlite(dir.file("brainstem.db"), refusing);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Status ping = run_sync((*opened)->ping());
  EXPECT_EQ(ping.code(), StatusCode::kUnavailable) << ping.message();
  auto tenant = run_sync((*opened)->get_tenant("t1"));
  ASSERT_FALSE(tenant.ok());
  EXPECT_EQ(tenant.status().code(), StatusCode::kUnavailable);
}

TEST(SqliteEngine, TheWorkRunsOnTheEngineThreadsAndTheCallerResumesOnItsOwn) {
  test_support::TempDir dir;
  auto opened = store::open_sqlite(dir.file("brainstem.db"));
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  store::Store& store = **opened;
  store::CacheEntry entry;
  entry.id = "ce_1";
  entry.tenant_id = "t1";
  ASSERT_TRUE(run_sync(store.put_cache_entry(entry)).is_ok());

  const auto caller = std::this_thread::get_id();
  std::thread::id visited_on, resumed_on;
  auto scan = [&]() -> boost::asio::awaitable<Status> {
    Status s = co_await store.scan_cache_entries([&](const store::CacheEntry&) {
      visited_on = std::this_thread::get_id();
      return true;
    });
    resumed_on = std::this_thread::get_id();
    co_return s;
  };
  ASSERT_TRUE(run_sync(scan()).is_ok());
  EXPECT_NE(visited_on, std::thread::id{});
  EXPECT_NE(visited_on, caller);
  EXPECT_EQ(resumed_on, caller);
  EXPECT_EQ(store.engine_name(), "sqlite");
}

}  // namespace
