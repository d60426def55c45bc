#include "common/run_sync.h"
#include "pipeline/semantic_cache.h"

#include "models/hashed_embedder.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
using brainstem::pipeline::CacheHit;
using brainstem::pipeline::SemanticCache;
using brainstem::test_support::TempDir;

const models::HashedEmbedder& embedder() {
  static const models::HashedEmbedder e;
  return e;
}

store::CacheEntry entry(const std::string& id, const std::string& question, const std::string& answer,
                        const std::string& tenant_id = "t1", const std::string& agent_id = "a1",
                        const std::string& customer_id = "") {
  store::CacheEntry e;
  e.id = id;
  e.tenant_id = tenant_id;
  e.agent_id = agent_id;
  e.customer_id = customer_id;
  e.question = question;
  e.answer = answer;
  e.model = "test-model";
  e.embedding = embedder().embed_one(question);
  e.created_at = 1000;
  return e;
}

// Looks `question` up the way the pipeline does: normalised text and its embedding.
std::optional<CacheHit> ask(SemanticCache& cache, const std::string& question, double threshold = 0.9,
                            const std::string& tenant_id = "t1", const std::string& agent_id = "a1",
                            const std::string& customer_id = "") {
  const std::vector<float> embedding = embedder().embed_one(question);
  return cache.lookup(tenant_id, agent_id, customer_id, SemanticCache::normalise(question),
                      [&]() -> const std::vector<float>& { return embedding; }, threshold);
}

// The answer found for `question`, or "<miss>".
std::string answer(SemanticCache& cache, const std::string& question, double threshold = 0.9,
                   const std::string& tenant_id = "t1", const std::string& agent_id = "a1",
                   const std::string& customer_id = "") {
  auto hit = ask(cache, question, threshold, tenant_id, agent_id, customer_id);
  return hit ? hit->answer : "<miss>";
}

// --- normalise

TEST(SemanticCacheNormalise, LowerCasesAndDropsPunctuationAndExtraSpaces) {
  EXPECT_EQ(SemanticCache::normalise("  What ARE your   opening hours?? "), "what are your opening hours");
  EXPECT_EQ(SemanticCache::normalise("What's up?!"), "what s up");
  EXPECT_EQ(SemanticCache::normalise("a\tb\n\nc"), "a b c");
  EXPECT_EQ(SemanticCache::normalise("Order #42, please."), "order 42 please");
}

TEST(SemanticCacheNormalise, KeepsNonAsciiBytes) {
  EXPECT_EQ(SemanticCache::normalise("Caf\xC3\xA9 OUVERT ?"), "caf\xC3\xA9 ouvert");
}

TEST(SemanticCacheNormalise, NothingButPunctuationIsEmpty) {
  EXPECT_EQ(SemanticCache::normalise(""), "");
  EXPECT_EQ(SemanticCache::normalise(" ?!... "), "");
}

// --- lookup

TEST(SemanticCache, EmptyCacheMisses) {
  SemanticCache cache;
  EXPECT_FALSE(ask(cache, "What are your opening hours?"));
  EXPECT_EQ(cache.stats().misses, 1);
  EXPECT_EQ(cache.stats().hits, 0);
}

TEST(SemanticCache, SameQuestionAfterNormalisationHitsWithSimilarityOne) {
  SemanticCache cache;
  cache.insert(entry("e1", "What are your opening hours?", "9 to 5"));
  auto hit = ask(cache, "what are your OPENING hours", 0.99);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->id, "e1");
  EXPECT_EQ(hit->question, "What are your opening hours?");
  EXPECT_EQ(hit->answer, "9 to 5");
  EXPECT_DOUBLE_EQ(hit->similarity, 1.0);
}

TEST(SemanticCache, ExactNormalisedMatchHitsEvenWithoutAnEmbedding) {
  SemanticCache cache;
  auto e = entry("e1", "Where is my order?", "On its way");
  e.embedding.clear();
  cache.insert(e);
  int embedded = 0;
  const std::vector<float> embedding = embedder().embed_one("Where is my order?");
  auto embed = [&]() -> const std::vector<float>& {
    ++embedded;
    return embedding;
  };
  auto hit = cache.lookup("t1", "a1", "", "where is my order", embed, 1.0);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->answer, "On its way");
  EXPECT_DOUBLE_EQ(hit->similarity, 1.0);
  EXPECT_EQ(embedded, 0);  // found by its text: no embedding needed
  EXPECT_FALSE(cache.lookup("t1", "a1", "", "where is my parcel", embed, 0.9));
  EXPECT_EQ(embedded, 1);
}

