#include "models/registry.h"
#include "models/router.h"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

namespace brainstem::models {
namespace {

namespace asio = boost::asio;

// A model whose every call fails as an unavailable upstream does (a retryable failure).
class FailingProvider final : public Provider {
 public:
  explicit FailingProvider(std::string id) : id_(std::move(id)) {}
  asio::awaitable<Result<ChatResponse>> chat(const ChatRequest&, const DeltaSink&) override {
    co_return Status::unavailable("upstream down");
  }
  asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>&) override {
    co_return Status::unavailable("upstream down");
  }
  ModelInfo info() const override { return ModelInfo{.id = id_, .provider = "test"}; }

 private:
  std::string id_;
};

Result<RoutedReply> call(ModelRouter& router, const std::string& model) {
  asio::io_context ioc;
  std::optional<Result<RoutedReply>> out;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    ChatRequest request;
    request.messages = {{"user", "hi", "", "", {}}};
    DeltaSink no_stream;
    const RouteHints hints{.model = model};  // a named local: GCC 12 mishandles temporaries inside co_await
    auto reply = co_await router.chat(hints, std::move(request), no_stream);
    out.emplace(std::move(reply));
  }, asio::detached);
  ioc.run();
  return std::move(*out);
}

TEST(ModelRouterCircuits, AFailingModelOpensThenShowsHalfOpenAfterItsCoolDown) {
  ModelRegistry registry;
  ASSERT_TRUE(registry.add(ModelSpec{.id = "down", .provider = "test"}, std::make_shared<FailingProvider>("down")).is_ok());
  ASSERT_TRUE(registry.add(ModelSpec{.id = "idle", .provider = "test"}, std::make_shared<FailingProvider>("idle")).is_ok());
  ModelRouter router(registry, RouterOptions{.failure_threshold = 2, .open_ms = 200});

  EXPECT_EQ(router.state_of("down"), CircuitState::kClosed);
  EXPECT_FALSE(call(router, "down").ok());
  EXPECT_EQ(router.state_of("down"), CircuitState::kClosed) << "one failure is below the threshold";
  EXPECT_FALSE(call(router, "down").ok());
  EXPECT_EQ(router.state_of("down"), CircuitState::kOpen);
  EXPECT_EQ(router.state_of("idle"), CircuitState::kClosed) << "circuits are per model";
  EXPECT_EQ(router.state_of("no-such-model"), CircuitState::kClosed);

  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(router.state_of("down"), CircuitState::kHalfOpen);
  // The health listing says the same as the per-model lookup.
  for (const auto& c : router.circuits()) EXPECT_EQ(c.state, router.state_of(c.model)) << c.model;
}

}  // namespace
}  // namespace brainstem::models
