// The Anthropic Messages API: POST /v1/messages, plain and streamed (message_start,
// content_block_start/delta/stop, message_delta, message_stop), with tool use. Requests are
// mapped onto the same providers as every other family.
#include "api/chat_relay.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "common/scratch_json.h"
#include "http/sse.h"

#include <map>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Text of a content value: a string, or the text blocks of a block array.
std::string block_text(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (content.is_array()) {
    for (const auto& b : content.get_array()) {
      const auto* o = b.if_object();
      if (!o) continue;
      const auto* type = o->if_contains("type");
      const auto* text = o->if_contains("text");
      if (type && type->is_string() && type->get_string() == "text" && text && text->is_string()) out += text->get_string();
    }
  }
  return out;
}

models::ChatRequest parse_messages(const json::object& body, bool& stream) {
  FieldReader f(body);
  models::ChatRequest r;
  r.model = f.required_string("model", 1, 256);
  auto max_tokens = f.integer("max_tokens", 1, 1 << 20);
  if (!max_tokens && f.ok()) f.fail("max_tokens", "max_tokens: Field required");
  if (max_tokens) r.max_tokens = static_cast<int>(*max_tokens);
  if (const auto* system = body.if_contains("system"); system && !system->is_null()) {
    r.messages.push_back({.role = "system", .content = block_text(*system)});
  }
  const auto* messages = body.if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty()) {
    f.fail("messages", "messages: at least one message is required");
  } else {
    for (const auto& item : messages->get_array()) {
      const auto* o = item.if_object();
      const auto* role = o ? o->if_contains("role") : nullptr;
      const auto* content = o ? o->if_contains("content") : nullptr;
      if (!role || !role->is_string() || (role->get_string() != "user" && role->get_string() != "assistant") || !content) {
        f.fail("messages", "messages: each message needs role user or assistant and content");
        break;
      }
      models::Message m{.role = std::string(role->get_string()), .content = block_text(*content)};
      if (content->is_array()) {
        for (const auto& b : content->get_array()) {
          const auto* bo = b.if_object();
          const auto* type = bo ? bo->if_contains("type") : nullptr;
          if (!type || !type->is_string()) continue;
          if (type->get_string() == "tool_use") {
            models::ToolCall call;
            if (const auto* id = bo->if_contains("id"); id && id->is_string()) call.id = id->get_string();
            if (const auto* name = bo->if_contains("name"); name && name->is_string()) call.name = name->get_string();
            if (const auto* input = bo->if_contains("input")) call.arguments = json_text(*input);
            m.tool_calls.push_back(std::move(call));
          } else if (type->get_string() == "tool_result") {
            // Each tool result becomes its own tool message, answering its call.
            models::Message result{.role = "tool"};
            if (const auto* id = bo->if_contains("tool_use_id"); id && id->is_string()) result.tool_call_id = id->get_string();
            if (const auto* c = bo->if_contains("content")) result.content = block_text(*c);
            r.messages.push_back(std::move(result));
          }
        }
      }
      if (!m.content.empty() || !m.tool_calls.empty()) r.messages.push_back(std::move(m));
    }
  }
  if (const auto* tools = body.if_contains("tools"); tools && tools->is_array()) {
    for (const auto& t : tools->get_array()) {
      const auto* to = t.if_object();
      if (!to) continue;
      FieldReader tf(*to);
      models::Tool tool;
      tool.name = tf.required_string("name", 1, 64);
      tool.description = tf.string("description").value_or("");
      if (const auto* schema = to->if_contains("input_schema")) tool.parameters = json_text(*schema);
      if (!tf.ok()) {
        f.fail("tools", "tools: " + tf.status().message());
        break;
      }
      r.tools.push_back(std::move(tool));
    }
  }
  if (const auto* tc = body.if_contains("tool_choice"); tc && tc->is_object()) {
    const auto* type = tc->as_object().if_contains("type");
    std::string t = type && type->is_string() ? std::string(type->get_string()) : "auto";
    r.tool_choice = t == "any" || t == "tool" ? "required" : t;
  }
  r.temperature = f.number("temperature", 0, 1);
  r.top_p = f.number("top_p", 0, 1);
  r.stop = f.string_array("stop_sequences", 8).value_or(std::vector<std::string>{});
  stream = f.boolean("stream").value_or(false);
  check(f);
  return r;
}

