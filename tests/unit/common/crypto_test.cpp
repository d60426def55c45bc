#include "common/crypto.h"

#include <gtest/gtest.h>

#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>

namespace {

using namespace brainstem;

TEST(Crypto, Sha256OfAbcMatchesFips180Vector) {
  EXPECT_EQ(crypto::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, Sha256OfEmptyInputMatchesKnownDigest) {
  EXPECT_EQ(crypto::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, Sha256HashesEmbeddedNulBytes) {
  std::string with_nul("a\0b", 3);
  EXPECT_NE(crypto::sha256_hex(with_nul), crypto::sha256_hex("a"));
  EXPECT_EQ(crypto::sha256_hex(with_nul).size(), 64u);
}

TEST(Crypto, HmacSha256MatchesRfc4231Case1) {
  std::string key(20, '\x0b');
  EXPECT_EQ(crypto::hmac_sha256_hex(key, "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, HmacSha256RawIs32BytesAndMatchesHex) {
  auto raw = crypto::hmac_sha256("Jefe", "what do ya want for nothing?");
  ASSERT_EQ(raw.size(), 32u);
  EXPECT_EQ(crypto::hex_encode(raw), crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?"));
}

TEST(Crypto, HexEncodeUsesLowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(crypto::hex_encode(std::string("\x00\xff\x10\xab", 4)), "00ff10ab");
  EXPECT_EQ(crypto::hex_encode(""), "");
}

TEST(Crypto, Base64UrlEncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(crypto::base64url_encode(""), "");
  EXPECT_EQ(crypto::base64url_encode("f"), "Zg");
  EXPECT_EQ(crypto::base64url_encode("fo"), "Zm8");
  EXPECT_EQ(crypto::base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(crypto::base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(crypto::base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(crypto::base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Crypto, Base64UrlUsesUrlSafeAlphabet) {
  // Standard base64 would give "+/8" here.
  EXPECT_EQ(crypto::base64url_encode(std::string("\xfb\xff", 2)), "-_8");
  std::string out;
  ASSERT_TRUE(crypto::base64url_decode("-_8", out));
  EXPECT_EQ(out, std::string("\xfb\xff", 2));
}

TEST(Crypto, Base64UrlRoundTripsLengthsZeroToFive) {
  const std::string source("\x00\x01\xfe\xff\x7f\x80", 6);
  for (size_t n = 0; n <= 5; ++n) {
    std::string input = source.substr(0, n);
    std::string encoded = crypto::base64url_encode(input);
    EXPECT_EQ(encoded.size(), (n * 4 + 2) / 3) << "length " << n;
    std::string decoded = "stale";
    ASSERT_TRUE(crypto::base64url_decode(encoded, decoded)) << "length " << n;
    EXPECT_EQ(decoded, input) << "length " << n;
  }
}

TEST(Crypto, Base64UrlRoundTripsRandomBinary) {
  for (size_t n : {7u, 31u, 32u, 33u, 256u}) {
    std::string input = crypto::random_bytes(n);
    std::string decoded;
    ASSERT_TRUE(crypto::base64url_decode(crypto::base64url_encode(input), decoded));
    EXPECT_EQ(decoded, input);
  }
}

TEST(Crypto, Base64UrlDecodeRejectsNonZeroTrailingBits) {
  std::string out;
  // "Zg" is "f"; "Zh" carries the same 8 bits with a non-zero remainder.
  ASSERT_TRUE(crypto::base64url_decode("Zg", out));
  EXPECT_FALSE(crypto::base64url_decode("Zh", out));
  ASSERT_TRUE(crypto::base64url_decode("Zm8", out));
  EXPECT_FALSE(crypto::base64url_decode("Zm9", out));
}

TEST(Crypto, Base64UrlDecodeRejectsCharactersOutsideAlphabet) {
  std::string out;
  EXPECT_FALSE(crypto::base64url_decode("Zm9v!A", out));
  EXPECT_FALSE(crypto::base64url_decode("Zm+v", out));
  EXPECT_FALSE(crypto::base64url_decode("Zm/v", out));
  EXPECT_FALSE(crypto::base64url_decode("Zm9 v", out));
  EXPECT_FALSE(crypto::base64url_decode(std::string("Zm\0v", 4), out));
}

TEST(Crypto, Base64UrlDecodeRejectsImpossibleLength) {
  std::string out;
  EXPECT_FALSE(crypto::base64url_decode("Z", out));
  EXPECT_FALSE(crypto::base64url_decode("Zm9vY", out));
}

TEST(Crypto, RandomBase62HasRequestedLengthAndAlphabet) {
  for (size_t n : {0u, 1u, 40u, 1000u}) {
    auto s = crypto::random_base62(n);
    ASSERT_EQ(s.size(), n);
    for (char c : s) {
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) << int(c);
    }
  }
}

TEST(Crypto, RandomBase62UsesAllSixtyTwoCharacters) {
  std::set<char> seen;
  for (char c : crypto::random_base62(62 * 200)) seen.insert(c);
  EXPECT_EQ(seen.size(), 62u);
}

TEST(Crypto, AppendRandomBase62KeepsWhatWasThere) {
  std::string out = "key_";
  crypto::append_random_base62(out, 100);  // more than one draw of random bytes
  ASSERT_EQ(out.size(), 104u);
  EXPECT_EQ(out.substr(0, 4), "key_");
  EXPECT_EQ(out.find_first_not_of(crypto::kBase62Digits, 4), std::string::npos) << out;
}

TEST(Crypto, RandomBase62CallsDiffer) {
  EXPECT_NE(crypto::random_base62(32), crypto::random_base62(32));
}

TEST(Crypto, RandomBytesHasRequestedLength) {
  EXPECT_EQ(crypto::random_bytes(0).size(), 0u);
  EXPECT_EQ(crypto::random_bytes(17).size(), 17u);
  EXPECT_NE(crypto::random_bytes(16), crypto::random_bytes(16));
}

// Draws of every size, across many refills of the per-thread pool and from several threads,
// never repeat a 16-byte window and are not all zero (a wiped pool handed out again would be).
TEST(Crypto, RandomBytesNeverRepeatAcrossPoolRefillsAndThreads) {
  std::mutex mu;
  std::set<std::string> seen;
  size_t draws = 0;
  auto draw = [&] {
    for (size_t n : {16u, 33u, 7u, 1000u, 2000u, 64u}) {
      for (int i = 0; i < 50; ++i) {
        auto bytes = crypto::random_bytes(n);
        ASSERT_EQ(bytes.size(), n);
        EXPECT_NE(bytes.find_first_not_of('\0'), std::string::npos);
        std::lock_guard lock(mu);
        ++draws;
        if (n >= 16) seen.insert(bytes.substr(0, 16));
      }
    }
  };
  std::thread a(draw), b(draw);
  draw();
  a.join();
  b.join();
  EXPECT_EQ(draws, 900u);
  EXPECT_EQ(seen.size(), 750u);
}

TEST(Crypto, UuidV4HasVersionAndVariantBits) {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto id = crypto::uuid_v4();
    EXPECT_EQ(id.size(), 36u);
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Crypto, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(crypto::constant_time_equal("", ""));
  EXPECT_TRUE(crypto::constant_time_equal("secret", "secret"));
  EXPECT_FALSE(crypto::constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(crypto::constant_time_equal("secret", "Secret"));
  EXPECT_FALSE(crypto::constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(crypto::constant_time_equal("secret", ""));
  EXPECT_FALSE(crypto::constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_TRUE(crypto::constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
}

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// RFC 8032 section 7.1, test 1 (empty message) and test 2 (one byte).
TEST(Crypto, Ed25519MatchesTheRfcVectors) {
  const std::string seed = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  EXPECT_EQ(crypto::hex_encode(crypto::ed25519_public_key(seed)), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(crypto::hex_encode(crypto::ed25519_sign(seed, "")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  const std::string seed2 = unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  EXPECT_EQ(crypto::hex_encode(crypto::ed25519_sign(seed2, unhex("72"))),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

TEST(Crypto, Ed25519VerifyRefusesAnyChange) {
  const std::string seed = crypto::random_bytes(32);
  const std::string pub = crypto::ed25519_public_key(seed);
  const std::string sig = crypto::ed25519_sign(seed, "the card");
  EXPECT_TRUE(crypto::ed25519_verify(pub, "the card", sig));
  EXPECT_FALSE(crypto::ed25519_verify(pub, "the card.", sig));
  std::string bent = sig;
  bent[10] ^= 1;
  EXPECT_FALSE(crypto::ed25519_verify(pub, "the card", bent));
  EXPECT_FALSE(crypto::ed25519_verify(crypto::ed25519_public_key(crypto::random_bytes(32)), "the card", sig));
  EXPECT_FALSE(crypto::ed25519_verify(pub.substr(1), "the card", sig));
  EXPECT_FALSE(crypto::ed25519_verify(pub, "the card", sig.substr(1)));
  EXPECT_THROW(crypto::ed25519_sign("short", "x"), std::invalid_argument);
}

}  // namespace
