#include "common/status.h"

namespace brainstem {

int http_status_of(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kValidation: return 422;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPaymentRequired: return 402;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kMethodNotAllowed: return 405;
    case StatusCode::kConflict: return 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kRateLimited: return 429;
    case StatusCode::kInternal: return 500;
    case StatusCode::kBadGateway: return 502;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kCancelled: return 499;
  }
  return 500;
}

const char* snake_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "bad_request";
    case StatusCode::kValidation: return "validation_error";
    case StatusCode::kUnauthenticated: return "unauthorized";
    case StatusCode::kPaymentRequired: return "budget_exhausted";
    case StatusCode::kPermissionDenied: return "forbidden";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kMethodNotAllowed: return "method_not_allowed";
    case StatusCode::kConflict: return "conflict";
    case StatusCode::kPayloadTooLarge: return "payload_too_large";
    case StatusCode::kRateLimited: return "rate_limit_exceeded";
    case StatusCode::kInternal: return "internal_error";
    case StatusCode::kBadGateway: return "bad_gateway";
    case StatusCode::kUnavailable: return "service_unavailable";
    case StatusCode::kDeadlineExceeded: return "deadline_exceeded";
    case StatusCode::kCancelled: return "cancelled";
  }
  return "internal_error";
}

}  // namespace brainstem
