// A path router: a trie of path segments where a literal segment beats a parameter
// (so "/v1/workflows/templates" wins over "/v1/workflows/:id"). Patterns name parameters
// as ":name" or "{name}". Each route carries an Entry of the caller's choice.
//
// Thread-safety: add() before serving; find() is const and safe to call concurrently.
#pragma once

#include "http/message.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brainstem::http {

std::vector<std::string_view> split_path(std::string_view path);

template <class Entry>
class Router {
 public:
  struct Match {
    const Entry* entry = nullptr;        // null when nothing matched
    bool path_matched = false;           // the path exists under another method (→ 405)
    std::vector<std::string> allowed;    // methods that path accepts
    std::vector<std::pair<std::string, std::string>> params;
  };

  // Returns false if the same method and pattern shape was already added.
  bool add(std::string method, std::string_view pattern, Entry entry) {
    Node* node = &root_;
    std::vector<std::string> names;
    for (auto seg : split_path(pattern)) {
      bool is_param = seg.front() == ':' || (seg.front() == '{' && seg.back() == '}');
      if (is_param) {
        if (!node->param) node->param = std::make_unique<Node>();
        node = node->param.get();
        names.emplace_back(seg.front() == ':' ? seg.substr(1) : seg.substr(1, seg.size() - 2));
      } else {
        node = &node->statics[std::string(seg)];
      }
    }
    return node->entries.emplace(std::move(method), Target{std::move(entry), std::move(names)}).second;
  }

  // `path` is matched segment by segment as given; parameter values are percent-decoded, so
  // an encoded "/" stays inside its segment.
  Match find(std::string_view method, std::string_view path) const {
    Match m;
    auto segs = split_path(path);
    std::vector<std::string_view> values;
    const Node* node = walk(&root_, segs, 0, values);
    if (!node) return m;
    m.path_matched = true;
    for (const auto& [meth, _] : node->entries) m.allowed.push_back(meth);
    auto it = node->entries.find(method);
    if (it == node->entries.end() && method == "HEAD") it = node->entries.find("GET");
    if (it != node->entries.end()) {
      m.entry = &it->second.entry;
      for (size_t i = 0; i < values.size(); ++i) {
        m.params.emplace_back(it->second.param_names[i], percent_decode(values[i], false));
      }
    }
    return m;
  }

 private:
  struct Target {
    Entry entry;
    std::vector<std::string> param_names;  // per route: routes sharing a node may name them differently
  };
  struct Node {
    std::map<std::string, Node, std::less<>> statics;
    std::unique_ptr<Node> param;
    std::map<std::string, Target, std::less<>> entries;
  };

  static const Node* walk(const Node* node, const std::vector<std::string_view>& segs, size_t i,
                          std::vector<std::string_view>& values) {
    if (i == segs.size()) return node->entries.empty() ? nullptr : node;
    if (auto it = node->statics.find(segs[i]); it != node->statics.end()) {
      if (const Node* found = walk(&it->second, segs, i + 1, values)) return found;
    }
    if (node->param) {
      values.push_back(segs[i]);
      if (const Node* found = walk(node->param.get(), segs, i + 1, values)) return found;
      values.pop_back();
    }
    return nullptr;
  }

  Node root_;
};

}  // namespace brainstem::http
