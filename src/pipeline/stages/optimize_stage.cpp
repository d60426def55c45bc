// 4. optimize: fits the context into the agent's token budget by priority, counting with the
// model's tokenizer. The identity and instructions and the message itself are never cut; then
// come the latest turns, then room kept for the earlier sessions' turns recalled after the
// cache check (stage 5b), then customer facts, then knowledge. Turns that do not fit are
// replaced by a short summary of what the customer said in them, when that fits; what the
// budget has left also goes to the recalled turns.
#include "pipeline/prompt.h"
#include "pipeline/stages/stages.h"

namespace brainstem::pipeline {

namespace {

constexpr size_t kSummaryChars = 300;
// Prompt tokens kept per earlier turn the agent recalls: a typical chat turn fits.
constexpr int64_t kRecalledTurnTokens = 64;

// The first `n` bytes of `text`, shortened so no UTF-8 sequence is cut.
std::string_view utf8_prefix(std::string_view text, size_t n) {
  if (text.size() <= n) return text;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

class OptimizeStage : public Stage {
 public:
  explicit OptimizeStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "token_optimizer"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const std::string& model = state.agent->model;
    auto count = [&](std::string_view text) { return deps_.tokens.count(model, text); };

    std::vector<store::Turn> turns = std::move(state.history);
    std::vector<store::MemoryFact> facts = std::move(state.facts);
    std::vector<Passage> knowledge = std::move(state.knowledge);
    state.history.clear();
    state.facts.clear();
    state.knowledge.clear();
    const int64_t core = count(system_message(state)) + count(state.request.message);

    int64_t before = core;
    for (const auto& t : turns) before += count(t.content);
    for (const auto& f : facts) before += count(f.fact);
    for (const auto& p : knowledge) before += count(p.title) + count(p.text);

    int64_t left = state.agent->token_budget - core;
    size_t first_kept = turns.size();
    while (first_kept > 0) {
      int64_t cost = count(turns[first_kept - 1].content);
      if (cost > left) break;
      left -= cost;
      --first_kept;
    }
    const bool recalls = state.agent->recall_turns > 0 && !state.result.customer_id.empty();
    const int64_t recall_reserve = recalls ? std::clamp<int64_t>(left, 0, state.agent->recall_turns * kRecalledTurnTokens) : 0;
    left -= recall_reserve;
    for (auto& f : facts) {
      if (int64_t cost = count(f.fact); cost <= left) {
        left -= cost;
        state.facts.push_back(std::move(f));
      }
    }
    for (auto& p : knowledge) {
      if (int64_t cost = count(p.title) + count(p.text); cost <= left) {
        left -= cost;
        state.knowledge.push_back(std::move(p));
      }
    }
    std::string summary = summarise(turns, first_kept);
    if (!summary.empty() && count(summary) <= left) {
      left -= count(summary);
      state.earlier_summary = std::move(summary);
    }
    state.recall_budget = recalls ? std::max<int64_t>(left, 0) + recall_reserve : 0;
    state.history.assign(std::make_move_iterator(turns.begin() + static_cast<std::ptrdiff_t>(first_kept)),
                         std::make_move_iterator(turns.end()));

    int64_t after = count(system_message(state)) + count(state.request.message);
    for (const auto& t : state.history) after += count(t.content);
    state.result.context_before = std::max(before, after);
    state.result.context_after = after;
    co_return true;
  }

 private:
  // What the customer said in the turns before `end`, newest last, cut to a few hundred bytes.
  static std::string summarise(const std::vector<store::Turn>& turns, size_t end) {
    std::string out;
    for (size_t i = 0; i < end; ++i) {
      if (turns[i].role != "user") continue;
      if (!out.empty()) out += " | ";
      out += utf8_prefix(turns[i].content, 80);
    }
    if (out.empty()) return out;
    if (out.size() > kSummaryChars) out = std::string(utf8_prefix(out, kSummaryChars));
    return "the customer said: " + out;
  }

  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_optimize_stage(PipelineDeps& deps) { return std::make_unique<OptimizeStage>(deps); }

}  // namespace brainstem::pipeline
