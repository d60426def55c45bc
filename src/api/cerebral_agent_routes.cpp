// CerebralOS (seed 000): invoking a Cerebral (an agent) through the message pipeline,
// customers, and outgoing webhooks — all in the {success,data} envelope.
#include "api/agent_message.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "net/client.h"
#include "common/text.h"

#include <spdlog/spdlog.h>

#include <regex>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const std::vector<std::string>& webhook_events() {
  static const std::vector<std::string> events = {"conversation.completed", "escalation.created", "customer.created",
                                                  "message.received", "*"};
  return events;
}

json::object message_data(const pipeline::MessageResult& r) {
  json::object meta{{"model", r.model_used},
                    {"tokens_used", r.tokens.input + r.tokens.output},
                    {"actions_executed", static_cast<int64_t>(r.actions_executed.size())},
                    {"actions", json::array(r.actions_executed.begin(), r.actions_executed.end())},
                    {"latency_ms", static_cast<int64_t>(r.latency_ms + 0.5)},
                    {"sop_matched", r.sop_matched.empty() ? json::value(nullptr) : json::value(r.sop_matched)},
                    {"escalated", !r.escalation.empty()},
                    {"cached", r.cached},
                    {"cost_usd", r.tokens.cost_usd}};
  return {{"message", r.reply},
          {"session_id", r.session_id.empty() ? json::value(nullptr) : json::value(r.session_id)},
          {"customer_id", r.customer_id.empty() ? json::value(nullptr) : json::value(r.customer_id)},
          {"execution_id", r.execution_id},
          {"metadata", std::move(meta)}};
}

json::object customer_view(const store::Customer& c) {
  auto meta = json::parse(c.metadata.empty() ? "{}" : c.metadata);
  auto text_or_null = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
  return {{"id", c.id},
          {"email", text_or_null(c.email)},
          {"phone", text_or_null(c.phone)},
          {"name", text_or_null(c.name)},
          {"external_id", text_or_null(c.external_id)},
          {"tags", json::array(c.tags.begin(), c.tags.end())},
          {"metadata", meta.is_object() ? meta : json::object{}},
          {"createdAt", iso8601(c.created_at)},
          {"updatedAt", iso8601(c.updated_at)}};
}

json::object webhook_view(const store::Webhook& w, bool with_secret) {
  return {{"id", w.id},
          {"url", w.url},
          {"events", json::array(w.events.begin(), w.events.end())},
          {"secret", with_secret ? w.secret : w.secret.substr(0, 10) + "••••••••"},
          {"active", w.active},
          {"createdAt", iso8601(w.created_at)}};
}

// A webhook URL must be http(s), and a literal address (or localhost) must be one the
// address policy allows; host names are checked again, resolved, at every delivery.
Status check_webhook_url(const std::string& url, const net::AddressPolicy& policy) {
  if (auto s = net::AddressPolicy::check_url_scheme(url); !s.is_ok()) return Status::validation("url", s.message());
  auto parsed = net::parse_url(url);
  if (!parsed) return Status::validation("url", parsed.status().message());
  std::string host = parsed->host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host.ends_with(".localhost")) host = "127.0.0.1";
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec && !policy.allows(std::string_view(host))) {
    return Status::validation("url", "url points to a private, loopback or link-local address");
  }
  return Status::ok();
}

void add_message_and_customer_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/cerebrals/:id/message", .family = Family::kCerebral, .auth = Auth::kKey, .generates = true,
         .summary = "Send a message to a Cerebral (\"stream\": true for SSE)",
         .request_schema = R"({"type":"object","required":["message"],"properties":{"message":{"type":"string","minLength":1,"maxLength":32000},"session_id":{"type":"string"},"customer_id":{"type":"string"},"identity":{"type":"object"},"metadata":{"type":"object"},"stream":{"type":"boolean"}}})",
         .response_schema = R"({"type":"object","properties":{"success":{"const":true},"data":{"type":"object","properties":{"message":{"type":"string"},"session_id":{"type":["string","null"]},"execution_id":{"type":"string"},"metadata":{"type":"object"}}}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           pipeline::MessageRequest m;
           m.agent_id = std::string(req.param("id"));
           m.message = f.required_string("message", 1, 32000);
           m.session_id = f.string("session_id", 1, 200).value_or("");
           m.customer_id = f.string("customer_id", 1, 200).value_or("");
           if (auto* identity = f.object("identity")) m.identity = *identity;
           if (auto* meta = f.object("metadata")) m.metadata = *meta;
           if (auto* channel = m.metadata.if_contains("channel"); channel && channel->is_string()) m.channel = channel->as_string();
           bool stream = f.boolean("stream").value_or(false);
           check(f);
           fill_caller(m, ctx);
           m.foreign_agent_forbidden = true;
           if (stream) {
             RenderDone done = [](const pipeline::MessageResult& r) { return json::value(json::object{{"success", true}, {"data", message_data(r)}}); };
             co_return co_await stream_message(svc, std::move(m), std::move(done));
           }
           RenderResult render = [](const pipeline::MessageResult& r) { return cerebral_ok(message_data(r)); };
           co_return co_await answer_message(svc, std::move(m), render);
         }});

  t.add({.method = "POST", .path = "/v1/customers", .family = Family::kCerebral, .auth = Auth::kAny,
         .summary = "Create a customer, or update the one with the same id, email, phone or external id",
         .event = "customer.upserted",
         .request_schema = R"({"type":"object","properties":{"id":{"type":"string"},"email":{"type":"string"},"phone":{"type":"string","pattern":"^\\+[1-9][0-9]{1,14}$"},"name":{"type":"string"},"external_id":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}},"metadata":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           static const std::regex e164(R"(^\+[1-9][0-9]{1,14}$)");
           static const std::regex email(R"(^[^@\s]+@[^@\s]+\.[^@\s]+$)");
           auto body = json_body(req);
           FieldReader f(body);
           store::Customer c;
           c.id = f.string("id", 1, 200).value_or("");
           c.email = f.string("email", 3, 254).value_or("");
           c.phone = f.string("phone", 2, 16).value_or("");
           c.name = f.string("name", 1, 200).value_or("");
           c.external_id = f.string("external_id", 1, 200).value_or("");
           c.tags = f.string_array("tags", 100).value_or(std::vector<std::string>{});
           if (auto* meta = f.object("metadata")) c.metadata = json_text(*meta);
           if (!c.phone.empty() && !std::regex_match(c.phone, e164)) f.fail("phone", "must be in E.164 format, e.g. +15551234567");
           if (!c.email.empty() && !std::regex_match(c.email, email)) f.fail("email", "is not an email address");
           check(f);
           if (c.id.empty() && c.email.empty() && c.phone.empty() && c.external_id.empty()) {
             throw StatusError(Status::invalid("give at least one identifier: id, email, phone or external_id"));
           }
           c.email = ascii_lower(c.email);
           c.tenant_id = ctx.caller().tenant_id;
           auto [stored, created] = unwrap(co_await svc.conversations.upsert_customer(std::move(c)));
           ctx.audit["customerId"] = stored.id;
           if (created) {
             const std::string event = "customer.created";
             json::object payload{{"customer", customer_view(stored)}};
             Result<int> queued = Status::unavailable("not queued");
             try {
               queued = co_await svc.webhooks.publish(stored.tenant_id, event, std::move(payload));
             } catch (const StatusError& e) {
               queued = e.status;  // the customer is stored; only the event is lost
             }
             if (!queued) spdlog::warn("{} customer.created not queued: {}", ctx.request_id, queued.status().message());
           }
           co_return cerebral_ok(customer_view(stored), created ? 201 : 200);
         }});

  t.add({.method = "GET", .path = "/v1/customers/:id", .family = Family::kCerebral, .auth = Auth::kAny,
         .summary = "A customer with all identifiers, tags and metadata",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           auto c = unwrap(co_await svc.conversations.customer(tenant, id));
           co_return cerebral_ok(customer_view(c));
         }});
}

