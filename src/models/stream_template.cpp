#include "models/stream_template.h"

#include "common/json_text.h"
#include "models/json_sax.h"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <vector>

namespace brainstem::models {

namespace json = boost::json;
using boost::system::error_code;

void TextTemplate::set(std::string_view event, TextSpan text) {
  event_.assign(event);
  text_ = text;
  set_ = true;
}

std::optional<std::string_view> TextTemplate::match(std::string_view event) const {
  if (!set_) return std::nullopt;
  const std::string_view before(event_.data(), text_.first);
  const std::string_view after(event_.data() + text_.second, event_.size() - text_.second);
  if (event.size() < before.size() + after.size() || !event.starts_with(before) || !event.ends_with(after)) {
    return std::nullopt;
  }
  const std::string_view text = event.substr(before.size(), event.size() - before.size() - after.size());
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii || needs_json_escape(text)) return std::nullopt;
  return text;
}

namespace {

// Follows member names from the root object and notes where the string at the path lies.
class SpanHandler : public SaxHandlerDefaults {
 public:
  SpanHandler(std::string_view input, std::initializer_list<std::string_view> path) : input_(input), path_(path) {}
  std::optional<TextSpan> span() const { return span_; }

  bool on_object_begin(error_code&) { return open(false); }
  bool on_object_end(std::size_t, error_code&) { return close(); }
  bool on_array_begin(error_code&) { return open(true); }
  bool on_array_end(std::size_t, error_code&) { return close(); }
  bool on_key_part(json::string_view s, std::size_t, error_code&) { return key_piece(s, false); }
  bool on_key(json::string_view s, std::size_t, error_code&) { return key_piece(s, true); }
  bool on_string_part(json::string_view, std::size_t, error_code&) {
    if (!in_string_ && at_target()) span_.reset();  // a string in pieces is not "as it is"
    in_string_ = true;
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code&) {
    const bool whole = !in_string_;
    in_string_ = false;
    if (at_target()) {
      if (whole && s.data() >= input_.data() && s.data() + s.size() <= input_.data() + input_.size()) {
        span_.emplace(s.data() - input_.data(), s.data() + s.size() - input_.data());
      } else {
        span_.reset();
      }
    }
    return true;
  }
  bool on_int64(int64_t, json::string_view, error_code&) { return scalar(); }
  bool on_uint64(uint64_t, json::string_view, error_code&) { return scalar(); }
  bool on_double(double, json::string_view, error_code&) { return scalar(); }
  bool on_bool(bool, error_code&) { return scalar(); }
  bool on_null(error_code&) { return scalar(); }

 private:
  // Containers from the root: whether each is on the path (an object reached through the
  // path's names so far).
  bool open(bool array) {
    if (on_path_.empty()) {
      on_path_.push_back(!array);
      return true;
    }
    const size_t depth = on_path_.size();
    const bool follows = !array && on_path_.back() && depth < path_.size() && key_ == path_.begin()[depth - 1];
    if (at_target()) span_.reset();  // the value at the path is not a string
    on_path_.push_back(follows);
    return true;
  }
  bool close() {
    on_path_.pop_back();
    return true;
  }
  bool scalar() {
    if (at_target()) span_.reset();
    return true;
  }
  // Whether the value starting now is the one at the path's end.
  bool at_target() const {
    return on_path_.size() == path_.size() && on_path_.back() && key_ == path_.begin()[path_.size() - 1];
  }
  bool key_piece(json::string_view s, bool last) {
    if (key_done_) key_.clear();
    key_.append(s.data(), s.size());
    key_done_ = last;
    return true;
  }

  const std::string_view input_;
  const std::initializer_list<std::string_view> path_;
  std::vector<bool> on_path_;
  std::string key_;
  bool key_done_ = true;
  bool in_string_ = false;
  std::optional<TextSpan> span_;
};

}  // namespace

std::optional<TextSpan> raw_string_at(std::string_view json, std::initializer_list<std::string_view> path) {
  if (path.size() == 0) return std::nullopt;
  json::basic_parser<SpanHandler> parser(json::parse_options(), json, path);
  if (!parse_one_object(parser, json)) return std::nullopt;
  return parser.handler().span();
}

}  // namespace brainstem::models
