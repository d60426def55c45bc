#include "api/errors.h"

#include "common/clock.h"

#include <boost/json.hpp>

namespace brainstem::api {

namespace json = boost::json;

namespace {

std::string upper_code(StatusCode c) {
  switch (c) {
    case StatusCode::kInvalidArgument: return "BAD_REQUEST";
    case StatusCode::kValidation: return "VALIDATION_ERROR";
    case StatusCode::kUnauthenticated: return "UNAUTHORIZED";
    case StatusCode::kPaymentRequired: return "BUDGET_EXHAUSTED";
    case StatusCode::kPermissionDenied: return "FORBIDDEN";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kMethodNotAllowed: return "METHOD_NOT_ALLOWED";
    case StatusCode::kConflict: return "CONFLICT";
    case StatusCode::kPayloadTooLarge: return "PAYLOAD_TOO_LARGE";
    case StatusCode::kRateLimited: return "RATE_LIMIT";
    case StatusCode::kBadGateway: return "UPSTREAM_ERROR";
    case StatusCode::kUnavailable: return "SERVICE_UNAVAILABLE";
    case StatusCode::kDeadlineExceeded: return "TIMEOUT";
    default: return "INTERNAL_ERROR";
  }
}

// Seed 001's codes.
std::string cerebrum_code(StatusCode c) {
  switch (c) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kValidation: return "INVALID_REQUEST";
    case StatusCode::kNotFound: return "MODEL_NOT_FOUND";
    case StatusCode::kUnavailable: return "VPS_UNAVAILABLE";
    default: return upper_code(c);
  }
}

std::string openai_type(StatusCode c) {
  switch (c) {
    case StatusCode::kUnauthenticated: return "authentication_error";
    case StatusCode::kPermissionDenied: return "permission_error";
    case StatusCode::kNotFound: return "not_found_error";
    case StatusCode::kRateLimited: return "rate_limit_error";
    case StatusCode::kInternal: return "server_error";
    case StatusCode::kBadGateway:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded: return "server_error";
    default: return "invalid_request_error";
  }
}

std::string anthropic_type(StatusCode c) {
  switch (c) {
    case StatusCode::kUnauthenticated: return "authentication_error";
    case StatusCode::kPermissionDenied: return "permission_error";
    case StatusCode::kNotFound: return "not_found_error";
    case StatusCode::kPayloadTooLarge: return "request_too_large";
    case StatusCode::kRateLimited: return "rate_limit_error";
    case StatusCode::kUnavailable: return "overloaded_error";
    case StatusCode::kInternal:
    case StatusCode::kBadGateway:
    case StatusCode::kDeadlineExceeded: return "api_error";
    default: return "invalid_request_error";
  }
}

// Zod's flatten(): {"field": ["message"]}.
json::object field_errors(const Status& s) {
  json::object fe;
  if (!s.field().empty()) fe[s.field()] = json::array{json::string(s.message())};
  return fe;
}

}  // namespace

http::Response render_error(Family family, const Status& s, const std::string& request_id) {
  int status = http_status_of(s.code());
  json::object body;
  // A status may name its own code (e.g. RESOURCE_EXHAUSTED) for the families with upper-case codes.
  const json::value* explicit_code = s.details().if_contains("code");
  if (explicit_code && !explicit_code->is_string()) explicit_code = nullptr;
  switch (family) {
    case Family::kCerebral: {
      json::object err{{"code", snake_name(s.code())}, {"message", s.message()}, {"requestId", request_id}};
      if (!s.field().empty()) err["fieldErrors"] = field_errors(s);
      body = {{"success", false}, {"error", std::move(err)}};
      break;
    }
    case Family::kCendriix:
    case Family::kSystem: {
      json::object err{{"code", snake_name(s.code())}, {"message", s.message()}, {"requestId", request_id}};
      if (!s.field().empty()) err["fieldErrors"] = field_errors(s);
      body = {{"error", std::move(err)}};
      break;
    }
    case Family::kCerebrum:
      if (status == 422) status = 400;  // seed 001: invalid parameters are 400 INVALID_REQUEST
      body = {{"error", true}, {"message", s.message()}, {"code", explicit_code ? std::string(explicit_code->get_string()) : cerebrum_code(s.code())},
              {"timestamp", iso8601_micros(now_us())}, {"request_id", request_id}};
      break;
    case Family::kCellstate: {
      json::object details = s.details();
      if (!s.field().empty()) details["field"] = s.field();
      details["request_id"] = request_id;
      body = {{"code", explicit_code ? std::string(explicit_code->get_string()) : upper_code(s.code())},
              {"message", s.message()}, {"details", std::move(details)}};
      break;
    }
    case Family::kCortex:
      if (s.code() == StatusCode::kValidation || (s.code() == StatusCode::kInvalidArgument && !s.field().empty())) {
        json::array loc{"body"};
        if (!s.field().empty()) loc.emplace_back(s.field());
        body = {{"detail", json::array{json::object{{"loc", std::move(loc)}, {"msg", s.message()},
                                                    {"type", "value_error"}}}},
                {"request_id", request_id}};
        status = 422;
      } else {
        body = {{"detail", s.message()}, {"request_id", request_id}};
      }
      break;
    case Family::kOpenai:
      if (status == 422) status = 400;  // OpenAI reports every invalid request as 400
      body = {{"error", json::object{{"message", s.message()}, {"type", openai_type(s.code())},
                                     {"param", s.field().empty() ? json::value(nullptr) : json::value(s.field())},
                                     {"code", snake_name(s.code())}}}};
      break;
    case Family::kAnthropic:
      if (status == 422) status = 400;
      body = {{"type", "error"},
              {"error", json::object{{"type", anthropic_type(s.code())}, {"message", s.message()}}},
              {"request_id", request_id}};
      break;
  }
  auto res = http::Response::json(status, body);
  if (s.retry_after_s()) res.set_header("Retry-After", std::to_string(*s.retry_after_s()));
  return res;
}

}  // namespace brainstem::api
