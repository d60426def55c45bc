#include "models/openai_chunk.h"

#include "models/json_sax.h"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>
#include <optional>

namespace brainstem::models {

namespace json = boost::json;
using boost::system::error_code;

namespace {

// Where a container sits in a chunk, as far as the reader cares.
enum class Place { kOther, kRoot, kUsage, kUsageDetails, kChoices, kChoice, kDelta, kToolCalls, kToolCall, kFunction };

// The handler of Boost.JSON's basic_parser: follows the path from the root and copies the
// values at the paths ChunkFields names.
class ChunkHandler : public SaxHandlerDefaults {
 public:
  ChunkHandler(ChunkFields& out, std::string_view input) : out_(out), input_(input) {}
  // Where the delta's text lies in the input, when it came there as it is (one piece, no
  // escapes); empty otherwise.
  std::optional<TextSpan> content_in_input() const { return content_in_input_; }

  bool on_object_begin(error_code& ec) { return open(false, ec); }
  bool on_object_end(std::size_t, error_code&) { return close(); }
  bool on_array_begin(error_code& ec) { return open(true, ec); }
  bool on_array_end(std::size_t, error_code&) { return close(); }
  bool on_key_part(json::string_view s, std::size_t, error_code&) { return key_piece(s, false); }
  bool on_key(json::string_view s, std::size_t, error_code&) { return key_piece(s, true); }
  bool on_string_part(json::string_view s, std::size_t, error_code&) { return string_piece(s, false); }
  bool on_string(json::string_view s, std::size_t, error_code&) { return string_piece(s, true); }
  bool on_int64(int64_t v, json::string_view, error_code&) { return integer(v); }
  bool on_uint64(uint64_t v, json::string_view, error_code&) { return integer(static_cast<int64_t>(v)); }
  bool on_double(double, json::string_view, error_code&) { return other(); }
  bool on_bool(bool, error_code&) { return other(); }
  bool on_null(error_code&) { return other(); }

 private:
  struct Frame {
    Place place;
    bool array;
    size_t count;  // elements begun so far
  };
  // The member or element whose value starts now: its container's place and its key or index.
  struct Slot {
    Place parent = Place::kOther;
    std::string_view key;
    size_t index = 0;
  };

  Slot begin_value() {
    if (depth_ == 0) return {};
    Frame& f = frames_[depth_ - 1];
    if (f.array) return {f.place, {}, f.count++};
    return {f.place, key_view_, 0};
  }

