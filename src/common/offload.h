// Runs blocking work (password hashing, file parsing; the SQLite engine's calls, on a pool of
// its own) on a separate thread pool and resumes the calling coroutine on its own executor, so
// I/O threads never wait on disk or CPU-heavy work.
// The queue is bounded: past `max_queued` waiting jobs, run() fails with StatusError
// (kUnavailable) at once instead of queueing without bound.
#pragma once

#include "common/status.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <exception>
#include <optional>
#include <type_traits>

namespace brainstem {

// An exception that carries a Status across a coroutine boundary; the handler fence renders it.
struct StatusError : std::exception {
  explicit StatusError(Status s) : status(std::move(s)) {}
  const char* what() const noexcept override { return status.message().c_str(); }
  Status status;
};

class BlockingPool {
 public:
  BlockingPool(int threads, int max_queued) : pool_(threads), max_queued_(max_queued) {}
  ~BlockingPool() { pool_.join(); }

  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
    using R = std::invoke_result_t<F&>;
    if (queued_.fetch_add(1, std::memory_order_relaxed) >= max_queued_) {
      queued_.fetch_sub(1, std::memory_order_relaxed);
      throw StatusError(Status::unavailable("server busy: too many queued store operations"));
    }
    struct Release {
      std::atomic<int>& n;
      ~Release() { n.fetch_sub(1, std::memory_order_relaxed); }
    } release{queued_};
    // co_spawn needs a default-constructible result; Result<T> is not, hence the optional.
    std::optional<R> out = co_await boost::asio::co_spawn(
        pool_.get_executor(),
        [&f]() -> boost::asio::awaitable<std::optional<R>> { co_return std::optional<R>(f()); },
        boost::asio::use_awaitable);
    co_return std::move(*out);
  }

  void stop() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
  const int max_queued_;
  std::atomic<int> queued_{0};
};

}  // namespace brainstem
