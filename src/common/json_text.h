// Writing JSON text directly, for replies of a fixed shape rendered many times a second (a
// stream's chunks): the strings in them are copied straight into the text being built, through
// Boost.JSON's serializer when they hold something to escape.
#pragma once

#include <string>
#include <string_view>

namespace brainstem {

// Whether `s` holds what a JSON string must escape: a quote, a backslash or a control
// character. Everything else, UTF-8 included, stands in a JSON string as it is.
bool needs_json_escape(std::string_view s);

// Appends `s` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

}  // namespace brainstem
