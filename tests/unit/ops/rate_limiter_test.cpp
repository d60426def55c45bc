#include "ops/rate_limiter.h"

#include "common/run_sync.h"

#include "ops/rate_limiter_internal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace brainstem::ops {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;
// 2026-01-01T00:00:00Z: a day, hour and minute boundary.
constexpr int64_t kT0 = 1'767'225'600'000;

class RateLimiterTest : public ::testing::Test {
 protected:
  std::unique_ptr<RateLimiter> limiter_ = make_local_rate_limiter();
};

TEST_F(RateLimiterTest, AllowsUpToMinuteLimitThenRefuses) {
  const RateLimits limits{.per_minute = 3};
  for (int64_t expected_remaining : {2, 1, 0}) {
    RateDecision d = run_sync(limiter_->hit("k", limits, kT0 + 1'000));
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.limit, 3);
    EXPECT_EQ(d.remaining, expected_remaining);
    EXPECT_EQ(d.reset_unix_s, (kT0 + kMinuteMs) / 1000);
    EXPECT_EQ(d.retry_after_s, 0);
  }
  RateDecision refused = run_sync(limiter_->hit("k", limits, kT0 + 1'000));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 3);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset_unix_s, (kT0 + kMinuteMs) / 1000);
  EXPECT_EQ(refused.retry_after_s, 59);
}

TEST_F(RateLimiterTest, RefusedRequestsAreNotCounted) {
  const RateLimits limits{.per_minute = 2};
  run_sync(limiter_->hit("k", limits, kT0));
  run_sync(limiter_->hit("k", limits, kT0 + 10));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(run_sync(limiter_->hit("k", limits, kT0 + 20 + i)).allowed);

  RateUsage u = run_sync(limiter_->usage("k", kT0 + 30));
  EXPECT_EQ(u.minute, 2);
  EXPECT_EQ(u.hour, 2);
  EXPECT_EQ(u.day, 2);

  // A client that backed off gets its full allowance in the next window.
  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + kMinuteMs)).allowed);
  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + kMinuteMs + 1)).allowed);
  EXPECT_FALSE(run_sync(limiter_->hit("k", limits, kT0 + kMinuteMs + 2)).allowed);
  u = run_sync(limiter_->usage("k", kT0 + kMinuteMs + 3));
  EXPECT_EQ(u.minute, 2);
  EXPECT_EQ(u.hour, 4);
  EXPECT_EQ(u.day, 4);
}

TEST_F(RateLimiterTest, WindowsAreAlignedToUtcBoundaries) {
  const RateLimits limits{.per_minute = 1};
  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + 59'999)).allowed);
  // One millisecond later is a new minute window.
  RateDecision d = run_sync(limiter_->hit("k", limits, kT0 + 60'000));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reset_unix_s, (kT0 + 2 * kMinuteMs) / 1000);
  RateDecision refused = run_sync(limiter_->hit("k", limits, kT0 + 60'001));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 60);  // 59.999 s, rounded up
}

TEST_F(RateLimiterTest, HourAndDayWindowsRollOver) {
  const RateLimits limits{.per_hour = 2, .per_day = 3};
  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + 5 * kMinuteMs)).allowed);
  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + 30 * kMinuteMs)).allowed);
  RateDecision refused = run_sync(limiter_->hit("k", limits, kT0 + kHourMs - 1'000));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 2);
  EXPECT_EQ(refused.retry_after_s, 1);

  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + kHourMs)).allowed);  // new hour, day now full
  RateDecision day_full = run_sync(limiter_->hit("k", limits, kT0 + 2 * kHourMs));
  EXPECT_FALSE(day_full.allowed);
  EXPECT_EQ(day_full.limit, 3);
  EXPECT_EQ(day_full.reset_unix_s, (kT0 + kDayMs) / 1000);
  EXPECT_EQ(day_full.retry_after_s, 22 * 3600);

  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + kDayMs)).allowed);
  RateUsage u = run_sync(limiter_->usage("k", kT0 + kDayMs));
  EXPECT_EQ(u.minute, 1);
  EXPECT_EQ(u.hour, 1);
  EXPECT_EQ(u.day, 1);
}

