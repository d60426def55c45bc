// The run engine and the orchestrator's moves, over SQLite in memory, with a scripted node
// runner that counts its calls: gates, branches, concurrency, failures and retries, caps,
// cancellation, and a run taken up again after its driver died.
#include "orchestration/orchestrator.h"

#include "common/run_sync.h"
#include "store/records.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace brainstem;
using namespace brainstem::orchestration;

// Answers each node by a script keyed by node id (default: its config's "output", as noop
// does, else {"ok": true}); counts calls.
class ScriptedRunner final : public NodeRunner {
 public:
  using Script = std::function<asio::awaitable<Result<NodeOutcome>>(const NodeCall&, int call_number)>;

  void script(const std::string& node_id, Script script) {
    std::lock_guard lock(mu_);
    scripts_[node_id] = std::move(script);
  }
  int calls(const std::string& node_id) {
    std::lock_guard lock(mu_);
    return calls_[node_id];
  }
  asio::awaitable<Result<NodeOutcome>> run(const NodeCall& call) override {
    Script script;
    int number = 0;
    {
      std::lock_guard lock(mu_);
      number = ++calls_[call.node->id];
      if (auto it = scripts_.find(call.node->id); it != scripts_.end()) script = it->second;
    }
    if (!script) {
      const auto* output = call.config.if_contains("output");
      co_return NodeOutcome{output ? *output : json::value(json::object{{"ok", true}})};
    }
    co_return co_await script(call, number);
  }

 private:
  std::mutex mu_;
  std::map<std::string, Script> scripts_;
  std::map<std::string, int> calls_;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : work_(asio::make_work_guard(io_)) {
    auto opened = store::open_sqlite(":memory:");
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    store_ = std::move(opened).value();
    for (const auto* id : {"t1", "t2"}) {
      if (!run_sync(store_->create_tenant(test_support::make_tenant(id, id), "")).is_ok()) throw std::runtime_error("tenant");
    }
    start_engine();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EngineTest() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // A new engine under the same node id, as a restarted server has.
  void start_engine() {
    engine_ = std::make_unique<RunEngine>(*store_, runner_, background_, EngineOptions{"node-test"});
    orchestrator_ = std::make_unique<Orchestrator>(*store_, *engine_);
  }

  // Runs the coroutine on the engine's io_context and waits for its result.
  template <class T>
  T call(asio::awaitable<T> task) {
    std::promise<T> promise;
    auto result = promise.get_future();
    asio::co_spawn(io_, fulfil(promise, std::move(task)), asio::detached);
    return result.get();
  }
  template <class T>
  static asio::awaitable<void> fulfil(std::promise<T>& promise, asio::awaitable<T> task) {
    promise.set_value(co_await std::move(task));
  }

  store::Workflow add_workflow(const std::string& definition) {
    WorkflowDraft draft{"Test", "", json::parse(definition)};
    auto created = call(orchestrator_->create_workflow("t1", std::move(draft)));
    if (!created.ok()) throw std::runtime_error(created.status().message());
    return *created;
  }

  RunRecord start(const store::Workflow& workflow, json::value input = json::object(),
                  std::optional<int64_t> token_budget = std::nullopt) {
    RunRequest request;
    request.workflow_id = workflow.id;
    request.input = std::move(input);
    request.token_budget = token_budget;
    request.start = true;
    auto created = call(orchestrator_->create_run("t1", std::move(request)));
    if (!created.ok()) throw std::runtime_error(created.status().message());
    return *created;
  }

  // The run once its status is `status` (polled, with a generous deadline), with its steps.
  RunRecord wait_for(const std::string& run_id, const std::string& status) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      auto record = call(orchestrator_->run("t1", run_id));
      if (record.ok() && record->run.status == status && engine_->driving() == 0) return *record;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "run " << run_id << " is " << (record.ok() ? record->run.status : record.status().message())
                      << ", not " << status;
        return record.ok() ? *record : RunRecord{};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  static std::map<std::string, std::string> statuses(const RunRecord& record) {
    std::map<std::string, std::string> out;
    for (const auto& step : record.steps) out[step.node_id] = step.status;
    return out;
  }
  static json::value output_of(const RunRecord& record, const std::string& node_id) {
    for (const auto& step : record.steps) {
      if (step.node_id == node_id) return json::parse(step.output);
    }
    return nullptr;
  }
  std::vector<std::string> event_types(const std::string& run_id) {
    auto events = call(orchestrator_->events("t1", run_id, 0, 1000));
    std::vector<std::string> out;
    for (const auto& e : *events) out.push_back(e.type);
    return out;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<store::Store> store_;
  ScriptedRunner runner_;
  TaskGroup background_;
  std::unique_ptr<RunEngine> engine_;
  std::unique_ptr<Orchestrator> orchestrator_;
  std::thread thread_;
};

constexpr const char* kGated = R"({"nodes":[
    {"id":"draft","type":"noop","config":{"output":{"text":"{{input.title}} drafted"}}},
    {"id":"review","type":"approval_gate","config":{"message":"ok?"}},
    {"id":"publish","type":"noop","config":{"output":{"published":"{{nodes.draft.output.text}}"}}}],
  "edges":[{"from":"draft","to":"review"},{"from":"review","to":"publish"}]})";

