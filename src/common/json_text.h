// Writing JSON text directly, for replies of a fixed shape rendered many times a second (a
// stream's chunks): the strings in them are escaped by Boost.JSON's serializer, straight into
// the text being built.
#pragma once

#include <string>
#include <string_view>

namespace brainstem {

// Appends `s` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

}  // namespace brainstem
