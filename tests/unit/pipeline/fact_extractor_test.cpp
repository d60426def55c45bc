#include "pipeline/fact_extractor.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace {

using brainstem::pipeline::ExtractedFact;
using brainstem::pipeline::extract_facts;

std::vector<std::string> texts(const std::vector<ExtractedFact>& facts) {
  std::vector<std::string> out;
  for (const auto& f : facts) out.push_back(f.fact);
  return out;
}

// The single fact extracted from `message`; fails the test unless there is exactly one.
ExtractedFact only_fact(const std::string& message) {
  auto facts = extract_facts(message);
  EXPECT_EQ(facts.size(), 1u) << "message: " << message;
  return facts.empty() ? ExtractedFact{} : facts.front();
}

struct RuleCase {
  const char* message;
  const char* fact;
  const char* category;
  double confidence;
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << '"' << c.message << '"'; }

class FactRule : public ::testing::TestWithParam<RuleCase> {};

TEST_P(FactRule, ExtractsTheValueWithCategoryAndConfidence) {
  const RuleCase& c = GetParam();
  ExtractedFact f = only_fact(c.message);
  EXPECT_EQ(f.fact, c.fact) << c.message;
  EXPECT_EQ(f.category, c.category) << c.message;
  EXPECT_DOUBLE_EQ(f.confidence, c.confidence) << c.message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, FactRule,
    ::testing::Values(
        RuleCase{"My name is Jane Doe", "Name is Jane Doe", "context", 0.95},
        RuleCase{"Please call me Jay.", "Prefers to be called Jay", "preference", 0.9},
        RuleCase{"I prefer email", "Prefers email", "preference", 0.85},
        RuleCase{"I'd prefer a window seat", "Prefers a window seat", "preference", 0.85},
        RuleCase{"I would prefer mornings", "Prefers mornings", "preference", 0.85},
        RuleCase{"I like green tea", "Likes green tea", "preference", 0.7},
        RuleCase{"I really love spicy food", "Likes spicy food", "preference", 0.7},
        RuleCase{"I don't like mushrooms", "Dislikes mushrooms", "preference", 0.75},
        RuleCase{"I do not want phone calls", "Dislikes phone calls", "preference", 0.75},
        RuleCase{"I never want spam", "Dislikes spam", "preference", 0.75},
        RuleCase{"I live in Cairo", "Lives in Cairo", "context", 0.9},
        RuleCase{"I live in Porto now", "Lives in Porto", "context", 0.9},
        RuleCase{"We sold the flat and I've moved to Berlin these days", "Lives in Berlin", "context", 0.9},
        RuleCase{"I am based in Berlin", "Lives in Berlin", "context", 0.9},
        RuleCase{"I'm based in Lagos", "Lives in Lagos", "context", 0.9},
        RuleCase{"I'm from Egypt", "Is from Egypt", "context", 0.85},
        RuleCase{"I am from Peru", "Is from Peru", "context", 0.85},
        RuleCase{"My email is jane@example.com", "Email is jane@example.com", "context", 0.95},
        RuleCase{"my email address is jane.doe@mail.example.org.", "Email is jane.doe@mail.example.org", "context",
                 0.95},
        RuleCase{"My phone number is +1 555 0100", "Phone is +1 555 0100", "context", 0.95},
        RuleCase{"my number is 0100-2000", "Phone is 0100-2000", "context", 0.95},
        RuleCase{"I work as head chef", "Is a head chef", "context", 0.6},
        RuleCase{"I am a teacher", "Is a teacher", "context", 0.6},
        RuleCase{"I'm a teacher", "Is a teacher", "context", 0.6},
        RuleCase{"I am an engineer", "Is a engineer", "context", 0.6},
        RuleCase{"I'm an architect", "Is a architect", "context", 0.6},
        RuleCase{"I'm allergic to peanuts", "Is allergic to peanuts", "context", 0.95},
        RuleCase{"I am allergic to shellfish!", "Is allergic to shellfish", "context", 0.95},
        RuleCase{"My birthday is March 3", "Birthday is March 3", "context", 0.9}));

