#include "pipeline/action.h"

#include "common/crypto.h"
#include "common/json_text.h"
#include "net/address_policy.h"
#include "net/client.h"
#include "net/retry.h"
#include "common/text.h"

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace brainstem::pipeline {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::array kMethods{"GET", "POST", "PUT", "PATCH", "DELETE"};
constexpr std::array kSourceTypes{"custom_function", "action"};
constexpr std::array kAuthTypes{"api_key", "bearer", "oauth2", "basic", "none"};
// Set by the HTTP client itself; an action must not override them.
constexpr std::array kReservedHeaders{"host", "content-length", "transfer-encoding", "connection"};

template <size_t N>
bool one_of(const std::array<const char*, N>& set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

std::string field_path(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  return std::string(prefix) + "." + std::string(name);
}

bool is_token(std::string_view s) {  // an HTTP header name
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool is_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

// Reads an optional string member; absent or null leaves `out` as it is.
Status read_string(const json::object& o, std::string_view key, std::string_view prefix, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::ok();
  if (!v->is_string()) return Status::validation(field_path(prefix, key), "must be a string");
  out = std::string(v->get_string());
  return Status::ok();
}

Status read_object(const json::object& o, std::string_view key, std::string_view prefix, json::object& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::ok();
  if (!v->is_object()) return Status::validation(field_path(prefix, key), "must be an object");
  out = v->get_object();
  return Status::ok();
}

Status read_count(const json::object& o, std::string_view key, std::string_view prefix, int& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::ok();
  if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > 1000000) {
    return Status::validation(field_path(prefix, key), "must be an integer between 0 and 1000000");
  }
  out = static_cast<int>(v->get_int64());
  return Status::ok();
}

// "{name}" placeholders must be closed and named with [A-Za-z0-9_].
bool valid_template(std::string_view t) {
  if (!t.empty() && t.front() != '/') return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '}') return false;
    if (t[i] != '{') continue;
    size_t close = t.find('}', i);
    if (close == std::string_view::npos || close == i + 1) return false;
    std::string_view name = t.substr(i + 1, close - i - 1);
    if (!std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; })) return false;
    i = close;
  }
  return true;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// An argument as text: strings as they are, anything else as JSON.
std::string arg_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  return json_text(v);
}

void append_query(std::string& query, std::string_view key, const json::value& v) {
  auto add = [&](const json::value& item) {
    if (!query.empty()) query += '&';
    query += percent_encode(key) + "=" + percent_encode(arg_text(item));
  };
  if (!v.is_array()) return add(v);
  for (const auto& item : v.get_array()) add(item);  // key=a&key=b
}

// The model's arguments as an object; an empty text counts as no arguments.
bool parse_arguments(const std::string& text, json::object& out) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return false;
  out = std::move(v.get_object());
  return true;
}

// Fills `req` from the action and the arguments; an error's message goes back to the model.
Status build_request(const ActionDefinition& a, const json::object& args, net::ClientRequest& req) {
  std::string path;
  std::vector<std::string> used;  // filled placeholders; the other arguments keep their order
  const std::string& t = a.path_template;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '{') {
      path += t[i];
      continue;
    }
    const size_t close = t.find('}', i);
    std::string name = t.substr(i + 1, close - i - 1);
    const json::value* v = args.if_contains(name);
    if (!v) return Status::invalid("missing argument: " + name);
    path += percent_encode(arg_text(*v));
    used.push_back(std::move(name));
    i = close;
  }

  const json::object* query_props = nullptr;
  if (const json::value* p = a.query_schema.if_contains("properties")) query_props = p->if_object();
  const bool args_in_query = a.method == "GET" || a.method == "DELETE";
  std::string query;
  json::object body;
  for (const auto& [key, value] : args) {
    if (std::find(used.begin(), used.end(), key) != used.end()) continue;
    if (args_in_query || (query_props && query_props->contains(key))) {
      append_query(query, key, value);
    } else {
      body[key] = value;
    }
  }

  std::string url = a.webhook_url;
  if (!path.empty() && !url.empty() && url.back() == '/') url.pop_back();
  url += path;
  if (!query.empty()) url += (url.find('?') == std::string::npos ? "?" : "&") + query;

  req.method = a.method;
  req.url = std::move(url);
  for (const auto& [name, value] : a.headers) req.headers.push_back({name, value});
  if (!args_in_query) {
    req.body = json_text(body);
    req.headers.push_back({"Content-Type", "application/json"});
  }
  if (!a.auth_secret.empty()) {
    if (a.auth_type == "bearer" || a.auth_type == "oauth2") req.headers.push_back({"Authorization", "Bearer " + a.auth_secret});
    if (a.auth_type == "basic") req.headers.push_back({"Authorization", "Basic " + crypto::base64_encode(a.auth_secret)});
    if (a.auth_type == "api_key") req.headers.push_back({a.auth_header, a.auth_secret});
  }
  return Status::ok();
}

