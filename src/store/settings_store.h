// Server-wide settings (key and value), e.g. the generated JWT secret. The contract every store
// interface keeps (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
#include <string>
#include <vector>

namespace brainstem::store {

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;

  // --- settings (server-wide key/value, e.g. the generated JWT secret)
  // Stores `value` under `key` unless one exists; returns the value in force.
  virtual Async<Result<std::string>> setting_or_init(const std::string& key, const std::string& value) = 0;
};

}  // namespace brainstem::store