// Of several entries with the same question, a customer gets the newest it may see: its own
// or a shareable one, never another customer's.
TEST(SemanticCache, ExactMatchTakesTheNewestEntryTheCustomerMaySee) {
  SemanticCache cache;
  cache.insert(entry("e1", "Where is my order?", "shared answer"));
  cache.insert(entry("e2", "where is my order", "Alice's answer", "t1", "a1", "alice"));
  cache.insert(entry("e3", "WHERE is my order!", "Bob's answer", "t1", "a1", "bob"));
  EXPECT_EQ(answer(cache, "Where is my order?", 0.9, "t1", "a1", "alice"), "Alice's answer");
  EXPECT_EQ(answer(cache, "Where is my order?", 0.9, "t1", "a1", "bob"), "Bob's answer");
  EXPECT_EQ(answer(cache, "Where is my order?", 0.9, "t1", "a1", "carol"), "shared answer");
  EXPECT_EQ(answer(cache, "Where is my order?"), "shared answer");
  // A newer shareable answer to the same question replaces the old one for everyone else.
  cache.insert(entry("e4", "where is my order?", "new shared answer"));
  EXPECT_EQ(answer(cache, "Where is my order?", 0.9, "t1", "a1", "carol"), "new shared answer");
  EXPECT_EQ(answer(cache, "Where is my order?", 0.9, "t1", "a1", "alice"), "new shared answer");
  EXPECT_EQ(cache.stats().entries, 3);
}

TEST(SemanticCache, SimilarQuestionHitsAtOrBelowItsSimilarityOnly) {
  SemanticCache cache;
  const std::string stored = "What are your opening hours on Sunday?";
  const std::string asked = "What are your opening hours on Saturday?";
  cache.insert(entry("e1", stored, "Closed"));
  const double similarity = models::cosine(embedder().embed_one(stored), embedder().embed_one(asked));
  ASSERT_GT(similarity, 0.3);
  ASSERT_LT(similarity, 0.999);

  auto hit = ask(cache, asked, similarity);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->id, "e1");
  EXPECT_DOUBLE_EQ(hit->similarity, similarity);
  EXPECT_TRUE(ask(cache, asked, similarity - 0.01));
  EXPECT_FALSE(ask(cache, asked, similarity + 1e-6));
  EXPECT_FALSE(ask(cache, asked, 1.0));
}

TEST(SemanticCache, UnrelatedQuestionMisses) {
  SemanticCache cache;
  cache.insert(entry("e1", "What are your opening hours?", "9 to 5"));
  EXPECT_FALSE(ask(cache, "Can I return shoes bought online?", 0.5));
}

TEST(SemanticCache, ReturnsTheMostSimilarEntry) {
  SemanticCache cache;
  cache.insert(entry("far", "Do you deliver to Canada?", "Yes"));
  cache.insert(entry("near", "What are your opening hours on Sunday?", "Closed"));
  cache.insert(entry("mid", "What are your prices?", "Cheap"));
  auto hit = ask(cache, "What are your opening hours on Sundays?", 0.1);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->id, "near");
}

TEST(SemanticCache, EntriesAreScopedToTenantAndAgent) {
  SemanticCache cache;
  cache.insert(entry("e1", "What are your opening hours?", "9 to 5", "t1", "a1"));
  EXPECT_TRUE(ask(cache, "What are your opening hours?", 0.9, "t1", "a1"));
  EXPECT_FALSE(ask(cache, "What are your opening hours?", 0.9, "t2", "a1"));
  EXPECT_FALSE(ask(cache, "What are your opening hours?", 0.9, "t1", "a2"));
}

