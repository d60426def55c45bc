#include "common/run_sync.h"
#include "knowledge/knowledge_base.h"

#include "models/hashed_embedder.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"
#include "testing/word_count.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::knowledge;
using test_support::count_words;

const char* kHandbook = R"(# Handbook

## Refunds

Refunds are paid within 14 days of receiving the returned item.

## Opening hours

The office is open Monday to Friday from 9am to 5pm.
)";

// An embedder that runs a hook inside each call: the test looks at the ingestion in flight.
class HookedEmbedder final : public models::Embedder {
 public:
  std::string id() const override { return inner_.id(); }
  int dimension() const override { return inner_.dimension(); }
  boost::asio::awaitable<Result<std::vector<std::vector<float>>>> embed(const std::vector<std::string>& texts) override {
    if (hook) co_await hook();
    auto out = co_await inner_.embed(texts);
    co_return out;
  }
  std::function<boost::asio::awaitable<void>()> hook;

 private:
  models::HashedEmbedder inner_;
};

class KnowledgeBaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite(dir_.file("k.db"), {});
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    store::Tenant t;
    t.id = "t1";
    t.slug = "t1";
    t.name = "t1";
    ASSERT_TRUE(run_sync(store_->create_tenant(t, "")).is_ok());
    embedder_ = std::make_shared<HookedEmbedder>();
    embedders_ = std::make_unique<EmbeddingModels>(embedder_, registry_, "");
    base_ = make_base();
  }

  // A knowledge base over the test's store, loaded unless `load` is false.
  std::unique_ptr<KnowledgeBase> make_base(bool load = true) {
    KnowledgeBase::Options options;
    options.chunking = ChunkerOptions{40, 5, 80};
    options.embed_batch = 1;
    auto base = std::make_unique<KnowledgeBase>(*store_, pool_, *embedders_, count_words, options);
    if (load) {
      EXPECT_TRUE(base->load().is_ok());
      base->wait_loaded();
    }
    return base;
  }

  void create_source(const std::string& id) {
    store::KnowledgeSource s;
    s.id = id;
    s.tenant_id = "t1";
    s.kind = "file";
    ASSERT_TRUE(run_sync(store_->create_knowledge_source(s)).is_ok());
  }

  Result<IngestOutcome> ingest(const std::string& source_id, std::string bytes,
                               std::optional<Format> hint = Format::kMarkdown, const std::string& model = "") {
    return run_sync(base_->ingest(IngestContent{"t1", source_id, std::move(bytes), hint, model}));
  }

  std::vector<KnowledgeHit> search(const std::string& query, std::vector<std::string> sources = {}) {
    auto hits = run_sync(base_->search(SearchRequest{"t1", query, std::move(sources), 5, 0.1}));
    EXPECT_TRUE(hits.ok());
    return hits.ok() ? *hits : std::vector<KnowledgeHit>{};
  }

  test_support::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  BlockingPool pool_{2, 64};
  models::ModelRegistry registry_;
  std::shared_ptr<HookedEmbedder> embedder_;
  std::unique_ptr<EmbeddingModels> embedders_;
  std::unique_ptr<KnowledgeBase> base_;
};

TEST_F(KnowledgeBaseTest, IngestsMarkdownAndFindsTheAnswerWithItsHeading) {
  create_source("s1");
  auto outcome = ingest("s1", kHandbook);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->status, "completed");
  EXPECT_EQ(outcome->chunks_created, 2);
  EXPECT_EQ(outcome->chunks_embedded, 2);

  auto hits = search("when are refunds paid?");
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(hits[0].chunk.text.find("14 days"), std::string::npos);
  EXPECT_EQ(hits[0].chunk.heading_path, "Handbook > Refunds");

  auto source = run_sync(store_->get_knowledge_source("t1", "s1"));
  EXPECT_EQ(source->status, "completed");
  EXPECT_EQ(source->chunk_count, 2);
  EXPECT_EQ(source->embedding_model, embedder_->id());
}

TEST_F(KnowledgeBaseTest, ReingestingTheSameContentDoesNothing) {
  create_source("s1");
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  int calls = 0;
  embedder_->hook = [&]() -> boost::asio::awaitable<void> {
    ++calls;
    co_return;
  };
  auto again = ingest("s1", kHandbook);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->chunks_created, 0);
  EXPECT_EQ(calls, 0);
}

