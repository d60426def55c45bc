#include "models/llama/text_stream.h"

#include <algorithm>

namespace brainstem::models {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence a lead byte starts, or 0 if it cannot start one.
int sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether `byte` may follow `lead` at position `index` (1-based) of a sequence. The second
// byte has tighter bounds after some leads (no overlongs, surrogates or code points > U+10FFFF).
bool valid_continuation(unsigned char lead, size_t index, unsigned char byte) {
  if (index == 1) {
    if (lead == 0xE0) return byte >= 0xA0 && byte <= 0xBF;
    if (lead == 0xED) return byte >= 0x80 && byte <= 0x9F;
    if (lead == 0xF0) return byte >= 0x90 && byte <= 0xBF;
    if (lead == 0xF4) return byte >= 0x80 && byte <= 0x8F;
  }
  return byte >= 0x80 && byte <= 0xBF;
}

}  // namespace

TextStream::TextStream(std::vector<std::string> stops) {
  for (auto& s : stops)
    if (!s.empty()) stops_.push_back(std::move(s));
}

void TextStream::decode_bytes() {
  size_t i = 0;
  while (i < raw_.size()) {
    const auto lead = static_cast<unsigned char>(raw_[i]);
    const int len = sequence_length(lead);
    if (len == 0) {
      text_ += kReplacement;
      ++i;
      continue;
    }
    size_t k = 1;
    while (k < static_cast<size_t>(len) && i + k < raw_.size() &&
           valid_continuation(lead, k, static_cast<unsigned char>(raw_[i + k])))
      ++k;
    if (k == static_cast<size_t>(len)) {
      text_.append(raw_, i, k);
      i += k;
    } else if (i + k == raw_.size()) {
      break;  // a character cut short so far: wait for the next token's bytes
    } else {
      text_ += kReplacement;  // a broken sequence: replace its lead, resync on the next byte
      ++i;
    }
  }
  raw_.erase(0, i);
}

std::string TextStream::push(std::string_view bytes) {
  if (stopped_) return {};
  raw_.append(bytes);
  decode_bytes();

  // A stop string can only start in the part not yet emitted: any earlier start would have
  // been held back as a possible prefix.
  size_t stop_at = std::string::npos;
  for (const auto& s : stops_) stop_at = std::min(stop_at, text_.find(s, emitted_));
  if (stop_at != std::string::npos) {
    text_.resize(stop_at);
    raw_.clear();
    stopped_ = true;
    std::string out = text_.substr(emitted_);
    emitted_ = text_.size();
    return out;
  }

  // Hold back the longest tail that is a proper prefix of some stop string.
  size_t hold = 0;
  const size_t pending = text_.size() - emitted_;
  for (const auto& s : stops_) {
    for (size_t k = std::min(s.size() - 1, pending); k > hold; --k) {
      if (std::string_view(text_).substr(text_.size() - k) == std::string_view(s).substr(0, k)) {
        hold = k;
        break;
      }
    }
  }
  const size_t end = text_.size() - hold;
  std::string out = text_.substr(emitted_, end - emitted_);
  emitted_ = end;
  return out;
}

std::string TextStream::flush() {
  if (stopped_) return {};
  if (!raw_.empty()) {
    text_ += kReplacement;
    raw_.clear();
  }
  std::string out = text_.substr(emitted_);
  emitted_ = text_.size();
  return out;
}

}  // namespace brainstem::models