TEST(SemanticCache, CustomerEntriesHitOnlyForThatCustomer) {
  SemanticCache cache;
  cache.insert(entry("mine", "What is my balance?", "$10", "t1", "a1", "cust_1"));
  EXPECT_TRUE(ask(cache, "What is my balance?", 0.9, "t1", "a1", "cust_1"));
  EXPECT_FALSE(ask(cache, "What is my balance?", 0.9, "t1", "a1", "cust_2"));
  EXPECT_FALSE(ask(cache, "What is my balance?", 0.9, "t1", "a1", ""));  // anonymous
}

TEST(SemanticCache, ShareableEntriesHitForEveryCustomer) {
  SemanticCache cache;
  cache.insert(entry("shared", "What are your opening hours?", "9 to 5"));
  for (const char* customer : {"", "cust_1", "cust_2"}) {
    auto hit = ask(cache, "What are your opening hours?", 0.9, "t1", "a1", customer);
    ASSERT_TRUE(hit) << customer;
    EXPECT_EQ(hit->id, "shared");
  }
}

TEST(SemanticCache, HitsAndMissesAreCounted) {
  SemanticCache cache;
  cache.insert(entry("e1", "What are your opening hours?", "9 to 5"));
  ask(cache, "What are your opening hours?");
  ask(cache, "What are your opening hours?");
  ask(cache, "Something else entirely");
  auto s = cache.stats();
  EXPECT_EQ(s.hits, 2);
  EXPECT_EQ(s.misses, 1);
  EXPECT_EQ(s.entries, 1);
}

// --- insert

TEST(SemanticCache, InsertReplacesTheSameQuestionOfTheSameCustomer) {
  SemanticCache cache;
  cache.insert(entry("old", "What are your opening hours?", "9 to 5"));
  cache.insert(entry("new", "what are your opening HOURS", "8 to 6"));
  EXPECT_EQ(cache.stats().entries, 1);
  auto hit = ask(cache, "What are your opening hours?");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->id, "new");
  EXPECT_EQ(hit->answer, "8 to 6");
}

TEST(SemanticCache, InsertKeepsTheSameQuestionOfAnotherCustomer) {
  SemanticCache cache;
  cache.insert(entry("shared", "What is my balance?", "ask support"));
  cache.insert(entry("c1", "What is my balance?", "$10", "t1", "a1", "cust_1"));
  cache.insert(entry("c2", "What is my balance?", "$20", "t1", "a1", "cust_2"));
  EXPECT_EQ(cache.stats().entries, 3);
  // Equal scores go to the newest entry: here the customer's own.
  EXPECT_EQ(answer(cache, "What is my balance?", 0.9, "t1", "a1", "cust_1"), "$10");
  EXPECT_EQ(answer(cache, "What is my balance?", 0.9, "t1", "a1", "cust_2"), "$20");
  EXPECT_EQ(answer(cache, "What is my balance?", 0.9, "t1", "a1", "cust_3"), "ask support");
  EXPECT_EQ(answer(cache, "What is my balance?", 0.9, "t1", "a1", ""), "ask support");
}

TEST(SemanticCache, EachAgentKeepsAtMostMaxEntriesDroppingTheOldest) {
  SemanticCache cache(2);
  cache.insert(entry("q1", "What are your opening hours?", "1"));
  cache.insert(entry("q2", "Do you deliver to Canada?", "2"));
  cache.insert(entry("other", "What are your opening hours?", "x", "t1", "a2"));
  cache.insert(entry("q3", "Can I pay by card?", "3"));
  EXPECT_EQ(cache.stats().entries, 3);  // two of a1, one of a2
  EXPECT_FALSE(ask(cache, "What are your opening hours?", 0.99));
  EXPECT_TRUE(ask(cache, "Do you deliver to Canada?", 0.99));
  EXPECT_TRUE(ask(cache, "Can I pay by card?", 0.99));
  EXPECT_TRUE(ask(cache, "What are your opening hours?", 0.99, "t1", "a2"));
}

