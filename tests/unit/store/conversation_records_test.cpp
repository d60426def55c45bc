// Conformance suite of store::ConversationStore's records: agents, customers, sessions and
// their turns, customer facts, the semantic cache and grouped conversation writes. Every engine
// in conformance.h runs it.
#include "common/run_sync.h"
#include "conformance.h"
#include "records.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;
using namespace brainstem::test_support;

template <class Engine>
class ConversationRecordsConformance : public StoreConformance<Engine> {
 protected:
  void create_agent(const Agent& agent) {
    Status s = run_sync(this->store_->create_agent(agent));
    ASSERT_TRUE(s.is_ok()) << s.message();
  }

  Customer upsert(const Customer& customer) {
    auto stored = run_sync(this->store_->upsert_customer(customer));
    if (!stored.ok()) throw std::runtime_error("upsert failed: " + stored.status().message());
    return *stored;
  }

  std::vector<Turn> append(std::vector<Turn> turns) {
    auto stored = run_sync(this->store_->append_turns(std::move(turns)));
    if (!stored.ok()) throw std::runtime_error("append failed: " + stored.status().message());
    return *stored;
  }

  MemoryFact save(const MemoryFact& fact) {
    auto stored = run_sync(this->store_->save_fact(fact));
    if (!stored.ok()) throw std::runtime_error("save_fact failed: " + stored.status().message());
    return *stored;
  }
};
TYPED_TEST_SUITE(ConversationRecordsConformance, Engines);

TYPED_TEST(ConversationRecordsConformance, AgentRoundTrip) {
  Agent agent = make_agent("a1", "t1");
  agent.status = "draft";
  this->create_agent(agent);
  auto got = run_sync(this->store_->get_agent("t1", "a1"));
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, "a1");
  EXPECT_EQ(got->tenant_id, "t1");
  EXPECT_EQ(got->name, "Agent a1");
  EXPECT_EQ(got->status, "draft");
  EXPECT_EQ(got->config, R"({"personality":"calm"})");
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 1000);
}

TYPED_TEST(ConversationRecordsConformance, DuplicateAgentIdConflicts) {
  this->create_agent(make_agent("a1", "t1"));
  EXPECT_EQ(run_sync(this->store_->create_agent(make_agent("a1", "t2"))).code(), StatusCode::kConflict);
}

TYPED_TEST(ConversationRecordsConformance, AgentOfMissingTenantIsNotFound) {
  Status s = run_sync(this->store_->create_agent(make_agent("a1", "nope")));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "tenant not found");
}

