// Values read from the store and kept for `ttl_ms` each, for reads that would otherwise hit
// the store on every request. The caller erases what it changes itself, so this node sees its
// own changes at once; a change made on another node is seen once the entry is older than
// `ttl_ms`.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace brainstem {

template <class V>
class TimedCache {
 public:
  explicit TimedCache(int64_t ttl_ms) : ttl_ms_(ttl_ms) {}

  // The value kept for `key`, unless it is missing or older than ttl_ms at `now_ms`.
  std::optional<V> get(const std::string& key, int64_t now_ms) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || now_ms - it->second.read_at >= ttl_ms_) return std::nullopt;
    return it->second.value;
  }
  // Keeps `value`, read from the store at `read_at_ms`.
  void put(const std::string& key, V value, int64_t read_at_ms) {
    std::lock_guard lock(mu_);
    entries_.insert_or_assign(key, Entry{std::move(value), read_at_ms});
  }
  void erase(const std::string& key) {
    std::lock_guard lock(mu_);
    entries_.erase(key);
  }

 private:
  struct Entry {
    V value;
    int64_t read_at = 0;
  };
  const int64_t ttl_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace brainstem
