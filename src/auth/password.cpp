#include "auth/password.h"

#include <sodium.h>

#include <stdexcept>

namespace brainstem::auth {

namespace {
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}
}  // namespace

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id hashing ran out of memory");
  }
  return out;
}

bool verify_password(std::string_view encoded, std::string_view password) {
  ensure_sodium();
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  std::string z(encoded);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(z.c_str(), password.data(), password.size()) == 0;
}

}  // namespace brainstem::auth