TYPED_TEST(ConversationRecordsConformance, GetAgentIsTenantScopedButFindAgentIsNot) {
  this->create_agent(make_agent("a1", "t1"));
  EXPECT_EQ(run_sync(this->store_->get_agent("t2", "a1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_agent("t1", "missing")).status().code(), StatusCode::kNotFound);
  auto found = run_sync(this->store_->find_agent("a1"));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->tenant_id, "t1");
  EXPECT_EQ(run_sync(this->store_->find_agent("missing")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(ConversationRecordsConformance, ListAgentsNewestFirstPerTenant) {
  this->create_agent(make_agent("a_old", "t1", 1000));
  this->create_agent(make_agent("a_new", "t1", 3000));
  this->create_agent(make_agent("a_mid", "t1", 2000));
  this->create_agent(make_agent("a_other", "t2", 5000));
  auto agents = run_sync(this->store_->list_agents("t1"));
  ASSERT_TRUE(agents.ok());
  EXPECT_EQ(ids_of(*agents), (std::vector<std::string>{"a_new", "a_mid", "a_old"}));
  EXPECT_TRUE(run_sync(this->store_->list_agents("t3"))->empty());
}

TYPED_TEST(ConversationRecordsConformance, UpdateAgentReplacesFieldsAndBumpsVersion) {
  this->create_agent(make_agent("a1", "t1"));
  Agent change = make_agent("a1", "t1", 99);
  change.name = "Renamed";
  change.status = "paused";
  change.config = R"({"personality":"bold"})";
  auto updated = run_sync(this->store_->update_agent(change));
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->name, "Renamed");
  EXPECT_EQ(updated->status, "paused");
  EXPECT_EQ(updated->config, R"({"personality":"bold"})");
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->created_at, 1000);
  EXPECT_GT(updated->updated_at, 1000);

  auto again = run_sync(this->store_->update_agent(change));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 3);
  EXPECT_EQ(run_sync(this->store_->get_agent("t1", "a1"))->version, 3);
}

TYPED_TEST(ConversationRecordsConformance, UpdateAgentOfOtherTenantIsNotFound) {
  this->create_agent(make_agent("a1", "t1"));
  Agent change = make_agent("a1", "t2");
  change.name = "Hijacked";
  EXPECT_EQ(run_sync(this->store_->update_agent(change)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->update_agent(make_agent("missing", "t1"))).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_agent("t1", "a1"))->name, "Agent a1");
  EXPECT_EQ(run_sync(this->store_->get_agent("t1", "a1"))->version, 1);
}

TYPED_TEST(ConversationRecordsConformance, DeleteAgent) {
  this->create_agent(make_agent("a1", "t1"));
  EXPECT_EQ(run_sync(this->store_->delete_agent("t2", "a1")).code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(this->store_->delete_agent("t1", "a1")).is_ok());
  EXPECT_EQ(run_sync(this->store_->get_agent("t1", "a1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->delete_agent("t1", "a1")).code(), StatusCode::kNotFound);
}

TYPED_TEST(ConversationRecordsConformance, UpsertCreatesCustomer) {
  Customer c = make_customer("cust_1");
  c.email = "Ada@Example.COM";
  c.phone = "+14155550100";
  c.name = "Ada";
  c.external_id = "crm-1";
  c.tags = {"vip", "beta"};
  c.metadata = R"({"plan":"gold"})";
  Customer stored = this->upsert(c);
  EXPECT_EQ(stored.id, "cust_1");
  EXPECT_EQ(stored.email, "ada@example.com");

  auto got = run_sync(this->store_->get_customer("t1", "cust_1"));
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->tenant_id, "t1");
  EXPECT_EQ(got->email, "ada@example.com");
  EXPECT_EQ(got->phone, "+14155550100");
  EXPECT_EQ(got->name, "Ada");
  EXPECT_EQ(got->external_id, "crm-1");
  EXPECT_EQ(got->tags, (std::vector<std::string>{"vip", "beta"}));
  EXPECT_EQ(got->metadata, R"({"plan":"gold"})");
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 1000);
}

TYPED_TEST(ConversationRecordsConformance, UpsertNeedsIdAndObjectMetadata) {
  EXPECT_EQ(run_sync(this->store_->upsert_customer(make_customer(""))).status().code(), StatusCode::kInvalidArgument);
  Customer c = make_customer("cust_1");
  c.metadata = "[1]";
  EXPECT_EQ(run_sync(this->store_->upsert_customer(c)).status().code(), StatusCode::kInvalidArgument);
  c.metadata = "";
  auto stored = run_sync(this->store_->upsert_customer(c));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->metadata, "{}");
}

TYPED_TEST(ConversationRecordsConformance, UpsertMergesIntoCustomerWithSameId) {
  Customer first = make_customer("cust_1");
  first.email = "ada@example.com";
  first.name = "Ada";
  first.tags = {"vip", "beta"};
  first.metadata = R"({"plan":"gold","seats":3})";
  this->upsert(first);

  Customer second = make_customer("cust_1");
  second.phone = "+14155550100";
  second.name = "Ada Lovelace";
  second.tags = {"beta", "churn-risk"};
  second.metadata = R"({"seats":5,"region":"eu"})";
  second.updated_at = 2000;
  Customer merged = this->upsert(second);

  EXPECT_EQ(merged.email, "ada@example.com");
  EXPECT_EQ(merged.phone, "+14155550100");
  EXPECT_EQ(merged.name, "Ada Lovelace");
  EXPECT_EQ(merged.tags, (std::vector<std::string>{"vip", "beta", "churn-risk"}));
  EXPECT_EQ(merged.metadata, R"({"plan":"gold","seats":5,"region":"eu"})");
  EXPECT_EQ(merged.created_at, 1000);
  EXPECT_EQ(merged.updated_at, 2000);

  auto got = run_sync(this->store_->get_customer("t1", "cust_1"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->phone, merged.phone);
  EXPECT_EQ(got->tags, merged.tags);
  EXPECT_EQ(got->metadata, merged.metadata);
  EXPECT_EQ(got->updated_at, 2000);
}

TYPED_TEST(ConversationRecordsConformance, UpsertMatchesByEmailPhoneOrExternalId) {
  Customer by_email = make_customer("cust_e");
  by_email.email = "e@example.com";
  this->upsert(by_email);
  Customer by_phone = make_customer("cust_p");
  by_phone.phone = "+100";
  this->upsert(by_phone);
  Customer by_external = make_customer("cust_x");
  by_external.external_id = "crm-9";
  this->upsert(by_external);

  Customer a = make_customer("new_1");
  a.email = "E@Example.com";
  a.name = "Emma";
  EXPECT_EQ(this->upsert(a).id, "cust_e");
  Customer b = make_customer("new_2");
  b.phone = "+100";
  b.name = "Paul";
  EXPECT_EQ(this->upsert(b).id, "cust_p");
  Customer c = make_customer("new_3");
  c.external_id = "crm-9";
  c.name = "Xavier";
  EXPECT_EQ(this->upsert(c).id, "cust_x");

  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_e"))->name, "Emma");
  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_p"))->name, "Paul");
  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_x"))->name, "Xavier");
  for (const char* id : {"new_1", "new_2", "new_3"}) {
    EXPECT_EQ(run_sync(this->store_->get_customer("t1", id)).status().code(), StatusCode::kNotFound);
  }
}

TYPED_TEST(ConversationRecordsConformance, UpsertMatchesIdBeforeEmail) {
  Customer holder = make_customer("cust_1");
  holder.email = "taken@example.com";
  this->upsert(holder);
  this->upsert(make_customer("cust_2"));

  // Matched by id, cust_2 would take an email cust_1 has: a conflict, and nothing changes.
  Customer clash = make_customer("cust_2");
  clash.email = "taken@example.com";
  clash.name = "Clash";
  EXPECT_EQ(run_sync(this->store_->upsert_customer(clash)).status().code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_2"))->name, "");
  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_1"))->email, "taken@example.com");
}

TYPED_TEST(ConversationRecordsConformance, CustomersAreTenantScoped) {
  Customer one = make_customer("cust_1", "t1");
  one.email = "same@example.com";
  one.name = "In t1";
  this->upsert(one);
  Customer two = make_customer("cust_2", "t2");
  two.email = "same@example.com";
  two.name = "In t2";
  EXPECT_EQ(this->upsert(two).id, "cust_2");
  EXPECT_EQ(run_sync(this->store_->get_customer("t2", "cust_1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_1"))->name, "In t1");
  EXPECT_EQ(run_sync(this->store_->upsert_customer(make_customer("cust_3", "nope"))).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(ConversationRecordsConformance, AppendTurnsAssignsSeqAndCreatesSession) {
  auto stored = this->append({make_turn("turn_1", "s1", 1000), make_turn("turn_2", "s1", 1500, "cust_1")});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].seq, 1);
  EXPECT_EQ(stored[1].seq, 2);

  auto session = run_sync(this->store_->get_session("t1", "a1", "s1"));
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ(session->tenant_id, "t1");
  EXPECT_EQ(session->agent_id, "a1");
  EXPECT_EQ(session->id, "s1");
  EXPECT_EQ(session->customer_id, "cust_1");
  EXPECT_EQ(session->turn_count, 2);
  EXPECT_EQ(session->created_at, 1000);
  EXPECT_EQ(session->updated_at, 1500);

  auto more = this->append({make_turn("turn_3", "s1", 2000, "cust_other")});
  EXPECT_EQ(more[0].seq, 3);
  session = run_sync(this->store_->get_session("t1", "a1", "s1"));
  EXPECT_EQ(session->turn_count, 3);
  EXPECT_EQ(session->customer_id, "cust_1");
  EXPECT_EQ(session->created_at, 1000);
  EXPECT_EQ(session->updated_at, 2000);
}

TYPED_TEST(ConversationRecordsConformance, AnonymousSessionTakesItsFirstNamedCustomer) {
  this->append({make_turn("turn_1", "s1", 1000)});
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", "s1"))->customer_id, "");
  this->append({make_turn("turn_2", "s1", 2000, "cust_1")});
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", "s1"))->customer_id, "cust_1");
}

TYPED_TEST(ConversationRecordsConformance, AppendTurnsStoresEveryField) {
  Turn turn = make_turn("turn_1", "s1", 1000, "cust_1");
  turn.role = "assistant";
  turn.metadata = R"({"model":"llama"})";
  this->append({turn});
  auto turns = run_sync(this->store_->recent_turns("t1", "a1", "s1", 10));
  ASSERT_TRUE(turns.ok());
  ASSERT_EQ(turns->size(), 1u);
  const Turn& got = turns->front();
  EXPECT_EQ(got.id, "turn_1");
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.agent_id, "a1");
  EXPECT_EQ(got.session_id, "s1");
  EXPECT_EQ(got.seq, 1);
  EXPECT_EQ(got.role, "assistant");
  EXPECT_EQ(got.content, "content of turn_1");
  EXPECT_EQ(got.customer_id, "cust_1");
  EXPECT_EQ(got.tokens, 7);
  EXPECT_EQ(got.metadata, R"({"model":"llama"})");
  EXPECT_EQ(got.created_at, 1000);
}

TYPED_TEST(ConversationRecordsConformance, AppendNothingIsOk) {
  auto stored = run_sync(this->store_->append_turns({}));
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->empty());
}

TYPED_TEST(ConversationRecordsConformance, AppendTurnsOfTwoSessionsIsInvalid) {
  auto stored = run_sync(this->store_->append_turns({make_turn("turn_1", "s1", 1000), make_turn("turn_2", "s2", 1000)}));
  EXPECT_EQ(stored.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", "s1")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(ConversationRecordsConformance, AppendTurnsIsAllOrNothing) {
  this->append({make_turn("turn_1", "s1", 1000)});
  auto stored = run_sync(this->store_->append_turns({make_turn("turn_2", "s1", 2000), make_turn("turn_1", "s1", 2000)}));
  EXPECT_EQ(stored.status().code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", "s1"))->turn_count, 1);
  EXPECT_EQ(run_sync(this->store_->recent_turns("t1", "a1", "s1", 10))->size(), 1u);
  EXPECT_EQ(this->append({make_turn("turn_2", "s1", 2000)})[0].seq, 2);
}

TYPED_TEST(ConversationRecordsConformance, SameSessionIdUnderTwoAgentsIsTwoSessions) {
  this->append({make_turn("turn_1", "s1", 1000, "", "a1")});
  auto other = this->append({make_turn("turn_2", "s1", 1000, "", "a2")});
  EXPECT_EQ(other[0].seq, 1);
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", "s1"))->turn_count, 1);
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a2", "s1"))->turn_count, 1);
}

TYPED_TEST(ConversationRecordsConformance, RecentTurnsAreTheLastOnesOldestFirst) {
  std::vector<Turn> turns;
  for (int i = 1; i <= 5; ++i) turns.push_back(make_turn("turn_" + std::to_string(i), "s1", 1000 + i));
  this->append(turns);
  auto recent = run_sync(this->store_->recent_turns("t1", "a1", "s1", 3));
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(ids_of(*recent), (std::vector<std::string>{"turn_3", "turn_4", "turn_5"}));
  EXPECT_EQ(run_sync(this->store_->recent_turns("t1", "a1", "s1", 50))->size(), 5u);
  EXPECT_TRUE(run_sync(this->store_->recent_turns("t1", "a1", "s1", 0))->empty());
  EXPECT_TRUE(run_sync(this->store_->recent_turns("t2", "a1", "s1", 10))->empty());
  EXPECT_TRUE(run_sync(this->store_->recent_turns("t1", "a2", "s1", 10))->empty());
}

TYPED_TEST(ConversationRecordsConformance, GetSessionIsTenantScoped) {
  this->append({make_turn("turn_1", "s1", 1000)});
  EXPECT_EQ(run_sync(this->store_->get_session("t2", "a1", "s1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", "missing")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(ConversationRecordsConformance, ListSessionsMostRecentlyUpdatedFirst) {
  this->append({make_turn("turn_1", "s_old", 1000, "", "a1")});
  this->append({make_turn("turn_2", "s_new", 3000, "", "a1")});
  this->append({make_turn("turn_3", "s_other_agent", 2000, "", "a2")});
  this->append({make_turn("turn_4", "s_old", 4000, "", "a1")});  // s_old is now the most recent

  auto all = run_sync(this->store_->list_sessions("t1", "", 10));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ids_of(*all), (std::vector<std::string>{"s_old", "s_new", "s_other_agent"}));
  auto of_a1 = run_sync(this->store_->list_sessions("t1", "a1", 10));
  ASSERT_TRUE(of_a1.ok());
  EXPECT_EQ(ids_of(*of_a1), (std::vector<std::string>{"s_old", "s_new"}));
  EXPECT_EQ(ids_of(*run_sync(this->store_->list_sessions("t1", "", 1))), (std::vector<std::string>{"s_old"}));
  EXPECT_TRUE(run_sync(this->store_->list_sessions("t2", "", 10))->empty());
}

TYPED_TEST(ConversationRecordsConformance, SaveFactRoundTrip) {
  MemoryFact fact = make_fact("f1", "Prefers email", "a1", 0.75);
  fact.category = "preference";
  fact.source = "extracted";
  MemoryFact stored = this->save(fact);
  EXPECT_EQ(stored.id, "f1");
  auto facts = run_sync(this->store_->list_facts("t1", "cust_1", ""));
  ASSERT_TRUE(facts.ok());
  ASSERT_EQ(facts->size(), 1u);
  const MemoryFact& got = facts->front();
  EXPECT_EQ(got.id, "f1");
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.customer_id, "cust_1");
  EXPECT_EQ(got.agent_id, "a1");
  EXPECT_EQ(got.fact, "Prefers email");
  EXPECT_EQ(got.category, "preference");
  EXPECT_DOUBLE_EQ(got.confidence, 0.75);
  EXPECT_EQ(got.source, "extracted");
  EXPECT_EQ(got.created_at, 1000);
  EXPECT_EQ(got.updated_at, 1000);
}

TYPED_TEST(ConversationRecordsConformance, SameFactTextUpdatesTheStoredFact) {
  this->save(make_fact("f1", "Likes green tea"));
  MemoryFact again = make_fact("f2", "LIKES Green Tea", "", 0.9, 2000);
  again.category = "preference";
  again.source = "extracted";
  MemoryFact stored = this->save(again);
  EXPECT_EQ(stored.id, "f1");
  EXPECT_EQ(stored.fact, "Likes green tea");
  EXPECT_EQ(stored.category, "preference");
  EXPECT_DOUBLE_EQ(stored.confidence, 0.9);
  EXPECT_EQ(stored.source, "extracted");
  EXPECT_EQ(stored.created_at, 1000);
  EXPECT_EQ(stored.updated_at, 2000);
  EXPECT_EQ(run_sync(this->store_->list_facts("t1", "cust_1", ""))->size(), 1u);

  // Another agent scope or another customer is another fact.
  EXPECT_EQ(this->save(make_fact("f3", "likes green tea", "a1")).id, "f3");
  MemoryFact other_customer = make_fact("f4", "likes green tea");
  other_customer.customer_id = "cust_2";
  EXPECT_EQ(this->save(other_customer).id, "f4");
  EXPECT_EQ(run_sync(this->store_->list_facts("t1", "cust_1", ""))->size(), 2u);
}

TYPED_TEST(ConversationRecordsConformance, ListFactsSeesUnscopedAndOwnAgentFactsBestFirst) {
  this->save(make_fact("f_low", "low", "", 0.2, 1000));
  this->save(make_fact("f_a1_old", "a1 old", "a1", 0.8, 1000));
  this->save(make_fact("f_a1_new", "a1 new", "a1", 0.8, 2000));
  this->save(make_fact("f_a2", "a2 only", "a2", 0.9, 1000));
  this->save(make_fact("f_top", "top", "", 1.0, 500));

  auto for_a1 = run_sync(this->store_->list_facts("t1", "cust_1", "a1"));
  ASSERT_TRUE(for_a1.ok());
  EXPECT_EQ(ids_of(*for_a1), (std::vector<std::string>{"f_top", "f_a1_new", "f_a1_old", "f_low"}));
  auto all = run_sync(this->store_->list_facts("t1", "cust_1", ""));
  EXPECT_EQ(ids_of(*all), (std::vector<std::string>{"f_top", "f_a2", "f_a1_new", "f_a1_old", "f_low"}));
  EXPECT_TRUE(run_sync(this->store_->list_facts("t2", "cust_1", ""))->empty());
  EXPECT_TRUE(run_sync(this->store_->list_facts("t1", "cust_2", ""))->empty());
}

TYPED_TEST(ConversationRecordsConformance, DeleteFact) {
  this->save(make_fact("f1", "fact"));
  EXPECT_EQ(run_sync(this->store_->delete_fact("t2", "f1")).code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(this->store_->delete_fact("t1", "f1")).is_ok());
  EXPECT_TRUE(run_sync(this->store_->list_facts("t1", "cust_1", ""))->empty());
  EXPECT_EQ(run_sync(this->store_->delete_fact("t1", "f1")).code(), StatusCode::kNotFound);
}

std::vector<CacheEntry> scan_all(Store& store) {
  std::vector<CacheEntry> out;
  Status s = run_sync(store.scan_cache_entries([&](const CacheEntry& e) {
    out.push_back(e);
    return true;
  }));
  EXPECT_TRUE(s.is_ok()) << s.message();
  return out;
}

TYPED_TEST(ConversationRecordsConformance, CacheEntryRoundTrip) {
  CacheEntry entry = make_entry("c1", "t1", "a1");
  entry.customer_id = "cust_1";
  ASSERT_TRUE(run_sync(this->store_->put_cache_entry(entry)).is_ok());
  auto entries = scan_all(*this->store_);
  ASSERT_EQ(entries.size(), 1u);
  const CacheEntry& got = entries.front();
  EXPECT_EQ(got.id, "c1");
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.agent_id, "a1");
  EXPECT_EQ(got.customer_id, "cust_1");
  EXPECT_EQ(got.question, "question c1");
  EXPECT_EQ(got.answer, "answer c1");
  EXPECT_EQ(got.model, "llama");
  EXPECT_EQ(got.embedding, (std::vector<float>{0.25f, -1.5f, 3.0f}));
  EXPECT_EQ(got.created_at, 1000);
}

TYPED_TEST(ConversationRecordsConformance, PutCacheEntryReplacesSameIdOfSameTenant) {
  ASSERT_TRUE(run_sync(this->store_->put_cache_entry(make_entry("c1", "t1", "a1"))).is_ok());
  CacheEntry replacement = make_entry("c1", "t1", "a1", {9.0f});
  replacement.answer = "better answer";
  ASSERT_TRUE(run_sync(this->store_->put_cache_entry(replacement)).is_ok());
  EXPECT_EQ(run_sync(this->store_->put_cache_entry(make_entry("c1", "t2", "a1"))).code(), StatusCode::kConflict);
  auto entries = scan_all(*this->store_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].tenant_id, "t1");
  EXPECT_EQ(entries[0].answer, "better answer");
  EXPECT_EQ(entries[0].embedding, (std::vector<float>{9.0f}));
}

TYPED_TEST(ConversationRecordsConformance, ScanCacheEntriesVisitsAllTenantsAcrossBatchesAndStops) {
  constexpr int kEntries = 1203;  // more than two read batches
  for (int i = 0; i < kEntries; ++i) {
    auto entry = make_entry("c" + std::to_string(i), i % 2 ? "t1" : "t2", "a1", {static_cast<float>(i)});
    ASSERT_TRUE(run_sync(this->store_->put_cache_entry(entry)).is_ok());
  }
  auto entries = scan_all(*this->store_);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kEntries));
  for (int i = 0; i < kEntries; ++i) EXPECT_EQ(entries[i].embedding, std::vector<float>{static_cast<float>(i)});

  int visited = 0;
  ASSERT_TRUE(run_sync(this->store_->scan_cache_entries([&](const CacheEntry&) { return ++visited < 600; })).is_ok());
  EXPECT_EQ(visited, 600);
}

