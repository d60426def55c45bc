#include "models/remote_call.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace brainstem::models {
namespace {

TEST(SseSplitterTest, SplitsEventsAcrossFeedsWithNamesAndMultilineData) {
  SseSplitter splitter;
  EXPECT_TRUE(splitter.feed("event: message_start\ndata: {\"a\":").empty()) << "an event is whole only at its blank line";
  std::string bytes = "1}\n\ndata: line one\ndata: line two\ndata: line three\n\n: a comment\n\ndata: [DO";
  const auto& events = splitter.feed(bytes);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].name, "message_start");
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].name, "");
  EXPECT_EQ(events[1].data, "line one\nline two\nline three");
  bytes = "NE]\n\ndata: whole\n\n";
  const auto& last = splitter.feed(bytes);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].data, "[DONE]");
  EXPECT_EQ(last[1].data, "whole");
  EXPECT_TRUE(splitter.feed("").empty());
}

TEST(SseSplitterTest, AcceptsCrlfLineEnds) {
  SseSplitter splitter;
  const auto& events = splitter.feed("event: ping\r\ndata:{}\r\n\r\ndata: x\r\n\r\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].name, "ping");
  EXPECT_EQ(events[0].data, "{}");
  EXPECT_EQ(events[1].data, "x");
}

TEST(SseSplitterTest, ReadsIdAndRetryEvenOnAnEventWithoutData) {
  SseSplitter splitter;
  const auto& events = splitter.feed("id: event-1\nretry: 500\ndata: \n\nid: event-2\ndata: {\"x\":1}\n\n: comment only\n\n");
  ASSERT_EQ(events.size(), 2u) << "a priming event (id and retry, empty data) is an event; a comment is not";
  EXPECT_EQ(events[0].id, "event-1");
  EXPECT_EQ(events[0].retry, "500");
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[1].id, "event-2");
  EXPECT_EQ(events[1].retry, "");
  EXPECT_EQ(events[1].data, "{\"x\":1}");
}

TEST(SseSplitterTest, AnEventThatNeverEndsOverflowsPastTheLimit) {
  SseSplitter splitter;
  const std::string piece(64 << 10, 'x');
  EXPECT_TRUE(splitter.feed("data: ").empty());
  size_t fed = 6;
  while (fed <= SseSplitter::kMaxEventBytes) {
    EXPECT_FALSE(splitter.overflowed()) << fed;
    EXPECT_TRUE(splitter.feed(piece).empty());
    fed += piece.size();
  }
  EXPECT_TRUE(splitter.overflowed());

  SseSplitter whole;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(whole.feed("data: " + piece + "\n\n").size(), 1u);
  EXPECT_FALSE(whole.overflowed()) << "finished events do not count, however many";
}

TEST(StatusOfReplyTest, MapsStatusesAndReadsEachApisErrorShape) {
  auto limited = status_of_reply(429, R"({"error":{"message":"slow down"}})", "7");
  EXPECT_EQ(limited.code(), StatusCode::kRateLimited);
  EXPECT_EQ(limited.retry_after_s().value_or(0), 7);
  EXPECT_NE(limited.message().find("slow down"), std::string::npos);
  auto overloaded = status_of_reply(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", "");
  EXPECT_EQ(overloaded.code(), StatusCode::kUnavailable);
  EXPECT_NE(overloaded.message().find("Overloaded"), std::string::npos);
  EXPECT_FALSE(overloaded.retry_after_s().has_value()) << "no header, no hint";
  EXPECT_EQ(status_of_reply(529, "{}", "4").retry_after_s().value_or(0), 4) << "Retry-After is read on 529";
  auto down = status_of_reply(503, "{}", "3");
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_EQ(down.retry_after_s().value_or(0), 3) << "and on 503";
  auto cerebrum = status_of_reply(404, R"({"error":true,"message":"model 'x' does not exist","code":"MODEL_NOT_FOUND"})", "");
  EXPECT_EQ(cerebrum.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(cerebrum.message().find("does not exist"), std::string::npos);
  EXPECT_NE(status_of_reply(401, "nope", "").message().find("API key"), std::string::npos);
}

TEST(EventObjectTest, ParsesAnObjectAndNamesWhoSentAnythingElse) {
  auto parsed = event_object(R"({"type":"ping","n":1})", "upstream");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(json_string(*parsed, "type"), "ping");
  EXPECT_EQ(json_int(*parsed, "n"), 1);
  for (const char* bad : {"[1,2]", "\"text\"", "{\"unclosed\":", ""}) {
    auto refused = event_object(bad, "backend");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(refused.status().message(), "backend sent a malformed stream event");
  }
}

}  // namespace
}  // namespace brainstem::models
