// The OpenAI API: /v1/chat/completions (plain and SSE with `data: [DONE]`, tools,
// stream_options.include_usage), /v1/embeddings (float or base64), /v1/models. /v1/models is
// also Cerebrum's (seed 001): the answer carries OpenAI's `object`/`data` and Cerebrum's `models`.
#include "api/chat_relay.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "common/scratch_json.h"
#include "http/sse.h"

#include <cstring>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int64_t kMaxTokensCeiling = 1 << 20;

std::string text_of(const json::value& content, FieldReader& f, const std::string& field) {
  if (content.is_string()) return std::string(content.get_string());
  if (content.is_null()) return {};
  if (content.is_array()) {  // [{type:"text", text:"..."}]
    std::string out;
    for (const auto& part : content.get_array()) {
      const auto* o = part.if_object();
      const auto* type = o ? o->if_contains("type") : nullptr;
      const auto* text = o ? o->if_contains("text") : nullptr;
      if (!type || !type->is_string() || type->get_string() != "text" || !text || !text->is_string()) {
        f.fail(field, field + " supports text parts only");
        return {};
      }
      out += text->get_string();
    }
    return out;
  }
  f.fail(field, field + " must be a string or an array of text parts");
  return {};
}

models::ChatRequest parse_chat(const json::object& body, bool& stream, bool& include_usage) {
  FieldReader f(body);
  models::ChatRequest r;
  r.model = f.required_string("model", 1, 256);
  const auto* messages = body.if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty()) {
    f.fail("messages", "messages must be a non-empty array");
  } else {
    size_t i = 0;
    for (const auto& item : messages->get_array()) {
      std::string field = "messages[" + std::to_string(i++) + "]";
      const auto* o = item.if_object();
      if (!o) {
        f.fail(field, field + " must be an object");
        break;
      }
      FieldReader mf(*o);
      models::Message m;
      m.role = mf.one_of("role", {"system", "developer", "user", "assistant", "tool"}).value_or("");
      if (m.role.empty() && mf.ok()) mf.fail("role", "role is required");
      if (m.role == "developer") m.role = "system";
      if (const auto* c = o->if_contains("content")) m.content = text_of(*c, f, field + ".content");
      m.name = mf.string("name", 0, 256).value_or("");
      m.tool_call_id = mf.string("tool_call_id", 0, 256).value_or("");
      if (const auto* calls = o->if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& c : calls->get_array()) {
          const auto* co = c.if_object();
          const auto* fn = co ? co->if_contains("function") : nullptr;
          if (!fn || !fn->is_object()) {
            f.fail(field + ".tool_calls", "tool_calls entries need a function object");
            break;
          }
          models::ToolCall call;
          if (const auto* id = co->if_contains("id"); id && id->is_string()) call.id = id->get_string();
          FieldReader ff(fn->get_object());
          call.name = ff.string("name").value_or("");
          call.arguments = ff.string("arguments").value_or("");
          m.tool_calls.push_back(std::move(call));
        }
      }
      if (!mf.ok()) {
        f.fail(field + "." + mf.status().field(), mf.status().message());
        break;
      }
      r.messages.push_back(std::move(m));
    }
  }
  if (const auto* tools = body.if_contains("tools"); tools && !tools->is_null()) {
    if (!tools->is_array()) f.fail("tools", "tools must be an array");
    else {
      for (const auto& t : tools->get_array()) {
        const auto* to = t.if_object();
        const auto* fn = to ? to->if_contains("function") : nullptr;
        if (!fn || !fn->is_object()) {
          f.fail("tools", "each tool needs a function object");
          break;
        }
        FieldReader tf(fn->get_object());
        models::Tool tool;
        tool.name = tf.required_string("name", 1, 64);
        tool.description = tf.string("description").value_or("");
        if (const auto* p = fn->get_object().if_contains("parameters")) tool.parameters = json_text(*p);
        if (!tf.ok()) {
          f.fail("tools", tf.status().message());
          break;
        }
        r.tools.push_back(std::move(tool));
      }
    }
  }
  if (const auto* tc = body.if_contains("tool_choice"); tc && !tc->is_null()) {
    if (tc->is_string()) r.tool_choice = tc->get_string();
    else if (tc->is_object()) r.tool_choice = "required";
  }
  r.temperature = f.number("temperature", 0, 2);
  r.top_p = f.number("top_p", 0, 1);
  if (auto n = f.integer("max_completion_tokens", 1, kMaxTokensCeiling)) r.max_tokens = static_cast<int>(*n);
  if (auto n = f.integer("max_tokens", 1, kMaxTokensCeiling)) r.max_tokens = static_cast<int>(*n);
  if (auto n = f.integer("n", 1, 1); !n && body.contains("n") && !body.at("n").is_null() && f.ok()) f.fail("n", "n must be 1");
  if (const auto* stop = body.if_contains("stop"); stop && !stop->is_null()) {
    if (stop->is_string()) r.stop.emplace_back(stop->get_string());
    else if (auto list = f.string_array("stop", 4)) r.stop = *list;
  }
  if (auto seed = f.integer("seed", INT64_MIN, INT64_MAX)) r.seed = static_cast<uint64_t>(*seed);
  stream = f.boolean("stream").value_or(false);
  include_usage = false;
  if (const auto* so = f.object("stream_options")) {
    FieldReader sf(*so);
    include_usage = sf.boolean("include_usage").value_or(false);
  }
  check(f);
  return r;
}

