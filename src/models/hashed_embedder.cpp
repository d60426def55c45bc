#include "models/hashed_embedder.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace brainstem::models {
namespace {

// Feature weights. A word's n-grams share kCharGramWeight in L2 terms (each gets
// kCharGramWeight / sqrt(count)): together they weigh as much as the word itself, so a typo
// keeps about half the similarity and long words do not drown out whole-word matches.
constexpr float kWordWeight = 1.0f;
constexpr float kBigramWeight = 0.5f;
constexpr float kCharGramWeight = 1.0f;
constexpr int kMinGram = 3;
constexpr int kMaxGram = 5;

// FNV-1a 64. The kind byte that starts every feature keeps a word apart from an equal n-gram.
class FeatureHash {
 public:
  explicit FeatureHash(char kind) { add(std::string_view(&kind, 1)); }
  FeatureHash& add(std::string_view bytes) {
    for (unsigned char c : bytes) h_ = (h_ ^ c) * 1099511628211ull;
    return *this;
  }
  // FNV-1a's low bits depend only on the inputs' low bits; the MurmurHash3 fmix64 finaliser
  // spreads every input bit over the bits that pick the bucket and the sign.
  uint64_t value() const {
    uint64_t h = h_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }

 private:
  uint64_t h_ = 14695981039346656037ull;
};

bool is_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    if (is_word_byte(c)) {
      word += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// Byte offsets of each UTF-8 character in `s`, plus s.size() at the end.
std::vector<size_t> char_starts(std::string_view s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(s.size());
  return starts;
}

class Accumulator {
 public:
  explicit Accumulator(int dimension) : v_(dimension, 0.0f) {}
  void add(const FeatureHash& feature, float weight) {
    uint64_t h = feature.value();
    v_[h % v_.size()] += (h >> 63) ? -weight : weight;
  }
  std::vector<float> normalised() && {
    double norm = 0;
    for (float x : v_) norm += double(x) * x;
    if (norm > 0) {
      float scale = static_cast<float>(1.0 / std::sqrt(norm));
      for (float& x : v_) x *= scale;
    }
    return std::move(v_);
  }

 private:
  std::vector<float> v_;
};

void add_char_grams(Accumulator& acc, const std::string& word) {
  std::string padded = "<" + word + ">";
  std::vector<size_t> starts = char_starts(padded);
  int chars = static_cast<int>(starts.size()) - 1;
  int count = 0;
  for (int n = kMinGram; n <= kMaxGram; ++n) count += std::max(0, chars - n + 1);
  if (count == 0) return;
  float weight = kCharGramWeight / std::sqrt(static_cast<float>(count));
  std::string_view view(padded);
  for (int n = kMinGram; n <= kMaxGram; ++n) {
    for (int i = 0; i + n <= chars; ++i) {
      acc.add(FeatureHash('c').add(view.substr(starts[i], starts[i + n] - starts[i])), weight);
    }
  }
}

}  // namespace

HashedEmbedder::HashedEmbedder(int dimension) : dimension_(dimension) {
  if (dimension <= 0) throw std::invalid_argument("HashedEmbedder dimension must be positive");
}

std::string HashedEmbedder::id() const { return "hashed-v1-" + std::to_string(dimension_); }

boost::asio::awaitable<Result<std::vector<std::vector<float>>>> HashedEmbedder::embed(
    const std::vector<std::string>& texts) {
  std::vector<std::vector<float>> vectors;
  vectors.reserve(texts.size());
  for (const std::string& text : texts) vectors.push_back(embed_one(text));
  co_return vectors;
}

std::vector<float> HashedEmbedder::embed_one(std::string_view text) const {
  Accumulator acc(dimension_);
  std::vector<std::string> words = split_words(text);
  for (size_t i = 0; i < words.size(); ++i) {
    acc.add(FeatureHash('w').add(words[i]), kWordWeight);
    if (i + 1 < words.size()) acc.add(FeatureHash('b').add(words[i]).add(" ").add(words[i + 1]), kBigramWeight);
    add_char_grams(acc, words[i]);
  }
  return std::move(acc).normalised();
}

}  // namespace brainstem::models
