// Hashing, MACs, randomness and encodings (OpenSSL underneath). All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace brainstem::crypto {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// The 62 digits of base62 ids, in ASCII order (so ids of equal length sort by value).
inline constexpr std::string_view kBase62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string random_bytes(size_t n);        // from the OS CSPRNG
std::string random_base62(size_t n);       // n characters of kBase62Digits, unbiased
void append_random_base62(std::string& out, size_t n);  // the same, appended to `out`
std::string uuid_v4();

std::string base64url_encode(std::string_view data);  // no padding
std::string base64_encode(std::string_view data);     // standard alphabet, padded
bool base64url_decode(std::string_view in, std::string& out);
std::string hex_encode(std::string_view data);

// Ed25519 signatures (RFC 8032). A key is its 32-byte seed; the public key is 32 bytes and a
// signature 64. ed25519_verify is false for a malformed key or signature.
std::string ed25519_public_key(std::string_view seed);
std::string ed25519_sign(std::string_view seed, std::string_view message);
bool ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature);

// Compares in time independent of where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace brainstem::crypto
