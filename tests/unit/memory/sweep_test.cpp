// The expiry sweeper of CELLSTATE memory: entities whose time is up are deleted from the store
// and dropped from the search indexes; the others stay in both.
#include "memory/cellstate.h"

#include "common/run_sync.h"
#include "common/task_group.h"
#include "knowledge/embedding_models.h"
#include "models/hashed_embedder.h"
#include "models/registry.h"
#include "models/token_counter.h"
#include "store/records.h"
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

using namespace brainstem;
namespace json = boost::json;

class Sweeper : public ::testing::Test {
 protected:
  Sweeper() {
    auto opened = store::open_sqlite(":memory:");
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    store_ = std::move(opened).value();
    if (!run_sync(store_->create_tenant(test_support::make_tenant("t1", "t1"), "")).is_ok()) throw std::runtime_error("tenant");
    embedders_ = std::make_unique<knowledge::EmbeddingModels>(
        std::shared_ptr<models::Embedder>(&embedder_, [](models::Embedder*) {}), models_, "");
    cellstate_ = std::make_unique<memory::CellState>(*store_, *embedders_, turns_, tokens_, background_,
                                                     memory::CellStateOptions{});
    if (!cellstate_->load_indexes().is_ok()) throw std::runtime_error("indexes");
  }

  std::string add_note(const std::string& title, json::value ttl) {
    json::object body{{"title", title}, {"content", "about " + title}, {"note_type", "insight"},
                      {"source_artifact_ids", json::array()}, {"source_trajectory_ids", json::array()}};
    if (!ttl.is_null()) body["ttl"] = std::move(ttl);
    auto note = run_sync(cellstate_->create_note("t1", std::move(body)));
    return std::string(note.at("note_id").as_string());
  }

  // Note rows in the store, expired or not.
  size_t stored_notes() {
    size_t n = 0;
    Status scanned = run_sync(store_->scan_memory_entities("note", [&](const store::MemoryEntity&) {
      ++n;
      return true;
    }));
    EXPECT_TRUE(scanned.is_ok());
    return n;
  }

  std::unique_ptr<store::Store> store_;
  models::HashedEmbedder embedder_;
  models::ModelRegistry models_;
  models::TokenCounter tokens_{models_, ""};
  TaskGroup background_;
  std::unique_ptr<knowledge::EmbeddingModels> embedders_;
  knowledge::TurnIndex turns_{embedder_};
  std::unique_ptr<memory::CellState> cellstate_;
};

TEST_F(Sweeper, ExpiredNotesLeaveTheStoreAndTheIndexAndTheOthersStay) {
  const std::string brief = add_note("ephemeral insight", json::parse(R"({"duration": 1})"));
  const std::string lasting = add_note("lasting insight", nullptr);
  ASSERT_EQ(stored_notes(), 2u);
  ASSERT_TRUE(cellstate_->indexed("note", "t1", brief));
  ASSERT_TRUE(cellstate_->indexed("note", "t1", lasting));

  // The short note's millisecond passes (reads hide it from then on; the sweeper deletes it).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int64_t swept = 0;
  while ((swept = run_sync(cellstate_->sweep_expired())) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(swept, 1);
  EXPECT_EQ(stored_notes(), 1u) << "the expired row is deleted, not only hidden";
  EXPECT_FALSE(cellstate_->indexed("note", "t1", brief)) << "and its index entries dropped";
  EXPECT_TRUE(cellstate_->indexed("note", "t1", lasting));
  EXPECT_EQ(run_sync(cellstate_->sweep_expired()), 0) << "nothing left to sweep";
}

}  // namespace
