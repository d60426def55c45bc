#include "app/cli.h"

#include "app/config.h"
#include "app/eval_memory_command.h"
#include "app/ingest_command.h"
#include "app/mcp_client_command.h"
#include "app/server_app.h"
#include "auth/accounts.h"
#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/offload.h"
#include "common/run_sync.h"
#include "models/tokenizer.h"
#include "store/sqlite/sqlite_store.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

namespace brainstem::app {

namespace {

constexpr const char* kVersion = "0.1.0";

struct CommonFlags {
  std::string config_path;
  std::string data_dir;
};

void add_common(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--config", f.config_path, "TOML configuration file");
  cmd->add_option("--data", f.data_dir, "data directory (default ./brainstem-data)");
}

// The configuration a command runs with: file, then environment, then flags.
Result<Config> resolve(const CommonFlags& f) {
  auto config = load_config(f.config_path);
  if (!config) return config;
  if (!f.data_dir.empty()) config->data_dir = f.data_dir;
  return config;
}

int fail(const Status& s) {
  std::cerr << "brainstem: " << s.message() << "\n";
  return 1;
}

Result<std::unique_ptr<store::Store>> open_store(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status::unavailable("cannot create data directory " + config.data_dir + ": " + ec.message());
  return store::open_sqlite(database_path(config.data_dir));
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App cli{"brainstem: one server for AI agents, memory, knowledge and models"};
  cli.require_subcommand(1);

  CommonFlags serve_flags;
  std::string listen, role;
  auto* serve = cli.add_subcommand("serve", "run the HTTP server");
  add_common(serve, serve_flags);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve->add_option("--role", role, "all (default), or backend: only the inference tier an orchestrator calls")
      ->check(CLI::IsMember({"all", "backend"}));

  CommonFlags key_flags;
  auth::KeyRequest key;
  std::string tenant = "default", kind = "live", scopes;
  int64_t expires_in_days = 0;
  auto* keys = cli.add_subcommand("keys", "manage API keys offline, against the data directory");
  keys->require_subcommand(1);
  auto* keys_create = keys->add_subcommand("create", "create an API key; prints the raw key as the last line");
  add_common(keys_create, key_flags);
  keys_create->add_option("--name", key.name, "key name")->required();
  keys_create->add_option("--tenant", tenant, "tenant slug (created if missing)")->capture_default_str();
  keys_create->add_option("--scopes", scopes, "comma-separated scopes (default *)");
  keys_create->add_option("--agent", key.agent_id, "lock the key to one agent id");
  keys_create->add_option("--identity-mode", key.identity_mode, "anonymous | identified | required")
      ->check(CLI::IsMember({"anonymous", "identified", "required"}))
      ->capture_default_str();
  keys_create->add_option("--origins", key.allowed_origins, "allowed browser origins");
  keys_create->add_option("--kind", kind, "live (sk_live_...) or ctx (ctx_...)")
      ->check(CLI::IsMember({"live", "ctx"}))
      ->capture_default_str();
  keys_create->add_option("--expires-in-days", expires_in_days, "expiry in days")->check(CLI::Range(1, 3650));

  CommonFlags migrate_flags;
  auto* migrate = cli.add_subcommand("migrate", "apply pending schema migrations and print the version");
  add_common(migrate, migrate_flags);

  std::string vocab_path, text;
  auto* tokenize = cli.add_subcommand("tokenize", "count tokens with a GGUF tokenizer");
  tokenize->add_option("--vocab", vocab_path, "GGUF model or vocabulary file")->required();
  tokenize->add_option("text", text, "text to tokenize")->required();

  EvalMemoryCommand eval_memory;
  auto* eval = cli.add_subcommand("eval", "measure brainstem on a benchmark");
  auto* eval_memory_cmd = eval->add_subcommand(
      "memory", "evidence recall of turn search on a LoCoMo-layout benchmark, beside plain BM25");
  eval->require_subcommand(1);
  eval_memory_cmd->add_option("file", eval_memory.file, "benchmark JSON (LoCoMo layout)")->required();
  eval_memory_cmd->add_option("--server", eval_memory.server, "server URL (default: an embedded server)");
  eval_memory_cmd->add_option("--key", eval_memory.api_key,
                              "API key: every conversation in its tenant (default: a new account each)");
  eval_memory_cmd->add_option("--mode", eval_memory.mode, "keyword | vector | hybrid | all")
      ->check(CLI::IsMember({"keyword", "vector", "hybrid", "all"}))
      ->capture_default_str();
  eval_memory_cmd->add_flag("--json", eval_memory.json, "print one JSON document");
  eval_memory_cmd->add_option("--model", eval_memory.model,
                              "a model of the server that answers each question from the recalled turns (token F1)");
  eval_memory_cmd->add_option("--config", eval_memory.config_file, "the embedded server's configuration file");

  IngestCommand ingest;
  auto* ingest_cmd = cli.add_subcommand("ingest", "ingest a file into a running server's knowledge base, showing progress");
  ingest_cmd->add_option("file", ingest.file, "file to ingest (PDF, DOCX, PPTX, XLSX, HTML, Markdown, text, CSV)")->required();
  ingest_cmd->add_option("--agent", ingest.agent_id, "agent whose knowledge the source joins");
  ingest_cmd->add_option("--server", ingest.server, "server URL")->capture_default_str();
  ingest_cmd->add_option("--key", ingest.api_key, "API key (default: BRAINSTEM_API_KEY)");
  ingest_cmd->add_option("--source", ingest.source_id, "knowledge source id (default: a new one)");
  ingest_cmd->add_option("--embedding-model", ingest.embedding_model, "embedding model (default: the server's)");

  McpClientCommand mcp_client;
  auto* mcp_client_cmd = cli.add_subcommand("mcp-client", "connect to an MCP server, list its tools and call them");
  mcp_client_cmd->add_option("url", mcp_client.url, "the server's streamable HTTP endpoint")->required();
  mcp_client_cmd->add_option("--header", mcp_client.headers, "a header to send, \"Name: value\" (repeatable)");
  mcp_client_cmd->add_option("--tool", mcp_client.tool, "call only this tool");
  mcp_client_cmd->add_option("--args", mcp_client.args_json, "the tool's arguments as a JSON object (default: from its schema)");
  mcp_client_cmd->add_option("--timeout", mcp_client.timeout_s, "seconds per request")->check(CLI::Range(1, 3600))->capture_default_str();

  auto* version = cli.add_subcommand("version", "print the version");

  CLI11_PARSE(cli, argc, argv);

  if (*mcp_client_cmd) {
    setup_logging("warn");
    return run_mcp_client(mcp_client, std::cout, std::cerr);
  }

  if (*version) {
    std::cout << "brainstem " << kVersion << "\n";
    return 0;
  }

  if (*serve) {
    auto config = resolve(serve_flags);
    if (!config) return fail(config.status());
    if (!listen.empty()) config->listen = listen;
    if (!role.empty()) config->role = role;
    setup_logging(config->log_level);
    auto app = ServerApp::create(*config);
    if (!app) return fail(app.status());
    if (auto s = (*app)->start(); !s.is_ok()) return fail(s);
    (*app)->run();
    return 0;
  }

  if (*keys_create) {
    auto config = resolve(key_flags);
    if (!config) return fail(config.status());
    setup_logging("warn");
    auto store = open_store(*config);
    if (!store) return fail(store.status());
    auth::Authenticator authenticator(**store, "");
    BlockingPool cpu(1, 16);
    auth::Accounts accounts(**store, cpu, authenticator, {});
    key.kind = kind == "ctx" ? auth::KeyKind::kCortex : auth::KeyKind::kLive;
    key.created_by = "cli";
    key.scopes.clear();
    for (size_t start = 0; start < scopes.size();) {
      size_t comma = scopes.find(',', start);
      if (comma == std::string::npos) comma = scopes.size();
      if (comma > start) key.scopes.push_back(scopes.substr(start, comma - start));
      start = comma + 1;
    }
    if (expires_in_days > 0) key.expires_at = now_ms() + expires_in_days * 86400000LL;
    auto created = run_sync(accounts.create_key_for_slug(tenant, key));
    if (!created) return fail(created.status());
    std::cout << "id:     " << created->record.id << "\n"
              << "tenant: " << tenant << " (" << created->record.tenant_id << ")\n"
              << "name:   " << created->record.name << "\n"
              << created->raw << "\n";
    return 0;
  }

  if (*migrate) {
    auto config = resolve(migrate_flags);
    if (!config) return fail(config.status());
    setup_logging("warn");
    auto store = open_store(*config);
    if (!store) return fail(store.status());
    std::cout << "schema version " << (*store)->schema_version() << " (" << (*store)->engine_name() << ", "
              << database_path(config->data_dir) << ")\n";
    return 0;
  }

  if (*eval_memory_cmd) {
    setup_logging("warn");
    return run_eval_memory(eval_memory, std::cout, std::cerr);
  }

  if (*ingest_cmd) {
    setup_logging("warn");
    return run_ingest(ingest, std::cout, std::cerr);
  }

  if (*tokenize) {
    setup_logging("warn");
    auto tok = models::Tokenizer::load(vocab_path);
    if (!tok) return fail(tok.status());
    std::cout << (*tok)->count(text) << "\n";
    return 0;
  }
  return 0;
}

}  // namespace brainstem::app
