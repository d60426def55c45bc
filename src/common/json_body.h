// Reading request bodies: parse JSON into an object and pull typed fields out of it.
// Every failure is a Status that names the field, so each family can render it
// (Cortex 422 `detail[].loc`, Cendriix `fieldErrors`, CELLSTATE `details.field`).
// Unknown fields are ignored, as Pydantic and Zod do by default.
#pragma once

#include "common/status.h"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace brainstem {

// Parses `body` as a JSON object, its nodes from `storage`. Empty body → empty object when
// `allow_empty`.
Result<boost::json::object> parse_json_object(std::string_view body, bool allow_empty = false,
                                              boost::json::storage_ptr storage = {});

// The string at `key` of `o`, or "" when it is absent or not a string.
std::string string_field(const boost::json::object& o, std::string_view key);

class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& obj) : obj_(obj) {}

  // Each getter returns nullopt when the field is absent (or null), records the first type or
  // range error it meets, and never throws. Check status() once after reading all fields.
  std::optional<std::string> string(std::string_view name, size_t min_len = 0, size_t max_len = 100000);
  std::optional<int64_t> integer(std::string_view name, int64_t min, int64_t max);
  std::optional<double> number(std::string_view name, double min, double max);
  std::optional<bool> boolean(std::string_view name);
  std::optional<std::vector<std::string>> string_array(std::string_view name, size_t max_items = 1000);
  const boost::json::object* object(std::string_view name);
  // Required variants record a "field required" error when absent.
  std::string required_string(std::string_view name, size_t min_len = 1, size_t max_len = 100000);
  // The value must be one of `choices`.
  std::optional<std::string> one_of(std::string_view name, std::initializer_list<std::string_view> choices);

  const Status& status() const { return status_; }
  bool ok() const { return status_.is_ok(); }
  void fail(std::string_view field, std::string message);

 private:
  const boost::json::value* find(std::string_view name) const;

  const boost::json::object& obj_;
  Status status_;
};

}  // namespace brainstem
