#include "auth/a2a_token.h"

#include "common/crypto.h"
#include "common/json_text.h"

#include <boost/json.hpp>

namespace brainstem::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "a2a_";

std::string mac_of(std::string_view payload, std::string_view secret) {
  return crypto::hmac_sha256(secret, "brainstem-a2a-token\n" + std::string(payload));
}

}  // namespace

bool looks_like_a2a_token(std::string_view credential) { return credential.starts_with(kPrefix); }

std::string sign_a2a_token(const A2aTokenClaims& c, std::string_view secret) {
  json::array skills;
  for (const auto& s : c.skills) skills.push_back(json::value(s));
  std::string payload = crypto::base64url_encode(json_text(json::object{
      {"jti", c.token_id}, {"tid", c.tenant_id}, {"agt", c.agent_id}, {"skl", std::move(skills)}, {"exp", c.expires_at}}));
  return std::string(kPrefix) + payload + "." + crypto::base64url_encode(mac_of(payload, secret));
}

Result<A2aTokenClaims> verify_a2a_token(std::string_view token, std::string_view secret, int64_t now_s) {
  auto fail = [](std::string why) { return Status::unauthenticated("invalid A2A token: " + std::move(why)); };
  if (!looks_like_a2a_token(token)) return fail("not an A2A token");
  token.remove_prefix(kPrefix.size());
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) return fail("malformed");
  const std::string_view payload = token.substr(0, dot);
  std::string mac, text;
  if (!crypto::base64url_decode(token.substr(dot + 1), mac) || !crypto::constant_time_equal(mac, mac_of(payload, secret)))
    return fail("bad signature");
  if (!crypto::base64url_decode(payload, text)) return fail("bad encoding");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return fail("bad claims");
  const json::object& o = v.get_object();
  A2aTokenClaims c;
  const auto* jti = o.if_contains("jti");
  const auto* tid = o.if_contains("tid");
  const auto* agt = o.if_contains("agt");
  const auto* skl = o.if_contains("skl");
  const auto* exp = o.if_contains("exp");
  if (!jti || !jti->is_string() || !tid || !tid->is_string() || !agt || !agt->is_string() || !skl || !skl->is_array() ||
      !exp || !exp->is_int64())
    return fail("bad claims");
  c.token_id = jti->get_string();
  c.tenant_id = tid->get_string();
  c.agent_id = agt->get_string();
  for (const auto& s : skl->get_array())
    if (s.is_string()) c.skills.emplace_back(s.get_string());
  c.expires_at = exp->get_int64();
  if (c.expires_at <= now_s) return fail("expired");
  return c;
}

}  // namespace brainstem::auth
