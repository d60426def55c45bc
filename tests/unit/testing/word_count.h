// A token count of one per whitespace-separated word: chunk sizes in tests are easy to reason about.
#pragma once

#include <cstdint>
#include <string_view>

namespace brainstem::test_support {

inline int64_t count_words(std::string_view text) {
  int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

}  // namespace brainstem::test_support
