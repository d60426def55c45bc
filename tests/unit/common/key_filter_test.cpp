#include "common/key_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace {

using brainstem::KeyFilter;

TEST(KeyFilter, EmptyFilterHasNothing) {
  KeyFilter filter;
  EXPECT_FALSE(filter.may_contain("t1/a1/s1"));
  EXPECT_FALSE(filter.may_contain(""));
  EXPECT_EQ(filter.size(), 0u);
}

TEST(KeyFilter, AddedKeysAreAlwaysFoundAcrossGrowth) {
  KeyFilter filter(64);  // grows many times over 20,000 keys
  for (int i = 0; i < 20000; ++i) filter.add("session-" + std::to_string(i));
  EXPECT_EQ(filter.size(), 20000u);
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(filter.may_contain("session-" + std::to_string(i))) << i;
}

TEST(KeyFilter, FewAbsentKeysLookPresent) {
  KeyFilter filter(1024);
  for (int i = 0; i < 50000; ++i) filter.add("present-" + std::to_string(i));
  int false_positives = 0;
  for (int i = 0; i < 50000; ++i) false_positives += filter.may_contain("absent-" + std::to_string(i));
  // About 1% per layer, and 50,000 keys from 1,024 make six layers.
  EXPECT_LT(false_positives, 50000 * 8 / 100);
}

TEST(KeyFilter, ConcurrentAddsAreAllKept) {
  KeyFilter filter(128);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&filter, t] {
      for (int i = 0; i < 5000; ++i) filter.add(std::to_string(t) + ":" + std::to_string(i));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(filter.size(), 20000u);
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 5000; ++i) ASSERT_TRUE(filter.may_contain(std::to_string(t) + ":" + std::to_string(i)));
  }
}

}  // namespace
