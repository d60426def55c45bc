// 8. actions: what follows the answer. Records the turns of the session and the customer,
// extracts customer facts, stores the answer in the semantic cache, meters usage and
// publishes `message.received`, `conversation.completed` (not for cached answers) and, when
// the customer asked for a person, `escalation.created` to the tenant's webhooks. On a cache hit only the turns
// and the (free) usage are recorded, the turns after the answer has gone.
#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "common/offload.h"
#include "pipeline/escalation.h"
#include "pipeline/fact_consolidation.h"
#include "pipeline/fact_extractor.h"
#include "pipeline/stages/stages.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <unordered_set>
#include <spdlog/spdlog.h>

namespace brainstem::pipeline {

namespace {

namespace json = boost::json;

std::string text_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

class ActionsStage : public Stage {
 public:
  explicit ActionsStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "post_actions"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const MessageRequest& req = state.request;
    state.result.escalation = escalation_reason(req.message);
    const MessageResult& result = state.result;
    const int64_t now = now_ms();
    std::vector<store::Turn> turns = session_turns(state, now);
    std::vector<store::MemoryFact> facts;
    if (!result.cached && !result.customer_id.empty()) {
      if (deps_.model_fact_extraction && !deps_.models.is_extractive(result.model_used)) {
        auto executor = co_await boost::asio::this_coro::executor;
        FactJob job{req.tenant_id, req.key_id, state.agent->id, result.customer_id, req.message, req.request_id, state.hints,
                    state.facts};
        deps_.background.spawn(executor, extract_with_model(deps_, std::move(job)));
      } else {
        facts = memory_facts(deps_, req.tenant_id, result.customer_id, extract_facts(req.message), "extracted", now,
                             state.facts);
      }
    }
    std::optional<store::Customer> customer = customer_record(state, now);
    std::optional<store::CacheEntry> cache_entry = cacheable(state, now);

    std::optional<store::CacheEntry> cached_copy = cache_entry;
    store::ConversationRecord record{std::move(customer), std::move(turns), std::move(facts), std::move(cache_entry)};
    if (result.cached && !deps_.conversations.backlogged()) {
      // A cache hit skips the model and answers at once; its turns are recorded behind it
      // (unless the writer is behind: then it waits like any other answer).
      auto executor = co_await boost::asio::this_coro::executor;
      deps_.background.spawn(executor, record_later(deps_.conversations, std::move(record), req.request_id));
    } else {
      Status saved = co_await deps_.conversations.write(std::move(record));
      if (!saved.is_ok()) throw StatusError(saved);
    }
    if (cached_copy) deps_.cache.insert(*cached_copy);

    store::UsageRecord usage{req.tenant_id, req.key_id, state.agent->id, result.model_used, "message",
                             result.tokens.input, result.tokens.output, result.tokens.cost_usd, result.cached, now};
    deps_.usage.record(std::move(usage));
    // Named strings: GCC 12 mishandles a temporary built inside a co_await expression.
    const std::string received = "message.received", completed = "conversation.completed",
                      escalated = "escalation.created";
    co_await publish_event(state, received, now);
    if (!result.cached) co_await publish_event(state, completed, now);
    if (!result.escalation.empty()) co_await publish_event(state, escalated, now);
    co_return true;
  }

 private:
  static boost::asio::awaitable<void> record_later(ConversationWriter& writer, store::ConversationRecord record,
                                                  std::string request_id) {
    Status saved = co_await writer.write(std::move(record));
    if (!saved.is_ok()) spdlog::warn("{} turns of a cached answer not recorded: {}", request_id, saved.message());
  }

  static std::vector<store::Turn> session_turns(const PipelineState& state, int64_t now) {
    const MessageRequest& req = state.request;
    if (req.session_id.empty()) return {};
    json::object meta{{"model", state.result.model_used}, {"cached", state.result.cached},
                      {"execution_id", state.result.execution_id}, {"channel", req.channel}};
    if (!state.result.actions_executed.empty()) {
      meta["actions_executed"] = json::array(state.result.actions_executed.begin(), state.result.actions_executed.end());
    }
    auto turn = [&](std::string role, std::string content, int64_t tokens, std::string metadata) {
      return store::Turn{time_ordered_id("turn_", now_us(), 12), req.tenant_id, state.agent->id, req.session_id, 0,
                         std::move(role), std::move(content), state.result.customer_id, tokens, std::move(metadata), now};
    };
    std::vector<store::Turn> turns;  // pushed, not braced: a braced list would copy each turn
    turns.reserve(2);
    turns.push_back(turn("user", req.message, state.result.tokens.input, json_text(json::object{{"channel", req.channel}})));
    turns.push_back(turn("assistant", state.result.reply, state.result.tokens.output, json_text(meta)));
    return turns;
  }

  // The facts found, consolidated with the customer's current ones (those the memory stage read).
  static std::vector<store::MemoryFact> memory_facts(const PipelineDeps& deps, const std::string& tenant_id,
                                                    const std::string& customer_id, std::vector<ExtractedFact> found,
                                                    const char* source, int64_t now,
                                                    const std::vector<store::MemoryFact>& current) {
    std::vector<store::MemoryFact> out;
    for (auto& f : found) {
      store::MemoryFact fact{crypto::uuid_v4(), tenant_id, customer_id, "", std::move(f.fact), std::move(f.category),
                             f.confidence, source, now, now};
      consolidate_fact(fact, current, deps.embedder);
      if (f.replaces >= 0 && static_cast<size_t>(f.replaces) < current.size()) fact.supersedes = current[f.replaces].id;
      out.push_back(std::move(fact));
    }
    return out;
  }

