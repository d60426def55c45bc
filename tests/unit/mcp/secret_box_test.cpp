#include "mcp/secret_box.h"

#include <gtest/gtest.h>

namespace brainstem::mcp {
namespace {

TEST(SecretBox, SealsAndOpensWithoutTheSecretInTheSealedText) {
  auto box = SecretBox::from_hex(SecretBox::generate_hex_key());
  ASSERT_TRUE(box.ok()) << box.status().message();
  const std::string sealed = box->seal(R"({"apiKey":"sk-very-secret"})");
  EXPECT_EQ(sealed.find("sk-very-secret"), std::string::npos);
  EXPECT_EQ(sealed.rfind("sb1:", 0), 0u);
  auto opened = box->open(sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, R"({"apiKey":"sk-very-secret"})");
  EXPECT_NE(box->seal("same"), box->seal("same")) << "a fresh nonce each time";
}

TEST(SecretBox, ATamperedValueOrAnotherKeyDoesNotOpen) {
  auto box = SecretBox::from_hex(SecretBox::generate_hex_key()).value();
  auto other = SecretBox::from_hex(SecretBox::generate_hex_key()).value();
  std::string sealed = box.seal("secret");
  EXPECT_FALSE(other.open(sealed).ok());
  sealed[sealed.size() - 2] = sealed[sealed.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.open(sealed).ok());
  EXPECT_FALSE(box.open("plain text").ok());
  EXPECT_FALSE(box.open("sb1:").ok());
}

TEST(SecretBox, APreviousKeyStillOpensWhatItSealedAndNewValuesUseTheCurrentKey) {
  const std::string old_key = SecretBox::generate_hex_key();
  const std::string new_key = SecretBox::generate_hex_key();
  const std::string sealed_before = SecretBox::from_hex(old_key).value().seal("kept");
  auto rotated = SecretBox::from_hex(new_key, {old_key}).value();
  EXPECT_EQ(rotated.open(sealed_before).value(), "kept");
  const std::string sealed_after = rotated.seal("new");
  EXPECT_EQ(SecretBox::from_hex(new_key).value().open(sealed_after).value(), "new");
  EXPECT_FALSE(SecretBox::from_hex(old_key).value().open(sealed_after).ok());
}

TEST(SecretBox, KeysMustBe64HexDigits) {
  EXPECT_FALSE(SecretBox::from_hex("").ok());
  EXPECT_FALSE(SecretBox::from_hex("abcd").ok());
  EXPECT_FALSE(SecretBox::from_hex(std::string(64, 'g')).ok());
  auto bad_previous = SecretBox::from_hex(std::string(64, 'a'), {"nope"});
  ASSERT_FALSE(bad_previous.ok());
  EXPECT_NE(bad_previous.status().message().find("previous secret key 1"), std::string::npos);
  EXPECT_TRUE(SecretBox::from_hex(std::string(64, 'a')).ok());
}

}  // namespace
}  // namespace brainstem::mcp
