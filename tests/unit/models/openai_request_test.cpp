#include "models/openai_request.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace brainstem::models {
namespace {

namespace json = boost::json;

json::object body_of(const ChatRequest& r, bool stream = false) {
  const std::string text = openai_request_body(r, "upstream-model", stream);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return ec ? json::object() : v.as_object();
}

TEST(OpenAiRequest, AMinimalRequestIsModelAndMessagesOnly) {
  ChatRequest r;
  r.model = "configured-id";
  r.messages = {{"system", "Be brief.", "", "", {}}, {"user", "Hi", "", "", {}}};
  EXPECT_EQ(openai_request_body(r, "upstream-model", false),
            R"({"model":"upstream-model","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]})");
}

TEST(OpenAiRequest, EscapesTextAndCarriesToolTurns) {
  ChatRequest r;
  Message assistant{"assistant", "", "", "", {{"call_1", "get_weather", R"({"city":"Paris"})"}}};
  Message tool{"tool", "sunny \"22\"\n", "", "call_1", {}};
  Message named{"user", "tab\there", "alice", "", {}};
  r.messages = {named, assistant, tool};
  auto body = body_of(r);
  const auto& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].at("content"), "tab\there");
  EXPECT_EQ(messages[0].at("name"), "alice");
  EXPECT_TRUE(messages[1].at("content").is_null()) << "a turn that only called tools has null content";
  const auto& call = messages[1].at("tool_calls").as_array().at(0).as_object();
  EXPECT_EQ(call.at("id"), "call_1");
  EXPECT_EQ(call.at("type"), "function");
  EXPECT_EQ(call.at("function").at("name"), "get_weather");
  EXPECT_EQ(call.at("function").at("arguments"), R"({"city":"Paris"})");
  EXPECT_EQ(messages[2].at("tool_call_id"), "call_1");
  EXPECT_EQ(messages[2].at("content"), "sunny \"22\"\n");
}

TEST(OpenAiRequest, CarriesToolsSamplingAndStreamOptions) {
  ChatRequest r;
  r.messages = {{"user", "Weather?", "", "", {}}};
  r.tools = {{"get_weather", "Looks up the weather", R"({"type":"object","properties":{"city":{"type":"string"}}})"},
             {"no_params", "", ""},
             {"broken", "", "{not json"}};
  r.tool_choice = "auto";
  r.temperature = 0.25;
  r.top_p = 0.5;
  r.max_tokens = 64;
  r.stop = {"\n\n", "END"};
  r.seed = 42;
  auto body = body_of(r, true);
  const auto& tools = body.at("tools").as_array();
  ASSERT_EQ(tools.size(), 3u);
  EXPECT_EQ(tools[0].at("function").at("parameters").at("properties").at("city").at("type"), "string");
  EXPECT_EQ(tools[1].at("function").at("parameters"), json::object());
  EXPECT_EQ(tools[2].at("function").at("parameters"), json::object()) << "parameters that are not JSON go as {}";
  EXPECT_EQ(body.at("tool_choice"), "auto");
  EXPECT_DOUBLE_EQ(body.at("temperature").to_number<double>(), 0.25);
  EXPECT_DOUBLE_EQ(body.at("top_p").to_number<double>(), 0.5);
  EXPECT_EQ(body.at("max_tokens").to_number<int>(), 64);
  EXPECT_EQ(body.at("stop"), (json::array{"\n\n", "END"}));
  EXPECT_EQ(body.at("seed").to_number<uint64_t>(), 42u);
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(body.at("stream_options").at("include_usage"), true);
}

TEST(OpenAiRequest, LeavesOutWhatWasNotAsked) {
  ChatRequest r;
  r.messages = {{"user", "Hi", "", "", {}}};
  r.tool_choice = "auto";  // without tools, no tool_choice either
  auto body = body_of(r);
  for (const char* key : {"tools", "tool_choice", "temperature", "top_p", "max_tokens", "stop", "seed", "stream", "stream_options"}) {
    EXPECT_FALSE(body.contains(key)) << key;
  }
}

}  // namespace
}  // namespace brainstem::models
