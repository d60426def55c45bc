#include "common/ids.h"

#include "common/crypto.h"

namespace brainstem {

std::string random_id(std::string_view prefix, size_t random_chars) {
  std::string out;
  out.reserve(prefix.size() + random_chars);
  out += prefix;
  crypto::append_random_base62(out, random_chars);
  return out;
}

std::string time_ordered_id(std::string_view prefix, int64_t micros, size_t random_chars) {
  constexpr size_t kTimeChars = 9;
  std::string out;
  out.reserve(prefix.size() + kTimeChars + random_chars);
  out += prefix;
  out.resize(prefix.size() + kTimeChars);
  auto value = static_cast<uint64_t>(micros < 0 ? 0 : micros);
  for (size_t i = 0; i < kTimeChars; ++i) {
    out[prefix.size() + kTimeChars - 1 - i] = crypto::kBase62Digits[value % 62];
    value /= 62;
  }
  crypto::append_random_base62(out, random_chars);
  return out;
}

}  // namespace brainstem
