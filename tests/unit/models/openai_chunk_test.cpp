#include "models/openai_chunk.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

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
  EXPECT_EQ(last.cached_tokens, 0);

  auto cached = read(R"({"choices":[],"usage":{"prompt_tokens":40,"prompt_tokens_details":{"cached_tokens":32,"audio_tokens":0},"completion_tokens":2,"cached_tokens":7}})");
  EXPECT_EQ(cached.cached_tokens, 32) << "prompt_tokens_details.cached_tokens only";
  EXPECT_EQ(cached.prompt_tokens, 40);

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

// Everything a chunk says, for comparing two readings.
std::string describe(const ChunkFields& c) {
  std::string out = std::to_string(c.has_error) + "|" + c.model + "|" + std::to_string(c.has_usage) + "|" +
                    std::to_string(c.prompt_tokens) + "|" + std::to_string(c.completion_tokens) + "|" +
                    std::to_string(c.has_choice) + "|" + c.finish_reason + "|" + std::to_string(c.has_delta) + "|" + c.content;
  for (const auto& t : c.tool_calls) out += "|" + std::to_string(t.index) + "," + t.id + "," + t.name + "," + t.arguments;
  return out;
}

TEST(ChunkReader, SaysWhatTheParserSaysOfEveryChunkOfAStream) {
  // Texts as they appear inside the JSON string: plain, non-ASCII, escaped, and some that break
  // the chunk (a bare quote, a raw control character).
  const std::vector<std::string> texts = {"", "Our ", "business hours", "9am", "caf\xC3\xA9", "\\u00e9t\\u00e9", R"(say \"hi\")",
                                          R"(tab\t)", R"(\\)", "x\"y", "\x01", "}", "\",\"finish_reason\":\"stop"};
  const std::vector<std::string> shapes = {
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"@"},"logprobs":null,"finish_reason":null}]})",
      R"({"id":"c1","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{"content":"@"},"logprobs":null,"finish_reason":null}]})",
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"@"},"logprobs":null,"finish_reason":"stop"}]})",
      R"({"id":"c1","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"@"},"finish_reason":null}]})",
      R"({"id":"c1","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"first","content":"@"}}]})",
      R"({"id":"c1","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"@"}}]}}]})",
      R"({"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}})",
      R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"@"}}]} x)",
      R"({"error":{"message":"@"}})",
  };
  std::mt19937 rng(20261130);
  ChunkReader reader;
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string chunk = shapes[rng() % shapes.size()];
    if (auto at = chunk.find('@'); at != std::string::npos) chunk.replace(at, 1, texts[rng() % texts.size()]);
    ChunkFields expected;
    const bool ok = read_chunk(chunk, expected);
    const ChunkFields* got = reader.read(chunk);
    ASSERT_EQ(got != nullptr, ok) << chunk;
    if (ok) {
      ASSERT_EQ(describe(*got), describe(expected)) << chunk;
      ++parsed;
    }
  }
  EXPECT_GT(parsed, 10000);
}

TEST(ChunkReader, ReadsAChunkLikeAnEarlierOneWithOtherText) {
  ChunkReader reader;
  const auto* first = reader.read(R"({"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]})");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->content, "Hello");
  const auto* second = reader.read(R"({"id":"c","model":"m","choices":[{"index":0,"delta":{"content":", world"},"finish_reason":null}]})");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->content, ", world");
  EXPECT_EQ(second->model, "m");
  EXPECT_TRUE(second->has_delta);
  const auto* last = reader.read(R"({"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->content, "");
  EXPECT_EQ(last->finish_reason, "stop");
  EXPECT_FALSE(reader.read(R"({"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"broken)"));
}

}  // namespace
}  // namespace brainstem::models
