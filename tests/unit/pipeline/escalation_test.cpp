#include "pipeline/escalation.h"

#include <gtest/gtest.h>

namespace brainstem::pipeline {
namespace {

TEST(EscalationTest, RequestsForAPersonEscalate) {
  for (const char* message : {"Can I talk to a human?", "I want to speak with your manager NOW", "transfer me to an agent",
                              "Please connect me with someone from support", "get me a supervisor",
                              "is there a real person there?", "live agent", "I'd like to escalate this",
                              "I need a human, not a bot", "put me through to a representative"}) {
    EXPECT_EQ(escalation_reason(message), "customer_requested_human") << message;
  }
}

TEST(EscalationTest, OrdinaryMessagesDoNot) {
  for (const char* message : {"", "What are your opening hours?", "My travel agent booked the wrong date",
                              "Is this a human-readable format?", "What's your escalation policy?",
                              "I need to reset the password of my agent account", "talk to me about pricing",
                              "I want a refund for the order my manager placed last month"}) {
    EXPECT_EQ(escalation_reason(message), "") << message;
  }
}

}  // namespace
}  // namespace brainstem::pipeline
