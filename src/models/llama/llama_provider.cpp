#include "models/llama/llama_provider.h"

#include "models/llama/reply_channel.h"
#include "models/llama/text_stream.h"
#include "models/tokenizer.h"

#include <boost/asio/this_coro.hpp>
#include <llama.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace asio = boost::asio;

namespace brainstem::models {
namespace {

constexpr int kDefaultMaxTokens = 256;
constexpr double kDefaultTemperature = 1.0;  // the OpenAI default
constexpr int kMaxEmbedSequences = 8;        // inputs packed into one embedding decode

struct ContextDeleter {
  void operator()(llama_context* ctx) const { llama_free(ctx); }
};
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;

// Loaded weights plus what calling threads need to prepare requests. Immutable once shared;
// the weights are freed with the last reference (contexts are always freed before).
struct Model {
  llama_model* model = nullptr;
  const llama_vocab* vocab = nullptr;
  std::string chat_template;  // the model's own, or "chatml" when it has none we can render
  int n_ctx_seq = 0;          // tokens one request may use
  int n_embd = 0;
  int64_t size_bytes = 0;
  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model() {
    if (model) llama_model_free(model);
  }
};

// What one chat request sends back: deltas while streaming, then exactly one final event.
struct ChatEvent {
  std::string delta;
  bool done = false;
  Status error;  // with done: the request failed
  std::string content;
  std::string finish_reason;
  Usage usage;
};

struct ChatJob {
  std::vector<llama_token> prompt;
  int max_tokens = kDefaultMaxTokens;
  float temperature = 1.0f;
  float top_p = 1.0f;
  uint32_t seed = LLAMA_DEFAULT_SEED;
  std::vector<std::string> stop;
  bool stream = false;
  std::atomic<bool> cancelled{false};
  std::optional<ReplyChannel<ChatEvent>> reply;
};

struct EmbedReply {
  Status status;
  EmbeddingResult result;
};

struct EmbedJob {
  std::vector<std::vector<llama_token>> inputs;
  std::atomic<bool> cancelled{false};
  std::optional<ReplyChannel<EmbedReply>> reply;
};

struct ReloadJob {
  std::atomic<bool> cancelled{false};  // a reload runs to the end once started
  std::optional<ReplyChannel<Status>> reply;
};

// Marks a request abandoned if the awaiting coroutine leaves early (sink refused, cancelled,
// exception, frame destroyed), and always stops listening for replies.
template <class Job>
struct ReplyGuard {
  std::shared_ptr<Job> job;
  std::function<void()> wake;
  bool finished = false;
  ~ReplyGuard() {
    if (!finished) {
      job->cancelled = true;
      wake();
    }
    job->reply->close();
  }
};

std::string token_piece(const llama_vocab* vocab, llama_token token) {
  std::string piece(32, '\0');
  int n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
  if (n < 0) {
    piece.resize(static_cast<size_t>(-n));
    n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
  }
  piece.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return piece;
}

std::vector<llama_token> tokenize(const llama_vocab* vocab, const std::string& text, bool parse_special) {
  std::vector<llama_token> tokens(text.size() + 8);
  int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                         static_cast<int32_t>(tokens.size()), true, parse_special);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), true, parse_special);
  }
  tokens.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return tokens;
}

// Renders messages with a template llama.cpp knows; nullopt if it does not know this one.
std::optional<std::string> render_chat(const std::string& tmpl, const std::vector<Message>& messages) {
  std::vector<llama_chat_message> chat;
  size_t chars = 0;
  for (const auto& m : messages) {
    chat.push_back({m.role.c_str(), m.content.c_str()});
    chars += m.role.size() + m.content.size();
  }
  std::string out(2 * chars + 256, '\0');
  int n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), true, out.data(),
                                    static_cast<int32_t>(out.size()));
  if (n < 0) return std::nullopt;
  if (static_cast<size_t>(n) > out.size()) {
    out.resize(static_cast<size_t>(n));
    n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), true, out.data(),
                                  static_cast<int32_t>(out.size()));
    if (n < 0) return std::nullopt;
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