void add_webhook_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/webhooks", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "Register a URL for signed event deliveries (retried 1 min → 5 min → 30 min → 2 h → 24 h)",
         .event = "webhook.created",
         .request_schema = R"({"type":"object","required":["url","events"],"properties":{"url":{"type":"string"},"events":{"type":"array","minItems":1,"items":{"type":"string"}},"secret":{"type":"string","minLength":16}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("admin")) throw StatusError(Status::forbidden("only admins manage webhooks"));
           auto body = json_body(req);
           FieldReader f(body);
           store::Webhook w;
           w.url = f.required_string("url", 8, 2000);
           auto events = f.string_array("events", 20);
           w.secret = f.string("secret", 16, 200).value_or(random_id("whsec_", 32));
           if (!events || events->empty()) f.fail("events", "field required: a non-empty array of event types");
           check(f);
           for (const auto& e : *events) {
             const auto& known = webhook_events();
             if (std::find(known.begin(), known.end(), e) == known.end()) throw StatusError(Status::validation("events", "unknown event type " + e));
           }
           check(check_webhook_url(w.url, svc.address_policy));
           w.events = *events;
           w.id = random_id("wh_", 16);
           w.tenant_id = ctx.caller().tenant_id;
           w.created_at = now_ms();
           check(co_await svc.webhooks.subscribe(w));
           ctx.audit["webhookId"] = w.id;
           co_return cerebral_ok(webhook_view(w, true), 201);
         }});

  t.add({.method = "GET", .path = "/v1/webhooks", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "The tenant's webhooks (secrets masked)",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto hooks = unwrap(co_await svc.webhooks.webhooks(tenant));
           json::array list;
           for (const auto& w : hooks) list.push_back(webhook_view(w, false));
           co_return cerebral_ok(std::move(list));
         }});

  t.add({.method = "DELETE", .path = "/v1/webhooks/:id", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "Delete a webhook and its delivery log", .event = "webhook.deleted",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           if (ctx.caller().rank() < auth::role_rank("admin")) throw StatusError(Status::forbidden("only admins manage webhooks"));
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           check(co_await svc.webhooks.unsubscribe(tenant, id));
           ctx.audit["webhookId"] = id;
           co_return cerebral_ok(json::object{{"deleted", true}});
         }});

  t.add({.method = "GET", .path = "/v1/webhooks/:id/deliveries", .family = Family::kCerebral, .auth = Auth::kUser,
         .summary = "The webhook's delivery log, newest first",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("id"));
           auto tenant = ctx.caller().tenant_id;
           auto deliveries = unwrap(co_await svc.webhooks.deliveries(tenant, id, 100));
           json::array list;
           for (const auto& d : deliveries) {
             list.push_back(json::object{{"id", d.id}, {"event", d.event}, {"status", d.status}, {"attempts", d.attempts},
                                         {"lastStatusCode", d.last_status_code}, {"lastError", d.last_error},
                                         {"nextAttemptAt", d.status == "pending" ? json::value(iso8601(d.next_attempt_at)) : json::value(nullptr)},
                                         {"createdAt", iso8601(d.created_at)}, {"updatedAt", iso8601(d.updated_at)}});
           }
           co_return cerebral_ok(std::move(list));
         }});
}

}  // namespace

void add_cerebral_agent_routes(RouteTable& t, Services& svc) {
  add_message_and_customer_routes(t, svc);
  add_webhook_routes(t, svc);
}

}  // namespace brainstem::api