  bool open(bool array, error_code& ec) {
    if (depth_ == frames_.size()) {
      ec = json::error::too_deep;
      return false;
    }
    Place place = Place::kOther;
    if (depth_ == 0) {
      if (!array) place = Place::kRoot;
    } else {
      place = place_of(begin_value(), array);
    }
    frames_[depth_++] = {place, array, 0};
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  Place place_of(const Slot& s, bool array) {
    switch (s.parent) {
      case Place::kRoot:
        if (s.key == "error") out_.has_error = true;
        if (!array && s.key == "usage") {
          out_.has_usage = true;
          out_.prompt_tokens = out_.completion_tokens = out_.cached_tokens = 0;
          return Place::kUsage;
        }
        if (array && s.key == "choices") return Place::kChoices;
        return Place::kOther;
      case Place::kUsage:
        return !array && s.key == "prompt_tokens_details" ? Place::kUsageDetails : Place::kOther;
      case Place::kChoices:
        if (s.index != 0 || array) return Place::kOther;
        out_.has_choice = true;
        return Place::kChoice;
      case Place::kChoice:
        if (array || s.key != "delta") return Place::kOther;
        out_.has_delta = true;
        return Place::kDelta;
      case Place::kDelta:
        return array && s.key == "tool_calls" ? Place::kToolCalls : Place::kOther;
      case Place::kToolCalls:
        if (array) return Place::kOther;
        out_.tool_calls.emplace_back();
        return Place::kToolCall;
      case Place::kToolCall:
        return !array && s.key == "function" ? Place::kFunction : Place::kOther;
      default:
        return Place::kOther;
    }
  }

  // The string field a string value starting now goes to, emptied; nullptr when none.
  std::string* string_field() {
    const Slot s = begin_value();
    std::string* field = nullptr;
    switch (s.parent) {
      case Place::kRoot:
        if (s.key == "model") field = &out_.model;
        else if (s.key == "error") out_.has_error = true;
        break;
      case Place::kChoice:
        if (s.key == "finish_reason") field = &out_.finish_reason;
        break;
      case Place::kDelta:
        if (s.key == "content") field = &out_.content;
        break;
      case Place::kToolCall:
        if (s.key == "id") field = &out_.tool_calls.back().id;
        break;
      case Place::kFunction:
        if (s.key == "name") field = &out_.tool_calls.back().name;
        else if (s.key == "arguments") field = &out_.tool_calls.back().arguments;
        break;
      default:
        break;
    }
    if (field) field->clear();
    return field;
  }

  // A key or string may come in several pieces, the last one through on_key / on_string. A
  // whole key that lies in the input is used where it lies; any other (in pieces, or unescaped
  // into the parser's scratch space, which the value may reuse) is copied.
  bool key_piece(json::string_view s, bool last) {
    if (last && key_done_ && in_input(s)) {
      key_view_ = std::string_view(s.data(), s.size());
      return true;
    }
    if (key_done_) key_.clear();
    key_.append(s.data(), s.size());
    key_done_ = last;
    if (last) key_view_ = key_;
    return true;
  }
  bool string_piece(json::string_view s, bool last) {
    const bool first = !in_string_;
    if (first) string_ = string_field();
    in_string_ = !last;
    if (string_) string_->append(s.data(), s.size());
    if (string_ == &out_.content) {
      if (first && last && in_input(s)) content_in_input_.emplace(s.data() - input_.data(), s.data() + s.size() - input_.data());
      else content_in_input_.reset();
    }
    return true;
  }
  bool in_input(json::string_view s) const {
    return s.data() >= input_.data() && s.data() + s.size() <= input_.data() + input_.size();
  }

  bool integer(int64_t v) {
    const Slot s = begin_value();
    if (s.parent == Place::kUsage && s.key == "prompt_tokens") out_.prompt_tokens = v;
    else if (s.parent == Place::kUsage && s.key == "completion_tokens") out_.completion_tokens = v;
    else if (s.parent == Place::kUsageDetails && s.key == "cached_tokens") out_.cached_tokens = v;
    else if (s.parent == Place::kToolCall && s.key == "index") out_.tool_calls.back().index = static_cast<int>(std::clamp<int64_t>(v, 0, 127));
    else if (s.parent == Place::kRoot && s.key == "error") out_.has_error = true;
    return true;
  }
  bool other() {
    const Slot s = begin_value();
    if (s.parent == Place::kRoot && s.key == "error") out_.has_error = true;
    return true;
  }

  ChunkFields& out_;
  const std::string_view input_;
  std::array<Frame, 64> frames_;
  size_t depth_ = 0;
  std::string key_;  // a key that had to be copied
  std::string_view key_view_;  // the current key
  bool key_done_ = true;
  std::string* string_ = nullptr;  // where the pieces of the current string go
  bool in_string_ = false;
  std::optional<TextSpan> content_in_input_;
};

// Parses `data` into `out`; `content_at` gets where the delta's text lies in `data` when it
// lies there as it is.
bool parse_chunk(std::string_view data, ChunkFields& out, std::optional<TextSpan>& content_at) {
  json::basic_parser<ChunkHandler> parser(json::parse_options(), out, data);
  if (!parse_one_object(parser, data)) return false;
  content_at = parser.handler().content_in_input();
  return true;
}

}  // namespace

bool read_chunk(std::string_view data, ChunkFields& out) {
  std::optional<TextSpan> content_at;
  return parse_chunk(data, out, content_at);
}

const ChunkFields* ChunkReader::read(std::string_view data) {
  if (auto text = template_.match(data)) {
    fields_.content.assign(*text);
    return &fields_;
  }
  fields_ = ChunkFields();
  std::optional<TextSpan> content_at;
  if (!parse_chunk(data, fields_, content_at)) {
    template_.clear();
    return nullptr;
  }
  // Tool-call fragments differ from chunk to chunk outside the text, so such chunks are no
  // template; neither is one whose text came escaped or in pieces.
  if (content_at && fields_.tool_calls.empty()) template_.set(data, *content_at);
  else template_.clear();
  return &fields_;
}

}  // namespace brainstem::models
