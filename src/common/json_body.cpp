#include "common/json_body.h"

namespace brainstem {

namespace json = boost::json;

Result<json::object> parse_json_object(std::string_view body, bool allow_empty, json::storage_ptr storage) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (allow_empty) return json::object(std::move(storage));
    return Status::invalid("request body is required (a JSON object)");
  }
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;
  json::value v = json::parse(body, ec, std::move(storage), opts);
  if (ec) return Status::invalid("malformed JSON: " + ec.message());
  if (!v.is_object()) return Status::invalid("request body must be a JSON object");
  return std::move(v.as_object());
}

void FieldReader::fail(std::string_view field, std::string message) {
  if (status_.is_ok()) status_ = Status::validation(std::string(field), std::move(message));
}

const json::value* FieldReader::find(std::string_view name) const {
  auto it = obj_.find(name);
  if (it == obj_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::optional<std::string> FieldReader::string(std::string_view name, size_t min_len, size_t max_len) {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(name, std::string(name) + " must be a string");
    return std::nullopt;
  }
  const auto& s = v->get_string();
  if (s.size() < min_len || s.size() > max_len) {
    fail(name, std::string(name) + " must be " + std::to_string(min_len) + "-" + std::to_string(max_len) +
                   " characters");
    return std::nullopt;
  }
  return std::string(s);
}

std::string FieldReader::required_string(std::string_view name, size_t min_len, size_t max_len) {
  if (!find(name)) {
    fail(name, std::string(name) + " is required");
    return {};
  }
  return string(name, min_len, max_len).value_or("");
}

std::optional<int64_t> FieldReader::integer(std::string_view name, int64_t min, int64_t max) {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  int64_t n;
  if (v->is_int64()) n = v->get_int64();
  else if (v->is_uint64() && v->get_uint64() <= uint64_t(INT64_MAX)) n = int64_t(v->get_uint64());
  else if (v->is_double() && v->get_double() == double(int64_t(v->get_double()))) n = int64_t(v->get_double());
  else {
    fail(name, std::string(name) + " must be an integer");
    return std::nullopt;
  }
  if (n < min || n > max) {
    fail(name, std::string(name) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<double> FieldReader::number(std::string_view name, double min, double max) {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    fail(name, std::string(name) + " must be a number");
    return std::nullopt;
  }
  double d = v->to_number<double>();
  if (d < min || d > max) {
    fail(name, std::string(name) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> FieldReader::boolean(std::string_view name) {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    fail(name, std::string(name) + " must be a boolean");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::vector<std::string>> FieldReader::string_array(std::string_view name, size_t max_items) {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_array() || v->get_array().size() > max_items) {
    fail(name, std::string(name) + " must be an array of at most " + std::to_string(max_items) + " strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      fail(name, std::string(name) + " must contain only strings");
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

const json::object* FieldReader::object(std::string_view name) {
  const auto* v = find(name);
  if (!v) return nullptr;
  if (!v->is_object()) {
    fail(name, std::string(name) + " must be an object");
    return nullptr;
  }
  return &v->get_object();
}

std::optional<std::string> FieldReader::one_of(std::string_view name,
                                               std::initializer_list<std::string_view> choices) {
  auto s = string(name);
  if (!s) return std::nullopt;
  for (auto c : choices) {
    if (*s == c) return s;
  }
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  fail(name, std::string(name) + " must be one of: " + list);
  return std::nullopt;
}

std::string string_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace brainstem
