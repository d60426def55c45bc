#include "auth/jwt.h"

#include "common/crypto.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::auth;

constexpr std::string_view kSecret = "a-test-secret-that-is-long-enough-0123";
constexpr int64_t kNow = 1700000000;

Claims sample_claims() {
  Claims c;
  c.subject = "usr_123";
  c.tenant_id = "ten_456";
  c.role = "admin";
  c.email = "ada@example.com";
  c.issued_at = kNow - 10;
  c.expires_at = kNow + 3600;
  return c;
}

// A token with the given header and payload JSON, signed with HMAC-SHA256 over the
// signing input no matter what the header claims.
std::string craft(std::string_view header_json, std::string_view payload_json, std::string_view secret) {
  std::string input = crypto::base64url_encode(header_json) + "." + crypto::base64url_encode(payload_json);
  return input + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, input));
}

std::string sample_payload() {
  return R"({"sub":"usr_123","tid":"ten_456","role":"member","email":"a@b.co","iat":1699999990,"exp":1700003600})";
}

void expect_refused(const Result<Claims>& r, std::string_view why) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
}

TEST(Jwt, SignThenVerifyRoundTripsClaims) {
  auto token = sign_jwt(sample_claims(), kSecret);
  auto r = verify_jwt(token, kSecret, kNow);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->subject, "usr_123");
  EXPECT_EQ(r->tenant_id, "ten_456");
  EXPECT_EQ(r->role, "admin");
  EXPECT_EQ(r->email, "ada@example.com");
  EXPECT_EQ(r->issued_at, kNow - 10);
  EXPECT_EQ(r->expires_at, kNow + 3600);
}

TEST(Jwt, SignedTokenHasHs256HeaderAndThreeSegments) {
  auto token = sign_jwt(sample_claims(), kSecret);
  EXPECT_TRUE(looks_like_jwt(token));
  std::string header;
  ASSERT_TRUE(crypto::base64url_decode(token.substr(0, token.find('.')), header));
  auto h = boost::json::parse(header).as_object();
  EXPECT_EQ(h.at("alg").as_string(), "HS256");
  EXPECT_EQ(h.at("typ").as_string(), "JWT");
}

TEST(Jwt, CraftedTokenWithCorrectSignatureVerifies) {
  auto r = verify_jwt(craft(R"({"alg":"HS256","typ":"JWT"})", sample_payload(), kSecret), kSecret, kNow);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->role, "member");
}

TEST(Jwt, RejectsAlgNone) {
  std::string token = crypto::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                      crypto::base64url_encode(sample_payload()) + ".";
  expect_refused(verify_jwt(token, kSecret, kNow), "algorithm");
}

TEST(Jwt, RejectsAlgNoneEvenWithHmacSignature) {
  expect_refused(verify_jwt(craft(R"({"alg":"none"})", sample_payload(), kSecret), kSecret, kNow), "algorithm");
}

TEST(Jwt, RejectsHs512Header) {
  expect_refused(verify_jwt(craft(R"({"alg":"HS512","typ":"JWT"})", sample_payload(), kSecret), kSecret, kNow),
                 "algorithm");
}

TEST(Jwt, RejectsRs256Header) {
  expect_refused(verify_jwt(craft(R"({"alg":"RS256","typ":"JWT"})", sample_payload(), kSecret), kSecret, kNow),
                 "algorithm");
}

TEST(Jwt, RejectsLowerCaseAlgAndMissingAlg) {
  expect_refused(verify_jwt(craft(R"({"alg":"hs256"})", sample_payload(), kSecret), kSecret, kNow), "algorithm");
  expect_refused(verify_jwt(craft(R"({"typ":"JWT"})", sample_payload(), kSecret), kSecret, kNow), "algorithm");
  expect_refused(verify_jwt(craft(R"({"alg":256})", sample_payload(), kSecret), kSecret, kNow), "algorithm");
}

TEST(Jwt, RejectsTamperedPayload) {
  auto token = sign_jwt(sample_claims(), kSecret);
  size_t d1 = token.find('.'), d2 = token.rfind('.');
  std::string forged_payload = crypto::base64url_encode(
      R"({"sub":"usr_123","tid":"ten_456","role":"owner","email":"ada@example.com","iat":1699999990,"exp":1700003600})");
  std::string forged = token.substr(0, d1 + 1) + forged_payload + token.substr(d2);
  expect_refused(verify_jwt(forged, kSecret, kNow), "bad signature");
}