TEST_F(EngineTest, AGateHoldsTheRunUntilApprovedThenItCompletes) {
  auto workflow = add_workflow(kGated);
  auto run = start(workflow, json::object{{"title", "Refund"}});
  auto paused = wait_for(run.run.id, "awaiting_approval");
  EXPECT_EQ(statuses(paused), (std::map<std::string, std::string>{{"draft", "completed"}, {"review", "waiting"}}));
  EXPECT_EQ(engine_->driving(), 0u) << "nothing waits for the person";

  auto approved = call(orchestrator_->approve("t1", run.run.id, "LGTM", "user_1"));
  ASSERT_TRUE(approved.ok()) << approved.status().message();
  auto done = wait_for(run.run.id, "merged");
  EXPECT_EQ(statuses(done), (std::map<std::string, std::string>{{"draft", "completed"}, {"review", "completed"}, {"publish", "completed"}}));
  EXPECT_EQ(output_of(done, "review").at("note"), "LGTM");
  EXPECT_EQ(output_of(done, "publish").at("published"), "Refund drafted")
      << "a node's config reads earlier outputs";
  EXPECT_EQ(runner_.calls("draft"), 1);
  EXPECT_EQ(runner_.calls("review"), 0) << "a gate is never run";
  EXPECT_EQ(event_types(run.run.id),
            (std::vector<std::string>{"RUN_CREATED", "RUN_STARTED", "NODE_RUN_STARTED", "NODE_RUN_COMPLETED",
                                      "NODE_RUN_WAITING", "RUN_AWAITING_APPROVAL", "NODE_RUN_COMPLETED", "RUN_RESUMED",
                                      "NODE_RUN_STARTED", "NODE_RUN_COMPLETED", "RUN_COMPLETED"}));

  EXPECT_EQ(call(orchestrator_->approve("t1", run.run.id, "again", "user_1")).status().code(), StatusCode::kConflict);
  EXPECT_EQ(call(orchestrator_->cancel("t1", run.run.id)).status().code(), StatusCode::kConflict);
  EXPECT_EQ(call(orchestrator_->approve("t2", run.run.id, "", "")).status().code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, IndependentNodesRunConcurrentlyAndTheJoinWaitsForBoth) {
  // Each branch finishes only once the other has started: run one after the other, they never would.
  std::atomic<int> started{0};
  auto meet = [&started](const NodeCall&, int) -> asio::awaitable<Result<NodeOutcome>> {
    ++started;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int i = 0; i < 4000 && started.load() < 2; ++i) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (started.load() < 2) co_return Status::internal("the other branch never started");
    co_return NodeOutcome{json::object{{"met", true}}};
  };
  runner_.script("left", meet);
  runner_.script("right", meet);
  auto workflow = add_workflow(R"({"nodes":[{"id":"left","type":"noop"},{"id":"right","type":"noop"},{"id":"join","type":"noop"}],
      "edges":[{"from":"left","to":"join"},{"from":"right","to":"join"}]})");
  auto done = wait_for(start(workflow).run.id, "merged");
  EXPECT_EQ(statuses(done), (std::map<std::string, std::string>{{"left", "completed"}, {"right", "completed"}, {"join", "completed"}}));
  EXPECT_EQ(runner_.calls("join"), 1);
}

TEST_F(EngineTest, AConditionTakesOneBranchAndSkipsTheOther) {
  auto workflow = add_workflow(R"({"nodes":[
      {"id":"urgent","type":"condition","config":{"path":"input.priority","equals":"high"}},
      {"id":"page","type":"noop"},{"id":"queue","type":"noop"},{"id":"after_page","type":"noop"}],
    "edges":[{"from":"urgent","to":"page","when":true},{"from":"urgent","to":"queue","when":false},
             {"from":"page","to":"after_page"}]})");
  runner_.script("urgent", [](const NodeCall& call, int) -> asio::awaitable<Result<NodeOutcome>> {
    auto result = StandardNodeRunner::test_condition(call.config, *call.scope);
    if (!result) co_return result.status();
    co_return NodeOutcome{json::object{{"result", *result}}};
  });
  auto done = wait_for(start(workflow, json::object{{"priority", "low"}}).run.id, "merged");
  EXPECT_EQ(statuses(done), (std::map<std::string, std::string>{
                                {"urgent", "completed"}, {"page", "skipped"}, {"queue", "completed"}, {"after_page", "skipped"}}));
  EXPECT_EQ(runner_.calls("page"), 0);
  EXPECT_EQ(runner_.calls("after_page"), 0);
}

