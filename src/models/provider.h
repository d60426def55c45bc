// A model provider: something that turns a chat request into a reply, streaming first.
//
// Thread-safety: one Provider serves many concurrent requests; every method may be called from
// any I/O thread at once. Providers never block an I/O thread: work that blocks (inference,
// sockets) runs on the provider's own threads or as asynchronous I/O.
// Errors: kInvalidArgument (the request cannot be served by this model: bad parameters, no
// tool support), kUnavailable (retryable: upstream down, model not loaded, overloaded),
// kDeadlineExceeded (timed out), kRateLimited (upstream 429, retry_after_s set when known),
// kInternal otherwise.
// Cancellation: when `on_delta` returns false (the client left) or the awaiting coroutine is
// cancelled, the provider stops generating promptly and releases what the request held.
#pragma once

#include "common/status.h"
#include "models/chat.h"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

namespace brainstem::models {

// Receives each delta as it is produced; returns false to stop the generation.
using DeltaSink = std::function<boost::asio::awaitable<bool>(const ChatDelta&)>;

struct ModelInfo {
  std::string id;        // the configured model id
  std::string provider;  // "llama", "openai", "anthropic", "extractive"
  bool loaded = true;    // for local models: weights in memory
  int64_t memory_bytes = 0;
  int64_t context_size = 0;
  bool supports_tools = false;
  bool supports_embeddings = false;
};

class Provider {
 public:
  virtual ~Provider() = default;

  // The whole reply. With `on_delta` set, pieces are delivered as they are produced and the
  // result still holds the whole reply, usage and finish reason.
  virtual boost::asio::awaitable<Result<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& on_delta) = 0;

  // One vector per input. kInvalidArgument if this model does not embed.
  virtual boost::asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>& inputs) = 0;

  virtual ModelInfo info() const = 0;

  // Local models only. unload() frees the weights once in-flight requests end and returns
  // true; ensure_loaded() loads them again if needed. Remote models have nothing to unload.
  virtual bool unload() { return false; }
  virtual boost::asio::awaitable<Status> ensure_loaded() { co_return Status::ok(); }
};

}  // namespace brainstem::models
