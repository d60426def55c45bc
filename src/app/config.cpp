#include "app/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <functional>
#include <set>

namespace brainstem::app {

namespace {

using Setter = std::function<Status(Config&, const std::string&)>;

Status parse_int(const std::string& name, const std::string& v, int64_t min, int64_t max, int64_t& out) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) {
    return Status::invalid(name + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                            ", got '" + v + "'");
  }
  out = n;
  return Status::ok();
}

Status parse_bool(const std::string& name, const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") out = true;
  else if (v == "false" || v == "0" || v == "no" || v == "off") out = false;
  else return Status::invalid(name + " must be true or false, got '" + v + "'");
  return Status::ok();
}

template <class T>
Setter int_setter(const std::string& name, T Config::*field, int64_t min, int64_t max) {
  return [=](Config& c, const std::string& v) {
    int64_t n;
    auto s = parse_int(name, v, min, max, n);
    if (s.is_ok()) c.*field = static_cast<T>(n);
    return s;
  };
}

Setter double_setter(const std::string& name, double Config::*field, double min, double max) {
  return [=](Config& c, const std::string& v) {
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || d < min || d > max) {
      return Status::invalid(name + " must be a number in " + std::to_string(min) + ".." + std::to_string(max));
    }
    c.*field = d;
    return Status::ok();
  };
}

Setter text_setter(std::string Config::*field) {
  return [=](Config& c, const std::string& v) {
    c.*field = v;
    return Status::ok();
  };
}

