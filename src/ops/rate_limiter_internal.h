// Introspection of the in-process rate limiter engine, for tests.
#pragma once

#include "ops/rate_limiter.h"

#include <cstddef>

namespace brainstem::ops::internal {

// Number of keys whose counters the engine made by make_local_rate_limiter() currently
// holds; 0 for any other engine.
std::size_t local_rate_limiter_key_count(const RateLimiter& limiter);

// A shard drops counters whose day window has ended once every this many hits.
inline constexpr int64_t kSweepEveryHits = 4096;

}  // namespace brainstem::ops::internal
