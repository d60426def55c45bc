// A set of keys that can only answer "certainly absent" or "maybe present": a Bloom filter
// that grows. Keys are added, never removed (a removed key just stays "maybe"). When the
// newest layer holds its capacity, a layer twice its size is started, so the false-positive
// rate stays near 1% per layer without a rebuild. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace brainstem {

class KeyFilter {
 public:
  explicit KeyFilter(size_t first_capacity = 4096);

  void add(std::string_view key);
  bool may_contain(std::string_view key) const;
  size_t size() const;

 private:
  struct Layer {
    explicit Layer(size_t capacity);
    size_t capacity;
    size_t count = 0;
    std::vector<uint64_t> words;
  };

  mutable std::mutex mu_;
  std::vector<Layer> layers_;
  size_t size_ = 0;
};

}  // namespace brainstem
