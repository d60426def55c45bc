#include "models/remote_call.h"

#include "net/client.h"
#include "net/retry.h"

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>

namespace brainstem::models {

namespace asio = boost::asio;
namespace json = boost::json;

const std::vector<SseEvent>& SseSplitter::feed(std::string_view bytes) {
  if (events_.capacity() == 0) events_.reserve(16);  // the events of one read, usually
  events_.clear();
  joined_.clear();
  pending_.erase(0, consumed_);
  consumed_ = 0;
  if (pending_.empty()) {
    const size_t rest = split(bytes);
    pending_.assign(bytes.substr(rest));
  } else {
    pending_.append(bytes);
    consumed_ = split(pending_);
  }
  return events_;
}

size_t SseSplitter::split(std::string_view text) {
  size_t start = 0;
  for (;;) {
    size_t end = text.find("\n\n", start);
    size_t sep = 2;
    if (size_t crlf = text.find("\r\n\r\n", start); crlf != std::string_view::npos && (end == std::string_view::npos || crlf < end)) {
      end = crlf;
      sep = 4;
    }
    if (end == std::string_view::npos) return start;
    SseEvent event;
    std::string* joined = nullptr;  // set at an event's second data line
    bool has_data = false;
    std::string_view block = text.substr(start, end - start);
    while (!block.empty()) {
      size_t nl = block.find('\n');
      std::string_view line = block.substr(0, nl);
      block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      auto value_of = [](std::string_view l, size_t prefix) {
        l.remove_prefix(prefix);
        if (!l.empty() && l.front() == ' ') l.remove_prefix(1);
        return l;
      };
      if (line.starts_with("data:")) {
        std::string_view value = value_of(line, 5);
        if (!has_data) {
          event.data = value;
          has_data = true;
          continue;
        }
        if (!joined) joined = &joined_.emplace_back(event.data);
        *joined += '\n';
        *joined += value;
        event.data = *joined;
      } else if (line.starts_with("event:")) {
        event.name = value_of(line, 6);
      } else if (line.starts_with("id:")) {
        event.id = value_of(line, 3);
      } else if (line.starts_with("retry:")) {
        event.retry = value_of(line, 6);
      }
    }
    if (!event.data.empty() || !event.name.empty() || !event.id.empty() || !event.retry.empty()) events_.push_back(event);
    start = end + sep;
  }
}

RemoteProvider::RemoteProvider(ModelSpec spec, net::HttpClient& client, std::string default_base_url)
    : spec_(std::move(spec)), client_(client) {
  if (!spec_.api_key_env.empty()) {
    if (const char* key = std::getenv(spec_.api_key_env.c_str())) api_key_ = key;
  }
  if (spec_.base_url.empty()) spec_.base_url = std::move(default_base_url);
  while (!spec_.base_url.empty() && spec_.base_url.back() == '/') spec_.base_url.pop_back();
}

net::ClientRequest RemoteProvider::json_post(std::string_view path, bool stream) const {
  net::ClientRequest req;
  req.method = "POST";
  req.url = spec_.base_url + std::string(path);
  req.timeout = std::chrono::milliseconds(spec_.timeout_ms);
  req.headers.push_back({"Content-Type", "application/json"});
  if (stream) req.headers.push_back({"Accept", "text/event-stream"});
  return req;
}

const std::string& RemoteProvider::upstream_model() const {
  return spec_.upstream_model.empty() ? spec_.id : spec_.upstream_model;
}

ModelInfo RemoteProvider::remote_info(std::string provider) const {
  ModelInfo i;
  i.id = spec_.id;
  i.provider = std::move(provider);
  i.context_size = spec_.context_size;
  return i;
}

Result<json::object> event_object(std::string_view data, std::string_view who, json::storage_ptr storage) {
  boost::system::error_code ec;
  auto v = json::parse(data, ec, std::move(storage));
  if (ec || !v.is_object()) return Status::unavailable(std::string(who) + " sent a malformed stream event");
  return std::move(v.get_object());
}

std::string json_string(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

int64_t json_int(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return 0;
}

std::string upstream_error_message(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (const auto* e = o.if_contains("error")) {
      if (e->is_object()) return json_string(e->get_object(), "message");
      if (e->is_string()) return std::string(e->get_string());
    }
    if (auto m = json_string(o, "message"); !m.empty()) return m;
  }
  return std::string(body.substr(0, 200));
}

Status status_of_reply(int status, const std::string& body, std::string_view retry_after) {
  std::string msg = "upstream answered " + std::to_string(status) + ": " + upstream_error_message(body);
  const int secs = retry_after.empty() ? 1 : std::max(1, std::atoi(std::string(retry_after).c_str()));
  if (status == 429) return Status::rate_limited(msg, secs);
  if (status >= 500) {
    // 503 and Anthropic's 529 may say when to come back, as 429 does.
    Status down = Status::unavailable(msg);
    if (!retry_after.empty()) down.with_retry_after(secs);
    return down;
  }
  if (status == 401 || status == 403) return Status::unavailable(msg + " (check the model's API key)");
  return Status::invalid(msg);
}

namespace {

bool retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kRateLimited;
}

}  // namespace

