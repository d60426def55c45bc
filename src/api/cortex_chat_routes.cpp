// Cortex (seed 004): the message pipeline (/v1/chat), customer memory facts and the semantic
// cache. Every call is scoped to the caller's company; a company_id naming another one is 403.
#include "api/agent_message.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/crypto.h"
#include "common/ids.h"

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

void check_company(const std::optional<std::string>& company_id, const RequestContext& ctx) {
  if (company_id && !company_id->empty() && *company_id != ctx.caller().tenant_id) {
    throw StatusError(Status::forbidden("company_id does not match your credentials"));
  }
}

json::object chat_body(const pipeline::MessageResult& r) {
  json::object timings;
  for (const auto& [name, ms] : r.step_timings) timings[name] = name == "tool_call_rounds" ? json::value(int64_t(ms)) : json::value(ms);
  return {{"reply", r.reply},
          {"model_used", r.model_used},
          {"tier", r.tier.empty() ? json::value(nullptr) : json::value(r.tier)},
          {"cached", r.cached},
          {"actions_executed", json::array(r.actions_executed.begin(), r.actions_executed.end())},
          {"latency_ms", r.latency_ms},
          {"tokens", json::object{{"input", r.tokens.input}, {"output", r.tokens.output}, {"cost_usd", r.tokens.cost_usd}}},
          {"context_tokens", json::object{{"before_compression", r.context_before},
                                          {"after_compression", r.context_after},
                                          {"savings_pct", r.savings_pct()}}},
          {"step_timings", std::move(timings)},
          {"conversation_id", r.session_id},
          {"execution_id", r.execution_id}};
}

json::object fact_view(const store::MemoryFact& f) {
  return {{"id", f.id}, {"fact", f.fact}, {"category", f.category}, {"confidence", f.confidence}, {"source", f.source},
          {"agent_id", f.agent_id.empty() ? json::value(nullptr) : json::value(f.agent_id)}, {"created_at", iso8601(f.created_at)},
          {"subject", f.subject.empty() ? json::value(nullptr) : json::value(f.subject)},
          {"superseded_by", f.superseded_by.empty() ? json::value(nullptr) : json::value(f.superseded_by)}};
}

void add_chat_and_memory_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/chat", .family = Family::kCortex, .auth = Auth::kAny, .generates = true,
         .summary = "Process a message through the eight-stage pipeline (\"stream\": true for SSE)",
         .request_schema = R"({"type":"object","required":["company_id","agent_id","conversation_id","customer_id","message"],"properties":{"company_id":{"type":"string"},"agent_id":{"type":"string"},"conversation_id":{"type":"string"},"customer_id":{"type":"string"},"message":{"type":"string","minLength":1,"maxLength":16000},"channel":{"type":"string"},"metadata":{"type":"object","maxProperties":20},"stream":{"type":"boolean"}}})",
         .response_schema = R"({"type":"object","properties":{"reply":{"type":"string"},"model_used":{"type":"string"},"cached":{"type":"boolean"},"actions_executed":{"type":"array"},"latency_ms":{"type":"number"},"tokens":{"type":"object"},"context_tokens":{"type":"object"},"step_timings":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           pipeline::MessageRequest m;
           auto company = f.required_string("company_id", 1, 100);
           m.agent_id = f.required_string("agent_id", 1, 100);
           m.session_id = f.required_string("conversation_id", 1, 200);
           m.customer_id = f.required_string("customer_id", 1, 200);
           m.message = f.required_string("message", 1, 16000);
           m.channel = f.string("channel", 1, 50).value_or("whatsapp");
           if (auto* meta = f.object("metadata")) {
             if (meta->size() > 20) f.fail("metadata", "at most 20 keys");
             m.metadata = *meta;
           }
           bool stream = f.boolean("stream").value_or(false);
           check(f);
           check_company(company, ctx);
           fill_caller(m, ctx);
           if (stream) {
             RenderDone done = [](const pipeline::MessageResult& r) { return json::value(chat_body(r)); };
             co_return co_await stream_message(svc, std::move(m), std::move(done));
           }
           RenderResult render = [](const pipeline::MessageResult& r) { return http::Response::json(200, chat_body(r)); };
           co_return co_await answer_message(svc, std::move(m), render);
         }});

  t.add({.method = "POST", .path = "/v1/memory/{customer_id}", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Query a customer's memory facts (optionally filtered by a query; include_history adds superseded ones)",
         .request_schema = R"({"type":"object","required":["company_id"],"properties":{"company_id":{"type":"string"},"query":{"type":"string"},"agent_id":{"type":"string"},"include_history":{"type":"boolean"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string customer(req.param("customer_id"));
           auto body = json_body(req);
           FieldReader f(body);
           auto company = f.required_string("company_id", 1, 100);
           auto query = f.string("query", 0, 2000).value_or("");
           auto agent = f.string("agent_id", 0, 100).value_or("");
           bool history = f.boolean("include_history").value_or(false);
           check(f);
           check_company(company, ctx);
           auto tenant = ctx.caller().tenant_id;
           std::vector<store::MemoryFact> facts;
           if (history) facts = unwrap(co_await svc.conversations.fact_history(tenant, customer));
           else facts = unwrap(co_await svc.conversations.facts(tenant, customer, agent, query));
           json::array list;
           for (const auto& fact : facts) list.push_back(fact_view(fact));
           co_return http::Response::json(200, json::object{{"customer_id", customer}, {"company_id", tenant},
                                                            {"fact_count", list.size()}, {"knowledge_doc_count", 0},
                                                            {"kb_entry_count", 0}, {"facts", std::move(list)},
                                                            {"knowledge_snippets", json::array()}, {"kb_entries", json::array()}});
         }});

  t.add({.method = "POST", .path = "/v1/memory/{customer_id}/save", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Save a memory fact about a customer", .event = "memory.fact_saved",
         .request_schema = R"({"type":"object","required":["company_id","fact"],"properties":{"company_id":{"type":"string"},"fact":{"type":"string","minLength":1,"maxLength":2000},"category":{"enum":["preference","history","sentiment","context","general"]},"confidence":{"type":"number","minimum":0,"maximum":1},"source":{"type":"string"},"agent_id":{"type":"string"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           store::MemoryFact fact;
           fact.customer_id = std::string(req.param("customer_id"));
           auto company = f.required_string("company_id", 1, 100);
           fact.fact = f.required_string("fact", 1, 2000);
           fact.category = f.one_of("category", {"preference", "history", "sentiment", "context", "general"}).value_or("general");
           fact.confidence = f.number("confidence", 0, 1).value_or(1.0);
           fact.source = f.string("source", 1, 50).value_or("manual");
           fact.agent_id = f.string("agent_id", 0, 100).value_or("");
           check(f);
           check_company(company, ctx);
           fact.tenant_id = ctx.caller().tenant_id;
           auto saved = unwrap(co_await svc.conversations.save_fact(std::move(fact)));
           ctx.audit["factId"] = saved.id;
           co_return http::Response::json(200, json::object{{"customer_id", saved.customer_id}, {"fact_id", saved.id}, {"saved", true}});
         }});

  t.add({.method = "DELETE", .path = "/v1/memory/fact/{fact_id}", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Delete a memory fact", .event = "memory.fact_deleted",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("fact_id"));
           auto tenant = ctx.caller().tenant_id;
           check(co_await svc.conversations.delete_fact(tenant, id));
           ctx.audit["factId"] = id;
           co_return http::Response::json(200, json::object{{"fact_id", id}, {"deleted", true}});
         }});
}

