// Agent cards: the canonical form a verifier recomputes, and the signature over it.
#include "a2a/card.h"

#include "common/crypto.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {

using namespace brainstem;
namespace json = boost::json;

json::object sample_card() {
  return json::parse(R"({"name":"Desk","description":"Answers","version":"1.0",
    "capabilities":{"streaming":true,"pushNotifications":false},
    "skills":[{"id":"converse","name":"Converse","tags":["chat"],"examples":[]}],
    "iconUrl":"","provider":{"organization":"brainstem","url":"http://x"},
    "securityRequirements":[{"schemes":{"apiKey":{"list":[]}}}]})").as_object();
}

TEST(Card, CanonicalFormSortsMembersDropsEmptiesAndSignatures) {
  json::object card = sample_card();
  card["signatures"] = json::array{json::object{{"protected", "x"}, {"signature", "y"}}};
  EXPECT_EQ(a2a::canonical_json(card),
            R"({"capabilities":{"pushNotifications":false,"streaming":true},"description":"Answers","name":"Desk",)"
            R"("provider":{"organization":"brainstem","url":"http://x"},"skills":[{"id":"converse","name":"Converse","tags":["chat"]}],"version":"1.0"})");
}

TEST(Card, CanonicalFormIgnoresMemberOrderAndEscapesLikeJson) {
  json::object a = json::parse(R"({"b":"line\nbreak \"q\"","a":1})").as_object();
  json::object b = json::parse(R"({"a":1,"b":"line\nbreak \"q\""})").as_object();
  EXPECT_EQ(a2a::canonical_json(a), a2a::canonical_json(b));
  EXPECT_EQ(a2a::canonical_json(a), R"({"a":1,"b":"line\nbreak \"q\""})");
  EXPECT_EQ(a2a::canonical_json(json::object{}), "{}");
}

TEST(Card, ASignedCardVerifiesAndAnyChangeBreaksIt) {
  a2a::CardSigner signer(a2a::CardSigner::generate_seed());
  json::object signed_card = signer.sign(sample_card(), "http://x/.well-known/jwks.json");
  ASSERT_EQ(signed_card["signatures"].as_array().size(), 1u);
  EXPECT_TRUE(signer.verify(signed_card));

  json::object changed = signed_card;
  changed["description"] = "Answers everything";
  EXPECT_FALSE(signer.verify(changed));
  json::object reordered = json::parse(R"({"version":"1.0"})").as_object();  // member order does not matter
  for (const auto& m : signed_card) reordered[m.key()] = m.value();
  EXPECT_TRUE(signer.verify(reordered));
  json::object emptied = signed_card;
  emptied["documentationUrl"] = "";  // an empty field is not part of what was signed
  EXPECT_TRUE(signer.verify(emptied));

  a2a::CardSigner other(a2a::CardSigner::generate_seed());
  EXPECT_FALSE(other.verify(signed_card));
  EXPECT_NE(other.key_id(), signer.key_id());
}

TEST(Card, TheProtectedHeaderNamesTheKeyAndTheJwksPublishesIt) {
  a2a::CardSigner signer(a2a::CardSigner::generate_seed());
  json::object card = signer.sign(sample_card(), "http://x/.well-known/jwks.json");
  std::string header;
  ASSERT_TRUE(crypto::base64url_decode(std::string(card["signatures"].as_array()[0].as_object()["protected"].as_string()), header));
  json::object h = json::parse(header).as_object();
  EXPECT_EQ(h["alg"], "EdDSA");
  EXPECT_EQ(h["typ"], "JOSE");
  EXPECT_EQ(h["kid"].as_string(), signer.key_id());
  EXPECT_EQ(h["jku"], "http://x/.well-known/jwks.json");
  json::object key = signer.jwks()["keys"].as_array()[0].as_object();
  EXPECT_EQ(key["kty"], "OKP");
  EXPECT_EQ(key["crv"], "Ed25519");
  EXPECT_EQ(key["kid"].as_string(), signer.key_id());
  std::string x;
  ASSERT_TRUE(crypto::base64url_decode(std::string(key["x"].as_string()), x));
  EXPECT_EQ(x.size(), 32u);
}

}  // namespace