TEST_F(RateLimiterTest, RetryAfterIsAtLeastOneSecond) {
  const RateLimits limits{.per_minute = 1};
  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + 59'900)).allowed);
  RateDecision refused = run_sync(limiter_->hit("k", limits, kT0 + 59'950));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 1);
}

TEST_F(RateLimiterTest, RefusalReportsTheLatestResetWhenSeveralWindowsAreFull) {
  const RateLimits limits{.per_minute = 2, .per_hour = 2};
  run_sync(limiter_->hit("k", limits, kT0 + 10'000));
  run_sync(limiter_->hit("k", limits, kT0 + 10'000));
  RateDecision refused = run_sync(limiter_->hit("k", limits, kT0 + 10'000));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.reset_unix_s, (kT0 + kHourMs) / 1000);
  EXPECT_EQ(refused.retry_after_s, 3590);
}

TEST_F(RateLimiterTest, RefusalByALongerWindowWhileShorterHasRoom) {
  const RateLimits limits{.per_minute = 5, .per_hour = 3};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + 10'000)).allowed);
  RateDecision refused = run_sync(limiter_->hit("k", limits, kT0 + 10'000));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 3);
  EXPECT_EQ(refused.retry_after_s, 3590);
}

TEST_F(RateLimiterTest, ReportsTheWindowWithFewestRemaining) {
  const RateLimits limits{.per_minute = 10, .per_hour = 12, .per_day = 1000};
  RateDecision d;
  for (int i = 0; i < 5; ++i) d = run_sync(limiter_->hit("k", limits, kT0 + 1'000));
  EXPECT_EQ(d.limit, 10);  // minute: 5 left, hour: 7 left
  EXPECT_EQ(d.remaining, 5);
  EXPECT_EQ(d.reset_unix_s, (kT0 + kMinuteMs) / 1000);

  d = run_sync(limiter_->hit("k", limits, kT0 + kMinuteMs));
  EXPECT_EQ(d.limit, 12);  // minute: 9 left, hour: 6 left
  EXPECT_EQ(d.remaining, 6);
  EXPECT_EQ(d.reset_unix_s, (kT0 + kHourMs) / 1000);

  const RateLimits day_tight{.per_minute = 100, .per_hour = 100, .per_day = 2};
  d = run_sync(limiter_->hit("other", day_tight, kT0 + 1'000));
  EXPECT_EQ(d.limit, 2);
  EXPECT_EQ(d.remaining, 1);
  EXPECT_EQ(d.reset_unix_s, (kT0 + kDayMs) / 1000);
}

TEST_F(RateLimiterTest, TieShowsTheLongerWindow) {
  const RateLimits limits{.per_minute = 3, .per_hour = 3};
  RateDecision d = run_sync(limiter_->hit("k", limits, kT0 + 1'000));
  EXPECT_EQ(d.limit, 3);
  EXPECT_EQ(d.remaining, 2);
  EXPECT_EQ(d.reset_unix_s, (kT0 + kHourMs) / 1000);
}

TEST_F(RateLimiterTest, UnlimitedWindowsAreIgnored) {
  RateDecision d = run_sync(limiter_->hit("k", RateLimits{}, kT0 + 1'500));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 0);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.reset_unix_s, (kT0 + kMinuteMs) / 1000);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(run_sync(limiter_->hit("k", RateLimits{}, kT0 + 2'000)).allowed);
  EXPECT_EQ(run_sync(limiter_->usage("k", kT0 + 2'000)).minute, 101);

  d = run_sync(limiter_->hit("k", RateLimits{.per_day = 500}, kT0 + 3'000));
  EXPECT_EQ(d.limit, 500);
  EXPECT_EQ(d.remaining, 500 - 102);
  EXPECT_EQ(d.reset_unix_s, (kT0 + kDayMs) / 1000);
}

TEST_F(RateLimiterTest, KeysAreIndependent) {
  const RateLimits limits{.per_minute = 1};
  EXPECT_TRUE(run_sync(limiter_->hit("tenant-a", limits, kT0)).allowed);
  EXPECT_FALSE(run_sync(limiter_->hit("tenant-a", limits, kT0)).allowed);
  EXPECT_TRUE(run_sync(limiter_->hit("tenant-b", limits, kT0)).allowed);
  EXPECT_EQ(run_sync(limiter_->usage("tenant-a", kT0)).minute, 1);
  EXPECT_EQ(run_sync(limiter_->usage("tenant-b", kT0)).minute, 1);
  EXPECT_EQ(run_sync(limiter_->usage("tenant-c", kT0)).minute, 0);
}

TEST_F(RateLimiterTest, UsageIsZeroForEndedWindows) {
  for (int i = 0; i < 3; ++i) run_sync(limiter_->hit("k", RateLimits{}, kT0 + 1'000));
  RateUsage u = run_sync(limiter_->usage("k", kT0 + kHourMs));
  EXPECT_EQ(u.minute, 0);
  EXPECT_EQ(u.hour, 0);
  EXPECT_EQ(u.day, 3);
  u = run_sync(limiter_->usage("k", kT0 + kDayMs));
  EXPECT_EQ(u.minute, 0);
  EXPECT_EQ(u.hour, 0);
  EXPECT_EQ(u.day, 0);
  // Reading usage does not count.
  EXPECT_EQ(run_sync(limiter_->usage("k", kT0 + 1'000)).minute, 3);
}

TEST_F(RateLimiterTest, AnOlderClockReadingCountsInTheNewerWindow) {
  const RateLimits limits{.per_minute = 1};
  EXPECT_TRUE(run_sync(limiter_->hit("k", limits, kT0 + kMinuteMs)).allowed);
  // A caller whose clock read just before the boundary must not reopen the old window.
  EXPECT_FALSE(run_sync(limiter_->hit("k", limits, kT0 + kMinuteMs - 1)).allowed);
  EXPECT_EQ(run_sync(limiter_->usage("k", kT0 + kMinuteMs)).minute, 1);
}

TEST_F(RateLimiterTest, ConcurrentHitsCountExactly) {
  constexpr int kThreads = 4;
  constexpr int kAttemptsPerThread = 5'000;
  constexpr int64_t kLimit = 12'345;
  const RateLimits limits{.per_minute = kLimit};
  std::atomic<int64_t> allowed{0};
  std::atomic<int64_t> unlimited_hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        if (run_sync(limiter_->hit("shared", limits, kT0 + 1'000)).allowed) allowed.fetch_add(1);
        run_sync(limiter_->hit("unlimited", RateLimits{}, kT0 + 1'000));
        run_sync(limiter_->hit("own-" + std::to_string(t), RateLimits{}, kT0 + 1'000));
        unlimited_hits.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_EQ(allowed.load(), kLimit);
  EXPECT_EQ(run_sync(limiter_->usage("shared", kT0 + 1'000)).minute, kLimit);
  EXPECT_EQ(run_sync(limiter_->usage("unlimited", kT0 + 1'000)).day, kThreads * kAttemptsPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(run_sync(limiter_->usage("own-" + std::to_string(t), kT0 + 1'000)).day, kAttemptsPerThread);
  }
}

TEST_F(RateLimiterTest, SweepDropsCountersWhoseDayEnded) {
  for (int i = 0; i < 1'000; ++i) run_sync(limiter_->hit("yesterday-" + std::to_string(i), RateLimits{}, kT0 + 1'000));
  EXPECT_EQ(internal::local_rate_limiter_key_count(*limiter_), 1'000u);

  // Enough hits the next day that every shard sweeps at least once.
  constexpr int kKeys = 1'000;
  const int rounds = static_cast<int>(internal::kSweepEveryHits * 16 * 3 / kKeys);
  const int64_t next_day = kT0 + kDayMs + 5 * kMinuteMs;
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < kKeys; ++i) run_sync(limiter_->hit("today-" + std::to_string(i), RateLimits{}, next_day));
  }
  EXPECT_EQ(internal::local_rate_limiter_key_count(*limiter_), static_cast<std::size_t>(kKeys));
  EXPECT_EQ(run_sync(limiter_->usage("today-7", next_day)).day, rounds);
  EXPECT_EQ(run_sync(limiter_->usage("yesterday-7", next_day)).day, 0);
}

TEST_F(RateLimiterTest, SweepKeepsCountersOfTheCurrentDay) {
  const RateLimits limits{.per_day = 10};
  run_sync(limiter_->hit("early", limits, kT0 + 1'000));
  // Later the same day, well past the early key's minute and hour windows.
  const int64_t later = kT0 + 5 * kHourMs;
  for (int64_t i = 0; i < internal::kSweepEveryHits * 16 * 4; ++i) {
    run_sync(limiter_->hit("busy-" + std::to_string(i % 64), RateLimits{}, later));
  }
  EXPECT_EQ(internal::local_rate_limiter_key_count(*limiter_), 65u);
  EXPECT_EQ(run_sync(limiter_->usage("early", later)).day, 1);
}

TEST(RateLimiterKeyCount, OtherEnginesReportZero) {
  struct Fake : RateLimiter {
    boost::asio::awaitable<RateDecision> hit(std::string, RateLimits, int64_t) override { co_return RateDecision{}; }
    boost::asio::awaitable<RateUsage> usage(std::string, int64_t) override { co_return RateUsage{}; }
  } fake;
  EXPECT_EQ(internal::local_rate_limiter_key_count(fake), 0u);
}

}  // namespace
}  // namespace brainstem::ops
