#include "models/llama/llama_provider.h"
#include "models/llama/text_stream.h"
#include "models/tokenizer.h"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace brainstem::models {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = std::chrono::seconds(60);

std::string vocab(const std::string& name) {
  return std::string(BRAINSTEM_VOCAB_DIR) + "/ggml-vocab-" + name + ".gguf";
}

bool make_model(const std::string& arch, const std::string& vocab_name, const fs::path& out) {
  const std::string cmd = std::string("\"") + MAKE_TEST_MODEL + "\" --arch " + arch + " --vocab \"" +
                          vocab(vocab_name) + "\" --out \"" + out.string() + "\"";
  return std::system(cmd.c_str()) == 0;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

ChatRequest ask(const std::string& text, int max_tokens, std::optional<double> temperature = 0.0) {
  ChatRequest r;
  r.messages.push_back({.role = "user", .content = text});
  r.max_tokens = max_tokens;
  r.temperature = temperature;
  return r;
}

// Runs one awaitable to completion on a private io_context (the caller's executor).
template <class T>
T run(asio::awaitable<T> op) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(op)); }, asio::detached);
  io.run_for(kTimeout);
  if (!out) throw std::runtime_error("the operation did not complete in time");
  return std::move(*out);
}

Result<ChatResponse> chat(LlamaProvider& p, const ChatRequest& req, DeltaSink sink = {}) {
  return run(p.chat(req, sink));
}

LlamaOptions options_for(const fs::path& model, int slots = 4) {
  LlamaOptions o;
  o.id = "test-model";
  o.path = model.string();
  o.context_size = 2048;
  o.slots = slots;
  o.threads = 1;  // a tiny model gains nothing from more, and a shared machine punishes spinning threads
  return o;
}

// Models and providers are made on first use: ctest runs every test in its own process, so
// each process only pays for what its test needs.
class LlamaProviderTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    llama_.reset();
    qwen_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      dir_.clear();
    }
  }
  static const fs::path& dir() {
    if (dir_.empty()) {
      dir_ = fs::temp_directory_path() / ("brainstem-llama-test-" + std::to_string(::getpid()));
      fs::create_directories(dir_);
    }
    return dir_;
  }
  static fs::path model(const std::string& arch, const std::string& vocab_name, const std::string& file) {
    fs::path path = dir() / file;
    if (!fs::exists(path) && !make_model(arch, vocab_name, path)) throw std::runtime_error("make_test_model failed");
    return path;
  }
  static fs::path llama_path() { return model("llama", "llama-spm", "llama.gguf"); }
  static fs::path qwen_path() { return model("qwen2", "qwen2", "qwen2.gguf"); }
  static LlamaProvider& load_once(std::shared_ptr<LlamaProvider>& slot, const fs::path& path) {
    if (!slot) {
      auto loaded = LlamaProvider::load(options_for(path));
      if (!loaded.ok()) throw std::runtime_error(loaded.status().message());
      slot = *loaded;
    }
    return *slot;
  }
  static LlamaProvider& llama() { return load_once(llama_, llama_path()); }
  static LlamaProvider& qwen() { return load_once(qwen_, qwen_path()); }

  static inline fs::path dir_;
  static inline std::shared_ptr<LlamaProvider> llama_;
  static inline std::shared_ptr<LlamaProvider> qwen_;
};

TEST_F(LlamaProviderTest, GeneratorWritesByteIdenticalFiles) {
  const std::string a = read_file(llama_path());
  const std::string b = read_file(model("llama", "llama-spm", "llama-again.gguf"));
  EXPECT_GT(a.size(), 1000000u);
  EXPECT_LT(a.size(), 8u << 20);  // small enough to generate per test run
  EXPECT_TRUE(a == b);
}

TEST_F(LlamaProviderTest, ReportsInfo) {
  const ModelInfo info = llama().info();
  EXPECT_EQ(info.id, "test-model");
  EXPECT_EQ(info.provider, "llama");
  EXPECT_TRUE(info.loaded);
  EXPECT_GT(info.memory_bytes, 1000000);
  EXPECT_EQ(info.context_size, 512);  // 2048 over 4 slots
  EXPECT_FALSE(info.supports_tools);
  EXPECT_TRUE(info.supports_embeddings);
}

