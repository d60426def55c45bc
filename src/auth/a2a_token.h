// A2A bearer tokens: short-lived, bound to one agent of one workspace, limited to some of its
// skills. "a2a_" + base64url(JSON claims) + "." + base64url(HMAC-SHA256), keyed by the server's
// JWT secret under a label of their own, so neither kind of token passes for the other. They
// are not stored: a token lives until its expiry (at most a day).
// Pure functions; thread-safe.
#pragma once

#include "common/status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::auth {

inline constexpr int64_t kMaxA2aTokenSeconds = 86400;

struct A2aTokenClaims {
  std::string token_id;
  std::string tenant_id;
  std::string agent_id;
  std::vector<std::string> skills;
  int64_t expires_at = 0;  // unix seconds
};

std::string sign_a2a_token(const A2aTokenClaims& claims, std::string_view secret);
// kUnauthenticated, saying why, for a bad form, a bad signature or a past expiry.
Result<A2aTokenClaims> verify_a2a_token(std::string_view token, std::string_view secret, int64_t now_s);
bool looks_like_a2a_token(std::string_view credential);

}  // namespace brainstem::auth