void add_token(llama_batch& batch, llama_token token, llama_pos pos, llama_seq_id seq, bool logits) {
  const int i = batch.n_tokens++;
  batch.token[i] = token;
  batch.pos[i] = pos;
  batch.n_seq_id[i] = 1;
  batch.seq_id[i][0] = seq;
  batch.logits[i] = logits ? 1 : 0;
}

}  // namespace

struct LlamaProvider::Impl {
  enum class State { kLoaded, kUnloading, kUnloaded, kLoading };

  // One sequence of the chat context. Inference thread only.
  struct Slot {
    int id = 0;
    std::shared_ptr<ChatJob> job;  // null when free
    llama_sampler* sampler = nullptr;
    size_t prompt_done = 0;  // prompt tokens decoded (or found in the cache) so far
    // The tokens whose KV the sequence holds, from position 0; kept after the request ends.
    std::vector<llama_token> cached;
    size_t reused = 0;       // of this request's prompt, tokens found in `cached`
    uint64_t last_used = 0;  // when the slot was last given a request (a counter)
    bool has_next = false;   // `next` was sampled and still has to be decoded
    llama_token next = 0;
    int generated = 0;
    int batch_index = -1;  // where this sequence's logits are in the current batch
    std::optional<TextStream> text;
  };

  explicit Impl(LlamaOptions o) : options_(std::move(o)) {
    if (options_.threads <= 0) options_.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    options_.slots = std::max(1, options_.slots);
    options_.batch = std::max(options_.batch, options_.slots);
  }

  LlamaOptions options_;

  // Shared state.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::kUnloaded;
  bool stopping_ = false;
  std::shared_ptr<const Model> model_;  // set while the weights are in memory
  std::deque<std::shared_ptr<ChatJob>> chat_queue_;
  std::deque<std::shared_ptr<EmbedJob>> embed_queue_;
  std::vector<std::shared_ptr<ReloadJob>> reload_jobs_;
  int active_ = 0;  // slots in use

  std::atomic<int64_t> max_batched_{0};
  std::atomic<int64_t> served_{0};
  std::atomic<int64_t> generated_{0};
  std::atomic<int64_t> reused_{0};

  // Inference thread only.
  std::shared_ptr<const Model> thread_model_;
  int n_batch_ = 0;  // what the chat context accepts per llama_decode (at most options.batch)
  bool cache_prompts_ = false;  // options.prompt_cache, where the model's memory can be cut
  uint64_t uses_ = 0;           // slots given out so far
  ContextPtr ctx_;
  ContextPtr embd_ctx_;
  llama_batch batch_{};
  llama_batch embd_batch_{};
  std::vector<Slot> slots_;
  std::shared_ptr<EmbedJob> embed_current_;
  size_t embed_next_ = 0;
  EmbeddingResult embed_partial_;

  std::thread thread_;

  void wake() {
    std::lock_guard lock(mu_);
    cv_.notify_one();
  }

  Status not_loaded_locked() const {
    if (state_ == State::kLoading) return Status::unavailable("model " + options_.id + " is loading");
    return Status::unavailable("model " + options_.id + " is not loaded");
  }

  Result<std::shared_ptr<const Model>> snapshot() const {
    std::lock_guard lock(mu_);
    if (state_ != State::kLoaded || !model_) return not_loaded_locked();
    return model_;
  }

