// Agent Cards (A2A 1.0): their canonical form and their signatures.
//
// A card is signed as the A2A specification (section 8.4) says: a JWS with a detached payload,
// the payload being the card's canonical form: the card without `signatures`, with empty
// values ("", null, [], {}) left out at every depth, serialized by RFC 8785 (JCS: members
// sorted, no whitespace). The key is Ed25519 (alg EdDSA); its public half is published as a
// JWK set, which the protected header's `jku` names beside the key id `kid`.
// Thread-safety: a CardSigner is immutable.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace brainstem::a2a {

// RFC 8785 text of `card` without `signatures` and without empty values.
std::string canonical_json(const boost::json::object& card);

class CardSigner {
 public:
  // `seed`: the 32-byte Ed25519 private key.
  explicit CardSigner(std::string seed);
  static std::string generate_seed();

  const std::string& key_id() const { return key_id_; }
  // {"keys": [{kty: OKP, crv: Ed25519, x, kid, alg: EdDSA, use: sig}]}
  boost::json::object jwks() const;
  // The card with a signature appended to its `signatures`, the JWS header naming `jwks_url`.
  boost::json::object sign(boost::json::object card, const std::string& jwks_url) const;
  // True when one of the card's signatures is this key's over its canonical form.
  bool verify(const boost::json::object& card) const;

 private:
  std::string seed_;
  std::string public_key_;
  std::string key_id_;
};

}  // namespace brainstem::a2a