TEST(FactExtractor, ClauseEndsAtAndOrBut) {
  EXPECT_EQ(texts(extract_facts("My name is Jane and I live in Cairo")),
            (std::vector<std::string>{"Name is Jane", "Lives in Cairo"}));
  EXPECT_EQ(texts(extract_facts("I like tea but I don't like coffee")),
            (std::vector<std::string>{"Likes tea", "Dislikes coffee"}));
  // "and" inside a word is not a clause end.
  EXPECT_EQ(only_fact("My name is Sandy Anderson").fact, "Name is Sandy Anderson");
}

TEST(FactExtractor, ClauseEndsAtPunctuationAndNewline) {
  for (const char* end : {".", ",", ";", "!", "?", "\n"}) {
    std::string message = std::string("My name is Jane") + end + " Whatever follows";
    EXPECT_EQ(only_fact(message).fact, "Name is Jane") << "end: " << end;
  }
  EXPECT_EQ(texts(extract_facts("My email is jane@example.com. I live in Cairo")),
            (std::vector<std::string>{"Lives in Cairo", "Email is jane@example.com"}));
  EXPECT_EQ(texts(extract_facts("I live in Cairo. I'm from Egypt, and I prefer email!")),
            (std::vector<std::string>{"Prefers email", "Lives in Cairo", "Is from Egypt"}));
}

TEST(FactExtractor, TrailingSpacesAreTrimmed) {
  EXPECT_EQ(only_fact("My name is Jane   , thanks").fact, "Name is Jane");
  EXPECT_EQ(only_fact("I like cats...").fact, "Likes cats");
}

TEST(FactExtractor, IsCaseInsensitiveAndKeepsTheValueAsWritten) {
  EXPECT_EQ(only_fact("MY NAME IS JANE").fact, "Name is JANE");
  EXPECT_EQ(only_fact("i LIVE in new york").fact, "Lives in new york");
  EXPECT_EQ(only_fact("I'M ALLERGIC TO Nuts").fact, "Is allergic to Nuts");
}

TEST(FactExtractor, FindsEveryOccurrence) {
  EXPECT_EQ(texts(extract_facts("I like cats. I like dogs.")), (std::vector<std::string>{"Likes cats", "Likes dogs"}));
}

TEST(FactExtractor, NothingFromUnrelatedText) {
  EXPECT_TRUE(extract_facts("").empty());
  EXPECT_TRUE(extract_facts("What are your opening hours on Sunday?").empty());
  EXPECT_TRUE(extract_facts("The order arrived late and the box was damaged.").empty());
  EXPECT_TRUE(extract_facts("Tell me their name is what?").empty());  // "name is" without "my"
  EXPECT_TRUE(extract_facts("Hi like I said, reorder please").empty());  // "hi like" is not "i like"
  EXPECT_TRUE(extract_facts("I am anxious about the delivery").empty());  // "am an" must end a word
}

TEST(FactExtractor, AKeywordWithoutAValueGivesNothing) {
  EXPECT_TRUE(extract_facts("My name is").empty());
  EXPECT_TRUE(extract_facts("My name is .").empty());
  EXPECT_TRUE(extract_facts("My name is ... ok").empty());
  EXPECT_TRUE(extract_facts("My name is   , fine").empty());
}

TEST(FactExtractor, ValuesLongerThanSixtyCharactersAreNotFacts) {
  const std::string sixty(60, 'x');
  EXPECT_EQ(only_fact("My name is " + sixty + ".").fact, "Name is " + sixty);
  EXPECT_TRUE(extract_facts("My name is " + sixty + "y.").empty());
}

TEST(FactExtractor, OnlyTheFirst4000BytesAreRead) {
  const std::string filler(3900, ' ');
  EXPECT_EQ(only_fact(filler + "I live in Cairo.").fact, "Lives in Cairo");
  const std::string long_filler(4000, ' ');
  EXPECT_TRUE(extract_facts(long_filler + "I live in Cairo.").empty());
  // A value cut by the bound ends at the bound.
  const std::string prefix(3985, ' ');  // "I live in Cairo" ends at the 4000th byte
  EXPECT_EQ(only_fact(prefix + "I live in CairoXYZ").fact, "Lives in Cairo");
}

