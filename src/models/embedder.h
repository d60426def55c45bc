// An Embedder turns texts into fixed-size vectors whose cosine similarity tracks how alike
// the texts are (in meaning for a neural model, in wording for the built-in hashed one).
//
// Thread-safety: one Embedder serves many concurrent requests; every method may be called
// from any thread at once. Implementations never block an I/O thread.
// Errors: kInvalidArgument (an input this model cannot embed), kUnavailable (retryable: model
// not loaded, upstream down or overloaded), kInternal otherwise. On success the result holds
// exactly one vector of dimension() floats per input, in input order.
// Vectors from embedders with different id()s are not comparable: store id() with them.
#pragma once

#include "common/status.h"

#include <boost/asio/awaitable.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace brainstem::models {

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual std::string id() const = 0;
  virtual int dimension() const = 0;
  virtual boost::asio::awaitable<Result<std::vector<std::vector<float>>>> embed(const std::vector<std::string>& texts) = 0;
};

// Cosine similarity in [-1, 1]; for unit vectors this is their dot product. 0 when either
// vector is zero or their sizes differ (vectors of different models are unrelated).
inline float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0.0f;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  if (na == 0 || nb == 0) return 0.0f;
  return static_cast<float>(dot / std::sqrt(na * nb));
}

}  // namespace brainstem::models
