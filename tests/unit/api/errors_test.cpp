#include "api/errors.h"
#include "api/family.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::api;
namespace json = boost::json;

const Status kFieldError = Status::validation("email", "email must be a valid email address");
const std::string kRequestId = "req_test123";

json::object body_of(const http::Response& res) {
  EXPECT_EQ(res.content_type, "application/json");
  return json::parse(res.body).as_object();
}

TEST(RenderError, CerebralValidationEnvelope) {
  auto res = render_error(Family::kCerebral, kFieldError, kRequestId);
  EXPECT_EQ(res.status, 422);
  auto b = body_of(res);
  EXPECT_EQ(b.at("success"), json::value(false));
  const auto& err = b.at("error").as_object();
  EXPECT_EQ(err.at("code").as_string(), "validation_error");
  EXPECT_EQ(err.at("message").as_string(), "email must be a valid email address");
  EXPECT_EQ(err.at("requestId").as_string(), kRequestId);
  const auto& fe = err.at("fieldErrors").as_object();
  ASSERT_EQ(fe.size(), 1u);
  EXPECT_EQ(fe.at("email"), (json::value(json::array{"email must be a valid email address"})));
}

TEST(RenderError, CerebralOmitsFieldErrorsWithoutField) {
  auto b = body_of(render_error(Family::kCerebral, Status::not_found("no such key"), kRequestId));
  const auto& err = b.at("error").as_object();
  EXPECT_EQ(err.at("code").as_string(), "not_found");
  EXPECT_FALSE(err.contains("fieldErrors"));
}

TEST(RenderError, CendriixValidationEnvelope) {
  auto res = render_error(Family::kCendriix, kFieldError, kRequestId);
  EXPECT_EQ(res.status, 422);
  auto b = body_of(res);
  EXPECT_FALSE(b.contains("success"));
  const auto& err = b.at("error").as_object();
  EXPECT_EQ(err.at("code").as_string(), "validation_error");
  EXPECT_EQ(err.at("message").as_string(), kFieldError.message());
  EXPECT_EQ(err.at("requestId").as_string(), kRequestId);
  EXPECT_EQ(err.at("fieldErrors").at("email"), (json::value(json::array{kFieldError.message()})));
}

TEST(RenderError, SystemFamilyUsesCendriixShape) {
  auto b = body_of(render_error(Family::kSystem, kFieldError, kRequestId));
  EXPECT_EQ(b.at("error").at("code").as_string(), "validation_error");
  EXPECT_TRUE(b.at("error").as_object().contains("fieldErrors"));
}

TEST(RenderError, CortexValidationIs422WithBodyLoc) {
  auto res = render_error(Family::kCortex, kFieldError, kRequestId);
  EXPECT_EQ(res.status, 422);
  auto b = body_of(res);
  const auto& detail = b.at("detail").as_array();
  ASSERT_EQ(detail.size(), 1u);
  EXPECT_EQ(detail[0].at("loc"), (json::value(json::array{"body", "email"})));
  EXPECT_EQ(detail[0].at("msg").as_string(), kFieldError.message());
  EXPECT_EQ(detail[0].at("type").as_string(), "value_error");
  EXPECT_EQ(b.at("request_id").as_string(), kRequestId);
}

TEST(RenderError, CortexBadRequestWithFieldBecomes422) {
  Status s = Status::invalid("name is wrong");
  s.with_field("name");
  auto res = render_error(Family::kCortex, s, kRequestId);
  EXPECT_EQ(res.status, 422);
  EXPECT_EQ(body_of(res).at("detail").at(0).at("loc"), (json::value(json::array{"body", "name"})));
}

TEST(RenderError, CortexOtherErrorsCarryDetailString) {
  auto res = render_error(Family::kCortex, Status::unauthenticated("Invalid API key"), kRequestId);
  EXPECT_EQ(res.status, 401);
  auto b = body_of(res);
  EXPECT_EQ(b.at("detail").as_string(), "Invalid API key");
  auto bad = render_error(Family::kCortex, Status::invalid("malformed JSON: x"), kRequestId);
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(body_of(bad).at("detail").is_string());
}

