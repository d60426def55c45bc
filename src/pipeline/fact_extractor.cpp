#include "pipeline/fact_extractor.h"

#include <regex>

namespace brainstem::pipeline {

namespace {

struct Rule {
  std::regex pattern;  // group 1 is the value
  const char* fact;    // prefix of the stored fact
  const char* category;
  double confidence;
};

const std::vector<Rule>& rules() {
  // The value runs to the end of the clause: punctuation, or " and"/" but". A period ends it
  // only before a space or the end, so "jane.doe@example.com" stays whole.
  static const std::string value = R"(([^.,;!?\n][^,;!?\n]{0,59}?)(?=\s+(?:and|but)\s|\.+(?:\s|$)|[,;!?\n]|$))";
  static const auto flags = std::regex::icase | std::regex::ECMAScript;
  static const std::vector<Rule> table = {
      {std::regex(R"(\bmy name is\s+)" + value, flags), "Name is ", "context", 0.95},
      {std::regex(R"(\bcall me\s+)" + value, flags), "Prefers to be called ", "preference", 0.9},
      {std::regex(R"(\bi(?:'d| would)? prefer\s+)" + value, flags), "Prefers ", "preference", 0.85},
      {std::regex(R"(\bi (?:really )?(?:like|love)\s+)" + value, flags), "Likes ", "preference", 0.7},
      {std::regex(R"(\bi (?:don't|do not|never) (?:like|want)\s+)" + value, flags), "Dislikes ", "preference", 0.75},
      {std::regex(R"(\bi(?: live| am based|'m based) in\s+)" + value, flags), "Lives in ", "context", 0.9},
      {std::regex(R"(\bi(?:'m| am) from\s+)" + value, flags), "Is from ", "context", 0.85},
      {std::regex(R"(\bmy email(?: address)? is\s+)" + value, flags), "Email is ", "context", 0.95},
      {std::regex(R"(\bmy (?:phone|phone number|number) is\s+)" + value, flags), "Phone is ", "context", 0.95},
      {std::regex(R"(\bi(?: work as| am a|'m a| am an|'m an)\s+)" + value, flags), "Is a ", "context", 0.6},
      {std::regex(R"(\bi(?:'m| am) allergic to\s+)" + value, flags), "Is allergic to ", "context", 0.95},
      {std::regex(R"(\bmy birthday is\s+)" + value, flags), "Birthday is ", "context", 0.9},
  };
  return table;
}

}  // namespace

std::vector<ExtractedFact> extract_facts(std::string_view message) {
  std::vector<ExtractedFact> out;
  if (message.size() > 4000) message = message.substr(0, 4000);  // long pastes are not about the customer
  const std::string text(message);
  for (const auto& rule : rules()) {
    for (std::sregex_iterator it(text.begin(), text.end(), rule.pattern), end; it != end; ++it) {
      std::string value = (*it)[1].str();
      while (!value.empty() && value.back() == ' ') value.pop_back();
      if (!value.empty()) out.push_back({rule.fact + value, rule.category, rule.confidence});
    }
  }
  return out;
}

}  // namespace brainstem::pipeline
