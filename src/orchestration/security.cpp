#include "orchestration/security.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "orchestration/stored_bodies.h"

#include <cmath>
#include <regex>

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

const std::string kPolicyKind = "security_policy";
const std::string kPolicyId = "current";
const std::string kScanKind = "security_scan";

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string host_of(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of(":/?#", start);
  return ascii_lower(url.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

bool host_matches(const std::string& pattern, const std::string& host) {
  std::string p = ascii_lower(pattern);
  if (p.starts_with("*.")) return host.size() > p.size() - 1 && host.ends_with(p.substr(1));
  return host == p;
}

bool matches(const json::object& condition, const ToolAction& action) {
  for (const auto& [key, value] : condition) {
    std::string want = value.is_string() ? std::string(value.as_string()) : json::serialize(value);
    if (key == "tool" && want != action.tool) return false;
    if (key == "host" && !host_matches(want, host_of(action.url))) return false;
    if (key == "method" && ascii_lower(want) != ascii_lower(action.method)) return false;
    if (key == "urlContains" && action.url.find(want) == std::string::npos) return false;
    if (key == "bodyContains" && action.body.find(want) == std::string::npos) return false;
  }
  return true;
}

double entropy(std::string_view token) {
  int counts[256] = {};
  for (unsigned char c : token) ++counts[c];
  double h = 0;
  for (int n : counts) {
    if (n == 0) continue;
    double p = double(n) / double(token.size());
    h -= p * std::log2(p);
  }
  return h;
}

std::string redact(std::string_view secret) {
  return std::string(secret.substr(0, std::min<size_t>(6, secret.size()))) + "****";
}

json::object finding_json(const Finding& f) {
  return {{"stepId", f.step_id}, {"field", f.field}, {"kind", f.kind}, {"excerpt", f.excerpt}};
}

}  // namespace

std::vector<Finding> find_secrets(std::string_view text) {
  static const std::vector<std::pair<std::string, std::regex>> kFormats = {
      {"private_key", std::regex("-----BEGIN ([A-Z]+ )?PRIVATE KEY-----")},
      {"aws_access_key", std::regex("\\b(AKIA|ASIA)[0-9A-Z]{16}\\b")},
      {"anthropic_key", std::regex("sk-ant-[A-Za-z0-9_-]{20,}")},
      {"openai_key", std::regex("\\bsk-(proj-)?[A-Za-z0-9_-]{20,}")},
      {"github_token", std::regex("\\bgh[pousr]_[A-Za-z0-9]{36,}")},
      {"slack_token", std::regex("\\bxox[abprs]-[A-Za-z0-9-]{10,}")},
  };
  std::vector<Finding> out;
  std::vector<std::pair<size_t, size_t>> taken;
  std::string s(text);
  for (const auto& [kind, pattern] : kFormats) {
    for (auto it = std::sregex_iterator(s.begin(), s.end(), pattern); it != std::sregex_iterator(); ++it) {
      size_t at = size_t(it->position()), len = size_t(it->length());
      bool overlaps = false;
      for (auto [a, b] : taken) overlaps = overlaps || (at < b && a < at + len);
      if (overlaps) continue;
      taken.emplace_back(at, at + len);
      out.push_back({"", "", kind, redact(it->str())});
    }
  }
  // Long tokens of mixed characters that no format names: random keys and passwords.
  static const std::regex kToken("[A-Za-z0-9+/=_-]{32,}");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kToken); it != std::sregex_iterator(); ++it) {
    size_t at = size_t(it->position()), len = size_t(it->length());
    bool overlaps = false;
    for (auto [a, b] : taken) overlaps = overlaps || (at < b && a < at + len);
    if (overlaps || entropy(it->str()) < 4.0) continue;
    out.push_back({"", "", "high_entropy", redact(it->str())});
  }
  return out;
}

Status SecurityPolicies::check_rules(const json::array& rules) {
  static const std::vector<std::string> kFields = {"tool", "host", "method", "urlContains", "bodyContains"};
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string at = "rules[" + std::to_string(i) + "]";
    const auto* rule = rules[i].if_object();
    if (!rule) return Status::validation(at, "a rule is an object {name, condition, action}");
    if (text_of(*rule, "name").empty()) return Status::validation(at + ".name", "field required");
    std::string action = text_of(*rule, "action");
    if (action != "block" && action != "warn") return Status::validation(at + ".action", "block or warn");
    const auto* condition = rule->if_contains("condition");
    if (condition && !condition->is_object()) return Status::validation(at + ".condition", "must be an object");
    if (!condition) continue;
    for (const auto& [key, value] : condition->as_object()) {
      if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) {
        return Status::validation(at + ".condition." + std::string(key), "unknown field (tool, host, method, urlContains, bodyContains)");
      }
      if (!value.is_string()) return Status::validation(at + ".condition." + std::string(key), "must be a string");
    }
  }
  return Status::ok();
}