std::string stop_reason(const std::string& finish, bool stopped_by_sequence) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls") return "tool_use";
  return stopped_by_sequence ? "stop_sequence" : "end_turn";
}

json::value tool_input(const std::string& arguments) {
  boost::system::error_code ec;
  auto v = json::parse(arguments.empty() ? std::string("{}") : arguments, ec);
  return ec ? json::value(json::object{}) : v;
}

// The request read from a JSON tree in an arena on this function's stack: everything kept is
// copied out of it.
models::ChatRequest read_messages(const http::Request& req, bool& stream) {
  ScratchJson scratch;
  return parse_messages(json_body(req, false, scratch.storage()), stream);
}

// The reply of a request without "stream".
json::object message_reply(const std::string& id, const std::string& model, const models::ChatResponse& reply,
                           bool stopped_by_sequence) {
  json::array content;
  if (!reply.content.empty() || reply.tool_calls.empty()) content.push_back(json::object{{"type", "text"}, {"text", reply.content}});
  for (const auto& c : reply.tool_calls) {
    content.push_back(json::object{{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", tool_input(c.arguments)}});
  }
  return json::object{{"id", id},
                      {"type", "message"},
                      {"role", "assistant"},
                      {"content", std::move(content)},
                      {"model", model},
                      {"stop_reason", stop_reason(reply.finish_reason, stopped_by_sequence)},
                      {"stop_sequence", nullptr},
                      {"usage", json::object{{"input_tokens", reply.usage.prompt_tokens},
                                             {"output_tokens", reply.usage.completion_tokens}}}};
}

// Turns the relay's events into the Messages API's stream: content blocks opened and closed
// around text and tool-call deltas, then message_delta and message_stop.
class MessageFramer {
 public:
  static std::string start(const std::string& id, const std::string& model) {
    return http::sse_event("message_start", json::object{
        {"type", "message_start"},
        {"message", json::object{{"id", id}, {"type", "message"}, {"role", "assistant"}, {"content", json::array{}},
                                 {"model", model}, {"stop_reason", nullptr}, {"stop_sequence", nullptr},
                                 {"usage", json::object{{"input_tokens", 0}, {"output_tokens", 0}}}}}});
  }

  void delta(const models::ChatDelta& d, std::string& frame) {
    if (!d.content.empty()) {
      if (!text_block_) {
        open_block(frame, json::object{{"type", "text"}, {"text", ""}});
        text_block_ = true;
      }
      frame += http::sse_event("content_block_delta", json::object{{"type", "content_block_delta"}, {"index", block_},
                                                                   {"delta", json::object{{"type", "text_delta"}, {"text", d.content}}}});
    }
    for (const auto& c : d.tool_calls) {
      if (!tool_blocks_.count(c.index)) {
        open_block(frame, json::object{{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", json::object{}}});
        text_block_ = false;
        tool_blocks_[c.index] = block_;
      }
      if (!c.arguments.empty()) {
        frame += http::sse_event("content_block_delta",
                                 json::object{{"type", "content_block_delta"}, {"index", tool_blocks_[c.index]},
                                              {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", c.arguments}}}});
      }
    }
  }

  void end(const Result<models::RoutedReply>& result, std::string& frame) {
    if (!result.ok()) {
      frame += http::sse_event("error", json::object{{"type", "error"},
                                                     {"error", json::object{{"type", "api_error"}, {"message", result.status().message()}}}});
      return;
    }
    // An empty reply still has one (empty) text block.
    if (block_ < 0) open_block(frame, json::object{{"type", "text"}, {"text", ""}});
    close_block(frame);
    const auto& reply = result->response;
    frame += http::sse_event("message_delta", json::object{
        {"type", "message_delta"},
        {"delta", json::object{{"stop_reason", stop_reason(reply.finish_reason, false)}, {"stop_sequence", nullptr}}},
        {"usage", json::object{{"input_tokens", reply.usage.prompt_tokens}, {"output_tokens", reply.usage.completion_tokens}}}});
    frame += http::sse_event("message_stop", json::object{{"type", "message_stop"}});
  }

 private:
  void close_block(std::string& frame) const {
    if (block_ >= 0) frame += http::sse_event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", block_}});
  }
  void open_block(std::string& frame, json::object content_block) {
    close_block(frame);
    ++block_;
    frame += http::sse_event("content_block_start", json::object{{"type", "content_block_start"}, {"index", block_},
                                                                 {"content_block", std::move(content_block)}});
  }

  int block_ = -1;           // index of the open content block
  bool text_block_ = false;  // whether it is a text block
  std::map<int, int> tool_blocks_;  // tool call index → block index
};

// Writes the stream; every event already waiting goes out in one write.
asio::awaitable<void> write_message_stream(http::StreamWriter& out, std::shared_ptr<ChatRelay> relay,
                                           std::optional<ChatRelay::Event> ev, const std::string& id,
                                           const std::string& model) {
  MessageFramer framer;
  std::string frame = MessageFramer::start(id, model);
  bool open = true;  // message_start leaves with the first deltas
  if (!ev) open = co_await out.write(frame);
  while (open && ev) {
    if (ev->index() == 1) {
      framer.end(std::get<1>(*ev), frame);
      open = co_await out.write_last(frame);
      break;
    }
    framer.delta(std::get<0>(*ev), frame);
    if (auto more = relay->try_next()) {
      ev = std::move(more);
      continue;
    }
    if (!frame.empty()) open = co_await out.write(frame);
    frame.clear();
    ev = co_await relay->next();
  }
  if (!open) relay->stop();
}

asio::awaitable<http::Response> answer_messages(Services& svc, http::Request& req, RequestContext& ctx) {
  bool stream = false;
  models::ChatRequest chat = read_messages(req, stream);
  const models::RouteHints hints{.model = chat.model};
  const std::string id = random_id("msg_", 24);
  const std::string model = chat.model;
  const bool has_stop = !chat.stop.empty();
  if (!stream) {
    auto routed = co_await routed_chat(svc, ctx, hints, std::move(chat), "message");
    const auto& reply = routed.response;
    co_return http::Response::json(200, message_reply(id, model, reply, has_stop && reply.finish_reason == "stop"));
  }
  RoutedStream started = co_await start_routed_stream(svc, ctx, hints, std::move(chat), "message");
  co_return http::Response::event_stream(
      [relay = started.relay, first = std::move(started.first), id, model](http::StreamWriter& out) mutable {
        return write_message_stream(out, relay, std::move(first), id, model);
      });
}

}  // namespace

void add_anthropic_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/messages", .family = Family::kAnthropic, .auth = Auth::kKey, .generates = true,
         .summary = "Anthropic Messages API, plain or streamed",
         .request_schema = R"({"type":"object","required":["model","max_tokens","messages"],"properties":{"model":{"type":"string"},"max_tokens":{"type":"integer","minimum":1},"system":{},"messages":{"type":"array"},"tools":{"type":"array"},"tool_choice":{"type":"object"},"temperature":{"type":"number"},"top_p":{"type":"number"},"stop_sequences":{"type":"array","items":{"type":"string"}},"stream":{"type":"boolean"}}})",
         .response_schema = R"({"type":"object","properties":{"id":{"type":"string"},"type":{"const":"message"},"role":{"const":"assistant"},"content":{"type":"array"},"model":{"type":"string"},"stop_reason":{"type":"string"},"usage":{"type":"object"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) { return answer_messages(svc, req, ctx); }});
}

}  // namespace brainstem::api
