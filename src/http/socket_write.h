// Writing a whole message to a TCP socket in non-blocking mode: at once when the kernel takes
// it all, which is the usual case for a request or reply of a few KiB. async_write sends at
// once too, but then resumes the caller through the scheduler; here the caller goes on
// without suspending. What the kernel did not take is written as async_write would.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>

namespace brainstem::http {

// `socket` must be in non-blocking mode (socket.non_blocking(true)). Fails with the socket's
// error; the buffers must stay valid until it returns.
template <size_t N>
boost::asio::awaitable<boost::system::error_code> write_all(boost::asio::ip::tcp::socket& socket,
                                                            std::array<boost::asio::const_buffer, N> buffers) {
  boost::system::error_code ec;
  size_t written = socket.write_some(buffers, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
    ec = {};
    written = 0;
  }
  if (ec) co_return ec;
  for (auto& b : buffers) {  // drop what was sent
    const size_t taken = std::min(written, b.size());
    b += taken;
    written -= taken;
  }
  if (boost::asio::buffer_size(buffers) == 0) co_return ec;
  auto [wec, n] = co_await boost::asio::async_write(socket, buffers, boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return wec;
}

}  // namespace brainstem::http
