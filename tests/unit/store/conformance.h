// What the store's conformance suites share: the engines every suite runs on and a fixture
// with two tenants, "t1" and "t2" (or none). A new engine is one more type in `Engines`.
#pragma once

#include "common/run_sync.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace brainstem::test_support {

inline std::unique_ptr<store::Store> open_sqlite_or_die(const std::string& path) {
  auto opened = store::open_sqlite(path);
  if (!opened.ok()) throw std::runtime_error("open failed: " + opened.status().message());
  return std::move(opened).value();
}

struct SqliteFile {
  static std::unique_ptr<store::Store> open(TempDir& dir) { return open_sqlite_or_die(dir.file("conformance.db")); }
};
// The engine unit tests of services use: the same SQL, nothing on disk.
struct SqliteInMemory {
  static std::unique_ptr<store::Store> open(TempDir&) { return open_sqlite_or_die(":memory:"); }
};

using Engines = ::testing::Types<SqliteFile, SqliteInMemory>;

// A new, empty store of the engine.
template <class Engine>
class EmptyStoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Engine::open(dir_); }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

// A store holding tenants "t1" and "t2".
template <class Engine>
class StoreConformance : public EmptyStoreConformance<Engine> {
 protected:
  void SetUp() override {
    EmptyStoreConformance<Engine>::SetUp();
    for (const char* id : {"t1", "t2"}) {
      store::Tenant t;
      t.id = id;
      t.slug = std::string("slug-") + id;
      t.name = id;
      t.created_at = 1;
      ASSERT_TRUE(run_sync(this->store_->create_tenant(t, "")).is_ok());
    }
  }
};

inline std::vector<std::string> ids_of(const auto& records) {
  std::vector<std::string> ids;
  for (const auto& record : records) ids.push_back(record.id);
  return ids;
}

}  // namespace brainstem::test_support
