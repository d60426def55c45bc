#include "mcp/secret_box.h"

#include "common/crypto.h"

#include <sodium.h>

#include <stdexcept>

namespace brainstem::mcp {

namespace {

constexpr std::string_view kPrefix = "sb1:";

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

bool parse_hex_key(std::string_view hex, SecretBox::Key& out) {
  if (hex.size() != 2 * SecretBox::kKeyBytes) return false;
  size_t written = 0;
  return sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &written, nullptr) == 0 &&
         written == out.size();
}

}  // namespace

Result<SecretBox> SecretBox::from_hex(std::string_view current, const std::vector<std::string>& previous) {
  ensure_sodium();
  SecretBox box;
  for (size_t i = 0; i <= previous.size(); ++i) {
    std::string_view hex = i == 0 ? current : std::string_view(previous[i - 1]);
    Key key{};
    if (!parse_hex_key(hex, key)) {
      return Status::invalid(i == 0 ? "the secret key must be 64 hex digits"
                                    : "previous secret key " + std::to_string(i) + " must be 64 hex digits");
    }
    box.keys_.push_back(key);
  }
  return box;
}

std::string SecretBox::generate_hex_key() {
  ensure_sodium();
  Key key{};
  crypto_secretbox_keygen(key.data());
  std::string hex(2 * kKeyBytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex.pop_back();
  sodium_memzero(key.data(), key.size());
  return hex;
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string raw(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(raw.data());
  randombytes_buf(bytes, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(bytes + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), bytes, keys_.front().data());
  return std::string(kPrefix) + crypto::base64url_encode(raw);
}

Result<std::string> SecretBox::open(std::string_view sealed) const {
  std::string raw;
  if (!sealed.starts_with(kPrefix) || !crypto::base64url_decode(sealed.substr(kPrefix.size()), raw) ||
      raw.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Status::invalid("not a sealed value");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  const size_t cipher_len = raw.size() - crypto_secretbox_NONCEBYTES;
  std::string plain(cipher_len - crypto_secretbox_MACBYTES, '\0');
  for (const Key& key : keys_) {
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), bytes + crypto_secretbox_NONCEBYTES,
                                   cipher_len, bytes, key.data()) == 0) {
      return plain;
    }
  }
  return Status::invalid("no configured secret key opens this value");
}

}  // namespace brainstem::mcp
