#include "app/server_app.h"

#include "api/gateway.h"
#include "api/routes.h"
#include "auth/accounts.h"
#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/offload.h"
#include "common/run_sync.h"
#include "mcp/connectors.h"
#include "orchestration/tool_call_guard.h"
#include "a2a/card.h"
#include "a2a/tasks.h"
#include "net/address_policy.h"
#include "net/client.h"
#include "http/server.h"
#include "knowledge/turn_index.h"
#include "memory/cellstate.h"
#include "models/hashed_embedder.h"
#include "models/registry.h"
#include "models/token_counter.h"
#include "ops/budgets.h"
#include "ops/usage_meter.h"
#include "ops/webhooks.h"
#include "pipeline/pipeline.h"
#include "ops/audit.h"
#include "ops/metrics.h"
#include "ops/rate_limiter.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <unistd.h>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace brainstem::app {

namespace asio = boost::asio;

std::string database_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "brainstem.db").string();
}

void setup_logging(const std::string& level) {
  static bool done = false;
  if (!done) {
    spdlog::init_thread_pool(16384, 1);
    auto logger = spdlog::create_async<spdlog::sinks::stderr_sink_mt>("brainstem");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    spdlog::flush_every(std::chrono::seconds(1));
    done = true;
  }
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::warn);
}

struct ServerApp::Parts {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<BlockingPool> blocking;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<auth::Accounts> accounts;
  std::unique_ptr<ops::RateLimiter> rate_limiter;
  ops::Metrics metrics;
  std::unique_ptr<ops::AuditLog> audit;
  net::HttpClient upstream;
  models::ModelRegistry models;
  std::unique_ptr<models::ModelRouter> router;
  std::unique_ptr<api::GenerationGate> gate;
  net::AddressPolicy address_policy;
  std::unique_ptr<models::TokenCounter> tokens;
  models::HashedEmbedder embedder;
  std::unique_ptr<knowledge::EmbeddingModels> embedding_models;
  std::unique_ptr<knowledge::KnowledgeBase> knowledge;
  std::unique_ptr<knowledge::TurnIndex> turn_index;
  std::unique_ptr<memory::CellState> cellstate;
  std::unique_ptr<pipeline::AgentCache> agent_cache;
  pipeline::SemanticCache cache;
  std::unique_ptr<pipeline::ConversationWriter> conversation_writer;
  std::unique_ptr<pipeline::ActionRunner> actions;
  std::unique_ptr<ops::Budgets> budgets;
  std::unique_ptr<ops::UsageMeter> usage;
  std::unique_ptr<ops::WebhookDispatcher> webhooks;
  TaskGroup background;  // work requests leave running; a graceful stop waits for it
  std::unique_ptr<pipeline::Pipeline> pipeline;
  std::unique_ptr<services::LocalCacheInvalidation> invalidation;
  std::unique_ptr<services::Agents> agents;
  std::unique_ptr<services::Answers> answers;
  std::unique_ptr<services::Conversations> conversations;
  std::unique_ptr<orchestration::SecurityPolicies> security;
  std::unique_ptr<orchestration::Entities> entities;
  std::unique_ptr<orchestration::AgentSteps> agent_steps;
  std::unique_ptr<orchestration::PlanWriter> plan_writer;
  std::unique_ptr<orchestration::Composer> composer;
  std::unique_ptr<orchestration::Notifications> notifications;
  std::unique_ptr<orchestration::Projects> projects;
  std::unique_ptr<mcp::Connectors> connectors;
  std::unique_ptr<orchestration::PolicyToolCallGuard> tool_guard;
  std::unique_ptr<a2a::Tasks> a2a_tasks;
  std::unique_ptr<a2a::CardSigner> card_signer;
  std::unique_ptr<orchestration::StandardNodeRunner> node_runner;
  std::unique_ptr<orchestration::RunEngine> run_engine;
  std::unique_ptr<orchestration::Orchestrator> orchestrator;
  std::unique_ptr<orchestration::Planner> planner;
  std::unique_ptr<api::Services> services;
  api::RouteTable routes;
  std::unique_ptr<ops::AccessLog> access_log;  // outlives the gateway that writes to it
  std::unique_ptr<api::Gateway> gateway;
  std::unique_ptr<http::Server> server;
};

