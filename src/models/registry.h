// The configured models: their specs (from [[models]] in the config file) and the provider
// serving each. Thread-safety: populated before serving; lookups are const and concurrent.
#pragma once

#include "common/status.h"
#include "models/provider.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace brainstem::net {
class HttpClient;
}

namespace brainstem::models {

struct ModelSpec {
  std::string id;                 // what clients name in "model"
  std::string provider;           // openai | anthropic | backend | llama | extractive
  std::string base_url;           // remote: e.g. http://127.0.0.1:18080/v1
  std::string api_key_env;        // remote: environment variable holding the upstream key
  std::string upstream_model;     // remote: the name sent upstream (default: id)
  std::string path;               // llama: GGUF file
  std::string tokenizer;          // a GGUF whose vocabulary counts this model's tokens (llama: its own file)
  std::vector<std::string> languages;
  std::vector<std::string> task_types;
  std::string tier;
  double price_in_per_1k = 0;     // USD per 1,000 prompt tokens
  double price_out_per_1k = 0;    // USD per 1,000 completion tokens
  int64_t context_size = 0;      // llama: total context, split across slots (default 4096)
  int slots = 4;                  // llama: requests decoded together
  int threads = 0;                // llama: CPU threads (0 = all cores)
  bool prompt_cache = true;       // llama: a slot keeps its tokens for the next prompt that starts alike
  int timeout_ms = 120000;
  int max_retries = 2;
};

class ModelRegistry {
 public:
  // kConflict on a duplicate id.
  Status add(ModelSpec spec, std::shared_ptr<Provider> provider);
  // Null when no model has that id.
  std::shared_ptr<Provider> find(const std::string& id) const;
  const ModelSpec* spec(const std::string& id) const;
  std::vector<ModelSpec> specs() const;  // in configuration order
  // Whether the model answers by quoting sources (provider "extractive") rather than writing.
  bool is_extractive(const std::string& id) const;

 private:
  std::vector<ModelSpec> order_;
  std::map<std::string, std::pair<ModelSpec, std::shared_ptr<Provider>>, std::less<>> models_;
};

// Builds the provider a spec names. kInvalidArgument for an unknown provider or a missing
// setting, naming the model.
Result<std::shared_ptr<Provider>> make_provider(const ModelSpec& spec, net::HttpClient& client);

}  // namespace brainstem::models
