// Cendriix (seed 002) conversations: the same sessions and turns as Cerebral session_id and
// Cortex conversation_id, under an agent. A conversation is created with a first "system"
// turn that holds its title, so it exists (and lists) before its first message.
#include "api/agent_message.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/ids.h"
#include "common/json_text.h"

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kHistoryLimit = 500;

json::object conversation_view(const store::Session& s) {
  return {{"id", s.id},
          {"agentId", s.agent_id},
          {"customerId", s.customer_id.empty() ? json::value(nullptr) : json::value(s.customer_id)},
          {"messageCount", s.turn_count},
          {"createdAt", iso8601(s.created_at)},
          {"updatedAt", iso8601(s.updated_at)}};
}

json::object message_view(const store::Turn& t) {
  return {{"id", t.id}, {"seq", t.seq}, {"role", t.role}, {"content", t.content}, {"createdAt", iso8601(t.created_at)}};
}

}  // namespace

void add_conversation_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/conversations", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Create a conversation with an agent",
         .request_schema = R"({"type":"object","required":["agentId"],"properties":{"agentId":{"type":"string"},"title":{"type":"string","maxLength":200},"customerId":{"type":"string"}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req, true);
           FieldReader f(body);
           auto agent_id = f.required_string("agentId", 1, 100);
           auto title = f.string("title", 0, 200).value_or("New conversation");
           auto customer = f.string("customerId", 1, 200).value_or("");
           check(f);
           auto tenant = ctx.caller().tenant_id;
           auto session = unwrap(co_await svc.conversations.open(tenant, agent_id, title, customer));
           json::object out = conversation_view(session);
           out["title"] = title;
           co_return http::Response::json(201, out);
         }});

  t.add({.method = "GET", .path = "/v1/conversations", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The tenant's conversations, most recent first (?agentId= for one agent's)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto agent = req.query_param("agentId").value_or("");
           auto sessions = unwrap(co_await svc.conversations.list(tenant, agent, 100));
           json::array list;
           for (const auto& s : sessions) list.push_back(conversation_view(s));
           co_return http::Response::json(200, json::object{{"conversations", std::move(list)}});
         }});

  t.add({.method = "GET", .path = "/v1/conversations/:id", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "A conversation with its message history",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           auto history = unwrap(co_await svc.conversations.history(tenant, id, kHistoryLimit));
           json::array messages;
           for (const auto& turn : history.turns) messages.push_back(message_view(turn));
           json::object out = conversation_view(history.session);
           out["messages"] = std::move(messages);
           co_return http::Response::json(200, out);
         }});

  t.add({.method = "POST", .path = "/v1/conversations/:id/messages", .family = Family::kCendriix, .auth = Auth::kAny, .generates = true,
         .summary = "Send a message; the conversation's agent answers through the pipeline",
         .request_schema = R"({"type":"object","required":["content"],"properties":{"content":{"type":"string","minLength":1,"maxLength":32000},"context":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto body = json_body(req);
           FieldReader f(body);
           pipeline::MessageRequest m;
           m.message = f.required_string("content", 1, 32000);
           if (auto* context = f.object("context")) m.metadata = *context;
           check(f);
           auto tenant = ctx.caller().tenant_id;
           auto session = unwrap(co_await svc.conversations.get(tenant, id));
           m.agent_id = session.agent_id;
           m.session_id = id;
           m.customer_id = session.customer_id;
           m.channel = "conversation";
           fill_caller(m, ctx);
           RenderResult render = [id](const pipeline::MessageResult& r) {
             return http::Response::json(200, json::object{
                 {"conversationId", id},
                 {"message", json::object{{"role", "assistant"}, {"content", r.reply}}},
                 {"model", r.model_used},
                 {"cached", r.cached},
                 {"actionsExecuted", json::array(r.actions_executed.begin(), r.actions_executed.end())},
                 {"usage", json::object{{"inputTokens", r.tokens.input}, {"outputTokens", r.tokens.output}, {"costUsd", r.tokens.cost_usd}}},
                 {"latencyMs", r.latency_ms},
                 {"executionId", r.execution_id}});
           };
           co_return co_await answer_message(svc, std::move(m), render);
         }});
}

}  // namespace brainstem::api