TEST_F(EngineTest, AFailedStepFailsTheRunAndARetryFromItRunsOnlyWhatFollows) {
  runner_.script("charge", [](const NodeCall&, int n) -> asio::awaitable<Result<NodeOutcome>> {
    if (n == 1) co_return Status::unavailable("card processor down");
    co_return NodeOutcome{json::object{{"charged", true}}};
  });
  auto workflow = add_workflow(R"({"nodes":[{"id":"quote","type":"noop"},{"id":"charge","type":"noop"},{"id":"receipt","type":"noop"}],
      "edges":[{"from":"quote","to":"charge"},{"from":"charge","to":"receipt"}]})");
  auto run = start(workflow);
  auto failed = wait_for(run.run.id, "failed");
  EXPECT_EQ(failed.run.reason, "step charge failed: card processor down");
  EXPECT_EQ(statuses(failed), (std::map<std::string, std::string>{{"quote", "completed"}, {"charge", "failed"}}));
  EXPECT_EQ(call(orchestrator_->retry("t1", run.run.id, "nowhere")).status().code(), StatusCode::kValidation);

  auto retried = call(orchestrator_->retry("t1", run.run.id, "charge"));
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  auto done = wait_for(run.run.id, "merged");
  EXPECT_EQ(done.run.reason, "");
  EXPECT_EQ(runner_.calls("quote"), 1) << "a completed step never runs again";
  EXPECT_EQ(runner_.calls("charge"), 2);
  EXPECT_EQ(runner_.calls("receipt"), 1);
  EXPECT_EQ(call(orchestrator_->retry("t1", run.run.id, "")).status().code(), StatusCode::kConflict) << "merged";
}

TEST_F(EngineTest, ANodeWithARetryPolicyIsAttemptedAgainAfterItsBackoff) {
  runner_.script("flaky", [](const NodeCall&, int n) -> asio::awaitable<Result<NodeOutcome>> {
    if (n < 3) co_return Status::unavailable("try again");
    co_return NodeOutcome{json::object{{"attempt", n}}};
  });
  auto workflow = add_workflow(R"({"nodes":[{"id":"flaky","type":"noop","retry":{"attempts":3,"backoffMs":1}}]})");
  auto done = wait_for(start(workflow).run.id, "merged");
  ASSERT_EQ(done.steps.size(), 1u);
  EXPECT_EQ(done.steps[0].attempts, 3);
  EXPECT_EQ(output_of(done, "flaky").at("attempt"), 3);
}

TEST_F(EngineTest, ARunStopsAtItsTokenBudgetBeforeTheCallThatWouldPassIt) {
  // Each model step costs 80 tokens and refuses to start with fewer than 100 left.
  auto metered = [](const NodeCall& call, int) -> asio::awaitable<Result<NodeOutcome>> {
    if (call.tokens_left && *call.tokens_left < 100) co_return Status(StatusCode::kPaymentRequired, "budget_exceeded");
    co_return NodeOutcome{json::object{{"text", "ok"}}, 80, 0.01};
  };
  runner_.script("first", metered);
  runner_.script("second", metered);
  auto workflow = add_workflow(R"({"nodes":[{"id":"first","type":"noop"},{"id":"second","type":"noop"}],
      "edges":[{"from":"first","to":"second"}]})");
  auto failed = wait_for(start(workflow, json::object(), 150).run.id, "failed");
  EXPECT_EQ(failed.run.reason, "budget_exceeded");
  EXPECT_EQ(statuses(failed), (std::map<std::string, std::string>{{"first", "completed"}, {"second", "failed"}}));
  EXPECT_EQ(failed.steps[0].tokens + failed.steps[1].tokens, 80) << "nothing was spent past the cap";
}

