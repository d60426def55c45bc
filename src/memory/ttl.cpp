#include "memory/ttl.h"

#include <boost/json.hpp>

#include <string_view>

namespace brainstem::memory {

namespace json = boost::json;

namespace {

constexpr int64_t kHourMs = 3600LL * 1000;

Status bad_ttl() {
  return Status::validation("ttl",
                            "ttl must be one of persistent, permanent, session, scope, ephemeral, short_term, "
                            "medium_term, long_term, {\"duration\": ms} or {\"max\": reads}");
}

std::optional<int64_t> positive_integer(const json::value& v) {
  if (v.is_int64() && v.get_int64() > 0) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() > 0 && v.get_uint64() < (1ULL << 62)) return static_cast<int64_t>(v.get_uint64());
  return std::nullopt;
}

}  // namespace

Result<Ttl> parse_ttl(const json::value& value) {
  Ttl ttl;
  if (value.is_string()) {
    std::string_view name = value.get_string();
    ttl.value = value;
    if (name == "persistent" || name == "permanent") return ttl;
    if (name == "session" || name == "scope" || name == "ephemeral") {
      ttl.scope_bound = true;
      return ttl;
    }
    if (name == "short_term") ttl.duration_ms = kHourMs;
    else if (name == "medium_term") ttl.duration_ms = 24 * kHourMs;
    else if (name == "long_term") ttl.duration_ms = 30 * 24 * kHourMs;
    else return bad_ttl();
    return ttl;
  }
  if (value.is_object() && value.as_object().size() == 1) {
    const auto& [key, inner] = *value.as_object().begin();
    auto n = positive_integer(inner);
    if (!n) return bad_ttl();
    if (key == "duration" || key == "duration_ms") {
      ttl.duration_ms = *n;
      ttl.value = json::object{{"duration", *n}};
      return ttl;
    }
    if (key == "max") {
      ttl.max_reads = *n;
      ttl.value = json::object{{"max", *n}};
      return ttl;
    }
  }
  return bad_ttl();
}

std::optional<int64_t> expiry_of(const Ttl& ttl, int64_t written_ms, bool has_scope) {
  if (ttl.duration_ms) return written_ms + *ttl.duration_ms;
  if (ttl.scope_bound && !has_scope) return written_ms + kHourMs;
  return std::nullopt;
}

}  // namespace brainstem::memory
