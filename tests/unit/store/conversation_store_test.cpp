// Conformance suite of store::ConversationStore's recall: the session's last turns and the
// customer's facts an agent reads before it answers. Every engine in conformance.h runs it.
#include "common/run_sync.h"
#include "conformance.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;
using brainstem::test_support::Engines;

template <class Engine>
class ConversationStoreConformance : public brainstem::test_support::StoreConformance<Engine> {
 protected:
  void append(const std::string& tenant, const std::string& agent, const std::string& session, int count) {
    std::vector<Turn> turns;
    for (int i = 1; i <= count; ++i) {
      Turn t;
      t.id = "turn_" + tenant + agent + session + std::to_string(i);
      t.tenant_id = tenant;
      t.agent_id = agent;
      t.session_id = session;
      t.role = i % 2 ? "user" : "assistant";
      t.content = "message " + std::to_string(i);
      t.created_at = 1000 + i;
      turns.push_back(t);
    }
    auto stored = run_sync(this->store_->append_turns(turns));
    ASSERT_TRUE(stored.ok()) << stored.status().message();
  }

  void save_fact(const std::string& tenant, const std::string& customer, const std::string& agent,
                 const std::string& text, double confidence) {
    MemoryFact f;
    f.id = "fact_" + tenant + customer + text;
    f.tenant_id = tenant;
    f.customer_id = customer;
    f.agent_id = agent;
    f.fact = text;
    f.confidence = confidence;
    f.created_at = f.updated_at = 1000;
    auto saved = run_sync(this->store_->save_fact(f));
    ASSERT_TRUE(saved.ok()) << saved.status().message();
  }

  Recall recall(const std::string& tenant, const std::string& agent, const std::string& session, int turns,
                const std::string& customer) {
    RecallQuery q{tenant, agent, session, turns, customer};
    auto recalled = run_sync(this->store_->recall(q));
    EXPECT_TRUE(recalled.ok()) << recalled.status().message();
    return recalled.ok() ? *recalled : Recall{};
  }
};
TYPED_TEST_SUITE(ConversationStoreConformance, Engines);

std::vector<std::string> contents(const std::vector<Turn>& turns) {
  std::vector<std::string> out;
  for (const auto& t : turns) out.push_back(t.content);
  return out;
}

std::vector<std::string> texts(const std::vector<MemoryFact>& facts) {
  std::vector<std::string> out;
  for (const auto& f : facts) out.push_back(f.fact);
  return out;
}

TYPED_TEST(ConversationStoreConformance, RecallReadsTheLastTurnsOldestFirstAndTheFactsTheAgentMaySee) {
  this->append("t1", "a1", "s1", 5);
  this->save_fact("t1", "cust_1", "", "likes tea", 0.9);
  this->save_fact("t1", "cust_1", "a1", "prefers email", 0.8);
  this->save_fact("t1", "cust_1", "a2", "another agent's", 1.0);

  Recall r = this->recall("t1", "a1", "s1", 3, "cust_1");
  EXPECT_EQ(contents(r.turns), (std::vector<std::string>{"message 3", "message 4", "message 5"}));
  EXPECT_EQ(texts(r.facts), (std::vector<std::string>{"likes tea", "prefers email"}));
}

TYPED_TEST(ConversationStoreConformance, RecallAsksForWhatTheQueryNames) {
  this->append("t1", "a1", "s1", 2);
  this->save_fact("t1", "cust_1", "", "likes tea", 0.9);

  Recall no_customer = this->recall("t1", "a1", "s1", 10, "");
  EXPECT_EQ(no_customer.turns.size(), 2u);
  EXPECT_TRUE(no_customer.facts.empty());
  Recall no_turns = this->recall("t1", "a1", "s1", 0, "cust_1");
  EXPECT_TRUE(no_turns.turns.empty());
  EXPECT_EQ(texts(no_turns.facts), std::vector<std::string>{"likes tea"});
}

TYPED_TEST(ConversationStoreConformance, RecallOfANewSessionAndCustomerIsEmpty) {
  this->append("t1", "a1", "s1", 2);
  Recall r = this->recall("t1", "a1", "s-new", 10, "cust-new");
  EXPECT_TRUE(r.turns.empty());
  EXPECT_TRUE(r.facts.empty());
}

TYPED_TEST(ConversationStoreConformance, RecallStaysWithinTheTenantAndTheAgent) {
  this->append("t1", "a1", "s1", 2);
  this->save_fact("t1", "cust_1", "", "likes tea", 0.9);

  Recall other_tenant = this->recall("t2", "a1", "s1", 10, "cust_1");
  EXPECT_TRUE(other_tenant.turns.empty());
  EXPECT_TRUE(other_tenant.facts.empty());
  Recall other_agent = this->recall("t1", "a2", "s1", 10, "");
  EXPECT_TRUE(other_agent.turns.empty());
}

