// 5. cache: a question close enough to one answered before gets that answer at once, at no
// cost; stages 5b–7 are skipped. On a miss the question's embedding is kept for stage 8 to
// store the new answer.
#include "pipeline/stages/stages.h"

namespace brainstem::pipeline {

namespace {

class CacheStage : public Stage {
 public:
  explicit CacheStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "cache_check"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const AgentConfig& agent = *state.agent;
    if (!agent.cache_enabled) co_return true;
    const MessageRequest& req = state.request;
    std::string normalised = SemanticCache::normalise(req.message);
    const SemanticCache::Embed embed = [&]() -> const std::vector<float>& {
      state.question_embedding = deps_.embedder.embed_one(normalised);
      return state.question_embedding;
    };
    double threshold = agent.cache_threshold.value_or(deps_.cache_threshold);
    auto hit = deps_.cache.lookup(req.tenant_id, agent.id, state.result.customer_id, normalised, embed, threshold);
    if (!hit) co_return true;
    state.result.reply = hit->answer;
    state.result.cached = true;
    state.result.model_used = "cache";
    if (state.sink) {
      StreamEvent event = TokenEvent{hit->answer};
      co_await (*state.sink)(event);
    }
    co_return false;
  }

 private:
  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_cache_stage(PipelineDeps& deps) { return std::make_unique<CacheStage>(deps); }

}  // namespace brainstem::pipeline
