#include "models/router.h"

#include "common/clock.h"

#include <algorithm>

namespace brainstem::models {

namespace asio = boost::asio;

const char* circuit_name(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed: return "closed";
    case CircuitState::kOpen: return "open";
    case CircuitState::kHalfOpen: return "half_open";
  }
  return "closed";
}

namespace {
bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded ||
         s.code() == StatusCode::kRateLimited;
}
}  // namespace

ModelRouter::ModelRouter(const ModelRegistry& registry, RouterOptions options) : registry_(registry), options_(options) {}

double ModelRouter::estimate_cost(const std::string& model, int64_t prompt_tokens, int64_t completion_tokens) const {
  const ModelSpec* spec = registry_.spec(model);
  if (!spec) return 0;
  return (double(prompt_tokens) * spec->price_in_per_1k + double(completion_tokens) * spec->price_out_per_1k) / 1000.0;
}

Result<std::vector<std::string>> ModelRouter::candidates(const RouteHints& h) const {
  if (!h.model.empty()) {
    if (!registry_.find(h.model)) {
      return Status::not_found("The model `" + h.model + "` does not exist or is not configured").with_field("model");
    }
    return std::vector<std::string>{h.model};
  }
  auto specs = registry_.specs();
  if (specs.empty()) return Status::unavailable("no model is configured");
  std::vector<const ModelSpec*> fit;
  std::string why;
  for (const auto& s : specs) {
    const ModelSpec* spec = registry_.spec(s.id);
    auto info = registry_.find(s.id)->info();
    // A model that lists no languages (task types, tier) is a generalist for that hint.
    if (!h.language.empty() && !spec->languages.empty() && !contains(spec->languages, h.language)) continue;
    if (!h.task_type.empty() && !spec->task_types.empty() && !contains(spec->task_types, h.task_type)) continue;
    if (!h.tier.empty() && !spec->tier.empty() && spec->tier != h.tier) continue;
    bool capable = std::all_of(h.capabilities.begin(), h.capabilities.end(), [&](const std::string& c) {
      if (c == "tools") return info.supports_tools;
      if (c == "embeddings") return info.supports_embeddings;
      return contains(spec->task_types, c) || contains(spec->languages, c);
    });
    if (!capable) continue;
    if (h.max_cost_usd && estimate_cost(s.id, h.expected_prompt_tokens, h.expected_completion_tokens) > *h.max_cost_usd) {
      why = " within maxCostUsd";
      continue;
    }
    fit.push_back(spec);
  }
  if (fit.empty()) {
    std::string what = !h.language.empty() ? "language '" + h.language + "'" : !h.task_type.empty() ? "task type '" + h.task_type + "'" : "this request";
    return Status::invalid("no configured model serves " + what + why);
  }
  if (h.policy == "cost") {
    std::stable_sort(fit.begin(), fit.end(), [](const ModelSpec* a, const ModelSpec* b) {
      return a->price_in_per_1k + a->price_out_per_1k < b->price_in_per_1k + b->price_out_per_1k;
    });
  } else if (h.policy == "latency") {
    std::lock_guard lock(mu_);
    auto avg = [&](const ModelSpec* s) {
      auto it = circuits_.find(s->id);
      if (it == circuits_.end() || it->second.successes == 0) return 0.0;  // unknown: try it
      return it->second.total_latency_ms / double(it->second.successes);
    };
    std::stable_sort(fit.begin(), fit.end(), [&](const ModelSpec* a, const ModelSpec* b) { return avg(a) < avg(b); });
  }
  std::vector<std::string> out;
  for (const auto* s : fit) out.push_back(s->id);
  return out;
}

bool ModelRouter::admit(const std::string& model) {
  std::lock_guard lock(mu_);
  auto& c = circuits_[model];
  if (c.state != CircuitState::kClosed) {
    if (c.state == CircuitState::kOpen) {
      if (visible_state(c, now_ms()) == CircuitState::kOpen) return false;  // still cooling down
      c.state = CircuitState::kHalfOpen;
      c.probe_in_flight = false;
    }
    if (c.probe_in_flight) return false;  // half open: one probe at a time
    c.probe_in_flight = true;
  }
  ++c.in_flight;
  return true;
}

void ModelRouter::release_probe(const std::string& model) {
  std::lock_guard lock(mu_);
  auto& c = circuits_[model];
  c.probe_in_flight = false;
  c.in_flight = std::max(0, c.in_flight - 1);
}

