#include "common/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace {

using brainstem::random_id;
using brainstem::time_ordered_id;

TEST(RandomId, IsPrefixThenRandomCharacters) {
  auto id = random_id("chatcmpl-", 24);
  EXPECT_EQ(id.size(), 9u + 24u);
  EXPECT_EQ(id.substr(0, 9), "chatcmpl-");
  EXPECT_TRUE(std::all_of(id.begin() + 9, id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) << id;
  EXPECT_EQ(random_id("", 5).size(), 5u);
}

TEST(RandomId, CallsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_id("req_", 20));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(TimeOrderedId, HasPrefixTimeAndRandomParts) {
  auto id = time_ordered_id("turn_", 1'700'000'000'000'000, 12);
  EXPECT_EQ(id.size(), 5u + 9u + 12u);
  EXPECT_EQ(id.substr(0, 5), "turn_");
  EXPECT_TRUE(std::all_of(id.begin() + 5, id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) << id;
}

TEST(TimeOrderedId, SortsByTimeAcrossDigitCarries) {
  // Times around carries of the base62 digits, and the zero time, sort as their numbers do.
  std::vector<int64_t> times{0, 1, 61, 62, 63, 3843, 3844, 1'700'000'000'000'000, 1'700'000'000'000'001, 4'102'444'800'000'000};
  std::vector<std::string> ids;
  for (int64_t t : times) ids.push_back(time_ordered_id("t_", t, 4));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST(TimeOrderedId, SameMicrosecondStillDiffers) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(time_ordered_id("turn_", 42, 12));
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
