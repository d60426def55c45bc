// 5b. recall: the customer's turns of earlier sessions that bear on the message (the turn
// index, keywords and wording fused), fitted into the tokens the optimizer kept for them. It
// runs after the cache check, so a cached answer never pays for the search.
#include "pipeline/stages/stages.h"

namespace brainstem::pipeline {

namespace {

// Earlier turns found only by wording must be at least this alike to the message (cosine of
// the hashed embeddings; unrelated sentences score about 0.1).
constexpr double kRecallSimilarity = 0.3;

class RecallStage : public Stage {
 public:
  explicit RecallStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "turn_recall"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const AgentConfig& agent = *state.agent;
    const MessageRequest& req = state.request;
    const std::string& customer = state.result.customer_id;
    if (agent.recall_turns <= 0 || customer.empty()) co_return true;
    knowledge::TurnQuery query{.tenant_id = req.tenant_id,
                               .text = req.message,
                               .customer_id = customer,
                               .agent_id = agent.recall_across_agents ? std::string() : agent.id,
                               .exclude_session_id = req.session_id,
                               .limit = static_cast<size_t>(agent.recall_turns),
                               .min_similarity = kRecallSimilarity};
    int64_t left = state.recall_budget;
    for (auto& hit : deps_.turns.search(query)) {
      int64_t cost = deps_.tokens.count(agent.model, hit.turn.content);
      state.result.context_before += cost;
      if (cost > left) continue;
      left -= cost;
      state.result.context_after += cost;
      state.recalled.push_back(std::move(hit.turn));
    }
    co_return true;
  }

 private:
  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_recall_stage(PipelineDeps& deps) { return std::make_unique<RecallStage>(deps); }

}  // namespace brainstem::pipeline
