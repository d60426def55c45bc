// How long a CELLSTATE artifact or note lives (seed 003's TTL). The accepted forms:
//   "persistent", "permanent"            never expire
//   "session", "scope", "ephemeral"      end with the artifact's scope (when it closes); a note,
//                                        which has no scope, lives one hour
//   "short_term", "medium_term", "long_term"   1 hour, 24 hours, 30 days
//   {"duration": ms}                     ms after it was written
//   {"max": n}                           removed after its n-th read
#pragma once

#include "common/status.h"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>

namespace brainstem::memory {

struct Ttl {
  boost::json::value value = "persistent";  // as the client gave it, normalized
  bool scope_bound = false;                 // ends when the scope closes
  std::optional<int64_t> duration_ms;       // expires this long after the write
  std::optional<int64_t> max_reads;
};

// kValidation (field "ttl") when `value` is none of the forms above.
Result<Ttl> parse_ttl(const boost::json::value& value);

// When an entity written at `written_ms` under `ttl` expires; nullopt: not by time (a
// scope-bound TTL in a scope still open, or none at all). `has_scope`: whether it belongs to
// a scope that can close.
std::optional<int64_t> expiry_of(const Ttl& ttl, int64_t written_ms, bool has_scope);

}  // namespace brainstem::memory
