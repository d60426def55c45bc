// A Provider that runs a GGUF model in-process with llama.cpp.
//
// Thread model: one inference thread owns the llama.cpp contexts and runs continuous batching:
// every active request is a sequence (one of `slots`), and each step decodes one new token for
// every generating sequence, plus prompt chunks of newly admitted ones, in a single
// llama_decode call. Requests beyond `slots` wait in a queue.
// Prompt cache: a finished sequence keeps its tokens' KV cache; a new request goes to the free
// slot whose tokens share the longest prefix with its prompt (at least half of the prompt or of
// that cache; else the slot used least recently) and decodes only the rest. A conversation's next turn, or a request with the same
// system prompt, so starts generating sooner. Prompts are rendered and
// tokenized on the calling thread; results travel back to the caller's executor through a
// thread-safe channel, so no I/O thread ever waits on inference.
// Thread-safety: every public method may be called from any thread at once.
// Cancellation: when the sink returns false or the awaiting coroutine is cancelled or destroyed,
// the sequence stops at the next step and its KV cache is cleared; the inference thread only
// ever touches request state it co-owns.
// Errors: kInvalidArgument for a prompt longer than the per-request context (the message names
// both counts) or an embed() on a model loaded without embeddings; kUnavailable while the model
// is not loaded, when the queue is full, or when the provider shuts down; kInternal if
// llama.cpp fails to decode.
#pragma once

#include "common/status.h"
#include "models/provider.h"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace brainstem::models {

struct LlamaOptions {
  std::string id;            // the configured model id, reported by info() and in errors
  std::string path;          // the GGUF file
  int context_size = 4096;   // tokens of KV cache in total, split evenly across slots
  int slots = 4;             // requests generating at once; later ones queue
  int threads = 0;           // CPU threads for llama.cpp; 0 = all hardware threads
  int batch = 512;           // most tokens decoded in one llama_decode call
  bool embeddings = true;    // also create an embedding context (mean pooling)
  int max_queued = 256;      // requests waiting for a slot before chat() answers kUnavailable
  bool prompt_cache = true;  // reuse a slot's KV cache for a prompt that starts alike (not for
                             // recurrent, hybrid or sliding-window models: they cannot cut it)
};

// Counters for tests and metrics; monotonic while the provider lives.
struct LlamaStats {
  int64_t max_batched_sequences = 0;  // most distinct sequences decoded in one llama_decode
  int64_t requests_served = 0;        // chat requests that reached a slot and finished
  int64_t tokens_generated = 0;       // sampled tokens, all requests together
  int64_t prompt_tokens_cached = 0;   // prompt tokens taken from a slot's cache, not decoded
};

class LlamaProvider : public Provider, public std::enable_shared_from_this<LlamaProvider> {
 public:
  // Loads the weights (blocking: call at startup or from a blocking pool) and starts the
  // inference thread. kNotFound if the file is missing, kInvalidArgument if llama.cpp cannot
  // load it, kInternal if a context cannot be created.
  static Result<std::shared_ptr<LlamaProvider>> load(const LlamaOptions& options);

  // Stops the inference thread: requests still queued or running end with kUnavailable.
  ~LlamaProvider() override;

  boost::asio::awaitable<Result<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& on_delta) override;

  // Mean-pooled, L2-normalised vectors; several inputs share one decode where they fit.
  // kInvalidArgument for an empty input or one longer than `batch` tokens.
  boost::asio::awaitable<Result<EmbeddingResult>> embed(const std::vector<std::string>& inputs) override;

  // context_size is the per-request context (the total divided by slots).
  ModelInfo info() const override;

  // Refuses new requests at once (kUnavailable "model X is not loaded") and frees weights and
  // contexts as soon as the requests in flight, queued ones included, have ended. Never blocks.
  bool unload() override;

  // Loads the weights again after unload() (on the inference thread); cancels an unload that
  // has not freed anything yet. OK at once if the model is loaded.
  boost::asio::awaitable<Status> ensure_loaded() override;

  LlamaStats stats() const;

 private:
  struct Impl;
  explicit LlamaProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace brainstem::models