TEST(Jwt, RejectsTamperedSignature) {
  auto token = sign_jwt(sample_claims(), kSecret);
  std::string sig;
  ASSERT_TRUE(crypto::base64url_decode(token.substr(token.rfind('.') + 1), sig));
  sig[0] = static_cast<char>(sig[0] ^ 1);
  std::string forged = token.substr(0, token.rfind('.') + 1) + crypto::base64url_encode(sig);
  expect_refused(verify_jwt(forged, kSecret, kNow), "bad signature");
}

TEST(Jwt, RejectsWrongSecret) {
  auto token = sign_jwt(sample_claims(), kSecret);
  expect_refused(verify_jwt(token, "another-secret-of-sufficient-length-xyz", kNow), "bad signature");
}

TEST(Jwt, RejectsEmptySignature) {
  auto token = sign_jwt(sample_claims(), kSecret);
  expect_refused(verify_jwt(token.substr(0, token.rfind('.') + 1), kSecret, kNow), "bad signature");
}

TEST(Jwt, RejectsExpiredToken) {
  auto c = sample_claims();
  c.expires_at = kNow - 1;
  auto r = verify_jwt(sign_jwt(c, kSecret), kSecret, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().message(), "token expired");
}

TEST(Jwt, TokenExpiresAtItsExpSecond) {
  auto c = sample_claims();
  c.expires_at = kNow;
  auto token = sign_jwt(c, kSecret);
  EXPECT_TRUE(verify_jwt(token, kSecret, kNow - 1).ok());
  auto r = verify_jwt(token, kSecret, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "token expired");
}

TEST(Jwt, RejectsTokenWithoutExpiry) {
  auto c = sample_claims();
  c.expires_at = 0;
  auto r = verify_jwt(sign_jwt(c, kSecret), kSecret, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
}

TEST(Jwt, RejectsMissingSubjectOrTenant) {
  expect_refused(verify_jwt(craft(R"({"alg":"HS256"})", R"({"tid":"t","exp":1800000000})", kSecret), kSecret, kNow),
                 "missing claims");
  expect_refused(verify_jwt(craft(R"({"alg":"HS256"})", R"({"sub":"u","exp":1800000000})", kSecret), kSecret, kNow),
                 "missing claims");
}

TEST(Jwt, RejectsNonObjectPayloadAndHeader) {
  expect_refused(verify_jwt(craft(R"({"alg":"HS256"})", "[1,2]", kSecret), kSecret, kNow), "bad payload");
  expect_refused(verify_jwt(craft(R"({"alg":"HS256"})", "not json", kSecret), kSecret, kNow), "bad payload");
  // Starts with "eyJ" like any object header, but is not valid JSON.
  expect_refused(verify_jwt(craft(R"({"alg":"HS256")", sample_payload(), kSecret), kSecret, kNow), "bad header");
}

TEST(Jwt, RejectsBadSegmentEncoding) {
  expect_refused(verify_jwt("eyJ!!!.eyJ.abc", kSecret, kNow), "bad encoding");
  expect_refused(verify_jwt("eyJhbGciOiJIUzI1NiJ9.e.abc", kSecret, kNow), "bad encoding");
}

TEST(Jwt, RejectsNonJwtShapes) {
  expect_refused(verify_jwt("", kSecret, kNow), "not a JWT");
  expect_refused(verify_jwt("sk_live_abcdef", kSecret, kNow), "not a JWT");
  expect_refused(verify_jwt("eyJa.b", kSecret, kNow), "not a JWT");
  expect_refused(verify_jwt("eyJa.b.c.d", kSecret, kNow), "not a JWT");
}

TEST(Jwt, LooksLikeJwtTellsTokensFromKeys) {
  EXPECT_TRUE(looks_like_jwt(sign_jwt(sample_claims(), kSecret)));
  EXPECT_TRUE(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
  EXPECT_TRUE(looks_like_jwt("eyJhbGciOiJub25lIn0.e30."));
  EXPECT_FALSE(looks_like_jwt("sk_live_4qArx8L2abcdefghijklmnopqrstuvwxyz0123456789"));
  EXPECT_FALSE(looks_like_jwt("ctx_abcdefgh12345678"));
  EXPECT_FALSE(looks_like_jwt("abc.def.ghi"));
  EXPECT_FALSE(looks_like_jwt("eyJabc.def"));
  EXPECT_FALSE(looks_like_jwt("eyJ.a.b.c"));
  EXPECT_FALSE(looks_like_jwt(""));
}

}  // namespace