TEST(RenderError, CellstateValidationEnvelope) {
  auto res = render_error(Family::kCellstate, kFieldError, kRequestId);
  EXPECT_EQ(res.status, 422);
  auto b = body_of(res);
  EXPECT_EQ(b.at("code").as_string(), "VALIDATION_ERROR");
  EXPECT_EQ(b.at("message").as_string(), kFieldError.message());
  const auto& details = b.at("details").as_object();
  EXPECT_EQ(details.at("field").as_string(), "email");
  EXPECT_EQ(details.at("request_id").as_string(), kRequestId);
}

TEST(RenderError, CellstateKeepsStatusDetails) {
  Status s = Status::conflict("already exists");
  s.with_details({{"resource", "agent"}});
  auto b = body_of(render_error(Family::kCellstate, s, kRequestId));
  EXPECT_EQ(b.at("code").as_string(), "CONFLICT");
  EXPECT_EQ(b.at("details").at("resource").as_string(), "agent");
  EXPECT_FALSE(b.at("details").as_object().contains("field"));
}

TEST(RenderError, CerebrumValidationEnvelope) {
  auto res = render_error(Family::kCerebrum, kFieldError, kRequestId);
  EXPECT_EQ(res.status, 400);  // seed 001: invalid parameters are 400 INVALID_REQUEST
  auto b = body_of(res);
  EXPECT_EQ(b.at("error"), json::value(true));
  EXPECT_EQ(b.at("code").as_string(), "INVALID_REQUEST");
  EXPECT_EQ(b.at("message").as_string(), kFieldError.message());
  EXPECT_EQ(b.at("request_id").as_string(), kRequestId);
  std::string ts(b.at("timestamp").as_string());
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})"))) << ts;
}

