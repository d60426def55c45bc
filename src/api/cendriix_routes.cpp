// Cendriix (seed 002): workspaces, members and the audit log. Bare objects; errors carry the
// seed's snake_case codes and, on validation, Zod-style fieldErrors.
#include "api/chat_relay.h"
#include "api/handler_util.h"
#include "api/routes.h"

#include <algorithm>
#include <ctime>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object workspace_view(const store::Tenant& t, const std::string& role) {
  return {{"id", t.id}, {"name", t.name}, {"slug", t.slug}, {"plan", t.plan},
          {"role", role}, {"createdAt", iso8601(t.created_at)}};
}

json::object member_view(const store::Member& m) {
  return {{"userId", m.user_id}, {"email", m.email}, {"displayName", m.name},
          {"role", m.role}, {"joinedAt", iso8601(m.joined_at)}};
}

json::object entry_view(const store::AuditEntry& e) {
  boost::system::error_code ec;
  json::value payload = json::parse(e.payload, ec);
  return {{"id", e.id},          {"seq", e.seq},           {"timestamp", iso8601(e.timestamp)},
          {"actor", e.actor},    {"eventType", e.event_type}, {"payload", ec ? json::value(e.payload) : payload},
          {"prevHash", e.prev_hash}, {"hash", e.hash}};
}

// Midnight UTC of the first day of the month `unix_ms` falls in.
int64_t start_of_month_ms(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  utc.tm_mday = 1;
  utc.tm_hour = utc.tm_min = utc.tm_sec = 0;
  return static_cast<int64_t>(timegm(&utc)) * 1000;
}

void require_admin(const RequestContext& ctx, const char* what) {
  if (ctx.caller().is_user() && ctx.caller().rank() < auth::role_rank("admin")) {
    throw StatusError(Status::forbidden(std::string("owner or admin role required to ") + what));
  }
  if (ctx.caller().is_key() && !ctx.caller().has_scope("audit:read")) {
    throw StatusError(Status::forbidden(std::string("this API key lacks the audit:read scope to ") + what));
  }
}

// Routing-health tier of a model's record: A healthy, B degraded, C failing.
std::string health_tier(const models::CircuitSnapshot& c) {
  int64_t total = c.successes + c.failures;
  double rate = total ? double(c.successes) / double(total) : 1.0;
  if (c.state == models::CircuitState::kOpen || rate < 0.8) return "C";
  if (c.state == models::CircuitState::kHalfOpen || rate < 0.95) return "B";
  return "A";
}

}  // namespace

