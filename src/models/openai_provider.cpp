#include "models/openai_provider.h"

#include "http/client.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <random>

namespace brainstem::models {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object to_wire(const ChatRequest& r, const std::string& model, bool stream) {
  json::array messages;
  for (const auto& m : r.messages) {
    json::object o{{"role", m.role}, {"content", m.content}};
    if (!m.name.empty()) o["name"] = m.name;
    if (!m.tool_call_id.empty()) o["tool_call_id"] = m.tool_call_id;
    if (!m.tool_calls.empty()) {
      json::array calls;
      for (const auto& c : m.tool_calls) {
        calls.push_back(json::object{{"id", c.id}, {"type", "function"},
                                     {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
      }
      o["tool_calls"] = std::move(calls);
      if (m.content.empty()) o["content"] = nullptr;
    }
    messages.push_back(std::move(o));
  }
  json::object body{{"model", model}, {"messages", std::move(messages)}};
  if (!r.tools.empty()) {
    json::array tools;
    for (const auto& t : r.tools) {
      boost::system::error_code ec;
      json::value params = t.parameters.empty() ? json::value(json::object{}) : json::parse(t.parameters, ec);
      tools.push_back(json::object{{"type", "function"},
                                   {"function", json::object{{"name", t.name}, {"description", t.description},
                                                             {"parameters", ec ? json::value(json::object{}) : params}}}});
    }
    body["tools"] = std::move(tools);
    if (!r.tool_choice.empty()) body["tool_choice"] = r.tool_choice;
  }
  if (r.temperature) body["temperature"] = *r.temperature;
  if (r.top_p) body["top_p"] = *r.top_p;
  if (r.max_tokens) body["max_tokens"] = *r.max_tokens;
  if (!r.stop.empty()) body["stop"] = json::array(r.stop.begin(), r.stop.end());
  if (r.seed) body["seed"] = *r.seed;
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = json::object{{"include_usage", true}};
  }
  return body;
}

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

int64_t num(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return 0;
}

void read_usage(const json::object& o, Usage& usage) {
  if (const auto* u = o.if_contains("usage"); u && u->is_object()) {
    usage.prompt_tokens = num(u->get_object(), "prompt_tokens");
    usage.completion_tokens = num(u->get_object(), "completion_tokens");
  }
}

// The upstream's own error message, when it sent one.
std::string upstream_message(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error")) {
      if (e->is_object()) return str(e->get_object(), "message");
      if (e->is_string()) return std::string(e->get_string());
    }
  }
  return body.substr(0, 200);
}

Status status_of_reply(int status, const std::string& body, std::string_view retry_after) {
  std::string msg = "upstream answered " + std::to_string(status) + ": " + upstream_message(body);
  if (status == 429) {
    int secs = retry_after.empty() ? 1 : std::max(1, std::atoi(std::string(retry_after).c_str()));
    return Status::rate_limited(msg, secs);
  }
  if (status >= 500) return Status::unavailable(msg);
  if (status == 401 || status == 403) return Status::unavailable(msg + " (check the model's API key)");
  return Status::invalid(msg);
}

bool retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kRateLimited;
}