TYPED_TEST(ConversationStoreConformance, ScanTurnsVisitsEveryTenantsTurnsInTheOrderWrittenAndStopsWhenAsked) {
  this->append("t1", "a1", "s1", 300);
  this->append("t2", "a1", "s1", 300);
  this->append("t1", "a2", "s2", 300);
  std::vector<std::string> seen;
  ASSERT_TRUE(run_sync(this->store_->scan_turns([&](const Turn& t) {
    seen.push_back(t.id);
    return true;
  })).is_ok());
  ASSERT_EQ(seen.size(), 900u);  // more than one scan batch
  EXPECT_EQ(seen.front(), "turn_t1a1s11");
  EXPECT_EQ(seen[300], "turn_t2a1s11");
  EXPECT_EQ(seen.back(), "turn_t1a2s2300");

  Turn first;
  size_t visited = 0;
  ASSERT_TRUE(run_sync(this->store_->scan_turns([&](const Turn& t) {
    if (visited++ == 0) first = t;
    return visited < 501;
  })).is_ok());
  EXPECT_EQ(visited, 501u);
  EXPECT_EQ(first.tenant_id, "t1");
  EXPECT_EQ(first.session_id, "s1");
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(first.content, "message 1");
}

TYPED_TEST(ConversationStoreConformance, AFactOfASubjectSupersedesTheCurrentOneWhichStaysAsHistory) {
  auto save = [&](const std::string& id, const std::string& text, const std::string& subject, int64_t at) {
    MemoryFact f;
    f.id = id;
    f.tenant_id = "t1";
    f.customer_id = "cust_1";
    f.fact = text;
    f.subject = subject;
    f.created_at = f.updated_at = at;
    auto saved = run_sync(this->store_->save_fact(f));
    EXPECT_TRUE(saved.ok()) << saved.status().message();
    return saved.ok() ? *saved : MemoryFact{};
  };
  auto current = [&] {
    std::vector<std::string> texts;
    for (const auto& f : this->recall("t1", "a1", "", 0, "cust_1").facts) texts.push_back(f.fact);
    std::sort(texts.begin(), texts.end());
    return texts;
  };
  save("f-lisbon", "Lives in Lisbon", "residence", 1000);
  save("f-jazz", "Likes jazz", "", 1001);
  MemoryFact porto = save("f-porto", "Lives in Porto", "residence", 1002);
  EXPECT_EQ(porto.superseded_by, "");
  EXPECT_EQ(current(), (std::vector<std::string>{"Likes jazz", "Lives in Porto"}));

  auto history = run_sync(this->store_->fact_history("t1", "cust_1"));
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  auto lisbon = std::find_if(history->begin(), history->end(), [](const MemoryFact& f) { return f.id == "f-lisbon"; });
  ASSERT_NE(lisbon, history->end());
  EXPECT_EQ(lisbon->superseded_by, "f-porto");
  EXPECT_EQ(lisbon->subject, "residence");

  // Moving back: the old fact is current again and supersedes the one that replaced it.
  MemoryFact back = save("f-new-id", "lives in lisbon", "residence", 1003);
  EXPECT_EQ(back.id, "f-lisbon");
  EXPECT_EQ(back.superseded_by, "");
  EXPECT_EQ(current(), (std::vector<std::string>{"Likes jazz", "Lives in Lisbon"}));
  // Another customer's and another tenant's facts of the same subject are left alone.
  MemoryFact other;
  other.id = "f-other";
  other.tenant_id = "t1";
  other.customer_id = "cust_2";
  other.fact = "Lives in Rome";
  other.subject = "residence";
  ASSERT_TRUE(run_sync(this->store_->save_fact(other)).ok());
  EXPECT_EQ(current(), (std::vector<std::string>{"Likes jazz", "Lives in Lisbon"}));
}

TYPED_TEST(ConversationStoreConformance, GetTurnsReadsTheTenantsTurnsAmongTheIdsGiven) {
  this->append("t1", "a1", "s1", 3);
  this->append("t2", "a1", "s1", 1);
  auto turns = run_sync(this->store_->get_turns("t1", {"turn_t1a1s11", "turn_t1a1s13", "turn_t2a1s11", "missing"}));
  ASSERT_TRUE(turns.ok()) << turns.status().message();
  std::vector<std::string> found;
  for (const auto& t : *turns) found.push_back(t.id + "=" + t.content);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"turn_t1a1s11=message 1", "turn_t1a1s13=message 3"}));
  auto none = run_sync(this->store_->get_turns("t1", {}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(ConversationStoreConformance, AFactMaySupersedeANamedFactOfTheSameCustomer) {
  auto fact = [](const std::string& id, const std::string& customer, const std::string& text) {
    MemoryFact f;
    f.id = id;
    f.tenant_id = "t1";
    f.customer_id = customer;
    f.fact = text;
    return f;
  };
  ASSERT_TRUE(run_sync(this->store_->save_fact(fact("f-giza", "cust_1", "Owns a bakery in Giza"))).ok());
  ASSERT_TRUE(run_sync(this->store_->save_fact(fact("f-other", "cust_2", "Owns a shop"))).ok());
  auto moved = fact("f-alex", "cust_1", "Owns a bakery in Alexandria");
  moved.supersedes = "f-giza";
  ASSERT_TRUE(run_sync(this->store_->save_fact(moved)).ok());
  auto current = this->recall("t1", "a1", "", 0, "cust_1").facts;
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].fact, "Owns a bakery in Alexandria");
  auto history = run_sync(this->store_->fact_history("t1", "cust_1"));
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->back().superseded_by, "f-alex");

  // Another customer's fact is not superseded, whatever id is named.
  auto stray = fact("f-stray", "cust_1", "Has a dog");
  stray.supersedes = "f-other";
  ASSERT_TRUE(run_sync(this->store_->save_fact(stray)).ok());
  EXPECT_EQ(this->recall("t1", "a1", "", 0, "cust_2").facts.size(), 1u);
}

}  // namespace
