// The agents service: records and configuration documents, kept in step with the caches
// that serve them, within one tenant.
#include "services/services_fixture.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {

using namespace brainstem;
namespace json = boost::json;
using test_support::ServicesTest;

class AgentsTest : public ServicesTest {};

json::object document_of(const store::Agent& agent) { return json::parse(agent.config).as_object(); }

TEST_F(AgentsTest, AnInvalidDocumentIsRefusedAndNothingIsStored) {
  services::AgentDraft draft;
  draft.name = "Broken";
  draft.config = json::object{{"max_tokens", 0}};
  auto created = run_sync(agents_.create("t1", std::move(draft)));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kValidation);
  EXPECT_TRUE(run_sync(agents_.list("t1"))->empty());
}

TEST_F(AgentsTest, AChangeIsSeenAtOnceThroughTheCacheThePipelineLoadsFrom) {
  auto agent = add_agent("t1", R"({"system_prompt": "You are terse."})");
  auto before = run_sync(agents_.config("t1", agent.id));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ((*before)->system_prompt, "You are terse.");

  services::AgentChange change;
  change.name = "Renamed";
  change.config = json::object{{"system_prompt", "You are kind."}};
  auto updated = run_sync(agents_.update("t1", agent.id, std::move(change)));
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->name, "Renamed");
  EXPECT_EQ(updated->status, "active") << "a change that names no status keeps it";

  auto after = run_sync(agents_.config("t1", agent.id));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->system_prompt, "You are kind.");
  EXPECT_EQ((*after)->name, "Renamed");
  EXPECT_EQ(invalidation_.published(), std::vector<std::string>{"agent t1/" + agent.id});
}

TEST_F(AgentsTest, AnInvalidChangeLeavesTheStoredAgentAsItWas) {
  auto agent = add_agent("t1", R"({"system_prompt": "Hello"})");
  services::AgentChange change;
  change.name = "Other";
  change.config = json::object{{"temperature", "hot"}};
  auto updated = run_sync(agents_.update("t1", agent.id, std::move(change)));
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.status().code(), StatusCode::kValidation);
  auto stored = run_sync(agents_.get("t1", agent.id));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name, "Support");
  EXPECT_EQ(document_of(*stored), json::parse(R"({"system_prompt": "Hello"})").as_object());
  EXPECT_TRUE(invalidation_.published().empty());
}

TEST_F(AgentsTest, AnActionResentWithoutItsSecretKeepsTheStoredOne) {
  auto agent = add_agent("t1", R"({"actions": [
      {"name": "get_order", "webhook_url": "https://api.example.com", "auth_type": "bearer", "auth_secret": "sk-kept"},
      {"name": "login", "webhook_url": "https://api.example.com", "auth_type": "bearer", "auth_secret": "sk-old"}]})");
  services::AgentChange change;
  change.config = json::parse(R"({"actions": [
      {"name": "get_order", "webhook_url": "https://orders.example.com", "auth_type": "bearer"},
      {"name": "login", "webhook_url": "https://api.example.com", "auth_type": "bearer", "auth_secret": "sk-new"}]})")
                      .as_object();
  auto updated = run_sync(agents_.update("t1", agent.id, std::move(change)));
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  auto actions = document_of(*updated).at("actions").as_array();
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].at("webhook_url"), "https://orders.example.com");
  EXPECT_EQ(actions[0].at("auth_secret"), "sk-kept");
  EXPECT_EQ(actions[1].at("auth_secret"), "sk-new") << "a secret given replaces the stored one";
}

TEST_F(AgentsTest, AnotherTenantsAgentIsNotFoundAndStaysUntouched) {
  auto agent = add_agent("t1", R"({"system_prompt": "Mine"})");
  EXPECT_EQ(run_sync(agents_.get("t2", agent.id)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(agents_.config("t2", agent.id)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(agents_.require("t2", agent.id)).code(), StatusCode::kNotFound);
  services::AgentChange change;
  change.name = "Stolen";
  EXPECT_EQ(run_sync(agents_.update("t2", agent.id, std::move(change))).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(agents_.attach_source("t2", agent.id, "src_1")).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(agents_.remove("t2", agent.id)).code(), StatusCode::kNotFound);

  auto stored = run_sync(agents_.get("t1", agent.id));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name, "Support");
  EXPECT_EQ(document_of(*stored), json::parse(R"({"system_prompt": "Mine"})").as_object());
  EXPECT_TRUE(run_sync(agents_.list("t2"))->empty());
  EXPECT_TRUE(invalidation_.published().empty());
}

TEST_F(AgentsTest, RemovingAnAgentDropsItsCachedAnswersAndNoOtherAgents) {
  auto gone = add_agent("t1");
  auto kept = add_agent("t1");
  ASSERT_TRUE(run_sync(answers_.warm("t1", gone.id, {{"What are your hours?", "9 to 5"}})).ok());
  ASSERT_TRUE(run_sync(answers_.warm("t1", kept.id, {{"Where are you?", "Main street"}})).ok());
  ASSERT_TRUE(run_sync(agents_.config("t1", gone.id)).ok());  // cached

  ASSERT_TRUE(run_sync(agents_.remove("t1", gone.id)).is_ok());
  EXPECT_EQ(run_sync(agents_.get("t1", gone.id)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(agents_.config("t1", gone.id)).status().code(), StatusCode::kNotFound)
      << "the cached configuration went with it";
  EXPECT_EQ(stored_answers(), std::vector<std::string>{"t1/" + kept.id + ": Where are you?"});
  EXPECT_EQ(answers_.stats("t1").entries, 1);
  EXPECT_EQ(invalidation_.published(), (std::vector<std::string>{"agent t1/" + gone.id, "answers t1/" + gone.id}));
}

TEST_F(AgentsTest, AttachingASourceAddsItOnceAndTheAgentRetrievesFromIt) {
  auto agent = add_agent("t1", R"({"knowledge_source_ids": ["src_a"]})");
  ASSERT_TRUE(run_sync(agents_.config("t1", agent.id)).ok());  // cached before the change
  ASSERT_TRUE(run_sync(agents_.attach_source("t1", agent.id, "src_b")).is_ok());
  ASSERT_TRUE(run_sync(agents_.attach_source("t1", agent.id, "src_b")).is_ok());
  auto config = run_sync(agents_.config("t1", agent.id));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ((*config)->knowledge_source_ids, (std::vector<std::string>{"src_a", "src_b"}));
  EXPECT_EQ(invalidation_.published(), std::vector<std::string>{"agent t1/" + agent.id})
      << "attaching a source already attached changes nothing";
}

}  // namespace
