// Server configuration. Every setting has a dotted name ("server.listen"), a TOML key at that
// path, and an environment override BRAINSTEM_<NAME> with dots as underscores, upper case
// ("BRAINSTEM_SERVER_LISTEN"). Precedence: command-line flag > environment > file > default.
#pragma once

#include "common/status.h"
#include "models/registry.h"
#include "ops/rate_limiter.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace brainstem::app {

struct Config {
  // data_dir: where the SQLite database and uploads live.
  std::string data_dir = "./brainstem-data";

  // [server]
  std::string listen = "127.0.0.1:8080";  // server.listen: HOST:PORT ([::1]:8080 for IPv6)
  int threads = 2;                         // server.threads: I/O threads
  int blocking_threads = 4;  // server.blocking_threads: the store engine's threads, and as many for hashing and parsing
  int64_t max_body_bytes = 1 << 20;        // server.max_body_bytes: larger bodies get 413
  int header_timeout_ms = 10000;           // server.header_timeout_ms
  int idle_timeout_ms = 60000;             // server.idle_timeout_ms: keep-alive wait
  int drain_timeout_ms = 30000;            // server.drain_timeout_ms: graceful stop
  int sse_heartbeat_ms = 15000;            // server.sse_heartbeat_ms: comment line on idle event streams; 0: off
  // server.role: "all", or "backend" (only the inference tier: /health, /v1/inference[/stream],
  // /v1/models, /v1/stats, /v1/unload, /v1/cleanup, /metrics)
  std::string role = "all";
  // server.backend_key_env: the environment variable holding the key orchestrators present
  // to the backend routes (unset or empty: tenants' API keys only)
  std::string backend_key_env = "BRAINSTEM_BACKEND_KEY";

  // [auth]
  std::string jwt_secret;          // auth.jwt_secret: empty = generated once, kept in the store
  int64_t token_ttl_s = 24 * 3600;  // auth.token_ttl_s
  bool email_verification = false;  // auth.email_verification
  std::string public_url;           // auth.public_url: base of links; default http://<listen>

  // [limits] per tenant (or per client address before authentication); 0 = unlimited
  ops::RateLimits limits{600, 20000, 200000};
  // [routing]: each model's circuit opens after this many consecutive failures and lets one
  // probe through once it has been open this long
  int circuit_failure_threshold = 5;  // routing.circuit_failure_threshold
  int64_t circuit_open_ms = 30000;    // routing.circuit_open_ms
  int max_concurrent_generations = 64;  // limits.max_concurrent_generations: more → 429 (0 = off)
  int64_t min_free_memory_mb = 0;        // limits.min_free_memory_mb: less free → 503 (0 = off)
  double max_load_per_core = 0;          // limits.max_load_per_core: higher load → 503 (0 = off)
  double model_idle_minutes = 60;  // limits.model_idle_minutes: local models idle this long are unloaded (0 = keep; fractions allowed)
  // [limits.tenants.<id or slug>] requests_per_minute / _hour / _day
  std::map<std::string, ops::RateLimits> tenant_limits;

  // [budgets] LLM cost per tenant per UTC day; 0 = unlimited. X-Budget-State turns warn at
  // warn_pct, throttle (cheapest models only) at throttle_pct, block (402) at 100%.
  double budget_daily_usd = 0;
  double budget_warn_pct = 80;
  double budget_throttle_pct = 95;

  // [pipeline]
  std::string tokenizer;         // pipeline.tokenizer: GGUF vocabulary for token counts (empty = estimate)
  double cache_threshold = 0.9;  // pipeline.cache_threshold: similarity of a semantic cache hit
  int action_timeout_ms = 15000;  // pipeline.action_timeout_ms: per webhook call of a tool action
  // pipeline.fact_extraction: "rules", or "model" (the answering model is asked, after the
  // answer, for the customer's facts; rules when it fails)
  std::string fact_extraction = "rules";

  // [knowledge]
  std::string upload_dir;               // knowledge.upload_dir: where ingest/file paths must lie (default <data_dir>/uploads)
  int64_t max_file_mb = 32;             // knowledge.max_file_mb: largest upload or file to ingest
  int64_t max_page_mb = 10;             // knowledge.max_page_mb: largest web page to ingest
  int fetch_timeout_ms = 20000;         // knowledge.fetch_timeout_ms: per request when fetching a page
  std::string embedding_model = "builtin";  // knowledge.embedding_model: default embedder of ingestions
  int chunk_tokens = 256;               // knowledge.chunk_tokens: target chunk size
  int chunk_overlap_tokens = 32;        // knowledge.chunk_overlap_tokens

  // [memory] (CELLSTATE)
  int64_t agent_active_window_ms = 300000;  // memory.agent_active_window_ms: active_only = a heartbeat this recent
  int memory_sweep_s = 30;                  // memory.sweep_s: how often expired memory is deleted
  bool turn_search = true;  // memory.turn_search: index turns for search and recall across sessions

  // [orchestration]
  // orchestration.planner_model: the model (a [[models]] id) that writes the plans of runs
  // created without a workflow, decompose's plans and compose's proposals; empty: templates
  // and rules write them
  std::string planner_model;

  // [security]
  // security.allow_cidrs: comma-separated CIDRs that tool actions and webhooks may reach
  // although private or loopback (e.g. "10.0.0.0/8,127.0.0.1/32"); empty = none
  std::string allow_cidrs;
  // security.secret_key: 64 hex digits (`openssl rand -hex 32`) sealing secrets at rest (MCP
  // connectors' credentials); empty: a key made at first start in <data_dir>/secret.key.
  // security.previous_secret_keys: comma-separated older keys still opening what they sealed.
  std::string secret_key;
  std::string previous_secret_keys;

  // [webhooks]
  // webhooks.retry_schedule_s: seconds before each retry of a failed delivery
  std::string webhook_retry_schedule_s = "60,300,1800,7200,86400";
  int webhook_poll_ms = 5000;  // webhooks.poll_ms: how often due deliveries are sent

  // [[models]]: id, provider, and the provider's settings (models/registry.h ModelSpec)
  std::vector<models::ModelSpec> models;

  // [log]
  std::string log_level = "info";  // log.level: trace, debug, info, warn, error
  bool access_log = true;          // log.access: one line per request

  std::string host() const;
  uint16_t port() const;  // REQUIRES: validate() passed
};

// Reads `path` (empty = none) and the environment over the defaults. kInvalidArgument names
// the setting at fault.
Result<Config> load_config(const std::string& path);
// Applies one setting by dotted name; used for files, the environment and flags alike.
Status apply_setting(Config& config, const std::string& name, const std::string& value);
Status validate(const Config& config);
// Dotted names of every setting, for documentation and the env lookup.
std::vector<std::string> setting_names();

}  // namespace brainstem::app