// Cuts `body` to `cap` bytes at a UTF-8 character boundary and appends the marker.
void truncate_body(std::string& body, size_t cap) {
  size_t n = std::min(cap, body.size());
  size_t after_lead = n;  // just past the first byte of the last character before the cut
  while (after_lead > 0 && n - after_lead < 3 && (static_cast<unsigned char>(body[after_lead - 1]) & 0xC0) == 0x80) {
    --after_lead;
  }
  if (after_lead > 0) {
    const unsigned char lead = static_cast<unsigned char>(body[after_lead - 1]);
    const size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (after_lead - 1 + len > n) n = after_lead - 1;  // the cut splits it: drop it whole
  }
  body.resize(n);
  body += "\n[truncated: response exceeded " + std::to_string(cap) + " bytes]";
}

std::string error_text(std::string_view error) { return json_text(json::object{{"error", error}}); }

bool transient(StatusCode code) { return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded; }
bool transient(int http_status) { return http_status == 429 || http_status == 502 || http_status == 503 || http_status == 504; }

}  // namespace

Result<ActionDefinition> parse_action(const json::value& value, std::string_view prefix) {
  const json::object* o = value.if_object();
  if (!o) return Status::validation(std::string(prefix), "must be an object");
  ActionDefinition a;
  std::string method = a.method;
  const std::pair<const char*, std::string*> strings[] = {
      {"id", &a.id},           {"name", &a.name},          {"description", &a.description},
      {"source_type", &a.source_type}, {"webhook_url", &a.webhook_url}, {"method", &method},
      {"path_template", &a.path_template}, {"auth_type", &a.auth_type}, {"auth_secret", &a.auth_secret},
      {"auth_header", &a.auth_header}};
  for (auto [key, out] : strings) {
    if (auto s = read_string(*o, key, prefix, *out); !s.is_ok()) return s;
  }
  if (!is_name(a.name)) return Status::validation(field_path(prefix, "name"), "must be 1 to 64 of A-Z a-z 0-9 _ -");
  if (!one_of(kSourceTypes, a.source_type)) {
    return Status::validation(field_path(prefix, "source_type"), "must be custom_function or action");
  }
  if (a.webhook_url.empty()) return Status::validation(field_path(prefix, "webhook_url"), "is required");
  if (auto s = net::AddressPolicy::check_url_scheme(a.webhook_url); !s.is_ok()) {
    return Status::validation(field_path(prefix, "webhook_url"), s.message());
  }
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  if (!one_of(kMethods, method)) return Status::validation(field_path(prefix, "method"), "must be GET, POST, PUT, PATCH or DELETE");
  a.method = method;
  if (!valid_template(a.path_template)) {
    return Status::validation(field_path(prefix, "path_template"), "must start with / and use {name} placeholders");
  }
  if (!one_of(kAuthTypes, a.auth_type)) {
    return Status::validation(field_path(prefix, "auth_type"), "must be api_key, bearer, oauth2, basic or none");
  }
  if (a.auth_type == "basic" && !a.auth_secret.empty() && a.auth_secret.find(':') == std::string::npos) {
    return Status::validation(field_path(prefix, "auth_secret"), "basic credentials must be user:password");
  }
  if (!is_token(a.auth_header)) return Status::validation(field_path(prefix, "auth_header"), "must be a header name");

  json::object headers;
  if (auto s = read_object(*o, "headers", prefix, headers); !s.is_ok()) return s;
  for (const auto& [name, v] : headers) {
    const std::string field = field_path(prefix, "headers." + std::string(name));
    const std::string lower = ascii_lower(name);
    if (!is_token(name) || one_of(kReservedHeaders, lower)) return Status::validation(field, "not an allowed header name");
    if (!v.is_string() || v.get_string().find_first_of("\r\n") != json::string::npos) {
      return Status::validation(field, "must be a single-line string");
    }
    a.headers.emplace_back(std::string(name), std::string(v.get_string()));
  }
  if (auto s = read_object(*o, "parameters_schema", prefix, a.parameters_schema); !s.is_ok()) return s;
  if (auto s = read_object(*o, "query_schema", prefix, a.query_schema); !s.is_ok()) return s;

  json::object rate_limit;
  if (auto s = read_object(*o, "rate_limit", prefix, rate_limit); !s.is_ok()) return s;
  const std::string rl = field_path(prefix, "rate_limit");
  if (auto s = read_count(rate_limit, "max_calls", rl, a.rate_limit_max_calls); !s.is_ok()) return s;
  if (auto s = read_count(rate_limit, "window_seconds", rl, a.rate_limit_window_s); !s.is_ok()) return s;
  if ((a.rate_limit_max_calls > 0) != (a.rate_limit_window_s > 0)) {
    return Status::validation(rl, "max_calls and window_seconds must both be set");
  }
  return a;
}

