#include "app/mcp_client_command.h"

#include "common/json_text.h"
#include "common/run_sync.h"
#include "mcp/mcp_session.h"
#include "net/address_policy.h"
#include "net/client.h"

#include <boost/json.hpp>

namespace brainstem::app {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Arguments for a tool from its input schema: each required property gets a plain value.
json::object arguments_for(const json::value& schema) {
  json::object args;
  const auto* s = schema.if_object();
  const auto* properties = s ? s->if_contains("properties") : nullptr;
  const auto* required = s ? s->if_contains("required") : nullptr;
  if (!properties || !properties->is_object() || !required || !required->is_array()) return args;
  int64_t number = 0;
  for (const auto& name : required->as_array()) {
    if (!name.is_string()) continue;
    const auto* p = properties->as_object().if_contains(name.as_string());
    std::string type;
    if (p && p->is_object())
      if (const auto* t = p->as_object().if_contains("type"); t && t->is_string()) type = t->as_string();
    json::value v = "test";
    if (type == "number" || type == "integer") v = ++number;
    else if (type == "boolean") v = true;
    else if (type == "array") v = json::array{};
    else if (type == "object") v = json::object{};
    args[name.as_string()] = std::move(v);
  }
  return args;
}

asio::awaitable<int> run(const McpClientCommand& cmd, std::ostream& out, std::ostream& err) {
  mcp::McpEndpoint endpoint;
  endpoint.url = cmd.url;
  endpoint.timeout = std::chrono::seconds(cmd.timeout_s);
  for (const auto& h : cmd.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos) {
      err << "brainstem: --header wants \"Name: value\", not " << h << "\n";
      co_return 2;
    }
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    endpoint.headers.push_back({h.substr(0, colon), value});
  }
  json::object given;
  if (!cmd.args_json.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(cmd.args_json, ec);
    if (ec || !v.is_object()) {
      err << "brainstem: --args must be a JSON object\n";
      co_return 2;
    }
    given = std::move(v.as_object());
  }
  auto policy = net::AddressPolicy::create({"0.0.0.0/0", "::/0"});
  net::HttpClient http;
  mcp::McpSession session(http, *policy, endpoint);
  auto tools = co_await session.list_tools();
  if (!tools) {
    err << "brainstem: " << tools.status().message() << "\n";
    co_return 1;
  }
  json::array names;
  for (const auto& t : *tools) names.push_back(json::value(t.name));
  out << json_text(json::object{{"tools", std::move(names)}}) << "\n";
  int failures = 0;
  for (const auto& t : *tools) {
    if (!cmd.tool.empty() && t.name != cmd.tool) continue;
    const json::object args = cmd.args_json.empty() ? arguments_for(t.input_schema) : given;
    auto called = co_await session.call_tool(t.name, args);
    if (!called) {
      err << "brainstem: " << t.name << ": " << called.status().message() << "\n";
      ++failures;
      continue;
    }
    out << json_text(json::object{{"tool", t.name}, {"isError", called->is_error}, {"content", called->content}}) << "\n";
  }
  co_return failures == 0 ? 0 : 1;
}

}  // namespace

int run_mcp_client(const McpClientCommand& command, std::ostream& out, std::ostream& err) {
  return run_sync(run(command, out, err));
}

}  // namespace brainstem::app
