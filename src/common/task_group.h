// Background work a server owns: coroutines spawned here (a conversation recorded behind a
// cached answer, a webhook event queued, an ingestion answered with 202) are counted until they
// finish, so a graceful stop waits for them instead of dropping them with the I/O threads.
// A task handles its own errors; an exception that escapes one is swallowed here.
// Thread-safety: spawn() and idle() may be called from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <utility>

namespace brainstem {

class TaskGroup {
 public:
  template <class Executor>
  void spawn(const Executor& executor, boost::asio::awaitable<void> task) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    boost::asio::co_spawn(executor, std::move(task),
                          [this](std::exception_ptr) { in_flight_.fetch_sub(1, std::memory_order_release); });
  }
  // True when no spawned task is running.
  bool idle() const { return in_flight_.load(std::memory_order_acquire) == 0; }
  int64_t in_flight() const { return in_flight_.load(std::memory_order_acquire); }

 private:
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace brainstem