TEST_F(KnowledgeBaseTest, NewContentReplacesTheOldChunks) {
  create_source("s1");
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  ASSERT_TRUE(ingest("s1", "# Handbook\n\nRefunds now take 30 days.\n").ok());
  auto hits = search("refunds");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].chunk.text.find("30 days"), std::string::npos);
  EXPECT_EQ(run_sync(store_->list_knowledge_chunks("t1", "s1"))->size(), 1u);
}

TEST_F(KnowledgeBaseTest, ABadFileFailsTheSourceAndKeepsItsPreviousChunks) {
  create_source("s1");
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  auto bad = ingest("s1", std::string("caf\xC3(\xFF broken", 12), Format::kText);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto source = run_sync(store_->get_knowledge_source("t1", "s1"));
  EXPECT_EQ(source->status, "failed");
  EXPECT_FALSE(source->error.empty());
  EXPECT_FALSE(search("refunds").empty());
}

TEST_F(KnowledgeBaseTest, ReportsProgressAndRefusesASecondIngestionOfTheSameSource) {
  create_source("s1");
  std::vector<int64_t> done;
  Status second;
  embedder_->hook = [&]() -> boost::asio::awaitable<void> {
    auto progress = base_->progress("s1");
    EXPECT_TRUE(progress.has_value());
    if (progress) {
      EXPECT_EQ(progress->stage, "embedding");
      EXPECT_EQ(progress->chunks_total, 2);
      done.push_back(progress->chunks_done);
    }
    if (done.size() == 1) {
      IngestContent other{"t1", "s1", "other text", Format::kText, ""};  // a named local: see GCC 12 note in src/
      auto again = co_await base_->ingest(std::move(other));
      second = again.ok() ? Status::ok() : again.status();
    }
  };
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  EXPECT_EQ(done, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(second.code(), StatusCode::kConflict);
  EXPECT_FALSE(base_->progress("s1").has_value());
}

TEST_F(KnowledgeBaseTest, LoadRebuildsTheIndexFromTheStore) {
  create_source("s1");
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  base_ = make_base(false);
  EXPECT_TRUE(search("refunds").empty());
  EXPECT_EQ(ingest("s1", "# Other\n\ntext").status().code(), StatusCode::kUnavailable);  // not loaded yet
  ASSERT_TRUE(base_->load().is_ok());
  base_->wait_loaded();
  EXPECT_TRUE(base_->loaded());
  EXPECT_EQ(base_->indexed_chunks(), 2u);
  EXPECT_FALSE(search("refunds").empty());
}

TEST_F(KnowledgeBaseTest, UnknownEmbeddingModelIsAValidationError) {
  create_source("s1");
  auto outcome = ingest("s1", kHandbook, Format::kMarkdown, "cohere");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kValidation);
  EXPECT_EQ(run_sync(store_->get_knowledge_source("t1", "s1"))->status, "pending");
}

TEST_F(KnowledgeBaseTest, ReembedEmbedsEveryStoredChunkAgain) {
  create_source("s1");
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  int calls = 0;
  embedder_->hook = [&]() -> boost::asio::awaitable<void> {
    ++calls;
    co_return;
  };
  auto outcome = run_sync(base_->reembed("t1", "s1", "builtin"));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->chunks_embedded, 2);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(search("opening hours").empty());
}

TEST_F(KnowledgeBaseTest, DeleteSourceRemovesItFromSearchAndStore) {
  create_source("s1");
  create_source("s2");
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  ASSERT_TRUE(ingest("s2", "# Parking\n\nVisitors park for free.\n").ok());
  ASSERT_TRUE(run_sync(base_->delete_source("t1", "s1")).is_ok());
  EXPECT_TRUE(search("refunds").empty());
  EXPECT_FALSE(search("visitors park").empty());
  EXPECT_EQ(run_sync(store_->get_knowledge_source("t1", "s1")).status().code(), StatusCode::kNotFound);
}

TEST_F(KnowledgeBaseTest, SearchIsScopedToTheGivenSources) {
  create_source("s1");
  create_source("s2");
  ASSERT_TRUE(ingest("s1", kHandbook).ok());
  ASSERT_TRUE(ingest("s2", "# Refunds elsewhere\n\nRefunds at the outlet store are store credit only.\n").ok());
  ASSERT_FALSE(search("refunds", {"s1"}).empty()) << "both sources hold refunds";
  auto hits = search("refunds", {"s2"});
  ASSERT_FALSE(hits.empty()) << "the given source's chunk is found";
  for (const auto& hit : hits) EXPECT_EQ(hit.chunk.source_id, "s2");
}

}  // namespace
