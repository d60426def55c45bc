// The SQLite engine itself: its schema, migrations, write-ahead log and checkpoints. What every
// engine must do is in the conformance suites (*_store_test.cpp).
#include "records.h"
#include "testing/sqlite_raw.h"
#include "testing/temp_dir.h"
#include "store/sqlite/sqlite_store_impl.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;

using brainstem::test_support::raw_exec;
using brainstem::test_support::raw_text;
using brainstem::test_support::TempDir;
using brainstem::test_support::make_tenant;
using brainstem::test_support::make_user;

class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("brainstem.db");
    store_ = open_or_die(path_);
  }

  static std::unique_ptr<sqlite::Database> open_or_die(const std::string& path, const SqliteOptions& options = {}) {
    auto opened = sqlite::open_database(path, options);
    if (!opened.ok()) throw std::runtime_error("open failed: " + opened.status().message());
    return std::move(opened).value();
  }

  // A tenant "t1" owned by "usr_1" (ada@example.com).
  void signup() {
    auto status = store_->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "Ada@Example.com"));
    ASSERT_TRUE(status.is_ok()) << status.message();
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<sqlite::Database> store_;
};

// --- engine and migrations

TEST_F(SqliteStore, OpenCreatesLatestSchema) {
  EXPECT_GE(sqlite_latest_schema_version(), 1);
  EXPECT_EQ(store_->schema_version(), sqlite_latest_schema_version());
  EXPECT_TRUE(store_->ping().is_ok());
  for (const char* table : {"tenants", "users", "memberships", "api_keys", "audit_log", "audit_heads", "settings"}) {
    EXPECT_EQ(raw_text(path_, std::string("SELECT name FROM sqlite_master WHERE type='table' AND name='") + table +
                                  "'"),
              table);
  }
}

TEST_F(SqliteStore, UsesWriteAheadLog) {
  EXPECT_EQ(raw_text(path_, "PRAGMA journal_mode"), "wal");
}

// Commits leave the log alone; checkpoint() moves it into the main file once it holds
// checkpoint_frames frames, and leaves a shorter one alone.
TEST_F(SqliteStore, CommitsDoNotCheckpointCheckpointDoes) {
  store_.reset();
  SqliteOptions eager;
  eager.checkpoint_frames = 100;
  store_ = open_or_die(path_, eager);
  const auto main_size = [&] { return std::filesystem::file_size(path_); };
  const auto before = main_size();
  ASSERT_TRUE(store_->create_tenant(make_tenant("t-first", "slug-first"), "").is_ok());
  ASSERT_TRUE(store_->checkpoint().is_ok());
  EXPECT_EQ(main_size(), before) << "a log of a few frames was checkpointed";
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_->create_tenant(make_tenant("t" + std::to_string(i), "slug-" + std::to_string(i)), "").is_ok());
  }
  EXPECT_EQ(main_size(), before) << "a commit checkpointed the log";
  ASSERT_TRUE(store_->checkpoint().is_ok());
  EXPECT_GT(main_size(), before);
  auto reopened = open_or_die(path_);
  EXPECT_TRUE(reopened->get_tenant_by_slug("slug-299").ok());
}

TEST_F(SqliteStore, ReopenAppliesMigrationsOnce) {
  signup();
  store_.reset();
  for (int i = 0; i < 3; ++i) {
    auto again = open_or_die(path_);
    EXPECT_EQ(again->schema_version(), sqlite_latest_schema_version());
    EXPECT_TRUE(again->get_tenant("t1").ok());
  }
  EXPECT_EQ(raw_text(path_, "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(sqlite_latest_schema_version()));
}

TEST_F(SqliteStore, NewerSchemaIsRefused) {
  store_.reset();
  int newer = sqlite_latest_schema_version() + 1;
  raw_exec(path_, "INSERT INTO schema_migrations(version, applied_at) VALUES (" + std::to_string(newer) + ", 0)");
  auto opened = sqlite::open_database(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(opened.status().message(), "database schema v" + std::to_string(newer) + " is newer than this build (v" +
                                           std::to_string(sqlite_latest_schema_version()) + ")");
}

TEST_F(SqliteStore, OpenInMissingDirectoryIsUnavailable) {
  auto opened = sqlite::open_database(dir_.file("missing/dir/brainstem.db"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
}

TEST_F(SqliteStore, InMemoryDatabaseWorks) {
  auto memory = open_or_die(":memory:");
  ASSERT_TRUE(memory->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "a@b.c")).is_ok());
  EXPECT_TRUE(memory->get_user("usr_1").ok());
  EXPECT_TRUE(memory->ping().is_ok());
}

}  // namespace
