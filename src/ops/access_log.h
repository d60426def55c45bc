// The access log: one line per request, kept off the request's path. A request's thread
// appends its line to a buffer of its own (an uncontended lock, no system call); a writer
// thread hands every buffer to the file in one write each `flush_every`, and a thread whose
// buffer passes 64 KiB writes it itself, so a burst cannot grow memory without bound.
// Lines are whole in the output; lines of different threads may leave up to one flush
// interval out of time order.
// Thread-safety: write() may be called from any thread; flush() too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace brainstem::ops {

class AccessLog {
 public:
  // Writes to the file descriptor `fd` (stderr by default), which must outlive the log.
  explicit AccessLog(int fd = 2, std::chrono::milliseconds flush_every = std::chrono::milliseconds(200));
  // Flushes what is buffered and stops the writer thread.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Appends "<UTC time> info <line>\n", the server log's own line format.
  void write(std::string_view line);
  // Writes every thread's buffered lines now.
  void flush();

 private:
  struct Buffer {
    std::mutex mu;
    std::string text;
  };
  Buffer& buffer_of_this_thread();
  void write_out(std::string& text);
  void run_writer();

  const int fd_;
  const std::chrono::milliseconds flush_every_;
  const uint64_t id_;  // tells this log's buffers apart from another's in a thread's cache
  std::mutex buffers_mu_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::mutex write_mu_;  // one write to the file at a time, so lines stay whole
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace brainstem::ops