namespace {

std::string upload_dir(const Config& config) {
  return config.upload_dir.empty() ? (std::filesystem::path(config.data_dir) / "uploads").string() : config.upload_dir;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Who holds run leases: the same after a restart, so a restarted server takes its runs back
// at once instead of after their leases end.
std::string node_id(const Config& config) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return std::string(host) + ":" + config.data_dir;
}

Result<ops::WebhookOptions> webhook_options(const Config& config) {
  ops::WebhookOptions options;
  options.retry_schedule.clear();
  for (const auto& item : split_list(config.webhook_retry_schedule_s)) {
    char* end = nullptr;
    long seconds = std::strtol(item.c_str(), &end, 10);
    if (*end || seconds < 0) return Status::invalid("webhooks.retry_schedule_s must be comma-separated seconds");
    options.retry_schedule.emplace_back(seconds);
  }
  return options;
}

// The key that seals secrets at rest: the configured one, else the data directory's own,
// made at first start (readable by the server's user only).
Result<mcp::SecretBox> secret_box(const Config& config) {
  std::string key = config.secret_key;
  if (key.empty()) {
    const auto path = std::filesystem::path(config.data_dir) / "secret.key";
    if (std::ifstream in(path); in) {
      std::getline(in, key);
    } else {
      key = mcp::SecretBox::generate_hex_key();
      std::ofstream out(path);
      out << key << "\n";
      out.close();
      std::error_code ec;
      std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
      if (!out || ec) return Status::unavailable("cannot write the secret key to " + path.string());
    }
  }
  auto box = mcp::SecretBox::from_hex(key, split_list(config.previous_secret_keys));
  if (!box) return Status::invalid("security.secret_key: " + box.status().message());
  return box;
}

}  // namespace

