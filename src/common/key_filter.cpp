#include "common/key_filter.h"

#include <functional>

namespace brainstem {

namespace {

// 10 bits and 7 probes per key give about 1% false positives at capacity.
constexpr size_t kBitsPerKey = 10;
constexpr int kProbes = 7;

// Two independent-enough hashes from one: double hashing (h1 + i*h2) derives the probes.
struct Hashes {
  uint64_t h1, h2;
};

Hashes hashes_of(std::string_view key) {
  const uint64_t h = std::hash<std::string_view>{}(key);
  // A 64-bit finaliser (splitmix64's) decorrelates the second hash from the first.
  uint64_t z = h + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return {h, (z ^ (z >> 31)) | 1};
}

}  // namespace

KeyFilter::Layer::Layer(size_t capacity) : capacity(capacity), words((capacity * kBitsPerKey + 63) / 64) {}

KeyFilter::KeyFilter(size_t first_capacity) { layers_.emplace_back(first_capacity < 64 ? 64 : first_capacity); }

void KeyFilter::add(std::string_view key) {
  const Hashes h = hashes_of(key);
  std::lock_guard lock(mu_);
  if (layers_.back().count >= layers_.back().capacity) layers_.emplace_back(layers_.back().capacity * 2);
  Layer& layer = layers_.back();
  const uint64_t bits = layer.words.size() * 64;
  for (int i = 0; i < kProbes; ++i) {
    const uint64_t bit = (h.h1 + i * h.h2) % bits;
    layer.words[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  ++layer.count;
  ++size_;
}

bool KeyFilter::may_contain(std::string_view key) const {
  const Hashes h = hashes_of(key);
  std::lock_guard lock(mu_);
  for (const Layer& layer : layers_) {
    const uint64_t bits = layer.words.size() * 64;
    bool all = true;
    for (int i = 0; i < kProbes && all; ++i) {
      const uint64_t bit = (h.h1 + i * h.h2) % bits;
      all = (layer.words[bit / 64] >> (bit % 64)) & 1;
    }
    if (all) return true;
  }
  return false;
}

size_t KeyFilter::size() const {
  std::lock_guard lock(mu_);
  return size_;
}

}  // namespace brainstem
