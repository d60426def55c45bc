#include "pipeline/fact_consolidation.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using brainstem::pipeline::consolidate_fact;
using brainstem::pipeline::fact_subject;

store::MemoryFact fact(const std::string& text, const std::string& agent = "") {
  store::MemoryFact f;
  f.tenant_id = "t1";
  f.customer_id = "c1";
  f.agent_id = agent;
  f.fact = text;
  return f;
}

TEST(FactSubject, NamesWhatACustomerHasOneOfAtATime) {
  EXPECT_EQ(fact_subject("Lives in Porto"), "residence");
  EXPECT_EQ(fact_subject("moved to Berlin"), "residence");
  EXPECT_EQ(fact_subject("Name is Jane"), "name");
  EXPECT_EQ(fact_subject("Email is jane@example.com"), "email");
  EXPECT_EQ(fact_subject("Phone is +351 912 345 678"), "phone");
  EXPECT_EQ(fact_subject("Is a teacher"), "occupation");
  EXPECT_EQ(fact_subject("Works at Acme"), "employer");
  EXPECT_EQ(fact_subject("Plan is Pro"), "plan");
  EXPECT_EQ(fact_subject("Birthday is March 3"), "birthday");
  // Many at once, or not a statement of one value.
  EXPECT_EQ(fact_subject("Likes jazz"), "");
  EXPECT_EQ(fact_subject("Is allergic to peanuts"), "");
  EXPECT_EQ(fact_subject("Prefers email over phone calls"), "");
  EXPECT_EQ(fact_subject("Lives in "), "");
}

TEST(ConsolidateFact, SameMeaningInOtherWordsTakesTheStoredText) {
  models::HashedEmbedder embedder;
  std::vector<store::MemoryFact> current{fact("Prefers email over phone calls"), fact("Lives in Lisbon")};
  current[1].subject = "residence";
  auto fresh = fact("prefers email over phone calls.");
  consolidate_fact(fresh, current, embedder);
  EXPECT_EQ(fresh.fact, "Prefers email over phone calls");

  auto moved = fact("Lives in Porto");
  consolidate_fact(moved, current, embedder);
  EXPECT_EQ(moved.fact, "Lives in Porto") << "a new value is not the same meaning";
  EXPECT_EQ(moved.subject, "residence");

  auto other_scope = fact("prefers email over phone calls.", "agent-2");
  consolidate_fact(other_scope, current, embedder);
  EXPECT_EQ(other_scope.fact, "prefers email over phone calls.") << "another agent scope keeps its own fact";
}

}  // namespace