  // Loads weights and creates contexts; runs before the thread starts or on the thread.
  Status open() {
    if (!std::filesystem::is_regular_file(options_.path)) return Status::not_found("no model file at " + options_.path);
    init_llama_backend();
    auto mparams = llama_model_default_params();
    auto m = std::make_shared<Model>();
    m->model = llama_model_load_from_file(options_.path.c_str(), mparams);
    if (!m->model) return Status::invalid(options_.path + " is not a GGUF model llama.cpp can load");
    m->vocab = llama_model_get_vocab(m->model);
    m->n_embd = llama_model_n_embd(m->model);
    m->size_bytes = static_cast<int64_t>(llama_model_size(m->model));

    // The model's template if llama.cpp can render it, else ChatML (what llama-server does).
    const char* tmpl = llama_model_chat_template(m->model, nullptr);
    m->chat_template = tmpl ? tmpl : "chatml";
    if (!render_chat(m->chat_template, {Message{.role = "user", .content = "hi"}})) {
      spdlog::warn("model {}: chat template not supported by llama.cpp, using chatml", options_.id);
      m->chat_template = "chatml";
    }

    auto cparams = llama_context_default_params();
    cparams.n_ctx = static_cast<uint32_t>(options_.context_size);
    cparams.n_batch = static_cast<uint32_t>(options_.batch);
    cparams.n_ubatch = static_cast<uint32_t>(options_.batch);
    cparams.n_seq_max = static_cast<uint32_t>(options_.slots);
    cparams.n_threads = options_.threads;
    cparams.n_threads_batch = options_.threads;
    cparams.kv_unified = false;  // each slot gets its own share of the context
    cparams.no_perf = true;
    ContextPtr chat_ctx(llama_init_from_model(m->model, cparams));
    if (!chat_ctx) return Status::internal("cannot create a llama.cpp context for " + options_.id);
    m->n_ctx_seq = static_cast<int>(llama_n_ctx_seq(chat_ctx.get()));
    // A recurrent state cannot be cut back to a prefix, nor a sliding window's pruned cells.
    cache_prompts_ = options_.prompt_cache && !llama_model_is_recurrent(m->model) &&
                     !llama_model_is_hybrid(m->model) && llama_model_n_swa(m->model) == 0;
    const int chat_batch = std::max(static_cast<int>(llama_n_batch(chat_ctx.get())), 1);

    ContextPtr e_ctx;
    if (options_.embeddings) {
      auto eparams = llama_context_default_params();
      // Mean pooling needs a whole input in one micro-batch.
      eparams.n_ctx = static_cast<uint32_t>(options_.batch);
      eparams.n_batch = static_cast<uint32_t>(options_.batch);
      eparams.n_ubatch = static_cast<uint32_t>(options_.batch);
      eparams.n_seq_max = kMaxEmbedSequences;
      eparams.kv_unified = true;  // inputs share the batch-sized cache
      eparams.n_threads = options_.threads;
      eparams.n_threads_batch = options_.threads;
      eparams.embeddings = true;
      eparams.pooling_type = LLAMA_POOLING_TYPE_MEAN;
      eparams.no_perf = true;
      e_ctx.reset(llama_init_from_model(m->model, eparams));
      if (!e_ctx) return Status::internal("cannot create a llama.cpp embedding context for " + options_.id);
    }

    ctx_ = std::move(chat_ctx);
    embd_ctx_ = std::move(e_ctx);
    n_batch_ = chat_batch;
    if (batch_.token) llama_batch_free(batch_);
    batch_ = llama_batch_init(n_batch_, 0, 1);
    if (embd_batch_.token) llama_batch_free(embd_batch_);
    embd_batch_ = llama_batch_init(options_.batch, 0, 1);
    slots_.assign(static_cast<size_t>(options_.slots), Slot{});
    for (int i = 0; i < options_.slots; ++i) slots_[static_cast<size_t>(i)].id = i;
    thread_model_ = m;
    {
      std::lock_guard lock(mu_);
      model_ = m;
    }
    spdlog::info("model {} loaded from {}: {} MiB, slots {}, context per slot {} tokens", options_.id, options_.path,
                 m->size_bytes >> 20, options_.slots, m->n_ctx_seq);
    return Status::ok();
  }

  // Frees contexts, then (with the last reference) the weights. Inference thread only.
  void close() {
    for (auto& s : slots_)
      if (s.sampler) llama_sampler_free(s.sampler);
    slots_.clear();
    ctx_.reset();
    embd_ctx_.reset();
    if (batch_.token) llama_batch_free(batch_);
    if (embd_batch_.token) llama_batch_free(embd_batch_);
    batch_ = {};
    embd_batch_ = {};
    thread_model_.reset();
  }

  bool unload_ready_locked() const {
    return state_ == State::kUnloading && active_ == 0 && chat_queue_.empty() && embed_queue_.empty() && !embed_current_;
  }

