#include "knowledge/index/terms.h"

#include <algorithm>
#include <array>

namespace brainstem::knowledge {
namespace {

// Sorted, for binary search.
constexpr std::array<std::string_view, 58> kStopWords = {
    "an",    "and",   "are",   "as",   "at",    "be",   "been",  "but",   "by",   "can",
    "do",    "does",  "for",   "from", "had",   "has",  "have",  "he",    "her",  "his",
    "how",   "if",    "in",    "into", "is",    "it",   "its",   "not",   "of",   "on",
    "or",    "our",   "she",   "so",   "than",  "that", "the",   "their", "them", "then",
    "there", "these", "they",  "this", "those", "to",   "was",   "we",    "were", "what",
    "when",  "where", "which", "who",  "will",  "with", "would", "you"};
static_assert(std::is_sorted(kStopWords.begin(), kStopWords.end()));

bool is_ascii_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Bytes of the separator starting at text[i], or 0 when text[i] starts word content.
size_t separator_length(std::string_view text, size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return is_ascii_alnum(c) ? 0 : 1;
  auto next = [&](size_t n) {
    return i + n < text.size() ? static_cast<unsigned char>(text[i + n]) : 0;
  };
  if (c == 0xC2 && next(1) >= 0xA0 && next(1) <= 0xBF) return 2;  // U+00A0..00BF
  if (c == 0xE2 && (next(1) == 0x80 || next(1) == 0x81) && next(2) >= 0x80)
    return 3;                                                     // U+2000..207F
  if (c == 0xE3 && next(1) == 0x80 && next(2) >= 0x80) return 3;  // U+3000..303F
  return 0;
}

void strip_suffix(std::string& t) {
  if (!std::all_of(t.begin(), t.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return;
  const size_t n = t.size();
  auto plural_es = [&] {  // "-es" that is a suffix after x, ss, ch, sh ("boxes", "classes")
    return t.ends_with("xes") || t.ends_with("sses") || t.ends_with("ches") || t.ends_with("shes");
  };
  if (t.ends_with("ing") && n >= 7) {
    t.resize(n - 3);
  } else if (t.ends_with("ed") && n >= 6) {
    t.resize(n - 2);
  } else if (t.ends_with("ies") && n >= 5) {
    t.replace(n - 3, 3, "y");
  } else if (n >= 5 && plural_es()) {
    t.resize(n - 2);
  } else if (t.ends_with("s") && n >= 4 && !t.ends_with("ss") && !t.ends_with("us") &&
             !t.ends_with("is")) {
    t.resize(n - 1);
  }
}

}  // namespace

std::vector<std::string> index_terms(std::string_view text) {
  std::vector<std::string> terms;
  std::string term;
  auto flush = [&] {
    bool ascii_char = term.size() == 1 && static_cast<unsigned char>(term[0]) < 0x80;
    if (!term.empty() && !ascii_char &&
        !std::binary_search(kStopWords.begin(), kStopWords.end(), term)) {
      strip_suffix(term);
      terms.push_back(std::move(term));
    }
    term.clear();
  };
  for (size_t i = 0; i < text.size();) {
    if (size_t sep = separator_length(text, i)) {
      flush();
      i += sep;
      continue;
    }
    char c = text[i++];
    term.push_back(c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c);
  }
  flush();
  return terms;
}

}  // namespace brainstem::knowledge
