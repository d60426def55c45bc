// The backoff between attempts of outgoing calls.
#include "net/retry.h"

#include "common/run_sync.h"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using brainstem::net::Backoff;

TEST(Backoff, DoublesFromTheFirstWait) {
  const Backoff backoff{.first = 250ms};
  EXPECT_EQ(backoff.delay(1), 250ms);
  EXPECT_EQ(backoff.delay(2), 500ms);
  EXPECT_EQ(backoff.delay(3), 1000ms);
}

TEST(Backoff, JitterAddsLessThanItsBound) {
  const Backoff backoff{.first = 200ms, .jitter = 100ms};
  for (int i = 0; i < 200; ++i) {
    auto wait = backoff.delay(2);
    ASSERT_TRUE(wait);
    EXPECT_GE(*wait, 400ms);
    EXPECT_LT(*wait, 500ms);
  }
}

TEST(Backoff, ALongerHintWinsAndOnePastTheBoundGivesUp) {
  const Backoff backoff{.first = 200ms, .max_hint = 30s};
  EXPECT_EQ(backoff.delay(1, 3s), 3s);
  EXPECT_EQ(backoff.delay(4, 1s), 1600ms);  // the backoff is already longer
  EXPECT_EQ(backoff.delay(1, 31s), std::nullopt);
}

TEST(Backoff, PauseWaitsAtLeastTheDelay) {
  const auto started = std::chrono::steady_clock::now();
  brainstem::run_sync(brainstem::net::pause(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 20ms);
}

}  // namespace
