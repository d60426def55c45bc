#include "models/extractive_provider.h"

#include "common/run_sync.h"

#include <gtest/gtest.h>

namespace brainstem::models {
namespace {


ChatRequest question(std::string text) {
  ChatRequest r;
  r.messages.push_back({.role = "user", .content = std::move(text)});
  return r;
}

TEST(ExtractiveProviderTest, QuotesTheFirstPassageWithItsSourceAndLabel) {
  ChatRequest r = question("When are refunds paid?");
  r.passages = {{"Refunds are paid within 14 days.", "returns.docx — Refunds"}, {"Shipping takes 3 days.", "faq"}};
  const std::string answer = ExtractiveProvider::answer(r);
  EXPECT_EQ(answer.rfind("Refunds are paid within 14 days.", 0), 0u) << answer;
  EXPECT_NE(answer.find("Source: returns.docx — Refunds"), std::string::npos) << answer;
  EXPECT_NE(answer.find("extractive answer"), std::string::npos) << answer;
}

TEST(ExtractiveProviderTest, WithoutPassagesPicksTheConversationSentenceSharingMostWords) {
  ChatRequest r;
  r.messages = {{.role = "system", .content = "You answer questions about the shop. The shop opens at 9am on weekdays. "
                                               "Returns are accepted for 30 days with a receipt."},
                {.role = "assistant", .content = "Returns returns returns accepted receipt days."},
                {.role = "user", .content = "How many days do I have for returns?"}};
  const std::string answer = ExtractiveProvider::answer(r);
  EXPECT_EQ(answer.rfind("Returns are accepted for 30 days with a receipt.", 0), 0u) << answer;
  EXPECT_NE(answer.find("Source: the instructions"), std::string::npos) << answer;
}

TEST(ExtractiveProviderTest, NothingInCommonIsSaidPlainly) {
  ChatRequest r = question("zebra migration patterns");
  r.messages.insert(r.messages.begin(), {.role = "system", .content = "The shop opens at 9am."});
  EXPECT_EQ(ExtractiveProvider::answer(r).rfind("I don't have an answer to that", 0), 0u);
}

TEST(ExtractiveProviderTest, StreamsWordByWordAndTheDeltasMakeTheReply) {
  ExtractiveProvider provider(ModelSpec{.id = "quotes", .provider = "extractive"});
  ChatRequest r = question("refunds?");
  r.passages = {{"Refunds are paid within 14 days.", "policy"}};
  std::vector<std::string> pieces;
  DeltaSink sink = [&](const ChatDelta& d) -> boost::asio::awaitable<bool> {
    pieces.push_back(d.content);
    co_return true;
  };
  auto reply = run_sync(provider.chat(r, sink));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->model, "quotes");
  EXPECT_EQ(reply->finish_reason, "stop");
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, reply->content);
  EXPECT_GT(pieces.size(), 5u);
  EXPECT_EQ(pieces.front(), "Refunds ");
  EXPECT_EQ(reply->usage.completion_tokens, static_cast<int64_t>(pieces.size()));

  DeltaSink leave = [](const ChatDelta&) -> boost::asio::awaitable<bool> { co_return false; };
  auto stopped = run_sync(provider.chat(r, leave));
  EXPECT_EQ(stopped.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(run_sync(provider.embed({"x"})).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace brainstem::models
