#include "pipeline/pipeline.h"

#include "common/clock.h"
#include "common/ids.h"
#include "pipeline/stages/stages.h"

#include <cmath>

namespace brainstem::pipeline {

namespace {

// Runs one stage and records how long it took, in ms.
boost::asio::awaitable<bool> timed(Stage& stage, PipelineState& state) {
  const int64_t started = now_us();
  bool go_on = co_await stage.run(state);
  state.result.step_timings[stage.timing_name()] = double(now_us() - started) / 1000.0;
  co_return go_on;
}

}  // namespace

double MessageResult::savings_pct() const {
  if (context_before <= 0 || context_after >= context_before) return 0;
  return std::round(1000.0 * double(context_before - context_after) / double(context_before)) / 10.0;
}

Pipeline::Pipeline(PipelineDeps deps) : deps_(deps), config_(make_config_stage(deps_)) {
  stages_.push_back(make_memory_stage(deps_));
  stages_.push_back(make_context_stage(deps_));
  stages_.push_back(make_optimize_stage(deps_));
  stages_.push_back(make_cache_stage(deps_));
  stages_.push_back(make_recall_stage(deps_));
  stages_.push_back(make_route_stage(deps_));
  stages_.push_back(make_compile_stage(deps_));
  stages_.push_back(make_actions_stage(deps_));
}

Pipeline::~Pipeline() = default;

boost::asio::awaitable<std::unique_ptr<PipelineState>> Pipeline::admit(const MessageRequest& request) {
  auto state = std::make_unique<PipelineState>(PipelineState{request});
  state->result.execution_id = random_id("exec_", 16);
  co_await timed(*config_, *state);
  co_return state;
}

boost::asio::awaitable<MessageResult> Pipeline::run(PipelineState& state, const StreamSink* sink) {
  const int64_t started = now_us();
  state.sink = sink;
  Stage& actions = *stages_.back();
  for (size_t i = 0; i + 1 < stages_.size(); ++i) {
    if (!co_await timed(*stages_[i], state)) break;  // a cache hit skips routing and the model
  }
  co_await timed(actions, state);
  state.result.latency_ms = double(now_us() - started) / 1000.0 + state.result.step_timings["config_load"];
  co_return std::move(state.result);
}

}  // namespace brainstem::pipeline
