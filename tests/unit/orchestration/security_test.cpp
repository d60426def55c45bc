// Guardrail rules for tool calls and the secret scanner.
#include "orchestration/security.h"

#include <gtest/gtest.h>

namespace {

namespace json = boost::json;
using namespace brainstem;
using namespace brainstem::orchestration;

json::array rules_of(const char* text) { return json::parse(text).as_array(); }

TEST(SecurityRules, EveryConditionFieldMustMatchAndABlockWinsOverAWarning) {
  auto rules = rules_of(R"([
      {"name":"no-payments","condition":{"host":"*.payments.example.com"},"action":"block"},
      {"name":"deletes","condition":{"method":"delete"},"action":"warn"},
      {"name":"secrets-in-body","condition":{"tool":"http","bodyContains":"password"},"action":"block"}])");
  ASSERT_TRUE(SecurityPolicies::check_rules(rules).is_ok());
  auto ok = SecurityPolicies::evaluate(rules, {"http", "https://api.example.com/orders", "POST", R"({"id":1})"});
  EXPECT_TRUE(ok.allowed);
  EXPECT_TRUE(ok.violations.empty());
  auto warned = SecurityPolicies::evaluate(rules, {"http", "https://api.example.com/orders/1", "DELETE", ""});
  EXPECT_TRUE(warned.allowed);
  ASSERT_EQ(warned.violations.size(), 1u);
  EXPECT_EQ(warned.violations[0].rule, "deletes");
  auto blocked = SecurityPolicies::evaluate(rules, {"http", "https://EU.Payments.Example.com:8443/charge", "DELETE", ""});
  EXPECT_FALSE(blocked.allowed);
  EXPECT_EQ(blocked.violations.size(), 2u);
  EXPECT_TRUE(SecurityPolicies::evaluate(rules, {"http", "https://payments.example.com.evil.net/", "GET", ""}).allowed)
      << "a look-alike host is not the subdomain";
  EXPECT_FALSE(SecurityPolicies::evaluate(rules, {"http", "https://x.test/", "POST", R"({"password":"x"})"}).allowed);
  EXPECT_TRUE(SecurityPolicies::evaluate(rules, {"noop", "", "", "password"}).allowed) << "the condition names the http tool";
  EXPECT_FALSE(SecurityPolicies::evaluate(rules_of(R"([{"name":"all","action":"block"}])"), {"noop", "", "", ""}).allowed)
      << "no condition: every call";
}

TEST(SecurityRules, MalformedRulesNameTheirFault) {
  EXPECT_EQ(SecurityPolicies::check_rules(rules_of(R"([{"condition":{},"action":"block"}])")).field(), "rules[0].name");
  EXPECT_EQ(SecurityPolicies::check_rules(rules_of(R"([{"name":"a","action":"deny"}])")).field(), "rules[0].action");
  EXPECT_EQ(SecurityPolicies::check_rules(rules_of(R"([{"name":"a","action":"warn","condition":{"hots":"x"}}])")).field(),
            "rules[0].condition.hots");
  EXPECT_EQ(SecurityPolicies::check_rules(rules_of(R"([{"name":"a","action":"warn","condition":[]}])")).field(),
            "rules[0].condition");
  EXPECT_EQ(SecurityPolicies::check_rules(rules_of(R"([1])")).field(), "rules[0]");
}

TEST(SecretScan, KnownKeyFormatsPrivateKeysAndRandomTokensAreFoundAndRedacted) {
  std::string text = "aws AKIAIOSFODNN7EXAMPLE and sk-proj-abcdefghijklmnopqrstuvwx12 then "
                     "ghp_0123456789abcdefghijABCDEFGHIJ012345 and -----BEGIN RSA PRIVATE KEY----- "
                     "token q8Zr3LkP0vXw7Yt2Nb5Mc9Hs4Jd6Fg1Ae8Ru after";
  auto found = find_secrets(text);
  std::vector<std::string> kinds;
  for (const auto& f : found) kinds.push_back(f.kind);
  std::sort(kinds.begin(), kinds.end());
  EXPECT_EQ(kinds, (std::vector<std::string>{"aws_access_key", "github_token", "high_entropy", "openai_key", "private_key"}));
  for (const auto& f : found) {
    EXPECT_EQ(text.find(f.excerpt), std::string::npos) << "never the whole secret: " << f.excerpt;
    EXPECT_TRUE(f.excerpt.ends_with("****"));
  }
}

TEST(SecretScan, OrdinaryTextAndLongRepetitiveTokensAreNotSecrets) {
  EXPECT_TRUE(find_secrets("The refund was approved on 2026-12-07 for order 12345.").empty());
  EXPECT_TRUE(find_secrets("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").empty());
  EXPECT_TRUE(find_secrets("/api/v1/customers/orders/history/items/summary").empty());
}

}  // namespace