json::object action_to_json(const ActionDefinition& a, bool include_secret) {
  json::object headers;
  for (const auto& [name, value] : a.headers) headers[name] = value;
  json::object o{{"id", a.id},
                 {"name", a.name},
                 {"description", a.description},
                 {"source_type", a.source_type},
                 {"webhook_url", a.webhook_url},
                 {"method", a.method},
                 {"path_template", a.path_template},
                 {"headers", std::move(headers)},
                 {"auth_type", a.auth_type},
                 {"auth_header", a.auth_header},
                 {"parameters_schema", a.parameters_schema},
                 {"query_schema", a.query_schema}};
  if (include_secret) o["auth_secret"] = a.auth_secret;
  if (a.rate_limit_max_calls > 0) {
    o["rate_limit"] = json::object{{"max_calls", a.rate_limit_max_calls}, {"window_seconds", a.rate_limit_window_s}};
  }
  return o;
}

ActionRunner::ActionRunner(net::HttpClient& client, const net::AddressPolicy& policy, ActionRunnerOptions options)
    : client_(client), policy_(policy), options_(options) {}

bool ActionRunner::take_rate_slot(const std::string& tenant_id, const ActionDefinition& action, int& retry_after_s) {
  if (action.rate_limit_max_calls <= 0 || action.rate_limit_window_s <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  const std::chrono::seconds window(action.rate_limit_window_s);
  std::lock_guard lock(mu_);
  auto& calls = calls_[tenant_id + '\n' + (action.id.empty() ? action.name : action.id)];
  while (!calls.empty() && now - calls.front() >= window) calls.pop_front();
  if (static_cast<int>(calls.size()) < action.rate_limit_max_calls) {
    calls.push_back(now);
    return true;
  }
  const std::chrono::duration<double> wait = calls.front() + window - now;
  retry_after_s = std::max(1, static_cast<int>(std::ceil(wait.count())));
  return false;
}

asio::awaitable<ActionResult> ActionRunner::run(const std::string& tenant_id, const ActionDefinition& action,
                                                const std::string& arguments_json) {
  ActionResult result;
  json::object args;
  if (!parse_arguments(arguments_json, args)) {
    result.content = error_text("invalid arguments");
    co_return result;
  }
  net::ClientRequest request;
  const Status built = build_request(action, args, request);
  if (!built.is_ok()) {
    result.content = error_text(built.message());
    co_return result;
  }
  request.timeout = options_.timeout;
  request.address_policy = &policy_;
  int retry_after_s = 0;
  if (!take_rate_slot(tenant_id, action, retry_after_s)) {
    result.content = json_text(json::object{{"error", "rate limited"}, {"retry_after_s", retry_after_s}});
    co_return result;
  }

  // 2xx bodies are streamed so that an oversized one is cut off instead of read whole.
  std::string body;
  bool truncated = false;
  const size_t cap = options_.max_response_bytes;
  const net::BodySink sink = [&body, &truncated, cap](std::string_view piece) -> asio::awaitable<bool> {
    const size_t room = cap - body.size();
    body.append(piece.substr(0, room));
    truncated = piece.size() > room;
    co_return !truncated;
  };
  const auto started = std::chrono::steady_clock::now();
  const net::Backoff backoff{.first = options_.retry_backoff};
  Status failure;  // the last attempt's transport failure, if it had one
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (attempt > 0) co_await net::pause(*backoff.delay(attempt));
    body.clear();
    truncated = false;
    ++result.attempts;
    auto sent = co_await client_.send(request, &sink);
    if (!sent.ok()) {
      failure = sent.status();
      result.status = 0;
      if (transient(failure.code())) continue;
      break;
    }
    failure = Status::ok();
    result.status = sent->status;
    if (result.status < 200 || result.status >= 300) {  // collected, not streamed
      body = std::move(sent->body);
      truncated = body.size() > cap;
    }
    if (!transient(result.status)) break;
  }
  result.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  if (truncated) truncate_body(body, cap);
  if (failure.code() == StatusCode::kPermissionDenied) {
    result.content = error_text("address not allowed");
  } else if (failure.code() == StatusCode::kDeadlineExceeded) {
    result.content = error_text("timed out");
  } else if (!failure.is_ok()) {
    result.content = json_text(json::object{{"error", "request failed"}, {"detail", failure.message()}});
  } else if (result.status >= 200 && result.status < 300) {
    result.ok = true;
    result.content = std::move(body);
  } else {
    result.content = json_text(json::object{
        {"error", "HTTP " + std::to_string(result.status)}, {"status", result.status}, {"body", body}});
  }
  co_return result;
}

}  // namespace brainstem::pipeline