// The message pipeline and what it stands on: address policy, tokenizer, embedder, caches,
// tool actions, budgets, metering and outgoing webhooks.
Status ServerApp::build_pipeline(const Config& config, Parts& p) {
  auto policy = net::AddressPolicy::create(split_list(config.allow_cidrs));
  if (!policy) return Status::invalid("security.allow_cidrs: " + policy.status().message());
  p.address_policy = std::move(policy).value();
  auto hook_options = webhook_options(config);
  if (!hook_options) return hook_options.status();
  p.tokens = std::make_unique<models::TokenCounter>(p.models, config.tokenizer);
  p.agent_cache = std::make_unique<pipeline::AgentCache>(*p.store);
  if (auto s = p.cache.load(*p.store); !s.is_ok()) return s;
  p.turn_index = std::make_unique<knowledge::TurnIndex>(p.embedder, config.turn_search);
  if (auto s = p.turn_index->load(*p.store); !s.is_ok()) return s;
  p.conversation_writer = std::make_unique<pipeline::ConversationWriter>(*p.store, p.turn_index.get());
  pipeline::ActionRunnerOptions action_options;
  action_options.timeout = std::chrono::milliseconds(config.action_timeout_ms);
  p.actions = std::make_unique<pipeline::ActionRunner>(p.upstream, p.address_policy, action_options);
  p.budgets = std::make_unique<ops::Budgets>(
      *p.store, ops::BudgetOptions{config.budget_daily_usd, config.budget_warn_pct, config.budget_throttle_pct});
  p.usage = std::make_unique<ops::UsageMeter>(*p.store, *p.budgets);
  p.webhooks = std::make_unique<ops::WebhookDispatcher>(*p.store, p.upstream, p.address_policy,
                                                        std::move(hook_options).value());
  if (auto s = build_knowledge(config, p); !s.is_ok()) return s;
  auto secrets = secret_box(config);
  if (!secrets) return secrets.status();
  p.connectors = std::make_unique<mcp::Connectors>(*p.store, p.upstream, p.address_policy, std::move(secrets).value());
  p.a2a_tasks = std::make_unique<a2a::Tasks>(*p.store);
  // The agent card key is made at first start and kept in the store, so cards stay verifiable.
  auto card_key = run_sync(p.store->setting_or_init("a2a_card_key", crypto::base64url_encode(a2a::CardSigner::generate_seed())));
  if (!card_key) return card_key.status();
  std::string card_seed;
  if (!crypto::base64url_decode(card_key.value(), card_seed) || card_seed.size() != 32)
    return Status::internal("the stored agent card key is damaged");
  p.card_signer = std::make_unique<a2a::CardSigner>(std::move(card_seed));
  p.pipeline = std::make_unique<pipeline::Pipeline>(pipeline::PipelineDeps{
      *p.store, p.models, *p.router, *p.tokens, p.embedder, *p.agent_cache, p.cache, *p.conversation_writer, *p.actions, *p.usage,
      *p.webhooks, *p.knowledge, *p.turn_index, p.connectors.get(), p.background, config.cache_threshold, config.fact_extraction == "model"});
  p.invalidation = std::make_unique<services::LocalCacheInvalidation>(*p.agent_cache, p.cache);
  p.agents = std::make_unique<services::Agents>(*p.store, *p.agent_cache, *p.invalidation);
  p.answers = std::make_unique<services::Answers>(*p.store, p.cache, p.embedder, *p.agents, *p.invalidation);
  p.conversations = std::make_unique<services::Conversations>(*p.store, p.embedder, *p.agents);
  p.security = std::make_unique<orchestration::SecurityPolicies>(*p.store, *p.store);
  p.tool_guard = std::make_unique<orchestration::PolicyToolCallGuard>(*p.security, *p.usage, *p.audit, p.background);
  p.connectors->set_guard(p.tool_guard.get());
  p.entities = std::make_unique<orchestration::Entities>(*p.store, *p.store);
  p.agent_steps = std::make_unique<orchestration::AgentSteps>(*p.router, *p.usage, *p.store, p.connectors.get());
  p.node_runner = std::make_unique<orchestration::StandardNodeRunner>(*p.router, *p.usage, *p.security, *p.agent_steps, p.upstream,
                                                                      p.address_policy);
  orchestration::EngineOptions engine_options;
  engine_options.node_id = node_id(config);
  p.run_engine = std::make_unique<orchestration::RunEngine>(*p.store, *p.node_runner, p.background, engine_options);
  if (!config.planner_model.empty() && !p.models.find(config.planner_model)) {
    return Status::invalid("orchestration.planner_model: no model " + config.planner_model + " is configured");
  }
  p.plan_writer = std::make_unique<orchestration::PlanWriter>(*p.router, *p.usage, config.planner_model);
  p.composer = std::make_unique<orchestration::Composer>(*p.entities, *p.plan_writer);
  p.notifications = std::make_unique<orchestration::Notifications>(*p.store, *p.store);
  p.orchestrator = std::make_unique<orchestration::Orchestrator>(*p.store, *p.run_engine, p.plan_writer.get());
  p.projects = std::make_unique<orchestration::Projects>(*p.store, *p.orchestrator);
  p.planner = std::make_unique<orchestration::Planner>(*p.router, *p.tokens);
  return Status::ok();
}

