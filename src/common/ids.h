// Identifiers: a kind prefix ("req_", "key_", ...) and random base62 characters. Rows written
// at a high rate (turns) put a fixed-width time part between the two, so that ids sort by
// creation and a primary-key index grows at its right edge instead of dirtying pages all over
// the tree; the random characters keep them unguessable and unique.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace brainstem {

// `prefix`, then `random_chars` random base62 characters, built in one allocation.
std::string random_id(std::string_view prefix, size_t random_chars);

// `prefix`, 9 base62 characters of `micros` (microseconds since the epoch, good past the
// year 10,000), then `random_chars` random base62 characters.
std::string time_ordered_id(std::string_view prefix, int64_t micros, size_t random_chars);

}  // namespace brainstem
