#include "auth/api_key_format.h"

#include "common/crypto.h"
#include "common/ids.h"

namespace brainstem::auth {

namespace {
constexpr std::string_view kLivePrefix = "sk_live_";
constexpr std::string_view kCortexPrefix = "ctx_";
constexpr size_t kSecretChars = 40;
constexpr size_t kVisibleChars = 8;
}  // namespace

NewApiKey generate_api_key(KeyKind kind) {
  std::string_view kind_prefix = kind == KeyKind::kLive ? kLivePrefix : kCortexPrefix;
  NewApiKey key;
  key.raw = random_id(kind_prefix, kSecretChars);
  key.prefix = key.raw.substr(0, kind_prefix.size() + kVisibleChars);
  key.hash = hash_api_key(key.raw);
  return key;
}

std::string hash_api_key(std::string_view raw) { return crypto::sha256_hex(raw); }

std::string mask_api_key(std::string_view prefix) {
  std::string shown(prefix);
  if (shown.starts_with(kLivePrefix)) shown = "sk_" + shown.substr(kLivePrefix.size());
  std::string out = shown;
  for (int i = 0; i < 12; ++i) out += "\u2022";
  return out;
}

bool looks_like_api_key(std::string_view credential) {
  return credential.starts_with(kLivePrefix) || credential.starts_with(kCortexPrefix);
}

}  // namespace brainstem::auth
