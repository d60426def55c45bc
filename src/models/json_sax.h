// What the readers that follow a stream event with Boost.JSON's SAX parser share: the parts of
// the handler interface none of them needs, and reading one event as exactly one JSON object.
#pragma once

#include <boost/json/basic_parser.hpp>

#include <cstddef>
#include <string_view>

namespace brainstem::models {

// A handler base with no size limits, and document bounds, number pieces and comments ignored.
struct SaxHandlerDefaults {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }
};

// Feeds all of `data` to `parser`: true when it is one JSON object, with nothing but
// whitespace after it.
template <class Handler>
bool parse_one_object(boost::json::basic_parser<Handler>& parser, std::string_view data) {
  constexpr std::string_view kWhitespace = " \t\r\n";
  boost::system::error_code ec;
  const size_t used = parser.write_some(false, data.data(), data.size(), ec);
  if (ec || data.find_first_not_of(kWhitespace, used) != std::string_view::npos) return false;
  const size_t start = data.find_first_not_of(kWhitespace);
  return start != std::string_view::npos && data[start] == '{';  // the document is an object
}

}  // namespace brainstem::models
