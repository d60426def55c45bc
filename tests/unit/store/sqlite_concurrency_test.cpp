// Several connections, threads and processes on one database file.
#include "testing/temp_dir.h"
#include "store/sqlite/sqlite_store_impl.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;
using namespace std::chrono_literals;

using brainstem::test_support::TempDir;

std::unique_ptr<sqlite::Database> open_or_die(const std::string& path, const SqliteOptions& options = {}) {
  auto opened = sqlite::open_database(path, options);
  if (!opened.ok()) throw std::runtime_error("open failed: " + opened.status().message());
  return std::move(opened).value();
}

Tenant make_tenant(const std::string& id, const std::string& slug) {
  Tenant t;
  t.id = id;
  t.slug = slug;
  t.name = slug;
  t.created_at = 1;
  return t;
}

User make_user(const std::string& id, const std::string& email) {
  User u;
  u.id = id;
  u.email = email;
  u.name = id;
  u.created_at = 1;
  return u;
}

ApiKey make_key(const std::string& id, const std::string& tenant_id) {
  ApiKey k;
  k.id = id;
  k.tenant_id = tenant_id;
  k.name = id;
  k.prefix = id;
  k.key_hash = "hash_" + id;
  k.scopes = {"*"};
  k.created_by = "cli";
  k.created_at = 1;
  return k;
}

// Appends an audit entry whose seal blocks until `release` is set, so the writer connection
// (and the database's write lock) stays held meanwhile. `entered` is set once it holds them.
std::thread hold_writer(sqlite::Database& store, std::promise<void>& entered, std::shared_future<void> release) {
  return std::thread([&store, &entered, release] {
    AuditEntry e;
    e.id = "aud_hold";
    e.tenant_id = "t1";
    auto result = store.append_audit(e, [&](const AuditEntry&) {
      entered.set_value();
      release.wait();
      return std::string("h");
    });
    EXPECT_TRUE(result.ok()) << result.status().message();
  });
}

class SqliteStoreConcurrency : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("brainstem.db");
};

TEST_F(SqliteStoreConcurrency, TwoOpensSeeEachOthersWrites) {
  auto a = open_or_die(path_);
  auto b = open_or_die(path_);
  ASSERT_TRUE(a->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "ada@example.com")).is_ok());
  EXPECT_TRUE(b->get_tenant("t1").ok());
  ASSERT_TRUE(b->create_api_key(make_key("key_1", "t1")).is_ok());
  auto key = a->get_api_key_by_hash("hash_key_1");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->tenant_id, "t1");
  // Uniqueness holds across both.
  EXPECT_EQ(b->create_signup(make_tenant("t2", "beta"), make_user("usr_2", "ADA@example.com")).code(),
            StatusCode::kConflict);
  // Both append to one audit chain.
  AuditEntry e;
  e.tenant_id = "t1";
  auto seal = [](const AuditEntry& x) { return "h" + std::to_string(x.seq); };
  e.id = "aud_1";
  ASSERT_TRUE(a->append_audit(e, seal).ok());
  e.id = "aud_2";
  auto second = b->append_audit(e, seal);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->seq, 2);
  EXPECT_EQ(second->prev_hash, "h1");
  EXPECT_EQ(a->audit_head("t1")->count, 2);
}

TEST_F(SqliteStoreConcurrency, ConcurrentKeyWritesAllLand) {
  auto store = open_or_die(path_);
  ASSERT_TRUE(store->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "ada@example.com")).is_ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "key_" + std::to_string(t) + "_" + std::to_string(i);
        if (!store->create_api_key(make_key(id, "t1")).is_ok()) ++failures;
        // Reads interleave with the writes.
        if (!store->get_api_key_by_hash("hash_" + id).ok()) ++failures;
        AuditEntry e;
        e.id = "aud_" + id;
        e.tenant_id = "t1";
        if (!store->append_audit(e, [](const AuditEntry& x) { return std::to_string(x.seq); }).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  auto keys = store->list_api_keys("t1");
  ASSERT_TRUE(keys.ok());
  std::set<std::string> ids;
  for (const auto& key : *keys) ids.insert(key.id);
  EXPECT_EQ(ids.size(), size_t{kThreads * kPerThread});
  // The chain has no gaps or duplicates despite concurrent appends.
  EXPECT_EQ(store->audit_head("t1")->count, kThreads * kPerThread);
  int64_t expected = 1;
  ASSERT_TRUE(store->scan_audit("t1", [&](const AuditEntry& e) { return e.seq == expected++; }).is_ok());
  EXPECT_EQ(expected, kThreads * kPerThread + 1);
}

