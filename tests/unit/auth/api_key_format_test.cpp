#include "auth/api_key_format.h"

#include "common/crypto.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::auth;

const std::string kBullet = "\u2022";

std::string bullets(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += kBullet;
  return out;
}

bool all_base62(std::string_view s) {
  for (unsigned char c : s) {
    if (!std::isalnum(c)) return false;
  }
  return true;
}

TEST(ApiKeyFormat, LiveKeyHasPrefixAndFortyRandomCharacters) {
  auto k = generate_api_key(KeyKind::kLive);
  ASSERT_EQ(k.raw.rfind("sk_live_", 0), 0u) << k.raw;
  EXPECT_EQ(k.raw.size(), 8u + 40u);
  EXPECT_TRUE(all_base62(std::string_view(k.raw).substr(8))) << k.raw;
}

TEST(ApiKeyFormat, CortexKeyHasPrefixAndFortyRandomCharacters) {
  auto k = generate_api_key(KeyKind::kCortex);
  ASSERT_EQ(k.raw.rfind("ctx_", 0), 0u) << k.raw;
  EXPECT_EQ(k.raw.size(), 4u + 40u);
  EXPECT_TRUE(all_base62(std::string_view(k.raw).substr(4))) << k.raw;
}

TEST(ApiKeyFormat, PrefixIsKindPrefixPlusEightCharacters) {
  auto live = generate_api_key(KeyKind::kLive);
  EXPECT_EQ(live.prefix.size(), 16u);
  EXPECT_EQ(live.prefix, live.raw.substr(0, 16));
  auto cortex = generate_api_key(KeyKind::kCortex);
  EXPECT_EQ(cortex.prefix.size(), 12u);
  EXPECT_EQ(cortex.prefix, cortex.raw.substr(0, 12));
}

TEST(ApiKeyFormat, HashIsSha256HexOfRawKey) {
  auto k = generate_api_key(KeyKind::kLive);
  EXPECT_EQ(k.hash, crypto::sha256_hex(k.raw));
  EXPECT_EQ(k.hash.size(), 64u);
  EXPECT_EQ(hash_api_key(k.raw), k.hash);
  EXPECT_EQ(hash_api_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeyFormat, GeneratedKeysAreUnique) {
  auto a = generate_api_key(KeyKind::kLive);
  auto b = generate_api_key(KeyKind::kLive);
  EXPECT_NE(a.raw, b.raw);
  EXPECT_NE(a.hash, b.hash);
}

TEST(ApiKeyFormat, MaskShowsSkPlusEightCharactersAndTwelveBullets) {
  EXPECT_EQ(mask_api_key("sk_live_4qArx8L2"), "sk_4qArx8L2" + bullets(12));
  auto k = generate_api_key(KeyKind::kLive);
  auto masked = mask_api_key(k.prefix);
  EXPECT_EQ(masked, "sk_" + k.raw.substr(8, 8) + bullets(12));
  EXPECT_EQ(masked.find(k.raw.substr(16)), std::string::npos);
}

TEST(ApiKeyFormat, MaskKeepsCortexPrefix) {
  EXPECT_EQ(mask_api_key("ctx_abc12345"), "ctx_abc12345" + bullets(12));
}

TEST(ApiKeyFormat, LooksLikeApiKeyRecognisesKnownPrefixes) {
  EXPECT_TRUE(looks_like_api_key(generate_api_key(KeyKind::kLive).raw));
  EXPECT_TRUE(looks_like_api_key(generate_api_key(KeyKind::kCortex).raw));
  EXPECT_TRUE(looks_like_api_key("sk_live_x"));
  EXPECT_TRUE(looks_like_api_key("ctx_x"));
  EXPECT_FALSE(looks_like_api_key("sk_test_abc"));
  EXPECT_FALSE(looks_like_api_key("SK_LIVE_abc"));
  EXPECT_FALSE(looks_like_api_key("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
  EXPECT_FALSE(looks_like_api_key(""));
}

}  // namespace
