// The embedded SQLite engine of store::Store (WAL mode, one file in the data directory). Calls
// run on the engine's own threads.
// Several processes may open the same file (e.g. `brainstem keys create` beside a running
// server); writers wait up to `busy_timeout_ms`, then fail with kUnavailable.
#pragma once

#include "store/store.h"

#include <memory>
#include <string>

namespace brainstem::store {

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  int read_connections = 4;
  // Reads waiting for a connection beyond this fail at once with kUnavailable, so a stuck
  // disk turns into errors rather than an unbounded queue.
  int max_waiting = 256;
  int threads = 4;  // the engine's threads, on which every read runs
  // Reads waiting for one of those threads, or writes waiting for the writer thread while it
  // writes, beyond this fail at once with kUnavailable.
  int max_queued = 4096;
  // checkpoint() leaves the log alone until it holds this many frames (pages; 32 MiB of
  // 4 KiB pages): each checkpoint's fsync stalls the writes beside it.
  int checkpoint_frames = 8192;
};

// Opens (creating if needed) the database at `path` and applies pending migrations.
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path, const SqliteOptions& options = {});

// The newest schema version this build knows.
int sqlite_latest_schema_version();

}  // namespace brainstem::store