void add_cache_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/cache/warm", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Pre-warm the semantic cache with question/answer pairs",
         .request_schema = R"({"type":"object","required":["company_id","agent_id","pairs"],"properties":{"company_id":{"type":"string"},"agent_id":{"type":"string"},"pairs":{"type":"array","maxItems":1000,"items":{"type":"object","properties":{"question":{"type":"string"},"answer":{"type":"string"}}}}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto company = f.required_string("company_id", 1, 100);
           auto agent_id = f.required_string("agent_id", 1, 100);
           const auto* pairs = body.if_contains("pairs");
           if (!pairs || !pairs->is_array()) f.fail("pairs", "field required: an array of {question, answer}");
           else if (pairs->as_array().size() > 1000) f.fail("pairs", "at most 1000 pairs per call");
           check(f);
           check_company(company, ctx);
           auto tenant = ctx.caller().tenant_id;
           std::vector<services::AnswerPair> answers;
           int64_t errored = 0;
           for (const auto& p : pairs->as_array()) {
             const auto* o = p.if_object();
             const auto* q = o ? o->if_contains("question") : nullptr;
             const auto* a = o ? o->if_contains("answer") : nullptr;
             if (!q || !a || !q->is_string() || !a->is_string() || q->as_string().empty() || a->as_string().empty()) {
               ++errored;
               continue;
             }
             answers.push_back({std::string(q->as_string()), std::string(a->as_string())});
           }
           auto stored = unwrap(co_await svc.answers.warm(tenant, agent_id, std::move(answers)));
           co_return http::Response::json(200, json::object{{"status", "completed"}, {"pairs_stored", stored},
                                                            {"pairs_errored", errored}, {"pairs_total", pairs->as_array().size()}});
         }});

  t.add({.method = "DELETE", .path = "/v1/cache/flush", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Flush cached answers of the company, optionally of one agent",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           check_company(req.query_param("company_id"), ctx);
           auto tenant = ctx.caller().tenant_id;
           auto agent = req.query_param("agent_id").value_or("");
           auto deleted = unwrap(co_await svc.answers.flush(tenant, agent));
           co_return http::Response::json(200, json::object{{"status", "flushed"}, {"entries_deleted", deleted}});
         }});

  t.add({.method = "GET", .path = "/v1/cache/stats", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Semantic cache statistics for the company",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto s = svc.answers.stats(ctx.caller().tenant_id);
           co_return http::Response::json(200, json::object{{"status", "active"}, {"index_name", "brainstem_semantic_cache"},
                                                            {"num_docs", s.entries}, {"num_records", s.entries},
                                                            {"indexing", "complete"}, {"hits", s.hits}, {"misses", s.misses}});
         }});
}

}  // namespace

void add_cortex_chat_routes(RouteTable& t, Services& svc) {
  add_chat_and_memory_routes(t, svc);
  add_cache_routes(t, svc);
}

}  // namespace brainstem::api