TEST_F(LlamaProviderTest, GeneratesWithExactUsage) {
  auto r = chat(llama(), ask("What are your business hours?", 16));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model, "test-model");
  // The model has the ChatML template make_test_model writes; this vocabulary has no special
  // ChatML tokens, so the plain tokenizer counts the rendered prompt the same way.
  auto tok = Tokenizer::load(llama_path().string());
  ASSERT_TRUE(tok.ok());
  const std::string prompt = "<|im_start|>user\nWhat are your business hours?<|im_end|>\n<|im_start|>assistant\n";
  EXPECT_EQ(r->usage.prompt_tokens, static_cast<int64_t>((*tok)->tokenize(prompt, true).size()));
  EXPECT_GT(r->usage.completion_tokens, 0);
  if (r->finish_reason == "length") EXPECT_EQ(r->usage.completion_tokens, 16);
  else EXPECT_LT(r->usage.completion_tokens, 16);
  EXPECT_FALSE(r->content.empty());
  EXPECT_TRUE(valid_utf8(r->content));
}

TEST_F(LlamaProviderTest, Qwen2ModelGenerates) {
  auto r = chat(qwen(), ask("What are your business hours?", 12, 0.8));
  ASSERT_TRUE(r.ok()) << r.status().message();
  // <|im_start|> and <|im_end|> are single special tokens in this vocabulary.
  EXPECT_GE(r->usage.prompt_tokens, 10);
  EXPECT_LE(r->usage.prompt_tokens, 16);
  EXPECT_GT(r->usage.completion_tokens, 0);
  EXPECT_LE(r->usage.completion_tokens, 12);
  EXPECT_TRUE(valid_utf8(r->content));
}

TEST_F(LlamaProviderTest, StreamedDeltasConcatenateToTheContent) {
  for (LlamaProvider* p : {&llama(), &qwen()}) {
    std::vector<std::string> deltas;
    DeltaSink sink = [&](const ChatDelta& d) -> asio::awaitable<bool> {
      deltas.push_back(d.content);
      co_return true;
    };
    ChatRequest req = ask("Tell me a story.", 48, 1.0);
    req.seed = 7;
    auto r = chat(*p, req, sink);
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::string joined;
    for (const auto& d : deltas) {
      EXPECT_TRUE(valid_utf8(d)) << "a delta split a character";
      joined += d;
    }
    EXPECT_FALSE(deltas.empty());
    EXPECT_EQ(joined, r->content);
  }
}

TEST_F(LlamaProviderTest, MaxTokensEndsWithLength) {
  auto r = chat(llama(), ask("Count to one hundred.", 5));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->finish_reason, "length");
  EXPECT_EQ(r->usage.completion_tokens, 5);
}

TEST_F(LlamaProviderTest, StopStringEndsGenerationAndIsExcluded) {
  auto full = chat(llama(), ask("Say something long.", 40));
  ASSERT_TRUE(full.ok()) << full.status().message();
  const std::string& text = full->content;
  ASSERT_GE(text.size(), 8u);
  // A short piece from the second half, cut on character boundaries.
  size_t from = text.size() / 2;
  while (from > 0 && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) --from;
  size_t to = from + 1;
  while (to < text.size() && (to - from < 3 || (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80)) ++to;
  const std::string stop = text.substr(from, to - from);

  ChatRequest req = ask("Say something long.", 40);
  req.stop = {stop};
  auto r = chat(llama(), req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->content, text.substr(0, text.find(stop)));
  EXPECT_LT(r->usage.completion_tokens, full->usage.completion_tokens);
}

TEST_F(LlamaProviderTest, SameSeedSameTextAndGreedyIsRepeatable) {
  ChatRequest req = ask("Write a poem.", 24, 0.9);
  req.seed = 1234;
  auto a = chat(llama(), req);
  auto b = chat(llama(), req);
  req.seed = 99;
  auto c = chat(llama(), req);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->content, b->content);
  EXPECT_NE(a->content, c->content);

  auto g1 = chat(llama(), ask("Write a poem.", 24));
  auto g2 = chat(llama(), ask("Write a poem.", 24));
  ASSERT_TRUE(g1.ok() && g2.ok());
  EXPECT_EQ(g1->content, g2->content);
}

