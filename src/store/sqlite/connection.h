// SQLite plumbing for the store: one connection with its prepared-statement cache, a
// statement cursor that resets itself, a bounded connection pool, and the mapping of SQLite
// result codes onto Status. Private to store/sqlite.
#pragma once

#include "common/status.h"
#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brainstem::store::sqlite {

// Maps a failed SQLite call onto the store's error codes: busy/locked/full/I/O → kUnavailable,
// a uniqueness violation → kConflict, a missing referenced row → kNotFound, else kInternal.
// `db` may be null (the message then comes from the code alone).
Status status_from_sqlite(sqlite3* db, int rc, std::string_view context);

class Connection;

// A prepared statement in use: bind, step, read columns. Resets and clears its bindings when
// destroyed so the cached statement is ready for the next user. At most one Statement per
// SQL text may be alive on a connection at a time (they share the cached handle).
class Statement {
 public:
  Statement(Connection& conn, sqlite3_stmt* stmt) : conn_(&conn), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::optional<int64_t> value);
  Statement& bind_null(int index);
  // Named apart from bind(): a double overload would make bind(i, an_int) ambiguous.
  Statement& bind_real(int index, double value);
  Statement& bind_blob(int index, std::string_view bytes);
  // Resets for another execution with new bindings.
  void reset();

  // Advances one row: true when a row is available, false when the statement is done.
  Result<bool> step();
  // Steps until done (for statements that return no rows).
  Status run();

  std::string text(int column) const;
  int64_t integer(int column) const;
  std::optional<int64_t> optional_integer(int column) const;
  double real(int column) const;
  // Valid until the next step() or reset().
  std::string_view blob(int column) const;

 private:
  void note_bind(int rc);

  Connection* conn_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens `path` with the store's pragmas. Readers are marked query-only.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, const SqliteOptions& options,
                                                  bool reader);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for `sql` (prepared on first use).
  Result<Statement> statement(const std::string& sql);
  // Runs one or more statements that return no rows of interest.
  Status exec(const char* sql);
  // Runs one statement that returns no rows through the statement cache: for those a
  // connection repeats all the time (BEGIN, COMMIT, SAVEPOINT), which exec would parse anew.
  Status run(const std::string& sql);
  // Whether a transaction is open. SQLite ends one by itself after some errors (disk full, I/O).
  bool in_transaction() const { return !sqlite3_get_autocommit(db_); }
  // Rolls back the open transaction, if any.
  void rollback_if_open();

  sqlite3* db() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A fixed set of connections handed out one caller at a time. Callers that find none free
// wait, unless `max_waiting` callers (counted across every pool sharing `waiting`) already are.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool* pool, Connection* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) { other.conn_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (conn_) pool_->release(conn_);
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    ConnectionPool* pool_;
    Connection* conn_;
  };

  ConnectionPool(std::string name, std::vector<std::unique_ptr<Connection>> connections,
                 std::atomic<int>& waiting, int max_waiting);

  Result<Lease> acquire();

 private:
  void release(Connection* conn);

  std::string name_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<int>& waiting_;
  int max_waiting_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Connection*> free_;
};

}  // namespace brainstem::store::sqlite
