// Runs an awaitable to completion on an io_context of its own and returns its result.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <optional>

namespace brainstem::test_support {

template <class T>
T run_awaitable(boost::asio::awaitable<T> awaitable) {
  boost::asio::io_context ioc;
  // co_spawn needs a default-constructible result; Result<T> is not, hence the optional.
  auto wrapped = [](boost::asio::awaitable<T> inner) -> boost::asio::awaitable<std::optional<T>> {
    co_return std::optional<T>(co_await std::move(inner));
  };
  std::future<std::optional<T>> result =
      boost::asio::co_spawn(ioc, wrapped(std::move(awaitable)), boost::asio::use_future);
  ioc.run();
  return std::move(*result.get());
}

}  // namespace brainstem::test_support