TEST(FactExtractor, HugeInputIsHandled) {
  std::string message = "My name is Jane. ";
  while (message.size() < 200000) message += "lorem ipsum dolor sit amet ";
  message += "I live in Cairo.";
  EXPECT_EQ(texts(extract_facts(message)), std::vector<std::string>{"Name is Jane"});
}

}  // namespace

TEST(ParseExtractedFacts, ReadsAJsonArrayEvenInsideAFence) {
  auto facts = brainstem::pipeline::parse_extracted_facts(
      "Here you go:\n```json\n[{\"fact\": \"Prefers email\", \"category\": \"preference\", \"confidence\": 0.9},"
      " {\"fact\": \"Lives in Cairo\", \"category\": \"weird\"}, {\"fact\": 7}, {\"fact\": \"Too sure\", \"confidence\": 4}]\n```");
  ASSERT_TRUE(facts.has_value());
  ASSERT_EQ(facts->size(), 3u);
  EXPECT_EQ((*facts)[0].fact, "Prefers email");
  EXPECT_EQ((*facts)[0].category, "preference");
  EXPECT_DOUBLE_EQ((*facts)[0].confidence, 0.9);
  EXPECT_EQ((*facts)[1].category, "general");  // unknown categories become general
  EXPECT_DOUBLE_EQ((*facts)[1].confidence, 0.8);
  EXPECT_DOUBLE_EQ((*facts)[2].confidence, 1.0);  // clamped
}

TEST(ParseExtractedFacts, RefusesWhatIsNotAnArray) {
  EXPECT_FALSE(brainstem::pipeline::parse_extracted_facts("echo: my name is Jane").has_value());
  EXPECT_FALSE(brainstem::pipeline::parse_extracted_facts("[not json]").has_value());
  EXPECT_FALSE(brainstem::pipeline::parse_extracted_facts("{\"fact\": \"x\"}").has_value());
  auto none = brainstem::pipeline::parse_extracted_facts("[]");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST(ParseExtractedFacts, KeepsAtMostTenFactsOfBoundedSize) {
  std::string many = "[";
  for (int i = 0; i < 20; ++i) many += std::string(i ? "," : "") + "{\"fact\": \"fact " + std::to_string(i) + "\"}";
  many += ",{\"fact\": \"" + std::string(400, 'x') + "\"}]";
  auto facts = brainstem::pipeline::parse_extracted_facts(many);
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->size(), 10u);
}

TEST(ParseExtractedFacts, ReadsTheKnownFactANewOneReplaces) {
  auto facts = brainstem::pipeline::parse_extracted_facts(
      R"([{"fact": "Owns a bakery in Alexandria", "replaces": 2}, {"fact": "Likes tea", "replaces": 0},)"
      R"( {"fact": "Has a dog", "replaces": "1"}, {"fact": "Plays chess"}])");
  ASSERT_TRUE(facts.has_value());
  ASSERT_EQ(facts->size(), 4u);
  EXPECT_EQ((*facts)[0].replaces, 1);  // numbered from 1 in the prompt
  EXPECT_EQ((*facts)[1].replaces, -1);  // not a number shown
  EXPECT_EQ((*facts)[2].replaces, -1);
  EXPECT_EQ((*facts)[3].replaces, -1);
}

TEST(FactExtractionInput, NumbersTheKnownFactsFromOneBeforeTheMessage) {
  EXPECT_EQ(brainstem::pipeline::fact_extraction_input("I moved", {"Lives in Giza", "Likes tea"}),
            "Known facts:\n1. Lives in Giza\n2. Likes tea\n\nMessage: I moved");
  EXPECT_EQ(brainstem::pipeline::fact_extraction_input("hi", {}), "Known facts: none\n\nMessage: hi");
}
