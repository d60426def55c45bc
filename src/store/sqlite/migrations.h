// The schema of the SQLite store as an ordered list of migrations compiled into the binary.
#pragma once

#include "common/status.h"
#include "store/sqlite/connection.h"

#include <limits>

namespace brainstem::store::sqlite {

// Brings the database behind `writer` to the newest schema (or to `up_to`, for tests of a
// migration), each pending migration in its own transaction; returns the version in force.
// kUnavailable if the database is newer than this build.
Result<int> migrate(Connection& writer, int up_to = std::numeric_limits<int>::max());

// The version recorded in schema_migrations (0 for a fresh database).
Result<int> recorded_schema_version(Connection& conn);

}  // namespace brainstem::store::sqlite
