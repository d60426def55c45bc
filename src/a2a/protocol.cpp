#include "a2a/protocol.h"

#include "common/crypto.h"
#include "common/json_body.h"
#include "common/json_text.h"

#include <boost/json.hpp>

#include <array>

namespace brainstem::a2a {

namespace json = boost::json;

namespace {

struct StateNames {
  TaskState state;
  std::string_view name;
  std::string_view short_name;
};
constexpr std::array<StateNames, 8> kStates{{
    {TaskState::kSubmitted, "TASK_STATE_SUBMITTED", "submitted"},
    {TaskState::kWorking, "TASK_STATE_WORKING", "working"},
    {TaskState::kCompleted, "TASK_STATE_COMPLETED", "completed"},
    {TaskState::kFailed, "TASK_STATE_FAILED", "failed"},
    {TaskState::kCanceled, "TASK_STATE_CANCELED", "canceled"},
    {TaskState::kInputRequired, "TASK_STATE_INPUT_REQUIRED", "input-required"},
    {TaskState::kRejected, "TASK_STATE_REJECTED", "rejected"},
    {TaskState::kAuthRequired, "TASK_STATE_AUTH_REQUIRED", "auth-required"},
}};

const StateNames& names_of(TaskState state) { return kStates[static_cast<size_t>(state)]; }

// A part in 1.0 form, from either form; nullopt when it carries no content.
std::optional<json::object> read_part(const json::value& given) {
  if (!given.is_object()) return std::nullopt;
  const json::object& p = given.get_object();
  json::object part;
  if (const auto* text = p.if_contains("text"); text && text->is_string()) part["text"] = *text;
  else if (const auto* data = p.if_contains("data"); data && !data->is_null()) part["data"] = *data;
  else if (const auto* url = p.if_contains("url"); url && url->is_string()) part["url"] = *url;
  else if (const auto* raw = p.if_contains("raw"); raw && raw->is_string()) part["raw"] = *raw;
  else if (const auto* file = p.if_contains("file"); file && file->is_object()) {  // 0.3 file part
    const json::object& f = file->get_object();
    if (auto uri = string_field(f, "uri"); !uri.empty()) part["url"] = uri;
    else if (auto bytes = string_field(f, "bytes"); !bytes.empty()) part["raw"] = bytes;
    else return std::nullopt;
    if (auto type = string_field(f, "mimeType"); !type.empty()) part["mediaType"] = type;
    if (auto name = string_field(f, "name"); !name.empty()) part["filename"] = name;
  } else {
    return std::nullopt;
  }
  for (const char* key : {"mediaType", "filename", "metadata"})
    if (const auto* v = p.if_contains(key); v && !part.contains(key)) part[key] = *v;
  return part;
}

json::object part_v03(const json::value& given) {
  if (!given.is_object()) return {};
  const json::object& p = given.get_object();
  json::object part;
  if (const auto* text = p.if_contains("text")) {
    part = {{"kind", "text"}, {"text", *text}};
  } else if (const auto* data = p.if_contains("data")) {
    part = {{"kind", "data"}, {"data", *data}};
  } else {
    json::object file;
    if (const auto* url = p.if_contains("url")) file["uri"] = *url;
    if (const auto* raw = p.if_contains("raw")) file["bytes"] = *raw;
    if (const auto* type = p.if_contains("mediaType")) file["mimeType"] = *type;
    if (const auto* name = p.if_contains("filename")) file["name"] = *name;
    part = {{"kind", "file"}, {"file", std::move(file)}};
  }
  if (const auto* meta = p.if_contains("metadata")) part["metadata"] = *meta;
  return part;
}

json::array parts_v03(const json::object& holder) {
  json::array parts;
  if (const auto* given = holder.if_contains("parts"); given && given->is_array())
    for (const auto& p : given->get_array()) parts.push_back(part_v03(p));
  return parts;
}

json::object status_v03(const json::value& given) {
  if (!given.is_object()) return {};
  json::object status = given.get_object();
  if (auto state = parse_state(string_field(status, "state"))) status["state"] = state_short(*state);
  if (const auto* m = status.if_contains("message"); m && m->is_object()) status["message"] = message_v03(m->get_object());
  return status;
}

json::object artifact_v03(const json::value& given) {
  if (!given.is_object()) return {};
  json::object artifact = given.get_object();
  artifact["parts"] = parts_v03(artifact);
  return artifact;
}

}  // namespace

std::string_view state_name(TaskState state) { return names_of(state).name; }
std::string_view state_short(TaskState state) { return names_of(state).short_name; }

std::optional<TaskState> parse_state(std::string_view name) {
  for (const auto& s : kStates)
    if (name == s.name || name == s.short_name) return s.state;
  return std::nullopt;
}

bool is_final(TaskState state) {
  return state == TaskState::kCompleted || state == TaskState::kFailed || state == TaskState::kCanceled ||
         state == TaskState::kRejected;
}

Result<json::object> read_message(const json::value& given) {
  if (!given.is_object()) return Status::validation("message", "must be an object");
  const json::object& m = given.get_object();
  json::object message;
  message["messageId"] = string_field(m, "messageId");
  if (message["messageId"].get_string().empty()) return Status::validation("message.messageId", "is required");
  const std::string role = string_field(m, "role");
  if (role != "ROLE_USER" && role != "user") return Status::validation("message.role", "must be ROLE_USER");
  message["role"] = "ROLE_USER";
  const auto* parts = m.if_contains("parts");
  if (!parts || !parts->is_array() || parts->get_array().empty())
    return Status::validation("message.parts", "must be a non-empty array");
  json::array read;
  for (const auto& p : parts->get_array()) {
    auto part = read_part(p);
    if (!part) return Status::validation("message.parts", "each part needs text, data, url or raw content");
    read.push_back(std::move(*part));
  }
  message["parts"] = std::move(read);
  for (const char* key : {"contextId", "taskId"})
    if (auto v = string_field(m, key); !v.empty()) message[key] = v;
  for (const char* key : {"metadata", "referenceTaskIds", "extensions"})
    if (const auto* v = m.if_contains(key); v && !v->is_null()) message[key] = *v;
  return message;
}

std::string message_text(const json::object& message) {
  std::string text;
  if (const auto* parts = message.if_contains("parts"); parts && parts->is_array()) {
    for (const auto& p : parts->get_array()) {
      if (!p.is_object()) continue;
      std::string piece;
      if (const auto* t = p.get_object().if_contains("text"); t && t->is_string()) piece = t->get_string();
      else if (const auto* d = p.get_object().if_contains("data")) piece = json_text(*d);
      if (piece.empty()) continue;
      if (!text.empty()) text += "\n\n";
      text += piece;
    }
  }
  return text;
}

json::object agent_message(const std::string& text, const std::string& context_id, const std::string& task_id) {
  return json::object{{"messageId", crypto::uuid_v4()}, {"contextId", context_id}, {"taskId", task_id},
                      {"role", "ROLE_AGENT"}, {"parts", json::array{json::object{{"text", text}}}}};
}

json::object message_v03(const json::object& message) {
  json::object out = message;
  out["kind"] = "message";
  out["role"] = string_field(message, "role") == "ROLE_AGENT" ? "agent" : "user";
  out["parts"] = parts_v03(message);
  return out;
}

json::object task_v03(const json::object& task) {
  json::object out = task;
  out["kind"] = "task";
  if (const auto* s = task.if_contains("status")) out["status"] = status_v03(*s);
  if (const auto* h = task.if_contains("history"); h && h->is_array()) {
    json::array history;
    for (const auto& m : h->get_array())
      if (m.is_object()) history.push_back(message_v03(m.get_object()));
    out["history"] = std::move(history);
  }
  if (const auto* a = task.if_contains("artifacts"); a && a->is_array()) {
    json::array artifacts;
    for (const auto& x : a->get_array()) artifacts.push_back(artifact_v03(x));
    out["artifacts"] = std::move(artifacts);
  }
  return out;
}

json::object stream_event_v03(const json::object& event) {
  if (const auto* t = event.if_contains("task"); t && t->is_object()) return task_v03(t->get_object());
  if (const auto* m = event.if_contains("message"); m && m->is_object()) return message_v03(m->get_object());
  if (const auto* s = event.if_contains("statusUpdate"); s && s->is_object()) {
    json::object out = s->get_object();
    out["kind"] = "status-update";
    if (const auto* status = out.if_contains("status")) out["status"] = status_v03(*status);
    auto state = parse_state(out.contains("status") && out["status"].is_object() ? string_field(out["status"].get_object(), "state") : "");
    out["final"] = state && (is_final(*state) || *state == TaskState::kInputRequired);
    return out;
  }
  if (const auto* a = event.if_contains("artifactUpdate"); a && a->is_object()) {
    json::object out = a->get_object();
    out["kind"] = "artifact-update";
    if (const auto* artifact = out.if_contains("artifact")) out["artifact"] = artifact_v03(*artifact);
    return out;
  }
  return event;
}

}  // namespace brainstem::a2a