namespace {

void add_model_router_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/model-router/complete", .family = Family::kCendriix, .auth = Auth::kAny, .generates = true,
         .summary = "Inference through the routing policy, with fallbacks",
         .request_schema = R"({"type":"object","required":["prompt"],"properties":{"prompt":{"type":"string"},"taskType":{"enum":["code_generation","reasoning","summarisation","classification","general"]},"maxTokens":{"type":"integer","minimum":1},"systemPrompt":{"type":"string"},"requiredCapabilities":{"type":"array","items":{"type":"string"}},"policyHint":{"enum":["cost","latency"]},"maxCostUsd":{"type":"number","minimum":0}}})",
         .response_schema = R"({"type":"object","properties":{"modelId":{"type":"string"},"provider":{"type":"string"},"response":{"type":"string"},"inputTokens":{"type":"integer"},"outputTokens":{"type":"integer"},"latencyMs":{"type":"number"},"estimatedCostUsd":{"type":"number"},"usedFallback":{"type":"boolean"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           models::ChatRequest chat;
           models::RouteHints hints;
           std::string prompt = f.required_string("prompt", 1, 1 << 20);
           hints.task_type = f.one_of("taskType", {"code_generation", "reasoning", "summarisation", "classification", "general"}).value_or("");
           if (auto n = f.integer("maxTokens", 1, 1 << 20)) chat.max_tokens = static_cast<int>(*n);
           std::string system = f.string("systemPrompt", 0, 1 << 20).value_or("");
           hints.capabilities = f.string_array("requiredCapabilities", 32).value_or(std::vector<std::string>{});
           hints.policy = f.one_of("policyHint", {"cost", "latency"}).value_or("");
           hints.max_cost_usd = f.number("maxCostUsd", 0, 1e9);
           check(f);
           if (!system.empty()) chat.messages.push_back({.role = "system", .content = system});
           chat.messages.push_back({.role = "user", .content = prompt});
           // A rough pre-call estimate for the cost ceiling: ~4 characters per token.
           hints.expected_prompt_tokens = static_cast<int64_t>((prompt.size() + system.size()) / 4 + 1);
           hints.expected_completion_tokens = chat.max_tokens.value_or(256);
           auto routed = co_await routed_chat(svc, ctx, hints, std::move(chat), "complete");
           const auto* spec = svc.models.spec(routed.model);
           auto res = http::Response::json(200, json::object{{"modelId", routed.model},
                                                             {"provider", spec ? spec->provider : ""},
                                                             {"response", routed.response.content},
                                                             {"inputTokens", routed.response.usage.prompt_tokens},
                                                             {"outputTokens", routed.response.usage.completion_tokens},
                                                             {"latencyMs", routed.latency_ms},
                                                             {"estimatedCostUsd", routed.cost_usd},
                                                             {"usedFallback", routed.used_fallback}});
           set_circuit_headers(res, svc.router, routed);
           co_return res;
         }});

  t.add({.method = "GET", .path = "/v1/model-router/models", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "The model catalogue grouped by source (native: embedded; orchestrated: remote endpoints)",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           json::array native, orchestrated;
           for (const auto& spec : svc.models.specs()) {
             auto info = svc.models.find(spec.id)->info();
             json::object m{{"modelId", spec.id}, {"provider", spec.provider}, {"tier", spec.tier},
                            {"taskTypes", json::array(spec.task_types.begin(), spec.task_types.end())},
                            {"languages", json::array(spec.languages.begin(), spec.languages.end())},
                            {"pricePer1kInputUsd", spec.price_in_per_1k}, {"pricePer1kOutputUsd", spec.price_out_per_1k},
                            {"contextSize", info.context_size}, {"supportsTools", info.supports_tools}, {"loaded", info.loaded}};
             (spec.provider == "llama" ? native : orchestrated).push_back(std::move(m));
           }
           co_return http::Response::json(200, json::object{{"sources", json::object{{"native", std::move(native)},
                                                                                     {"orchestrated", std::move(orchestrated)}}}});
         }});

  t.add({.method = "GET", .path = "/v1/model-router/health", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Circuit-breaker snapshots for all models",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           json::array out;
           for (const auto& c : svc.router.circuits()) {
             out.push_back(json::object{{"modelId", c.model}, {"state", models::circuit_name(c.state)},
                                        {"consecutiveFailures", c.consecutive_failures}, {"successes", c.successes},
                                        {"failures", c.failures}, {"avgLatencyMs", c.avg_latency_ms},
                                        {"openedAt", c.opened_at_ms ? json::value(iso8601(c.opened_at_ms)) : json::value(nullptr)}});
           }
           co_return http::Response::json(200, json::object{{"models", std::move(out)}});
         }});

  t.add({.method = "GET", .path = "/v1/model-router/routing-health", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Tier A/B/C routing health per (taskType, modelId)",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           json::array cells;
           auto circuits = svc.router.circuits();
           for (const auto& spec : svc.models.specs()) {
             auto c = std::find_if(circuits.begin(), circuits.end(), [&](const auto& x) { return x.model == spec.id; });
             std::vector<std::string> tasks = spec.task_types;
             if (tasks.empty()) tasks = {"code_generation", "reasoning", "summarisation", "classification", "general"};
             for (const auto& task : tasks) {
               int64_t total = c->successes + c->failures;
               cells.push_back(json::object{{"taskType", task}, {"modelId", spec.id}, {"tier", health_tier(*c)},
                                            {"successRate", total ? double(c->successes) / double(total) : 1.0},
                                            {"avgLatencyMs", c->avg_latency_ms}, {"circuitState", models::circuit_name(c->state)}});
             }
           }
           co_return http::Response::json(200, json::object{{"cells", std::move(cells)}});
         }});
}

