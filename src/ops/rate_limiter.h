// Per-tenant request rate limits over fixed UTC windows (minute, hour, day).
//
// Thread-safety: all methods may be called concurrently. The local engine keeps counters in
// this process and answers at once; a shared engine (Redis) implements the same asynchronous
// interface for several nodes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace brainstem::ops {

struct RateLimits {
  int64_t per_minute = 0;  // 0 = unlimited
  int64_t per_hour = 0;
  int64_t per_day = 0;
};

struct RateDecision {
  bool allowed = true;
  // The window with the fewest requests left (what X-RateLimit-* headers show).
  int64_t limit = 0;      // 0 when every window is unlimited
  int64_t remaining = 0;  // after this request
  int64_t reset_unix_s = 0;
  int retry_after_s = 0;  // when refused: seconds until the refusing window resets (>= 1)
};

struct RateUsage {
  int64_t minute = 0, hour = 0, day = 0;  // requests counted in the current windows
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Counts one request for `key` at `now_ms` and says whether it may proceed. A refused
  // request is not counted, so a client that backs off recovers at the next reset.
  virtual boost::asio::awaitable<RateDecision> hit(std::string key, RateLimits limits, int64_t now_ms) = 0;
  virtual boost::asio::awaitable<RateUsage> usage(std::string key, int64_t now_ms) = 0;
};

// In-process engine. Memory stays bounded: counters of windows that have ended are dropped.
std::unique_ptr<RateLimiter> make_local_rate_limiter();

}  // namespace brainstem::ops
