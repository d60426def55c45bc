// Cerebrum (seed 001): code completion, the backend tier's inference routes, model unloading,
// health and system statistics. /health is claimed by Cortex (004) too: its answer carries
// both shapes' fields (Cortex's status "ok" and version; Cerebrum's timestamp, uptime and
// vps_available). vps_available is false when every remote inference backend (provider
// "backend") has its circuit open; an embedded model is always available.
#include "api/chat_relay.h"
#include "api/generation_gate.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/json_text.h"
#include "http/sse.h"
#include "ops/metrics.h"
#include "common/text.h"

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
  c.hints.language = ascii_lower(c.hints.language);
  c.hints.task_type = "code_generation";
  c.request.max_tokens = static_cast<int>(f.integer("max_tokens", 1, 1 << 16).value_or(512));
  c.request.temperature = f.number("temperature", 0, 1).value_or(0.4);
  check(f);
  c.request.messages.push_back({.role = "user", .content = std::move(prompt)});
  return c;
}

constexpr const char* kInferenceRequestSchema =
    R"({"type":"object","required":["model"],"properties":{"prompt":{"type":"string"},"model":{"type":"string"},"max_tokens":{"type":"integer","default":512},"temperature":{"type":"number","default":0.4},"messages":{"type":"array","items":{"type":"object","required":["role","content"],"properties":{"role":{"enum":["system","user","assistant"]},"content":{"type":"string"}}}},"stop":{"type":"array","items":{"type":"string"}}}})";

// {prompt or messages, model, max_tokens (default 512), temperature (default 0.4), stop}: the
// named model only (404 MODEL_NOT_FOUND otherwise). `messages` lets an orchestrator pass a
// whole conversation; the backend applies the model's chat template.
Completion parse_inference(const json::object& body, const Services& svc) {
  FieldReader f(body);
  Completion c;
  c.hints.model = f.required_string("model", 1, 256);
  std::string prompt = f.string("prompt", 0, 1 << 20).value_or("");
  c.request.max_tokens = static_cast<int>(f.integer("max_tokens", 1, 1 << 16).value_or(512));
  c.request.temperature = f.number("temperature", 0, 2).value_or(0.4);
  c.request.stop = f.string_array("stop", 16).value_or(std::vector<std::string>{});
  if (const auto* messages = body.if_contains("messages")) {
    if (!messages->is_array() || messages->get_array().empty() || messages->get_array().size() > 1024) {
      throw StatusError(Status::invalid("messages must be a non-empty array of {role, content}").with_field("messages"));
    }
    for (const auto& m : messages->get_array()) {
      const auto* o = m.if_object();
      const auto* role = o ? o->if_contains("role") : nullptr;
      const auto* content = o ? o->if_contains("content") : nullptr;
      if (!role || !role->is_string() || !content || !content->is_string() ||
          (role->get_string() != "system" && role->get_string() != "user" && role->get_string() != "assistant")) {
        const std::string field = "messages[" + std::to_string(c.request.messages.size()) + "]";
        throw StatusError(Status::invalid(field + " needs a role (system, user, assistant) and a string content").with_field(field));
      }
      c.request.messages.push_back({.role = std::string(role->get_string()), .content = std::string(content->get_string())});
    }
  } else if (prompt.empty()) {
    throw StatusError(Status::invalid("prompt is required (or messages)").with_field("prompt"));
  } else {
    c.request.messages.push_back({.role = "user", .content = std::move(prompt)});
  }
  check(f);
  if (!svc.models.find(c.hints.model)) throw StatusError(Status::not_found("model '" + c.hints.model + "' does not exist"));
  return c;
}

// The inference tier is reachable unless every model served by a remote backend has its
// circuit open (an embedded model always is).
bool backend_available(const Services& svc) {
  bool any = false;
  for (const auto& spec : svc.models.specs()) {
    if (spec.provider != "backend") continue;
    any = true;
    if (svc.router.state_of(spec.id) != models::CircuitState::kOpen) return true;
  }
  return !any;
}

// The mean latency of the remote backends' calls; null without any.
json::value backend_latency_ms(const Services& svc) {
  double total = 0;
  int64_t calls = 0;
  for (const auto& c : svc.router.circuits()) {
    const auto* spec = svc.models.spec(c.model);
    if (!spec || spec->provider != "backend" || c.successes == 0) continue;
    total += c.avg_latency_ms * double(c.successes);
    calls += c.successes;
  }
  return calls ? json::value(total / double(calls)) : json::value(nullptr);
}

// The local models whose weights are in memory.
std::vector<std::string> loaded_local_models(const Services& svc) {
  std::vector<std::string> ids;
  for (const auto& spec : svc.models.specs()) {
    auto info = svc.models.find(spec.id)->info();
    if (info.provider == "llama" && info.loaded) ids.push_back(spec.id);
  }
  return ids;
}

