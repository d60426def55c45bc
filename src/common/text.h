// Small text helpers shared across modules.
#pragma once

#include <string>
#include <string_view>

namespace brainstem {

// `text` with A–Z folded to a–z; every other byte (UTF-8 sequences included) kept as it is,
// whatever the process locale.
std::string ascii_lower(std::string_view text);

}  // namespace brainstem
