// Stream events that repeat an earlier event byte for byte except for one text value. Model
// servers send one event per token, and all but the token's text (ids, model, index, type
// tags) is the same from one to the next, so such an event can be known without parsing it:
// it says what the earlier one said, with its own text.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace brainstem::models {

// Bytes [first, second) of an event.
using TextSpan = std::pair<size_t, size_t>;

class TextTemplate {
 public:
  // `event`, parsed by the caller, becomes the template; its text lies at `text` as it is (no
  // escapes).
  void set(std::string_view event, TextSpan text);
  void clear() { set_ = false; }
  // The text of `event` when it is the template with only that text replaced by printable ASCII
  // other than the quote and the backslash; nullopt otherwise. Such text reads the same inside
  // a JSON string as it is, and the parser passes through the same states as for the template,
  // so every other value of `event` is the template's.
  std::optional<std::string_view> match(std::string_view event) const;

 private:
  std::string event_;
  TextSpan text_{0, 0};
  bool set_ = false;
};

// Where the string value at `path` (member names from the root object down; the last of
// same-named members, as a parsed object keeps) lies in `json` as it is: one piece with no
// escapes. nullopt when it is absent, escaped, not a string, or `json` is not one JSON object.
std::optional<TextSpan> raw_string_at(std::string_view json, std::initializer_list<std::string_view> path);

}  // namespace brainstem::models
