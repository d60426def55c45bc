#include "orchestration/engine.h"

#include "common/clock.h"
#include "common/json_text.h"
#include "net/retry.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <unordered_set>

namespace brainstem::orchestration {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;

// What interrupts a run being driven: a timer that never expires, cancelled on interrupt().
struct RunEngine::Control {
  explicit Control(const asio::any_io_executor& executor) : timer(executor, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool interrupted = false;  // read and written on the timer's executor only
  // A claim found the run while this drive still held it (retried as it stopped): claim again
  // when the drive ends.
  std::atomic<bool> claimed_again{false};

  asio::awaitable<void> interruption() { co_await timer.async_wait(asio::as_tuple(asio::use_awaitable)); }
};

struct RunEngine::RunState {
  store::Run run;
  Graph graph;
  json::value input;
  std::unordered_map<std::string, store::RunStep> steps;  // by node id, as stored
  // What references read: {"input", "nodes": {id: {"output"}}} of the completed steps, each
  // output parsed once when its step is kept.
  json::object scope;
  std::optional<int64_t> token_cap;
  std::optional<double> cost_cap;
  // Deferred steps and events, not yet stored (see record()).
  std::vector<store::RunStep> unsaved;
  std::vector<store::RunEvent> unsaved_events;
  // `steps` is kept in step with this driver's own writes, so it is read from the store only
  // when the drive starts or after a write failed.
  bool steps_loaded = false;
  int64_t lease_renewed_at = 0;
};

namespace {

// A step stopped by the run's caps fails with this error, and the run with this reason.
const std::string kBudgetExceeded = "budget_exceeded";

// Nodes that finish at once and touch nothing outside the run: their start is stored with their
// end, and both are deferred to the run's next write.
bool instant(const Node& node) { return node.type == "noop" || node.type == "condition"; }

// At most this many deferred steps wait for a write: what a crash makes run again stays small.
constexpr size_t kMaxDeferredSteps = 256;

bool settled(const std::string& status) { return status == "completed" || status == "skipped"; }

json::value parsed(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

// Whether an edge out of a settled node is taken.
bool taken(const Edge& edge, const store::RunStep& from, const json::object& scope) {
  if (from.status != "completed") return false;
  if (!edge.when) return true;
  const auto* node = scope.at("nodes").as_object().if_contains(edge.from);
  const auto* output = node ? node->as_object().if_contains("output") : nullptr;
  const auto* result = output && output->is_object() ? output->as_object().if_contains("result") : nullptr;
  return result && result->is_bool() && result->as_bool() == *edge.when;
}

}  // namespace

void RunEngine::keep(RunState& state, store::RunStep step) {
  auto& outputs = state.scope["nodes"].as_object();
  if (step.status == "completed") outputs[step.node_id] = json::object{{"output", parsed(step.output)}};
  else outputs.erase(step.node_id);
  state.steps[step.node_id] = std::move(step);
}

void RunEngine::read_caps(RunState& state) {
  RunCaps caps = caps_of(state.run.caps);
  state.token_cap = caps.tokens;
  state.cost_cap = caps.cost_usd;
}

std::vector<store::RunEvent> step_events(const store::RunStep& step, const char* type, json::object data) {
  store::RunEvent event;
  event.tenant_id = step.tenant_id;
  event.run_id = step.run_id;
  event.type = type;
  event.created_at = now_ms();
  data["nodeId"] = step.node_id;
  data["status"] = step.status;
  data["attempt"] = step.attempts;
  event.data = event_data(event.type, step.run_id, std::move(data), event.created_at);
  std::vector<store::RunEvent> events;
  events.push_back(std::move(event));
  return events;
}

std::string event_data(const std::string& type, const std::string& run_id, json::object data, int64_t at_ms) {
  data["type"] = type;
  data["runId"] = run_id;
  data["at"] = at_ms;
  return json_text(data);
}

store::RunEvent run_event(const store::Run& run, const std::string& type, json::object data) {
  store::RunEvent e;
  e.tenant_id = run.tenant_id;
  e.run_id = run.id;
  e.type = type;
  e.created_at = now_ms();
  e.data = event_data(type, run.id, std::move(data), e.created_at);
  return e;
}

RunEngine::RunEngine(store::OrchestrationStore& store, NodeRunner& runner, TaskGroup& background, EngineOptions options)
    : store_(store), runner_(runner), background_(background), options_(std::move(options)) {}

size_t RunEngine::driving() const {
  std::lock_guard lock(mu_);
  return active_.size();
}

void RunEngine::wake(const asio::any_io_executor& executor) {
  background_.spawn(executor, claim_pass());
}

// A member coroutine, not a lambda: a lambda's captures would not outlive its call.
asio::awaitable<void> RunEngine::claim_pass() { co_await claim_due(); }

void RunEngine::interrupt(const std::string& run_id) {
  std::shared_ptr<Control> control;
  {
    std::lock_guard lock(mu_);
    auto it = active_.find(run_id);
    if (it == active_.end()) return;
    control = it->second;
  }
  asio::post(control->timer.get_executor(), [control] {
    control->interrupted = true;
    control->timer.cancel();
  });
}

asio::awaitable<int> RunEngine::claim_due() {
  auto claimed = co_await store_.claim_runs(options_.node_id, now_ms(), options_.lease.count(), options_.claim_batch);
  if (!claimed) {
    spdlog::warn("claiming runs failed: {}", claimed.status().message());
    co_return 0;
  }
  auto executor = co_await asio::this_coro::executor;
  int started = 0;
  for (auto& run : *claimed) {
    auto control = std::make_shared<Control>(executor);
    {
      std::lock_guard lock(mu_);
      auto [it, added] = active_.emplace(run.id, control);
      if (!added) {  // already driven here
        it->second->claimed_again = true;
        continue;
      }
    }
    ++started;
    background_.spawn(executor, drive(std::move(run), control));
  }
  co_return started;
}

asio::awaitable<void> RunEngine::drive(store::Run run, std::shared_ptr<Control> control) {
  const std::string id = run.id;
  RunState state;
  state.run = std::move(run);
  state.lease_renewed_at = now_ms();  // the claim that handed it over set the lease
  state.input = parsed(state.run.input);
  state.scope = {{"input", state.input}, {"nodes", json::object()}};
  read_caps(state);
  auto graph = Graph::parse(parsed(state.run.plan));
  try {
    if (!graph) {
      co_await conclude(state, "failed", "the run's plan cannot be read: " + graph.status().message(), "RUN_FAILED");
    } else {
      state.graph = std::move(graph).value();
      while (co_await advance(state, *control)) {
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("run {} stopped: {}", id, e.what());  // its lease ends; it is taken up again
  }
  {
    std::lock_guard lock(mu_);
    active_.erase(id);
  }
  // A run retried while this drive was stopping was not claimed again (it was still driven
  // here): take it up now rather than at the next poll.
  if (control->interrupted || control->claimed_again) co_await claim_due();
}

asio::awaitable<bool> RunEngine::advance(RunState& state, Control& control) {
  // The run is not read again: a move that takes it away from this driver (cancel) ends its
  // lease, so the next write here is refused, and a cancel on this node interrupts at once.
  if (control.interrupted) co_return false;
  const int64_t now = now_ms();
  if (now - state.lease_renewed_at > options_.lease.count() / 3) {
    if (!(co_await store_.renew_run_lease(state.run.tenant_id, state.run.id, options_.node_id,
                                          now + options_.lease.count())).is_ok()) {
      co_return false;
    }
    state.lease_renewed_at = now;
  }
  if (!state.steps_loaded) {
    auto stored = co_await store_.run_steps(state.run.tenant_id, state.run.id);
    if (!stored) co_return false;
    state.steps.clear();
    state.scope["nodes"] = json::object();
    for (auto& step : *stored) keep(state, std::move(step));
    state.steps_loaded = true;
  }

  std::vector<const Node*> ready;
  std::vector<const Node*> gates;
  bool waiting = false, open = false;
  for (const auto& node : state.graph.nodes()) {
    auto it = state.steps.find(node.id);
    static const std::string kPending = "pending";
    const std::string& status = it == state.steps.end() ? kPending : it->second.status;
    if (status == "failed") {
      // Computed apart from the co_await: GCC 12 mis-compiles temporaries of ?: inside one.
      std::string reason = it->second.error;
      if (reason != kBudgetExceeded) reason = "step " + node.id + " failed: " + reason;
      co_await conclude(state, "failed", reason, "RUN_FAILED");
      co_return false;
    }
    if (status == "running" && !node.idempotent) {
      // Nothing runs here between passes: its previous holder died while the step ran.
      co_await conclude(state, "failed",
                        "step " + node.id + " was interrupted and is not idempotent, so it is not run again",
                        "RUN_FAILED");
      co_return false;
    }
    if (status == "waiting") waiting = true;
    if (settled(status) || status == "waiting") continue;
    open = true;
    bool inputs_settled = true, any_taken = false;
    auto incoming = state.graph.incoming(node.id);
    for (const auto* edge : incoming) {
      auto from = state.steps.find(edge->from);
      if (from == state.steps.end() || !settled(from->second.status)) inputs_settled = false;
      else if (taken(*edge, from->second, state.scope)) any_taken = true;
    }
    if (!inputs_settled) continue;
    if (!incoming.empty() && !any_taken) {
      store::RunStep skipped{state.run.tenant_id, state.run.id, node.id, "skipped"};
      skipped.finished_at = now_ms();
      auto events = step_events(skipped, "NODE_RUN_SKIPPED", json::object());
      if (!co_await record(state, skipped, std::move(events), true)) co_return false;
      co_return true;  // settle again with the skip in place
    }
    (node.type == "approval_gate" ? gates : ready).push_back(&node);
  }
  for (const auto* gate : gates) {
    store::RunStep wait{state.run.tenant_id, state.run.id, gate->id, "waiting"};
    wait.started_at = now_ms();
    json::object data;
    if (const auto* message = gate->config.if_contains("message")) data["message"] = *message;
    auto events = step_events(wait, "NODE_RUN_WAITING", std::move(data));
    if (!co_await record(state, wait, std::move(events))) co_return false;
    waiting = true;
  }
  if (ready.empty()) {
    if (waiting) co_await conclude(state, "awaiting_approval", "", "RUN_AWAITING_APPROVAL");
    else if (!open) co_await conclude(state, "merged", "", "RUN_COMPLETED");
    else co_await conclude(state, "failed", "no step can run", "RUN_FAILED");
    co_return false;
  }

  auto executor = co_await asio::this_coro::executor;
  using Task = decltype(asio::co_spawn(executor, execute(state, *ready.front(), {}, control), asio::deferred));
  std::vector<Task> tasks;
  for (const auto* node : ready) {
    auto it = state.steps.find(node->id);
    store::RunStep step = it == state.steps.end() ? store::RunStep{state.run.tenant_id, state.run.id, node->id} : it->second;
    tasks.push_back(asio::co_spawn(executor, execute(state, *node, std::move(step), control), asio::deferred));
  }
  auto group = asio::experimental::make_parallel_group(std::move(tasks));
  co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  co_return !control.interrupted;
}

asio::awaitable<void> RunEngine::execute(RunState& state, const Node& node, store::RunStep step, Control& control) {
  if (node.type == "model_call") {
    // Caps may have changed since the drive began (PUT .../budget): a model call reads them anew.
    auto fresh = co_await store_.get_run(state.run.tenant_id, state.run.id);
    if (fresh) {
      state.run.caps = fresh->caps;
      read_caps(state);
    }
  }
  int64_t tokens_spent = 0;
  double cost_spent = 0;
  for (const auto& [id, s] : state.steps) {
    tokens_spent += s.tokens;
    cost_spent += s.cost_usd;
  }
  NodeCall call;
  call.tenant_id = state.run.tenant_id;
  call.run_id = state.run.id;
  call.node = &node;
  call.scope = &state.scope;
  call.config = resolve_references(node.config, state.scope).as_object();
  if (state.token_cap) call.tokens_left = *state.token_cap - tokens_spent;
  if (state.cost_cap) call.cost_left_usd = *state.cost_cap - cost_spent;
  net::Backoff backoff{std::chrono::milliseconds(node.retry.backoff_ms)};
  for (int attempt = 1;; ++attempt) {
    step.status = "running";
    ++step.attempts;
    step.error.clear();
    step.started_at = now_ms();
    std::vector<store::RunEvent> events = step_events(step, "NODE_RUN_STARTED", json::object());
    if (!instant(node)) {
      if (!co_await record(state, step, std::move(events))) co_return;
      events.clear();
    }
    auto outcome = co_await (runner_.run(call) || control.interruption());
    if (outcome.index() == 1 || control.interrupted) co_return;  // whoever interrupted stored the run's state
    auto& result = std::get<0>(outcome);
    step.finished_at = now_ms();
    if (result.ok()) {
      step.status = "completed";
      step.output = json_text(result->output);
      step.tokens += result->tokens;
      step.cost_usd += result->cost_usd;
      json::object completed{{"output", result->output}, {"tokens", result->tokens}, {"costUsd", result->cost_usd}};
      if (!result->warnings.empty()) completed["warnings"] = json::value_from(result->warnings);
      auto done = step_events(step, "NODE_RUN_COMPLETED", std::move(completed));
      events.insert(events.end(), done.begin(), done.end());
      co_await record(state, step, std::move(events), instant(node));
      co_return;
    }
    const Status& failure = result.status();
    const bool budget = failure.code() == StatusCode::kPaymentRequired;
    const bool refused = failure.code() == StatusCode::kPermissionDenied;  // a policy, not a fault
    if (budget || refused || attempt >= node.retry.attempts) {
      step.status = "failed";
      step.error = budget ? kBudgetExceeded : failure.message();
      json::object failed{{"error", step.error}};
      auto done = step_events(step, "NODE_RUN_FAILED", std::move(failed));
      events.insert(events.end(), done.begin(), done.end());
      co_await record(state, step, std::move(events), instant(node));
      co_return;
    }
    auto wait = backoff.delay(attempt).value_or(backoff.first);
    auto paused = co_await (net::pause(wait) || control.interruption());
    if (paused.index() == 1 || control.interrupted) co_return;
  }
}

asio::awaitable<bool> RunEngine::record(RunState& state, const store::RunStep& step, std::vector<store::RunEvent> events,
                                        bool deferred) {
  state.unsaved_events.insert(state.unsaved_events.end(), std::make_move_iterator(events.begin()),
                              std::make_move_iterator(events.end()));
  if (deferred && state.unsaved.size() < kMaxDeferredSteps) {
    keep(state, step);
    state.unsaved.push_back(step);
    co_return true;
  }
  co_return co_await save(state, &step);
}

asio::awaitable<bool> RunEngine::save(RunState& state, const store::RunStep* step) {
  // Taken out of the state before the write: a step of the same wave may record meanwhile.
  std::vector<store::RunStep> steps = std::move(state.unsaved);
  std::vector<store::RunEvent> events = std::move(state.unsaved_events);
  state.unsaved.clear();
  state.unsaved_events.clear();
  if (step) steps.push_back(*step);
  if (steps.empty()) co_return true;
  Status s = co_await store_.record_steps(steps, events, options_.node_id);
  if (s.is_ok()) {
    if (step) keep(state, *step);
    co_return true;
  }
  state.steps_loaded = false;  // read what was stored before going on
  if (s.code() != StatusCode::kConflict) {
    spdlog::warn("run {}: recording {} steps failed: {}", steps.front().run_id, steps.size(), s.message());
  }
  co_return false;
}

asio::awaitable<void> RunEngine::conclude(RunState& state, const std::string& status, const std::string& reason,
                                          const std::string& event_type) {
  if (!co_await save(state)) co_return;
  for (int attempt = 0; attempt < 8; ++attempt) {
    store::Run run = state.run;
    if (run.status != "running" || run.lease_owner != options_.node_id) co_return;
    run.status = status;
    run.reason = reason;
    run.updated_at = now_ms();
    json::object data;
    if (!run.reason.empty()) data["reason"] = run.reason;
    data["status"] = status;
    std::vector<store::RunEvent> events{run_event(run, event_type, std::move(data))};
    auto saved = co_await store_.save_run(run, events);
    if (saved.ok() || saved.status().code() != StatusCode::kConflict) co_return;
    auto fresh = co_await store_.get_run(state.run.tenant_id, state.run.id);
    if (!fresh) co_return;
    state.run = std::move(fresh).value();
  }
}

}  // namespace brainstem::orchestration
