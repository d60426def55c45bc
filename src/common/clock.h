// Wall-clock helpers. Times cross module boundaries as Unix milliseconds (int64) and are
// rendered as ISO 8601 UTC ("2026-02-25T21:44:11Z") only at the API edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brainstem {

int64_t now_ms();
std::string iso8601(int64_t unix_ms);  // second precision, 'Z'
std::string iso8601_micros(int64_t unix_us);  // "2025-12-25T12:00:00.000000" (seed 001)
int64_t now_us();
// Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM]" or a date "YYYY-MM-DD"; nullopt if malformed.
std::optional<int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace brainstem
