// The run engine: drives runs to their end in the background, durably.
//
// A run is driven by the node holding its lease (store::OrchestrationStore::claim_runs).
// Driving a run repeats: read its steps; settle what can be settled (nodes behind an edge not
// taken are skipped); run every node whose inputs are ready, concurrently; store each step's
// state as it starts and as it ends (one store write with its stream event). A gate whose
// turn has come is stored as waiting, and once nothing else can run the run is stored as
// awaiting_approval and left: no thread, coroutine or connection waits for the person.
//
// Guarantees: a step stored as completed never runs again. A step found running when a run is
// taken up (its previous holder died mid-step) runs again only if its node is idempotent;
// otherwise the run fails, naming it. Steps of idempotent nodes are therefore run at least
// once; others at most once. A run's caps (tokenBudget, maxCostUsd) are checked before each
// model call, so a run fails as budget_exceeded before the call that would pass them.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include "common/task_group.h"
#include "orchestration/graph.h"
#include "orchestration/node_runner.h"
#include "store/orchestration_store.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace brainstem::orchestration {

struct EngineOptions {
  std::string node_id = "local";  // the lease owner; a restarted node with the same id takes its runs back at once
  std::chrono::milliseconds lease{30000};  // renewed before each wave of steps
  int claim_batch = 64;
};

class RunEngine {
 public:
  RunEngine(store::OrchestrationStore& store, NodeRunner& runner, TaskGroup& background, EngineOptions options = {});

  // Claims the runs due on this node and starts driving each in the background, on the
  // caller's executor. Returns how many it started.
  boost::asio::awaitable<int> claim_due();
  // A request made a run runnable (started, approved, retried): claim it now, not at the next poll.
  void wake(const boost::asio::any_io_executor& executor);
  // Stops the run's node calls at once (its new state is already stored).
  void interrupt(const std::string& run_id);
  // Runs being driven here now.
  size_t driving() const;

 private:
  struct Control;
  struct RunState;

  boost::asio::awaitable<void> claim_pass();
  // Keeps a stored step in the run's state, with its parsed output in the scope.
  static void keep(RunState& state, store::RunStep step);
  static void read_caps(RunState& state);
  boost::asio::awaitable<void> drive(store::Run run, std::shared_ptr<Control> control);
  // One step of the loop; false when the run left this node or ended.
  boost::asio::awaitable<bool> advance(RunState& state, Control& control);
  boost::asio::awaitable<void> execute(RunState& state, const Node& node, store::RunStep step, Control& control);
  // Stores the step with its events and keeps the run's steps in step; false when refused. A
  // deferred step (an instant node's, a skip) is kept at once but stored with the run's next
  // write: its work has no effect outside the run, so if that write never happens it runs again.
  boost::asio::awaitable<bool> record(RunState& state, const store::RunStep& step, std::vector<store::RunEvent> events,
                                      bool deferred = false);
  // Stores the deferred steps and events, with `step` when given, in one write.
  boost::asio::awaitable<bool> save(RunState& state, const store::RunStep* step = nullptr);
  // Stores the run's end (or its wait for approval), re-reading on a concurrent change.
  boost::asio::awaitable<void> conclude(RunState& state, const std::string& status, const std::string& reason,
                                        const std::string& event_type);

  store::OrchestrationStore& store_;
  NodeRunner& runner_;
  TaskGroup& background_;
  const EngineOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Control>> active_;  // by run id
};

// A stream event's JSON text: {"type", "runId", ...data, "at"}.
std::string event_data(const std::string& type, const std::string& run_id, boost::json::object data, int64_t at_ms);
store::RunEvent run_event(const store::Run& run, const std::string& type, boost::json::object data);
// The stream event of a step's new state: {"type", "runId", "nodeId", "status", "attempt", ...data, "at"}.
std::vector<store::RunEvent> step_events(const store::RunStep& step, const char* type, boost::json::object data);

}  // namespace brainstem::orchestration