// The request read from a JSON tree in an arena on this function's stack: everything kept is
// copied out of it.
models::ChatRequest read_chat(const http::Request& req, bool& stream, bool& include_usage) {
  ScratchJson scratch;
  return parse_chat(json_body(req, false, scratch.storage()), stream, include_usage);
}

// Built with the storage of the tree they go into, so inserting them moves instead of copying.
json::object usage_json(const models::Usage& u, const json::storage_ptr& sp = {}) {
  return json::object({{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens},
                       {"total_tokens", u.prompt_tokens + u.completion_tokens},
                       {"prompt_tokens_details", json::object({{"cached_tokens", u.cached_tokens}}, sp)}},
                      sp);
}

json::array tool_calls_json(const std::vector<models::ToolCall>& calls, const json::storage_ptr& sp) {
  json::array out(sp);
  for (const auto& c : calls) {
    out.push_back(json::object({{"id", c.id}, {"type", "function"},
                                {"function", json::object({{"name", c.name}, {"arguments", c.arguments}}, sp)}},
                               sp));
  }
  return out;
}

// A chat.completion object; its JSON tree lives in an arena on this function's stack.
http::Response completion_response(const std::string& id, int64_t created, const std::string& model,
                                   const models::ChatResponse& reply) {
  ScratchJson scratch;
  const json::storage_ptr& sp = scratch.storage();
  json::object message({{"role", "assistant"},
                        {"content", reply.content.empty() && !reply.tool_calls.empty() ? json::value(nullptr)
                                                                                       : json::value(reply.content, sp)},
                        {"refusal", nullptr}},
                       sp);
  if (!reply.tool_calls.empty()) message["tool_calls"] = tool_calls_json(reply.tool_calls, sp);
  json::object choice({{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr},
                       {"finish_reason", reply.finish_reason.empty() ? "stop" : reply.finish_reason}},
                      sp);
  json::array choices(sp);
  choices.push_back(std::move(choice));
  return http::Response::json(200, json::object({{"id", id},
                                                 {"object", "chat.completion"},
                                                 {"created", created},
                                                 {"model", model},
                                                 {"choices", std::move(choices)},
                                                 {"usage", usage_json(reply.usage, sp)}},
                                                sp));
}


// Appends the JSON of one delta: its content and tool-call pieces.
void append_delta(std::string& out, const models::ChatDelta& d) {
  if (d.tool_calls.empty()) {  // the common case, without building a JSON object
    if (d.content.empty()) {
      out += "{}";
    } else {
      out += R"({"content":)";
      append_json_string(out, d.content);
      out += '}';
    }
    return;
  }
  json::object delta;
  if (!d.content.empty()) delta["content"] = d.content;
  json::array calls;
  for (const auto& c : d.tool_calls) {
    json::object call{{"index", c.index}};
    if (!c.id.empty()) {
      call["id"] = c.id;
      call["type"] = "function";
    }
    json::object fn{{"arguments", c.arguments}};
    if (!c.name.empty()) fn["name"] = c.name;
    call["function"] = std::move(fn);
    calls.push_back(std::move(call));
  }
  delta["tool_calls"] = std::move(calls);
  out += json_text(delta);
}