TEST_F(LlamaProviderTest, ConcurrentRequestsAreBatchedTogether) {
  auto fresh = LlamaProvider::load(options_for(llama_path()));
  ASSERT_TRUE(fresh.ok());
  auto& p = **fresh;
  asio::io_context io;
  std::vector<std::optional<Result<ChatResponse>>> out(6);
  for (size_t i = 0; i < out.size(); ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          ChatRequest req = ask("Request number " + std::to_string(i), 32, 1.0);
          req.seed = i;
          out[i].emplace(co_await p.chat(req, {}));
        },
        asio::detached);
  }
  io.run_for(kTimeout);
  for (auto& r : out) {
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->ok()) << r->status().message();
    EXPECT_GT((*r)->usage.completion_tokens, 0);
  }
  const LlamaStats stats = p.stats();
  EXPECT_GE(stats.max_batched_sequences, 2);
  EXPECT_LE(stats.max_batched_sequences, 4);  // six requests, four slots: two waited
  EXPECT_EQ(stats.requests_served, 6);
}

ChatRequest agent_ask(const std::string& system, const std::string& text) {
  ChatRequest r = ask(text, 8);
  r.messages.insert(r.messages.begin(), Message{.role = "system", .content = system});
  return r;
}

const std::string kSystem =
    "You are the support agent of a furniture shop. Orders ship within three working days and returns are "
    "free for thirty days. Ask for the order number when it is missing.";

TEST_F(LlamaProviderTest, APromptThatStartsAlikeDecodesOnlyWhatIsNew) {
  LlamaOptions cold_options = options_for(llama_path(), 1);
  cold_options.prompt_cache = false;
  auto warm = LlamaProvider::load(options_for(llama_path(), 1));
  auto cold = LlamaProvider::load(cold_options);
  ASSERT_TRUE(warm.ok() && cold.ok());
  const ChatRequest first = agent_ask(kSystem, "Where is my sofa?");
  const ChatRequest second = agent_ask(kSystem, "Can I return a lamp I bought last week?");
  for (auto* p : {warm->get(), cold->get()}) ASSERT_TRUE(chat(*p, first).ok());

  auto reused = chat(**warm, second);
  auto computed = chat(**cold, second);
  ASSERT_TRUE(reused.ok() && computed.ok());
  EXPECT_GT(reused->usage.cached_tokens, 20);  // the template's start and the system prompt
  EXPECT_LT(reused->usage.cached_tokens, reused->usage.prompt_tokens);
  EXPECT_EQ((*warm)->stats().prompt_tokens_cached, reused->usage.cached_tokens);
  EXPECT_EQ(computed->usage.cached_tokens, 0);
  EXPECT_EQ(reused->usage.prompt_tokens, computed->usage.prompt_tokens);
  EXPECT_EQ(reused->content, computed->content) << "the cached prefix gives the same greedy text";

  // The same prompt again: all but its last token (whose logits start the answer) come cached.
  auto again = chat(**warm, second);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->usage.cached_tokens, again->usage.prompt_tokens - 1);
  EXPECT_EQ(again->content, computed->content);
}

TEST_F(LlamaProviderTest, AnUnrelatedPromptTakesAnotherSlotAndLeavesTheCacheAlone) {
  auto p = LlamaProvider::load(options_for(llama_path(), 2));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(chat(**p, agent_ask(kSystem, "Where is my sofa?")).ok());
  auto unrelated = chat(**p, ask("Seven wizards quietly hex bold jumbo plans while the quick brown fox jumps over "
                                 "a lazy dog, and nobody in the village of Lower Wallop ever mentions it again.", 8));
  ASSERT_TRUE(unrelated.ok());
  EXPECT_LT(unrelated->usage.cached_tokens * 10, unrelated->usage.prompt_tokens);
  auto follow_up = chat(**p, agent_ask(kSystem, "And my chairs?"));
  ASSERT_TRUE(follow_up.ok());
  EXPECT_GT(follow_up->usage.cached_tokens, 20) << "the agent's slot kept its system prompt";
}

