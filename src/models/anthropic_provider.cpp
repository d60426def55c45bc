#include "models/anthropic_provider.h"

#include "common/json_text.h"
#include "net/client.h"
#include "models/remote_call.h"
#include "models/stream_template.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

namespace brainstem::models {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kDefaultMaxTokens = 4096;  // the API requires max_tokens

// Tool arguments are JSON text in chat.h and a JSON object on Anthropic's wire.
json::value arguments_object(const std::string& arguments) {
  boost::system::error_code ec;
  json::value v = arguments.empty() ? json::value(json::object{}) : json::parse(arguments, ec);
  return !ec && v.is_object() ? v : json::value(json::object{});
}

json::array content_blocks(const Message& m) {
  json::array blocks;
  if (m.role == "tool") {
    blocks.push_back(json::object{{"type", "tool_result"}, {"tool_use_id", m.tool_call_id}, {"content", m.content}});
    return blocks;
  }
  if (!m.content.empty()) blocks.push_back(json::object{{"type", "text"}, {"text", m.content}});
  for (const auto& c : m.tool_calls) {
    blocks.push_back(json::object{{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", arguments_object(c.arguments)}});
  }
  return blocks;
}

// System messages join into `system`; tool results travel in user turns; consecutive
// messages of one role merge, as the API wants user and assistant to alternate.
json::object to_wire(const ChatRequest& r, const std::string& model, bool stream) {
  std::string system;
  json::array messages;
  std::string last_role;
  for (const auto& m : r.messages) {
    if (m.role == "system") {
      if (!system.empty()) system += "\n\n";
      system += m.content;
      continue;
    }
    const std::string role = m.role == "assistant" ? "assistant" : "user";
    json::array blocks = content_blocks(m);
    if (blocks.empty()) continue;
    if (role == last_role) {
      auto& previous = messages.back().as_object()["content"].as_array();
      for (auto& b : blocks) previous.push_back(std::move(b));
      continue;
    }
    messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
    last_role = role;
  }
  json::object body{{"model", model}, {"messages", std::move(messages)},
                    {"max_tokens", r.max_tokens.value_or(kDefaultMaxTokens)}};
  if (!system.empty()) body["system"] = system;
  if (!r.tools.empty() && r.tool_choice != "none") {
    json::array tools;
    for (const auto& t : r.tools) {
      json::value schema = arguments_object(t.parameters);
      if (!schema.as_object().contains("type")) schema.as_object()["type"] = "object";
      tools.push_back(json::object{{"name", t.name}, {"description", t.description}, {"input_schema", std::move(schema)}});
    }
    body["tools"] = std::move(tools);
    if (r.tool_choice == "required") body["tool_choice"] = json::object{{"type", "any"}};
    else if (r.tool_choice == "auto") body["tool_choice"] = json::object{{"type", "auto"}};
  }
  if (r.temperature) body["temperature"] = std::min(*r.temperature, 1.0);  // Anthropic's range is 0-1
  if (r.top_p) body["top_p"] = *r.top_p;
  if (!r.stop.empty()) body["stop_sequences"] = json::array(r.stop.begin(), r.stop.end());
  if (stream) body["stream"] = true;
  return body;
}

std::string finish_reason_of(const std::string& stop_reason) {
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  return stop_reason.empty() ? std::string() : std::string("stop");
}

void read_usage(const json::object& o, Usage& usage) {
  if (const auto* u = o.if_contains("usage"); u && u->is_object()) {
    const auto& uo = u->get_object();
    if (uo.contains("input_tokens")) usage.prompt_tokens = json_int(uo, "input_tokens");
    if (uo.contains("output_tokens")) usage.completion_tokens = json_int(uo, "output_tokens");
  }
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// Message bodies, and the message_start … message_stop event stream.
class MessagesDecoder final : public ReplyDecoder {
 public:
  void reset() override {
    stopped_ = false;
    result_ = ChatResponse();
    tool_of_block_.clear();
    text_events_.clear();
  }

  Status on_event(const SseEvent& event, std::vector<ChatDelta>& out) override {
    if (event.data.empty()) return Status::ok();
    // A text delta like an earlier one but for its text: the same event with this text.
    if (auto text = text_events_.match(event.data)) {
      add_text(std::string(*text), out);
      return Status::ok();
    }
    ScratchJson scratch;
    auto parsed = event_object(event.data, "upstream", scratch.storage());
    if (!parsed.ok()) return parsed.status();
    const auto& o = *parsed;
    const std::string type = json_string(o, "type");
    if (type == "error") return Status::unavailable("upstream stream failed: " + upstream_error_message(event.data));
    if (type == "message_start") {
      if (const auto* m = object_at(o, "message")) {
        result_.model = json_string(*m, "model");
        read_usage(*m, result_.usage);
      }
    } else if (type == "content_block_start") {
      const auto* block = object_at(o, "content_block");
      if (block && json_string(*block, "type") == "tool_use") {
        ToolCallDelta td;
        td.index = static_cast<int>(result_.tool_calls.size());
        td.id = json_string(*block, "id");
        td.name = json_string(*block, "name");
        tool_of_block_[json_int(o, "index")] = td.index;
        result_.tool_calls.push_back({td.id, td.name, ""});
        out.push_back(ChatDelta{"", {std::move(td)}});
      }
    } else if (type == "content_block_delta") {
      const auto* delta = object_at(o, "delta");
      if (!delta) return Status::ok();
      const std::string kind = json_string(*delta, "type");
      if (kind == "text_delta") {
        if (auto at = raw_string_at(event.data, {"delta", "text"})) text_events_.set(event.data, *at);
        add_text(json_string(*delta, "text"), out);
      } else if (kind == "input_json_delta") {
        auto it = tool_of_block_.find(json_int(o, "index"));
        if (it == tool_of_block_.end()) return Status::unavailable("upstream sent tool input for an unknown block");
        ToolCallDelta td;
        td.index = it->second;
        td.arguments = json_string(*delta, "partial_json");
        result_.tool_calls[td.index].arguments += td.arguments;
        out.push_back(ChatDelta{"", {std::move(td)}});
      }
    } else if (type == "message_delta") {
      if (const auto* delta = object_at(o, "delta")) result_.finish_reason = finish_reason_of(json_string(*delta, "stop_reason"));
      read_usage(o, result_.usage);
    } else if (type == "message_stop") {
      stopped_ = true;
    }
    return Status::ok();
  }

  bool finished() const override { return stopped_; }

  ChatResponse take() override {
    for (auto& call : result_.tool_calls) {
      if (call.arguments.empty()) call.arguments = "{}";
    }
    return std::move(result_);
  }

  Result<ChatResponse> parse(const std::string& body) const override {
    boost::system::error_code ec;
    ScratchJson scratch;
    auto v = json::parse(body, ec, scratch.storage());
    if (ec || !v.is_object()) return Status::unavailable("upstream sent malformed JSON");
    const auto& o = v.get_object();
    const auto* content = o.if_contains("content");
    if (!content || !content->is_array()) return Status::unavailable("upstream reply has no content");
    ChatResponse r;
    r.model = json_string(o, "model");
    r.finish_reason = finish_reason_of(json_string(o, "stop_reason"));
    read_usage(o, r.usage);
    for (const auto& item : content->get_array()) {
      if (!item.is_object()) continue;
      const auto& block = item.get_object();
      const std::string type = json_string(block, "type");
      if (type == "text") {
        r.content += json_string(block, "text");
      } else if (type == "tool_use") {
        const auto* input = block.if_contains("input");
        r.tool_calls.push_back({json_string(block, "id"), json_string(block, "name"),
                                input ? json_text(*input) : std::string("{}")});
      }
    }
    return r;
  }

 private:
  void add_text(std::string text, std::vector<ChatDelta>& out) {
    result_.content += text;
    if (!text.empty()) out.push_back(ChatDelta{std::move(text), {}});
  }

  bool stopped_ = false;
  ChatResponse result_;
  std::map<int64_t, int> tool_of_block_;  // content block index → tool call index
  TextTemplate text_events_;              // the last text delta whose text lay in it as it is
};

}  // namespace

AnthropicProvider::AnthropicProvider(ModelSpec spec, net::HttpClient& client)
    : RemoteProvider(std::move(spec), client, "https://api.anthropic.com/v1") {}

ModelInfo AnthropicProvider::info() const {
  ModelInfo i = remote_info("anthropic");
  i.supports_tools = true;
  return i;
}

asio::awaitable<Result<ChatResponse>> AnthropicProvider::chat(const ChatRequest& request, const DeltaSink& on_delta) {
  const bool stream = static_cast<bool>(on_delta);
  net::ClientRequest req = json_post("/messages", stream);
  req.headers.push_back({"anthropic-version", "2023-06-01"});
  if (!api_key_.empty()) req.headers.push_back({"x-api-key", api_key_});
  req.body = json_text(to_wire(request, upstream_model(), stream));
  MessagesDecoder decoder;
  co_return co_await call_model(client_, req, spec_, on_delta, decoder);
}

asio::awaitable<Result<EmbeddingResult>> AnthropicProvider::embed(const std::vector<std::string>&) {
  co_return Status::invalid("model '" + spec_.id + "' (anthropic) does not serve embeddings");
}

}  // namespace brainstem::models