// The `data:` frames of one streamed completion. Every chunk repeats the completion's id,
// created and model: that part is serialized once, and each chunk adds its delta and finish
// reason.
class ChunkFrames {
 public:
  ChunkFrames(const std::string& id, int64_t created, const std::string& model) {
    head_.reserve(96 + id.size() + model.size());
    head_ = R"(data: {"id":)";
    append_json_string(head_, id);
    head_ += R"(,"object":"chat.completion.chunk","created":)";
    head_ += std::to_string(created);
    head_ += R"(,"model":)";
    append_json_string(head_, model);
  }
  // {"role":"assistant","content":""}: the first chunk.
  void role(std::string& out) const {
    open(out) += R"({"role":"assistant","content":""})";
    close(out, {});
  }
  void delta(std::string& out, const models::ChatDelta& d) const {
    append_delta(open(out), d);
    close(out, {});
  }
  void finish(std::string& out, std::string_view reason) const {
    open(out) += "{}";
    close(out, reason);
  }
  // The usage chunk of stream_options.include_usage: no choices.
  void usage(std::string& out, const json::object& usage) const {
    out += head_;
    out += R"(,"choices":[],"usage":)";
    out += json_text(usage);
    out += "}\n\n";
  }

 private:
  std::string& open(std::string& out) const {
    out += head_;
    out += R"(,"choices":[{"index":0,"delta":)";
    return out;
  }
  static void close(std::string& out, std::string_view finish_reason) {
    out += R"(,"logprobs":null,"finish_reason":)";
    if (finish_reason.empty()) out += "null";
    else append_json_string(out, finish_reason);
    out += "}]}\n\n";
  }

  std::string head_;
};

void add_chat_completions_route(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/chat/completions", .family = Family::kOpenai, .auth = Auth::kKey, .generates = true,
         .summary = "OpenAI chat completions, plain or streamed (SSE)",
         .request_schema = R"({"type":"object","required":["model","messages"],"properties":{"model":{"type":"string"},"messages":{"type":"array","items":{"type":"object","required":["role"],"properties":{"role":{"enum":["system","developer","user","assistant","tool"]},"content":{},"name":{"type":"string"},"tool_call_id":{"type":"string"},"tool_calls":{"type":"array"}}}},"tools":{"type":"array"},"tool_choice":{},"temperature":{"type":"number","minimum":0,"maximum":2},"top_p":{"type":"number","minimum":0,"maximum":1},"max_tokens":{"type":"integer","minimum":1},"max_completion_tokens":{"type":"integer","minimum":1},"stop":{},"seed":{"type":"integer"},"stream":{"type":"boolean"},"stream_options":{"type":"object","properties":{"include_usage":{"type":"boolean"}}}}})",
         .response_schema = R"({"type":"object","properties":{"id":{"type":"string"},"object":{"const":"chat.completion"},"created":{"type":"integer"},"model":{"type":"string"},"choices":{"type":"array"},"usage":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           bool stream = false, include_usage = false;
           models::ChatRequest chat = read_chat(req, stream, include_usage);
           const models::RouteHints hints{.model = chat.model};
           std::string id = random_id("chatcmpl-", 24);
           const int64_t created = now_ms() / 1000;
           std::string model = chat.model;

           if (!stream) {
             auto routed = co_await routed_chat(svc, ctx, hints, std::move(chat), "chat");
             auto res = completion_response(id, created, model, routed.response);
             set_circuit_headers(res, svc.router, routed);
             co_return res;
           }

           RoutedStream started_stream = co_await start_routed_stream(svc, ctx, hints, std::move(chat), "chat");
           co_return http::Response::event_stream(
               [relay = std::move(started_stream.relay), first = std::move(started_stream.first), id = std::move(id),
                created, model = std::move(model), include_usage](http::StreamWriter& out) mutable -> asio::awaitable<void> {
                 // The role announcement goes out with the first deltas.
                 const ChunkFrames frames(id, created, model);
                 std::string frame;
                 frame.reserve(4096);  // the frames of one upstream read, usually
                 frames.role(frame);
                 bool open = true;
                 std::optional<ChatRelay::Event> event = std::move(first);
                 if (!event) open = co_await out.write(frame);
                 while (open && event) {
                   // Every event already waiting goes out in this one chunk.
                   bool ended = false;
                   while (event) {
                     if (event->index() == 0) {
                       frames.delta(frame, std::get<0>(*event));
                     } else {
                       auto& result = std::get<1>(*event);
                       if (!result.ok()) {
                         frame += http::sse_event({}, json::object{{"error", json::object{{"message", result.status().message()},
                                                                         {"type", "server_error"},
                                                                         {"code", snake_name(result.status().code())}}}});
                       } else {
                         const auto& reply = result->response;
                         frames.finish(frame, reply.finish_reason.empty() ? "stop" : reply.finish_reason);
                         if (include_usage) frames.usage(frame, usage_json(reply.usage));
                       }
                       frame += "data: [DONE]\n\n";
                       ended = true;
                       break;
                     }
                     event = relay->try_next();
                   }
                   if (ended) open = co_await out.write_last(frame);
                   else open = co_await out.write(frame);
                   frame.clear();
                   if (ended) break;
                   event = co_await relay->next();
                 }
                 if (!open) relay->stop();
               });
         }});
}

