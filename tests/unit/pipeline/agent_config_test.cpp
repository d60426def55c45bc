#include "models/hashed_embedder.h"
#include "pipeline/agent_config.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::pipeline;
namespace json = boost::json;

json::object doc(std::string_view text) { return json::parse(text).as_object(); }

store::Agent stored_agent(std::string config) {
  store::Agent a;
  a.id = "agent_1";
  a.tenant_id = "t1";
  a.name = "Support";
  a.status = "active";
  a.config = std::move(config);
  a.version = 7;
  return a;
}

AgentConfigPtr parse_ok(std::string config) {
  auto parsed = parse_agent(stored_agent(std::move(config)));
  EXPECT_TRUE(parsed.ok()) << parsed.status().field() << ": " << parsed.status().message();
  return parsed.ok() ? *parsed : nullptr;
}

// The field of the validation error `text` gives; fails the test if it validates.
std::string error_field(std::string_view text) {
  Status s = validate_agent_document(doc(text));
  EXPECT_EQ(s.code(), StatusCode::kValidation) << text << " -> " << s.message();
  return s.field();
}

// --- defaults

TEST(AgentConfig, EmptyDocumentIsValidWithDefaults) {
  EXPECT_TRUE(validate_agent_document(json::object{}).is_ok());
  auto c = parse_ok("{}");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "agent_1");
  EXPECT_EQ(c->tenant_id, "t1");
  EXPECT_EQ(c->name, "Support");
  EXPECT_EQ(c->status, "active");
  EXPECT_EQ(c->version, 7);
  EXPECT_EQ(c->model, "");
  EXPECT_EQ(c->model_policy.policy, "");
  EXPECT_EQ(c->model_policy.tier, "");
  EXPECT_EQ(c->model_policy.task_type, "");
  EXPECT_FALSE(c->model_policy.max_cost_usd);
  EXPECT_TRUE(c->personality.empty());
  EXPECT_TRUE(c->dialect.empty());
  EXPECT_EQ(c->language, "");
  EXPECT_EQ(c->system_prompt, "");
  EXPECT_TRUE(c->faqs.empty());
  EXPECT_TRUE(c->scenarios.empty());
  EXPECT_TRUE(c->knowledge_source_ids.empty());
  EXPECT_TRUE(c->actions.empty());
  EXPECT_EQ(c->token_budget, 4096);
  EXPECT_EQ(c->max_tool_rounds, 5);
  EXPECT_EQ(c->history_turns, 20);
  EXPECT_EQ(c->max_facts, 20);
  EXPECT_FALSE(c->temperature);
  EXPECT_FALSE(c->max_tokens);
  EXPECT_TRUE(c->cache_enabled);
  EXPECT_FALSE(c->cache_threshold);
}

TEST(AgentConfig, NullFieldsKeepTheirDefaults) {
  auto c = parse_ok(R"({"model": null, "token_budget": null, "temperature": null, "faqs": null})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->model, "");
  EXPECT_EQ(c->token_budget, 4096);
  EXPECT_FALSE(c->temperature);
  EXPECT_TRUE(c->faqs.empty());
}

TEST(AgentConfig, ReadsEverySetting) {
  auto c = parse_ok(R"({
    "model": "llama-small", "language": "ar", "system_prompt": "You are {{ personality.name }}.",
    "model_policy": {"policy": "cost", "tier": "sonnet", "task_type": "reasoning", "max_cost_usd": 0.5},
    "personality": {"id": "p1", "name": "Nour", "tone": "warm"}, "dialect": {"name": "Egyptian"},
    "token_budget": 8000, "max_tool_rounds": 3, "history_turns": 10, "max_facts": 5,
    "temperature": 0.7, "max_tokens": 512, "cache": {"enabled": false, "threshold": 0.92},
    "knowledge_source_ids": ["ks1", "ks2"],
    "faqs": [{"question": "Hours?", "answer": "9-5"}],
    "scenarios": [{"name": "refund", "triggers": ["Refund", "", 3, "MONEY BACK"], "instructions": "Be kind"}],
    "actions": [{"name": "get_order", "webhook_url": "https://api.example.com", "method": "get"}]})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->model, "llama-small");
  EXPECT_EQ(c->language, "ar");
  EXPECT_EQ(c->system_prompt, "You are {{ personality.name }}.");
  EXPECT_EQ(c->model_policy.policy, "cost");
  EXPECT_EQ(c->model_policy.tier, "sonnet");
  EXPECT_EQ(c->model_policy.task_type, "reasoning");
  ASSERT_TRUE(c->model_policy.max_cost_usd);
  EXPECT_DOUBLE_EQ(*c->model_policy.max_cost_usd, 0.5);
  EXPECT_EQ(c->personality.at("name"), "Nour");
  EXPECT_EQ(c->dialect.at("name"), "Egyptian");
  EXPECT_EQ(c->token_budget, 8000);
  EXPECT_EQ(c->max_tool_rounds, 3);
  EXPECT_EQ(c->history_turns, 10);
  EXPECT_EQ(c->max_facts, 5);
  ASSERT_TRUE(c->temperature);
  EXPECT_DOUBLE_EQ(*c->temperature, 0.7);
  ASSERT_TRUE(c->max_tokens);
  EXPECT_EQ(*c->max_tokens, 512);
  EXPECT_FALSE(c->cache_enabled);
  ASSERT_TRUE(c->cache_threshold);
  EXPECT_DOUBLE_EQ(*c->cache_threshold, 0.92);
  EXPECT_EQ(c->knowledge_source_ids, (std::vector<std::string>{"ks1", "ks2"}));
  ASSERT_EQ(c->faqs.size(), 1u);
  EXPECT_EQ(c->faqs[0].question, "Hours?");
  EXPECT_EQ(c->faqs[0].answer, "9-5");
  ASSERT_EQ(c->scenarios.size(), 1u);
  EXPECT_EQ(c->scenarios[0].name, "refund");
  EXPECT_EQ(c->scenarios[0].triggers, (std::vector<std::string>{"refund", "money back"}));  // lower-cased
  EXPECT_EQ(c->scenarios[0].instructions, "Be kind");
  ASSERT_EQ(c->actions.size(), 1u);
  EXPECT_EQ(c->actions[0].name, "get_order");
  EXPECT_EQ(c->actions[0].method, "GET");
}

