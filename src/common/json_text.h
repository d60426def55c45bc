// Writing JSON text directly, for replies of a fixed shape rendered many times a second (a
// stream's chunks): the strings in them are copied straight into the text being built, through
// Boost.JSON's serializer when they hold something to escape.
#pragma once

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

namespace brainstem {

// Whether `s` holds what a JSON string must escape: a quote, a backslash or a control
// character. Everything else, UTF-8 included, stands in a JSON string as it is.
bool needs_json_escape(std::string_view s);

// Appends `s` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

// JSON text of `value`, the one serializer of everything brainstem sends or stores. Numbers read
// as people write them: a double with a whole value as an integer (`0`, `44`), others in the
// shortest decimal form that reads back the same (`44.273`, `0.0005`), with an exponent only
// outside 1e-6..1e16; a NaN or infinity, which JSON cannot hold, as null.
std::string json_text(const boost::json::value& value);
std::string json_text(const boost::json::object& object);
std::string json_text(const boost::json::array& array);
void append_json(std::string& out, const boost::json::value& value);
void append_json(std::string& out, const boost::json::object& object);
void append_json(std::string& out, const boost::json::array& array);
// Appends a double as json_text writes it.
void append_json_number(std::string& out, double value);

}  // namespace brainstem