  void run() {
    for (;;) {
      std::vector<std::shared_ptr<ChatJob>> admitted;
      std::vector<std::shared_ptr<ReloadJob>> reloads;
      bool do_unload = false;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] {
          return stopping_ || !reload_jobs_.empty() || unload_ready_locked() || active_ > 0 || embed_current_ ||
                 !embed_queue_.empty() || (ctx_ && !chat_queue_.empty());
        });
        if (stopping_) break;
        reloads.swap(reload_jobs_);
        if (unload_ready_locked()) {
          state_ = State::kUnloaded;
          model_.reset();
          do_unload = true;
        }
        while (ctx_ && active_ < options_.slots && !chat_queue_.empty()) {
          admitted.push_back(std::move(chat_queue_.front()));
          chat_queue_.pop_front();
          ++active_;
        }
        if (!embed_current_ && !embed_queue_.empty()) {
          embed_current_ = std::move(embed_queue_.front());
          embed_queue_.pop_front();
          embed_next_ = 0;
          embed_partial_ = {};
        }
      }
      if (do_unload) {
        close();
        spdlog::info("model {} unloaded", options_.id);
      }
      if (!reloads.empty()) handle_reloads(reloads);
      for (auto& job : admitted) start(std::move(job));
      if (embed_current_) embed_step();
      if (ctx_) decode_step();
    }
    shutdown();
  }

  void handle_reloads(const std::vector<std::shared_ptr<ReloadJob>>& reloads) {
    Status status;
    if (!ctx_) {
      status = open();
      std::lock_guard lock(mu_);
      if (!status.is_ok()) {
        close();
        state_ = State::kUnloaded;
      } else if (state_ == State::kLoading) {
        state_ = State::kLoaded;
      }  // an unload() that came meanwhile keeps its kUnloading
    }
    for (const auto& r : reloads) r->reply->send(status);
  }

  // The free slot whose cached tokens share the longest prefix with `prompt`, when that is at
  // least half the prompt (one system prompt) or half the slot's cache (the conversation's next
  // turn); else the slot used least recently, so a prompt that shares only the template's
  // first tokens leaves the other caches alone.
  Slot& pick_slot(const std::vector<llama_token>& prompt) {
    Slot* alike = nullptr;
    Slot* oldest = nullptr;
    size_t most_shared = 0;
    for (auto& s : slots_) {
      if (s.job) continue;
      if (!oldest || s.last_used < oldest->last_used) oldest = &s;
      const size_t shared = cache_prompts_ ? common_prefix(s.cached, prompt) : 0;
      if (shared > most_shared) {
        alike = &s;
        most_shared = shared;
      }
    }
    if (alike && (2 * most_shared >= prompt.size() || 2 * most_shared >= alike->cached.size())) return *alike;
    return *oldest;  // admission never exceeds the slot count
  }

  static size_t common_prefix(const std::vector<llama_token>& a, const std::vector<llama_token>& b) {
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
  }

  // Keeps the slot's first `keep` cached tokens and drops the rest from its KV cache.
  void trim_cache(Slot& s, size_t keep) {
    llama_memory_t mem = llama_get_memory(ctx_.get());
    if (keep == 0 || !llama_memory_seq_rm(mem, s.id, static_cast<llama_pos>(keep), -1)) {
      llama_memory_seq_rm(mem, s.id, -1, -1);
      keep = 0;
    }
    s.cached.resize(std::min(keep, s.cached.size()));
  }

  void start(std::shared_ptr<ChatJob> job) {
    Slot& s = pick_slot(job->prompt);
    s.job = std::move(job);
    s.last_used = ++uses_;
    // The prompt's last token is always decoded again: its logits give the first new token.
    size_t reuse = cache_prompts_ ? common_prefix(s.cached, s.job->prompt) : 0;
    reuse = std::min(reuse, s.job->prompt.size() - 1);
    trim_cache(s, reuse);
    s.reused = s.cached.size();
    reused_.fetch_add(static_cast<int64_t>(s.reused), std::memory_order_relaxed);
    s.prompt_done = s.reused;
    s.has_next = false;
    s.generated = 0;
    s.batch_index = -1;
    s.text.emplace(s.job->stop);

    auto chain_params = llama_sampler_chain_default_params();
    chain_params.no_perf = true;
    s.sampler = llama_sampler_chain_init(chain_params);
    if (s.job->temperature <= 0.0f) {
      llama_sampler_chain_add(s.sampler, llama_sampler_init_greedy());
    } else {
      if (s.job->top_p < 1.0f) llama_sampler_chain_add(s.sampler, llama_sampler_init_top_p(s.job->top_p, 1));
      llama_sampler_chain_add(s.sampler, llama_sampler_init_temp(s.job->temperature));
      llama_sampler_chain_add(s.sampler, llama_sampler_init_dist(s.job->seed));
    }
  }

  void send_delta(Slot& s, std::string text) {
    if (!s.job->stream || text.empty()) return;
    ChatEvent ev;
    ev.delta = std::move(text);
    s.job->reply->send(std::move(ev));
  }

  // Ends the sequence: final event, KV cache cleared, slot freed.
  void finish(Slot& s, const std::string& reason, Status error = Status::ok(), bool flush = true) {
    if (flush && error.is_ok()) send_delta(s, s.text->flush());
    ChatEvent ev;
    ev.done = true;
    ev.error = std::move(error);
    ev.content = std::string(s.text->emitted());
    ev.finish_reason = reason;
    ev.usage.prompt_tokens = static_cast<int64_t>(s.job->prompt.size());
    ev.usage.completion_tokens = s.generated;
    ev.usage.cached_tokens = static_cast<int64_t>(s.reused);

    // Free the slot before answering, so the caller sees it free and counted. Its KV cache
    // stays for the next prompt that starts alike, unless decoding failed.
    auto job = std::move(s.job);
    if (!cache_prompts_ || !ev.error.is_ok()) trim_cache(s, 0);
    llama_sampler_free(s.sampler);
    s.sampler = nullptr;
    s.text.reset();
    served_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mu_);
      --active_;
    }
    job->reply->send(std::move(ev));
  }

  void on_token(Slot& s, llama_token token) {
    ++s.generated;
    generated_.fetch_add(1, std::memory_order_relaxed);
    if (llama_vocab_is_eog(thread_model_->vocab, token)) return finish(s, "stop");
    send_delta(s, s.text->push(token_piece(thread_model_->vocab, token)));
    if (s.text->stopped()) return finish(s, "stop");
    if (s.generated >= s.job->max_tokens || static_cast<int>(s.cached.size()) >= thread_model_->n_ctx_seq)
      return finish(s, "length");
    s.next = token;
    s.has_next = true;
  }

  // Adds the sequence's next token to the batch, at the position after its cached ones.
  void feed(Slot& s, llama_token token, bool logits) {
    add_token(batch_, token, static_cast<llama_pos>(s.cached.size()), s.id, logits);
    s.cached.push_back(token);
  }

  // One llama_decode: the next token of every generating sequence, then prompt chunks.
  void decode_step() {
    for (auto& s : slots_)
      if (s.job && s.job->cancelled.load(std::memory_order_relaxed)) finish(s, "stop", Status::ok(), false);

    batch_.n_tokens = 0;
    int budget = n_batch_;
    for (auto& s : slots_) {
      if (!s.job || !s.has_next) continue;
      s.batch_index = batch_.n_tokens;
      feed(s, s.next, true);
      s.has_next = false;
      --budget;
    }
    for (auto& s : slots_) {
      if (!s.job || budget <= 0) continue;
      const auto& prompt = s.job->prompt;
      const size_t n = std::min(prompt.size() - s.prompt_done, static_cast<size_t>(budget));
      for (size_t k = 0; k < n; ++k) {
        const bool last = s.prompt_done + 1 == prompt.size();
        if (last) s.batch_index = batch_.n_tokens;
        feed(s, prompt[s.prompt_done++], last);
      }
      budget -= static_cast<int>(n);
    }
    if (batch_.n_tokens == 0) return;

    int sequences = 0;
    for (const auto& s : slots_) {
      if (!s.job) continue;
      for (int i = 0; i < batch_.n_tokens; ++i)
        if (batch_.seq_id[i][0] == s.id) {
          ++sequences;
          break;
        }
    }
    int64_t seen = max_batched_.load(std::memory_order_relaxed);
    while (sequences > seen && !max_batched_.compare_exchange_weak(seen, sequences)) {
    }

    const int rc = llama_decode(ctx_.get(), batch_);
    if (rc != 0) {
      spdlog::error("model {}: llama_decode failed ({})", options_.id, rc);
      for (auto& s : slots_) {
        if (!s.job) continue;
        bool in_batch = false;
        for (int i = 0; i < batch_.n_tokens && !in_batch; ++i) in_batch = batch_.seq_id[i][0] == s.id;
        if (in_batch) finish(s, "stop", Status::internal("llama.cpp failed to decode (" + std::to_string(rc) + ")"));
      }
      return;
    }
    for (auto& s : slots_) {
      if (!s.job || s.batch_index < 0) continue;
      const llama_token token = llama_sampler_sample(s.sampler, ctx_.get(), s.batch_index);
      s.batch_index = -1;
      on_token(s, token);
    }
  }

  // One decode of as many pending inputs as fit; answers the job when all are done.
  void embed_step() {
    auto job = embed_current_;
    auto done = [&](EmbedReply reply) {
      job->reply->send(std::move(reply));
      embed_current_.reset();
    };
    if (job->cancelled.load(std::memory_order_relaxed)) return done({});
    if (!embd_ctx_) return done({Status::invalid("model " + options_.id + " does not embed"), {}});

    embd_batch_.n_tokens = 0;
    size_t first = embed_next_;
    while (embed_next_ < job->inputs.size() && embed_next_ - first < kMaxEmbedSequences) {
      const auto& tokens = job->inputs[embed_next_];
      if (embd_batch_.n_tokens + static_cast<int>(tokens.size()) > options_.batch) break;
      const auto seq = static_cast<llama_seq_id>(embed_next_ - first);
      for (size_t p = 0; p < tokens.size(); ++p) add_token(embd_batch_, tokens[p], static_cast<llama_pos>(p), seq, true);
      ++embed_next_;
    }
    llama_memory_clear(llama_get_memory(embd_ctx_.get()), true);
    const int rc = llama_decode(embd_ctx_.get(), embd_batch_);
    if (rc != 0) return done({Status::internal("llama.cpp failed to embed (" + std::to_string(rc) + ")"), {}});
    for (size_t i = first; i < embed_next_; ++i) {
      const float* v = llama_get_embeddings_seq(embd_ctx_.get(), static_cast<llama_seq_id>(i - first));
      if (!v) return done({Status::internal("llama.cpp returned no pooled embedding"), {}});
      std::vector<float> out(v, v + thread_model_->n_embd);
      double norm = 0;
      for (float x : out) norm += static_cast<double>(x) * x;
      norm = std::sqrt(norm);
      if (norm > 0)
        for (float& x : out) x = static_cast<float>(x / norm);
      embed_partial_.vectors.push_back(std::move(out));
      embed_partial_.prompt_tokens += static_cast<int64_t>(job->inputs[i].size());
    }
    if (embed_next_ == job->inputs.size()) done({Status::ok(), std::move(embed_partial_)});
  }

  void shutdown() {
    const Status gone = Status::unavailable("model " + options_.id + " is shutting down");
    for (auto& s : slots_)
      if (s.job) finish(s, "stop", gone);
    std::deque<std::shared_ptr<ChatJob>> chats;
    std::deque<std::shared_ptr<EmbedJob>> embeds;
    std::vector<std::shared_ptr<ReloadJob>> reloads;
    {
      std::lock_guard lock(mu_);
      chats.swap(chat_queue_);
      embeds.swap(embed_queue_);
      reloads.swap(reload_jobs_);
      model_.reset();
    }
    for (auto& j : chats) {
      ChatEvent ev;
      ev.done = true;
      ev.error = gone;
      j->reply->send(std::move(ev));
    }
    if (embed_current_) embeds.push_front(embed_current_);
    for (auto& j : embeds) j->reply->send({gone, {}});
    for (auto& j : reloads) j->reply->send(gone);
    embed_current_.reset();
    close();
  }
};

