#include "net/retry.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>

namespace brainstem::net {

std::optional<std::chrono::milliseconds> Backoff::delay(int retry, std::optional<std::chrono::milliseconds> hint) const {
  static thread_local std::minstd_rand random(std::random_device{}());
  if (hint && *hint > max_hint) return std::nullopt;
  auto wait = first * (int64_t{1} << std::clamp(retry - 1, 0, 20));
  if (jitter.count() > 0) wait += std::chrono::milliseconds(random() % static_cast<uint64_t>(jitter.count()));
  if (hint) wait = std::max(wait, *hint);
  return wait;
}

boost::asio::awaitable<void> pause(std::chrono::milliseconds delay) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

}  // namespace brainstem::net