TEST_F(EngineTest, CancelStopsARunningCallAtOnceAndMarksTheRunCancelled) {
  std::atomic<bool> reached{false};
  std::atomic<bool> stopped{false};
  runner_.script("hang", [&](const NodeCall&, int) -> asio::awaitable<Result<NodeOutcome>> {
    reached = true;
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    stopped = ec == asio::error::operation_aborted;
    co_return NodeOutcome{json::object{}};
  });
  auto workflow = add_workflow(R"({"nodes":[{"id":"hang","type":"tool_call","config":{"tool":"noop"}},{"id":"after","type":"noop"}],
      "edges":[{"from":"hang","to":"after"}]})");
  auto run = start(workflow);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!reached && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(reached);
  auto cancelled = call(orchestrator_->cancel("t1", run.run.id));
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().message();
  auto done = wait_for(run.run.id, "cancelled");
  EXPECT_TRUE(stopped) << "the call was cancelled, not waited for";
  EXPECT_EQ(statuses(done), (std::map<std::string, std::string>{{"hang", "cancelled"}}));
  EXPECT_EQ(runner_.calls("after"), 0);

  runner_.script("hang", [](const NodeCall&, int) -> asio::awaitable<Result<NodeOutcome>> { co_return NodeOutcome{json::object{}}; });
  ASSERT_TRUE(call(orchestrator_->retry("t1", run.run.id, "")).ok());
  wait_for(run.run.id, "merged");
}

TEST_F(EngineTest, ATakenUpRunSkipsFinishedStepsAndRerunsOnlyAnIdempotentInterruptedOne) {
  auto workflow = add_workflow(R"({"nodes":[{"id":"a","type":"noop"},{"id":"b","type":"noop"},{"id":"c","type":"noop"}],
      "edges":[{"from":"a","to":"b"},{"from":"b","to":"c"}]})");
  // As a driver that died would leave it: a completed, b started and never finished.
  RunRequest request;
  request.workflow_id = workflow.id;
  auto run = call(orchestrator_->create_run("t1", std::move(request)));
  ASSERT_TRUE(run.ok());
  store::Run stored = run->run;
  stored.status = "running";
  ASSERT_TRUE(run_sync(store_->save_run(stored, {})).ok());
  store::RunStep a{"t1", stored.id, "a", "completed", 1, R"({"from":"before"})"};
  store::RunStep b{"t1", stored.id, "b", "running", 1};
  ASSERT_TRUE(run_sync(store_->record_steps({a, b}, {}, "")).is_ok());

  start_engine();
  EXPECT_EQ(call(engine_->claim_due()), 1);
  auto done = wait_for(stored.id, "merged");
  EXPECT_EQ(runner_.calls("a"), 0);
  EXPECT_EQ(runner_.calls("b"), 1);
  EXPECT_EQ(runner_.calls("c"), 1);
  EXPECT_EQ(output_of(done, "a").at("from"), "before");
  for (const auto& step : done.steps) {
    if (step.node_id == "b") {
      EXPECT_EQ(step.attempts, 2);
    }
  }
}

TEST_F(EngineTest, AnInterruptedStepThatIsNotIdempotentFailsTheRunInsteadOfRunningTwice) {
  auto workflow = add_workflow(R"({"nodes":[{"id":"pay","type":"tool_call","config":{"tool":"noop"}}]})");
  RunRequest request;
  request.workflow_id = workflow.id;
  auto run = call(orchestrator_->create_run("t1", std::move(request)));
  store::Run stored = run->run;
  stored.status = "running";
  ASSERT_TRUE(run_sync(store_->save_run(stored, {})).ok());
  store::RunStep pay{"t1", stored.id, "pay", "running", 1};
  ASSERT_TRUE(run_sync(store_->record_steps({pay}, {}, "")).is_ok());
  EXPECT_EQ(call(engine_->claim_due()), 1);
  auto failed = wait_for(stored.id, "failed");
  EXPECT_EQ(runner_.calls("pay"), 0);
  EXPECT_NE(failed.run.reason.find("not idempotent"), std::string::npos) << failed.run.reason;
}

TEST_F(EngineTest, APlannedRunWaitsForAdvanceAndOnlyOnce) {
  auto workflow = add_workflow(R"({"nodes":[{"id":"a","type":"noop"}]})");
  RunRequest request;
  request.workflow_id = workflow.id;
  auto run = call(orchestrator_->create_run("t1", std::move(request)));
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->run.status, "planned");
  EXPECT_EQ(call(engine_->claim_due()), 0) << "a planned run is not claimed";
  ASSERT_TRUE(call(orchestrator_->advance("t1", run->run.id)).ok());
  wait_for(run->run.id, "merged");
  EXPECT_EQ(call(orchestrator_->advance("t1", run->run.id)).status().code(), StatusCode::kConflict);
  EXPECT_EQ(runner_.calls("a"), 1);
}

}  // namespace