void ModelRouter::record(const std::string& model, bool ok, double latency_ms) {
  std::lock_guard lock(mu_);
  auto& c = circuits_[model];
  c.probe_in_flight = false;
  c.in_flight = std::max(0, c.in_flight - 1);
  c.last_used_ms = now_ms();
  if (ok) {
    ++c.successes;
    c.total_latency_ms += latency_ms;
    c.consecutive_failures = 0;
    c.state = CircuitState::kClosed;
    return;
  }
  ++c.failures;
  ++c.consecutive_failures;
  if (c.state == CircuitState::kHalfOpen || c.consecutive_failures >= options_.failure_threshold) {
    c.state = CircuitState::kOpen;
    c.opened_at_ms = now_ms();
  }
}

asio::awaitable<Result<RoutedReply>> ModelRouter::chat(const RouteHints& hints, ChatRequest request, const DeltaSink& on_delta) {
  auto list = candidates(hints);
  if (!list) co_return list.status();
  bool delivered = false;
  DeltaSink sink;
  if (on_delta) {
    sink = [&](const ChatDelta& d) -> asio::awaitable<bool> {
      delivered = true;
      co_return co_await on_delta(d);
    };
  }
  Status last = Status::unavailable("every candidate model's circuit is open");
  bool tried_any = false;
  for (const auto& model : *list) {
    if (!admit(model)) {
      last = Status::unavailable("circuit open for model '" + model + "'");
      continue;
    }
    auto provider = registry_.find(model);
    request.model = model;
    const int64_t started = now_us();
    Status loaded = co_await provider->ensure_loaded();  // a local model unloaded while idle
    if (!loaded.is_ok()) {
      record(model, false, 0);
      last = loaded;
      tried_any = true;
      continue;
    }
    auto reply = co_await provider->chat(request, sink);
    const double latency = double(now_us() - started) / 1000.0;
    if (reply) {
      record(model, true, latency);
      RoutedReply out;
      out.used_fallback = tried_any || model != list->front();
      out.model = model;
      out.first_choice = list->front();
      out.latency_ms = latency;
      out.cost_usd = estimate_cost(model, reply->usage.prompt_tokens, reply->usage.completion_tokens);
      out.response = std::move(reply.value());
      co_return out;
    }
    if (reply.status().code() == StatusCode::kCancelled) {  // the client left: says nothing about the model
      release_probe(model);
      co_return reply.status();
    }
    // Only the model's own failures count against its circuit.
    record(model, !retryable(reply.status()), latency);
    last = reply.status();
    tried_any = true;
    if (delivered || !retryable(last)) break;
  }
  co_return last;
}

std::vector<CircuitSnapshot> ModelRouter::circuits() const {
  std::vector<CircuitSnapshot> out;
  std::lock_guard lock(mu_);
  for (const auto& spec : registry_.specs()) {
    CircuitSnapshot s;
    s.model = spec.id;
    if (auto it = circuits_.find(spec.id); it != circuits_.end()) {
      const auto& c = it->second;
      s.state = visible_state(c, now_ms());
      s.consecutive_failures = c.consecutive_failures;
      s.successes = c.successes;
      s.failures = c.failures;
      s.avg_latency_ms = c.successes ? c.total_latency_ms / double(c.successes) : 0;
      s.opened_at_ms = c.opened_at_ms;
    }
    out.push_back(s);
  }
  return out;
}

std::vector<std::pair<std::string, int64_t>> ModelRouter::unload_idle(int64_t idle_ms, int64_t since_ms) {
  std::vector<std::pair<std::string, int64_t>> unloaded;
  if (idle_ms <= 0) return unloaded;  // 0: keep models loaded
  const int64_t now = now_ms();
  for (const auto& spec : registry_.specs()) {
    auto provider = registry_.find(spec.id);
    auto info = provider->info();
    int64_t last = since_ms;
    {
      std::lock_guard lock(mu_);
      if (auto it = circuits_.find(spec.id); it != circuits_.end()) {
        if (it->second.in_flight > 0) continue;  // busy: not idle, however long ago it last finished
        last = std::max(last, it->second.last_used_ms);
      }
    }
    if (info.loaded && now - last >= idle_ms && provider->unload()) unloaded.emplace_back(spec.id, info.memory_bytes);
  }
  return unloaded;
}

CircuitState ModelRouter::visible_state(const Circuit& c, int64_t now) const {
  return c.state == CircuitState::kOpen && now - c.opened_at_ms >= options_.open_ms ? CircuitState::kHalfOpen : c.state;
}

// Asked on every reply (X-Circuit-State): one lookup, not a snapshot of every model.
CircuitState ModelRouter::state_of(const std::string& model) const {
  std::lock_guard lock(mu_);
  auto it = circuits_.find(model);
  return it == circuits_.end() ? CircuitState::kClosed : visible_state(it->second, now_ms());
}

}  // namespace brainstem::models