TEST(RenderError, OpenaiValidationEnvelope) {
  auto res = render_error(Family::kOpenai, kFieldError, kRequestId);
  EXPECT_EQ(res.status, 400);  // OpenAI reports invalid requests as 400
  auto b = body_of(res);
  const auto& err = b.at("error").as_object();
  EXPECT_EQ(err.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(err.at("param").as_string(), "email");
  EXPECT_EQ(err.at("message").as_string(), kFieldError.message());
  EXPECT_EQ(err.at("code").as_string(), "validation_error");
}

TEST(RenderError, OpenaiParamIsNullWithoutField) {
  auto b = body_of(render_error(Family::kOpenai, Status::unauthenticated("bad key"), kRequestId));
  EXPECT_TRUE(b.at("error").at("param").is_null());
  EXPECT_EQ(b.at("error").at("type").as_string(), "authentication_error");
}

TEST(RenderError, AnthropicValidationEnvelope) {
  auto res = render_error(Family::kAnthropic, kFieldError, kRequestId);
  EXPECT_EQ(res.status, 400);  // Anthropic reports invalid requests as 400
  auto b = body_of(res);
  EXPECT_EQ(b.at("type").as_string(), "error");
  EXPECT_EQ(b.at("error").at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(b.at("error").at("message").as_string(), kFieldError.message());
  EXPECT_EQ(b.at("request_id").as_string(), kRequestId);
}

TEST(RenderError, AnthropicMapsOverloadAndSize) {
  EXPECT_EQ(body_of(render_error(Family::kAnthropic, Status::unavailable("busy"), kRequestId)).at("error").at("type"),
            json::value("overloaded_error"));
  EXPECT_EQ(body_of(render_error(Family::kAnthropic, Status(StatusCode::kPayloadTooLarge, "big"), kRequestId))
                .at("error")
                .at("type"),
            json::value("request_too_large"));
}

TEST(RenderError, RateLimitedSetsRetryAfterInEveryFamily) {
  const Status limited = Status::rate_limited("rate limit exceeded", 42);
  for (Family f : {Family::kCerebral, Family::kCerebrum, Family::kCendriix, Family::kCellstate, Family::kCortex,
                   Family::kOpenai, Family::kAnthropic, Family::kSystem}) {
    auto res = render_error(f, limited, kRequestId);
    EXPECT_EQ(res.status, 429) << family_name(f);
    EXPECT_EQ(res.header("Retry-After"), "42") << family_name(f);
  }
  EXPECT_EQ(body_of(render_error(Family::kOpenai, limited, kRequestId)).at("error").at("type"),
            json::value("rate_limit_error"));
  EXPECT_EQ(body_of(render_error(Family::kCellstate, limited, kRequestId)).at("code"), json::value("RATE_LIMIT"));
  EXPECT_EQ(body_of(render_error(Family::kCerebral, limited, kRequestId)).at("error").at("code"),
            json::value("rate_limit_exceeded"));
}

TEST(RenderError, NoRetryAfterOnOtherStatuses) {
  for (const Status& s : {kFieldError, Status::not_found("x"), Status::unavailable("y"), Status::internal("z")}) {
    EXPECT_TRUE(render_error(Family::kCerebral, s, kRequestId).header("Retry-After").empty()) << s.message();
  }
}

TEST(RenderError, HttpStatusFollowsCode) {
  EXPECT_EQ(render_error(Family::kCerebral, Status::unauthenticated("x"), kRequestId).status, 401);
  EXPECT_EQ(render_error(Family::kCendriix, Status::forbidden("x"), kRequestId).status, 403);
  EXPECT_EQ(render_error(Family::kCellstate, Status::not_found("x"), kRequestId).status, 404);
  EXPECT_EQ(render_error(Family::kCerebrum, Status::conflict("x"), kRequestId).status, 409);
  EXPECT_EQ(render_error(Family::kOpenai, Status::internal("x"), kRequestId).status, 500);
  EXPECT_EQ(render_error(Family::kAnthropic, Status::unavailable("x"), kRequestId).status, 503);
}

// ---- families

TEST(Family, NamesAndSeeds) {
  EXPECT_EQ(family_name(Family::kCerebral), "cerebral");
  EXPECT_EQ(family_name(Family::kCortex), "cortex");
  EXPECT_EQ(family_name(Family::kSystem), "system");
  EXPECT_EQ(family_seed(Family::kCerebral), "000");
  EXPECT_EQ(family_seed(Family::kCerebrum), "001");
  EXPECT_EQ(family_seed(Family::kCendriix), "002");
  EXPECT_EQ(family_seed(Family::kCellstate), "003");
  EXPECT_EQ(family_seed(Family::kCortex), "004");
  EXPECT_EQ(family_seed(Family::kOpenai), "");
  EXPECT_EQ(family_seed(Family::kAnthropic), "");
  EXPECT_EQ(family_seed(Family::kSystem), "");
}

TEST(Family, UnroutedPathsSpeakTheirFamilysDialect) {
  EXPECT_EQ(family_for_unrouted_path("/api/v1/agents/x"), Family::kCellstate);
  EXPECT_EQ(family_for_unrouted_path("/portal/api/unknown"), Family::kCortex);
  EXPECT_EQ(family_for_unrouted_path("/v1/messages"), Family::kAnthropic);
  EXPECT_EQ(family_for_unrouted_path("/v1/messages/count_tokens"), Family::kAnthropic);
  EXPECT_EQ(family_for_unrouted_path("/v1/chat/completions"), Family::kOpenai);
  EXPECT_EQ(family_for_unrouted_path("/v1/embeddings"), Family::kOpenai);
  EXPECT_EQ(family_for_unrouted_path("/v1/cerebrals/abc"), Family::kCerebral);
  EXPECT_EQ(family_for_unrouted_path("/v1/auth/nothing"), Family::kCerebral);
  EXPECT_EQ(family_for_unrouted_path("/v1/api-keys/x/y"), Family::kCerebral);
  EXPECT_EQ(family_for_unrouted_path("/v1/customers"), Family::kCerebral);
  EXPECT_EQ(family_for_unrouted_path("/v1/webhooks/1"), Family::kCerebral);
  EXPECT_EQ(family_for_unrouted_path("/v1/workspaces/x"), Family::kSystem);
  EXPECT_EQ(family_for_unrouted_path("/api/v2/x"), Family::kSystem);
  EXPECT_EQ(family_for_unrouted_path("/"), Family::kSystem);
  EXPECT_EQ(family_for_unrouted_path(""), Family::kSystem);
}

}  // namespace