// The knowledge base: its embedders (the built-in one shares the pipeline's), chunking by the
// server's tokenizer, and the index loaded from the store.
Status ServerApp::build_knowledge(const Config& config, Parts& p) {
  std::shared_ptr<models::Embedder> builtin(&p.embedder, [](models::Embedder*) {});  // owned by Parts
  p.embedding_models = std::make_unique<knowledge::EmbeddingModels>(builtin, p.models, config.embedding_model);
  if (auto chosen = p.embedding_models->find(""); !chosen.ok()) {
    return Status::invalid("knowledge.embedding_model: " + chosen.status().message());
  }
  knowledge::KnowledgeBase::Options options;
  options.chunking.target_tokens = config.chunk_tokens;
  options.chunking.overlap_tokens = std::min(config.chunk_overlap_tokens, config.chunk_tokens / 2);
  options.chunking.max_tokens = config.chunk_tokens * 2;
  models::TokenCounter* tokens = p.tokens.get();
  auto count = [tokens](std::string_view text) { return tokens->count("", text); };
  p.knowledge = std::make_unique<knowledge::KnowledgeBase>(*p.store, *p.blocking, *p.embedding_models, count, options);
  if (auto s = p.knowledge->load(); !s.is_ok()) return s;
  memory::CellStateOptions memory_options;
  memory_options.agent_active_window_ms = config.agent_active_window_ms;
  // Summaries are asked of a model that suits summarisation, metered like any other call; a
  // quoting (extractive) model is no summarizer, so CellState's own extractive summary serves.
  models::ModelRouter* router = p.router.get();
  models::ModelRegistry* registry = &p.models;
  ops::UsageMeter* usage = p.usage.get();
  memory_options.summarize = [router, registry, usage](std::string tenant,
                                             std::vector<std::string> texts) -> asio::awaitable<Result<memory::ModelSummary>> {
    std::string joined;
    for (const auto& text : texts) joined += text + "\n\n";
    models::ChatRequest request;
    request.messages = {{"system",
                         "Summarize the following notes of an agent's work in at most five sentences. Keep names, "
                         "numbers and decisions; answer with the summary only.",
                         "", "", {}},
                        {"user", joined, "", "", {}}};
    request.temperature = 0.2;
    request.max_tokens = 300;
    models::RouteHints hints;
    hints.task_type = "summarisation";
    const models::DeltaSink none;
    auto routed = co_await router->chat(hints, std::move(request), none);
    if (!routed) co_return routed.status();
    if (registry->is_extractive(routed->model)) co_return Status::unavailable("no language model to summarize with");
    usage->record(store::UsageRecord{tenant, "", "", routed->model, "summarization", routed->response.usage.prompt_tokens,
                                     routed->response.usage.completion_tokens, routed->cost_usd, false, now_ms()});
    co_return memory::ModelSummary{routed->response.content, routed->model};
  };
  p.cellstate = std::make_unique<memory::CellState>(*p.store, *p.embedding_models, *p.turn_index, *p.tokens, p.background,
                                                    memory_options);
  return p.cellstate->load_indexes();
}

ServerApp::ServerApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
ServerApp::~ServerApp() = default;