LlamaProvider::LlamaProvider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::shared_ptr<LlamaProvider>> LlamaProvider::load(const LlamaOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  Status status = impl->open();
  if (!status.is_ok()) {
    impl->close();
    return status;
  }
  impl->state_ = Impl::State::kLoaded;
  Impl* raw = impl.get();
  impl->thread_ = std::thread([raw] { raw->run(); });
  return std::shared_ptr<LlamaProvider>(new LlamaProvider(std::move(impl)));
}

LlamaProvider::~LlamaProvider() {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->stopping_ = true;
  }
  impl_->cv_.notify_one();
  if (impl_->thread_.joinable()) impl_->thread_.join();
}

asio::awaitable<Result<ChatResponse>> LlamaProvider::chat(const ChatRequest& request, const DeltaSink& on_delta) {
  auto self = shared_from_this();
  Impl& impl = *impl_;
  auto model = impl.snapshot();
  if (!model.ok()) co_return model.status();
  const Model& m = **model;

  if (request.messages.empty()) co_return Status::invalid("messages must not be empty");
  auto job = std::make_shared<ChatJob>();
  const double temperature = request.temperature.value_or(kDefaultTemperature);
  if (!(temperature >= 0)) co_return Status::invalid("temperature must not be negative");
  const double top_p = request.top_p.value_or(1.0);
  if (!(top_p > 0 && top_p <= 1)) co_return Status::invalid("top_p must be in (0, 1]");
  const int max_tokens = request.max_tokens.value_or(kDefaultMaxTokens);
  if (max_tokens <= 0) co_return Status::invalid("max_tokens must be positive");
  job->temperature = static_cast<float>(temperature);
  job->top_p = static_cast<float>(top_p);
  job->max_tokens = max_tokens;
  job->stop = request.stop;
  job->stream = static_cast<bool>(on_delta);
  // llama.cpp's samplers take a 32-bit seed; fold the 64-bit one so every bit counts.
  if (request.seed) job->seed = static_cast<uint32_t>(*request.seed ^ (*request.seed >> 32));
  if (job->seed == LLAMA_DEFAULT_SEED && request.seed) job->seed = 0;  // that value means "random"

  auto prompt = render_chat(m.chat_template, request.messages);
  if (!prompt) co_return Status::internal("cannot render the chat template of model " + impl.options_.id);
  job->prompt = tokenize(m.vocab, *prompt, true);
  const auto n_prompt = static_cast<int64_t>(job->prompt.size());
  if (n_prompt == 0) co_return Status::invalid("the prompt renders to no tokens");
  if (n_prompt >= m.n_ctx_seq)
    co_return Status::invalid("the prompt is " + std::to_string(n_prompt) + " tokens but model " + impl.options_.id +
                              " allows at most " + std::to_string(m.n_ctx_seq - 1) + " prompt tokens per request (" +
                              std::to_string(m.n_ctx_seq) + "-token context per slot)");

  // Every step sends at most one delta, and the end at most one more plus the final event.
  const size_t room = static_cast<size_t>(std::min<int64_t>(max_tokens, m.n_ctx_seq - n_prompt));
  job->reply.emplace(co_await asio::this_coro::executor, job->stream ? room + 3 : 1);
  {
    std::lock_guard lock(impl.mu_);
    if (impl.state_ != Impl::State::kLoaded) co_return impl.not_loaded_locked();
    if (static_cast<int>(impl.chat_queue_.size()) >= impl.options_.max_queued)
      co_return Status::unavailable("model " + impl.options_.id + " is overloaded: too many queued requests");
    impl.chat_queue_.push_back(job);
  }
  impl.cv_.notify_one();
  ReplyGuard<ChatJob> guard{job, [&impl] { impl.wake(); }};

  bool listening = job->stream;
  std::optional<ChatEvent> final_event;
  while (!final_event) {
    auto ev = co_await job->reply->receive();
    if (!ev) co_return Status::unavailable("the request was cancelled");
    if (ev->done) {
      final_event = std::move(ev);
      break;
    }
    if (!listening) continue;
    // Deltas that piled up while the sink was busy go out as one.
    ChatDelta delta;
    delta.content = std::move(ev->delta);
    while (auto more = job->reply->try_receive()) {
      if (more->done) {
        final_event = std::move(more);
        break;
      }
      delta.content += more->delta;
    }
    if (!co_await on_delta(delta)) {
      // The client left: stop generating, but wait for the final count of tokens.
      listening = false;
      job->cancelled = true;
      impl.wake();
    }
  }
  guard.finished = true;
  if (!final_event->error.is_ok()) co_return final_event->error;
  ChatResponse response;
  response.model = impl.options_.id;
  response.content = std::move(final_event->content);
  response.finish_reason = std::move(final_event->finish_reason);
  response.usage = final_event->usage;
  co_return response;
}