// Seed 001's stream: {token, total_tokens} per piece of text, then {done, model, total_tokens,
// inference_time, timestamp, ...done_fields} or {error, message, code}.
http::Response token_event_stream(RoutedStream stream, json::object done_fields, int64_t started) {
  return http::Response::event_stream(
      [relay = stream.relay, first = std::move(stream.first), done_fields = std::move(done_fields),
       started](http::StreamWriter& out) mutable -> asio::awaitable<void> {
        int64_t tokens = 0;
        bool open = true;
        std::optional<ChatRelay::Event> ev = std::move(first);
        std::string frame;
        while (open && ev) {
          if (ev->index() == 0) {
            const auto& d = std::get<0>(*ev);
            if (!d.content.empty()) {
              frame = http::sse_event({}, json::object{{"token", d.content}, {"total_tokens", ++tokens}});
              open = co_await out.write(frame);
            }
          } else {
            auto& result = std::get<1>(*ev);
            if (!result.ok()) {
              frame = http::sse_event({}, json::object{{"error", true}, {"message", result.status().message()},
                                                       {"code", "INFERENCE_ERROR"}});
            } else {
              json::object done = done_fields;
              done["done"] = true;
              done["model"] = result->model;
              done["total_tokens"] = std::max(tokens, result->response.usage.completion_tokens);
              done["prompt_tokens"] = result->response.usage.prompt_tokens;
              done["finish_reason"] = result->response.finish_reason;
              done["inference_time"] = double(now_us() - started) / 1e6;
              done["timestamp"] = iso8601_micros(now_us());
              frame = http::sse_event({}, done);
            }
            open = co_await out.write_last(frame);
            break;
          }
          ev = co_await relay->next();
        }
        if (!open) relay->stop();
      });
}

void add_model_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/unload/:model", .family = Family::kCerebrum, .auth = Auth::kKey, .backend = true,
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

  t.add({.method = "POST", .path = "/v1/cleanup", .family = Family::kCerebrum, .auth = Auth::kKey, .backend = true,
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

  t.add({.method = "POST", .path = "/v1/complete", .family = Family::kCerebrum, .auth = Auth::kKey, .generates = true,
         .summary = "Code completion; the language picks the model",
         .request_schema = R"({"type":"object","required":["prompt","language"],"properties":{"prompt":{"type":"string"},"language":{"type":"string"},"max_tokens":{"type":"integer","default":512},"temperature":{"type":"number","minimum":0,"maximum":1,"default":0.4}}})",
         .response_schema = R"({"type":"object","properties":{"completion":{"type":"string"},"language":{"type":"string"},"model":{"type":"string"},"total_tokens":{"type":"integer"},"inference_time":{"type":"number"},"timestamp":{"type":"string"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto c = parse_completion(json_body(req));
           auto routed = co_await routed_chat(svc, ctx, c.hints, std::move(c.request), "complete");
           auto res = http::Response::json(200, json::object{{"completion", routed.response.content},
                                                             {"language", c.hints.language},
                                                             {"model", routed.model},
                                                             {"total_tokens", routed.response.usage.completion_tokens},
                                                             {"inference_time", routed.latency_ms / 1000.0},
                                                             {"timestamp", iso8601_micros(now_us())}});
           set_circuit_headers(res, svc.router, routed);
           co_return res;
         }});

  t.add({.method = "POST", .path = "/v1/complete/stream", .family = Family::kCerebrum, .auth = Auth::kKey, .generates = true,
         .summary = "Streaming code completion (SSE token, done and error events)",
         .request_schema = R"({"type":"object","required":["prompt","language"],"properties":{"prompt":{"type":"string"},"language":{"type":"string"},"max_tokens":{"type":"integer"},"temperature":{"type":"number"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto c = parse_completion(json_body(req));
           const int64_t started = now_us();
           RoutedStream stream = co_await start_routed_stream(svc, ctx, c.hints, std::move(c.request), "complete");
           json::object done_fields{{"language", c.hints.language}};
           co_return token_event_stream(std::move(stream), std::move(done_fields), started);
         }});
}

