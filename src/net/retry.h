// How outgoing calls wait between attempts: exponential backoff with optional jitter, and a
// server's Retry-After hint when it asks for longer. Model calls and tool actions both use it;
// each decides for itself what is worth retrying.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>

namespace brainstem::net {

struct Backoff {
  std::chrono::milliseconds first{200};   // before the first retry; doubled for each next one
  std::chrono::milliseconds jitter{0};    // up to this much more, at random
  std::chrono::milliseconds max_hint{30000};  // a longer Retry-After is not waited for

  // The wait before retry number `retry` (1 for the first), or nullopt when the server's
  // hint is longer than a caller should be kept waiting.
  std::optional<std::chrono::milliseconds> delay(int retry,
                                                 std::optional<std::chrono::milliseconds> hint = {}) const;
};

// Waits `delay` on the calling coroutine's executor.
boost::asio::awaitable<void> pause(std::chrono::milliseconds delay);

}  // namespace brainstem::net
