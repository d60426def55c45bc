#include "models/registry.h"
#include "models/router.h"

#include "common/clock.h"

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

// Polls `condition` until it holds or 10 s pass.
template <class Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A local model that answers when its gate opens (at once while it is open), fails while told
// to, and can be unloaded and loaded again.
class GatedProvider final : public Provider {
 public:
  explicit GatedProvider(std::string id) : id_(std::move(id)) {}
  asio::awaitable<Result<ChatResponse>> chat(const ChatRequest&, const DeltaSink&) override {
    ++calls;
    if (!open) {
      gate_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
      co_await gate_->async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (failing) co_return Status::unavailable("upstream down");
    ChatResponse r;
    r.content = "ok from " + id_;
    co_return r;
  }
  asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>&) override {
    co_return Status::unavailable("no embeddings");
  }
  ModelInfo info() const override { return ModelInfo{.id = id_, .provider = "test", .loaded = loaded, .memory_bytes = 1000}; }
  bool unload() override {
    loaded = false;
    return true;
  }
  asio::awaitable<Status> ensure_loaded() override {
    loaded = true;
    co_return Status::ok();
  }
  void release() {
    if (gate_) gate_->cancel();
  }

  bool open = true;
  bool failing = false;
  bool loaded = true;
  int calls = 0;

 private:
  std::string id_;
  std::unique_ptr<asio::steady_timer> gate_;
};

// Starts a routed call on `ioc` (run it to make progress); the result lands in `out`.
void start_call(asio::io_context& ioc, ModelRouter& router, RouteHints hints, std::optional<Result<RoutedReply>>& out) {
  asio::co_spawn(ioc, [&router, hints, &out]() -> asio::awaitable<void> {
    ChatRequest request;
    request.messages = {{"user", "hi", "", "", {}}};
    DeltaSink no_stream;
    auto reply = co_await router.chat(hints, std::move(request), no_stream);
    out.emplace(std::move(reply));
  }, asio::detached);
}

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

  ASSERT_TRUE(eventually([&] { return router.state_of("down") != CircuitState::kOpen; }));
  EXPECT_EQ(router.state_of("down"), CircuitState::kHalfOpen);
  // The health listing says the same as the per-model lookup.
  for (const auto& c : router.circuits()) EXPECT_EQ(c.state, router.state_of(c.model)) << c.model;
}

TEST(ModelRouterCircuits, AHalfOpenCircuitLetsOneProbeThroughAndClosesWhenItSucceeds) {
  ModelRegistry registry;
  auto model = std::make_shared<GatedProvider>("flaky");
  ASSERT_TRUE(registry.add(ModelSpec{.id = "flaky", .provider = "test"}, model).is_ok());
  ModelRouter router(registry, RouterOptions{.failure_threshold = 1, .open_ms = 50});
  model->failing = true;
  EXPECT_FALSE(call(router, "flaky").ok());
  ASSERT_EQ(router.state_of("flaky"), CircuitState::kOpen);
  ASSERT_TRUE(eventually([&] { return router.state_of("flaky") == CircuitState::kHalfOpen; }));

  model->failing = false;
  model->open = false;  // the probe waits at the gate
  asio::io_context ioc;
  std::optional<Result<RoutedReply>> probe, second;
  const RouteHints hints{.model = "flaky"};
  start_call(ioc, router, hints, probe);
  ioc.poll();
  ASSERT_EQ(model->calls, 2) << "the probe reached the model";
  start_call(ioc, router, hints, second);
  ioc.poll();
  ASSERT_TRUE(second.has_value()) << "the second call is answered at once";
  EXPECT_EQ(second->status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second->status().message().find("circuit open"), std::string::npos) << second->status().message();
  EXPECT_EQ(model->calls, 2) << "only the probe went to the model";

  model->release();
  ioc.run();
  ASSERT_TRUE(probe.has_value() && probe->ok());
  EXPECT_EQ(router.state_of("flaky"), CircuitState::kClosed);
}

