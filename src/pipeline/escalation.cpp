#include "pipeline/escalation.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace brainstem::pipeline {

namespace {

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

const std::array<std::string_view, 13> kPeople = {"human",      "person",     "agent",    "representative", "rep",
                                                  "manager",    "supervisor", "operator", "someone",        "somebody",
                                                  "staff",      "employee",   "humans"};

// Verb phrases that, followed by a person, ask for one.
const std::array<std::array<std::string_view, 2>, 11> kRequests = {{{"talk", "to"},
                                                                     {"talk", "with"},
                                                                     {"speak", "to"},
                                                                     {"speak", "with"},
                                                                     {"chat", "with"},
                                                                     {"connect", "me"},
                                                                     {"transfer", "me"},
                                                                     {"through", "to"},
                                                                     {"get", "me"},
                                                                     {"want", "a"},
                                                                     {"need", "a"}}};

const std::array<std::array<std::string_view, 2>, 6> kPhrases = {{{"real", "person"},
                                                                   {"live", "agent"},
                                                                   {"live", "person"},
                                                                   {"human", "agent"},
                                                                   {"human", "being"},
                                                                   {"escalate", ""}}};

bool is_person(std::string_view w) { return std::find(kPeople.begin(), kPeople.end(), w) != kPeople.end(); }

}  // namespace

std::string escalation_reason(std::string_view message) {
  const std::vector<std::string> words = words_of(message);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string_view next = i + 1 < words.size() ? std::string_view(words[i + 1]) : std::string_view();
    for (const auto& phrase : kPhrases) {
      if (words[i] == phrase[0] && (phrase[1].empty() || next == phrase[1])) return "customer_requested_human";
    }
    for (const auto& request : kRequests) {
      if (words[i] != request[0] || next != request[1]) continue;
      for (size_t j = i + 2; j < std::min(words.size(), i + 5); ++j) {
        if (is_person(words[j])) return "customer_requested_human";
      }
    }
  }
  return "";
}

}  // namespace brainstem::pipeline
