// Agents (one record is a Cerebral and a Cortex agent): the management API under /v1/agents
// (a user's JWT; bare objects, 422 on validation as Cortex does) and Cortex's
// GET /v1/agents/{agent_id}/config, which shows the configuration exactly as the pipeline
// loads it, from the same cache.
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/json_text.h"

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kAgentSchema =
    R"({"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1,"maxLength":200},)"
    R"("status":{"enum":["draft","active","paused"]},"model":{"type":"string"},"model_policy":{"type":"object"},)"
    R"("personality":{"type":"object"},"dialect":{"type":"object"},"language":{"type":"string"},"system_prompt":{"type":"string"},)"
    R"("faqs":{"type":"array","items":{"type":"object","properties":{"question":{"type":"string"},"answer":{"type":"string"}}}},)"
    R"("scenarios":{"type":"array"},"knowledge_source_ids":{"type":"array","items":{"type":"string"}},)"
    R"("actions":{"type":"array","items":{"type":"object"}},"token_budget":{"type":"integer"},"max_tool_rounds":{"type":"integer","maximum":5},)"
    R"("history_turns":{"type":"integer"},"max_facts":{"type":"integer"},"recall_turns":{"type":"integer"},"recall_across_agents":{"type":"boolean"},)"
    R"("temperature":{"type":"number"},"max_tokens":{"type":"integer"},)"
    R"("cache":{"type":"object","properties":{"enabled":{"type":"boolean"},"threshold":{"type":"number"}}}}})";

// Keys of an agent document that are record fields, not configuration.
bool is_record_field(std::string_view key) { return key == "id" || key == "name" || key == "status" || key == "company_id"; }

json::object config_part(const json::object& body) {
  json::object doc;
  for (const auto& [k, v] : body) {
    if (!is_record_field(k)) doc[k] = v;
  }
  return doc;
}

json::object agent_view(const store::Agent& agent) {
  auto parsed = pipeline::parse_agent(agent);
  if (!parsed) throw StatusError(parsed.status());
  json::object out = parsed.value()->public_view();
  out["created_at"] = iso8601(agent.created_at);
  out["updated_at"] = iso8601(agent.updated_at);
  return out;
}

std::string read_status(FieldReader& f) { return f.one_of("status", {"draft", "active", "paused"}).value_or(""); }

}  // namespace

void add_agent_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/agents", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "Create an agent with its full configuration", .event = "agent.created",
         .request_schema = kAgentSchema, .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("member")) throw StatusError(Status::forbidden("viewers cannot create agents"));
           auto body = json_body(req);
           FieldReader f(body);
           services::AgentDraft draft;
           draft.name = f.required_string("name", 1, 200);
           if (auto status = read_status(f); !status.empty()) draft.status = status;
           check(f);
           draft.config = config_part(body);
           auto agent = unwrap(co_await svc.agents.create(ctx.caller().tenant_id, std::move(draft)));
           ctx.audit["agentId"] = agent.id;
           co_return http::Response::json(201, agent_view(agent));
         }});

  t.add({.method = "GET", .path = "/v1/agents", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "List the tenant's agents",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto agents = unwrap(co_await svc.agents.list(tenant));
           json::array list;
           for (const auto& a : agents) list.push_back(agent_view(a));
           co_return http::Response::json(200, json::object{{"agents", std::move(list)}});
         }});

  t.add({.method = "GET", .path = "/v1/agents/{id}", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "One agent",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           auto agent = unwrap(co_await svc.agents.get(tenant, id));
           co_return http::Response::json(200, agent_view(agent));
         }});

  t.add({.method = "PATCH", .path = "/v1/agents/{id}", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "Change an agent: the fields given replace the stored ones", .event = "agent.updated",
         .request_schema = R"({"type":"object"})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("member")) throw StatusError(Status::forbidden("viewers cannot change agents"));
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           auto body = json_body(req);
           FieldReader f(body);
           services::AgentChange change;
           change.name = f.string("name", 1, 200);
           if (auto status = read_status(f); !status.empty()) change.status = status;
           check(f);
           change.config = config_part(body);
           auto updated = unwrap(co_await svc.agents.update(tenant, id, std::move(change)));
           ctx.audit["agentId"] = id;
           co_return http::Response::json(200, agent_view(updated));
         }});

  t.add({.method = "DELETE", .path = "/v1/agents/{id}", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "Delete an agent and its cached answers", .event = "agent.deleted",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("admin")) throw StatusError(Status::forbidden("only admins delete agents"));
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           check(co_await svc.agents.remove(tenant, id));
           ctx.audit["agentId"] = id;
           co_return http::Response::json(200, json::object{{"id", id}, {"deleted", true}});
         }});

  t.add({.method = "GET", .path = "/v1/agents/{agent_id}/config", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "The agent's full configuration as the pipeline loads it (cached; changes apply at once)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("agent_id"));
           auto loaded = unwrap(co_await svc.agents.config(ctx.caller().tenant_id, id));
           co_return http::Response::json(200, loaded->public_view());
         }});
}

}  // namespace brainstem::api