TEST(ModelRouterCircuits, AFallbackReplyNamesTheFirstChoiceThatFailed) {
  ModelRegistry registry;
  auto first = std::make_shared<GatedProvider>("first");
  auto second = std::make_shared<GatedProvider>("second");
  ASSERT_TRUE(registry.add(ModelSpec{.id = "first", .provider = "test", .task_types = {"general"}}, first).is_ok());
  ASSERT_TRUE(registry.add(ModelSpec{.id = "second", .provider = "test", .task_types = {"general"}}, second).is_ok());
  ModelRouter router(registry, RouterOptions{.failure_threshold = 1, .open_ms = 60000});
  asio::io_context ioc;
  std::optional<Result<RoutedReply>> plain, fallback, skipped;
  const RouteHints general{.task_type = "general"};
  start_call(ioc, router, general, plain);
  ioc.run();
  ASSERT_TRUE(plain->ok());
  EXPECT_EQ((*plain)->model, "first");
  EXPECT_EQ((*plain)->first_choice, "first");
  EXPECT_FALSE((*plain)->used_fallback);

  first->failing = true;
  ioc.restart();
  start_call(ioc, router, general, fallback);
  ioc.run();
  ASSERT_TRUE(fallback->ok());
  EXPECT_EQ((*fallback)->model, "second");
  EXPECT_EQ((*fallback)->first_choice, "first");
  EXPECT_TRUE((*fallback)->used_fallback);
  EXPECT_EQ(router.state_of("first"), CircuitState::kOpen);

  ioc.restart();
  start_call(ioc, router, general, skipped);
  ioc.run();
  EXPECT_EQ(first->calls, 2) << "the open circuit was skipped";
  EXPECT_TRUE((*skipped)->used_fallback) << "skipping an open circuit is a fallback too";
}

TEST(ModelRouterIdle, IdleLocalModelsAreUnloadedBusyAndRecentOnesKeptAndTheNextCallLoadsAgain) {
  ModelRegistry registry;
  auto idle = std::make_shared<GatedProvider>("idle");
  auto busy = std::make_shared<GatedProvider>("busy");
  ASSERT_TRUE(registry.add(ModelSpec{.id = "idle", .provider = "test"}, idle).is_ok());
  ASSERT_TRUE(registry.add(ModelSpec{.id = "busy", .provider = "test"}, busy).is_ok());
  ModelRouter router(registry);
  const int64_t start = now_ms();
  EXPECT_TRUE(router.unload_idle(0, start - 100'000).empty()) << "0 keeps every model";
  EXPECT_TRUE(router.unload_idle(60'000, start).empty()) << "never used, counted from the start";

  ASSERT_TRUE(call(router, "idle").ok());
  const int64_t idle_since = now_ms();  // its last use was no later than this
  busy->open = false;
  asio::io_context ioc;
  std::optional<Result<RoutedReply>> in_flight;
  start_call(ioc, router, RouteHints{.model = "busy"}, in_flight);
  ioc.poll();
  ASSERT_EQ(busy->calls, 1);
  EXPECT_TRUE(router.unload_idle(60'000, start - 100'000).empty()) << "the idle model was used just now";

  ASSERT_TRUE(eventually([&] { return now_ms() - idle_since >= 2; }));
  auto unloaded = router.unload_idle(1, start - 100'000);
  ASSERT_EQ(unloaded.size(), 1u) << "the busy model is kept, however old its last use";
  EXPECT_EQ(unloaded[0].first, "idle");
  EXPECT_EQ(unloaded[0].second, 1000);
  EXPECT_FALSE(idle->loaded);
  EXPECT_TRUE(busy->loaded);

  ASSERT_TRUE(call(router, "idle").ok()) << "an unloaded model answers the next call";
  EXPECT_TRUE(idle->loaded);
  busy->release();
  ioc.run();
  ASSERT_TRUE(in_flight->ok());
}

}  // namespace
}  // namespace brainstem::models
