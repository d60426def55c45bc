// One brainstem server: the store, the services and the HTTP server, wired from a Config.
// Owns everything it creates. create() may block (opens and migrates the store).
#pragma once

#include "app/config.h"
#include "common/status.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace brainstem::app {

class ServerApp {
 public:
  static Result<std::unique_ptr<ServerApp>> create(const Config& config);
  ~ServerApp();

  Status start();  // binds the listener
  uint16_t port() const;
  // Serves until SIGINT/SIGTERM or stop(); then drains in-flight requests and returns.
  void run();
  void stop();

 private:
  struct Parts;
  explicit ServerApp(std::unique_ptr<Parts> parts);
  static Status build_pipeline(const Config& config, Parts& parts);
  static Status build_knowledge(const Config& config, Parts& parts);
  static void every(const boost::asio::any_io_executor& exec, std::chrono::milliseconds period,
                    std::function<boost::asio::awaitable<void>()> tick);
  std::unique_ptr<Parts> parts_;
};

// Opens the store of a data directory (creating it), for the CLI and the server alike.
std::string database_path(const std::string& data_dir);
void setup_logging(const std::string& level);

}  // namespace brainstem::app