TEST_F(LlamaProviderTest, SinkRefusalStopsEarlyAndFreesTheSlot) {
  auto one_slot = LlamaProvider::load(options_for(llama_path(), 1));
  ASSERT_TRUE(one_slot.ok());
  auto& p = **one_slot;
  int calls = 0;
  DeltaSink sink = [&](const ChatDelta&) -> asio::awaitable<bool> { co_return ++calls < 3; };
  ChatRequest req = ask("Go on forever.", 200, 1.0);
  req.seed = 3;
  auto r = chat(p, req, sink);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(calls, 3);
  EXPECT_LT(r->usage.completion_tokens, 40);
  // The only slot is free again.
  auto next = chat(p, ask("Hello", 4));
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_GT(next->usage.completion_tokens, 0);
  EXPECT_EQ(p.stats().requests_served, 2);
}

TEST_F(LlamaProviderTest, CancelledCoroutineStopsTheSequence) {
  auto one_slot = LlamaProvider::load(options_for(llama_path(), 1));
  ASSERT_TRUE(one_slot.ok());
  auto& p = **one_slot;
  asio::io_context io;
  asio::cancellation_signal cancel;
  int deltas = 0;
  std::optional<Result<ChatResponse>> out;
  bool threw = false;
  DeltaSink sink = [&](const ChatDelta&) -> asio::awaitable<bool> {
    if (++deltas == 2) asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
    co_return true;
  };
  ChatRequest req = ask("Go on forever.", 400, 1.0);
  req.seed = 5;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await p.chat(req, sink)); },
      asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) { threw = e != nullptr; }));
  io.run_for(kTimeout);
  EXPECT_TRUE(threw || (out && !out->ok()));
  EXPECT_LT(deltas, 100);
  // The sequence was dropped: the single slot serves the next request.
  auto next = chat(p, ask("Hello", 4));
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_LT(p.stats().tokens_generated, 150);
}

TEST_F(LlamaProviderTest, TooLongPromptIsInvalidArgument) {
  std::string text;
  for (int i = 0; i < 700; ++i) text += "hello ";
  auto r = chat(llama(), ask(text, 8));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  auto tok = Tokenizer::load(llama_path().string());
  ASSERT_TRUE(tok.ok());
  const size_t n = (*tok)->tokenize("<|im_start|>user\n" + text + "<|im_end|>\n<|im_start|>assistant\n", true).size();
  // The message names the prompt's size and the per-request limit.
  EXPECT_NE(r.status().message().find(std::to_string(n) + " tokens"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("512"), std::string::npos) << r.status().message();
}

TEST_F(LlamaProviderTest, EmbedsUnitVectorsOfTheModelWidth) {
  for (LlamaProvider* p : {&llama(), &qwen()}) {
    auto r = run(p->embed({"hello world", "hello world", "a different sentence entirely"}));
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->vectors.size(), 3u);
    EXPECT_GT(r->prompt_tokens, 6);
    for (const auto& v : r->vectors) {
      ASSERT_EQ(v.size(), 64u);
      double norm = 0;
      for (float x : v) norm += static_cast<double>(x) * x;
      EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4);
    }
    for (size_t i = 0; i < 64; ++i) EXPECT_NEAR(r->vectors[0][i], r->vectors[1][i], 1e-5);
    double diff = 0;
    for (size_t i = 0; i < 64; ++i) diff += std::abs(r->vectors[0][i] - r->vectors[2][i]);
    EXPECT_GT(diff, 1e-3);

    auto again = run(p->embed({"hello world"}));
    ASSERT_TRUE(again.ok());
    for (size_t i = 0; i < 64; ++i) EXPECT_NEAR(again->vectors[0][i], r->vectors[0][i], 1e-5);
  }
}

