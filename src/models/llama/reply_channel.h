// Carries results from a worker thread back to the coroutine that waits for them.
//
// The worker calls send() from its own thread: it never blocks and never runs the receiver's
// code (the thread-safe channel posts the completion to the receiver's executor). The receiver
// awaits receive() on its own executor and calls close() when it stops listening (normally
// from a scope guard in its frame); after that, send() drops values. Closing also destroys the
// channel on the receiver's side, so nothing tied to the receiver's execution context outlives
// the receiver, whatever the worker still holds.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>

namespace brainstem::models {

template <class T>
class ReplyChannel {
 public:
  using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code, T)>;

  // `capacity` must cover every value the worker may send: send() fails rather than wait.
  ReplyChannel(const boost::asio::any_io_executor& executor, size_t capacity)
      : channel_(std::make_unique<Channel>(executor, capacity)) {}

  // Any thread. False if the receiver has closed or the buffer is full.
  bool send(T value) {
    std::lock_guard lock(mu_);
    return channel_ && channel_->try_send(boost::system::error_code{}, std::move(value));
  }

  // Receiver's executor only. nullopt when the wait was cancelled.
  boost::asio::awaitable<std::optional<T>> receive() {
    auto [ec, value] = co_await channel_->async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return std::nullopt;
    co_return std::optional<T>(std::move(value));
  }

  // Receiver's executor only: a value already waiting, if any.
  std::optional<T> try_receive() {
    std::optional<T> out;
    channel_->try_receive([&out](boost::system::error_code ec, T value) {
      if (!ec) out.emplace(std::move(value));
    });
    return out;
  }

  // Receiver's executor only; idempotent.
  void close() {
    std::unique_ptr<Channel> doomed;
    {
      std::lock_guard lock(mu_);
      doomed = std::move(channel_);
    }
  }

 private:
  std::mutex mu_;  // guards channel_ against close() racing a send()
  std::unique_ptr<Channel> channel_;
};

}  // namespace brainstem::models
