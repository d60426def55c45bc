// Agents (one record is a Cerebral and a Cortex agent): the management API under /v1/agents
// (a user's JWT; bare objects, 422 on validation as Cortex does) and Cortex's
// GET /v1/agents/{agent_id}/config, which shows the configuration exactly as the pipeline
// loads it, from the same cache.
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/crypto.h"
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
    R"("history_turns":{"type":"integer"},"max_facts":{"type":"integer"},"temperature":{"type":"number"},"max_tokens":{"type":"integer"},)"
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

// Actions are stored with their credentials, which API answers never show; a PATCH that
// resends an action without its secret keeps the stored one.
void keep_action_secrets(json::object& patch, const json::object& stored) {
  auto* new_actions = patch.if_contains("actions");
  auto* old_actions = stored.if_contains("actions");
  if (!new_actions || !new_actions->is_array() || !old_actions || !old_actions->is_array()) return;
  for (auto& action : new_actions->as_array()) {
    if (!action.is_object() || action.as_object().contains("auth_secret")) continue;
    for (const auto& old : old_actions->as_array()) {
      if (old.is_object() && old.as_object().if_contains("name") && action.as_object().if_contains("name") &&
          old.as_object().at("name") == action.as_object().at("name") && old.as_object().contains("auth_secret")) {
        action.as_object()["auth_secret"] = old.as_object().at("auth_secret");
      }
    }
  }
}

void validate(const json::object& doc) { check(pipeline::validate_agent_document(doc)); }

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
           store::Agent agent;
           agent.name = f.required_string("name", 1, 200);
           agent.status = read_status(f);
           if (agent.status.empty()) agent.status = "active";
           check(f);
           json::object doc = config_part(body);
           validate(doc);
           agent.id = crypto::uuid_v4();
           agent.tenant_id = ctx.caller().tenant_id;
           agent.config = json_text(doc);
           agent.created_at = agent.updated_at = now_ms();
           check(co_await svc.store.create_agent(agent));
           ctx.audit["agentId"] = agent.id;
           co_return http::Response::json(201, agent_view(agent));
         }});

  t.add({.method = "GET", .path = "/v1/agents", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "List the tenant's agents",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto agents = unwrap(co_await svc.store.list_agents(tenant));
           json::array list;
           for (const auto& a : agents) list.push_back(agent_view(a));
           co_return http::Response::json(200, json::object{{"agents", std::move(list)}});
         }});

  t.add({.method = "GET", .path = "/v1/agents/{id}", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "One agent",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           auto agent = unwrap(co_await svc.store.get_agent(tenant, id));
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
           auto name = f.string("name", 1, 200);
           auto status = read_status(f);
           check(f);
           auto agent = unwrap(co_await svc.store.get_agent(tenant, id));
           json::object doc = json::parse(agent.config).as_object();
           json::object patch = config_part(body);
           keep_action_secrets(patch, doc);
           for (auto& [k, v] : patch) doc[k] = std::move(v);
           validate(doc);
           if (name) agent.name = *name;
           if (!status.empty()) agent.status = status;
           agent.config = json_text(doc);
           auto updated = unwrap(co_await svc.store.update_agent(agent));
           svc.agents.invalidate(id);
           ctx.audit["agentId"] = id;
           co_return http::Response::json(200, agent_view(updated));
         }});

  t.add({.method = "DELETE", .path = "/v1/agents/{id}", .family = Family::kCortex, .auth = Auth::kUser,
         .summary = "Delete an agent and its cached answers", .event = "agent.deleted",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("admin")) throw StatusError(Status::forbidden("only admins delete agents"));
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           check(co_await svc.store.delete_agent(tenant, id));
           svc.agents.invalidate(id);
           svc.cache.flush(tenant, id);
           (void)co_await svc.store.delete_cache_entries(tenant, id);
           ctx.audit["agentId"] = id;
           co_return http::Response::json(200, json::object{{"id", id}, {"deleted", true}});
         }});

  t.add({.method = "GET", .path = "/v1/agents/{agent_id}/config", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "The agent's full configuration as the pipeline loads it (cached; changes apply at once)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("agent_id"));
           auto loaded = co_await svc.agents.load(id);
           if (!loaded || loaded.value()->tenant_id != ctx.caller().tenant_id) throw StatusError(Status::not_found("agent not found"));
           co_return http::Response::json(200, loaded.value()->public_view());
         }});
}

}  // namespace brainstem::api
