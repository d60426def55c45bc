#include "auth/jwt.h"

#include "common/crypto.h"
#include "common/json_text.h"

#include <boost/json.hpp>

namespace brainstem::auth {

namespace json = boost::json;

std::string sign_jwt(const Claims& c, std::string_view secret) {
  static const std::string header = crypto::base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  json::object payload{{"sub", c.subject}, {"tid", c.tenant_id}, {"role", c.role},
                       {"email", c.email}, {"iat", c.issued_at}, {"exp", c.expires_at}};
  std::string signing_input = header + "." + crypto::base64url_encode(json_text(payload));
  return signing_input + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, signing_input));
}

bool looks_like_jwt(std::string_view credential) {
  size_t first = credential.find('.');
  if (first == std::string_view::npos || credential.substr(0, 3) != "eyJ") return false;
  size_t second = credential.find('.', first + 1);
  return second != std::string_view::npos && credential.find('.', second + 1) == std::string_view::npos;
}

Result<Claims> verify_jwt(std::string_view token, std::string_view secret, int64_t now_s) {
  auto fail = [](std::string why) { return Status::unauthenticated("invalid token: " + std::move(why)); };
  if (!looks_like_jwt(token)) return fail("not a JWT");
  size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  std::string_view h64 = token.substr(0, d1), p64 = token.substr(d1 + 1, d2 - d1 - 1),
                   s64 = token.substr(d2 + 1);
  std::string header_text, payload_text, signature;
  if (!crypto::base64url_decode(h64, header_text) || !crypto::base64url_decode(p64, payload_text) ||
      !crypto::base64url_decode(s64, signature)) {
    return fail("bad encoding");
  }
  boost::system::error_code ec;
  json::value header = json::parse(header_text, ec);
  if (ec || !header.is_object()) return fail("bad header");
  const auto* alg = header.as_object().if_contains("alg");
  if (!alg || !alg->is_string() || alg->get_string() != "HS256") return fail("algorithm not accepted");
  std::string expected = crypto::hmac_sha256(secret, token.substr(0, d2));
  if (!crypto::constant_time_equal(expected, signature)) return fail("bad signature");
  json::value payload = json::parse(payload_text, ec);
  if (ec || !payload.is_object()) return fail("bad payload");
  const auto& p = payload.as_object();
  Claims c;
  auto str = [&](const char* k) -> std::string {
    const auto* v = p.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  auto num = [&](const char* k) -> int64_t {
    const auto* v = p.if_contains(k);
    return v && v->is_int64() ? v->get_int64() : (v && v->is_uint64() ? int64_t(v->get_uint64()) : 0);
  };
  c.subject = str("sub");
  c.tenant_id = str("tid");
  c.role = str("role");
  c.email = str("email");
  c.issued_at = num("iat");
  c.expires_at = num("exp");
  if (c.subject.empty() || c.tenant_id.empty()) return fail("missing claims");
  if (c.expires_at == 0 || c.expires_at <= now_s) return Status::unauthenticated("token expired");
  return c;
}

}  // namespace brainstem::auth