// --- field errors

TEST(AgentConfig, ScalarFieldErrorsNameTheField) {
  EXPECT_EQ(error_field(R"({"model": 5})"), "model");
  EXPECT_EQ(error_field(R"({"token_budget": 100})"), "token_budget");
  EXPECT_EQ(error_field(R"({"token_budget": 1.5})"), "token_budget");
  EXPECT_EQ(error_field(R"({"max_tool_rounds": 6})"), "max_tool_rounds");
  EXPECT_EQ(error_field(R"({"history_turns": -1})"), "history_turns");
  EXPECT_EQ(error_field(R"({"max_facts": 201})"), "max_facts");
  EXPECT_EQ(error_field(R"({"temperature": 2.5})"), "temperature");
  EXPECT_EQ(error_field(R"({"temperature": "hot"})"), "temperature");
  EXPECT_EQ(error_field(R"({"max_tokens": 0})"), "max_tokens");
  EXPECT_EQ(error_field(R"({"personality": "calm"})"), "personality");
  EXPECT_EQ(error_field(R"({"dialect": []})"), "dialect");
  EXPECT_EQ(error_field(R"({"knowledge_source_ids": ["ks1", 2]})"), "knowledge_source_ids");
  EXPECT_EQ(error_field(R"({"model_policy": "cheap"})"), "model_policy");
}

TEST(AgentConfig, ModelPolicyErrorsAreNamedUnderModelPolicy) {
  EXPECT_EQ(error_field(R"({"model_policy": {"tier": "huge"}})"), "model_policy.tier");
  EXPECT_EQ(error_field(R"({"model_policy": {"policy": "random"}})"), "model_policy.policy");
  EXPECT_EQ(error_field(R"({"model_policy": {"max_cost_usd": -1}})"), "model_policy.max_cost_usd");
  EXPECT_EQ(error_field(R"({"model_policy": {"task_type": 3}})"), "model_policy.task_type");
  for (const char* tier : {"speed", "nano", "sonnet", "complex"}) {
    EXPECT_TRUE(validate_agent_document(json::object{{"model_policy", json::object{{"tier", tier}}}}).is_ok()) << tier;
  }
}

TEST(AgentConfig, CacheErrorsAreNamedUnderCache) {
  EXPECT_EQ(error_field(R"({"cache": {"threshold": 0.3}})"), "cache.threshold");
  EXPECT_EQ(error_field(R"({"cache": {"enabled": "yes"}})"), "cache.enabled");
}

