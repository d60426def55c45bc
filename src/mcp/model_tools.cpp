#include "mcp/model_tools.h"

#include "common/clock.h"
#include "common/json_text.h"

#include <algorithm>

namespace brainstem::mcp {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kSeparator = "__";

}  // namespace

std::string model_tool_name(const std::string& connector_id, const std::string& tool) {
  return connector_id + std::string(kSeparator) + tool;
}

std::optional<std::pair<std::string, std::string>> split_model_tool_name(const std::string& name,
                                                                         const std::vector<std::string>& allowed) {
  const size_t split = name.find(kSeparator);
  if (split == std::string::npos) return std::nullopt;
  std::string connector = name.substr(0, split);
  if (std::find(allowed.begin(), allowed.end(), connector) == allowed.end()) return std::nullopt;
  return std::make_pair(std::move(connector), name.substr(split + kSeparator.size()));
}

asio::awaitable<Result<std::vector<models::Tool>>> model_tools(Connectors& connectors, const ToolCaller& caller,
                                                               const std::vector<std::string>& connector_ids,
                                                               std::vector<std::string>& left_out) {
  std::vector<models::Tool> tools;
  for (const auto& id : connector_ids) {
    auto listed = co_await connectors.connector_tools(caller.tenant_id, id);
    if (!listed) {
      if (listed.status().code() == StatusCode::kNotFound) co_return Status::not_found("no connector " + id + " is registered");
      left_out.push_back(id + ": " + listed.status().message());
      continue;
    }
    for (const auto& t : *listed) {
      if (!may_use_tool(caller.scopes, id, t.name)) continue;
      std::string schema = t.input_schema.is_object() ? json_text(t.input_schema) : R"({"type":"object","properties":{}})";
      tools.push_back({model_tool_name(id, t.name), t.description, std::move(schema)});
    }
  }
  co_return tools;
}

asio::awaitable<ModelToolResult> run_model_tool(Connectors& connectors, const ToolCaller& caller,
                                                const std::string& connector_id, const std::string& tool,
                                                const std::string& arguments) {
  ModelToolResult out;
  boost::system::error_code ec;
  json::value input = json::object{};
  if (!arguments.empty()) input = json::parse(arguments, ec);
  if (ec || !input.is_object()) {
    out.content = R"({"error":"the arguments must be a JSON object"})";
    co_return out;
  }
  const int64_t started = now_us();
  auto called = co_await connectors.execute(caller, connector_id, tool, input.as_object());
  out.latency_ms = double(now_us() - started) / 1000.0;
  if (!called) {
    out.content = json_text(json::object{{"error", called.status().message()}});
    co_return out;
  }
  out.ok = !called->at("isError").as_bool();
  out.content = json_text(json::object{{"content", called->at("output")}, {"isError", called->at("isError")}});
  co_return out;
}

}  // namespace brainstem::mcp