  struct FactJob {
    std::string tenant_id, key_id, agent_id, customer_id, message, request_id;
    models::RouteHints hints;
    std::vector<store::MemoryFact> current_facts;
  };

  // Asks the model that answered for the message's facts, after the answer has gone; rules
  // take over when the model fails or answers something else than the JSON asked for.
  static boost::asio::awaitable<void> extract_with_model(PipelineDeps& deps, FactJob job) {
    models::ChatRequest request;
    std::vector<std::string> known;
    for (const auto& f : job.current_facts) known.push_back(f.fact);
    request.messages = {{"system", fact_extraction_prompt(), "", "", {}},
                        {"user", fact_extraction_input(job.message, known), "", "", {}}};
    request.temperature = 0.0;
    request.max_tokens = 300;
    const models::DeltaSink none;
    auto routed = co_await deps.router.chat(job.hints, std::move(request), none);
    std::optional<std::vector<ExtractedFact>> found;
    const char* source = "extracted";
    if (routed) {
      deps.usage.record(store::UsageRecord{job.tenant_id, job.key_id, job.agent_id, routed->model, "fact_extraction",
                                           routed->response.usage.prompt_tokens, routed->response.usage.completion_tokens,
                                           routed->cost_usd, false, now_ms()});
      found = parse_extracted_facts(routed->response.content);
      if (found) source = "extracted:model";
    }
    if (!found) found = extract_facts(job.message);
    if (found->empty()) co_return;
    store::ConversationRecord record;
    record.facts = memory_facts(deps, job.tenant_id, job.customer_id, std::move(*found), source, now_ms(), job.current_facts);
    Status saved = co_await deps.conversations.write(std::move(record));
    if (!saved.is_ok()) spdlog::warn("{} extracted facts not saved: {}", job.request_id, saved.message());
  }

  // A message naming a customer creates that customer's record, or updates it from the
  // message's identity; a customer already recorded by this process with nothing new is
  // left alone.
  std::optional<store::Customer> customer_record(const PipelineState& state, int64_t now) {
    const MessageRequest& req = state.request;
    if (req.customer_id.empty() || req.identity_mode == "anonymous") return std::nullopt;
    if (req.identity.empty() && !first_sight(req.tenant_id + '/' + req.customer_id)) return std::nullopt;
    store::Customer c;
    c.id = req.customer_id;
    c.tenant_id = req.tenant_id;
    c.email = text_field(req.identity, "email");
    c.phone = text_field(req.identity, "phone");
    c.name = text_field(req.identity, "name");
    c.created_at = c.updated_at = now;
    return c;
  }

  // Only first-turn answers made without tools are cached: a follow-up depends on its
  // conversation, a tool's answer on the moment. An answer that used the customer's facts or
  // earlier turns is cached for that customer only.
  std::optional<store::CacheEntry> cacheable(const PipelineState& state, int64_t now) const {
    const MessageResult& r = state.result;
    if (r.cached || !state.agent->cache_enabled || state.used_tools() || r.reply.empty() || deps_.models.is_extractive(r.model_used)) {
      return std::nullopt;
    }
    if (!state.history.empty() || !state.earlier_summary.empty() || state.question_embedding.empty()) return std::nullopt;
    return store::CacheEntry{random_id("ce_", 16), state.request.tenant_id, state.agent->id,
                             state.facts.empty() && state.recalled.empty() ? std::string() : r.customer_id,
                             state.request.message, r.reply,
                             r.model_used, state.question_embedding, now};
  }

  // The payload names the agent, session, customer and execution; `message` is the answer,
  // except in message.received, where it is the customer's message.
  boost::asio::awaitable<void> publish_event(const PipelineState& state, const std::string& event, int64_t now) {
    const MessageRequest& req = state.request;
    if (!deps_.webhooks.may_subscribe(req.tenant_id, event)) co_return;
    json::object payload{{"event", event}, {"cerebral_id", state.agent->id}, {"agent_id", state.agent->id},
                         {"session_id", req.session_id}, {"customer_id", state.result.customer_id},
                         {"execution_id", state.result.execution_id}, {"channel", req.channel},
                         {"timestamp", iso8601(now)}};
    if (event == "message.received") {
      payload["message"] = req.message;
      payload["cached"] = state.result.cached;
    } else {
      payload["message"] = state.result.reply;
    }
    if (event == "escalation.created") {
      payload["reason"] = state.result.escalation;
      payload["customer_message"] = req.message;
    }
    // Delivery happens in the background; the answer does not wait for it.
    auto executor = co_await boost::asio::this_coro::executor;
    deps_.background.spawn(executor, publish(deps_.webhooks, req.tenant_id, event, std::move(payload)));
  }

  static boost::asio::awaitable<void> publish(ops::WebhookDispatcher& webhooks, std::string tenant_id, std::string event,
                                              json::object payload) {
    Result<int> queued = Status::unavailable("not queued");
    try {
      queued = co_await webhooks.publish(tenant_id, event, std::move(payload));
    } catch (const StatusError& e) {
      queued = e.status;
    }
    if (!queued) spdlog::warn("{} for tenant {} not queued: {}", event, tenant_id, queued.status().message());
  }

  // True the first time this process records the customer (bounded: forgets all when full).
  bool first_sight(const std::string& key) {
    std::lock_guard lock(seen_mu_);
    if (seen_.size() >= kMaxSeen) seen_.clear();
    return seen_.insert(key).second;
  }

  static constexpr size_t kMaxSeen = 100000;
  PipelineDeps& deps_;
  std::mutex seen_mu_;
  std::unordered_set<std::string> seen_;
};

}  // namespace

std::unique_ptr<Stage> make_actions_stage(PipelineDeps& deps) { return std::make_unique<ActionsStage>(deps); }

}  // namespace brainstem::pipeline
