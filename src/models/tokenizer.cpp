#include "models/tokenizer.h"

#include <llama.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>

namespace brainstem::models {

void init_llama_backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(
        [](ggml_log_level level, const char* text, void*) {
          if (level == GGML_LOG_LEVEL_ERROR) spdlog::error("llama: {}", text);
          else if (level == GGML_LOG_LEVEL_WARN) spdlog::debug("llama: {}", text);
        },
        nullptr);
    llama_backend_init();
  });
}

Result<std::shared_ptr<Tokenizer>> Tokenizer::load(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) return Status::not_found("no tokenizer file at " + path);
  init_llama_backend();
  auto params = llama_model_default_params();
  params.vocab_only = true;
  llama_model* model = llama_model_load_from_file(path.c_str(), params);
  if (!model) return Status::invalid(path + " is not a GGUF file with a vocabulary");
  return std::shared_ptr<Tokenizer>(new Tokenizer(model, path));
}

Tokenizer::~Tokenizer() { llama_model_free(model_); }

std::vector<int32_t> Tokenizer::tokenize(std::string_view text, bool add_special) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  std::vector<llama_token> tokens(text.size() + 8);
  int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                             static_cast<int32_t>(tokens.size()), add_special, false);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, false);
  }
  tokens.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return tokens;
}

int32_t Tokenizer::vocabulary_size() const { return llama_vocab_n_tokens(llama_model_get_vocab(model_)); }

}  // namespace brainstem::models