TEST_F(SqliteStoreConcurrency, WritesThatWaitTogetherShareOneTransaction) {
  auto store = open_or_die(path_);
  ASSERT_TRUE(store->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "ada@example.com")).is_ok());
  std::promise<void> entered;
  std::promise<void> release;
  std::thread holder = hold_writer(*store, entered, release.get_future().share());
  entered.get_future().wait();
  const int64_t before = store->committer().transactions();

  // Eight writes wait while the writer is held; one of them collides with another's key.
  constexpr int kWriters = 8;
  std::vector<std::future<Status>> writes;
  for (int i = 0; i < kWriters; ++i) {
    const std::string id = i == kWriters - 1 ? "key_0" : "key_" + std::to_string(i);
    writes.push_back(std::async(std::launch::async, [&store, id] { return store->create_api_key(make_key(id, "t1")); }));
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (store->committer().queued() < kWriters && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(store->committer().queued(), size_t{kWriters});
  release.set_value();
  holder.join();

  int stored = 0, refused = 0;
  for (auto& w : writes) {
    Status s = w.get();
    if (s.is_ok()) ++stored;
    else if (s.code() == StatusCode::kConflict) ++refused;
  }
  EXPECT_EQ(stored, kWriters - 1);
  EXPECT_EQ(refused, 1) << "the duplicate fails alone";
  EXPECT_EQ(store->committer().transactions() - before, 1) << "the eight waited for one transaction";
  EXPECT_EQ(store->list_api_keys("t1")->size(), size_t{kWriters - 1});
}

TEST_F(SqliteStoreConcurrency, WritesQueuedBeyondMaxQueuedFailAtOnce) {
  SqliteOptions options;
  options.max_queued = 1;
  auto store = open_or_die(path_, options);
  ASSERT_TRUE(store->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "ada@example.com")).is_ok());

  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread holder = hold_writer(*store, entered, released);
  entered.get_future().wait();

  // Of two callers needing the writer, one may wait; the other is turned away at once.
  auto first = std::async(std::launch::async, [&] { return store->create_api_key(make_key("key_1", "t1")); });
  auto second = std::async(std::launch::async, [&] { return store->create_api_key(make_key("key_2", "t1")); });
  std::future<Status>* rejected = nullptr;
  std::future<Status>* waiting = nullptr;
  for (int i = 0; i < 500 && !rejected; ++i) {
    if (first.wait_for(10ms) == std::future_status::ready) {
      rejected = &first;
      waiting = &second;
    } else if (second.wait_for(0ms) == std::future_status::ready) {
      rejected = &second;
      waiting = &first;
    }
  }
  ASSERT_NE(rejected, nullptr);
  Status status = rejected->get();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("too many operations waiting"), std::string::npos) << status.message();
  // Reads use other connections and still work.
  EXPECT_TRUE(store->get_tenant("t1").ok());
  EXPECT_EQ(waiting->wait_for(0ms), std::future_status::timeout);

  release.set_value();
  holder.join();
  EXPECT_TRUE(waiting->get().is_ok());
  int present = store->get_api_key_by_hash("hash_key_1").ok() + store->get_api_key_by_hash("hash_key_2").ok();
  EXPECT_EQ(present, 1);
}