Setter limit_setter(const std::string& name, int64_t ops::RateLimits::*field) {
  return [=](Config& c, const std::string& v) {
    int64_t n;
    auto s = parse_int(name, v, 0, INT64_MAX / 2, n);
    if (s.is_ok()) c.limits.*field = n;
    return s;
  };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"data_dir", [](Config& c, const std::string& v) { c.data_dir = v; return Status::ok(); }},
      {"server.listen", [](Config& c, const std::string& v) { c.listen = v; return Status::ok(); }},
      {"server.threads", int_setter("server.threads", &Config::threads, 1, 256)},
      {"server.blocking_threads", int_setter("server.blocking_threads", &Config::blocking_threads, 1, 256)},
      {"server.max_body_bytes", int_setter("server.max_body_bytes", &Config::max_body_bytes, 1024, int64_t(1) << 32)},
      {"server.header_timeout_ms", int_setter("server.header_timeout_ms", &Config::header_timeout_ms, 100, 3600000)},
      {"server.sse_heartbeat_ms", int_setter("server.sse_heartbeat_ms", &Config::sse_heartbeat_ms, 0, 3600000)},
      {"server.idle_timeout_ms", int_setter("server.idle_timeout_ms", &Config::idle_timeout_ms, 100, 3600000)},
      {"server.drain_timeout_ms", int_setter("server.drain_timeout_ms", &Config::drain_timeout_ms, 0, 3600000)},
      {"server.role",
       [](Config& c, const std::string& v) {
         if (v != "all" && v != "backend") return Status::invalid("server.role must be all or backend");
         c.role = v;
         return Status::ok();
       }},
      {"server.backend_key_env", [](Config& c, const std::string& v) { c.backend_key_env = v; return Status::ok(); }},
      {"auth.jwt_secret",
       [](Config& c, const std::string& v) {
         if (!v.empty() && v.size() < 32) return Status::invalid("auth.jwt_secret must be at least 32 characters");
         c.jwt_secret = v;
         return Status::ok();
       }},
      {"auth.token_ttl_s", int_setter("auth.token_ttl_s", &Config::token_ttl_s, 60, 90LL * 86400)},
      {"auth.email_verification",
       [](Config& c, const std::string& v) { return parse_bool("auth.email_verification", v, c.email_verification); }},
      {"auth.public_url", [](Config& c, const std::string& v) { c.public_url = v; return Status::ok(); }},
      {"limits.requests_per_minute", limit_setter("limits.requests_per_minute", &ops::RateLimits::per_minute)},
      {"limits.requests_per_hour", limit_setter("limits.requests_per_hour", &ops::RateLimits::per_hour)},
      {"limits.requests_per_day", limit_setter("limits.requests_per_day", &ops::RateLimits::per_day)},
      {"routing.circuit_failure_threshold",
       int_setter("routing.circuit_failure_threshold", &Config::circuit_failure_threshold, 1, 1000)},
      {"routing.circuit_open_ms", int_setter("routing.circuit_open_ms", &Config::circuit_open_ms, 10, 86400000)},
      {"limits.max_concurrent_generations",
       int_setter("limits.max_concurrent_generations", &Config::max_concurrent_generations, 0, 1000000)},
      {"limits.model_idle_minutes", double_setter("limits.model_idle_minutes", &Config::model_idle_minutes, 0, 525600)},
      {"limits.min_free_memory_mb", int_setter("limits.min_free_memory_mb", &Config::min_free_memory_mb, 0, int64_t(1) << 30)},
      {"limits.max_load_per_core", double_setter("limits.max_load_per_core", &Config::max_load_per_core, 0, 1e6)},
      {"budgets.daily_usd", double_setter("budgets.daily_usd", &Config::budget_daily_usd, 0, 1e9)},
      {"budgets.warn_pct", double_setter("budgets.warn_pct", &Config::budget_warn_pct, 0, 100)},
      {"budgets.throttle_pct", double_setter("budgets.throttle_pct", &Config::budget_throttle_pct, 0, 100)},
      {"pipeline.tokenizer", text_setter(&Config::tokenizer)},
      {"pipeline.cache_threshold", double_setter("pipeline.cache_threshold", &Config::cache_threshold, 0.5, 1.0)},
      {"pipeline.action_timeout_ms", int_setter("pipeline.action_timeout_ms", &Config::action_timeout_ms, 100, 600000)},
      {"pipeline.fact_extraction",
       [](Config& c, const std::string& v) {
         if (v != "rules" && v != "model") return Status::invalid("pipeline.fact_extraction must be rules or model");
         c.fact_extraction = v;
         return Status::ok();
       }},
      {"knowledge.upload_dir", text_setter(&Config::upload_dir)},
      {"knowledge.max_file_mb", int_setter("knowledge.max_file_mb", &Config::max_file_mb, 1, 4096)},
      {"knowledge.max_page_mb", int_setter("knowledge.max_page_mb", &Config::max_page_mb, 1, 1024)},
      {"knowledge.fetch_timeout_ms", int_setter("knowledge.fetch_timeout_ms", &Config::fetch_timeout_ms, 100, 600000)},
      {"knowledge.embedding_model", text_setter(&Config::embedding_model)},
      {"knowledge.chunk_tokens", int_setter("knowledge.chunk_tokens", &Config::chunk_tokens, 32, 8192)},
      {"knowledge.chunk_overlap_tokens",
       int_setter("knowledge.chunk_overlap_tokens", &Config::chunk_overlap_tokens, 0, 1024)},
      {"memory.agent_active_window_ms",
       int_setter("memory.agent_active_window_ms", &Config::agent_active_window_ms, 1000, 86400000)},
      {"memory.sweep_s", int_setter("memory.sweep_s", &Config::memory_sweep_s, 1, 86400)},
      {"memory.turn_search",
       [](Config& c, const std::string& v) { return parse_bool("memory.turn_search", v, c.turn_search); }},
      {"orchestration.planner_model", text_setter(&Config::planner_model)},
      {"security.allow_cidrs", text_setter(&Config::allow_cidrs)},
      {"security.secret_key", text_setter(&Config::secret_key)},
      {"security.previous_secret_keys", text_setter(&Config::previous_secret_keys)},
      {"webhooks.retry_schedule_s", text_setter(&Config::webhook_retry_schedule_s)},
      {"webhooks.poll_ms", int_setter("webhooks.poll_ms", &Config::webhook_poll_ms, 50, 3600000)},
      {"log.level",
       [](Config& c, const std::string& v) {
         for (auto l : {"trace", "debug", "info", "warn", "error", "off"}) {
           if (v == l) {
             c.log_level = v;
             return Status::ok();
           }
         }
         return Status::invalid("log.level must be one of trace, debug, info, warn, error, off");
       }},
      {"log.access", [](Config& c, const std::string& v) { return parse_bool("log.access", v, c.access_log); }},
  };
  return table;
}

