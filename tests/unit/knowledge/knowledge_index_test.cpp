#include "knowledge/knowledge_index.h"

#include "models/hashed_embedder.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::knowledge;

class KnowledgeIndexTest : public ::testing::Test {
 protected:
  store::KnowledgeChunk chunk(int64_t id, const std::string& tenant, const std::string& source, const std::string& text,
                              const std::string& heading = "") {
    store::KnowledgeChunk c;
    c.id = id;
    c.tenant_id = tenant;
    c.source_id = source;
    c.text = text;
    c.heading_path = heading;
    c.page = 2;
    c.embedding_model = embedder_.id();
    c.embedding = embedder_.embed_one(indexed_text(heading, text));
    return c;
  }

  KnowledgeQuery query(const std::string& tenant, const std::string& text, std::vector<std::string> sources = {}) {
    KnowledgeQuery q;
    q.tenant_id = tenant;
    q.text = text;
    q.source_ids = std::move(sources);
    q.vectors[embedder_.id()] = embedder_.embed_one(text);
    return q;
  }

  models::HashedEmbedder embedder_;
  KnowledgeIndex index_;
};

TEST_F(KnowledgeIndexTest, FindsTheChunkThatAnswersWithItsCitation) {
  index_.add({chunk(1, "t1", "s1", "Refunds are paid within 14 days of receiving the returned item.", "Policies > Refunds")});
  index_.add({chunk(2, "t1", "s1", "Our office is open Monday to Friday from 9am to 5pm.", "Contact")});
  index_.add({chunk(3, "t1", "s2", "Shipping to Europe takes three to five working days.", "Shipping")});
  auto hits = index_.search(query("t1", "how long do refunds take?"));
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].chunk.id, 1);
  EXPECT_EQ(hits[0].chunk.heading_path, "Policies > Refunds");
  EXPECT_EQ(hits[0].chunk.page, 2);
  EXPECT_GT(hits[0].keyword_score, 0);
  EXPECT_GT(hits[0].similarity, 0);
  EXPECT_GT(hits[0].score, 0.5);
  EXPECT_LE(hits[0].score, 1.0);
}

TEST_F(KnowledgeIndexTest, NeverReturnsAnotherTenantsChunks) {
  index_.add({chunk(1, "t1", "s1", "The secret discount code is ALPHA.")});
  index_.add({chunk(2, "t2", "s9", "The secret discount code is BRAVO.")});
  auto hits = index_.search(query("t2", "secret discount code"));
  ASSERT_EQ(hits.size(), 1u) << "the tenant's own chunk is found";
  EXPECT_EQ(hits[0].chunk.tenant_id, "t2");
  EXPECT_EQ(hits[0].chunk.id, 2);
  EXPECT_TRUE(index_.search(query("t3", "secret discount code")).empty());
}

TEST_F(KnowledgeIndexTest, FiltersBySource) {
  index_.add({chunk(1, "t1", "s1", "Warranty covers two years of parts.")});
  index_.add({chunk(2, "t1", "s2", "Warranty registration happens online.")});
  auto hits = index_.search(query("t1", "warranty", {"s2"}));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].chunk.source_id, "s2");
}

TEST_F(KnowledgeIndexTest, ReplaceSourceSwapsItsChunks) {
  index_.add({chunk(1, "t1", "s1", "Old price list: the basic plan costs 10 dollars.")});
  index_.replace_source("t1", "s1", {chunk(7, "t1", "s1", "New price list: the basic plan costs 12 dollars.")});
  auto hits = index_.search(query("t1", "basic plan price"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].chunk.id, 7);
  EXPECT_EQ(index_.size(), 1u);
}

TEST_F(KnowledgeIndexTest, RemoveSourceForgetsItsChunks) {
  index_.add({chunk(1, "t1", "s1", "Gift cards never expire.")});
  index_.add({chunk(2, "t1", "s2", "Gift wrapping costs extra.")});
  index_.remove_source("t1", "s1");
  auto hits = index_.search(query("t1", "gift cards expire"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].chunk.id, 2);
}

TEST_F(KnowledgeIndexTest, MinSimilarityDropsUnrelatedVectorHits) {
  index_.add({chunk(1, "t1", "s1", "Bananas are yellow fruit rich in potassium.")});
  auto q = query("t1", "quantum chromodynamics lattice");
  q.min_similarity = 0.3;
  EXPECT_TRUE(index_.search(q).empty());
}

TEST_F(KnowledgeIndexTest, KeywordsAloneFindChunksOfAModelNotQueried) {
  index_.add({chunk(1, "t1", "s1", "Parking is free for visitors after six.")});
  KnowledgeQuery q;
  q.tenant_id = "t1";
  q.text = "visitors parking";
  auto hits = index_.search(q);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].similarity, 0);
  EXPECT_EQ(index_.embedding_models(), std::vector<std::string>{embedder_.id()});
}

}  // namespace
