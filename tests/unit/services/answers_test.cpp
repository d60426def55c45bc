// The semantic cache as a tenant manages it: warming, flushing, counting.
#include "services/services_fixture.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using test_support::ServicesTest;

class AnswersTest : public ServicesTest {
 protected:
  // The pipeline's lookup of a question for a customer of the agent at similarity 0.9.
  std::optional<pipeline::CacheHit> lookup(const std::string& tenant, const std::string& agent,
                                           const std::string& question) {
    auto normalised = pipeline::SemanticCache::normalise(question);
    auto embedding = embedder_.embed_one(normalised);
    return semantic_cache_.lookup(tenant, agent, "cust_1", normalised,
                                  [&]() -> const std::vector<float>& { return embedding; }, 0.9);
  }
};

TEST_F(AnswersTest, WarmedPairsAnswerThePipelinesLookupAndAreStored) {
  auto agent = add_agent("t1");
  auto stored = run_sync(answers_.warm("t1", agent.id,
                                       {{"What are your opening hours?", "9 to 5"}, {"", "no question"}, {"No answer", ""}}));
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_EQ(*stored, 1) << "pairs missing a question or an answer are skipped";
  auto hit = lookup("t1", agent.id, "what are your opening hours");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->answer, "9 to 5");
  EXPECT_EQ(stored_answers(), std::vector<std::string>{"t1/" + agent.id + ": What are your opening hours?"});
  EXPECT_EQ(answers_.stats("t1").entries, 1);
  EXPECT_EQ(answers_.stats("t2").entries, 0);
}

TEST_F(AnswersTest, WarmingAnotherTenantsAgentIsNotFoundAndStoresNothing) {
  auto agent = add_agent("t1");
  auto stored = run_sync(answers_.warm("t2", agent.id, {{"Question?", "Answer"}}));
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(stored_answers().empty());
  EXPECT_FALSE(lookup("t2", agent.id, "Question?").has_value());
}

TEST_F(AnswersTest, FlushingOneAgentLeavesTheOthersAndOtherTenants) {
  auto first = add_agent("t1");
  auto second = add_agent("t1");
  auto theirs = add_agent("t2");
  ASSERT_TRUE(run_sync(answers_.warm("t1", first.id, {{"One?", "1"}, {"Two?", "2"}})).ok());
  ASSERT_TRUE(run_sync(answers_.warm("t1", second.id, {{"Three?", "3"}})).ok());
  ASSERT_TRUE(run_sync(answers_.warm("t2", theirs.id, {{"Four?", "4"}})).ok());

  auto deleted = run_sync(answers_.flush("t1", first.id));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  EXPECT_FALSE(lookup("t1", first.id, "One?").has_value());
  EXPECT_TRUE(lookup("t1", second.id, "Three?").has_value());
  EXPECT_EQ(invalidation_.published(), std::vector<std::string>{"answers t1/" + first.id});

  deleted = run_sync(answers_.flush("t1", ""));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1) << "every agent of the tenant";
  EXPECT_FALSE(lookup("t1", second.id, "Three?").has_value());
  EXPECT_TRUE(lookup("t2", theirs.id, "Four?").has_value());
  EXPECT_EQ(stored_answers(), std::vector<std::string>{"t2/" + theirs.id + ": Four?"});
}

}  // namespace