Verdict SecurityPolicies::evaluate(const json::array& rules, const ToolAction& action) {
  Verdict verdict;
  for (const auto& r : rules) {
    const auto* rule = r.if_object();
    if (!rule) continue;
    const auto* condition = rule->if_contains("condition");
    if (condition && condition->is_object() && !matches(condition->as_object(), action)) continue;
    Violation v{text_of(*rule, "name"), text_of(*rule, "action")};
    if (v.action == "block") verdict.allowed = false;
    verdict.violations.push_back(std::move(v));
  }
  return verdict;
}

SecurityPolicies::Task<Result<json::array>> SecurityPolicies::rules(const std::string& tenant_id) {
  auto body = co_await stored_body(entities_, tenant_id, kPolicyKind, kPolicyId);
  if (!body) co_return body.status();
  json::array rules;  // not a ?: in the co_return: GCC 12 mis-compiles its temporaries
  if (const auto* stored = body->if_contains("rules"); stored && stored->is_array()) rules = stored->as_array();
  co_return rules;
}

SecurityPolicies::Task<Result<json::array>> SecurityPolicies::set_rules(const std::string& tenant_id, json::array rules) {
  if (Status s = check_rules(rules); !s.is_ok()) co_return s;
  // A named function, not a temporary in the co_await's arguments (GCC 12 frees those twice).
  const std::function<void(json::object&)> put_rules = [&rules](json::object& body) { body["rules"] = rules; };
  auto saved = co_await change_body(entities_, tenant_id, kPolicyKind, kPolicyId, put_rules);
  if (!saved) co_return saved.status();
  co_return rules;
}

SecurityPolicies::Task<Result<Verdict>> SecurityPolicies::evaluate(const std::string& tenant_id, const ToolAction& action) {
  auto current = co_await rules(tenant_id);
  if (!current) co_return current.status();
  co_return evaluate(*current, action);
}

SecurityPolicies::Task<Result<json::object>> SecurityPolicies::scan_run(const std::string& tenant_id,
                                                                        const std::string& run_id,
                                                                        const std::vector<std::string>& types) {
  auto run = co_await runs_.get_run(tenant_id, run_id);
  if (!run) co_return run.status();
  auto steps = co_await runs_.run_steps(tenant_id, run_id);
  if (!steps) co_return steps.status();
  json::array findings;
  auto scan_text = [&](const std::string& step, const char* field, const std::string& text) {
    for (auto f : find_secrets(text)) {
      f.step_id = step;
      f.field = field;
      findings.push_back(finding_json(f));
    }
  };
  boost::system::error_code ec;
  json::value plan = json::parse(run->plan, ec);
  const auto* nodes = !ec && plan.is_object() ? plan.as_object().if_contains("nodes") : nullptr;
  for (const auto& node : nodes && nodes->is_array() ? nodes->as_array() : json::array()) {
    const auto* n = node.if_object();
    if (!n) continue;
    const auto* config = n->if_contains("config");
    scan_text(text_of(*n, "id"), "input", config ? json::serialize(*config) : "");
  }
  scan_text("", "input", run->input);
  for (const auto& step : *steps) scan_text(step.node_id, "output", step.output);

  json::object results;
  for (const auto& type : types) {
    if (type == "secrets") results["secrets"] = json::object{{"status", "completed"}, {"findings", findings}};
    else results[type] = json::object{{"status", "unsupported"}, {"reason", "runs carry no code to analyse"}};
  }
  std::string id = random_id("scan_", 16);
  json::object scan{{"id", id},       {"runId", run_id},         {"types", json::value_from(types)},
                    {"status", "completed"}, {"results", results}, {"createdAt", iso8601(now_ms())}};
  store::MemoryEntity entity;
  entity.tenant_id = tenant_id;
  entity.kind = kScanKind;
  entity.id = id;
  entity.parent_id = run_id;
  entity.body = json_text(scan);
  entity.created_at = entity.updated_at = now_ms();
  auto stored = co_await entities_.create_memory_entity(entity);
  if (!stored) co_return stored.status();
  co_return scan;
}

SecurityPolicies::Task<Result<std::vector<json::object>>> SecurityPolicies::scans(const std::string& tenant_id,
                                                                                  const std::string& run_id) {
  auto run = co_await runs_.get_run(tenant_id, run_id);
  if (!run) co_return run.status();
  co_return co_await stored_bodies(entities_, tenant_id, kScanKind, run_id);
}

}  // namespace brainstem::orchestration