void add_workspace_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/workspaces", .family = Family::kCendriix, .auth = Auth::kUser,
         .summary = "Create a workspace; the caller becomes its owner",
         .event = "workspace.created",
         .request_schema = R"({"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1,"maxLength":100},"plan":{"enum":["starter","team","enterprise"]}}})",
         .response_schema = R"({"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"},"slug":{"type":"string"},"plan":{"type":"string"},"role":{"type":"string"},"createdAt":{"type":"string"}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto name = f.required_string("name", 1, 100);
           auto plan = f.one_of("plan", {"starter", "team", "enterprise"}).value_or("starter");
           check(f);
           auto ws = unwrap(co_await svc.accounts.create_workspace(ctx.caller(), name, plan));
           // The new workspace's own chain records its creation.
           ctx.audit_tenant = ws.first.id;
           ctx.audit["workspaceId"] = ws.first.id;
           co_return http::Response::json(201, workspace_view(ws.first, ws.second));
         }});

  t.add({.method = "GET", .path = "/v1/workspaces", .family = Family::kCendriix, .auth = Auth::kUser,
         .summary = "Workspaces the caller belongs to",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto uid = ctx.caller().user_id;
           auto spaces = unwrap(co_await svc.accounts.workspaces(uid));
           json::array list;
           for (const auto& [tenant, role] : spaces) list.push_back(workspace_view(tenant, role));
           co_return http::Response::json(200, json::object{{"workspaces", std::move(list)}});
         }});

  t.add({.method = "GET", .path = "/v1/workspaces/:workspaceId", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "One workspace (members only; 404 otherwise)",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("workspaceId"));
           auto ws = unwrap(co_await svc.accounts.workspace(ctx.caller(), id));
           co_return http::Response::json(200, workspace_view(ws.first, ws.second));
         }});

  t.add({.method = "POST", .path = "/v1/workspaces/:workspaceId/members", .family = Family::kCendriix, .auth = Auth::kUser,
         .summary = "Add a registered user to a workspace with a role",
         .event = "workspace.member_added",
         .request_schema = R"({"type":"object","required":["email","role"],"properties":{"email":{"type":"string","format":"email"},"role":{"enum":["owner","admin","member","viewer"]}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("workspaceId"));
           auto body = json_body(req);
           FieldReader f(body);
           auto email = f.required_string("email", 3, 254);
           auto role = f.one_of("role", {"owner", "admin", "member", "viewer"});
           if (!role && f.ok()) f.fail("role", "role is required");
           check(f);
           auto m = unwrap(co_await svc.accounts.add_member(ctx.caller(), id, email, *role));
           ctx.audit_tenant = id;
           ctx.audit["memberId"] = m.user_id;
           ctx.audit["role"] = m.role;
           co_return http::Response::json(201, member_view(m));
         }});

  t.add({.method = "GET", .path = "/v1/workspaces/:workspaceId/members", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Members of a workspace",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("workspaceId"));
           auto members = unwrap(co_await svc.accounts.members(ctx.caller(), id));
           json::array list;
           for (const auto& m : members) list.push_back(member_view(m));
           co_return http::Response::json(200, json::object{{"members", std::move(list)}});
         }});

  t.add({.method = "POST", .path = "/v1/workspaces/:workspaceId/switch", .family = Family::kCendriix, .auth = Auth::kUser,
         .summary = "Re-issue the JWT scoped to another workspace of the caller",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("workspaceId"));
           auto s = unwrap(co_await svc.accounts.switch_workspace(ctx.caller(), id));
           ctx.audit_tenant = id;
           co_return http::Response::json(200, json::object{{"token", s.token}, {"workspace", workspace_view(s.tenant, s.role)}});
         }});
}

}  // namespace

