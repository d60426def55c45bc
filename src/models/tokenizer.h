// Token counting with a real tokenizer: a llama.cpp vocabulary loaded from a GGUF file
// (a full model or a vocabulary-only file such as ggml-vocab-llama-bpe.gguf).
//
// Thread-safety: a loaded Tokenizer is immutable; tokenize() and count() may run concurrently.
#pragma once

#include "common/status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct llama_model;

namespace brainstem::models {

class Tokenizer {
 public:
  // Loads only the vocabulary of the GGUF at `path` (no weights). kNotFound if the file is
  // missing, kInvalidArgument if it is not a GGUF with a vocabulary.
  static Result<std::shared_ptr<Tokenizer>> load(const std::string& path);
  ~Tokenizer();

  std::vector<int32_t> tokenize(std::string_view text, bool add_special = false) const;
  size_t count(std::string_view text) const { return tokenize(text).size(); }
  int32_t vocabulary_size() const;
  const std::string& path() const { return path_; }

 private:
  Tokenizer(llama_model* model, std::string path) : model_(model), path_(std::move(path)) {}
  llama_model* model_;
  std::string path_;
};

// Initialises llama.cpp once per process and routes its log lines to ours (warnings and up).
void init_llama_backend();

}  // namespace brainstem::models
