// 2. memory: the session's recent turns and the customer's facts, most relevant first. The
// customer's turns of earlier sessions are recalled after the cache check (recall_stage.cpp),
// so a cache hit does not pay for them.
#include "common/clock.h"
#include "common/ids.h"
#include "common/offload.h"
#include "pipeline/stages/stages.h"

#include <algorithm>

namespace brainstem::pipeline {

namespace {

namespace json = boost::json;

std::string identity_text(const json::object& identity, std::string_view key) {
  auto* v = identity.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

class MemoryStage : public Stage {
 public:
  explicit MemoryStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "memory_recall"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const MessageRequest& req = state.request;
    const AgentConfig& agent = *state.agent;
    std::string customer = co_await customer_of(req);
    state.result.customer_id = customer;
    state.result.session_id = req.session_id;
    store::RecallQuery query;
    query.tenant_id = req.tenant_id;
    query.agent_id = agent.id;
    query.session_id = req.session_id;
    query.turns = agent.history_turns;
    if (agent.max_facts > 0) query.customer_id = customer;
    auto recalled = co_await deps_.store.recall(query);
    if (!recalled.ok()) throw StatusError(recalled.status());
    state.history = std::move(recalled->turns);
    state.facts = rank_facts(std::move(recalled->facts), req.message, static_cast<size_t>(agent.max_facts));
    co_return true;
  }

 private:
  // The customer the message is about: none for anonymous keys; the given id; or the
  // customer found (or created) by the identity's email or phone.
  boost::asio::awaitable<std::string> customer_of(const MessageRequest& req) {
    if (req.identity_mode == "anonymous") co_return std::string();
    if (!req.customer_id.empty() || req.identity.empty()) co_return req.customer_id;
    store::Customer c;
    c.tenant_id = req.tenant_id;
    c.email = identity_text(req.identity, "email");
    c.phone = identity_text(req.identity, "phone");
    c.name = identity_text(req.identity, "name");
    if (c.email.empty() && c.phone.empty()) co_return std::string();
    c.id = random_id("cust_", 12);
    c.created_at = c.updated_at = now_ms();
    auto stored = co_await deps_.store.upsert_customer(c);
    if (!stored) throw StatusError(stored.status());
    co_return stored->id;
  }

  // Facts most related to the message first; confidence breaks near-ties.
  std::vector<store::MemoryFact> rank_facts(std::vector<store::MemoryFact> facts, const std::string& message, size_t keep) {
    if (facts.size() > 1) {
      auto query = deps_.embedder.embed_one(message);
      std::vector<std::pair<double, size_t>> scored;
      for (size_t i = 0; i < facts.size(); ++i) {
        double relevance = models::cosine(query, deps_.embedder.embed_one(facts[i].fact));
        scored.emplace_back(0.7 * relevance + 0.3 * facts[i].confidence, i);
      }
      std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      std::vector<store::MemoryFact> ranked;
      for (const auto& [_, i] : scored) ranked.push_back(std::move(facts[i]));
      facts = std::move(ranked);
    }
    if (facts.size() > keep) facts.resize(keep);
    return facts;
  }

  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_memory_stage(PipelineDeps& deps) { return std::make_unique<MemoryStage>(deps); }

}  // namespace brainstem::pipeline
