// An HTTP server on a free loopback port, answering with the test's handler on a thread of
// its own, and recording the requests it received.
#pragma once

#include "http/server.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace brainstem::test_support {

class LoopbackServer {
 public:
  using Handle = std::function<boost::asio::awaitable<http::Response>(http::Request&)>;

  explicit LoopbackServer(Handle handle) : handle_(std::move(handle)) {
    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.drain_timeout = std::chrono::seconds(2);
    server_ = std::make_unique<http::Server>(options, [this](http::Request& req) {
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      return handle_(req);
    });
    if (!server_->start().is_ok()) throw std::runtime_error("cannot start the loopback server");
    thread_ = std::thread([this] { server_->run(); });
  }
  ~LoopbackServer() {
    server_->stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<http::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  Handle handle_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<http::Request> requests_;
};

}  // namespace brainstem::test_support
