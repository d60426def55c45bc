// The shape of API keys. A key is a family prefix plus 40 random base62 characters
// (~238 bits); only its SHA-256 is stored, so a fast hash is the right one here.
#pragma once

#include <string>
#include <string_view>

namespace brainstem::auth {

enum class KeyKind {
  kLive,    // "sk_live_…" (CerebralOS /v1/api-keys)
  kCortex,  // "ctx_…"     (Cortex /portal/api/keys, Cendriix)
};

struct NewApiKey {
  std::string raw;     // shown to the user once
  std::string prefix;  // stored and shown: the kind prefix plus 8 characters
  std::string hash;    // sha256 hex of raw
};

NewApiKey generate_api_key(KeyKind kind);
std::string hash_api_key(std::string_view raw);
// How a stored key is shown in lists: "sk_4qArx8L2••••••••••••" (seed 000) or "ctx_abc12345••••".
std::string mask_api_key(std::string_view prefix);
// True when the credential has an API key's form (a known prefix).
bool looks_like_api_key(std::string_view credential);

}  // namespace brainstem::auth
