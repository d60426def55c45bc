// A tenant's security policy for the tool calls of its runs, and scans of what its runs
// carried for secrets (Cendriix /v1/security/*).
//
// A policy is a list of rules {name, condition, action: "block" | "warn"}. A condition is an
// object whose fields must all match a tool call: "tool" (http | noop), "host" (exact, or
// "*.example.com" for any subdomain), "method", "urlContains", "bodyContains"; an empty
// condition matches every call. The engine evaluates the policy before every tool call: a
// blocking rule fails the node with the rule's name, a warning is recorded on the run.
//
// Policies and scan results are kept as tenant-scoped entities of the memory store (kinds
// "security_policy" and "security_scan").
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "common/status.h"
#include "store/memory_store.h"
#include "store/orchestration_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <string>
#include <vector>

namespace brainstem::orchestration {

struct ToolAction {
  std::string tool;  // http | noop
  std::string url;
  std::string method;
  std::string body;
};

struct Violation {
  std::string rule;
  std::string action;  // block | warn
};

struct Verdict {
  bool allowed = true;
  std::vector<Violation> violations;
};

// A secret found by a scan: where (step and field), what kind, and a redacted excerpt.
struct Finding {
  std::string step_id;
  std::string field;  // input | output
  std::string kind;   // aws_access_key, openai_key, github_token, slack_token, private_key, high_entropy
  std::string excerpt;
};

// Every secret-looking token in `text` (key formats of common providers, private keys, long
// high-entropy tokens).
std::vector<Finding> find_secrets(std::string_view text);

class SecurityPolicies {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;

  SecurityPolicies(store::MemoryStore& entities, store::OrchestrationStore& runs) : entities_(entities), runs_(runs) {}

  // kValidation naming the rule at fault when a rule is malformed.
  static Status check_rules(const boost::json::array& rules);
  static Verdict evaluate(const boost::json::array& rules, const ToolAction& action);

  Task<Result<boost::json::array>> rules(const std::string& tenant_id);  // empty when none is set
  Task<Result<boost::json::array>> set_rules(const std::string& tenant_id, boost::json::array rules);
  Task<Result<Verdict>> evaluate(const std::string& tenant_id, const ToolAction& action);

  // Scans the run's step inputs (node configs) and outputs for `types` ("secrets"; "sast" and
  // "dependency" are answered "unsupported": runs carry no code to analyse) and stores the
  // result. Returns the stored scan.
  Task<Result<boost::json::object>> scan_run(const std::string& tenant_id, const std::string& run_id,
                                             const std::vector<std::string>& types);
  Task<Result<std::vector<boost::json::object>>> scans(const std::string& tenant_id, const std::string& run_id);

 private:
  store::MemoryStore& entities_;
  store::OrchestrationStore& runs_;
};

}  // namespace brainstem::orchestration
