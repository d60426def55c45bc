// The model router: picks the models that fit a request (language, task type, tier, required
// capabilities, cost ceiling), orders them by policy (cost or latency), and runs the request
// on the first whose circuit is not open, falling back to the next on a retryable failure.
//
// Circuit breaker per model: closed → open after `failure_threshold` consecutive retryable
// failures; open refuses calls for `open_ms`; then half_open lets one probe through, whose
// success closes the circuit and whose failure opens it again.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include "common/status.h"
#include "models/provider.h"
#include "models/registry.h"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::models {

struct RouteHints {
  std::string model;      // an explicit model id: only that model
  std::string language;   // code language (Cerebrum)
  std::string task_type;  // code_generation | reasoning | summarisation | classification | general
  std::string tier;       // speed | nano | sonnet | complex
  std::string policy;     // cost | latency (default: configuration order)
  std::vector<std::string> capabilities;  // e.g. "tools", "embeddings"
  std::optional<double> max_cost_usd;     // estimated cost of this call must stay under it
  int64_t expected_prompt_tokens = 0;
  int64_t expected_completion_tokens = 0;
};

enum class CircuitState { kClosed, kOpen, kHalfOpen };
const char* circuit_name(CircuitState s);  // closed | open | half_open

struct CircuitSnapshot {
  std::string model;
  CircuitState state = CircuitState::kClosed;
  int consecutive_failures = 0;
  int64_t successes = 0, failures = 0;
  double avg_latency_ms = 0;
  int64_t opened_at_ms = 0;
};

struct RoutedReply {
  ChatResponse response;
  std::string model;          // which model answered
  // The first model the request was routed to: the one that failed, or whose circuit was
  // open, when another answered (used_fallback); else the one that answered.
  std::string first_choice;
  bool used_fallback = false;
  double cost_usd = 0;
  double latency_ms = 0;
};

struct RouterOptions {
  int failure_threshold = 5;
  int64_t open_ms = 30000;
};

class ModelRouter {
 public:
  ModelRouter(const ModelRegistry& registry, RouterOptions options = {});

  // Models that fit, best first. kNotFound when an explicit model does not exist;
  // kInvalidArgument when nothing fits the hints (naming why).
  Result<std::vector<std::string>> candidates(const RouteHints& hints) const;
  // Runs the request on the candidates in order, skipping open circuits and falling back on
  // retryable failures (kUnavailable, kDeadlineExceeded, kRateLimited). Once a delta reached
  // `on_delta`, no fallback is tried. The last failure is returned when all fail.
  boost::asio::awaitable<Result<RoutedReply>> chat(const RouteHints& hints, ChatRequest request, const DeltaSink& on_delta);

  std::vector<CircuitSnapshot> circuits() const;
  CircuitState state_of(const std::string& model) const;
  double estimate_cost(const std::string& model, int64_t prompt_tokens, int64_t completion_tokens) const;
  // Unloads the loaded local models that served nothing for `idle_ms` (never-used ones count
  // from `since_ms`) and serve nothing now; `idle_ms` 0 keeps everything. Returns each model with the bytes it held.
  std::vector<std::pair<std::string, int64_t>> unload_idle(int64_t idle_ms, int64_t since_ms);

 private:
  struct Circuit {
    CircuitState state = CircuitState::kClosed;
    int consecutive_failures = 0;
    int64_t successes = 0, failures = 0;
    double total_latency_ms = 0;
    int64_t opened_at_ms = 0;
    int64_t last_used_ms = 0;
    int in_flight = 0;  // admitted calls not yet recorded
    bool probe_in_flight = false;
  };
  // The state callers see: an open circuit shows half-open once its cool-down has passed.
  CircuitState visible_state(const Circuit& c, int64_t now) const;
  bool admit(const std::string& model);  // may this call go to the model now? (then it is in flight)
  void record(const std::string& model, bool ok, double latency_ms);
  void release_probe(const std::string& model);

  const ModelRegistry& registry_;
  RouterOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Circuit> circuits_;
};

}  // namespace brainstem::models