TEST_F(SqliteStoreConcurrency, ZeroMaxQueuedRejectsAnyWriteThatWouldWait) {
  SqliteOptions options;
  options.max_queued = 0;
  auto store = open_or_die(path_, options);
  std::promise<void> entered;
  std::promise<void> release;
  std::thread holder = hold_writer(*store, entered, release.get_future().share());
  entered.get_future().wait();
  EXPECT_EQ(store->setting_or_init("k", "v").status().code(), StatusCode::kUnavailable);
  release.set_value();
  holder.join();
  EXPECT_TRUE(store->setting_or_init("k", "v").ok());
}

TEST_F(SqliteStoreConcurrency, LockedDatabaseIsUnavailable) {
  auto a = open_or_die(path_);
  SqliteOptions impatient;
  impatient.busy_timeout_ms = 100;
  auto b = open_or_die(path_, impatient);

  std::promise<void> entered;
  std::promise<void> release;
  std::thread holder = hold_writer(*a, entered, release.get_future().share());
  entered.get_future().wait();

  auto started = std::chrono::steady_clock::now();
  Status status = b->touch_api_keys({{"key_1", 5}});
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("database is busy"), std::string::npos) << status.message();
  EXPECT_GE(waited, 90ms);
  // WAL readers are not blocked by the writer.
  EXPECT_TRUE(b->ping().is_ok());
  EXPECT_EQ(b->audit_head("t1")->count, 0);

  release.set_value();
  holder.join();
  EXPECT_EQ(b->audit_head("t1")->count, 1);
  EXPECT_TRUE(b->touch_api_keys({{"key_1", 5}}).is_ok());
}

// A child process writes rows and reports each id after its write returned; it is killed
// with SIGKILL mid-stream. Every reported row must be in the database afterwards.
TEST_F(SqliteStoreConcurrency, AcknowledgedWritesSurviveKill) {
  {
    auto store = open_or_die(path_);
    ASSERT_TRUE(store->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "ada@example.com")).is_ok());
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto opened = sqlite::open_database(path_);
    if (!opened.ok()) _exit(2);
    auto& store = *opened.value();
    for (int i = 0;; ++i) {
      std::string id = "key_" + std::to_string(i);
      if (!store.create_api_key(make_key(id, "t1")).is_ok()) _exit(3);
      AuditEntry e;
      e.id = "aud_" + std::to_string(i);
      e.tenant_id = "t1";
      if (!store.append_audit(e, [](const AuditEntry& x) { return std::to_string(x.seq); }).ok()) _exit(4);
      std::string line = id + "\n";
      if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
    }
  }
  close(fds[1]);

  // Read acknowledgements until well into the stream, then kill without warning.
  std::vector<std::string> acknowledged;
  std::string pending;
  char buffer[4096];
  auto read_some = [&] {
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) return false;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      acknowledged.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    return true;
  };
  while (acknowledged.size() < 300 && read_some()) {
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with status " << WEXITSTATUS(wstatus);
  // Acknowledgements written before the kill are still in the pipe.
  while (read_some()) {
  }
  close(fds[0]);
  ASSERT_GE(acknowledged.size(), 300u);

  auto store = open_or_die(path_);
  for (const auto& id : acknowledged) {
    EXPECT_TRUE(store->get_api_key_by_hash("hash_" + id).ok()) << id << " was acknowledged but is missing";
  }
  auto head = store->audit_head("t1");
  ASSERT_TRUE(head.ok());
  EXPECT_GE(head->count, static_cast<int64_t>(acknowledged.size()));
  // The chain is whole: the interrupted transaction, if any, left nothing behind.
  int64_t expected = 1;
  ASSERT_TRUE(store->scan_audit("t1", [&](const AuditEntry& e) { return e.seq == expected++; }).is_ok());
  EXPECT_EQ(expected, head->count + 1);
  // Each round writes a key, then an audit entry: a kill between them leaves one extra key.
  auto keys = store->list_api_keys("t1")->size();
  EXPECT_TRUE(keys == static_cast<size_t>(head->count) || keys == static_cast<size_t>(head->count) + 1) << keys;
}

}  // namespace
