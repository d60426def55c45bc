#include "ops/rate_limiter.h"

#include "ops/rate_limiter_internal.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>

namespace brainstem::ops {
namespace {

constexpr int kWindows = 3;  // minute, hour, day
constexpr int kDay = 2;
constexpr std::array<int64_t, kWindows> kWindowMs{60'000, 3'600'000, 86'400'000};
constexpr std::size_t kShardCount = 16;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}

std::array<int64_t, kWindows> window_starts(int64_t now_ms) {
  std::array<int64_t, kWindows> start{};
  for (int i = 0; i < kWindows; ++i) start[i] = floor_div(now_ms, kWindowMs[i]) * kWindowMs[i];
  return start;
}

struct Counters {
  std::array<int64_t, kWindows> start{};  // window start, Unix ms
  std::array<int64_t, kWindows> count{};  // requests counted in that window
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

using CounterMap = std::unordered_map<std::string, Counters, StringHash, std::equal_to<>>;

struct alignas(64) Shard {
  mutable std::mutex mu;
  CounterMap counters;
  int64_t hits_since_sweep = 0;
  int64_t swept_day_start = std::numeric_limits<int64_t>::min();
};

class LocalRateLimiter final : public RateLimiter {
 public:
  boost::asio::awaitable<RateDecision> hit(std::string key, RateLimits limits, int64_t now_ms) override {
    co_return count(key, limits, now_ms);
  }

  boost::asio::awaitable<RateUsage> usage(std::string key, int64_t now_ms) override { co_return current(key, now_ms); }

  std::size_t key_count() const {
    std::size_t n = 0;
    for (const Shard& shard : shards_) {
      std::lock_guard lock(shard.mu);
      n += shard.counters.size();
    }
    return n;
  }

 private:
  RateDecision count(std::string_view key, const RateLimits& limits, int64_t now_ms) {
    const std::array<int64_t, kWindows> limit{limits.per_minute, limits.per_hour, limits.per_day};
    const auto start = window_starts(now_ms);

    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mu);
    maybe_sweep(shard, start[kDay], now_ms);

    auto it = shard.counters.find(key);
    if (it == shard.counters.end()) it = shard.counters.emplace(std::string(key), Counters{start, {}}).first;
    Counters& c = it->second;
    // Windows only move forward: a caller whose clock reading is slightly older than the
    // one that already rolled a window over is counted in the newer window.
    for (int i = 0; i < kWindows; ++i) {
      if (start[i] > c.start[i]) {
        c.start[i] = start[i];
        c.count[i] = 0;
      }
    }
    auto window_end = [&](int i) { return c.start[i] + kWindowMs[i]; };

    int refusing = -1;
    for (int i = 0; i < kWindows; ++i) {
      if (limit[i] > 0 && c.count[i] >= limit[i] &&
          (refusing < 0 || window_end(i) >= window_end(refusing))) {
        refusing = i;
      }
    }
    RateDecision d;
    if (refusing >= 0) {
      const int64_t end = window_end(refusing);
      const int64_t wait_s = (std::max<int64_t>(end - now_ms, 0) + 999) / 1000;
      d.allowed = false;
      d.limit = limit[refusing];
      d.remaining = 0;
      d.reset_unix_s = end / 1000;
      d.retry_after_s = static_cast<int>(std::clamp<int64_t>(wait_s, 1, std::numeric_limits<int>::max()));
      return d;
    }

    for (auto& n : c.count) ++n;
    // On a tie the longer window is shown: its reset is the one a client must wait for.
    int tightest = -1;
    for (int i = 0; i < kWindows; ++i) {
      if (limit[i] <= 0) continue;
      if (tightest < 0 || limit[i] - c.count[i] <= limit[tightest] - c.count[tightest]) tightest = i;
    }
    if (tightest < 0) {
      d.reset_unix_s = window_end(0) / 1000;
    } else {
      d.limit = limit[tightest];
      d.remaining = limit[tightest] - c.count[tightest];
      d.reset_unix_s = window_end(tightest) / 1000;
    }
    return d;
  }

  RateUsage current(std::string_view key, int64_t now_ms) {
    const auto start = window_starts(now_ms);
    const Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.counters.find(key);
    if (it == shard.counters.end()) return {};
    const Counters& c = it->second;
    auto current = [&](int i) { return c.start[i] >= start[i] ? c.count[i] : 0; };
    return {current(0), current(1), current(2)};
  }

  Shard& shard_for(std::string_view key) {
    // Multiplicative mixing so the shard does not follow the map's own bucket choice.
    const uint64_t h = std::hash<std::string_view>{}(key) * 0x9E3779B97F4A7C15ull;
    return shards_[h >> 60];
  }

  // Counters whose day window has ended hold nothing current; they are dropped every
  // kSweepEveryHits hits, and only when a new day has begun since the shard's last sweep.
  static void maybe_sweep(Shard& shard, int64_t day_start, int64_t now_ms) {
    if (++shard.hits_since_sweep < internal::kSweepEveryHits) return;
    shard.hits_since_sweep = 0;
    if (day_start == shard.swept_day_start) return;
    std::erase_if(shard.counters,
                  [&](const auto& entry) { return entry.second.start[kDay] + kWindowMs[kDay] <= now_ms; });
    shard.swept_day_start = day_start;
  }

  static_assert(kShardCount == 16, "shard_for takes the top 4 bits of the hash");
  std::array<Shard, kShardCount> shards_;
};

}  // namespace

std::unique_ptr<RateLimiter> make_local_rate_limiter() { return std::make_unique<LocalRateLimiter>(); }

namespace internal {

std::size_t local_rate_limiter_key_count(const RateLimiter& limiter) {
  const auto* local = dynamic_cast<const LocalRateLimiter*>(&limiter);
  return local != nullptr ? local->key_count() : 0;
}

}  // namespace internal
}  // namespace brainstem::ops