TYPED_TEST(ConversationRecordsConformance, DeleteCacheEntriesByTenantAndAgent) {
  for (const auto& [id, tenant, agent] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"c1", "t1", "a1"}, {"c2", "t1", "a1"}, {"c3", "t1", "a2"}, {"c4", "t2", "a1"}, {"c5", "t2", "a3"}}) {
    ASSERT_TRUE(run_sync(this->store_->put_cache_entry(make_entry(id, tenant, agent))).is_ok());
  }
  EXPECT_EQ(*run_sync(this->store_->delete_cache_entries("t1", "a1")), 2);
  EXPECT_EQ(ids_of(scan_all(*this->store_)), (std::vector<std::string>{"c3", "c4", "c5"}));
  EXPECT_EQ(*run_sync(this->store_->delete_cache_entries("t2", "")), 2);
  EXPECT_EQ(*run_sync(this->store_->delete_cache_entries("t2", "")), 0);
  EXPECT_EQ(*run_sync(this->store_->delete_cache_entries("", "")), 1);
  EXPECT_TRUE(scan_all(*this->store_).empty());
}

TYPED_TEST(ConversationRecordsConformance, RecordConversationsStoresEveryRecord) {
  this->append({make_turn("turn_0", "s1", 500)});
  Customer ada = make_customer("cust_1");
  ada.email = "Ada@Example.com";
  ConversationRecord first = turns_record({make_turn("turn_1", "s1", 1000, "cust_1"), make_turn("turn_2", "s1", 1001)});
  first.customer = ada;
  first.facts = {make_fact("f1", "Prefers email"), make_fact("f2", "Lives in Paris", "a1")};
  first.cache_entry = make_entry("c1", "t1", "a1");
  ConversationRecord second = turns_record({make_turn("turn_3", "s2", 2000, "", "a2")});
  second.facts = {make_fact("f3", "Likes tea")};
  ConversationRecord third;
  third.customer = make_customer("cust_2", "t2");
  third.cache_entry = make_entry("c2", "t2", "a1");

  auto statuses = run_sync(this->store_->record_conversations({first, second, third}));
  EXPECT_EQ(codes_of(statuses), std::vector<StatusCode>(3, StatusCode::kOk));

  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_1"))->email, "ada@example.com");
  EXPECT_TRUE(run_sync(this->store_->get_customer("t2", "cust_2")).ok());
  auto s1 = run_sync(this->store_->recent_turns("t1", "a1", "s1", 10));
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(ids_of(*s1), (std::vector<std::string>{"turn_0", "turn_1", "turn_2"}));
  EXPECT_EQ(seqs_of(*s1), (std::vector<int64_t>{1, 2, 3}));
  auto session = run_sync(this->store_->get_session("t1", "a1", "s1"));
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->turn_count, 3);
  EXPECT_EQ(session->customer_id, "cust_1");
  EXPECT_EQ(session->updated_at, 1001);
  auto s2 = run_sync(this->store_->recent_turns("t1", "a2", "s2", 10));
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(ids_of(*s2), (std::vector<std::string>{"turn_3"}));
  EXPECT_EQ(seqs_of(*s2), (std::vector<int64_t>{1}));
  EXPECT_EQ(ids_of(*run_sync(this->store_->list_facts("t1", "cust_1", ""))), (std::vector<std::string>{"f3", "f2", "f1"}));
  EXPECT_EQ(ids_of(scan_all(*this->store_)), (std::vector<std::string>{"c1", "c2"}));
}

