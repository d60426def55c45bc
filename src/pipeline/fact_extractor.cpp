#include "pipeline/fact_extractor.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
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
  // The value runs to the end of the clause: punctuation, " and"/" but", or a word of time
  // ("now", "these days") that says when, not what. A period ends it only before a space or
  // the end, so "jane.doe@example.com" stays whole.
  static const std::string value =
      R"(([^.,;!?\n][^,;!?\n]{0,59}?)(?=\s+(?:and|but)\s|\s+(?:now|these days|currently|at the moment)\b|\.+(?:\s|$)|[,;!?\n]|$))";
  static const auto flags = std::regex::icase | std::regex::ECMAScript;
  static const std::vector<Rule> table = {
      {std::regex(R"(\bmy name is\s+)" + value, flags), "Name is ", "context", 0.95},
      {std::regex(R"(\bcall me\s+)" + value, flags), "Prefers to be called ", "preference", 0.9},
      {std::regex(R"(\bi(?:'d| would)? prefer\s+)" + value, flags), "Prefers ", "preference", 0.85},
      {std::regex(R"(\bi (?:really )?(?:like|love)\s+)" + value, flags), "Likes ", "preference", 0.7},
      {std::regex(R"(\bi (?:don't|do not|never) (?:like|want)\s+)" + value, flags), "Dislikes ", "preference", 0.75},
      {std::regex(R"(\bi(?: live| am based|'m based) in\s+)" + value, flags), "Lives in ", "context", 0.9},
      {std::regex(R"(\bi(?:'ve| have)? moved to\s+)" + value, flags), "Lives in ", "context", 0.9},
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

const char* fact_extraction_prompt() {
  return "Extract durable facts about the customer from the customer's message: identity, preferences, "
         "circumstances, history. Answer with a JSON array only, e.g. "
         "[{\"fact\": \"Prefers email\", \"category\": \"preference\", \"confidence\": 0.9}]. "
         "Categories: preference, history, sentiment, context, general. When a fact updates or contradicts one of "
         "the known facts (a new address, a changed plan), add \"replaces\": that fact's number. "
         "Answer [] when there is none.";
}

std::string fact_extraction_input(std::string_view message, const std::vector<std::string>& known_facts) {
  std::string out = "Known facts:";
  if (known_facts.empty()) out += " none";
  for (size_t i = 0; i < known_facts.size(); ++i) out += "\n" + std::to_string(i + 1) + ". " + known_facts[i];
  out += "\n\nMessage: ";
  out += message;
  return out;
}

std::optional<std::vector<ExtractedFact>> parse_extracted_facts(std::string_view answer) {
  constexpr size_t kMaxFacts = 10, kMaxFactBytes = 300;
  static constexpr std::array<std::string_view, 5> kCategories = {"preference", "history", "sentiment", "context", "general"};
  size_t open = answer.find('['), close = answer.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(answer.substr(open, close - open + 1), ec);
  if (ec || !value.is_array()) return std::nullopt;
  std::vector<ExtractedFact> out;
  for (const auto& item : value.as_array()) {
    const auto* o = item.if_object();
    const auto* fact = o ? o->if_contains("fact") : nullptr;
    if (!fact || !fact->is_string() || fact->as_string().empty() || fact->as_string().size() > kMaxFactBytes) continue;
    ExtractedFact f{std::string(fact->as_string()), "general", 0.8};
    if (const auto* c = o->if_contains("category"); c && c->is_string()) {
      if (std::find(kCategories.begin(), kCategories.end(), std::string_view(c->as_string())) != kCategories.end()) f.category = c->as_string();
    }
    if (const auto* c = o->if_contains("confidence"); c && c->is_number()) f.confidence = std::clamp(c->to_number<double>(), 0.0, 1.0);
    if (const auto* r = o->if_contains("replaces"); r && r->is_int64() && r->get_int64() >= 1 && r->get_int64() <= 1000) {
      f.replaces = static_cast<int>(r->get_int64() - 1);
    }
    out.push_back(std::move(f));
    if (out.size() == kMaxFacts) break;
  }
  return out;
}

}  // namespace brainstem::pipeline
