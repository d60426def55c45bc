// A workflow's definition: nodes and the edges between them, read from JSON and checked.
// The same graph is a run's plan, so a run never depends on its workflow after it starts.
//
// {"nodes": [{"id", "type", "name"?, "config"?, "retry"? {"attempts", "backoffMs"},
//             "idempotent"?}],
//  "edges": [{"from", "to", "when"? true|false}]}
//
// Node types: noop (outputs its config's "output"), model_call (a prompt through the model
// router), tool_call (built-in "http" or "noop" tools), approval_gate (a durable wait for a
// person), condition (a test over earlier outputs whose edges carry "when"). A node's config
// may reference the run's input and earlier outputs: "{{input.title}}",
// "{{nodes.classify.output.label}}".
#pragma once

#include "common/status.h"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace brainstem::orchestration {

constexpr size_t kMaxNodes = 1000;
constexpr size_t kMaxNodeConfigBytes = 1 << 20;

struct RetryPolicy {
  int attempts = 1;       // 1: no retry
  int64_t backoff_ms = 1000;  // before the second attempt; doubled after each
};

struct Node {
  std::string id;
  std::string type;
  std::string name;
  boost::json::object config;
  RetryPolicy retry;
  // May run again after being cut off mid-way (a crash). Defaults: true for noop, condition
  // and model_call, false for tool_call.
  bool idempotent = true;
};

struct Edge {
  std::string from;
  std::string to;
  std::optional<bool> when;  // from a condition: followed only when its result equals this
};

struct GraphError {
  std::string node_id;  // empty: the graph as a whole
  std::string message;
};

class Graph {
 public:
  // Reads and checks a definition. Errors name the node (or field) at fault.
  static Result<Graph> parse(const boost::json::value& definition, std::vector<GraphError>* errors = nullptr);

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Edge>& edges() const { return edges_; }
  const Node* node(const std::string& id) const;
  // The edges into / out of a node.
  std::vector<const Edge*> incoming(const std::string& id) const;
  std::vector<const Edge*> outgoing(const std::string& id) const;
  // Every node reachable from `id` along edges, `id` excluded, in definition order.
  std::vector<std::string> downstream(const std::string& id) const;

  boost::json::object to_json() const;

 private:
  std::vector<const Edge*> edges_at(const std::vector<std::vector<size_t>>& adjacency, const std::string& id) const;

  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::unordered_map<std::string, size_t> index_;
  // By node position: the positions in edges_ of the edges into / out of it.
  std::vector<std::vector<size_t>> incoming_;
  std::vector<std::vector<size_t>> outgoing_;
};

// Replaces "{{path}}" references in every string of `value` with what they name in `scope`
// ({"input": ..., "nodes": {id: {"output": ...}}}); a string that is one reference becomes the
// value itself. An unknown reference becomes null (or "" inside a longer string).
boost::json::value resolve_references(const boost::json::value& value, const boost::json::object& scope);
// A config field as text: a string as it is, another value as JSON, absent or null as "".
std::string config_text(const boost::json::object& config, std::string_view key);

// A run's caps, as stored in store::Run::caps ({"tokenBudget", "maxCostUsd"}); absent: none.
struct RunCaps {
  std::optional<int64_t> tokens;
  std::optional<double> cost_usd;
};
RunCaps caps_of(const std::string& caps_json);

// The value at a dotted path ("nodes.a.output.label", "$." allowed first), or nullptr.
const boost::json::value* value_at(const boost::json::object& scope, std::string_view path);

}  // namespace brainstem::orchestration
