// 6. route: the hints the model router picks a model by — the agent's model or policy, the
// message's complexity tier, the cost ceiling, the expected prompt size. A tenant past its
// budget's throttle line is kept to the cheapest models.
#include "models/complexity.h"
#include "pipeline/stages/stages.h"

namespace brainstem::pipeline {

namespace {

class RouteStage : public Stage {
 public:
  explicit RouteStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "model_router"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const AgentConfig& agent = *state.agent;
    models::RouteHints hints;
    hints.model = agent.model;
    hints.policy = agent.model_policy.policy;
    hints.task_type = agent.model_policy.task_type;
    hints.max_cost_usd = agent.model_policy.max_cost_usd;
    hints.expected_prompt_tokens = state.result.context_after;
    hints.expected_completion_tokens = agent.max_tokens.value_or(256);
    state.result.tier = !agent.model_policy.tier.empty()
                            ? agent.model_policy.tier
                            : models::classify_complexity({state.request.message, static_cast<int>(state.history.size()),
                                                           !agent.actions.empty()});
    if (state.request.budget == ops::BudgetState::kThrottle) hints.policy = "cost";
    if (hints.model.empty()) {
      // The tier narrows the choice only when some model declares it.
      hints.tier = state.result.tier;
      if (!deps_.router.candidates(hints)) hints.tier.clear();
    }
    state.hints = std::move(hints);
    co_return true;
  }

 private:
  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_route_stage(PipelineDeps& deps) { return std::make_unique<RouteStage>(deps); }

}  // namespace brainstem::pipeline
