#include "http/socket_write.h"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <string>

namespace brainstem::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A connected pair on loopback; the writing end in non-blocking mode with small buffers, so a
// large message cannot leave in one send.
struct SocketPair {
  explicit SocketPair(asio::io_context& ioc) : writer(ioc), reader(ioc) {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
    writer.set_option(asio::socket_base::send_buffer_size(16 * 1024));
    reader.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    writer.non_blocking(true);
  }
  tcp::socket writer;
  tcp::socket reader;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

TEST(WriteAll, AMessageTheKernelCannotTakeAtOnceArrivesWholeAndInOrder) {
  asio::io_context ioc;
  SocketPair pair(ioc);
  const std::string head = "head:", body = pattern(4 << 20);
  std::optional<boost::system::error_code> written;
  std::string received;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(body)};
    written = co_await write_all(pair.writer, message);
    pair.writer.shutdown(tcp::socket::shutdown_send);
  }, asio::detached);
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    char buf[64 * 1024];
    for (;;) {
      auto [ec, n] = co_await pair.reader.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
      received.append(buf, n);
      if (ec) break;
    }
  }, asio::detached);
  ioc.run();
  ASSERT_TRUE(written);
  EXPECT_FALSE(*written) << written->message();
  ASSERT_EQ(received.size(), head.size() + body.size());
  EXPECT_TRUE(received == head + body);
}

TEST(WriteAll, ASmallMessageLeavesWithoutSuspending) {
  asio::io_context ioc;
  SocketPair pair(ioc);
  bool done = false;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    std::array<asio::const_buffer, 1> message{asio::buffer(std::string_view("ping"))};
    auto ec = co_await write_all(pair.writer, message);
    EXPECT_FALSE(ec);
    done = true;
  }, asio::detached);
  ioc.poll_one();  // starts the coroutine; nothing else runs
  EXPECT_TRUE(done) << "the whole message was taken by the first send";
  char buf[8];
  EXPECT_EQ(asio::read(pair.reader, asio::buffer(buf, 4)), 4u);
  EXPECT_EQ(std::string_view(buf, 4), "ping");
}

TEST(WriteAll, APeerThatWentAwayIsAnError) {
  asio::io_context ioc;
  SocketPair pair(ioc);
  pair.reader.set_option(asio::socket_base::linger(true, 0));  // close with a reset
  pair.reader.close();
  const std::string body = pattern(4 << 20);
  std::optional<boost::system::error_code> written;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    std::array<asio::const_buffer, 1> message{asio::buffer(body)};
    written = co_await write_all(pair.writer, message);
  }, asio::detached);
  ioc.run();
  ASSERT_TRUE(written);
  EXPECT_TRUE(*written);
}

}  // namespace
}  // namespace brainstem::http
