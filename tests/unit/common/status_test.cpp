#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace {

using namespace brainstem;

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_TRUE(s.message().empty());
  EXPECT_TRUE(Status::ok().is_ok());
}

TEST(Status, ValidationCarriesFieldAndMessage) {
  auto s = Status::validation("email", "email must be valid");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kValidation);
  EXPECT_EQ(s.field(), "email");
  EXPECT_EQ(s.message(), "email must be valid");
  EXPECT_FALSE(s.retry_after_s());
}

TEST(Status, RateLimitedCarriesRetryAfter) {
  auto s = Status::rate_limited("slow down", 17);
  EXPECT_EQ(s.code(), StatusCode::kRateLimited);
  ASSERT_TRUE(s.retry_after_s());
  EXPECT_EQ(*s.retry_after_s(), 17);
}

TEST(Status, WithFieldAndDetailsAttachToAnyStatus) {
  auto s = Status::invalid("bad");
  s.with_field("name").with_details({{"limit", 5}});
  EXPECT_EQ(s.field(), "name");
  EXPECT_EQ(s.details().at("limit").as_int64(), 5);
}

TEST(Status, HttpStatusOfMapsEveryCode) {
  EXPECT_EQ(http_status_of(StatusCode::kOk), 200);
  EXPECT_EQ(http_status_of(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status_of(StatusCode::kValidation), 422);
  EXPECT_EQ(http_status_of(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(http_status_of(StatusCode::kPaymentRequired), 402);
  EXPECT_EQ(http_status_of(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status_of(StatusCode::kNotFound), 404);
  EXPECT_EQ(http_status_of(StatusCode::kMethodNotAllowed), 405);
  EXPECT_EQ(http_status_of(StatusCode::kConflict), 409);
  EXPECT_EQ(http_status_of(StatusCode::kPayloadTooLarge), 413);
  EXPECT_EQ(http_status_of(StatusCode::kRateLimited), 429);
  EXPECT_EQ(http_status_of(StatusCode::kInternal), 500);
  EXPECT_EQ(http_status_of(StatusCode::kUnavailable), 503);
  EXPECT_EQ(http_status_of(StatusCode::kDeadlineExceeded), 504);
}

TEST(Status, SnakeNamesAreStable) {
  EXPECT_STREQ(snake_name(StatusCode::kInvalidArgument), "bad_request");
  EXPECT_STREQ(snake_name(StatusCode::kValidation), "validation_error");
  EXPECT_STREQ(snake_name(StatusCode::kUnauthenticated), "unauthorized");
  EXPECT_STREQ(snake_name(StatusCode::kNotFound), "not_found");
  EXPECT_STREQ(snake_name(StatusCode::kRateLimited), "rate_limit_exceeded");
  EXPECT_STREQ(snake_name(StatusCode::kInternal), "internal_error");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good(42);
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, 42);

  Result<int> bad(Status::not_found("gone"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(bad.status().message(), "gone");
}

TEST(Result, MovesValueOut) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 7);
}

}  // namespace
