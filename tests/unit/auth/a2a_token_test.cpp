// A2A tokens: what they carry, and every way a bent or stale one is refused.
#include "auth/a2a_token.h"

#include "auth/jwt.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::auth;

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";

A2aTokenClaims sample() {
  A2aTokenClaims c;
  c.token_id = "tok-1";
  c.tenant_id = "tenant-1";
  c.agent_id = "agent-1";
  c.skills = {"converse", "knowledge_search"};
  c.expires_at = 2000;
  return c;
}

TEST(A2aToken, RoundTripsItsClaims) {
  const std::string token = sign_a2a_token(sample(), kSecret);
  EXPECT_TRUE(looks_like_a2a_token(token));
  EXPECT_FALSE(looks_like_jwt(token)) << "never mistaken for a user's JWT";
  auto c = verify_a2a_token(token, kSecret, 1999);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->token_id, "tok-1");
  EXPECT_EQ(c->tenant_id, "tenant-1");
  EXPECT_EQ(c->agent_id, "agent-1");
  EXPECT_EQ(c->skills, (std::vector<std::string>{"converse", "knowledge_search"}));
  EXPECT_EQ(c->expires_at, 2000);
}

TEST(A2aToken, ExpiredBentOrForeignTokensAreRefused) {
  const std::string token = sign_a2a_token(sample(), kSecret);
  EXPECT_EQ(verify_a2a_token(token, kSecret, 2000).status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(verify_a2a_token(token, "another secret", 1000).ok());
  std::string bent = token;
  bent[6] = bent[6] == 'A' ? 'B' : 'A';  // a changed claim
  EXPECT_FALSE(verify_a2a_token(bent, kSecret, 1000).ok());
  EXPECT_FALSE(verify_a2a_token(token.substr(0, token.find('.')), kSecret, 1000).ok());
  EXPECT_FALSE(verify_a2a_token("a2a_", kSecret, 1000).ok());
  EXPECT_FALSE(verify_a2a_token("sk_live_abc", kSecret, 1000).ok());
  // A user's JWT signed with the same secret is not an A2A token.
  Claims user{.subject = "u", .tenant_id = "tenant-1", .role = "owner", .email = "", .issued_at = 1, .expires_at = 5000};
  EXPECT_FALSE(verify_a2a_token("a2a_" + sign_jwt(user, kSecret), kSecret, 1000).ok());
}

}  // namespace