Result<std::unique_ptr<ServerApp>> ServerApp::create(const Config& config) {
  if (auto s = validate(config); !s.is_ok()) return s;
  auto p = std::make_unique<Parts>();
  p->config = config;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status::unavailable("cannot create data directory " + config.data_dir + ": " + ec.message());

  store::SqliteOptions store_options;
  store_options.threads = config.blocking_threads;
  auto store = store::open_sqlite(database_path(config.data_dir), store_options);
  if (!store) return store.status();
  p->store = std::move(store.value());

  std::string secret = config.jwt_secret;
  if (secret.empty()) {
    auto kept = run_sync(p->store->setting_or_init("jwt_secret", crypto::hex_encode(crypto::random_bytes(32))));
    if (!kept) return kept.status();
    secret = kept.value();
  }
  p->blocking = std::make_unique<BlockingPool>(config.blocking_threads, 4096);
  p->authenticator = std::make_unique<auth::Authenticator>(*p->store, secret);
  auth::AccountsOptions ao;
  ao.email_verification = config.email_verification;
  ao.public_url = config.public_url.empty() ? "http://" + config.listen : config.public_url;
  ao.token_ttl_s = config.token_ttl_s;
  p->accounts = std::make_unique<auth::Accounts>(*p->store, *p->blocking, *p->authenticator, ao);
  p->rate_limiter = ops::make_local_rate_limiter();
  p->audit = std::make_unique<ops::AuditLog>(*p->store);
  // With no model configured, answers are quoted from the sources (the extractive provider).
  std::vector<models::ModelSpec> specs = config.models;
  if (specs.empty()) specs.push_back(models::ModelSpec{.id = "extractive", .provider = "extractive"});
  for (const auto& spec : specs) {
    auto provider = models::make_provider(spec, p->upstream);
    if (!provider) return provider.status();
    if (auto s = p->models.add(spec, std::move(provider.value())); !s.is_ok()) return s;
  }

  p->router = std::make_unique<models::ModelRouter>(
      p->models, models::RouterOptions{config.circuit_failure_threshold, config.circuit_open_ms});
  p->gate = std::make_unique<api::GenerationGate>(api::GateOptions{.max_concurrent = config.max_concurrent_generations,
                                                                   .min_free_memory_mb = config.min_free_memory_mb,
                                                                   .max_load_per_core = config.max_load_per_core});
  if (auto s = build_pipeline(config, *p); !s.is_ok()) return s;
  api::ApiOptions opts;
  opts.data_dir = config.data_dir;
  opts.default_limits = config.limits;
  opts.tenant_limits.insert(config.tenant_limits.begin(), config.tenant_limits.end());
  opts.model_idle_ms = static_cast<int64_t>(config.model_idle_minutes * 60000);
  opts.started_at_ms = now_ms();
  opts.public_url = config.public_url;
  if (!config.backend_key_env.empty()) {
    if (const char* key = std::getenv(config.backend_key_env.c_str())) opts.backend_key = key;
  }
  opts.knowledge.upload_dir = upload_dir(config);
  opts.knowledge.max_file_bytes = static_cast<size_t>(config.max_file_mb) << 20;
  opts.knowledge.fetch.max_bytes = static_cast<size_t>(config.max_page_mb) << 20;
  opts.knowledge.fetch.timeout = std::chrono::milliseconds(config.fetch_timeout_ms);
  std::filesystem::create_directories(opts.knowledge.upload_dir, ec);
  if (ec) return Status::unavailable("cannot create upload directory " + opts.knowledge.upload_dir + ": " + ec.message());
  p->services.reset(new api::Services{opts, *p->store, *p->blocking, *p->authenticator, *p->accounts,
                                      *p->rate_limiter, p->metrics, *p->audit, p->models, *p->router, *p->gate,
                                      *p->budgets, *p->usage, *p->webhooks, *p->pipeline, *p->agents, *p->answers, *p->conversations,
                                      p->address_policy,
                                      *p->knowledge, *p->turn_index, p->upstream, *p->cellstate, *p->orchestrator, *p->planner, *p->security, *p->entities, *p->agent_steps, *p->composer, *p->notifications, *p->projects, *p->connectors, *p->a2a_tasks, *p->card_signer, p->background});
  p->routes = api::RouteTable(config.role == "backend");
  api::add_all_routes(p->routes, *p->services);
  if (config.access_log) p->access_log = std::make_unique<ops::AccessLog>();
  p->gateway = std::make_unique<api::Gateway>(*p->services, p->routes, p->access_log.get());

  http::ServerOptions so;
  so.host = config.host();
  so.port = config.port();
  so.threads = config.threads;
  so.body_limit = static_cast<size_t>(config.max_body_bytes);
  // A multipart upload carries the file plus its form fields.
  so.upload_limits = {{"/v1/knowledge/ingest/file", opts.knowledge.max_file_bytes + (64 << 10)}};
  so.header_timeout = std::chrono::milliseconds(config.header_timeout_ms);
  so.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  so.drain_timeout = std::chrono::milliseconds(config.drain_timeout_ms);
  so.sse_heartbeat = std::chrono::milliseconds(config.sse_heartbeat_ms);
  so.background_idle = [background = &p->background] { return background->idle(); };
  api::Gateway* gateway = p->gateway.get();
  p->server = std::make_unique<http::Server>(so, [gateway](http::Request& req) { return gateway->handle(req); });
  return std::unique_ptr<ServerApp>(new ServerApp(std::move(p)));
}

