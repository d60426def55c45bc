#include "common/clock.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace brainstem;

constexpr int64_t kLeapDayMidnightS = 1709164800;  // 2024-02-29T00:00:00Z
constexpr int64_t kLeapDayS = 1709210096;          // 2024-02-29T12:34:56Z

TEST(Clock, Iso8601FormatsEpochAsUtc) { EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00Z"); }

TEST(Clock, Iso8601TruncatesMillisecondsToSeconds) {
  EXPECT_EQ(iso8601(1700000000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(iso8601(1700000000999), "2023-11-14T22:13:20Z");
}

TEST(Clock, Iso8601MicrosKeepsSixFractionDigitsWithoutZone) {
  EXPECT_EQ(iso8601_micros(1766664000000000), "2025-12-25T12:00:00.000000");
  EXPECT_EQ(iso8601_micros(1766664000000000 + 1234), "2025-12-25T12:00:00.001234");
}

TEST(Clock, NowMsAndNowUsAgree) {
  int64_t ms = now_ms();
  int64_t us = now_us();
  EXPECT_GT(ms, 1700000000000);
  EXPECT_LE(ms, us / 1000);
  EXPECT_LT(us / 1000 - ms, 1000);
}

TEST(Clock, ParsesPlainDateAsUtcMidnight) {
  auto t = parse_iso8601_ms("2024-02-29");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, kLeapDayMidnightS * 1000);
}

TEST(Clock, ParsesDateTimeWithoutZoneAsUtc) {
  auto t = parse_iso8601_ms("2024-02-29T12:34:56");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, kLeapDayS * 1000);
}

TEST(Clock, ParsesDateTimeWithZ) {
  auto t = parse_iso8601_ms("2024-02-29T12:34:56Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, kLeapDayS * 1000);
}

TEST(Clock, ParsesSpaceSeparatedDateTime) {
  auto t = parse_iso8601_ms("2024-02-29 12:34:56");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, kLeapDayS * 1000);
}

TEST(Clock, ParsesFractionalSecondsToMilliseconds) {
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T12:34:56.5Z"), kLeapDayS * 1000 + 500);
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T12:34:56.12Z"), kLeapDayS * 1000 + 120);
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T12:34:56.123Z"), kLeapDayS * 1000 + 123);
  // Digits beyond milliseconds are dropped, not rounded.
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T12:34:56.123999Z"), kLeapDayS * 1000 + 123);
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T12:34:56.007"), kLeapDayS * 1000 + 7);
}

TEST(Clock, AppliesPositiveOffset) {
  // 14:34:56+02:00 is 12:34:56 UTC.
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T14:34:56+02:00"), kLeapDayS * 1000);
}

TEST(Clock, AppliesNegativeOffsetWithMinutes) {
  // 07:04:56-05:30 is 12:34:56 UTC.
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T07:04:56-05:30"), kLeapDayS * 1000);
}

TEST(Clock, OffsetAndFractionCombine) {
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T13:34:56.250+01:00"), kLeapDayS * 1000 + 250);
}

TEST(Clock, ParseRoundTripsIso8601Output) {
  int64_t ms = 1700000000000;
  EXPECT_EQ(parse_iso8601_ms(iso8601(ms)), ms);
}

TEST(Clock, RejectsGarbage) {
  EXPECT_FALSE(parse_iso8601_ms(""));
  EXPECT_FALSE(parse_iso8601_ms("hello"));
  EXPECT_FALSE(parse_iso8601_ms("yesterday at noon"));
  EXPECT_FALSE(parse_iso8601_ms("2024/02/29"));
  EXPECT_FALSE(parse_iso8601_ms("2024-02-29X"));
  EXPECT_FALSE(parse_iso8601_ms("2024-02-29T"));
  EXPECT_FALSE(parse_iso8601_ms("2024-02-29T12:34"));
  EXPECT_FALSE(parse_iso8601_ms("2024-02-29T12:34:56Zjunk"));
  EXPECT_FALSE(parse_iso8601_ms("2024-02-29T12:34:56 UTC"));
  EXPECT_FALSE(parse_iso8601_ms("2024-02-29T12:34:56+0200"));
  EXPECT_FALSE(parse_iso8601_ms("2024-02-29T12:34:56+02"));
}

TEST(Clock, RejectsOutOfRangeFields) {
  EXPECT_FALSE(parse_iso8601_ms("2024-13-01"));
  EXPECT_FALSE(parse_iso8601_ms("2024-00-10"));
  EXPECT_FALSE(parse_iso8601_ms("2024-01-32"));
  EXPECT_FALSE(parse_iso8601_ms("2024-01-00"));
  EXPECT_FALSE(parse_iso8601_ms("2024-01-01T24:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2024-01-01T12:60:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2024-01-01T12:00:61Z"));
}

TEST(Clock, RejectsNonNumericOffsetWithoutThrowing) {
  std::optional<int64_t> parsed;
  EXPECT_NO_THROW(parsed = parse_iso8601_ms("2024-02-29T12:34:56+ab:cd"));
  EXPECT_FALSE(parsed);
}

}  // namespace
