#include "common/task_group.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

namespace brainstem {
namespace {

namespace asio = boost::asio;

TEST(TaskGroup, CountsTasksUntilTheyFinish) {
  asio::io_context ioc;
  TaskGroup group;
  EXPECT_TRUE(group.idle());
  bool ran = false;
  group.spawn(ioc.get_executor(), [](bool& ran) -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
    ran = true;
  }(ran));
  group.spawn(ioc.get_executor(), []() -> asio::awaitable<void> { co_return; }());
  EXPECT_EQ(group.in_flight(), 2);
  EXPECT_FALSE(group.idle());
  ioc.run();
  EXPECT_TRUE(ran);
  EXPECT_TRUE(group.idle());
}

TEST(TaskGroup, ATaskThatThrowsStillEnds) {
  asio::io_context ioc;
  TaskGroup group;
  group.spawn(ioc.get_executor(), []() -> asio::awaitable<void> {
    throw std::runtime_error("task failed");
    co_return;
  }());
  ioc.run();
  EXPECT_TRUE(group.idle());
}

}  // namespace
}  // namespace brainstem
