#include "common/json_text.h"

#include <boost/json/serializer.hpp>

namespace brainstem {

void append_json_string(std::string& out, std::string_view s) {
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