TEST_F(LlamaProviderTest, EmbeddingManyInputsSpansSeveralDecodes) {
  std::vector<std::string> inputs;
  for (int i = 0; i < 20; ++i) inputs.push_back("input number " + std::to_string(i));
  auto r = run(llama().embed(inputs));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->vectors.size(), inputs.size());
  auto single = run(llama().embed({inputs[13]}));
  ASSERT_TRUE(single.ok());
  for (size_t i = 0; i < 64; ++i) EXPECT_NEAR(single->vectors[0][i], r->vectors[13][i], 1e-5);
}

TEST_F(LlamaProviderTest, UnloadRefusesThenReloadServesAgain) {
  auto loaded = LlamaProvider::load(options_for(llama_path()));
  ASSERT_TRUE(loaded.ok());
  auto& p = **loaded;
  p.unload();
  EXPECT_FALSE(p.info().loaded);
  auto refused = chat(p, ask("Hello", 4));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refused.status().message(), "model test-model is not loaded");
  auto refused_embed = run(p.embed({"hello"}));
  ASSERT_FALSE(refused_embed.ok());
  EXPECT_EQ(refused_embed.status().code(), StatusCode::kUnavailable);
  // The weights are freed once nothing is in flight.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (p.info().memory_bytes != 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(p.info().memory_bytes, 0);

  Status reloaded = run(p.ensure_loaded());
  ASSERT_TRUE(reloaded.is_ok()) << reloaded.message();
  EXPECT_TRUE(p.info().loaded);
  auto r = chat(p, ask("Hello", 4));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->usage.completion_tokens > 0, true);
}

TEST_F(LlamaProviderTest, UnloadWaitsForRequestsInFlight) {
  auto loaded = LlamaProvider::load(options_for(llama_path()));
  ASSERT_TRUE(loaded.ok());
  auto& p = **loaded;
  asio::io_context io;
  std::optional<Result<ChatResponse>> out;
  DeltaSink sink = [&](const ChatDelta&) -> asio::awaitable<bool> {
    p.unload();  // while this request streams
    co_return true;
  };
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { out.emplace(co_await p.chat(ask("Hi", 20), sink)); },
                 asio::detached);
  io.run_for(kTimeout);
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->ok()) << out->status().message();
  EXPECT_GT((*out)->usage.completion_tokens, 1);
  EXPECT_FALSE(p.info().loaded);
}

TEST_F(LlamaProviderTest, MissingFileIsNotFound) {
  auto r = LlamaProvider::load(options_for("/nonexistent/model.gguf"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

// TextStream: what the provider sends as deltas.

TEST(TextStream, HoldsBackACharacterSplitAcrossTokens) {
  TextStream s;
  EXPECT_EQ(s.push("a\xE2\x82"), "a");  // the first two bytes of U+20AC
  EXPECT_EQ(s.push("\xAC!"), "\xE2\x82\xAC!");
  EXPECT_EQ(s.flush(), "");
  EXPECT_EQ(s.emitted(), "a\xE2\x82\xAC!");
}

TEST(TextStream, ReplacesInvalidBytes) {
  TextStream s;
  EXPECT_EQ(s.push("x\x80y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(s.push("\xE2\x82"), "");
  EXPECT_EQ(s.flush(), "\xEF\xBF\xBD");  // cut short at the end
}

TEST(TextStream, StopStringAcrossTokensIsExcluded) {
  TextStream s({"END"});
  EXPECT_EQ(s.push("hello E"), "hello ");
  EXPECT_EQ(s.push("N"), "");
  EXPECT_EQ(s.push("D and more"), "");
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.emitted(), "hello ");
  EXPECT_EQ(s.flush(), "");
}

TEST(TextStream, ReleasesAHeldPrefixThatDidNotBecomeAStop) {
  TextStream s({"END"});
  EXPECT_EQ(s.push("a E"), "a ");
  EXPECT_EQ(s.push("Nx"), "ENx");
  EXPECT_EQ(s.push("EN"), "");
  EXPECT_EQ(s.flush(), "EN");
  EXPECT_FALSE(s.stopped());
  EXPECT_EQ(s.emitted(), "a ENxEN");
}

}  // namespace
}  // namespace brainstem::models