asio::awaitable<Result<EmbeddingResult>> LlamaProvider::embed(const std::vector<std::string>& inputs) {
  auto self = shared_from_this();
  Impl& impl = *impl_;
  if (!impl.options_.embeddings) co_return Status::invalid("model " + impl.options_.id + " does not embed");
  auto model = impl.snapshot();
  if (!model.ok()) co_return model.status();
  const Model& m = **model;

  auto job = std::make_shared<EmbedJob>();
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto tokens = tokenize(m.vocab, inputs[i], false);
    if (tokens.empty()) co_return Status::invalid("input " + std::to_string(i) + " is empty");
    if (static_cast<int>(tokens.size()) > impl.options_.batch)
      co_return Status::invalid("input " + std::to_string(i) + " is " + std::to_string(tokens.size()) +
                                " tokens but model " + impl.options_.id + " embeds at most " +
                                std::to_string(impl.options_.batch));
    job->inputs.push_back(std::move(tokens));
  }
  if (job->inputs.empty()) co_return EmbeddingResult{};

  job->reply.emplace(co_await asio::this_coro::executor, 1);
  {
    std::lock_guard lock(impl.mu_);
    if (impl.state_ != Impl::State::kLoaded) co_return impl.not_loaded_locked();
    impl.embed_queue_.push_back(job);
  }
  impl.cv_.notify_one();
  ReplyGuard<EmbedJob> guard{job, [&impl] { impl.wake(); }};

  auto reply = co_await job->reply->receive();
  if (!reply) co_return Status::unavailable("the request was cancelled");
  guard.finished = true;
  if (!reply->status.is_ok()) co_return reply->status;
  co_return std::move(reply->result);
}

