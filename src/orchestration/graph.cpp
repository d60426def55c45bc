#include "orchestration/graph.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <unordered_set>

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

struct NodeType {
  const char* name;
  std::vector<std::string> fields;  // the config fields it reads
  std::vector<std::string> required;
  bool idempotent;
};

const std::vector<NodeType>& node_types() {
  static const std::vector<NodeType> types = {
      {"noop", {"output"}, {}, true},
      {"model_call", {"prompt", "system", "model", "maxTokens", "temperature", "taskType"}, {"prompt"}, true},
      {"agent_step",
       {"prompt", "system", "taskType", "maxIterations", "tokenBudget", "maxTokensPerCall", "toolTimeoutMs",
        "allowedConnectorIds"},
       {"prompt"},
       true},
      {"tool_call", {"tool", "url", "method", "headers", "body", "timeoutMs"}, {"tool"}, false},
      {"approval_gate", {"message"}, {}, true},
      {"condition", {"path", "equals", "notEquals", "exists", "greaterThan", "lessThan"}, {"path"}, true},
  };
  return types;
}

const NodeType* type_named(std::string_view name) {
  for (const auto& t : node_types()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

void check_config(const Node& node, const NodeType& type, std::vector<GraphError>& errors) {
  for (const auto& [key, value] : node.config) {
    if (std::find(type.fields.begin(), type.fields.end(), key) == type.fields.end()) {
      errors.push_back({node.id, "config." + std::string(key) + ": unknown field for a " + type.name + " node"});
    }
  }
  for (const auto& key : type.required) {
    if (!node.config.contains(key)) errors.push_back({node.id, "config." + key + ": field required"});
  }
  if (node.type == "tool_call") {
    auto tool = string_field(node.config, "tool");
    if (!tool.empty() && tool != "http" && tool != "noop") {
      errors.push_back({node.id, "config.tool: unknown tool " + tool + " (http or noop)"});
    }
    if (tool == "http" && string_field(node.config, "url").empty()) {
      errors.push_back({node.id, "config.url: field required for the http tool"});
    }
  }
  if (json::serialize(node.config).size() > kMaxNodeConfigBytes) {
    errors.push_back({node.id, "config: larger than 1 MB"});
  }
}

Node read_node(const json::value& value, size_t position, std::vector<GraphError>& errors) {
  Node node;
  const auto* o = value.if_object();
  if (!o) {
    errors.push_back({"", "nodes[" + std::to_string(position) + "]: must be an object"});
    return node;
  }
  node.id = string_field(*o, "id");
  node.type = string_field(*o, "type");
  node.name = string_field(*o, "name");
  if (node.id.empty() || node.id.size() > 100) {
    errors.push_back({"", "nodes[" + std::to_string(position) + "].id: a string of 1 to 100 characters"});
  }
  for (const auto& [key, v] : *o) {
    static const std::set<std::string, std::less<>> known = {"id", "type", "name", "config", "retry", "idempotent", "position"};
    if (!known.contains(key)) errors.push_back({node.id, std::string(key) + ": unknown node field"});
  }
  const NodeType* type = type_named(node.type);
  if (!type) {
    errors.push_back({node.id, "type: unknown node type \"" + node.type + "\""});
  }
  if (const auto* config = o->if_contains("config")) {
    if (config->is_object()) node.config = config->as_object();
    else errors.push_back({node.id, "config: must be an object"});
  }
  node.idempotent = type ? type->idempotent : true;
  if (const auto* idempotent = o->if_contains("idempotent")) {
    if (idempotent->is_bool()) node.idempotent = idempotent->as_bool();
    else errors.push_back({node.id, "idempotent: must be a boolean"});
  }
  if (const auto* retry = o->if_contains("retry")) {
    const auto* r = retry->if_object();
    const auto* attempts = r ? r->if_contains("attempts") : nullptr;
    const auto* backoff = r ? r->if_contains("backoffMs") : nullptr;
    if (!r || (attempts && (!attempts->is_int64() || attempts->as_int64() < 1 || attempts->as_int64() > 10)) ||
        (backoff && (!backoff->is_int64() || backoff->as_int64() < 0 || backoff->as_int64() > 3'600'000))) {
      errors.push_back({node.id, "retry: {attempts: 1 to 10, backoffMs: 0 to 3600000}"});
    } else {
      if (attempts) node.retry.attempts = static_cast<int>(attempts->as_int64());
      if (backoff) node.retry.backoff_ms = backoff->as_int64();
    }
  }
  if (type) check_config(node, *type, errors);
  return node;
}

}  // namespace

Result<Graph> Graph::parse(const json::value& definition, std::vector<GraphError>* errors_out) {
  std::vector<GraphError> local;
  std::vector<GraphError>& errors = errors_out ? *errors_out : local;
  Graph g;
  const auto* o = definition.if_object();
  const auto* nodes = o ? o->if_contains("nodes") : nullptr;
  if (!nodes || !nodes->is_array()) {
    errors.push_back({"", "nodes: field required: an array of nodes"});
    return Status::validation("nodes", errors.back().message);
  }
  if (nodes->as_array().size() > kMaxNodes) {
    errors.push_back({"", "nodes: at most 1000 nodes"});
    return Status::validation("nodes", errors.back().message);
  }
  for (size_t i = 0; i < nodes->as_array().size(); ++i) {
    Node node = read_node(nodes->as_array()[i], i, errors);
    if (node.id.empty()) continue;
    if (g.index_.contains(node.id)) {
      errors.push_back({node.id, "id: duplicate node id"});
      continue;
    }
    g.index_[node.id] = g.nodes_.size();
    g.nodes_.push_back(std::move(node));
  }
  if (g.nodes_.empty() && errors.empty()) errors.push_back({"", "nodes: a workflow needs at least one node"});
  if (const auto* edges = o->if_contains("edges")) {
    if (!edges->is_array()) errors.push_back({"", "edges: must be an array"});
    else {
      for (const auto& e : edges->as_array()) {
        const auto* eo = e.if_object();
        if (!eo) {
          errors.push_back({"", "edges: each edge is an object {from, to}"});
          continue;
        }
        Edge edge{string_field(*eo, "from"), string_field(*eo, "to"), std::nullopt};
        if (const auto* when = eo->if_contains("when")) {
          if (when->is_bool()) edge.when = when->as_bool();
          else errors.push_back({edge.from, "edges: when must be true or false"});
        }
        if (!g.node(edge.from)) errors.push_back({edge.from, "edge from an unknown node \"" + edge.from + "\""});
        else if (!g.node(edge.to)) errors.push_back({edge.from, "edge to an unknown node \"" + edge.to + "\""});
        else if (edge.when && g.node(edge.from)->type != "condition") {
          errors.push_back({edge.from, "edges: only a condition's edges carry when"});
        } else g.edges_.push_back(std::move(edge));
      }
    }
  }
  g.incoming_.assign(g.nodes_.size(), {});
  g.outgoing_.assign(g.nodes_.size(), {});
  for (size_t i = 0; i < g.edges_.size(); ++i) {
    g.incoming_[g.index_.at(g.edges_[i].to)].push_back(i);
    g.outgoing_[g.index_.at(g.edges_[i].from)].push_back(i);
  }
  // Cycles and unreachable nodes: Kahn's walk from the nodes with no incoming edge.
  std::unordered_map<std::string, int> indegree;
  for (const auto& n : g.nodes_) indegree[n.id] = 0;
  for (const auto& e : g.edges_) ++indegree[e.to];
  std::vector<std::string> ready;
  for (const auto& n : g.nodes_) {
    if (indegree[n.id] == 0) ready.push_back(n.id);
  }
  bool has_root = !ready.empty();
  std::unordered_set<std::string> visited;
  while (!ready.empty()) {
    std::string id = ready.back();
    ready.pop_back();
    visited.insert(id);
    for (const auto* e : g.outgoing(id)) {
      if (--indegree[e->to] == 0) ready.push_back(e->to);
    }
  }
  for (const auto& n : g.nodes_) {
    if (visited.contains(n.id)) continue;
    errors.push_back({n.id, has_root ? "on a cycle, or reachable only through one" : "on a cycle: no node starts the workflow"});
  }
  for (const auto& n : g.nodes_) {
    if (n.type == "approval_gate" && g.outgoing(n.id).empty()) {
      errors.push_back({n.id, "an approval gate needs a way out: an edge to the work it approves"});
    }
    if (n.type == "condition" && g.outgoing(n.id).empty()) {
      errors.push_back({n.id, "a condition needs edges with when: true or false"});
    }
  }
  if (!errors.empty()) {
    const auto& first = errors.front();
    return Status::validation(first.node_id.empty() ? "definition" : "nodes." + first.node_id, first.message);
  }
  return g;
}

const Node* Graph::node(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

std::vector<const Edge*> Graph::edges_at(const std::vector<std::vector<size_t>>& adjacency, const std::string& id) const {
  std::vector<const Edge*> out;
  auto it = index_.find(id);
  if (it == index_.end()) return out;
  for (size_t edge : adjacency[it->second]) out.push_back(&edges_[edge]);
  return out;
}

std::vector<const Edge*> Graph::incoming(const std::string& id) const { return edges_at(incoming_, id); }

std::vector<const Edge*> Graph::outgoing(const std::string& id) const { return edges_at(outgoing_, id); }

std::vector<std::string> Graph::downstream(const std::string& id) const {
  std::unordered_set<std::string> seen;
  std::vector<std::string> stack{id};
  while (!stack.empty()) {
    std::string at = stack.back();
    stack.pop_back();
    for (const auto* e : outgoing(at)) {
      if (seen.insert(e->to).second) stack.push_back(e->to);
    }
  }
  std::vector<std::string> out;
  for (const auto& n : nodes_) {
    if (seen.contains(n.id)) out.push_back(n.id);
  }
  return out;
}

json::object Graph::to_json() const {
  json::array nodes, edges;
  for (const auto& n : nodes_) {
    json::object o{{"id", n.id}, {"type", n.type}, {"config", n.config}, {"idempotent", n.idempotent}};
    if (!n.name.empty()) o["name"] = n.name;
    if (n.retry.attempts > 1) o["retry"] = json::object{{"attempts", n.retry.attempts}, {"backoffMs", n.retry.backoff_ms}};
    nodes.push_back(std::move(o));
  }
  for (const auto& e : edges_) {
    json::object o{{"from", e.from}, {"to", e.to}};
    if (e.when) o["when"] = *e.when;
    edges.push_back(std::move(o));
  }
  return {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
}

std::string config_text(const json::object& config, std::string_view key) {
  const auto* v = config.if_contains(key);
  if (!v || v->is_null()) return {};
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

RunCaps caps_of(const std::string& caps_json) {
  RunCaps caps;
  boost::system::error_code ec;
  json::value parsed = json::parse(caps_json, ec);
  if (ec || !parsed.is_object()) return caps;
  const auto& o = parsed.as_object();
  if (const auto* t = o.if_contains("tokenBudget"); t && t->is_number()) caps.tokens = t->to_number<int64_t>();
  if (const auto* c = o.if_contains("maxCostUsd"); c && c->is_number()) caps.cost_usd = c->to_number<double>();
  return caps;
}

const json::value* value_at(const json::object& scope, std::string_view path) {
  if (path.starts_with("$.")) path.remove_prefix(2);
  const json::value* at = nullptr;
  const json::object* object = &scope;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view key = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (object) {
      at = object->if_contains(key);
    } else if (at && at->is_array()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
      at = ec == std::errc() && end == key.data() + key.size() && index < at->as_array().size() ? &at->as_array()[index] : nullptr;
    } else {
      at = nullptr;
    }
    if (!at) return nullptr;
    object = at->if_object();
  }
  return at;
}

json::value resolve_references(const json::value& value, const json::object& scope) {
  if (value.is_object()) {
    json::object out;
    for (const auto& [k, v] : value.as_object()) out[k] = resolve_references(v, scope);
    return out;
  }
  if (value.is_array()) {
    json::array out;
    for (const auto& v : value.as_array()) out.push_back(resolve_references(v, scope));
    return out;
  }
  if (!value.is_string()) return value;
  std::string_view text = value.as_string();
  size_t open = text.find("{{");
  if (open == std::string_view::npos) return value;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  if (open == 0 && text.ends_with("}}") && text.find("{{", 2) == std::string_view::npos) {
    const auto* found = value_at(scope, trim(text.substr(2, text.size() - 4)));
    return found ? *found : json::value(nullptr);
  }
  std::string out;
  size_t at = 0;
  while (open != std::string_view::npos) {
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(at, open - at));
    if (const auto* found = value_at(scope, trim(text.substr(open + 2, close - open - 2)))) {
      out += found->is_string() ? std::string(found->as_string()) : json::serialize(*found);
    }
    at = close + 2;
    open = text.find("{{", at);
  }
  out.append(text.substr(at));
  return json::value(out);
}

}  // namespace brainstem::orchestration
