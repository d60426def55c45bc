// Secrets at rest: values sealed with libsodium's secretbox (XSalsa20-Poly1305) under the
// server's secret key. A sealed value is "sb1:" + base64url(nonce || ciphertext).
//
// Rotation: configure the new key and keep the old ones as previous keys; open() tries the
// current key, then each previous one, and seal() always uses the current key, so a value is
// re-sealed under the new key whenever it is written again.
// Thread-safety: immutable after creation; every method may be called concurrently.
#pragma once

#include "common/status.h"

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::mcp {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  using Key = std::array<unsigned char, kKeyBytes>;

  // Keys as 64 hex digits (`openssl rand -hex 32`). kInvalidArgument naming a key that is not.
  static Result<SecretBox> from_hex(std::string_view current, const std::vector<std::string>& previous = {});
  // A fresh random key, as 64 hex digits.
  static std::string generate_hex_key();

  std::string seal(std::string_view plaintext) const;
  // kInvalidArgument when no key opens it (tampered, or sealed under a key no longer configured).
  Result<std::string> open(std::string_view sealed) const;

 private:
  std::vector<Key> keys_;  // the current key first
};

}  // namespace brainstem::mcp