TEST(AgentConfig, SystemPromptMustBeAValidTemplate) {
  Status s = validate_agent_document(doc(R"({"system_prompt": "Hello {% if customer %}friend"})"));
  EXPECT_EQ(s.code(), StatusCode::kValidation);
  EXPECT_EQ(s.field(), "system_prompt");
  EXPECT_NE(s.message().find("endif"), std::string::npos) << s.message();
  EXPECT_EQ(error_field(R"({"system_prompt": "Hi {{ name"})"), "system_prompt");
  EXPECT_TRUE(validate_agent_document(doc(R"({"system_prompt": "Hi {{ customer.name | default('there') }}"})")).is_ok());
}

TEST(AgentConfig, FaqAndScenarioErrorsNameTheItem) {
  EXPECT_EQ(error_field(R"({"faqs": [{"question": "q", "answer": "a"}, {"question": "q"}]})"), "faqs[1]");
  EXPECT_EQ(error_field(R"({"faqs": [42]})"), "faqs[0]");
  EXPECT_EQ(error_field(R"({"scenarios": [{"name": "ok"}, {"instructions": "x"}]})"), "scenarios[1].name");
  EXPECT_EQ(error_field(R"({"scenarios": ["refund"]})"), "scenarios[0]");
}

TEST(AgentConfig, ActionErrorsNameTheActionAndField) {
  EXPECT_EQ(error_field(R"({"actions": [
      {"name": "get_order", "webhook_url": "https://api.example.com"},
      {"name": "bad name!", "webhook_url": "https://api.example.com"}]})"),
            "actions[1].name");
  EXPECT_EQ(error_field(R"({"actions": [{"name": "a", "webhook_url": "ftp://example.com"}]})"),
            "actions[0].webhook_url");
  EXPECT_EQ(error_field(R"({"actions": [{"name": "a"}]})"), "actions[0].webhook_url");
  EXPECT_EQ(error_field(R"({"actions": [{"name": "a", "webhook_url": "https://x.example", "method": "TRACE"}]})"),
            "actions[0].method");
  EXPECT_EQ(error_field(R"({"actions": ["get_order"]})"), "actions[0]");
}

TEST(AgentConfig, DuplicateActionNamesAreRefused) {
  Status s = validate_agent_document(doc(R"({"actions": [
      {"name": "get_order", "webhook_url": "https://api.example.com"},
      {"name": "cancel", "webhook_url": "https://api.example.com"},
      {"name": "get_order", "webhook_url": "https://other.example.com"}]})"));
  EXPECT_EQ(s.code(), StatusCode::kValidation);
  EXPECT_EQ(s.field(), "actions[2].name");
  EXPECT_NE(s.message().find("duplicate"), std::string::npos) << s.message();
}

TEST(AgentConfig, TheFirstErrorIsReported) {
  EXPECT_EQ(error_field(R"({"model": 1, "token_budget": 1})"), "model");
}

// --- Cortex aliases

TEST(AgentConfig, WorkflowFaqsIsAnAliasOfFaqs) {
  auto c = parse_ok(R"({"workflow_faqs": ["just a label", {"question": "Hours?", "answer": "9-5"}]})");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->faqs.size(), 1u);  // plain labels have nothing to answer from
  EXPECT_EQ(c->faqs[0].question, "Hours?");
  EXPECT_EQ(c->faqs[0].answer, "9-5");
  // Errors under the alias still name the item.
  EXPECT_EQ(error_field(R"({"workflow_faqs": [{"question": "Hours?"}]})"), "faqs[0]");
}

TEST(AgentConfig, FaqsWinOverWorkflowFaqs) {
  auto c = parse_ok(R"({"faqs": [{"question": "A?", "answer": "a"}],
                        "workflow_faqs": [{"question": "B?", "answer": "b"}]})");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->faqs.size(), 1u);
  EXPECT_EQ(c->faqs[0].question, "A?");
}

