#include "common/json_text.h"

#include <boost/json/serializer.hpp>

namespace brainstem {

bool needs_json_escape(std::string_view s) {
  for (const char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
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

}  // namespace brainstem
