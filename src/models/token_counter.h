// Counts prompt tokens the way the model that will read them does: with the model's own
// vocabulary (a llama model's GGUF, or a model's `tokenizer` setting), else the server's
// default tokenizer, else an estimate of one token per four bytes.
//
// Thread-safety: count() may run concurrently; vocabularies load once, on first use.
#pragma once

#include "models/registry.h"
#include "models/tokenizer.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace brainstem::models {

class TokenCounter {
 public:
  TokenCounter(const ModelRegistry& registry, std::string default_tokenizer_path)
      : registry_(registry), default_path_(std::move(default_tokenizer_path)) {}

  int64_t count(const std::string& model_id, std::string_view text);
  // Whether counts for the model come from a real vocabulary.
  bool exact(const std::string& model_id);

 private:
  std::shared_ptr<Tokenizer> tokenizer_for(const std::string& model_id);
  std::shared_ptr<Tokenizer> load(const std::string& path);

  const ModelRegistry& registry_;
  const std::string default_path_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Tokenizer>> by_path_;  // null: failed to load, not retried
};

}  // namespace brainstem::models