// Accumulates an SSE stream of chat.completion.chunk events into deltas and the final reply.
class ChunkParser {
 public:
  // Feeds raw bytes; calls `emit` for each delta. Returns an error for malformed events.
  template <class Emit>
  Status feed(std::string_view bytes, Emit&& emit) {
    pending_.append(bytes);
    for (;;) {
      size_t end = pending_.find("\n\n");
      size_t sep = 2;
      if (size_t crlf = pending_.find("\r\n\r\n"); crlf != std::string::npos && (end == std::string::npos || crlf < end)) {
        end = crlf;
        sep = 4;
      }
      if (end == std::string::npos) return Status::ok();
      std::string event = pending_.substr(0, end);
      pending_.erase(0, end + sep);
      std::string data;
      size_t pos = 0;
      while (pos < event.size()) {
        size_t nl = event.find('\n', pos);
        std::string_view line = std::string_view(event).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("data:")) {
          line.remove_prefix(5);
          if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
          if (!data.empty()) data += '\n';
          data += line;
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
      if (data.empty()) continue;
      if (data == "[DONE]") {
        done_ = true;
        continue;
      }
      boost::system::error_code ec;
      auto v = json::parse(data, ec);
      if (ec || !v.is_object()) return Status::unavailable("upstream sent a malformed stream event");
      const auto& o = v.as_object();
      if (o.contains("error")) return Status::unavailable("upstream stream failed: " + upstream_message(data));
      if (result_.model.empty()) result_.model = str(o, "model");
      read_usage(o, result_.usage);
      const auto* choices = o.if_contains("choices");
      if (!choices || !choices->is_array() || choices->get_array().empty()) continue;
      const auto& choice = choices->get_array()[0].as_object();
      if (auto fr = str(choice, "finish_reason"); !fr.empty()) result_.finish_reason = fr;
      const auto* delta = choice.if_contains("delta");
      if (!delta || !delta->is_object()) continue;
      ChatDelta d;
      d.content = str(delta->get_object(), "content");
      if (const auto* calls = delta->get_object().if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& c : calls->get_array()) {
          if (!c.is_object()) continue;
          const auto& co = c.as_object();
          ToolCallDelta td;
          td.index = static_cast<int>(num(co, "index"));
          td.id = str(co, "id");
          if (const auto* f = co.if_contains("function"); f && f->is_object()) {
            td.name = str(f->get_object(), "name");
            td.arguments = str(f->get_object(), "arguments");
          }
          if (static_cast<size_t>(td.index) >= result_.tool_calls.size()) result_.tool_calls.resize(td.index + 1);
          auto& call = result_.tool_calls[td.index];
          if (!td.id.empty()) call.id = td.id;
          if (!td.name.empty()) call.name = td.name;
          call.arguments += td.arguments;
          d.tool_calls.push_back(std::move(td));
        }
      }
      result_.content += d.content;
      if (!d.content.empty() || !d.tool_calls.empty()) emit(std::move(d));
    }
  }

  bool done() const { return done_; }
  ChatResponse& result() { return result_; }

 private:
  std::string pending_;
  bool done_ = false;
  ChatResponse result_;
};

Result<ChatResponse> parse_completion(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return Status::unavailable("upstream sent malformed JSON");
  const auto& o = v.as_object();
  ChatResponse r;
  r.model = str(o, "model");
  read_usage(o, r.usage);
  const auto* choices = o.if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty() || !choices->get_array()[0].is_object()) {
    return Status::unavailable("upstream reply has no choices");
  }
  const auto& choice = choices->get_array()[0].as_object();
  r.finish_reason = str(choice, "finish_reason");
  if (const auto* m = choice.if_contains("message"); m && m->is_object()) {
    r.content = str(m->get_object(), "content");
    if (const auto* calls = m->get_object().if_contains("tool_calls"); calls && calls->is_array()) {
      for (const auto& c : calls->get_array()) {
        if (!c.is_object()) continue;
        ToolCall call;
        call.id = str(c.as_object(), "id");
        if (const auto* f = c.as_object().if_contains("function"); f && f->is_object()) {
          call.name = str(f->get_object(), "name");
          call.arguments = str(f->get_object(), "arguments");
        }
        r.tool_calls.push_back(std::move(call));
      }
    }
  }
  return r;
}

}  // namespace

OpenAiProvider::OpenAiProvider(ModelSpec spec, http::HttpClient& client) : spec_(std::move(spec)), client_(client) {
  if (!spec_.api_key_env.empty()) {
    if (const char* key = std::getenv(spec_.api_key_env.c_str())) api_key_ = key;
  }
  while (!spec_.base_url.empty() && spec_.base_url.back() == '/') spec_.base_url.pop_back();
}

ModelInfo OpenAiProvider::info() const {
  ModelInfo i;
  i.id = spec_.id;
  i.provider = "openai";
  i.context_size = spec_.context_size;
  i.supports_tools = true;
  i.supports_embeddings = true;
  return i;
}

