// Runs an awaitable to completion and returns its result: on a given io_context (pooled
// client connections belong to the one they were made on), or on one of its own.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <optional>

namespace brainstem::test_support {

template <class T>
T run_awaitable(boost::asio::io_context& ioc, boost::asio::awaitable<T> awaitable) {
  // co_spawn needs a default-constructible result; Result<T> is not, hence the optional.
  auto wrapped = [](boost::asio::awaitable<T> inner) -> boost::asio::awaitable<std::optional<T>> {
    co_return std::optional<T>(co_await std::move(inner));
  };
  std::future<std::optional<T>> result =
      boost::asio::co_spawn(ioc, wrapped(std::move(awaitable)), boost::asio::use_future);
  ioc.restart();
  ioc.run();
  return std::move(*result.get());
}

template <class T>
T run_awaitable(boost::asio::awaitable<T> awaitable) {
  boost::asio::io_context ioc;
  return run_awaitable(ioc, std::move(awaitable));
}

}  // namespace brainstem::test_support