void add_embedding_and_model_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/embeddings", .family = Family::kOpenai, .auth = Auth::kKey,
         .summary = "OpenAI embeddings (float or base64)",
         .request_schema = R"({"type":"object","required":["model","input"],"properties":{"model":{"type":"string"},"input":{"oneOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]},"encoding_format":{"enum":["float","base64"]}}})",
         .handler = [&svc](http::Request& req, RequestContext&) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           std::string model = f.required_string("model", 1, 256);
           std::vector<std::string> inputs;
           if (const auto* in = body.if_contains("input"); in && in->is_string()) inputs.emplace_back(in->get_string());
           else if (auto list = f.string_array("input", 2048)) inputs = *list;
           if (inputs.empty() && f.ok()) f.fail("input", "input must be a string or a non-empty array of strings");
           std::string format = f.one_of("encoding_format", {"float", "base64"}).value_or("float");
           check(f);
           auto provider = svc.models.find(model);
           if (!provider) throw StatusError(Status::not_found("The model `" + model + "` does not exist or is not configured").with_field("model"));
           auto result = unwrap(co_await provider->embed(inputs));
           json::array data;
           for (size_t i = 0; i < result.vectors.size(); ++i) {
             const auto& v = result.vectors[i];
             json::value embedding;
             if (format == "base64") {
               std::string bytes(v.size() * sizeof(float), '\0');
               std::memcpy(bytes.data(), v.data(), bytes.size());  // little-endian float32, as OpenAI sends
               embedding = crypto::base64_encode(bytes);
             } else {
               embedding = json::array(v.begin(), v.end());
             }
             data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
           }
           co_return http::Response::json(200, json::object{{"object", "list"},
                                                            {"data", std::move(data)},
                                                            {"model", model},
                                                            {"usage", json::object{{"prompt_tokens", result.prompt_tokens},
                                                                                   {"total_tokens", result.prompt_tokens}}}});
         }});

  t.add({.method = "GET", .path = "/v1/models", .family = Family::kOpenai, .auth = Auth::kNone, .backend = true,
         .summary = "Configured models, in OpenAI's list shape and Cerebrum's",
         .response_schema = R"({"type":"object","properties":{"object":{"const":"list"},"data":{"type":"array"},"models":{"type":"array"}}})",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           json::array data, models;
           const int64_t created = svc.options.started_at_ms / 1000;
           for (const auto& spec : svc.models.specs()) {
             auto info = svc.models.find(spec.id)->info();
             data.push_back(json::object{{"id", spec.id}, {"object", "model"}, {"created", created}, {"owned_by", spec.provider}});
             models.push_back(json::object{{"id", spec.id},
                                           {"name", spec.id},
                                           {"provider", spec.provider},
                                           {"languages", json::array(spec.languages.begin(), spec.languages.end())},
                                           {"task_types", json::array(spec.task_types.begin(), spec.task_types.end())},
                                           {"tier", spec.tier.empty() ? json::value(nullptr) : json::value(spec.tier)},
                                           {"loaded", info.loaded},
                                           {"memory_mb", double(info.memory_bytes) / (1024.0 * 1024.0)},
                                           {"context_size", info.context_size}});
           }
           co_return http::Response::json(200, json::object{{"object", "list"}, {"data", std::move(data)}, {"models", std::move(models)}});
         }});
}

}  // namespace

void add_openai_routes(RouteTable& t, Services& svc) {
  add_chat_completions_route(t, svc);
  add_embedding_and_model_routes(t, svc);
}

}  // namespace brainstem::api
