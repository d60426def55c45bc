// Agent tool actions executed as HTTP webhooks (Cortex spec): the definition an operator
// stores, its JSON form, and the runner that turns a model's tool call into one HTTP call.
//
// JSON form of an action (parse_action / action_to_json):
//   {"id": "...", "name": "get_order", "description": "...", "source_type": "action",
//    "webhook_url": "https://api.example.com", "method": "GET",
//    "path_template": "/api/v1/orders/{order_id}", "headers": {"X-Team": "ops"},
//    "auth_type": "bearer", "auth_secret": "...", "auth_header": "X-API-Key",
//    "parameters_schema": {...JSON Schema...}, "query_schema": {...JSON Schema...},
//    "rate_limit": {"max_calls": 10, "window_seconds": 60}}
// Only name and webhook_url are required. The secret is write-only: action_to_json leaves it
// out unless asked for storage.
//
// How a call is built from the model's arguments (a JSON object):
//   - "{name}" placeholders of path_template take the argument of that name (percent-encoded);
//     a missing one fails the call;
//   - arguments named in query_schema.properties go to the query string;
//   - the rest go to the query string for GET and DELETE, else to a JSON object body;
//   - the action's static headers, then the auth header: bearer and oauth2 (the secret is an
//     access token obtained out of band) -> "Authorization: Bearer <secret>", basic ("user:pass")
//     -> "Authorization: Basic <base64>", api_key -> "<auth_header>: <secret>". Model output
//     never sets a header.
//
// ActionRunner::run never fails as a whole: every outcome is an ActionResult whose `content`
// goes back to the model. A response body beyond max_response_bytes is TRUNCATED (cut at a
// UTF-8 boundary) and ends with the marker "\n[truncated: response exceeded N bytes]"; the
// call still counts as ok when the status was 2xx. Transient failures (connection errors,
// timeouts, 429, 502, 503, 504) are retried up to max_retries times with doubling backoff;
// note that this repeats non-idempotent methods too. The address policy applies to every
// attempt. The per-action rate limit counts runs (not retries) per tenant and action id, in
// this process.
//
// Thread-safety: ActionRunner::run may be called concurrently from any I/O thread.
#pragma once

#include "common/status.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brainstem::net {
class HttpClient;
class AddressPolicy;
}  // namespace brainstem::net

namespace brainstem::pipeline {

struct ActionDefinition {
  std::string id;
  std::string name;  // [A-Za-z0-9_-]{1,64}: the tool name the model sees
  std::string description;
  std::string source_type = "action";  // custom_function | action
  std::string webhook_url;             // http or https; may carry a base path
  std::string method = "POST";         // GET | POST | PUT | PATCH | DELETE
  std::string path_template;           // appended to webhook_url, e.g. "/api/v1/orders/{order_id}"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string auth_type = "none";  // api_key | bearer | oauth2 | basic | none
  std::string auth_secret;         // the credential, from the store, never from model output; basic: "user:pass"
  std::string auth_header = "X-API-Key";  // header name for api_key
  boost::json::object parameters_schema;
  boost::json::object query_schema;
  int rate_limit_max_calls = 0;  // 0 = unlimited
  int rate_limit_window_s = 0;
};

// Validates a JSON action object. Errors: Status::validation whose field is the path of the
// offending member under `prefix` ("actions[0].webhook_url"; just "webhook_url" for an empty
// prefix).
Result<ActionDefinition> parse_action(const boost::json::value& json, std::string_view prefix = {});
// The JSON form above; `include_secret` only for storage, never for API output.
boost::json::object action_to_json(const ActionDefinition& action, bool include_secret);

struct ActionResult {
  bool ok = false;
  int status = 0;  // HTTP status of the last attempt, 0 if none answered
  // What goes back to the model: the response body (see truncation above), or the text of a
  // JSON error object such as {"error":"address not allowed"}.
  std::string content;
  int attempts = 0;  // HTTP attempts made, 0 when refused before calling
  double latency_ms = 0;
};

struct ActionRunnerOptions {
  std::chrono::milliseconds timeout{15000};  // per attempt
  size_t max_response_bytes = 50 * 1024;
  int max_retries = 2;
  std::chrono::milliseconds retry_backoff{250};  // before the first retry; doubled for each next
};

class ActionRunner {
 public:
  ActionRunner(net::HttpClient& client, const net::AddressPolicy& policy, ActionRunnerOptions options = {});

  // Calls the action with the model's `arguments_json` on behalf of `tenant_id`.
  boost::asio::awaitable<ActionResult> run(const std::string& tenant_id, const ActionDefinition& action,
                                           const std::string& arguments_json);

 private:
  // Records a call of the action now; false (nothing recorded) when its limit is reached.
  bool take_rate_slot(const std::string& tenant_id, const ActionDefinition& action, int& retry_after_s);

  net::HttpClient& client_;
  const net::AddressPolicy& policy_;
  const ActionRunnerOptions options_;
  std::mutex mu_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> calls_;  // by tenant and action id
};

}  // namespace brainstem::pipeline
