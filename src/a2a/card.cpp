#include "a2a/card.h"

#include "common/crypto.h"
#include "common/json_text.h"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <vector>

namespace brainstem::a2a {

namespace json = boost::json;

namespace {

// The value without its empty members and elements, or nullopt when nothing is left.
std::optional<json::value> without_empty(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return std::nullopt;
    case json::kind::string:
      if (v.get_string().empty()) return std::nullopt;
      return v;
    case json::kind::array: {
      json::array kept;
      for (const auto& e : v.get_array())
        if (auto c = without_empty(e)) kept.push_back(std::move(*c));
      if (kept.empty()) return std::nullopt;
      return json::value(std::move(kept));
    }
    case json::kind::object: {
      json::object kept;
      for (const auto& m : v.get_object())
        if (auto c = without_empty(m.value())) kept[m.key()] = std::move(*c);
      if (kept.empty()) return std::nullopt;
      return json::value(std::move(kept));
    }
    default: return v;
  }
}

void append_jcs(std::string& out, const json::value& v) {
  if (v.is_object()) {
    std::vector<const json::key_value_pair*> members;
    for (const auto& m : v.get_object()) members.push_back(&m);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, std::string_view(members[i]->key()));
      out += ':';
      append_jcs(out, members[i]->value());
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ',';
      first = false;
      append_jcs(out, e);
    }
    out += ']';
  } else {
    append_json(out, v);
  }
}

std::string protected_header(const std::string& kid, const std::string& jwks_url) {
  return json_text(json::object{{"alg", "EdDSA"}, {"typ", "JOSE"}, {"kid", kid}, {"jku", jwks_url}});
}

}  // namespace

std::string canonical_json(const json::object& card) {
  json::object body = card;
  body.erase("signatures");
  std::string out;
  auto kept = without_empty(body);
  append_jcs(out, kept ? *kept : json::value(json::object{}));
  return out;
}

CardSigner::CardSigner(std::string seed)
    : seed_(std::move(seed)), public_key_(crypto::ed25519_public_key(seed_)),
      key_id_("ed25519-" + crypto::sha256_hex(public_key_).substr(0, 16)) {}

std::string CardSigner::generate_seed() { return crypto::random_bytes(32); }

json::object CardSigner::jwks() const {
  return json::object{{"keys", json::array{json::object{{"kty", "OKP"}, {"crv", "Ed25519"},
                                                        {"x", crypto::base64url_encode(public_key_)},
                                                        {"kid", key_id_}, {"alg", "EdDSA"}, {"use", "sig"}}}}};
}

json::object CardSigner::sign(json::object card, const std::string& jwks_url) const {
  const std::string header = crypto::base64url_encode(protected_header(key_id_, jwks_url));
  const std::string input = header + "." + crypto::base64url_encode(canonical_json(card));
  json::object signature{{"protected", header}, {"signature", crypto::base64url_encode(crypto::ed25519_sign(seed_, input))}};
  json::array signatures;
  if (const auto* given = card.if_contains("signatures"); given && given->is_array()) signatures = given->get_array();
  signatures.push_back(std::move(signature));
  card["signatures"] = std::move(signatures);
  return card;
}

bool CardSigner::verify(const json::object& card) const {
  const auto* signatures = card.if_contains("signatures");
  if (!signatures || !signatures->is_array()) return false;
  const std::string payload = crypto::base64url_encode(canonical_json(card));
  for (const auto& s : signatures->get_array()) {
    if (!s.is_object()) continue;
    const auto* header = s.get_object().if_contains("protected");
    const auto* value = s.get_object().if_contains("signature");
    std::string raw;
    if (!header || !header->is_string() || !value || !value->is_string() ||
        !crypto::base64url_decode(std::string_view(value->get_string()), raw))
      continue;
    if (crypto::ed25519_verify(public_key_, std::string(header->get_string()) + "." + payload, raw)) return true;
  }
  return false;
}

}  // namespace brainstem::a2a