void add_cendriix_routes(RouteTable& t, Services& svc) {
  add_model_router_routes(t, svc);
  add_workspace_routes(t, svc);
  t.add({.method = "GET", .path = "/v1/audit/logs", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Query the audit log (actor, eventType, from, to, limit, cursor)",
         .response_schema = R"({"type":"object","properties":{"entries":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},"timestamp":{"type":"string"},"actor":{"type":"string"},"eventType":{"type":"string"},"payload":{"type":"object"},"hash":{"type":"string"}}}},"nextCursor":{"type":["string","null"]}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           require_admin(ctx, "read the audit log");
           store::AuditQuery q;
           q.tenant_id = ctx.caller().tenant_id;
           q.actor = req.query_param("actor");
           q.event_type = req.query_param("eventType");
           for (const char* name : {"from", "to"}) {
             if (auto v = req.query_param(name)) {
               auto ms = parse_iso8601_ms(*v);
               if (!ms) throw StatusError(Status::validation(name, std::string(name) + " must be an ISO-8601 date or date-time"));
               (std::string_view(name) == "from" ? q.from_ms : q.to_ms) = *ms;
             }
           }
           if (auto v = req.query_param("limit")) {
             char* end = nullptr;
             long n = std::strtol(v->c_str(), &end, 10);
             if (v->empty() || *end || n < 1 || n > 500) throw StatusError(Status::validation("limit", "limit must be 1-500"));
             q.limit = static_cast<int>(n);
           }
           if (auto v = req.query_param("cursor")) {
             char* end = nullptr;
             long long n = std::strtoll(v->c_str(), &end, 10);
             if (v->empty() || *end || n < 0) throw StatusError(Status::validation("cursor", "cursor is not one this server issued"));
             q.after_seq = n;
           }
           auto entries = unwrap(co_await svc.audit.query(q));
           json::array list;
           for (const auto& e : entries) list.push_back(entry_view(e));
           json::value next = nullptr;
           if (static_cast<int>(entries.size()) == q.limit) next = std::to_string(entries.back().seq);
           co_return http::Response::json(200, json::object{{"entries", std::move(list)}, {"nextCursor", next}});
         }});

  t.add({.method = "GET", .path = "/v1/audit/verify", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Verify the integrity of the tenant's audit hash chain",
         .response_schema = R"({"type":"object","properties":{"valid":{"type":"boolean"},"checkedCount":{"type":"integer"},"firstInvalidSeq":{"type":["integer","null"]},"reason":{"type":["string","null"]}}})",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           require_admin(ctx, "verify the audit log");
           auto tenant = ctx.caller().tenant_id;
           auto v = unwrap(co_await svc.audit.verify(tenant));
           co_return http::Response::json(
               200, json::object{{"valid", v.valid},
                                 {"checkedCount", v.checked},
                                 {"firstInvalidSeq", v.first_invalid_seq ? json::value(*v.first_invalid_seq) : json::value(nullptr)},
                                 {"reason", v.reason.empty() ? json::value(nullptr) : json::value(v.reason)}});
         }});

  t.add({.method = "GET", .path = "/v1/metering/usage", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Token usage and cost of the billing period (this UTC month; ?from=&to= ISO 8601 to choose)",
         .response_schema = R"({"type":"object","properties":{"usage":{"type":"object","properties":{"inputTokens":{"type":"integer"},"outputTokens":{"type":"integer"},"estimatedCostUsd":{"type":"number"},"requests":{"type":"integer"},"byModel":{"type":"object"},"byKey":{"type":"object"}}},"period":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           store::UsageQuery q;
           q.tenant_id = ctx.caller().tenant_id;
           q.from_ms = start_of_month_ms(now_ms());
           q.to_ms = now_ms() + 1;
           for (auto [name, field] : {std::pair{"from", &q.from_ms}, std::pair{"to", &q.to_ms}}) {
             if (auto text = req.query_param(name)) {
               auto ms = parse_iso8601_ms(*text);
               if (!ms) throw StatusError(Status::validation(name, "must be an ISO 8601 time"));
               *field = *ms;
             }
           }
           auto rows = unwrap(co_await svc.usage.summary(q));
           int64_t input = 0, output = 0, requests = 0;
           double cost = 0;
           json::object by_model, by_key;
           auto add_to = [](json::object& group, const std::string& name, const store::UsageRow& r) {
             json::value& slot = group[name.empty() ? std::string("(user token)") : name];
             if (!slot.is_object()) slot.emplace_object();
             json::object& g = slot.as_object();
             g["inputTokens"] = (g.contains("inputTokens") ? g["inputTokens"].as_int64() : 0) + r.prompt_tokens;
             g["outputTokens"] = (g.contains("outputTokens") ? g["outputTokens"].as_int64() : 0) + r.completion_tokens;
             g["estimatedCostUsd"] = (g.contains("estimatedCostUsd") ? g["estimatedCostUsd"].as_double() : 0.0) + r.cost_usd;
             g["requests"] = (g.contains("requests") ? g["requests"].as_int64() : 0) + r.requests;
           };
           for (const auto& r : rows) {
             input += r.prompt_tokens;
             output += r.completion_tokens;
             cost += r.cost_usd;
             requests += r.requests;
             add_to(by_model, r.model, r);
             add_to(by_key, r.key_id, r);
           }
           co_return http::Response::json(
               200, json::object{{"usage", json::object{{"inputTokens", input}, {"outputTokens", output},
                                                        {"estimatedCostUsd", cost}, {"requests", requests},
                                                        {"byModel", std::move(by_model)}, {"byKey", std::move(by_key)}}},
                                 {"period", json::object{{"from", iso8601(q.from_ms)}, {"to", iso8601(q.to_ms)}}}});
         }});
}

}  // namespace brainstem::api
