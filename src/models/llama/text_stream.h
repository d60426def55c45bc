// Turns the byte pieces of generated tokens into text deltas that are safe to send: always
// whole UTF-8 characters (a token may end inside a character; invalid bytes become U+FFFD),
// and never text that might turn out to be the start of a stop string. When a stop string
// appears, the text is cut just before it and the stream is stopped.
//
// Not thread-safe: one stream per generating sequence, used by one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brainstem::models {

class TextStream {
 public:
  explicit TextStream(std::vector<std::string> stops = {});

  // Appends the bytes of one token; returns the text that became safe to emit (maybe empty).
  // After a stop string appeared, stopped() is true and further pushes return nothing.
  std::string push(std::string_view bytes);

  // End of generation: returns everything still held back (an unfinished character becomes
  // U+FFFD). Nothing after a stop.
  std::string flush();

  bool stopped() const { return stopped_; }
  // All text returned so far by push() and flush(), concatenated.
  std::string_view emitted() const { return std::string_view(text_).substr(0, emitted_); }

 private:
  void decode_bytes();

  std::vector<std::string> stops_;
  std::string raw_;     // bytes of a character still incomplete
  std::string text_;    // valid UTF-8 decoded so far
  size_t emitted_ = 0;  // prefix of text_ already returned
  bool stopped_ = false;
};

}  // namespace brainstem::models
