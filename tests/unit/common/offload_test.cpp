#include "common/offload.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace brainstem;
namespace asio = boost::asio;

TEST(BlockingPool, RunsWorkOnPoolThreadAndResumesOnCallerExecutor) {
  asio::io_context ioc;
  BlockingPool pool(2, 16);
  std::thread::id io_thread, work_thread, resumed_thread;
  std::optional<int> result;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        io_thread = std::this_thread::get_id();
        result = co_await pool.run([&] {
          work_thread = std::this_thread::get_id();
          return 41 + 1;
        });
        resumed_thread = std::this_thread::get_id();
      },
      asio::detached);
  ioc.run();
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 42);
  EXPECT_NE(work_thread, io_thread);
  EXPECT_EQ(resumed_thread, io_thread);
}

TEST(BlockingPool, ReturnsResultTypesThatAreNotDefaultConstructible) {
  asio::io_context ioc;
  BlockingPool pool(1, 4);
  std::optional<Result<std::string>> out;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        out.emplace(co_await pool.run([] { return Result<std::string>(Status::not_found("nope")); }));
      },
      asio::detached);
  ioc.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->status().code(), StatusCode::kNotFound);
}

TEST(BlockingPool, RefusesWorkBeyondQueueBoundWithUnavailable) {
  asio::io_context ioc;
  BlockingPool pool(1, 1);
  std::promise<void> gate;
  std::shared_future<void> gate_open = gate.get_future().share();
  std::optional<int> first;
  std::optional<StatusCode> refused;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        first = co_await pool.run([gate_open] {
          gate_open.wait();
          return 1;
        });
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        try {
          co_await pool.run([] { return 2; });
        } catch (const StatusError& e) {
          refused = e.status.code();
        }
        gate.set_value();
      },
      asio::detached);
  ioc.run();
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, StatusCode::kUnavailable);
  EXPECT_EQ(first, 1);
}

TEST(BlockingPool, AcceptsWorkAgainOnceQueueDrains) {
  asio::io_context ioc;
  BlockingPool pool(1, 1);
  int sum = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        for (int i = 1; i <= 5; ++i) sum += co_await pool.run([i] { return i; });
      },
      asio::detached);
  ioc.run();
  EXPECT_EQ(sum, 15);
}

TEST(StatusError, CarriesStatusAndMessage) {
  StatusError e(Status::conflict("taken"));
  EXPECT_EQ(e.status.code(), StatusCode::kConflict);
  EXPECT_STREQ(e.what(), "taken");
}

}  // namespace
