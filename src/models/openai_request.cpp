#include "models/openai_request.h"

#include "common/json_text.h"

#include <boost/json.hpp>

namespace brainstem::models {

namespace json = boost::json;

namespace {

void append_member(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value);
}

void append_message(std::string& out, const Message& m) {
  out += R"({"role":)";
  append_json_string(out, m.role);
  out += R"(,"content":)";
  // An assistant turn that only called tools has no content: null, as OpenAI sends it.
  if (m.content.empty() && !m.tool_calls.empty()) out += "null";
  else append_json_string(out, m.content);
  if (!m.name.empty()) append_member(out, "name", m.name);
  if (!m.tool_call_id.empty()) append_member(out, "tool_call_id", m.tool_call_id);
  if (!m.tool_calls.empty()) {
    out += R"(,"tool_calls":[)";
    for (size_t i = 0; i < m.tool_calls.size(); ++i) {
      const ToolCall& c = m.tool_calls[i];
      if (i) out += ',';
      out += R"({"id":)";
      append_json_string(out, c.id);
      out += R"(,"type":"function","function":{"name":)";
      append_json_string(out, c.name);
      append_member(out, "arguments", c.arguments);
      out += "}}";
    }
    out += ']';
  }
  out += '}';
}

// Tools are rare and carry a JSON Schema to check, so they go through a JSON tree.
json::array tools_json(const std::vector<Tool>& tools) {
  json::array out;
  for (const auto& t : tools) {
    boost::system::error_code ec;
    json::value params = t.parameters.empty() ? json::value(json::object()) : json::parse(t.parameters, ec);
    if (ec) params = json::object();
    out.push_back(json::object{{"type", "function"},
                               {"function", json::object{{"name", t.name}, {"description", t.description}, {"parameters", std::move(params)}}}});
  }
  return out;
}

void append_value(std::string& out, std::string_view name, const json::value& value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += json_text(value);
}

}  // namespace

std::string openai_request_body(const ChatRequest& r, const std::string& model, bool stream) {
  size_t size = 128 + model.size();
  for (const auto& m : r.messages) size += 32 + m.content.size();
  std::string out;
  out.reserve(size);
  out += R"({"model":)";
  append_json_string(out, model);
  out += R"(,"messages":[)";
  for (size_t i = 0; i < r.messages.size(); ++i) {
    if (i) out += ',';
    append_message(out, r.messages[i]);
  }
  out += ']';
  if (!r.tools.empty()) {
    append_value(out, "tools", tools_json(r.tools));
    if (!r.tool_choice.empty()) append_member(out, "tool_choice", r.tool_choice);
  }
  if (r.temperature) append_value(out, "temperature", *r.temperature);
  if (r.top_p) append_value(out, "top_p", *r.top_p);
  if (r.max_tokens) append_value(out, "max_tokens", *r.max_tokens);
  if (!r.stop.empty()) append_value(out, "stop", json::array(r.stop.begin(), r.stop.end()));
  if (r.seed) append_value(out, "seed", *r.seed);
  if (stream) out += R"(,"stream":true,"stream_options":{"include_usage":true})";
  out += '}';
  return out;
}

}  // namespace brainstem::models
