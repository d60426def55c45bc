#include "api/chat_relay.h"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::api;
namespace asio = boost::asio;

// A generation that produces `words` as deltas without ever waiting, as a provider does with
// what one read of the upstream brought.
ChatRelay::Generate burst(std::vector<std::string> words) {
  return [words](const models::DeltaSink& sink) -> asio::awaitable<Result<models::RoutedReply>> {
    models::RoutedReply reply;
    for (const auto& w : words) {
      models::ChatDelta delta{w, {}};
      if (!co_await sink(delta)) co_return Status::unavailable("stopped");
      reply.response.content += w;
    }
    co_return reply;
  };
}

std::string text_of(const ChatRelay::Event& e) { return e.index() == 0 ? std::get<0>(e).content : "<end>"; }

TEST(ChatRelay, DeltasReadInOneBurstAreWaitingTogetherAfterTheFirst) {
  asio::io_context ioc;
  std::vector<std::vector<std::string>> batches;
  const std::vector<std::string> words{"a", "b", "c", "d"};
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    auto relay = ChatRelay::start(co_await asio::this_coro::executor, burst(words));
    while (auto event = co_await relay->next()) {
      std::vector<std::string> batch;
      batch.push_back(text_of(*event));
      bool ended = event->index() == 1;
      while (!ended) {
        auto more = relay->try_next();
        if (!more) break;
        batch.push_back(text_of(*more));
        ended = more->index() == 1;
      }
      batches.push_back(batch);
    }
  }, asio::detached);
  ioc.run();
  // The first delta wakes the reader; the rest, and the end, are already there when it runs.
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], (std::vector<std::string>{"a", "b", "c", "d", "<end>"}));
}

TEST(ChatRelay, MoreDeltasThanTheBufferHoldsStillArriveInOrder) {
  asio::io_context ioc;
  std::vector<std::string> words;
  for (int i = 0; i < 300; ++i) words.push_back(std::to_string(i));
  std::vector<std::string> seen;
  std::string final_text;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    auto relay = ChatRelay::start(co_await asio::this_coro::executor, burst(words));
    while (auto event = co_await relay->next()) {
      if (event->index() == 0) seen.push_back(std::get<0>(*event).content);
      else final_text = std::get<1>(*event)->response.content;
    }
  }, asio::detached);
  ioc.run();
  EXPECT_EQ(seen, words);
  EXPECT_EQ(final_text.size(), 790u);  // 10 + 90*2 + 200*3 characters
}

TEST(ChatRelay, AGenerationWaitsWhileTheReaderIsFarBehind) {
  asio::io_context ioc;
  int produced = 0;
  int produced_when_first_read = 0;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    ChatRelay::Generate counted = [&produced](const models::DeltaSink& sink) -> asio::awaitable<Result<models::RoutedReply>> {
      for (int i = 0; i < 1000; ++i) {
        ++produced;
        models::ChatDelta delta{"w", {}};
        if (!co_await sink(delta)) co_return Status::unavailable("stopped");
      }
      co_return models::RoutedReply{};
    };
    auto relay = ChatRelay::start(co_await asio::this_coro::executor, counted);
    auto first = co_await relay->next();
    produced_when_first_read = produced;
    int read = first ? 1 : 0;
    while (auto event = co_await relay->next()) read += event->index() == 0;
    EXPECT_EQ(read, 1000);
  }, asio::detached);
  ioc.run();
  // The generation ran ahead by the relay's buffer (64 deltas), not through all 1000.
  EXPECT_GT(produced_when_first_read, 1);
  EXPECT_LE(produced_when_first_read, 66);
  EXPECT_EQ(produced, 1000);
}

TEST(ChatRelay, StopEndsTheGeneration) {
  asio::io_context ioc;
  std::vector<std::string> words(1000, "w");
  std::optional<Status> generation_end;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    auto gen = burst(words);
    ChatRelay::Generate observed = [gen, &generation_end](const models::DeltaSink& sink) -> asio::awaitable<Result<models::RoutedReply>> {
      auto r = co_await gen(sink);
      generation_end = r.status();
      co_return r;
    };
    auto relay = ChatRelay::start(co_await asio::this_coro::executor, observed);
    auto first = co_await relay->next();
    EXPECT_TRUE(first && first->index() == 0);
    relay->stop();
  }, asio::detached);
  ioc.run();
  ASSERT_TRUE(generation_end);
  EXPECT_EQ(generation_end->code(), StatusCode::kUnavailable);  // the sink said stop before the 1000th word
}

}  // namespace
