// Runs a coroutine to completion from code that is not one (the CLI, start-up, tests): the
// calling thread drives an io_context until the coroutine returns, and an exception it throws
// is rethrown here. Never call it on an I/O thread: that thread would wait.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace brainstem {

// On `io`, for work bound to it (a client's pooled connections belong to the context that
// made them).
template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> out;
  std::exception_ptr error;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        if constexpr (std::is_void_v<T>) {
          co_await std::move(task);
          out.emplace(true);
        } else {
          out.emplace(co_await std::move(task));
        }
      },
      [&](std::exception_ptr e) { error = e; });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) return std::move(*out);
}

template <class T>
T run_sync(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  return run_sync(io, std::move(task));
}

}  // namespace brainstem
