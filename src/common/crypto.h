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

// Compares in time independent of where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace brainstem::crypto
