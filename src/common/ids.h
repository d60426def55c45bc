// Identifiers of rows written at a high rate (turns): a fixed-width time prefix, so that ids
// sort by creation and a primary-key index grows at its right edge instead of dirtying pages
// all over the tree, then random characters, so that they stay unguessable and unique.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace brainstem {

// `prefix`, 9 base62 characters of `micros` (microseconds since the epoch, good past the
// year 10,000), then `random_chars` random base62 characters.
std::string time_ordered_id(std::string_view prefix, int64_t micros, size_t random_chars);

}  // namespace brainstem
