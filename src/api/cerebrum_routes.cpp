// Cerebrum (seed 001): health and system statistics. /health is claimed by Cortex (004) too:
// its answer carries both shapes' fields (Cortex's status "ok" and version; Cerebrum's
// timestamp, uptime and vps_available). vps_available is true when the inference backend is
// reachable, which an embedded backend always is.
#include "api/chat_relay.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "ops/metrics.h"

#include <cstdlib>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

struct Completion {
  models::RouteHints hints;
  models::ChatRequest request;
};

// {prompt, language, max_tokens (default 512), temperature (default 0.4, 0-1)}; the language
// picks the model (each model's `languages`).
Completion parse_completion(const json::object& body) {
  FieldReader f(body);
  Completion c;
  std::string prompt = f.required_string("prompt", 1, 1 << 20);
  c.hints.language = f.required_string("language", 1, 64);
  for (auto& ch : c.hints.language) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  c.hints.task_type = "code_generation";
  c.request.max_tokens = static_cast<int>(f.integer("max_tokens", 1, 1 << 16).value_or(512));
  c.request.temperature = f.number("temperature", 0, 1).value_or(0.4);
  check(f);
  c.request.messages.push_back({.role = "user", .content = std::move(prompt)});
  return c;
}

}  // namespace

void add_cerebrum_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/unload/:model", .family = Family::kCerebrum, .auth = Auth::kKey,
         .summary = "Unload a local model from memory (it loads again on its next request)",
         .event = "model.unloaded",
         .response_schema = R"({"type":"object","properties":{"model":{"type":"string"},"unloaded":{"type":"boolean"},"memory_freed_mb":{"type":"number"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("model"));
           auto provider = svc.models.find(id);
           if (!provider) throw StatusError(Status::not_found("model '" + id + "' does not exist"));
           auto info = provider->info();
           if (!info.loaded) {
             co_return http::Response::json(200, json::object{{"model", id}, {"unloaded", false}, {"memory_freed_mb", 0.0}});
           }
           if (!provider->unload()) throw StatusError(Status::invalid("model '" + id + "' is remote: nothing to unload"));
           ctx.audit["model"] = id;
           co_return http::Response::json(200, json::object{{"model", id}, {"unloaded", true},
                                                            {"memory_freed_mb", double(info.memory_bytes) / (1024.0 * 1024.0)}});
         }});

  t.add({.method = "POST", .path = "/v1/cleanup", .family = Family::kCerebrum, .auth = Auth::kKey,
         .summary = "Unload every local model idle for the configured time (default 60 minutes)",
         .event = "model.cleanup",
         .response_schema = R"({"type":"object","properties":{"models_unloaded":{"type":"array","items":{"type":"string"}},"memory_freed_mb":{"type":"number"}}})",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto unloaded = svc.router.unload_idle(svc.options.model_idle_ms, svc.options.started_at_ms);
           json::array names;
           int64_t freed = 0;
           for (const auto& [id, bytes] : unloaded) {
             names.emplace_back(id);
             freed += bytes;
           }
           ctx.audit["models"] = names;
           co_return http::Response::json(200, json::object{{"models_unloaded", std::move(names)},
                                                            {"memory_freed_mb", double(freed) / (1024.0 * 1024.0)}});
         }});

  t.add({.method = "POST", .path = "/v1/complete", .family = Family::kCerebrum, .auth = Auth::kKey,
         .summary = "Code completion; the language picks the model",
         .request_schema = R"({"type":"object","required":["prompt","language"],"properties":{"prompt":{"type":"string"},"language":{"type":"string"},"max_tokens":{"type":"integer","default":512},"temperature":{"type":"number","minimum":0,"maximum":1,"default":0.4}}})",
         .response_schema = R"({"type":"object","properties":{"completion":{"type":"string"},"language":{"type":"string"},"model":{"type":"string"},"total_tokens":{"type":"integer"},"inference_time":{"type":"number"},"timestamp":{"type":"string"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto c = parse_completion(json_body(req));
           auto slot = unwrap(svc.gate.acquire());
           auto routed = co_await routed_chat(svc, ctx, c.hints, c.request, "complete");
           auto res = http::Response::json(200, json::object{{"completion", routed.response.content},
                                                             {"language", c.hints.language},
                                                             {"model", routed.model},
                                                             {"total_tokens", routed.response.usage.completion_tokens},
                                                             {"inference_time", routed.latency_ms / 1000.0},
                                                             {"timestamp", iso8601_micros(now_us())}});
           res.set_header("X-Circuit-State", models::circuit_name(svc.router.state_of(routed.model)));
           co_return res;
         }});

  t.add({.method = "POST", .path = "/v1/complete/stream", .family = Family::kCerebrum, .auth = Auth::kKey,
         .summary = "Streaming code completion (SSE token, done and error events)",
         .request_schema = R"({"type":"object","required":["prompt","language"],"properties":{"prompt":{"type":"string"},"language":{"type":"string"},"max_tokens":{"type":"integer"},"temperature":{"type":"number"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto c = parse_completion(json_body(req));
           auto slot = unwrap(svc.gate.acquire());
           const int64_t started = now_us();
           RoutedStream started_stream = co_await start_routed_stream(svc, ctx, c.hints, c.request, "complete");
           auto relay = started_stream.relay;
           auto first = std::move(started_stream.first);
           co_return http::Response::event_stream(
               [relay, slot, first = std::move(first), language = c.hints.language, started](http::StreamWriter& out) mutable -> asio::awaitable<void> {
                 int64_t tokens = 0;
                 bool open = true;
                 std::optional<ChatRelay::Event> ev = std::move(first);
                 std::string frame;
                 while (open && ev) {
                   if (ev->index() == 0) {
                     const auto& d = std::get<0>(*ev);
                     if (!d.content.empty()) {
                       frame = "data: " + json::serialize(json::object{{"token", d.content}, {"total_tokens", ++tokens}}) + "\n\n";
                       open = co_await out.write(frame);
                     }
                   } else {
                     auto& result = std::get<1>(*ev);
                     if (!result.ok()) {
                       frame = "data: " + json::serialize(json::object{{"error", true}, {"message", result.status().message()},
                                                                       {"code", "INFERENCE_ERROR"}}) + "\n\n";
                     } else {
                       frame = "data: " + json::serialize(json::object{
                           {"done", true}, {"language", language}, {"model", result->model},
                           {"total_tokens", std::max(tokens, result->response.usage.completion_tokens)},
                           {"inference_time", double(now_us() - started) / 1e6}, {"timestamp", iso8601_micros(now_us())}}) + "\n\n";
                     }
                     open = co_await out.write(frame);
                     break;
                   }
                   ev = co_await relay->next();
                 }
                 if (!open) relay->stop();
               });
         }});

  t.add({.method = "GET", .path = "/health", .family = Family::kCerebrum, .auth = Auth::kNone,
         .summary = "Liveness: 200 while the process serves",
         .response_schema = R"({"type":"object","properties":{"status":{"type":"string"},"version":{"type":"string"},"timestamp":{"type":"string"},"uptime":{"type":"number"},"vps_available":{"type":"boolean"}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           co_return http::Response::json(200, json::object{{"status", "ok"},
                                                            {"version", svc.options.version},
                                                            {"timestamp", iso8601_micros(now_us())},
                                                            {"uptime", double(now_ms() - svc.options.started_at_ms) / 1000.0},
                                                            {"vps_available", true}});
         }});

  t.add({.method = "GET", .path = "/v1/stats", .family = Family::kCerebrum, .auth = Auth::kNone,
         .summary = "System statistics: uptime, requests, memory, load",
         .response_schema = R"({"type":"object","properties":{"uptime":{"type":"number"},"requests_total":{"type":"integer"},"requests_active":{"type":"integer"},"vps_available":{"type":"boolean"},"vps_response_time_ms":{"type":["number","null"]},"memory_mb":{"type":"number"},"load_avg":{"type":"array","items":{"type":"number"}}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           double load[3] = {0, 0, 0};
           if (getloadavg(load, 3) != 3) load[0] = load[1] = load[2] = 0;
           co_return http::Response::json(
               200, json::object{{"uptime", double(now_ms() - svc.options.started_at_ms) / 1000.0},
                                 {"requests_total", svc.metrics.requests_total()},
                                 {"requests_active", svc.metrics.requests_active()},
                                 {"vps_available", true},
                                 {"vps_response_time_ms", nullptr},
                                 {"memory_mb", double(ops::resident_memory_bytes()) / (1024.0 * 1024.0)},
                                 {"load_avg", json::array{load[0], load[1], load[2]}}});
         }});
}

}  // namespace brainstem::api
