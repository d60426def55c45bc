// JSON Web Tokens for the management API: HS256 only. A token with any other `alg`
// (including "none"), a bad signature, a malformed segment or a past `exp` is refused.
// Thread-safe; pure functions.
#pragma once

#include "common/status.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace brainstem::auth {

struct Claims {
  std::string subject;    // user id
  std::string tenant_id;  // the workspace the token is scoped to
  std::string role;       // the user's role there
  std::string email;
  int64_t issued_at = 0;   // unix seconds
  int64_t expires_at = 0;  // unix seconds
};

std::string sign_jwt(const Claims& claims, std::string_view secret);
// kUnauthenticated with a message saying why, on any failure.
Result<Claims> verify_jwt(std::string_view token, std::string_view secret, int64_t now_s);
// True when the credential has a JWT's form (three base64url segments, header starting
// "eyJ"), which is how a JWT is told apart from an API key in one Authorization header.
bool looks_like_jwt(std::string_view credential);

}  // namespace brainstem::auth
