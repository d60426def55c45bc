// make_test_model: writes a tiny random-weight GGUF model that llama.cpp loads through its
// normal path, with a real tokenizer copied from a vocabulary-only GGUF.
//
//   make_test_model --arch llama|qwen2 --vocab FILE.gguf --out FILE.gguf
//                   [--embd 64 --layers 2 --heads 4 --kv-heads 2 --ff 128 --ctx 2048 --seed 42]
//                   [--untied] [--embd-type f16|f32]
//
// Weights are deterministic pseudo-random values (approximately N(0, 0.02)) drawn from a fixed
// integer generator, norms are 1: the same arguments give a byte-identical file on any machine.
// The token embedding doubles as the output projection unless --untied is given, and is
// stored as F16 unless --embd-type f32: with a 32,000-token vocabulary that keeps the default
// model near 4 MB (the vocabulary table dominates the size). Every other tensor is F32.
#include <ggml.h>
#include <gguf.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Args {
  std::string arch;
  std::string vocab;
  std::string out;
  int embd = 64;
  int layers = 2;
  int heads = 4;
  int kv_heads = 2;
  int ff = 128;
  int ctx = 2048;
  uint64_t seed = 42;
  bool untied = false;
  ggml_type embd_type = GGML_TYPE_F16;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "make_test_model: %s\n"
               "usage: make_test_model --arch llama|qwen2 --vocab FILE.gguf --out FILE.gguf\n"
               "         [--embd 64 --layers 2 --heads 4 --kv-heads 2 --ff 128 --ctx 2048 --seed 42]\n"
               "         [--untied] [--embd-type f16|f32]\n",
               why);
  std::exit(2);
}

int positive_int(const char* text) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!end || *end != '\0' || v <= 0 || v > (1 << 24)) usage("expected a positive integer");
  return static_cast<int>(v);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--untied") { a.untied = true; continue; }
    if (i + 1 >= argc) usage(("missing value for " + k).c_str());
    const char* v = argv[++i];
    if (k == "--arch") a.arch = v;
    else if (k == "--vocab") a.vocab = v;
    else if (k == "--out") a.out = v;
    else if (k == "--embd") a.embd = positive_int(v);
    else if (k == "--layers") a.layers = positive_int(v);
    else if (k == "--heads") a.heads = positive_int(v);
    else if (k == "--kv-heads") a.kv_heads = positive_int(v);
    else if (k == "--ff") a.ff = positive_int(v);
    else if (k == "--ctx") a.ctx = positive_int(v);
    else if (k == "--seed") a.seed = std::strtoull(v, nullptr, 10);
    else if (k == "--embd-type") {
      std::string t = v;
      if (t == "f16") a.embd_type = GGML_TYPE_F16;
      else if (t == "f32") a.embd_type = GGML_TYPE_F32;
      else usage("--embd-type must be f16 or f32");
    } else usage(("unknown option " + k).c_str());
  }
  if (a.arch != "llama" && a.arch != "qwen2") usage("--arch must be llama or qwen2");
  if (a.vocab.empty() || a.out.empty()) usage("--vocab and --out are required");
  if (a.embd % a.heads != 0) usage("--embd must be a multiple of --heads");
  if (a.heads % a.kv_heads != 0) usage("--heads must be a multiple of --kv-heads");
  if ((a.embd / a.heads) % 2 != 0) usage("the head size (--embd / --heads) must be even for RoPE");
  return a;
}

// splitmix64: a tiny integer generator whose output does not depend on the platform's
// standard library, unlike std::normal_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Irwin-Hall with four uniforms, rescaled to unit variance: close enough to a normal draw and
  // built from exact arithmetic only, so the bits are reproducible.
  float normal(float stddev) {
    double sum = 0;
    for (int i = 0; i < 4; ++i) sum += static_cast<double>(next() >> 11) * 0x1.0p-53;
    return static_cast<float>((sum - 2.0) * 1.7320508075688772 * stddev);
  }

 private:
  uint64_t state_;
};

struct TensorData {
  std::string name;
  std::vector<uint8_t> bytes;
};

class Writer {
 public:
  Writer(gguf_context* gguf, uint64_t seed, size_t max_tensors) : gguf_(gguf), rng_(seed) {
    // Metadata only: the data lives in data_ and is attached with gguf_set_tensor_data.
    ggml_init_params params{ggml_tensor_overhead() * max_tensors, nullptr, /*no_alloc=*/true};
    meta_ = ggml_init(params);
  }
  ~Writer() { ggml_free(meta_); }

