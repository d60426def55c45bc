// A path router: a trie of path segments where a literal segment beats a parameter
// (so "/v1/workflows/templates" wins over "/v1/workflows/:id"). Patterns name parameters
// as ":name" or "{name}". Each route carries an Entry of the caller's choice.
//
// Thread-safety: add() before serving; find() is const and safe to call concurrently.
#pragma once

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
    for (auto seg : split_path(pattern)) {
      bool is_param = seg.front() == ':' || (seg.front() == '{' && seg.back() == '}');
      if (is_param) {
        if (!node->param) node->param = std::make_unique<Node>();
        node = node->param.get();
        node->param_name = std::string(seg.front() == ':' ? seg.substr(1) : seg.substr(1, seg.size() - 2));
      } else {
        node = &node->statics[std::string(seg)];
      }
    }
    return node->entries.emplace(std::move(method), std::move(entry)).second;
  }

  Match find(std::string_view method, std::string_view path) const {
    Match m;
    auto segs = split_path(path);
    std::vector<std::pair<std::string, std::string>> params;
    const Node* node = walk(&root_, segs, 0, params);
    if (!node) return m;
    m.path_matched = true;
    for (const auto& [meth, _] : node->entries) m.allowed.push_back(meth);
    auto it = node->entries.find(std::string(method));
    if (it == node->entries.end() && method == "HEAD") it = node->entries.find("GET");
    if (it != node->entries.end()) {
      m.entry = &it->second;
      m.params = std::move(params);
    }
    return m;
  }

 private:
  struct Node {
    std::map<std::string, Node, std::less<>> statics;
    std::unique_ptr<Node> param;
    std::string param_name;
    std::map<std::string, Entry, std::less<>> entries;
  };

  static const Node* walk(const Node* node, const std::vector<std::string_view>& segs, size_t i,
                          std::vector<std::pair<std::string, std::string>>& params) {
    if (i == segs.size()) return node->entries.empty() ? nullptr : node;
    if (auto it = node->statics.find(segs[i]); it != node->statics.end()) {
      if (const Node* found = walk(&it->second, segs, i + 1, params)) return found;
    }
    if (node->param) {
      params.emplace_back(node->param->param_name, std::string(segs[i]));
      if (const Node* found = walk(node->param.get(), segs, i + 1, params)) return found;
      params.pop_back();
    }
    return nullptr;
  }

  Node root_;
};

}  // namespace brainstem::http
