#include "knowledge/turn_index.h"

#include "common/run_sync.h"
#include "store/sqlite/sqlite_engine.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::knowledge;

store::Turn turn(const std::string& id, const std::string& content, const std::string& session = "s1",
                 const std::string& customer = "c1", const std::string& agent = "a1", const std::string& metadata = "{}") {
  store::Turn t;
  t.id = id;
  t.tenant_id = "t1";
  t.agent_id = agent;
  t.session_id = session;
  t.customer_id = customer;
  t.role = "user";
  t.content = content;
  t.metadata = metadata;
  t.created_at = 1000;
  return t;
}

std::vector<std::string> ids(const std::vector<TurnHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.turn.id);
  return out;
}

class TurnIndexTest : public ::testing::Test {
 protected:
  void add(std::vector<store::Turn> turns) {
    index_.add(std::move(turns));
    index_.wait_idle();
  }
  std::vector<TurnHit> search(const std::string& text, SearchMode mode = SearchMode::kHybrid) {
    return index_.search(TurnQuery{.tenant_id = "t1", .text = text, .mode = mode});
  }

  models::HashedEmbedder embedder_;
  TurnIndex index_{embedder_};
};

TEST(TurnSearchText, NamesTheSpeakerAndTheSessionDateTheMetadataGivesElseTheRole) {
  EXPECT_EQ(turn_search_text(turn("x", "I went hiking")), "user: I went hiking");
  EXPECT_EQ(turn_search_text(turn("x", "I went hiking", "s1", "c1", "a1",
                                  R"({"speaker":"Caroline","session_date":"8 May 2023"})")),
            "Caroline: I went hiking (8 May 2023)");
  EXPECT_EQ(turn_search_text(turn("x", "hi", "s1", "c1", "a1", R"({"name":"Mel","date":"2023-05-08"})")),
            "Mel: hi (2023-05-08)");
  EXPECT_EQ(turn_search_text(turn("x", "hi", "s1", "c1", "a1", "not json")), "user: hi");
}

TEST_F(TurnIndexTest, KeywordsFindTheTurnThatSharesTheQuerysWordsBestFirst) {
  add({turn("t-hike", "We went hiking in the mountains last weekend"), turn("t-cook", "I cooked pasta for dinner"),
       turn("t-both", "Hiking then dinner with friends")});
  auto hits = search("mountains hiking", SearchMode::kKeyword);
  ASSERT_EQ(ids(hits), (std::vector<std::string>{"t-hike", "t-both"}));
  EXPECT_GT(hits[0].keyword_score, hits[1].keyword_score);
  EXPECT_EQ(hits[0].similarity, 0);
  EXPECT_EQ(hits[0].turn.content, "We went hiking in the mountains last weekend");
  EXPECT_EQ(hits[0].turn.session_id, "s1");
}

TEST_F(TurnIndexTest, TheSpeakerNamedInMetadataMakesTheTurnFindableByName) {
  add({turn("t-1", "I adopted a puppy", "s1", "c1", "a1", R"({"speaker":"Caroline"})"),
       turn("t-2", "I adopted a kitten", "s1", "c1", "a1", R"({"speaker":"Melanie"})")});
  auto hits = search("what did Caroline adopt", SearchMode::kKeyword);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].turn.id, "t-1");
}

TEST_F(TurnIndexTest, AQuestionThatNamesASpeakerRanksThatSpeakersTurnsFirst) {
  add({turn("mel-1", "my daughter loves her violin lessons, she practices every day", "s1", "c1", "a1",
            R"({"speaker":"Melanie"})"),
       turn("car-1", "I signed up for cello lessons on Tuesday", "s1", "c1", "a1", R"({"speaker":"Caroline"})")});
  auto unnamed = search("violin lessons practice", SearchMode::kKeyword);
  ASSERT_EQ(ids(unnamed), (std::vector<std::string>{"mel-1", "car-1"}));
  auto named = search("What lessons did caroline sign up for? violin lessons practice", SearchMode::kKeyword);
  ASSERT_EQ(ids(named), (std::vector<std::string>{"car-1", "mel-1"}));
  EXPECT_EQ(named[0].turn.speaker, "Caroline");
  // A name inside another word names no one.
  auto inside = search("carolinesque violin lessons practice", SearchMode::kKeyword);
  EXPECT_EQ(ids(inside).front(), "mel-1");
}

