#include "models/complexity.h"
#include "common/text.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace brainstem::models {

namespace {

int count_words(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    bool word_char = !std::isspace(c);
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return words;
}

bool contains_any(const std::string& text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) { return text.find(n) != std::string::npos; });
}

// Whole words only: "this" must not read as "hi", nor "book" as "ok".
bool contains_word(const std::string& text, std::initializer_list<std::string_view> words) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !std::isalnum(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view word(text.data() + start, i - start);
    if (!word.empty() && std::find(words.begin(), words.end(), word) != words.end()) return true;
  }
  return false;
}

}  // namespace

std::string classify_complexity(const ComplexityInput& input) {
  const std::string text = ascii_lower(input.message);
  const int words = count_words(text);
  const int questions = static_cast<int>(std::count(text.begin(), text.end(), '?'));
  const bool reasoning = contains_any(text, {"why", "explain", "analy", "compare", "step by step", "plan", "design",
                                             "trade-off", "tradeoff", "prove", "debug", "refactor", "strategy"});
  const bool code = contains_any(text, {"```", "function", "class ", "error:", "stack trace", "sql", "regex"});
  const bool greeting = words <= 4 && contains_word(text, {"hi", "hello", "hey", "thanks", "thank", "ok", "bye"});

  if (greeting) return "speed";
  int score = 0;
  score += words > 200 ? 3 : words > 60 ? 2 : words > 20 ? 1 : 0;
  score += questions > 2 ? 1 : 0;
  score += reasoning ? 2 : 0;
  score += code ? 2 : 0;
  score += input.has_tools ? 1 : 0;
  score += input.history_turns > 20 ? 1 : 0;
  if (score >= 4) return "complex";
  if (score >= 2) return "sonnet";
  return "nano";
}

}  // namespace brainstem::models