ModelInfo LlamaProvider::info() const {
  ModelInfo info;
  info.id = impl_->options_.id;
  info.provider = "llama";
  info.supports_tools = false;
  info.supports_embeddings = impl_->options_.embeddings;
  std::lock_guard lock(impl_->mu_);
  info.loaded = impl_->state_ == Impl::State::kLoaded;
  if (impl_->model_) {
    info.memory_bytes = impl_->model_->size_bytes;
    info.context_size = impl_->model_->n_ctx_seq;
  } else {
    info.context_size = impl_->options_.context_size / impl_->options_.slots;
  }
  return info;
}

bool LlamaProvider::unload() {
  std::lock_guard lock(impl_->mu_);
  if (impl_->state_ == Impl::State::kLoaded || impl_->state_ == Impl::State::kLoading)
    impl_->state_ = Impl::State::kUnloading;
  impl_->cv_.notify_one();
  return true;
}

asio::awaitable<Status> LlamaProvider::ensure_loaded() {
  auto self = shared_from_this();
  Impl& impl = *impl_;
  auto job = std::make_shared<ReloadJob>();
  job->reply.emplace(co_await asio::this_coro::executor, 1);
  {
    std::lock_guard lock(impl.mu_);
    if (impl.state_ == Impl::State::kLoaded) co_return Status::ok();
    if (impl.state_ == Impl::State::kUnloading && impl.model_) {
      impl.state_ = Impl::State::kLoaded;  // nothing freed yet: just keep serving
      co_return Status::ok();
    }
    impl.state_ = Impl::State::kLoading;
    impl.reload_jobs_.push_back(job);
  }
  impl.cv_.notify_one();
  ReplyGuard<ReloadJob> guard{job, [&impl] { impl.wake(); }};
  auto status = co_await job->reply->receive();
  guard.finished = true;
  if (!status) co_return Status::unavailable("the reload was cancelled");
  co_return *status;
}

LlamaStats LlamaProvider::stats() const {
  return {impl_->max_batched_.load(), impl_->served_.load(), impl_->generated_.load(), impl_->reused_.load()};
}

}  // namespace brainstem::models
