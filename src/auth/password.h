// Password hashing with argon2id (libsodium's interactive limits). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace brainstem::auth {

// An encoded argon2id string ("$argon2id$v=19$m=...") with its own random salt.
std::string hash_password(std::string_view password);
// True when `password` matches `encoded`; false for a wrong password or a malformed hash.
bool verify_password(std::string_view encoded, std::string_view password);

}  // namespace brainstem::auth
