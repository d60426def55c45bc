#include "ops/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace brainstem::ops {
namespace {

using namespace std::chrono_literals;

// A temporary file the log writes into, read back by the test.
class LogFile {
 public:
  LogFile() {
    char name[] = "/tmp/access_log_test_XXXXXX";
    fd_ = ::mkstemp(name);
    EXPECT_GE(fd_, 0);
    ::unlink(name);
  }
  ~LogFile() { ::close(fd_); }
  int fd() const { return fd_; }
  // The whole lines written so far, once there are `lines` of them or the deadline passed.
  std::vector<std::string> read_lines(size_t lines, std::chrono::milliseconds deadline = 10s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    std::string text;
    for (;;) {
      text.clear();
      char buf[65536];
      off_t at = 0;
      for (ssize_t n; (n = ::pread(fd_, buf, sizeof buf, at)) > 0; at += n) text.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) break;
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(5ms);
    }
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  int fd_ = -1;
};

TEST(AccessLog, LinesCarryTheServerLogPrefixAndReachTheFileWithinAFlushInterval) {
  LogFile file;
  AccessLog log(file.fd(), 20ms);
  log.write("req_1 GET /health 200 0.050ms family=system tenant=-");
  auto lines = file.read_lines(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info req_1 GET /health 200 0\.050ms family=system tenant=-)")))
      << lines[0];
}

TEST(AccessLog, NothingIsWrittenBeforeTheFlushButEverythingIsAfterIt) {
  LogFile file;
  AccessLog log(file.fd(), std::chrono::hours(1));
  log.write("first");
  log.write("second");
  EXPECT_TRUE(file.read_lines(1, 50ms).empty()) << "buffered, no write per line";
  log.flush();
  auto lines = file.read_lines(2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].ends_with(" info first"));
  EXPECT_TRUE(lines[1].ends_with(" info second"));
}

TEST(AccessLog, AFullThreadBufferIsWrittenAtOnce) {
  LogFile file;
  AccessLog log(file.fd(), std::chrono::hours(1));
  const std::string payload(1000, 'x');
  for (int i = 0; i < 100; ++i) log.write(payload);  // past 64 KiB
  EXPECT_GE(file.read_lines(60, 2s).size(), 60u);
}

TEST(AccessLog, LinesFromManyThreadsStayWholeAndNoneIsLost) {
  LogFile file;
  constexpr int kThreads = 4, kLines = 2000;
  std::set<std::string> expected;
  {
    AccessLog log(file.fd(), 5ms);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kLines; ++i) log.write("thread-" + std::to_string(t) + " line-" + std::to_string(i) + " " + std::string(40, 'p'));
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kLines; ++i) expected.insert("thread-" + std::to_string(t) + " line-" + std::to_string(i) + " " + std::string(40, 'p'));
    }
  }  // the destructor flushes the rest
  auto lines = file.read_lines(kThreads * kLines);
  ASSERT_EQ(lines.size(), size_t(kThreads * kLines));
  std::set<std::string> seen;
  for (const auto& line : lines) {
    const auto at = line.find(" info ");
    ASSERT_NE(at, std::string::npos) << line;
    seen.insert(line.substr(at + 6));
  }
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace brainstem::ops
