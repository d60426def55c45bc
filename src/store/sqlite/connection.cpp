#include "store/sqlite/connection.h"

#include <utility>

namespace brainstem::store::sqlite {

namespace {

// The uniqueness constraints callers can run into, in words they can show.
std::string describe_conflict(const std::string& message) {
  struct Known {
    const char* column;
    const char* text;
  };
  static constexpr Known kKnown[] = {
      {"users.email", "email is already registered"},
      {"tenants.slug", "slug is already taken"},
      {"api_keys.key_hash", "an API key with this hash already exists"},
      {"memberships.", "user is already a member of this tenant"},
      {"tenants.id", "tenant already exists"},
      {"users.id", "user already exists"},
      {"api_keys.id", "API key already exists"},
      {"audit_log.", "audit entry already exists"},
      {"agents.id", "agent already exists"},
      {"customers.email", "another customer has this email"},
      {"customers.phone", "another customer has this phone number"},
      {"customers.external_id", "another customer has this external id"},
      {"customers.id", "customer already exists"},
      {"turns.", "turn already exists"},
      {"memory_facts.id", "memory fact already exists"},
      {"cache_entries.id", "cache entry already exists"},
      {"webhooks.id", "webhook already exists"},
      {"webhook_deliveries.id", "webhook delivery already exists"},
  };
  for (const auto& known : kKnown) {
    if (message.find(known.column) != std::string::npos) return known.text;
  }
  return "record already exists (" + message + ")";
}

}  // namespace

Status status_from_sqlite(sqlite3* db, int rc, std::string_view context) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string where(context);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::unavailable("database is busy (" + where + "): " + detail + "; retry later");
    case SQLITE_FULL:
      return Status::unavailable("database disk is full (" + where + "): " + detail);
    case SQLITE_IOERR:
      return Status::unavailable("database I/O error (" + where + "): " + detail);
    case SQLITE_CANTOPEN:
      return Status::unavailable("cannot open database (" + where + "): " + detail);
    case SQLITE_READONLY:
      return Status::unavailable("database is read-only (" + where + "): " + detail);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::conflict(describe_conflict(detail));
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return Status::not_found("referenced tenant or user not found");
      }
      return Status::internal("database constraint failed (" + where + "): " + detail);
    default:
      return Status::internal("database error (" + where + "): " + detail);
  }
}

// --- Statement

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

void Statement::note_bind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::bind(int index, std::string_view value) {
  note_bind(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Statement& Statement::bind_real(int index, double value) {
  note_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // A null data pointer would bind NULL rather than an empty blob.
  note_bind(bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                          : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return status_from_sqlite(conn_->db(), bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return status_from_sqlite(conn_->db(), rc, "step");
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::ok();
  }
}

std::string Statement::text(int column) const {
  auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!data) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> Statement::optional_integer(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (!data) return {};
  return {static_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

// --- Connection

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, const SqliteOptions& options,
                                                     bool reader) {
  sqlite3* db = nullptr;
  // Before the library initialises: no global memory statistics, whose upkeep takes a
  // process-wide mutex on every allocation of every connection.
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  // Each connection is used by one thread at a time (the pool sees to it), so SQLite's own
  // per-connection mutex is unnecessary.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = status_from_sqlite(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::unique_ptr<Connection> conn(new Connection(db));

  // journal_mode is stored in the file; setting it from the writer is enough, and doing it
  // from every reader would take a lock each time. Commits never checkpoint the log
  // (wal_autocheckpoint=0): Store::checkpoint() does, off the commit path. The writer keeps
  // 32 MiB of pages: a batch of conversations dirties pages all over the indexes, and with the
  // default 2 MiB it spilled them to the log mid-transaction, writing some pages twice.
  const char* pragmas = reader ? "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
                               : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                                 "PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;";
  if (Status s = conn->exec(pragmas); !s.is_ok()) return s;
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::statement(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return status_from_sqlite(db_, rc, "prepare");
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(*this, it->second);
}

Status Connection::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return status_from_sqlite(db_, rc, "exec");
  return Status::ok();
}

Status Connection::run(const std::string& sql) {
  auto prepared = statement(sql);
  if (!prepared.ok()) return prepared.status();
  return prepared->run();
}

void Connection::rollback_if_open() {
  if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

// --- ConnectionPool

ConnectionPool::ConnectionPool(std::string name, std::vector<std::unique_ptr<Connection>> connections,
                               std::atomic<int>& waiting, int max_waiting)
    : name_(std::move(name)), connections_(std::move(connections)), waiting_(waiting), max_waiting_(max_waiting) {
  for (auto& conn : connections_) free_.push_back(conn.get());
}

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  if (free_.empty()) {
    if (waiting_.fetch_add(1) >= max_waiting_) {
      waiting_.fetch_sub(1);
      return Status::unavailable("database is overloaded: too many operations waiting for a " + name_ +
                                 " connection");
    }
    available_.wait(lock, [&] { return !free_.empty(); });
    waiting_.fetch_sub(1);
  }
  Connection* conn = free_.back();
  free_.pop_back();
  return Lease(this, conn);
}

void ConnectionPool::release(Connection* conn) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(conn);
  }
  available_.notify_one();
}

}  // namespace brainstem::store::sqlite
