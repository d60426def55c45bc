#include "common/json_text.h"

#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>

namespace brainstem {

namespace {

// The bytes a JSON string must escape: control characters, the quote and the backslash.
constexpr std::array<bool, 256> kEscaped = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = table['\\'] = true;
  return table;
}();

}  // namespace

bool needs_json_escape(std::string_view s) {
  for (const char c : s) {
    if (kEscaped[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}

void append_json_string(std::string& out, std::string_view s) {
  if (!needs_json_escape(s)) {  // most strings: copied between quotes
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    out += s;
    out += '"';
    return;
  }
  boost::json::serializer serializer;
  serializer.reset(boost::json::string_view(s.data(), s.size()));
  while (!serializer.done()) {
    const size_t at = out.size();
    out.resize(at + s.size() + 16);  // room for the quotes and a few escapes; more rounds if needed
    const auto written = serializer.read(out.data() + at, out.size() - at);
    out.resize(at + written.size());
  }
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char digits[32];
  const double magnitude = std::fabs(value);
  std::to_chars_result written;
  if (magnitude == std::floor(magnitude) && magnitude < 1e16) {
    written = std::to_chars(digits, digits + sizeof digits, static_cast<int64_t>(value));
  } else if (magnitude >= 1e-6 && magnitude < 1e16) {
    written = std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed);
  } else {
    written = std::to_chars(digits, digits + sizeof digits, value);
  }
  out.append(digits, written.ptr);
}

namespace {

// Writes `open`, each item by `write_item` with commas between, then `close`.
template <class Items, class WriteItem>
void append_list(std::string& out, char open, char close, const Items& items, WriteItem write_item) {
  out += open;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    write_item(item);
  }
  out += close;
}

}  // namespace

void append_json(std::string& out, const boost::json::array& array) {
  append_list(out, '[', ']', array, [&out](const boost::json::value& item) { append_json(out, item); });
}

void append_json(std::string& out, const boost::json::object& object) {
  append_list(out, '{', '}', object, [&out](const boost::json::key_value_pair& member) {
    append_json_string(out, std::string_view(member.key().data(), member.key().size()));
    out += ':';
    append_json(out, member.value());
  });
}

void append_json(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: out += "null"; return;
    case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; return;
    case boost::json::kind::int64: {
      char digits[24];
      out.append(digits, std::to_chars(digits, digits + sizeof digits, value.get_int64()).ptr);
      return;
    }
    case boost::json::kind::uint64: {
      char digits[24];
      out.append(digits, std::to_chars(digits, digits + sizeof digits, value.get_uint64()).ptr);
      return;
    }
    case boost::json::kind::double_: append_json_number(out, value.get_double()); return;
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      append_json_string(out, std::string_view(s.data(), s.size()));
      return;
    }
    case boost::json::kind::array: append_json(out, value.get_array()); return;
    case boost::json::kind::object: append_json(out, value.get_object()); return;
  }
}

std::string json_text(const boost::json::value& value) {
  std::string out;
  out.reserve(512);
  append_json(out, value);
  return out;
}

std::string json_text(const boost::json::object& object) {
  std::string out;
  out.reserve(512);
  append_json(out, object);
  return out;
}

std::string json_text(const boost::json::array& array) {
  std::string out;
  out.reserve(512);
  append_json(out, array);
  return out;
}

}  // namespace brainstem
