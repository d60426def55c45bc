// HashedEmbedder: the built-in, model-free default Embedder (the feature-hashing trick).
//
// A text is lower-cased (ASCII; other UTF-8 bytes kept), split into words (runs of ASCII
// letters and digits and UTF-8 multibyte characters), and turned into features: each word,
// each pair of adjacent words, and the 3- to 5-character n-grams of each word padded with
// boundary markers ("<hours>" gives "<ho", "hou", ..., "urs>"). Each feature is hashed into
// one of dimension() buckets with a sign taken from the hash, weighted by kind, summed, and
// the vector is L2-normalised. Similar wording scores high; a typo keeps most n-grams.
// It knows no synonyms: to it "open" and "hours" are unrelated words.
//
// Stability: the output is a pure function of (text, dimension). The hash is FNV-1a 64 with
// a fixed finaliser, identical across runs, machines and builds, so stored vectors stay valid.
// Any change to features, weights or hashing must change id().
// Thread-safety: immutable after construction; every method is safe to call concurrently.
// embed() never fails and computes inline (microseconds per text) without suspending.
#pragma once

#include "models/embedder.h"

#include <string_view>

namespace brainstem::models {

class HashedEmbedder final : public Embedder {
 public:
  static constexpr int kDefaultDimension = 384;

  // Throws std::invalid_argument unless dimension > 0.
  explicit HashedEmbedder(int dimension = kDefaultDimension);

  std::string id() const override;  // "hashed-v1-<dimension>"
  int dimension() const override { return dimension_; }
  boost::asio::awaitable<Result<std::vector<std::vector<float>>>> embed(const std::vector<std::string>& texts) override;

  // The synchronous form for hot paths. A text without words gives the zero vector.
  std::vector<float> embed_one(std::string_view text) const;

 private:
  int dimension_;
};

}  // namespace brainstem::models
