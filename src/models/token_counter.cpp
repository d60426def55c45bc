#include "models/token_counter.h"

#include <spdlog/spdlog.h>

namespace brainstem::models {

std::shared_ptr<Tokenizer> TokenCounter::load(const std::string& path) {
  if (path.empty()) return nullptr;
  std::lock_guard lock(mu_);
  if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
  auto loaded = Tokenizer::load(path);
  if (!loaded) spdlog::warn("tokenizer {} not loaded ({}); estimating token counts", path, loaded.status().message());
  auto tokenizer = loaded ? loaded.value() : nullptr;
  by_path_[path] = tokenizer;
  return tokenizer;
}

std::shared_ptr<Tokenizer> TokenCounter::tokenizer_for(const std::string& model_id) {
  if (const ModelSpec* spec = registry_.spec(model_id)) {
    const std::string& own = !spec->tokenizer.empty() ? spec->tokenizer : spec->path;
    if (auto t = load(own)) return t;
  }
  return load(default_path_);
}

int64_t TokenCounter::count(const std::string& model_id, std::string_view text) {
  if (text.empty()) return 0;
  if (auto t = tokenizer_for(model_id)) return static_cast<int64_t>(t->count(text));
  return static_cast<int64_t>((text.size() + 3) / 4);
}

bool TokenCounter::exact(const std::string& model_id) { return tokenizer_for(model_id) != nullptr; }

}  // namespace brainstem::models
