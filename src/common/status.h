// Status and Result<T>: the one error type that crosses module boundaries.
// A Status is a cheap value: OK carries nothing; an error carries a code, a message, and
// optionally the field it concerns (validation), structured details and a retry hint.
// Each route family renders a Status in its own envelope (api/errors.h).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace brainstem {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // 400: malformed request (bad JSON, wrong shape)
  kValidation,         // 422: well-formed but a field fails validation
  kUnauthenticated,    // 401: missing or invalid credentials
  kPaymentRequired,    // 402: cost budget exhausted
  kPermissionDenied,   // 403: authenticated, not allowed
  kNotFound,           // 404
  kMethodNotAllowed,   // 405
  kConflict,           // 409: duplicate, or state does not allow the action
  kPayloadTooLarge,    // 413
  kRateLimited,        // 429: rate limit or load shedding; retry after retry_after_s
  kInternal,           // 500: a bug or an unexpected failure
  kBadGateway,         // 502: an upstream answered, with an error of its own
  kUnavailable,        // 503: a dependency (store, upstream) cannot serve now; retryable
  kDeadlineExceeded,   // 504
  kCancelled,          // 499: the client went away; nobody's fault but its own
};

int http_status_of(StatusCode code);
const char* snake_name(StatusCode code);  // "not_found", "validation_error", ...

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status validation(std::string field, std::string msg) {
    Status s(StatusCode::kValidation, std::move(msg));
    s.field_ = std::move(field);
    return s;
  }
  static Status unauthenticated(std::string msg) { return {StatusCode::kUnauthenticated, std::move(msg)}; }
  static Status forbidden(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status not_found(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status rate_limited(std::string msg, int retry_after_s) {
    Status s(StatusCode::kRateLimited, std::move(msg));
    s.retry_after_s_ = retry_after_s;
    return s;
  }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The request field a validation error concerns ("email", "limits.per_minute"), or empty.
  const std::string& field() const { return field_; }
  const std::optional<int>& retry_after_s() const { return retry_after_s_; }
  const boost::json::object& details() const { return details_; }

  Status& with_field(std::string field) { field_ = std::move(field); return *this; }
  // When the caller may try again, in seconds (429, and 503/529 that say so).
  Status& with_retry_after(int seconds) {
    retry_after_s_ = seconds;
    return *this;
  }
  Status& with_details(boost::json::object details) { details_ = std::move(details); return *this; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
  std::optional<int> retry_after_s_;
  boost::json::object details_;
};

// Result<T> holds a value or a non-OK Status.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // REQUIRES: !ok()
  const Status& status() const { return std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace brainstem