TEST(SemanticCache, ReplacingAnEntryDoesNotEvictAnother) {
  SemanticCache cache(2);
  cache.insert(entry("q1", "What are your opening hours?", "1"));
  cache.insert(entry("q2", "Do you deliver to Canada?", "2"));
  cache.insert(entry("q2b", "Do you deliver to Canada?", "2b"));
  EXPECT_EQ(cache.stats().entries, 2);
  EXPECT_EQ(answer(cache, "What are your opening hours?", 0.99), "1");
  EXPECT_EQ(answer(cache, "Do you deliver to Canada?", 0.99), "2b");
}

// Questions asked in other words are found through the graph; after many evictions (whose
// graph slots new entries take over) only live entries answer, each the closest one.
TEST(SemanticCache, SimilarQuestionsAreFoundThroughTheGraphAcrossEvictions) {
  SemanticCache cache(50);
  const std::vector<std::string> topics = {"opening hours", "delivery to Canada", "card payments", "refund policy",
                                           "gift wrapping", "order tracking", "store locations", "loyalty points"};
  auto question = [&](int i) {
    return "Tell me about " + topics[i % topics.size()] + " for customer group " + std::to_string(i);
  };
  for (int i = 0; i < 400; ++i) cache.insert(entry("q" + std::to_string(i), question(i), "answer " + std::to_string(i)));
  EXPECT_EQ(cache.stats().entries, 50);
  // Reworded (so not found by text): each live question still finds its own entry.
  for (int i = 350; i < 400; ++i) {
    EXPECT_EQ(answer(cache, "Please, " + question(i) + "?", 0.8), "answer " + std::to_string(i)) << i;
  }
  // An evicted question finds at best a live neighbour of the same topic, never itself.
  auto evicted = ask(cache, "Please, " + question(10) + "?", 0.5);
  ASSERT_TRUE(evicted);
  EXPECT_NE(evicted->answer, "answer 10");
  EXPECT_NE(evicted->question.find(topics[10 % topics.size()]), std::string::npos) << evicted->question;
}

// --- flush and stats

class SemanticCacheFlush : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_.insert(entry("1", "What are your opening hours?", "a", "t1", "a1"));
    cache_.insert(entry("2", "Do you deliver to Canada?", "a", "t1", "a1"));
    cache_.insert(entry("3", "What are your opening hours?", "a", "t1", "a2"));
    cache_.insert(entry("4", "What are your opening hours?", "a", "t10", "a1"));  // a tenant id t1 prefixes
    cache_.insert(entry("5", "What are your opening hours?", "a", "t2", "a1"));
    cache_.insert(entry("6", "What are your opening hours?", "a", "t2", "a11"));  // an agent id a1 prefixes
  }
  SemanticCache cache_;
};

TEST_F(SemanticCacheFlush, StatsCountEntriesPerTenant) {
  EXPECT_EQ(cache_.stats().entries, 6);
  EXPECT_EQ(cache_.stats("t1").entries, 3);
  EXPECT_EQ(cache_.stats("t10").entries, 1);
  EXPECT_EQ(cache_.stats("t2").entries, 2);
  EXPECT_EQ(cache_.stats("t").entries, 0);
  EXPECT_EQ(cache_.stats("t3").entries, 0);
}

TEST_F(SemanticCacheFlush, ByTenantAndAgent) {
  EXPECT_EQ(cache_.flush("t1", "a1"), 2);
  EXPECT_EQ(cache_.stats("t1").entries, 1);
  EXPECT_EQ(cache_.stats().entries, 4);
  EXPECT_FALSE(ask(cache_, "What are your opening hours?", 0.9, "t1", "a1"));
  EXPECT_TRUE(ask(cache_, "What are your opening hours?", 0.9, "t1", "a2"));
  EXPECT_TRUE(ask(cache_, "What are your opening hours?", 0.9, "t10", "a1"));
  EXPECT_EQ(cache_.flush("t1", "a1"), 0);
}

TEST_F(SemanticCacheFlush, ByTenantOnly) {
  EXPECT_EQ(cache_.flush("t1", ""), 3);
  EXPECT_EQ(cache_.stats("t1").entries, 0);
  EXPECT_EQ(cache_.stats("t10").entries, 1);
  EXPECT_EQ(cache_.stats("t2").entries, 2);
}

