// Conversations, customers and facts as the management routes see them, within one tenant.
#include "services/services_fixture.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using test_support::ServicesTest;

class ConversationsTest : public ServicesTest {
 protected:
  store::MemoryFact fact_of(const std::string& tenant, const std::string& customer, const std::string& text) {
    store::MemoryFact fact;
    fact.tenant_id = tenant;
    fact.customer_id = customer;
    fact.fact = text;
    fact.category = "preference";
    fact.confidence = 1;
    fact.source = "manual";
    return fact;
  }
};

TEST_F(ConversationsTest, AnOpenedConversationListsWithItsTitleTurnBeforeAnyMessage) {
  auto agent = add_agent("t1");
  auto session = run_sync(conversations_.open("t1", agent.id, "Billing question", "cust_7"));
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ(session->agent_id, agent.id);
  EXPECT_EQ(session->customer_id, "cust_7");
  EXPECT_EQ(session->turn_count, 1);

  auto listed = run_sync(conversations_.list("t1", "", 100));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, session->id);
  auto history = run_sync(conversations_.history("t1", session->id, 50));
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->turns.size(), 1u);
  EXPECT_EQ(history->turns[0].role, "system");
  EXPECT_EQ(history->turns[0].content, "Billing question");
}

TEST_F(ConversationsTest, AnotherTenantCannotOpenReadOrListAConversation) {
  auto agent = add_agent("t1");
  EXPECT_EQ(run_sync(conversations_.open("t2", agent.id, "Hi", "")).status().code(), StatusCode::kNotFound);
  auto session = run_sync(conversations_.open("t1", agent.id, "Hi", ""));
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(run_sync(conversations_.get("t2", session->id)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(conversations_.history("t2", session->id, 50)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(conversations_.list("t2", "", 100))->empty());
}

TEST_F(ConversationsTest, ACustomerIsCreatedOnceThenUpdatedByItsIdentifier) {
  store::Customer customer;
  customer.tenant_id = "t1";
  customer.email = "ada@example.com";
  customer.name = "Ada";
  auto first = run_sync(conversations_.upsert_customer(customer));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->customer.id.rfind("cust_", 0), 0u) << first->customer.id;

  customer.name = "Ada Lovelace";
  auto second = run_sync(conversations_.upsert_customer(customer));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->customer.id, first->customer.id);
  EXPECT_EQ(run_sync(conversations_.customer("t1", first->customer.id))->name, "Ada Lovelace");
  EXPECT_EQ(run_sync(conversations_.customer("t2", first->customer.id)).status().code(), StatusCode::kNotFound);
}

TEST_F(ConversationsTest, AFactNamingAnotherTenantsAgentIsRefusedAndNotSaved) {
  auto agent = add_agent("t1");
  auto fact = fact_of("t2", "cust_1", "Prefers email");
  fact.agent_id = agent.id;
  EXPECT_EQ(run_sync(conversations_.save_fact(fact)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(conversations_.facts("t2", "cust_1", "", ""))->empty());
}

TEST_F(ConversationsTest, AQueryKeepsTheFactsNearItInMeaning) {
  ASSERT_TRUE(run_sync(conversations_.save_fact(fact_of("t1", "cust_1", "Prefers email over phone calls"))).ok());
  ASSERT_TRUE(run_sync(conversations_.save_fact(fact_of("t1", "cust_1", "Owns a golden retriever"))).ok());
  ASSERT_TRUE(run_sync(conversations_.save_fact(fact_of("t2", "cust_1", "Prefers email too"))).ok());

  auto all = run_sync(conversations_.facts("t1", "cust_1", "", ""));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  auto near = run_sync(conversations_.facts("t1", "cust_1", "", "email"));
  ASSERT_TRUE(near.ok());
  ASSERT_EQ(near->size(), 1u);
  EXPECT_EQ(near->front().fact, "Prefers email over phone calls");

  EXPECT_EQ(run_sync(conversations_.delete_fact("t2", near->front().id)).code(), StatusCode::kNotFound);
  ASSERT_TRUE(run_sync(conversations_.delete_fact("t1", near->front().id)).is_ok());
  EXPECT_EQ(run_sync(conversations_.facts("t1", "cust_1", "", ""))->size(), 1u);
}

}  // namespace