asio::awaitable<Result<ChatResponse>> call_model(net::HttpClient& client, const net::ClientRequest& request,
                                                 const ModelSpec& spec, const DeltaSink& on_delta,
                                                 ReplyDecoder& decoder) {
  const bool stream = static_cast<bool>(on_delta);
  const net::Backoff backoff{.first = std::chrono::milliseconds(200), .jitter = std::chrono::milliseconds(100)};
  for (int attempt = 0;; ++attempt) {
    decoder.reset();
    SseSplitter splitter;
    std::vector<ChatDelta> deltas;  // of one read, kept between reads for its capacity
    if (stream) deltas.reserve(16);
    bool delivered = false;  // once a delta reached the caller, a retry would repeat it
    bool stopped = false;
    Status stream_error;
    net::BodySink sink = [&](std::string_view bytes) -> asio::awaitable<bool> {
      deltas.clear();
      for (const auto& event : splitter.feed(bytes)) {
        stream_error = decoder.on_event(event, deltas);
        if (!stream_error.is_ok()) co_return false;
      }
      if (splitter.overflowed()) {
        stream_error = Status::unavailable("upstream stream event exceeds " + std::to_string(SseSplitter::kMaxEventBytes) + " bytes");
        co_return false;
      }
      for (const auto& d : deltas) {
        delivered = true;
        if (!co_await on_delta(d)) {
          stopped = true;
          co_return false;
        }
      }
      co_return true;
    };
    auto reply = co_await client.send(request, stream ? &sink : nullptr);
    Status failure;
    if (!reply) {
      failure = Status(reply.status().code(), "upstream of " + spec.id + ": " + reply.status().message());
    } else if (reply->status < 200 || reply->status >= 300) {
      failure = status_of_reply(reply->status, reply->body, reply->header("Retry-After"));
    } else if (stream) {
      if (!stream_error.is_ok()) failure = stream_error;
      else if (stopped) co_return Status(StatusCode::kCancelled, "generation stopped: the client went away");
      else if (!decoder.finished()) failure = Status::unavailable("upstream stream ended early");
      else {
        ChatResponse r = decoder.take();
        if (r.model.empty()) r.model = spec.id;
        co_return r;
      }
    } else {
      auto parsed = decoder.parse(reply->body);
      if (parsed) {
        if (parsed->model.empty()) parsed->model = spec.id;
        co_return parsed;
      }
      failure = parsed.status();
    }
    if (delivered || attempt >= spec.max_retries || !retryable(failure)) co_return failure;
    std::optional<std::chrono::milliseconds> hint;
    if (failure.retry_after_s()) hint = std::chrono::seconds(*failure.retry_after_s());
    auto wait = backoff.delay(attempt + 1, hint);
    if (!wait) co_return failure;  // the server asks for longer than a caller should wait
    co_await net::pause(*wait);
  }
}

}  // namespace brainstem::models