void add_inference_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/inference", .family = Family::kCerebrum, .auth = Auth::kKey, .backend = true, .generates = true,
         .summary = "Backend inference on a named model (the orchestrator's call; prompt, or messages)",
         .request_schema = kInferenceRequestSchema,
         .response_schema = R"({"type":"object","properties":{"completion":{"type":"string"},"model":{"type":"string"},"total_tokens":{"type":"integer"},"prompt_tokens":{"type":"integer"},"finish_reason":{"type":"string"},"inference_time":{"type":"number"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto c = parse_inference(json_body(req), svc);
           auto routed = co_await routed_chat(svc, ctx, c.hints, std::move(c.request), "inference");
           co_return http::Response::json(200, json::object{{"completion", routed.response.content},
                                                            {"model", routed.model},
                                                            {"total_tokens", routed.response.usage.completion_tokens},
                                                            {"prompt_tokens", routed.response.usage.prompt_tokens},
                                                            {"finish_reason", routed.response.finish_reason},
                                                            {"inference_time", routed.latency_ms / 1000.0}});
         }});

  t.add({.method = "POST", .path = "/v1/inference/stream", .family = Family::kCerebrum, .auth = Auth::kKey, .backend = true, .generates = true,
         .summary = "Streaming backend inference (SSE token, done and error events, as /v1/complete/stream)",
         .request_schema = kInferenceRequestSchema,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto c = parse_inference(json_body(req), svc);
           const int64_t started = now_us();
           RoutedStream stream = co_await start_routed_stream(svc, ctx, c.hints, std::move(c.request), "inference");
           json::object done_fields;
           co_return token_event_stream(std::move(stream), std::move(done_fields), started);
         }});
}

}  // namespace

void add_cerebrum_routes(RouteTable& t, Services& svc) {
  add_model_routes(t, svc);
  add_inference_routes(t, svc);
  t.add({.method = "GET", .path = "/health", .family = Family::kCerebrum, .auth = Auth::kNone, .backend = true,
         .summary = "Liveness: 200 while the process serves; 503 when every configured inference backend's circuit is open",
         .response_schema = R"({"type":"object","properties":{"status":{"type":"string"},"version":{"type":"string"},"timestamp":{"type":"string"},"uptime":{"type":"number"},"vps_available":{"type":"boolean"},"cpu_percent":{"type":"number"},"memory_available_mb":{"type":"number"},"models_loaded":{"type":"array","items":{"type":"string"}}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           const bool available = backend_available(svc);
           json::array loaded;
           for (const auto& id : loaded_local_models(svc)) loaded.emplace_back(id);
           co_return http::Response::json(available ? 200 : 503,
                                          json::object{{"status", available ? "ok" : "degraded"},
                                                       {"version", svc.options.version},
                                                       {"timestamp", iso8601_micros(now_us())},
                                                       {"uptime", double(now_ms() - svc.options.started_at_ms) / 1000.0},
                                                       {"vps_available", available},
                                                       {"cpu_percent", ops::cpu_load_percent()},
                                                       {"memory_available_mb", double(ops::system_memory().available_mb)},
                                                       {"models_loaded", std::move(loaded)}});
         }});

  t.add({.method = "GET", .path = "/v1/stats", .family = Family::kCerebrum, .auth = Auth::kNone, .backend = true,
         .summary = "System statistics: uptime, requests, memory, load (the orchestrator's and the backend's fields)",
         .response_schema = R"({"type":"object","properties":{"uptime":{"type":"number"},"requests_total":{"type":"integer"},"requests_active":{"type":"integer"},"vps_available":{"type":"boolean"},"vps_response_time_ms":{"type":["number","null"]},"memory_mb":{"type":"number"},"load_avg":{"type":"array","items":{"type":"number"}},"cpu_percent":{"type":"number"},"memory_total_mb":{"type":"number"},"memory_available_mb":{"type":"number"},"memory_used_mb":{"type":"number"},"models_loaded":{"type":"integer"}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           double load[3] = {0, 0, 0};
           if (getloadavg(load, 3) != 3) load[0] = load[1] = load[2] = 0;
           const ops::SystemMemory memory = ops::system_memory();
           co_return http::Response::json(
               200, json::object{{"uptime", double(now_ms() - svc.options.started_at_ms) / 1000.0},
                                 {"requests_total", svc.metrics.requests_total()},
                                 {"requests_active", svc.metrics.requests_active()},
                                 {"vps_available", backend_available(svc)},
                                 {"vps_response_time_ms", backend_latency_ms(svc)},
                                 {"memory_mb", double(ops::resident_memory_bytes()) / (1024.0 * 1024.0)},
                                 {"load_avg", json::array{load[0], load[1], load[2]}},
                                 {"cpu_percent", ops::cpu_load_percent()},
                                 {"memory_total_mb", double(memory.total_mb)},
                                 {"memory_available_mb", double(memory.available_mb)},
                                 {"memory_used_mb", double(memory.total_mb - memory.available_mb)},
                                 {"models_loaded", static_cast<int64_t>(loaded_local_models(svc).size())}});
         }});
}

}  // namespace brainstem::api
