#include "orchestration/planner.h"

#include "common/clock.h"

#include <algorithm>

namespace brainstem::orchestration {

namespace json = boost::json;

const char* reversibility_tier(const Node& node) {
  if (node.type != "tool_call" || config_text(node.config, "tool") == "noop") return "reversible";
  std::string method = config_text(node.config, "method");
  if (method == "GET" || method == "HEAD") return "compensable";
  return "irreversible";
}

namespace {

// How sure the plan is the step does what it says: fixed steps are certain; a model's answer
// less so; an outside call depends on the outside.
double confidence(const Node& node) {
  if (node.type == "noop" || node.type == "approval_gate") return 1.0;
  if (node.type == "condition") return 0.95;
  if (node.type == "model_call" || node.type == "agent_step") return 0.8;
  return 0.7;
}

}  // namespace

json::object blast_radius(const Graph& graph, const std::string& node_id) {
  std::vector<std::string> ids{node_id};
  for (auto& id : graph.downstream(node_id)) ids.push_back(std::move(id));
  static const std::vector<std::string> kTiers = {"reversible", "compensable", "irreversible"};
  size_t worst = 0;
  json::array nodes, tools, endpoints;
  for (const auto& id : ids) {
    const Node* node = graph.node(id);
    const char* tier = reversibility_tier(*node);
    worst = std::max(worst, size_t(std::find(kTiers.begin(), kTiers.end(), tier) - kTiers.begin()));
    nodes.push_back(json::object{{"id", id}, {"type", node->type}, {"reversibilityTier", tier}});
    if (node->type != "tool_call") continue;
    std::string tool = config_text(node->config, "tool");
    if (std::find(tools.begin(), tools.end(), json::value(tool)) == tools.end()) tools.emplace_back(tool);
    std::string url = config_text(node->config, "url");
    size_t scheme = url.find("://");
    std::string origin = scheme == std::string::npos ? url : url.substr(0, url.find('/', scheme + 3));
    if (!origin.empty() && std::find(endpoints.begin(), endpoints.end(), json::value(origin)) == endpoints.end()) {
      endpoints.emplace_back(origin);
    }
  }
  return {{"nodeId", node_id}, {"nodes", std::move(nodes)}, {"tools", std::move(tools)},
          {"endpoints", std::move(endpoints)}, {"reversibilityTier", kTiers[worst]}};
}

json::object Planner::enrich(const Graph& graph, const json::value& input, const std::string& source) {
  json::object scope{{"input", input}, {"nodes", json::object()}};
  json::array steps;
  double total = 0;
  for (const auto& node : graph.nodes()) {
    json::array depends;
    for (const auto* edge : graph.incoming(node.id)) depends.emplace_back(edge->from);
    json::object step{{"id", node.id},
                      {"name", node.name.empty() ? node.id : node.name},
                      {"type", node.type},
                      {"config", node.config},
                      {"dependsOn", std::move(depends)},
                      {"estimatedTokens", 0},
                      {"estimatedCostUsd", 0.0},
                      {"reversibilityTier", reversibility_tier(node)},
                      {"confidenceScore", confidence(node)}};
    if (node.type == "model_call" || node.type == "agent_step") {
      json::object config = resolve_references(node.config, scope).as_object();
      models::RouteHints hints;
      hints.model = config_text(config, "model");
      hints.task_type = config_text(config, "taskType");
      auto candidates = router_.candidates(hints);
      if (candidates) {
        const std::string& model = candidates->front();
        std::string prompt = config_text(config, "system") + "\n" + config_text(config, "prompt");
        int64_t prompt_tokens = tokens_.count(model, prompt);
        const bool agent = node.type == "agent_step";
        int64_t completion = agent ? 2048 : 512;
        if (const auto* m = config.if_contains(agent ? "maxTokensPerCall" : "maxTokens"); m && m->is_number()) {
          completion = m->to_number<int64_t>();
        }
        double cost = router_.estimate_cost(model, prompt_tokens, completion);
        step["model"] = model;
        step["estimatedTokens"] = prompt_tokens + completion;
        step["estimatedCostUsd"] = cost;
        total += cost;
      } else {
        step["model"] = nullptr;
        step["warning"] = candidates.status().message();
      }
    }
    steps.push_back(std::move(step));
  }
  json::array edges;
  for (const auto& e : graph.edges()) {
    json::object o{{"from", e.from}, {"to", e.to}};
    if (e.when) o["when"] = *e.when;
    edges.push_back(std::move(o));
  }
  return {{"steps", std::move(steps)}, {"edges", std::move(edges)}, {"estimatedCostUsd", total},
          {"source", source}, {"generatedAt", iso8601(now_ms())}};
}

}  // namespace brainstem::orchestration
