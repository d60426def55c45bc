// Conformance suite of store::KnowledgeStore: sources, their chunks and ingestion states. Every
// engine in conformance.h runs it.
#include "common/run_sync.h"
#include "conformance.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;

using brainstem::test_support::Engines;

KnowledgeSource make_source(const std::string& id, const std::string& tenant_id = "t1", int64_t created_at = 1000) {
  KnowledgeSource s;
  s.id = id;
  s.tenant_id = tenant_id;
  s.name = "Handbook " + id;
  s.kind = "file";
  s.location = id + ".pdf";
  s.created_at = created_at;
  s.updated_at = created_at;
  return s;
}

KnowledgeChunk make_chunk(int64_t ordinal, const std::string& text) {
  KnowledgeChunk c;
  c.ordinal = ordinal;
  c.text = text;
  c.heading_path = "Guide > Returns";
  c.page = ordinal + 1;
  c.tokens = 12;
  c.embedding = {0.5f, -0.25f, static_cast<float>(ordinal)};
  return c;
}

KnowledgeIngestion make_ingestion(const std::string& source_id, std::vector<KnowledgeChunk> chunks,
                                  const std::string& tenant_id = "t1") {
  KnowledgeIngestion in;
  in.tenant_id = tenant_id;
  in.source_id = source_id;
  in.content_hash = "hash-" + source_id;
  in.embedding_model = "hashed-v1-384";
  in.chunks = std::move(chunks);
  return in;
}

template <class Engine>
class KnowledgeStoreConformance : public brainstem::test_support::StoreConformance<Engine> {
 protected:
  std::vector<KnowledgeChunk> scan_all() {
    std::vector<KnowledgeChunk> out;
    EXPECT_TRUE(run_sync(this->store_->scan_knowledge_chunks([&](const KnowledgeChunk& c) {
                  out.push_back(c);
                  return true;
                })).is_ok());
    return out;
  }
};
TYPED_TEST_SUITE(KnowledgeStoreConformance, Engines);

TYPED_TEST(KnowledgeStoreConformance, SourceRoundTripIsTenantScoped) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s1"))).is_ok());
  auto got = run_sync(this->store_->get_knowledge_source("t1", "s1"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Handbook s1");
  EXPECT_EQ(got->status, "pending");
  EXPECT_EQ(got->location, "s1.pdf");
  EXPECT_EQ(run_sync(this->store_->get_knowledge_source("t2", "s1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->create_knowledge_source(make_source("s1"))).code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->create_knowledge_source(make_source("s9", "nope"))).code(), StatusCode::kNotFound);
}

TYPED_TEST(KnowledgeStoreConformance, ListSourcesNewestFirstPerTenant) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("old", "t1", 1000))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("new", "t1", 2000))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("other", "t2", 3000))).is_ok());
  auto listed = run_sync(this->store_->list_knowledge_sources("t1"));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "new");
  EXPECT_EQ((*listed)[1].id, "old");
}

TYPED_TEST(KnowledgeStoreConformance, ReplaceChunksAssignsIdsAndCompletesTheSource) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->set_knowledge_source_status("t1", "s1", "processing", "")).is_ok());
  auto stored = run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s1", {make_chunk(0, "alpha"), make_chunk(1, "beta")})));
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_GT((*stored)[0].id, 0);
  EXPECT_NE((*stored)[0].id, (*stored)[1].id);
  EXPECT_EQ((*stored)[1].source_id, "s1");
  EXPECT_EQ((*stored)[1].source_name, "Handbook s1");

  auto source = run_sync(this->store_->get_knowledge_source("t1", "s1"));
  EXPECT_EQ(source->status, "completed");
  EXPECT_EQ(source->chunk_count, 2);
  EXPECT_EQ(source->content_hash, "hash-s1");
  EXPECT_EQ(source->embedding_model, "hashed-v1-384");

  auto chunks = run_sync(this->store_->list_knowledge_chunks("t1", "s1"));
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 2u);
  EXPECT_EQ((*chunks)[1].text, "beta");
  EXPECT_EQ((*chunks)[1].page, 2);
  EXPECT_EQ((*chunks)[1].heading_path, "Guide > Returns");
  EXPECT_EQ((*chunks)[1].embedding, (std::vector<float>{0.5f, -0.25f, 1.0f}));
  EXPECT_EQ((*chunks)[1].embedding_model, "hashed-v1-384");
  EXPECT_EQ((*chunks)[1].source_name, "Handbook s1");
  EXPECT_TRUE(run_sync(this->store_->list_knowledge_chunks("t2", "s1"))->empty());
}