Status ServerApp::start() { return parts_->server->start(); }

uint16_t ServerApp::port() const { return parts_->server->port(); }

void ServerApp::stop() { parts_->server->stop(); }

// Runs `tick` every `period` until the executor stops; a tick that throws is logged and the
// next one runs as usual.
void ServerApp::every(const asio::any_io_executor& exec, std::chrono::milliseconds period,
                      std::function<asio::awaitable<void>()> tick) {
  asio::co_spawn(
      exec,
      [period, tick = std::move(tick)]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        for (;;) {
          timer.expires_after(period);
          auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          try {
            co_await tick();
          } catch (const std::exception& e) {
            spdlog::warn("periodic task failed: {}", e.what());
          }
        }
      },
      asio::detached);
}

void ServerApp::run() {
  auto& p = *parts_;
  auto exec = p.server->executor();
  asio::signal_set signals(exec, SIGINT, SIGTERM);
  signals.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: finishing in-flight requests, refusing new ones", sig);
    stop();
  });
  // Last-use times of API keys are written in batches, off the request path.
  every(exec, std::chrono::seconds(5), [&p]() -> asio::awaitable<void> {
    auto s = co_await p.authenticator->flush_usage();
    if (!s.is_ok()) spdlog::warn("recording API key use failed: {}", s.message());
  });
  // Metered usage is written once a second; due webhook deliveries are sent every poll.
  every(exec, std::chrono::milliseconds(1000), [&p]() -> asio::awaitable<void> { co_await p.usage->flush(); });
  // The store's log is checkpointed here, so that no commit pays for it.
  every(exec, std::chrono::milliseconds(1000), [&p]() -> asio::awaitable<void> {
    Status s = co_await p.store->checkpoint();
    if (!s.is_ok()) spdlog::warn("store checkpoint failed: {}", s.message());
  });
  // Memory whose time is up is deleted (reads hide it from the moment it expires).
  every(exec, std::chrono::seconds(p.config.memory_sweep_s), [&p]() -> asio::awaitable<void> {
    int64_t swept = co_await p.cellstate->sweep_expired();
    if (swept > 0) spdlog::info("deleted {} expired memory entities", swept);
  });
  every(exec, std::chrono::milliseconds(p.config.webhook_poll_ms),
        [&p]() -> asio::awaitable<void> { co_await p.webhooks->deliver_due(now_ms()); });
  // Runs this node may drive: new, approved and retried ones (also woken at once), and those
  // whose driver died.
  p.run_engine->wake(exec);
  every(exec, std::chrono::milliseconds(p.config.webhook_poll_ms),
        [&p]() -> asio::awaitable<void> { co_await p.run_engine->claim_due(); });
  // Local models idle past the configured time are unloaded; they load again on demand.
  // Checked every minute, or a quarter of the idle time when that is shorter.
  if (const int64_t idle_ms = p.services->options.model_idle_ms; idle_ms > 0) {
    every(exec, std::chrono::milliseconds(std::clamp<int64_t>(idle_ms / 4, 50, 60000)), [&p]() -> asio::awaitable<void> {
      for (const auto& [id, bytes] : p.router->unload_idle(p.services->options.model_idle_ms, p.services->options.started_at_ms)) {
        spdlog::info("unloaded idle model {} ({} MiB)", id, bytes >> 20);
      }
      co_return;
    });
  }
  spdlog::info("brainstem serving on {}:{} (data in {})", p.config.host(), port(), p.config.data_dir);
  p.server->run();
  if (auto s = run_sync(p.authenticator->flush_usage()); !s.is_ok()) {
    spdlog::warn("recording API key use failed: {}", s.message());
  }
  if (auto s = run_sync(p.usage->flush()); !s.is_ok()) spdlog::warn("recording usage failed: {}", s.message());
  spdlog::info("brainstem stopped");
  spdlog::default_logger()->flush();
}

}  // namespace brainstem::app