TYPED_TEST(ConversationRecordsConformance, RecordConversationsFailedRecordLeavesNothingAndTheOthersCommit) {
  Customer holder = make_customer("cust_1");
  holder.email = "taken@example.com";
  this->upsert(holder);
  this->upsert(make_customer("cust_2"));
  ASSERT_TRUE(run_sync(this->store_->put_cache_entry(make_entry("c_t2", "t2", "a1"))).is_ok());

  ConversationRecord ok_before = turns_record({make_turn("turn_1", "s1", 1000)});
  ok_before.facts = {make_fact("f1", "from the first record")};
  // cust_2 would take cust_1's email.
  Customer clash = make_customer("cust_2");
  clash.email = "taken@example.com";
  clash.name = "Clash";
  ConversationRecord email_clash = turns_record({make_turn("turn_2", "s_clash", 1000, "cust_2")});
  email_clash.customer = clash;
  email_clash.facts = {make_fact("f2", "from the clash")};
  ConversationRecord two_sessions = turns_record({make_turn("turn_3", "s_a", 1000), make_turn("turn_4", "s_b", 1000)});
  two_sessions.customer = make_customer("cust_3");
  // Fails on its last part, once the others are written: the cache entry id is t2's.
  ConversationRecord late_failure = turns_record({make_turn("turn_5", "s_late", 1000)});
  late_failure.customer = make_customer("cust_4");
  late_failure.facts = {make_fact("f5", "from the late failure")};
  late_failure.cache_entry = make_entry("c_t2", "t1", "a1");
  ConversationRecord ok_after = turns_record({make_turn("turn_6", "s1", 2000)});
  ok_after.cache_entry = make_entry("c_ok", "t1", "a1");

  auto statuses = run_sync(this->store_->record_conversations({ok_before, email_clash, two_sessions, late_failure, ok_after}));
  EXPECT_EQ(codes_of(statuses), (std::vector<StatusCode>{StatusCode::kOk, StatusCode::kConflict,
                                                         StatusCode::kInvalidArgument, StatusCode::kConflict,
                                                         StatusCode::kOk}));

  auto s1 = run_sync(this->store_->recent_turns("t1", "a1", "s1", 10));
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(ids_of(*s1), (std::vector<std::string>{"turn_1", "turn_6"}));
  EXPECT_EQ(seqs_of(*s1), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", "s1"))->turn_count, 2);
  EXPECT_EQ(ids_of(*run_sync(this->store_->list_facts("t1", "cust_1", ""))), (std::vector<std::string>{"f1"}));
  auto entries = scan_all(*this->store_);
  EXPECT_EQ(ids_of(entries), (std::vector<std::string>{"c_t2", "c_ok"}));
  EXPECT_EQ(entries.front().tenant_id, "t2");

  EXPECT_EQ(run_sync(this->store_->get_customer("t1", "cust_2"))->name, "");
  for (const char* id : {"cust_3", "cust_4"}) {
    EXPECT_EQ(run_sync(this->store_->get_customer("t1", id)).status().code(), StatusCode::kNotFound) << id;
  }
  for (const char* id : {"s_clash", "s_a", "s_b", "s_late"}) {
    EXPECT_EQ(run_sync(this->store_->get_session("t1", "a1", id)).status().code(), StatusCode::kNotFound) << id;
    EXPECT_TRUE(run_sync(this->store_->recent_turns("t1", "a1", id, 10))->empty()) << id;
  }
}

TYPED_TEST(ConversationRecordsConformance, RecordConversationsOfOneSessionNumberItsTurnsInOrder) {
  this->append({make_turn("turn_1", "s1", 1000)});
  // The middle record fails (turn_1 exists): the last one's seq follows the first one's.
  auto statuses = run_sync(this->store_->record_conversations(
      {turns_record({make_turn("turn_2", "s1", 2000), make_turn("turn_3", "s1", 2001)}),
       turns_record({make_turn("turn_x", "s1", 2500), make_turn("turn_1", "s1", 2500)}),
       turns_record({make_turn("turn_4", "s1", 3000)})}));
  EXPECT_EQ(codes_of(statuses),
            (std::vector<StatusCode>{StatusCode::kOk, StatusCode::kConflict, StatusCode::kOk}));

  auto turns = run_sync(this->store_->recent_turns("t1", "a1", "s1", 10));
  ASSERT_TRUE(turns.ok());
  EXPECT_EQ(ids_of(*turns), (std::vector<std::string>{"turn_1", "turn_2", "turn_3", "turn_4"}));
  EXPECT_EQ(seqs_of(*turns), (std::vector<int64_t>{1, 2, 3, 4}));
  auto session = run_sync(this->store_->get_session("t1", "a1", "s1"));
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->turn_count, 4);
  EXPECT_EQ(session->updated_at, 3000);
}

TYPED_TEST(ConversationRecordsConformance, RecordNoConversationsIsEmpty) {
  EXPECT_TRUE(run_sync(this->store_->record_conversations({})).empty());
  EXPECT_EQ(codes_of(run_sync(this->store_->record_conversations({ConversationRecord{}}))),
            (std::vector<StatusCode>{StatusCode::kOk}));
}

}  // namespace
