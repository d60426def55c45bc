// The TTL forms of CELLSTATE artifacts and notes, and when each expires.
#include "memory/ttl.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::memory;
namespace json = boost::json;

TEST(Ttl, NamedLifetimes) {
  constexpr int64_t hour = 3600 * 1000;
  auto expiry = [](const char* name, bool has_scope) {
    auto ttl = parse_ttl(json::value(name));
    EXPECT_TRUE(ttl.ok()) << name;
    return expiry_of(*ttl, 1000, has_scope);
  };
  EXPECT_EQ(expiry("persistent", true), std::nullopt);
  EXPECT_EQ(expiry("permanent", false), std::nullopt);
  EXPECT_EQ(expiry("short_term", true), 1000 + hour);
  EXPECT_EQ(expiry("medium_term", true), 1000 + 24 * hour);
  EXPECT_EQ(expiry("long_term", true), 1000 + 30 * 24 * hour);
  // Scope-bound lifetimes end when the scope closes; without a scope, after an hour.
  EXPECT_EQ(expiry("scope", true), std::nullopt);
  EXPECT_TRUE(parse_ttl(json::value("session"))->scope_bound);
  EXPECT_EQ(expiry("ephemeral", false), 1000 + hour);
}

TEST(Ttl, DurationAndMaxReads) {
  auto duration = parse_ttl(json::parse(R"({"duration": 5000})"));
  ASSERT_TRUE(duration.ok());
  EXPECT_EQ(expiry_of(*duration, 1000, true), 6000);
  EXPECT_EQ(json::serialize(duration->value), R"({"duration":5000})");
  EXPECT_EQ(parse_ttl(json::parse(R"({"duration_ms": 7})"))->duration_ms, 7);
  auto reads = parse_ttl(json::parse(R"({"max": 3})"));
  ASSERT_TRUE(reads.ok());
  EXPECT_EQ(reads->max_reads, 3);
  EXPECT_EQ(expiry_of(*reads, 1000, true), std::nullopt);
}

TEST(Ttl, AnythingElseIsAValidationErrorOnTtl) {
  for (const char* bad : {R"("forever")", R"({"duration": -5})", R"({"duration": "5"})", R"({"max": 0})",
                          R"({"duration": 5, "max": 1})", R"({"weeks": 2})", "42", "null", "[]"}) {
    auto ttl = parse_ttl(json::parse(bad));
    ASSERT_FALSE(ttl.ok()) << bad;
    EXPECT_EQ(ttl.status().code(), StatusCode::kValidation);
    EXPECT_EQ(ttl.status().field(), "ttl");
  }
}

}  // namespace