TEST_F(TurnIndexTest, VectorsFindWordingThatKeywordsMiss) {
  add({turn("t-typo", "my resevation number is 4411"), turn("t-other", "the weather is nice today")});
  EXPECT_TRUE(search("reservation", SearchMode::kKeyword).empty());
  auto hits = search("reservation", SearchMode::kVector);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].turn.id, "t-typo");
  EXPECT_GT(hits[0].similarity, 0);
  auto hybrid = search("reservation");
  ASSERT_FALSE(hybrid.empty());
  EXPECT_EQ(hybrid[0].turn.id, "t-typo");
}

TEST_F(TurnIndexTest, FiltersKeepTheCustomerAndTheAgentAndLeaveTheExcludedSessionOut) {
  add({turn("mine-old", "refund for the blue jacket", "s-old", "c1", "a1"),
       turn("mine-now", "refund for the blue jacket", "s-now", "c1", "a1"),
       turn("other-customer", "refund for the blue jacket", "s-x", "c2", "a1"),
       turn("other-agent", "refund for the blue jacket", "s-y", "c1", "a2")});
  TurnQuery q{.tenant_id = "t1", .text = "blue jacket refund", .customer_id = "c1", .agent_id = "a1",
              .exclude_session_id = "s-now"};
  EXPECT_EQ(ids(index_.search(q)), (std::vector<std::string>{"mine-old"}));
  q.agent_id.clear();
  auto any_agent = ids(index_.search(q));
  std::sort(any_agent.begin(), any_agent.end());
  EXPECT_EQ(any_agent, (std::vector<std::string>{"mine-old", "other-agent"}));
}

TEST_F(TurnIndexTest, ATenantSeesOnlyItsOwnTurns) {
  auto foreign = turn("t2-turn", "the secret launch plan");
  foreign.tenant_id = "t2";
  add({foreign});
  EXPECT_TRUE(search("secret launch plan").empty());
  auto own = index_.search(TurnQuery{.tenant_id = "t2", .text = "secret launch plan"});
  EXPECT_EQ(ids(own), (std::vector<std::string>{"t2-turn"}));
  EXPECT_EQ(index_.size(), 1u);
}

TEST_F(TurnIndexTest, ATurnAddedTwiceIsIndexedOnce) {
  add({turn("t-1", "a pottery class on Tuesday")});
  add({turn("t-1", "a pottery class on Tuesday"), turn("t-2", "pottery again")});
  EXPECT_EQ(index_.size(), 2u);
  EXPECT_EQ(search("pottery", SearchMode::kKeyword).size(), 2u);
}

TEST_F(TurnIndexTest, MinimumSimilarityDropsWordingThatIsNotAlike) {
  add({turn("t-1", "the quarterly invoice was paid")});
  TurnQuery q{.tenant_id = "t1", .text = "zebra giraffe safari", .mode = SearchMode::kVector, .min_similarity = 0.3};
  EXPECT_TRUE(index_.search(q).empty());
  q.min_similarity = 0;
  EXPECT_FALSE(index_.search(q).empty());  // the nearest neighbour, however far
}

TEST(TurnIndexLoad, RebuildsFromTheStoreSoTurnsWrittenBeforeAStartAreFound) {
  auto opened = store::open_sqlite(":memory:");
  ASSERT_TRUE(opened.ok());
  auto& store = **opened;
  std::vector<store::Turn> turns;
  for (int i = 1; i <= 1200; ++i) turns.push_back(turn("turn-" + std::to_string(i), "note number " + std::to_string(i)));
  turns.back().content = "the violin lesson moved to Thursday";
  ASSERT_TRUE(run_sync(store.append_turns(turns)).ok());

  models::HashedEmbedder embedder;
  TurnIndex index(embedder);
  ASSERT_TRUE(index.load(store).is_ok());
  EXPECT_EQ(index.size(), 1200u);
  auto hits = index.search(TurnQuery{.tenant_id = "t1", .text = "violin lesson", .limit = 1});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].turn.id, "turn-1200");
  // Among 1,199 turns alike, the one unlike them is still the nearest by wording.
  auto by_wording = index.search(TurnQuery{.tenant_id = "t1", .text = "violin lesson", .mode = SearchMode::kVector, .limit = 1});
  ASSERT_EQ(by_wording.size(), 1u);
  EXPECT_EQ(by_wording[0].turn.id, "turn-1200");
}

}  // namespace

namespace {

TEST(TurnIndexDisabled, TakesNothingInAndFindsNothing) {
  brainstem::models::HashedEmbedder embedder;
  brainstem::knowledge::TurnIndex index(embedder, /*enabled=*/false);
  index.add({turn("t-1", "the pottery class")});
  index.wait_idle();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.search(brainstem::knowledge::TurnQuery{.tenant_id = "t1", .text = "pottery"}).empty());
}

}  // namespace
