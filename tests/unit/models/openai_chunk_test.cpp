#include "models/openai_chunk.h"

#include <gtest/gtest.h>

namespace brainstem::models {
namespace {

ChunkFields read(std::string_view data) {
  ChunkFields out;
  EXPECT_TRUE(read_chunk(data, out)) << data;
  return out;
}

TEST(OpenAiChunk, ReadsTheDeltaFinishReasonModelAndUsage) {
  auto c = read(R"({"id":"c1","object":"chat.completion.chunk","model":"m-1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel\"lo\u00e9\n"},"finish_reason":null}]})");
  EXPECT_EQ(c.model, "m-1");
  EXPECT_TRUE(c.has_choice);
  EXPECT_TRUE(c.has_delta);
  EXPECT_EQ(c.content, "Hel\"lo\xC3\xA9\n");
  EXPECT_EQ(c.finish_reason, "");
  EXPECT_FALSE(c.has_usage);
  EXPECT_FALSE(c.has_error);

  auto last = read(R"({"choices":[],"usage":{"completion_tokens":14,"prompt_tokens":12,"total_tokens":26,"details":{"prompt_tokens":99}}})");
  EXPECT_FALSE(last.has_choice);
  EXPECT_TRUE(last.has_usage);
  EXPECT_EQ(last.prompt_tokens, 12) << "only usage's own members count";
  EXPECT_EQ(last.completion_tokens, 14);

  auto stop = read(R"({"choices":[{"delta":{},"finish_reason":"stop"},{"delta":{"content":"second choice"},"finish_reason":"length"}]})");
  EXPECT_EQ(stop.finish_reason, "stop") << "only the first choice is read";
  EXPECT_EQ(stop.content, "");
}

TEST(OpenAiChunk, ReadsToolCallFragmentsInOrderWhateverTheOrderOfTheirMembers) {
  auto c = read(R"({"choices":[{"delta":{"tool_calls":[
      {"function":{"arguments":"{\"ci","name":"get_weather"},"id":"call_1","type":"function","index":1},
      "not an object",
      {"index":0,"function":{"arguments":"ty\":1}"}},
      {"index":-5},{"index":1000}]}}]})");
  ASSERT_EQ(c.tool_calls.size(), 4u);
  EXPECT_EQ(c.tool_calls[0].index, 1);
  EXPECT_EQ(c.tool_calls[0].id, "call_1");
  EXPECT_EQ(c.tool_calls[0].name, "get_weather");
  EXPECT_EQ(c.tool_calls[0].arguments, "{\"ci");
  EXPECT_EQ(c.tool_calls[1].index, 0);
  EXPECT_EQ(c.tool_calls[1].arguments, "ty\":1}");
  EXPECT_EQ(c.tool_calls[2].index, 0) << "indexes are clamped to 0..127";
  EXPECT_EQ(c.tool_calls[3].index, 127);
}

TEST(OpenAiChunk, IgnoresSameNamedMembersElsewhereAndValuesOfTheWrongType) {
  auto c = read(R"({"model":7,"meta":{"model":"inner","content":"x","choices":[{"delta":{"content":"nested"}}]},
                    "choices":[{"delta":{"content":["not","text"],"extra":{"content":"deeper"}},"finish_reason":3}],"usage":null})");
  EXPECT_EQ(c.model, "");
  EXPECT_EQ(c.content, "");
  EXPECT_EQ(c.finish_reason, "");
  EXPECT_FALSE(c.has_usage);
  EXPECT_TRUE(c.has_delta);

  auto first_not_object = read(R"({"choices":["text",{"delta":{"content":"second"}}]})");
  EXPECT_FALSE(first_not_object.has_choice);
  EXPECT_EQ(first_not_object.content, "");

  auto delta_not_object = read(R"({"choices":[{"delta":"hi","finish_reason":"stop"}]})");
  EXPECT_TRUE(delta_not_object.has_choice);
  EXPECT_FALSE(delta_not_object.has_delta);
  EXPECT_EQ(delta_not_object.finish_reason, "stop");
}

TEST(OpenAiChunk, ReadsLongStringsAndKeysThatTheParserHandsOverInPieces) {
  std::string text, escaped;
  for (int i = 0; i < 3000; ++i) {
    text += "line \"" + std::to_string(i) + "\"\n";
    escaped += "line \\\"" + std::to_string(i) + "\\\"\\n";
  }
  const std::string long_key(5000, 'k');
  auto c = read(R"({")" + long_key + R"(":"x","choices":[{"delta":{"content":")" + escaped + R"("}}]})");
  EXPECT_EQ(c.content, text);
}

TEST(OpenAiChunk, ReadsEscapedKeysWhoseValuesAreEscapedToo) {
  // The parser unescapes both into its scratch space; the key must still name the value's field.
  auto c = read(R"({"mod\u0065l":"m\u002d2","choices":[{"fin\u0069sh_reason":"st\u006fp","delta":{"c\u006fntent":"a\nb"}}]})");
  EXPECT_EQ(c.model, "m-2");
  EXPECT_EQ(c.finish_reason, "stop");
  EXPECT_EQ(c.content, "a\nb");
}

TEST(OpenAiChunk, NotesAnErrorMemberOfAnyType) {
  EXPECT_TRUE(read(R"({"error":{"message":"upstream overloaded"}})").has_error);
  EXPECT_TRUE(read(R"({"error":"boom"})").has_error);
  EXPECT_TRUE(read(R"({"error":null})").has_error);
  EXPECT_FALSE(read(R"({"choices":[{"delta":{"error":"not top-level"}}]})").has_error);
}

TEST(OpenAiChunk, RefusesWhatIsNotOneJsonObject) {
  ChunkFields out;
  EXPECT_FALSE(read_chunk("", out));
  EXPECT_FALSE(read_chunk("[1,2]", out));
  EXPECT_FALSE(read_chunk("\"text\"", out));
  EXPECT_FALSE(read_chunk(R"({"choices":[)", out));
  EXPECT_FALSE(read_chunk(R"({"a":1} {"b":2})", out));
  EXPECT_FALSE(read_chunk(R"({"a":1}x)", out));
  EXPECT_TRUE(read_chunk("{\"a\":1}\n ", out));
  std::string deep(100, '[');
  EXPECT_FALSE(read_chunk("{\"a\":" + deep, out));
}

}  // namespace
}  // namespace brainstem::models