TYPED_TEST(KnowledgeStoreConformance, ReplacingChunksDropsTheOldOnes) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s1", {make_chunk(0, "v1 a"), make_chunk(1, "v1 b")}))).ok());
  ASSERT_TRUE(run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s1", {make_chunk(0, "v2")}))).ok());
  auto all = this->scan_all();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].text, "v2");
  EXPECT_EQ(run_sync(this->store_->get_knowledge_source("t1", "s1"))->chunk_count, 1);
}

TYPED_TEST(KnowledgeStoreConformance, ReplaceIntoAnotherTenantsSourceChangesNothing) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s1", {make_chunk(0, "mine")}))).ok());
  auto hostile = run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s1", {make_chunk(0, "theirs")}, "t2")));
  EXPECT_EQ(hostile.status().code(), StatusCode::kNotFound);
  auto all = this->scan_all();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].text, "mine");
}

TYPED_TEST(KnowledgeStoreConformance, DeleteSourceRemovesItsChunksOnly) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s2"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s1", {make_chunk(0, "one")}))).ok());
  ASSERT_TRUE(run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s2", {make_chunk(0, "two")}))).ok());
  EXPECT_EQ(run_sync(this->store_->delete_knowledge_source("t2", "s1")).code(), StatusCode::kNotFound);
  ASSERT_TRUE(run_sync(this->store_->delete_knowledge_source("t1", "s1")).is_ok());
  auto all = this->scan_all();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].source_id, "s2");
  EXPECT_EQ(run_sync(this->store_->get_knowledge_source("t1", "s1")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(KnowledgeStoreConformance, ScanVisitsEveryChunkAcrossBatches) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("big"))).is_ok());
  std::vector<KnowledgeChunk> chunks;
  for (int i = 0; i < 1203; ++i) chunks.push_back(make_chunk(i, "chunk " + std::to_string(i)));
  ASSERT_TRUE(run_sync(this->store_->replace_knowledge_chunks(make_ingestion("big", chunks))).ok());
  auto all = this->scan_all();
  ASSERT_EQ(all.size(), 1203u);
  EXPECT_EQ(all.back().text, "chunk 1202");
}

// What a stopped server left processing is failed at the next start, keeping its chunks.
TYPED_TEST(KnowledgeStoreConformance, InterruptedIngestionsFailAndKeepTheirPreviousChunks) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s1"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->replace_knowledge_chunks(make_ingestion("s1", {make_chunk(0, "v1")}))).ok());
  ASSERT_TRUE(run_sync(this->store_->set_knowledge_source_status("t1", "s1", "processing", "")).is_ok());
  auto failed = run_sync(this->store_->fail_interrupted_ingestions(5000));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, 1);
  auto source = run_sync(this->store_->get_knowledge_source("t1", "s1"));
  EXPECT_EQ(source->status, "failed");
  EXPECT_NE(source->error.find("interrupted"), std::string::npos);
  EXPECT_EQ(run_sync(this->store_->list_knowledge_chunks("t1", "s1"))->size(), 1u);
}

TYPED_TEST(KnowledgeStoreConformance, StatusOfAnotherTenantsSourceIsNotFound) {
  ASSERT_TRUE(run_sync(this->store_->create_knowledge_source(make_source("s1"))).is_ok());
  EXPECT_EQ(run_sync(this->store_->set_knowledge_source_status("t2", "s1", "failed", "x")).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_knowledge_source("t1", "s1"))->status, "pending");
}

}  // namespace
