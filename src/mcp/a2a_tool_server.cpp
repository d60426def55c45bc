#include "mcp/a2a_tool_server.h"

#include <cctype>

namespace brainstem::mcp {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::value message_schema() {
  return json::object{{"type", "object"},
                      {"properties", json::object{{"message", json::object{{"type", "string"}, {"description", "What to ask the agent"}}}}},
                      {"required", json::array{"message"}}};
}

}  // namespace

std::string A2aToolServer::tool_name(const std::string& skill_id) {
  std::string out = skill_id;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  return out;
}

asio::awaitable<Result<std::vector<McpTool>>> A2aToolServer::list_tools() {
  auto skills = co_await peer_.skills(true);
  if (!skills) co_return skills.status();
  std::vector<McpTool> tools;
  for (const auto& s : *skills) {
    std::string description = s.description.empty() ? s.name : s.name + ": " + s.description;
    tools.push_back({tool_name(s.id), std::move(description), message_schema()});
  }
  co_return tools;
}

asio::awaitable<Result<McpCallResult>> A2aToolServer::call_tool(const std::string& name, const json::object& arguments,
                                                                const std::string& caller_agent_id) {
  const auto* message = arguments.if_contains("message");
  McpCallResult out;
  if (!message || !message->is_string() || message->get_string().empty()) {
    out.is_error = true;
    out.content = json::array{json::object{{"type", "text"}, {"text", "the argument message (a string) is required"}}};
    co_return out;
  }
  auto skills = co_await peer_.skills(false);
  if (!skills) co_return skills.status();
  std::string skill;
  for (const auto& s : *skills)
    if (tool_name(s.id) == name) skill = s.id;
  if (skill.empty()) co_return Status::not_found("the agent has no skill " + name);
  auto reply = co_await peer_.send(skill, std::string(message->get_string()), caller_agent_id);
  if (!reply) co_return reply.status();
  out.is_error = reply->state != a2a::TaskState::kCompleted;
  out.content = json::array{json::object{{"type", "text"}, {"text", reply->text}}};
  out.structured = json::object{{"taskId", reply->task_id}, {"contextId", reply->context_id},
                                {"state", a2a::state_name(reply->state)}};
  co_return out;
}

}  // namespace brainstem::mcp
