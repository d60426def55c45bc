// 3. context: knowledge for the message — passages of the agent's knowledge sources (hybrid
// keyword and vector retrieval) and its FAQs, ranked together by relevance — and the scenario
// (SOP) whose trigger the message contains.
#include "pipeline/stages/stages.h"
#include "common/text.h"

#include <algorithm>
#include <cctype>

namespace brainstem::pipeline {

namespace {

constexpr size_t kMaxPassages = 4;
constexpr double kMinRelevance = 0.2;
// Below this cosine a vector neighbour is not taken as relevant (keyword hits always count).
constexpr double kMinSimilarity = 0.15;

class ContextStage : public Stage {
 public:
  explicit ContextStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "context_engine"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const AgentConfig& agent = *state.agent;
    const std::string& message = state.request.message;
    state.scenario = match_scenario(agent, message);
    if (state.scenario) state.result.sop_matched = state.scenario->name;
    knowledge::SearchRequest search{state.request.tenant_id, message, agent.knowledge_source_ids, kMaxPassages,
                                    kMinSimilarity};
    search.source_ids.push_back(documents_source_id(agent.id));
    auto hits = co_await deps_.knowledge.search(search);
    if (!hits.ok()) throw StatusError(hits.status());
    for (const auto& hit : *hits) {
      state.knowledge.push_back(Passage{hit.chunk.source_id, hit.chunk.heading_path, hit.chunk.text, hit.score,
                                        knowledge::citation_of(hit.chunk)});
    }
    if (!agent.faqs.empty()) {
      auto query = deps_.embedder.embed_one(message);
      for (const auto& faq : agent.faqs) {
        double score = models::cosine(query, faq.embedding);
        if (score >= kMinRelevance) state.knowledge.push_back(Passage{"faq", faq.question, faq.answer, score, ""});
      }
    }
    std::stable_sort(state.knowledge.begin(), state.knowledge.end(), [](const Passage& a, const Passage& b) { return a.score > b.score; });
    if (state.knowledge.size() > kMaxPassages) state.knowledge.resize(kMaxPassages);
    co_return true;
  }

 private:
  static const Scenario* match_scenario(const AgentConfig& agent, const std::string& message) {
    const std::string text = ascii_lower(message);
    for (const auto& scenario : agent.scenarios) {
      for (const auto& trigger : scenario.triggers) {
        if (text.find(trigger) != std::string::npos) return &scenario;
      }
    }
    return nullptr;
  }

  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_context_stage(PipelineDeps& deps) { return std::make_unique<ContextStage>(deps); }

}  // namespace brainstem::pipeline
