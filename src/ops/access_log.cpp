#include "ops/access_log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace brainstem::ops {

namespace {

constexpr size_t kThreadBufferLimit = 64 * 1024;

std::atomic<uint64_t> next_log_id{1};

// "2026-12-07T02:14:00.123Z info ", with the part up to the second formatted once a second.
void append_prefix(std::string& out) {
  thread_local time_t cached_second = -1;
  thread_local char cached[24];
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const time_t second = static_cast<time_t>(ms / 1000);
  if (second != cached_second) {
    std::tm utc{};
    gmtime_r(&second, &utc);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &utc);
    cached_second = second;
  }
  char millis[16];
  const int n = std::snprintf(millis, sizeof millis, ".%03dZ info ", static_cast<int>(ms % 1000));
  out.append(cached);
  out.append(millis, static_cast<size_t>(n));
}

}  // namespace

AccessLog::AccessLog(int fd, std::chrono::milliseconds flush_every)
    : fd_(fd), flush_every_(flush_every), id_(next_log_id.fetch_add(1)), writer_([this] { run_writer(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_one();
  writer_.join();
  flush();
}

AccessLog::Buffer& AccessLog::buffer_of_this_thread() {
  thread_local uint64_t cached_log = 0;
  thread_local Buffer* cached_buffer = nullptr;
  if (cached_log != id_) {
    std::lock_guard lock(buffers_mu_);
    buffers_.push_back(std::make_unique<Buffer>());
    cached_buffer = buffers_.back().get();
    cached_log = id_;
  }
  return *cached_buffer;
}

void AccessLog::write(std::string_view line) {
  Buffer& buffer = buffer_of_this_thread();
  std::string full;
  {
    std::lock_guard lock(buffer.mu);
    append_prefix(buffer.text);
    buffer.text.append(line);
    buffer.text.push_back('\n');
    if (buffer.text.size() < kThreadBufferLimit) return;
    full.swap(buffer.text);
    buffer.text.reserve(full.capacity());
  }
  write_out(full);
}

void AccessLog::flush() {
  std::vector<Buffer*> buffers;
  {
    std::lock_guard lock(buffers_mu_);
    for (auto& b : buffers_) buffers.push_back(b.get());
  }
  std::string pending;
  for (Buffer* b : buffers) {
    std::lock_guard lock(b->mu);
    pending.append(b->text);
    b->text.clear();
  }
  write_out(pending);
}

void AccessLog::write_out(std::string& text) {
  std::lock_guard lock(write_mu_);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the log's file is gone: drop the lines rather than stall requests
    done += static_cast<size_t>(n);
  }
  text.clear();
}

void AccessLog::run_writer() {
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, flush_every_, [this] { return stopping_; });
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace brainstem::ops