  // A random tensor of shape {ne0, ne1} (ne0 contiguous), or all ones with `ones`.
  void add(const std::string& name, int64_t ne0, int64_t ne1, ggml_type type = GGML_TYPE_F32, bool ones = false) {
    std::vector<float> values(static_cast<size_t>(ne0 * ne1));
    for (float& v : values) v = ones ? 1.0f : rng_.normal(0.02f);
    auto data = std::make_unique<TensorData>();
    data->name = name;
    if (type == GGML_TYPE_F16) {
      data->bytes.resize(values.size() * sizeof(ggml_fp16_t));
      ggml_fp32_to_fp16_row(values.data(), reinterpret_cast<ggml_fp16_t*>(data->bytes.data()),
                            static_cast<int64_t>(values.size()));
    } else {
      data->bytes.resize(values.size() * sizeof(float));
      std::memcpy(data->bytes.data(), values.data(), data->bytes.size());
    }
    ggml_tensor* t = ne1 == 1 ? ggml_new_tensor_1d(meta_, type, ne0) : ggml_new_tensor_2d(meta_, type, ne0, ne1);
    ggml_set_name(t, name.c_str());
    gguf_add_tensor(gguf_, t);
    gguf_set_tensor_data(gguf_, name.c_str(), data->bytes.data());
    data_.push_back(std::move(data));
  }
  void ones(const std::string& name, int64_t n) { add(name, n, 1, GGML_TYPE_F32, true); }

 private:
  gguf_context* gguf_;
  ggml_context* meta_;
  Rng rng_;
  std::vector<std::unique_ptr<TensorData>> data_;  // must outlive gguf_write_to_file
};

// Copies every tokenizer.* key from the vocabulary file; returns the vocabulary size.
size_t copy_tokenizer(const gguf_context* src, gguf_context* dst) {
  size_t n_vocab = 0;
  for (int64_t i = 0; i < gguf_get_n_kv(src); ++i) {
    const char* key = gguf_get_key(src, i);
    if (std::strncmp(key, "tokenizer.", 10) != 0) continue;
    switch (gguf_get_kv_type(src, i)) {
      case GGUF_TYPE_UINT8: gguf_set_val_u8(dst, key, gguf_get_val_u8(src, i)); break;
      case GGUF_TYPE_INT8: gguf_set_val_i8(dst, key, gguf_get_val_i8(src, i)); break;
      case GGUF_TYPE_UINT16: gguf_set_val_u16(dst, key, gguf_get_val_u16(src, i)); break;
      case GGUF_TYPE_INT16: gguf_set_val_i16(dst, key, gguf_get_val_i16(src, i)); break;
      case GGUF_TYPE_UINT32: gguf_set_val_u32(dst, key, gguf_get_val_u32(src, i)); break;
      case GGUF_TYPE_INT32: gguf_set_val_i32(dst, key, gguf_get_val_i32(src, i)); break;
      case GGUF_TYPE_FLOAT32: gguf_set_val_f32(dst, key, gguf_get_val_f32(src, i)); break;
      case GGUF_TYPE_BOOL: gguf_set_val_bool(dst, key, gguf_get_val_bool(src, i)); break;
      case GGUF_TYPE_STRING: gguf_set_val_str(dst, key, gguf_get_val_str(src, i)); break;
      case GGUF_TYPE_UINT64: gguf_set_val_u64(dst, key, gguf_get_val_u64(src, i)); break;
      case GGUF_TYPE_INT64: gguf_set_val_i64(dst, key, gguf_get_val_i64(src, i)); break;
      case GGUF_TYPE_FLOAT64: gguf_set_val_f64(dst, key, gguf_get_val_f64(src, i)); break;
      case GGUF_TYPE_ARRAY: {
        const size_t n = gguf_get_arr_n(src, i);
        const gguf_type type = gguf_get_arr_type(src, i);
        if (type == GGUF_TYPE_STRING) {
          std::vector<const char*> items(n);
          for (size_t j = 0; j < n; ++j) items[j] = gguf_get_arr_str(src, i, j);
          gguf_set_arr_str(dst, key, items.data(), n);
        } else if (type == GGUF_TYPE_ARRAY) {
          std::fprintf(stderr, "make_test_model: skipping nested array %s\n", key);
          continue;
        } else {
          gguf_set_arr_data(dst, key, type, gguf_get_arr_data(src, i), n);
        }
        if (std::strcmp(key, "tokenizer.ggml.tokens") == 0) n_vocab = n;
        break;
      }
      default: std::fprintf(stderr, "make_test_model: skipping %s (unknown type)\n", key);
    }
  }
  return n_vocab;
}

