#include "models/complexity.h"

#include <gtest/gtest.h>

#include <string>

namespace brainstem::models {
namespace {

std::string classify(std::string_view message, int history_turns = 0, bool has_tools = false) {
  return classify_complexity(ComplexityInput{message, history_turns, has_tools});
}

// `n` words that trigger nothing on their own.
std::string words(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += i ? " word" : "word";
  return out;
}

TEST(Complexity, GreetingsAreSpeed) {
  for (const char* message : {"hi", "Hello!", "hey there", "Thanks!", "thank you so much", "OK", "bye bye", "HELLO"}) {
    EXPECT_EQ(classify(message), "speed") << message;
  }
}

TEST(Complexity, AGreetingIsSpeedWhateverTheContext) {
  EXPECT_EQ(classify("hi", 50, true), "speed");
}

TEST(Complexity, AGreetingWordInALongerMessageIsNotAGreeting) {
  EXPECT_EQ(classify("Hello, can you tell me where my order is?"), "nano");
  EXPECT_EQ(classify("hi, explain why my regex fails"), "complex");
}

TEST(Complexity, ShortQuestionsAreNano) {
  for (const char* message : {"What time do you open?", "Where is my order?", "Do you ship to Canada?", ""}) {
    EXPECT_EQ(classify(message), "nano") << message;
  }
}

// Greeting words count as whole words only: "this" is not "hi", "book" is not "ok", "they"
// is not "hey".
TEST(Complexity, GreetingWordsInsideOtherWordsAreNotGreetings) {
  for (const char* message : {"Is this open?", "Book a table", "Which size?", "They are late", "Look here"}) {
    EXPECT_EQ(classify(message), "nano") << message;
  }
  EXPECT_EQ(classify("Why is this broken?"), "sonnet");
  EXPECT_EQ(classify("Debug this regex"), "complex");
}

TEST(Complexity, ReasoningRequestsAreSonnet) {
  EXPECT_EQ(classify("Can you explain the difference between these two plans?"), "sonnet");
  EXPECT_EQ(classify("Compare the premium and basic tiers for me"), "sonnet");
  EXPECT_EQ(classify("EXPLAIN THE TRADE-OFF"), "sonnet");
}

TEST(Complexity, CodeIsSonnet) {
  EXPECT_EQ(classify("```int main() {}```"), "sonnet");
  EXPECT_EQ(classify("I get error: connection refused"), "sonnet");
  EXPECT_EQ(classify("Write a SQL query for all orders"), "sonnet");
}

TEST(Complexity, ReasoningAboutCodeIsComplex) {
  EXPECT_EQ(classify("Please explain step by step why this SQL query is slow and how to refactor it"), "complex");
  EXPECT_EQ(classify("Design a class hierarchy for the billing module"), "complex");
}

TEST(Complexity, LengthRaisesTheTier) {
  EXPECT_EQ(classify(words(20)), "nano");
  EXPECT_EQ(classify(words(21)), "nano");             // 1 point
  EXPECT_EQ(classify(words(21), 0, true), "sonnet");  // 1 + tools
  EXPECT_EQ(classify(words(60)), "nano");
  EXPECT_EQ(classify(words(61)), "sonnet");  // 2 points
  EXPECT_EQ(classify(words(200)), "sonnet");
  EXPECT_EQ(classify(words(201)), "sonnet");             // 3 points
  EXPECT_EQ(classify(words(201), 0, true), "complex");  // 3 + tools
}

TEST(Complexity, LongHistoryAndToolsAddAPointEach) {
  EXPECT_EQ(classify("Where is my order?", 0, true), "nano");
  EXPECT_EQ(classify("Where is my order?", 21, true), "sonnet");
  EXPECT_EQ(classify("Where is my order?", 20, true), "nano");  // more than 20 turns counts
  EXPECT_EQ(classify(words(61), 21, true), "complex");
  EXPECT_EQ(classify(words(61), 20, true), "sonnet");
}

TEST(Complexity, MoreThanTwoQuestionsAddAPoint) {
  EXPECT_EQ(classify("Price? Size? Colour?"), "nano");
  EXPECT_EQ(classify("Price? Size? Colour?", 0, true), "sonnet");
  EXPECT_EQ(classify("Price? Size?", 0, true), "nano");
}

TEST(Complexity, WordsAreCountedAcrossAnyWhitespace) {
  EXPECT_EQ(classify("  word\tword\n\nword  "), "nano");
  std::string spread;
  for (int i = 0; i < 61; ++i) spread += "word\n\t ";
  EXPECT_EQ(classify(spread), "sonnet");
}

}  // namespace
}  // namespace brainstem::models