std::string env_name(const std::string& dotted) {
  std::string out = "BRAINSTEM_";
  for (char ch : dotted) out += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string scalar_text(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  if (auto f = node.as_floating_point()) return std::to_string(f->get());
  return {};
}

Status read_model(const toml::table& t, size_t index, models::ModelSpec& m) {
  std::string where = "models[" + std::to_string(index) + "]";
  auto text = [&](const char* key, std::string& out) -> Status {
    if (const auto* n = t.get(key)) {
      if (!n->is_string()) return Status::invalid(where + "." + key + " must be a string");
      out = n->as_string()->get();
    }
    return Status::ok();
  };
  auto list = [&](const char* key, std::vector<std::string>& out) -> Status {
    if (const auto* n = t.get(key)) {
      const auto* arr = n->as_array();
      if (!arr) return Status::invalid(where + "." + key + " must be an array of strings");
      for (const auto& item : *arr) {
        if (!item.is_string()) return Status::invalid(where + "." + key + " must be an array of strings");
        out.push_back(item.as_string()->get());
      }
    }
    return Status::ok();
  };
  auto boolean = [&](const char* key, bool& out) -> Status {
    if (const auto* n = t.get(key)) {
      if (!n->is_boolean()) return Status::invalid(where + "." + key + " must be true or false");
      out = n->as_boolean()->get();
    }
    return Status::ok();
  };
  auto number = [&](const char* key, double& out) -> Status {
    if (const auto* n = t.get(key)) {
      if (auto i = n->as_integer()) out = double(i->get());
      else if (auto f = n->as_floating_point()) out = f->get();
      else return Status::invalid(where + "." + key + " must be a number");
      if (out < 0) return Status::invalid(where + "." + key + " must not be negative");
    }
    return Status::ok();
  };
  auto integer = [&](const char* key, auto& out, int64_t min, int64_t max) -> Status {
    if (const auto* n = t.get(key)) {
      auto i = n->as_integer();
      if (!i || i->get() < min || i->get() > max) {
        return Status::invalid(where + "." + key + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
      }
      out = static_cast<std::remove_reference_t<decltype(out)>>(i->get());
    }
    return Status::ok();
  };
  static const std::set<std::string, std::less<>> known = {
      "id", "provider", "base_url", "api_key_env", "upstream_model", "path", "tokenizer", "languages", "task_types", "tier",
      "price_in_per_1k", "price_out_per_1k", "context_size", "timeout_ms", "max_retries", "slots", "threads", "prompt_cache"};
  for (const auto& [key, _] : t) {
    if (!known.count(key.str())) return Status::invalid(where + ": unknown setting '" + std::string(key.str()) + "'");
  }
  for (Status s : {text("id", m.id), text("provider", m.provider), text("base_url", m.base_url),
                   text("api_key_env", m.api_key_env), text("upstream_model", m.upstream_model), text("path", m.path), text("tokenizer", m.tokenizer),
                   list("languages", m.languages), list("task_types", m.task_types), text("tier", m.tier),
                   number("price_in_per_1k", m.price_in_per_1k), number("price_out_per_1k", m.price_out_per_1k),
                   integer("context_size", m.context_size, 0, int64_t(1) << 24),
                   integer("timeout_ms", m.timeout_ms, 100, 3600000), integer("max_retries", m.max_retries, 0, 10),
                   integer("slots", m.slots, 1, 256), integer("threads", m.threads, 0, 1024),
                   boolean("prompt_cache", m.prompt_cache)}) {
    if (!s.is_ok()) return s;
  }
  if (m.id.empty()) return Status::invalid(where + ".id is required");
  if (m.provider.empty()) return Status::invalid(where + " (" + m.id + "): provider is required");
  return Status::ok();
}

Status apply_table(Config& config, const toml::table& table, const std::string& prefix) {
  for (const auto& [key, node] : table) {
    std::string name = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (name == "limits.tenants") {
      const auto* tenants = node.as_table();
      if (!tenants) return Status::invalid("limits.tenants must be a table of tenant tables");
      for (const auto& [tenant, limits_node] : *tenants) {
        const auto* lt = limits_node.as_table();
        if (!lt) return Status::invalid("limits.tenants." + std::string(tenant.str()) + " must be a table");
        ops::RateLimits limits = config.limits;
        for (const auto& [field, value] : *lt) {
          auto v = value.as_integer();
          std::string fname = "limits.tenants." + std::string(tenant.str()) + "." + std::string(field.str());
          if (!v || v->get() < 0) return Status::invalid(fname + " must be a non-negative integer");
          if (field.str() == "requests_per_minute") limits.per_minute = v->get();
          else if (field.str() == "requests_per_hour") limits.per_hour = v->get();
          else if (field.str() == "requests_per_day") limits.per_day = v->get();
          else return Status::invalid("unknown setting " + fname);
        }
        config.tenant_limits[std::string(tenant.str())] = limits;
      }
      continue;
    }
    if (const auto* sub = node.as_table()) {
      if (auto s = apply_table(config, *sub, name); !s.is_ok()) return s;
      continue;
    }
    if (name == "models") {
      const auto* arr = node.as_array();
      if (!arr || !node.is_array_of_tables()) return Status::invalid("models must be an array of tables ([[models]])");
      for (size_t i = 0; i < arr->size(); ++i) {
        models::ModelSpec m;
        if (auto s = read_model(*arr->get(i)->as_table(), i, m); !s.is_ok()) return s;
        config.models.push_back(std::move(m));
      }
      continue;
    }
    if (auto s = apply_setting(config, name, scalar_text(node)); !s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace

std::vector<std::string> setting_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : setters()) names.push_back(name);
  return names;
}

Status apply_setting(Config& config, const std::string& name, const std::string& value) {
  auto it = setters().find(name);
  if (it == setters().end()) return Status::invalid("unknown setting '" + name + "'");
  return it->second(config, value);
}

std::string Config::host() const {
  auto colon = listen.rfind(':');
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return h;
}

uint16_t Config::port() const { return static_cast<uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1))); }

Status validate(const Config& c) {
  auto colon = c.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::invalid("server.listen must be HOST:PORT, got '" + c.listen + "'");
  int64_t port;
  if (auto s = parse_int("server.listen port", c.listen.substr(colon + 1), 0, 65535, port); !s.is_ok()) return s;
  if (c.data_dir.empty()) return Status::invalid("data_dir must not be empty");
  return Status::ok();
}

Result<Config> load_config(const std::string& path) {
  Config config;
  if (!path.empty()) {
    try {
      toml::table table = toml::parse_file(path);
      if (auto s = apply_table(config, table, ""); !s.is_ok()) return Status::invalid(path + ": " + s.message());
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      return Status::invalid(path + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                             std::string(e.description()));
    }
  }
  for (const auto& name : setting_names()) {
    if (const char* v = std::getenv(env_name(name).c_str())) {
      if (auto s = apply_setting(config, name, v); !s.is_ok()) return Status::invalid(env_name(name) + ": " + s.message());
    }
  }
  return config;
}

}  // namespace brainstem::app