// ChatML, the format llama.cpp's template detection recognises by its <|im_start|> markers.
constexpr const char* kChatmlTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);

  gguf_init_params read_params{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* vocab = gguf_init_from_file(a.vocab.c_str(), read_params);
  if (!vocab) {
    std::fprintf(stderr, "make_test_model: cannot read %s as GGUF\n", a.vocab.c_str());
    return 1;
  }

  gguf_context* out = gguf_init_empty();
  const std::string& arch = a.arch;
  gguf_set_val_str(out, "general.architecture", arch.c_str());
  gguf_set_val_str(out, "general.name", ("brainstem test " + arch).c_str());

  const size_t n_vocab = copy_tokenizer(vocab, out);
  gguf_free(vocab);
  if (n_vocab == 0) {
    std::fprintf(stderr, "make_test_model: %s has no tokenizer.ggml.tokens\n", a.vocab.c_str());
    gguf_free(out);
    return 1;
  }
  if (gguf_find_key(out, "tokenizer.chat_template") < 0) gguf_set_val_str(out, "tokenizer.chat_template", kChatmlTemplate);

  const int head_dim = a.embd / a.heads;
  const int embd_kv = head_dim * a.kv_heads;
  auto key = [&](const char* suffix) { return arch + "." + suffix; };
  gguf_set_val_u32(out, key("vocab_size").c_str(), static_cast<uint32_t>(n_vocab));
  gguf_set_val_u32(out, key("context_length").c_str(), static_cast<uint32_t>(a.ctx));
  gguf_set_val_u32(out, key("embedding_length").c_str(), static_cast<uint32_t>(a.embd));
  gguf_set_val_u32(out, key("block_count").c_str(), static_cast<uint32_t>(a.layers));
  gguf_set_val_u32(out, key("feed_forward_length").c_str(), static_cast<uint32_t>(a.ff));
  gguf_set_val_u32(out, key("attention.head_count").c_str(), static_cast<uint32_t>(a.heads));
  gguf_set_val_u32(out, key("attention.head_count_kv").c_str(), static_cast<uint32_t>(a.kv_heads));
  gguf_set_val_u32(out, key("rope.dimension_count").c_str(), static_cast<uint32_t>(head_dim));
  // The values the real families ship with.
  gguf_set_val_f32(out, key("attention.layer_norm_rms_epsilon").c_str(), arch == "qwen2" ? 1e-6f : 1e-5f);
  gguf_set_val_f32(out, key("rope.freq_base").c_str(), arch == "qwen2" ? 1000000.0f : 10000.0f);

  {
    Writer w(out, a.seed, 8 + 16 * static_cast<size_t>(a.layers));
    w.add("token_embd.weight", a.embd, static_cast<int64_t>(n_vocab), a.embd_type);
    w.ones("output_norm.weight", a.embd);
    if (a.untied) w.add("output.weight", a.embd, static_cast<int64_t>(n_vocab), a.embd_type);
    for (int i = 0; i < a.layers; ++i) {
      auto blk = [i](const char* name) { return "blk." + std::to_string(i) + "." + name; };
      w.ones(blk("attn_norm.weight"), a.embd);
      w.add(blk("attn_q.weight"), a.embd, a.embd);
      w.add(blk("attn_k.weight"), a.embd, embd_kv);
      w.add(blk("attn_v.weight"), a.embd, embd_kv);
      if (arch == "qwen2") {
        w.add(blk("attn_q.bias"), a.embd, 1);
        w.add(blk("attn_k.bias"), embd_kv, 1);
        w.add(blk("attn_v.bias"), embd_kv, 1);
      }
      w.add(blk("attn_output.weight"), a.embd, a.embd);
      w.ones(blk("ffn_norm.weight"), a.embd);
      w.add(blk("ffn_gate.weight"), a.embd, a.ff);
      w.add(blk("ffn_up.weight"), a.embd, a.ff);
      w.add(blk("ffn_down.weight"), a.ff, a.embd);
    }
    if (!gguf_write_to_file(out, a.out.c_str(), false)) {
      std::fprintf(stderr, "make_test_model: cannot write %s\n", a.out.c_str());
      gguf_free(out);
      return 1;
    }
  }
  gguf_free(out);
  return 0;
}
