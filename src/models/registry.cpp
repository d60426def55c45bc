#include "models/registry.h"

#include "models/anthropic_provider.h"
#include "models/backend_provider.h"
#include "models/extractive_provider.h"
#include "models/llama/llama_provider.h"
#include "models/openai_provider.h"

namespace brainstem::models {

Status ModelRegistry::add(ModelSpec spec, std::shared_ptr<Provider> provider) {
  if (models_.count(spec.id)) return Status::conflict("model '" + spec.id + "' is configured twice");
  order_.push_back(spec);
  std::string id = spec.id;
  models_.emplace(std::move(id), std::make_pair(std::move(spec), std::move(provider)));
  return Status::ok();
}

std::shared_ptr<Provider> ModelRegistry::find(const std::string& id) const {
  auto it = models_.find(id);
  return it == models_.end() ? nullptr : it->second.second;
}

const ModelSpec* ModelRegistry::spec(const std::string& id) const {
  auto it = models_.find(id);
  return it == models_.end() ? nullptr : &it->second.first;
}

std::vector<ModelSpec> ModelRegistry::specs() const { return order_; }

bool ModelRegistry::is_extractive(const std::string& id) const {
  const ModelSpec* s = spec(id);
  return s && s->provider == "extractive";
}

Result<std::shared_ptr<Provider>> make_provider(const ModelSpec& spec, net::HttpClient& client) {
  if (spec.provider == "openai") {
    if (spec.base_url.empty()) return Status::invalid("model '" + spec.id + "': base_url is required for provider openai");
    return std::shared_ptr<Provider>(std::make_shared<OpenAiProvider>(spec, client));
  }
  if (spec.provider == "anthropic") return std::shared_ptr<Provider>(std::make_shared<AnthropicProvider>(spec, client));
  if (spec.provider == "backend") {
    if (spec.base_url.empty()) return Status::invalid("model '" + spec.id + "': base_url is required for provider backend");
    return std::shared_ptr<Provider>(std::make_shared<BackendProvider>(spec, client));
  }
  if (spec.provider == "extractive") return std::shared_ptr<Provider>(std::make_shared<ExtractiveProvider>(spec));
  if (spec.provider == "llama") {
    if (spec.path.empty()) return Status::invalid("model '" + spec.id + "': path (a GGUF file) is required for provider llama");
    LlamaOptions options;
    options.id = spec.id;
    options.path = spec.path;
    if (spec.context_size > 0) options.context_size = static_cast<int>(spec.context_size);
    options.slots = spec.slots;
    options.threads = spec.threads;
    options.prompt_cache = spec.prompt_cache;
    auto loaded = LlamaProvider::load(options);
    if (!loaded) return Status(loaded.status().code(), "model '" + spec.id + "': " + loaded.status().message());
    return std::shared_ptr<Provider>(std::move(loaded.value()));
  }
  return Status::invalid("model '" + spec.id + "': unknown provider '" + spec.provider + "'");
}

}  // namespace brainstem::models