asio::awaitable<Result<ChatResponse>> OpenAiProvider::chat(const ChatRequest& request, const DeltaSink& on_delta) {
  const bool stream = static_cast<bool>(on_delta);
  http::ClientRequest req;
  req.method = "POST";
  req.url = spec_.base_url + "/chat/completions";
  req.timeout = std::chrono::milliseconds(spec_.timeout_ms);
  req.headers.push_back({"Content-Type", "application/json"});
  if (stream) req.headers.push_back({"Accept", "text/event-stream"});
  if (!api_key_.empty()) req.headers.push_back({"Authorization", "Bearer " + api_key_});
  req.body = json::serialize(to_wire(request, spec_.upstream_model.empty() ? spec_.id : spec_.upstream_model, stream));

  static thread_local std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    ChunkParser parser;
    bool delivered = false;  // once a delta reached the caller, a retry would repeat it
    bool stopped = false;
    Status stream_error;
    http::BodySink sink = [&](std::string_view bytes) -> asio::awaitable<bool> {
      std::vector<ChatDelta> deltas;
      stream_error = parser.feed(bytes, [&](ChatDelta&& d) { deltas.push_back(std::move(d)); });
      if (!stream_error.is_ok()) co_return false;
      for (const auto& d : deltas) {
        delivered = true;
        if (!co_await on_delta(d)) {
          stopped = true;
          co_return false;
        }
      }
      co_return true;
    };
    auto reply = co_await client_.send(req, stream ? &sink : nullptr);
    Status failure;
    if (!reply) {
      failure = Status(reply.status().code(), "upstream of " + spec_.id + ": " + reply.status().message());
    } else if (reply->status < 200 || reply->status >= 300) {
      failure = status_of_reply(reply->status, reply->body, reply->header("Retry-After"));
    } else if (stream) {
      if (!stream_error.is_ok()) failure = stream_error;
      else if (stopped) co_return Status(StatusCode::kCancelled, "generation stopped: the client went away");
      else if (!parser.done() && parser.result().finish_reason.empty()) failure = Status::unavailable("upstream stream ended early");
      else {
        ChatResponse r = std::move(parser.result());
        if (r.model.empty()) r.model = spec_.id;
        co_return r;
      }
    } else {
      auto parsed = parse_completion(reply->body);
      if (parsed) co_return parsed;
      failure = parsed.status();
    }
    if (delivered || attempt >= spec_.max_retries || !retryable(failure)) co_return failure;
    int64_t wait_ms = (200LL << attempt) + static_cast<int64_t>(jitter() % 100);
    if (failure.retry_after_s()) {
      int64_t hinted = int64_t(*failure.retry_after_s()) * 1000;
      if (hinted > 30000) co_return failure;  // longer than a caller should be kept waiting
      wait_ms = std::max(wait_ms, hinted);
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(wait_ms));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<Result<EmbeddingResult>> OpenAiProvider::embed(const std::vector<std::string>& inputs) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = spec_.base_url + "/embeddings";
  req.timeout = std::chrono::milliseconds(spec_.timeout_ms);
  req.headers.push_back({"Content-Type", "application/json"});
  if (!api_key_.empty()) req.headers.push_back({"Authorization", "Bearer " + api_key_});
  req.body = json::serialize(json::object{{"model", spec_.upstream_model.empty() ? spec_.id : spec_.upstream_model},
                                          {"input", json::array(inputs.begin(), inputs.end())}});
  auto reply = co_await client_.send(req);
  if (!reply) co_return reply.status();
  if (reply->status < 200 || reply->status >= 300) {
    co_return status_of_reply(reply->status, reply->body, reply->header("Retry-After"));
  }
  boost::system::error_code ec;
  auto v = json::parse(reply->body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("data")) co_return Status::unavailable("upstream embeddings reply is malformed");
  EmbeddingResult out;
  out.vectors.resize(inputs.size());
  for (const auto& item : v.as_object().at("data").as_array()) {
    const auto& o = item.as_object();
    size_t index = static_cast<size_t>(num(o, "index"));
    if (index >= out.vectors.size()) continue;
    for (const auto& x : o.at("embedding").as_array()) out.vectors[index].push_back(static_cast<float>(x.to_number<double>()));
  }
  Usage usage;
  read_usage(v.as_object(), usage);
  out.prompt_tokens = usage.prompt_tokens;
  co_return out;
}

}  // namespace brainstem::models
