// What the remote providers (openai, anthropic, a brainstem backend) share: one call to a model
// API over HTTP, plain or streamed as server-sent events, with retries and backoff.
//
// Retries: connection failures, 429 and 5xx are retried up to the spec's max_retries with
// exponential backoff and jitter, honouring Retry-After (a hint over 30 s fails at once), but
// only while no delta has reached the caller: a retry would repeat what the caller has seen.
#pragma once

#include "common/scratch_json.h"
#include "common/status.h"
#include "models/provider.h"
#include "models/registry.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/fwd.hpp>

#include <list>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::net {
class HttpClient;
struct ClientRequest;
}  // namespace brainstem::net

namespace brainstem::models {

// One server-sent event: its `event:` name (empty when none) and its data lines joined by
// '\n'. The views are valid until the splitter that produced the event is fed again.
struct SseEvent {
  std::string_view name;
  std::string_view data;
  std::string_view id;     // the `id:` field: what a client resumes from (Last-Event-ID)
  std::string_view retry;  // the `retry:` field: milliseconds to wait before reconnecting
};

// Splits a byte stream into server-sent events (LF or CRLF line ends). Events are read in
// place: from the bytes fed when nothing was pending, else from the pending text; only the
// data of an event with several data lines is copied, to join them.
class SseSplitter {
 public:
  // Takes `bytes` and returns the events they complete. The events may point into `bytes`:
  // use them before `bytes` goes and before the next feed().
  const std::vector<SseEvent>& feed(std::string_view bytes);
  // True once an unfinished event holds more than kMaxEventBytes: an upstream that never ends
  // its event cannot make the splitter grow without bound, so the stream is given up.
  bool overflowed() const { return pending_.size() - consumed_ > kMaxEventBytes; }

  static constexpr size_t kMaxEventBytes = 4 << 20;

 private:
  // Appends the whole events at the start of `text`; returns where the unfinished rest begins.
  size_t split(std::string_view text);

  std::string pending_;    // an unfinished event's bytes, after `consumed_` bytes the last events used
  size_t consumed_ = 0;
  std::vector<SseEvent> events_;
  std::list<std::string> joined_;  // multi-line data (a list: its strings never move)
};

// One API's reply format. A decoder is used for one attempt at a time; reset() starts afresh.
class ReplyDecoder {
 public:
  virtual ~ReplyDecoder() = default;
  virtual void reset() = 0;
  // A streamed event: appends the deltas it carries. An error status for a malformed event or
  // an error the upstream reported mid-stream.
  virtual Status on_event(const SseEvent& event, std::vector<ChatDelta>& out) = 0;
  // Whether the stream ended the way the API ends a complete reply.
  virtual bool finished() const = 0;
  // The reply the stream accumulated.
  virtual ChatResponse take() = 0;
  // A whole, unstreamed reply body.
  virtual Result<ChatResponse> parse(const std::string& body) const = 0;
};

// The upstream's own error message from its body ({"error":{"message"}}, {"error":"..."},
// {"message"}), else the body's first 200 bytes.
std::string upstream_error_message(std::string_view body);

// The status a non-2xx reply maps to: 429 kRateLimited (retry_after_s from Retry-After),
// 5xx kUnavailable, 401/403 kUnavailable naming the key, others kInvalidArgument.
Status status_of_reply(int status, const std::string& body, std::string_view retry_after);

// Sends `request` for the model `spec` and decodes the reply with `decoder`: streamed (each
// delta to `on_delta`) when `on_delta` is set, else whole. kCancelled when `on_delta` returned
// false.
boost::asio::awaitable<Result<ChatResponse>> call_model(net::HttpClient& client, const net::ClientRequest& request,
                                                        const ModelSpec& spec, const DeltaSink& on_delta,
                                                        ReplyDecoder& decoder);

// A provider over HTTP: its spec, the shared client, and the upstream key read once from the
// environment variable the spec names (api_key_env).
class RemoteProvider : public Provider {
 protected:
  // `default_base_url` serves when the spec gives none; trailing slashes are dropped.
  RemoteProvider(ModelSpec spec, net::HttpClient& client, std::string default_base_url = {});

  // A JSON POST to base_url + `path` under the spec's deadline; a streamed one accepts
  // text/event-stream. The caller adds its API's credentials and body.
  net::ClientRequest json_post(std::string_view path, bool stream) const;
  // The model's name upstream: upstream_model, else the configured id.
  const std::string& upstream_model() const;
  // info() of a remote model served by `provider`: id and context size; capabilities unset.
  ModelInfo remote_info(std::string provider) const;

  ModelSpec spec_;
  net::HttpClient& client_;
  std::string api_key_;
};

// Helpers for reading the loosely typed JSON of upstream replies: "" / 0 when absent.
std::string json_string(const boost::json::object& o, std::string_view key);
int64_t json_int(const boost::json::object& o, std::string_view key);
// The JSON object a streamed event's data carries, its nodes from `storage`; kUnavailable
// ("`who` sent a malformed stream event") when it is not one.
Result<boost::json::object> event_object(std::string_view data, std::string_view who,
                                         boost::json::storage_ptr storage = {});

}  // namespace brainstem::models
