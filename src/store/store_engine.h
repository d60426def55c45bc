// What the server asks of the engine itself: liveness, checkpoints, its schema version and name.
// The contract every store interface keeps (threads, blocking, errors, durability) is in
// store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
#include <string>
#include <vector>

namespace brainstem::store {

class StoreEngine {
 public:
  virtual ~StoreEngine() = default;

  // --- engine
  virtual Async<Status> ping() = 0;  // a trivial query; kUnavailable if the engine cannot answer
  // Moves committed changes from the engine's write-ahead log into its main file without
  // blocking readers or writers. The server calls it on a timer so that no commit pays for
  // it; an engine without such a log does nothing, and one whose log is still short may wait.
  virtual Async<Status> checkpoint() = 0;
  virtual int schema_version() = 0;
  virtual std::string engine_name() const = 0;
};

}  // namespace brainstem::store
