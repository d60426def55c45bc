#include "auth/password.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace brainstem::auth;

TEST(Password, HashIsEncodedArgon2id) {
  auto encoded = hash_password("correct horse battery staple");
  EXPECT_EQ(encoded.rfind("$argon2id$", 0), 0u) << encoded;
  EXPECT_EQ(encoded.find("correct horse"), std::string::npos);
}

TEST(Password, HashThenVerifySucceeds) {
  auto encoded = hash_password("correct horse battery staple");
  EXPECT_TRUE(verify_password(encoded, "correct horse battery staple"));
}

TEST(Password, WrongPasswordFailsVerification) {
  auto encoded = hash_password("correct horse battery staple");
  EXPECT_FALSE(verify_password(encoded, "correct horse battery stapler"));
  EXPECT_FALSE(verify_password(encoded, "Correct horse battery staple"));
  EXPECT_FALSE(verify_password(encoded, ""));
}

TEST(Password, MalformedEncodedHashFailsVerification) {
  EXPECT_FALSE(verify_password("", "pw"));
  EXPECT_FALSE(verify_password("not-a-hash", "pw"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", "pw"));
  EXPECT_FALSE(verify_password(std::string(4096, 'x'), "pw"));
  auto encoded = hash_password("pw-for-truncation");
  EXPECT_FALSE(verify_password(encoded.substr(0, encoded.size() - 5), "pw-for-truncation"));
}

TEST(Password, EachHashIsSaltedDifferently) {
  auto a = hash_password("same password");
  auto b = hash_password("same password");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, "same password"));
  EXPECT_TRUE(verify_password(b, "same password"));
}

TEST(Password, HandlesEmbeddedNulAndEmptyPasswords) {
  std::string with_nul("ab\0cd", 5);
  auto encoded = hash_password(with_nul);
  EXPECT_TRUE(verify_password(encoded, with_nul));
  EXPECT_FALSE(verify_password(encoded, "ab"));
  auto empty = hash_password("");
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, " "));
}

}  // namespace