TEST(AgentConfig, ActionDefinitionsIsAnAliasOfActions) {
  auto c = parse_ok(R"({"action_definitions": [{"name": "get_order", "webhook_url": "https://api.example.com"}]})");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->actions.size(), 1u);
  EXPECT_EQ(c->actions[0].name, "get_order");
  EXPECT_EQ(error_field(R"({"action_definitions": [{"name": "x"}, {"name": "x y", "webhook_url": "https://a.example"}]})"),
            "actions[0].webhook_url");
}

TEST(AgentConfig, SopsIsAnAliasOfScenarios) {
  auto c = parse_ok(R"({"sops": [{"name": "refund", "triggers": ["refund"], "instructions": "x"}]})");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->scenarios.size(), 1u);
  EXPECT_EQ(c->scenarios[0].name, "refund");
}

// --- public view

TEST(AgentConfig, PublicViewNeverShowsSecrets) {
  auto c = parse_ok(R"({"actions": [
      {"name": "get_order", "webhook_url": "https://api.example.com", "auth_type": "bearer",
       "auth_secret": "sk-very-secret-token"},
      {"name": "login", "webhook_url": "https://api.example.com", "auth_type": "basic",
       "auth_secret": "admin:hunter2"}]})");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->actions.size(), 2u);
  EXPECT_EQ(c->actions[0].auth_secret, "sk-very-secret-token");  // kept for calling the action
  const json::object view = c->public_view();
  const std::string text = json::serialize(view);
  EXPECT_EQ(text.find("sk-very-secret-token"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(text.find("auth_secret"), std::string::npos) << text;
  for (const char* key : {"actions", "action_definitions"}) {
    const auto& list = view.at(key).as_array();
    ASSERT_EQ(list.size(), 2u) << key;
    EXPECT_EQ(list[0].as_object().at("name"), "get_order");
    EXPECT_EQ(list[0].as_object().at("auth_type"), "bearer");
  }
}

TEST(AgentConfig, PublicViewReflectsTheConfiguration) {
  auto c = parse_ok(R"({"model": "llama-small", "model_policy": {"tier": "nano"}, "temperature": 0.2,
                        "faqs": [{"question": "Hours?", "answer": "9-5"}], "cache": {"threshold": 0.95},
                        "scenarios": [{"name": "refund", "triggers": ["Refund"]}]})");
  ASSERT_TRUE(c);
  const json::object view = c->public_view();
  EXPECT_EQ(view.at("id"), "agent_1");
  EXPECT_EQ(view.at("company_id"), "t1");
  EXPECT_EQ(view.at("name"), "Support");
  EXPECT_EQ(view.at("status"), "active");
  EXPECT_EQ(view.at("version"), 7);
  EXPECT_EQ(view.at("model"), "llama-small");
  EXPECT_EQ(view.at("model_policy").at("tier"), "nano");
  EXPECT_TRUE(view.at("model_policy").at("policy").is_null());
  EXPECT_TRUE(view.at("model_policy").at("max_cost_usd").is_null());
  EXPECT_DOUBLE_EQ(view.at("temperature").as_double(), 0.2);
  EXPECT_TRUE(view.at("max_tokens").is_null());
  EXPECT_EQ(view.at("token_budget"), 4096);
  EXPECT_EQ(view.at("faqs"), view.at("workflow_faqs"));
  EXPECT_EQ(view.at("faqs").as_array().size(), 1u);
  EXPECT_EQ(view.at("faqs").at(0).at("answer"), "9-5");
  EXPECT_EQ(view.at("scenarios").at(0).at("triggers").at(0), "refund");
  EXPECT_EQ(view.at("cache").at("enabled"), true);
  EXPECT_DOUBLE_EQ(view.at("cache").at("threshold").as_double(), 0.95);

  // The view is itself a valid document that parses back to the same settings.
  json::object round = view;
  EXPECT_TRUE(validate_agent_document(round).is_ok());
  auto again = parse_ok(json::serialize(round));
  ASSERT_TRUE(again);
  EXPECT_EQ(json::serialize(again->public_view()), json::serialize(view));
}

TEST(AgentConfig, PublicViewOfDefaultsHasNullsForUnsetOptions) {
  auto c = parse_ok("{}");
  ASSERT_TRUE(c);
  const json::object view = c->public_view();
  EXPECT_TRUE(view.at("model").is_null());
  EXPECT_TRUE(view.at("temperature").is_null());
  EXPECT_TRUE(view.at("cache").at("threshold").is_null());
  EXPECT_TRUE(view.at("actions").as_array().empty());
  EXPECT_TRUE(view.at("knowledge_source_ids").as_array().empty());
}

// --- stored documents that no longer parse

TEST(AgentConfig, MalformedStoredJsonIsInternal) {
  for (const char* config : {"{not json", "[1, 2]", "\"text\"", ""}) {
    auto parsed = parse_agent(stored_agent(config));
    ASSERT_FALSE(parsed.ok()) << config;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInternal) << config;
    EXPECT_NE(parsed.status().message().find("agent_1"), std::string::npos) << parsed.status().message();
  }
}

TEST(AgentConfig, StoredDocumentThatNoLongerValidatesIsInternal) {
  auto parsed = parse_agent(stored_agent(R"({"model_policy": {"tier": "huge"}})"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInternal);
  EXPECT_NE(parsed.status().message().find("agent_1"), std::string::npos) << parsed.status().message();

  auto duplicate = parse_agent(stored_agent(R"({"actions": [
      {"name": "a", "webhook_url": "https://api.example.com"},
      {"name": "a", "webhook_url": "https://api.example.com"}]})"));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().code(), StatusCode::kInternal);
}

TEST(AgentConfig, FaqQuestionsAreEmbeddedOnceWhenParsed) {
  auto config = parse_ok(R"({"faqs":[{"question":"What are your business hours?","answer":"9 to 5"}]})");
  ASSERT_TRUE(config);
  ASSERT_EQ(config->faqs.size(), 1u);
  models::HashedEmbedder embedder;
  EXPECT_EQ(config->faqs[0].embedding, embedder.embed_one("What are your business hours?"));
}

}  // namespace