TEST_F(SemanticCacheFlush, ByAgentAcrossTenants) {
  EXPECT_EQ(cache_.flush("", "a1"), 4);
  EXPECT_EQ(cache_.stats().entries, 2);
  EXPECT_TRUE(ask(cache_, "What are your opening hours?", 0.9, "t1", "a2"));
  EXPECT_TRUE(ask(cache_, "What are your opening hours?", 0.9, "t2", "a11"));
}

TEST_F(SemanticCacheFlush, Everything) {
  EXPECT_EQ(cache_.flush("", ""), 6);
  EXPECT_EQ(cache_.stats().entries, 0);
  EXPECT_FALSE(ask(cache_, "What are your opening hours?", 0.5));
}

TEST_F(SemanticCacheFlush, UnknownTenantRemovesNothing) {
  EXPECT_EQ(cache_.flush("t3", ""), 0);
  EXPECT_EQ(cache_.flush("t", "a1"), 0);
  EXPECT_EQ(cache_.stats().entries, 6);
}

// --- load from the store

std::unique_ptr<store::Store> open_store(const std::string& path) {
  auto opened = store::open_sqlite(path);
  if (!opened.ok()) throw std::runtime_error("open failed: " + opened.status().message());
  return std::move(opened).value();
}

TEST(SemanticCacheLoad, FillsTheCacheFromTheStore) {
  TempDir dir;
  auto store = open_store(dir.file("brainstem.db"));
  ASSERT_TRUE(run_sync(store->put_cache_entry(entry("e1", "What are your opening hours?", "9 to 5"))).is_ok());
  ASSERT_TRUE(run_sync(store->put_cache_entry(entry("e2", "What is my balance?", "$10", "t1", "a1", "cust_1"))).is_ok());
  ASSERT_TRUE(run_sync(store->put_cache_entry(entry("e3", "Do you deliver to Canada?", "Yes", "t2", "a9"))).is_ok());

  SemanticCache cache;
  Status s = cache.load(*store);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(cache.stats().entries, 3);
  EXPECT_EQ(cache.stats("t1").entries, 2);

  auto hit = ask(cache, "what are your opening hours", 0.9);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->id, "e1");
  EXPECT_EQ(hit->answer, "9 to 5");
  // The stored embedding round-trips: a similar (not identical) question still hits.
  auto similar = ask(cache, "What are your opening hours on Sunday?", 0.5);
  ASSERT_TRUE(similar);
  EXPECT_EQ(similar->id, "e1");
  EXPECT_LT(similar->similarity, 1.0);

  EXPECT_TRUE(ask(cache, "What is my balance?", 0.9, "t1", "a1", "cust_1"));
  EXPECT_FALSE(ask(cache, "What is my balance?", 0.9, "t1", "a1", "cust_2"));
  EXPECT_TRUE(ask(cache, "Do you deliver to Canada?", 0.9, "t2", "a9"));
}

TEST(SemanticCacheLoad, SurvivesAReopenAndKeepsTheLimit) {
  TempDir dir;
  const std::string path = dir.file("brainstem.db");
  {
    auto store = open_store(path);
    ASSERT_TRUE(run_sync(store->put_cache_entry(entry("e1", "What are your opening hours?", "1"))).is_ok());
    ASSERT_TRUE(run_sync(store->put_cache_entry(entry("e2", "Do you deliver to Canada?", "2"))).is_ok());
    ASSERT_TRUE(run_sync(store->put_cache_entry(entry("e3", "Can I pay by card?", "3"))).is_ok());
  }
  auto store = open_store(path);
  SemanticCache cache(2);
  ASSERT_TRUE(cache.load(*store).is_ok());
  EXPECT_EQ(cache.stats().entries, 2);
  EXPECT_FALSE(ask(cache, "What are your opening hours?", 0.99));  // the oldest went
  EXPECT_EQ(answer(cache, "Can I pay by card?", 0.99), "3");
}

TEST(SemanticCacheLoad, EmptyStoreLoadsNothing) {
  TempDir dir;
  auto store = open_store(dir.file("brainstem.db"));
  SemanticCache cache;
  ASSERT_TRUE(cache.load(*store).is_ok());
  EXPECT_EQ(cache.stats().entries, 0);
}

}  // namespace
