#include "store/sqlite/sqlite_store.h"

#include "common/clock.h"
#include "common/json_text.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "common/text.h"

#include <boost/json.hpp>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <utility>

namespace brainstem::store::sqlite {

namespace {

constexpr const char* kTenantColumns = "t.id, t.slug, t.name, t.plan, t.created_at";
constexpr const char* kUserColumns =
    "id, email, name, password_hash, email_verified, verify_token_hash, created_at";
constexpr const char* kKeyColumns =
    "id, tenant_id, name, prefix, key_hash, scopes, agent_id, identity_mode, allowed_origins, "
    "expires_at, last_used_at, revoked_at, created_by, created_at";
constexpr const char* kAuditColumns = "seq, id, tenant_id, timestamp, actor, event_type, payload, prev_hash, hash";

// Row readers; the column order is that of the k*Columns lists above.
Tenant read_tenant(const Statement& row, int first = 0) {
  Tenant t;
  t.id = row.text(first);
  t.slug = row.text(first + 1);
  t.name = row.text(first + 2);
  t.plan = row.text(first + 3);
  t.created_at = row.integer(first + 4);
  return t;
}

User read_user(const Statement& row) {
  User u;
  u.id = row.text(0);
  u.email = row.text(1);
  u.name = row.text(2);
  u.password_hash = row.text(3);
  u.email_verified = row.integer(4) != 0;
  u.verify_token_hash = row.text(5);
  u.created_at = row.integer(6);
  return u;
}

ApiKey read_key(const Statement& row) {
  ApiKey k;
  k.id = row.text(0);
  k.tenant_id = row.text(1);
  k.name = row.text(2);
  k.prefix = row.text(3);
  k.key_hash = row.text(4);
  k.scopes = string_list(row.text(5));
  k.agent_id = row.text(6);
  k.identity_mode = row.text(7);
  k.allowed_origins = string_list(row.text(8));
  k.expires_at = row.optional_integer(9);
  k.last_used_at = row.optional_integer(10);
  k.revoked_at = row.optional_integer(11);
  k.created_by = row.text(12);
  k.created_at = row.integer(13);
  return k;
}

AuditEntry read_audit(const Statement& row) {
  AuditEntry e;
  e.seq = row.integer(0);
  e.id = row.text(1);
  e.tenant_id = row.text(2);
  e.timestamp = row.integer(3);
  e.actor = row.text(4);
  e.event_type = row.text(5);
  e.payload = row.text(6);
  e.prev_hash = row.text(7);
  e.hash = row.text(8);
  return e;
}

Status insert_membership(Connection& c, const std::string& tenant_id, const std::string& user_id,
                         const std::string& role) {
  auto insert = c.statement("INSERT INTO memberships(tenant_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)");
  if (!insert.ok()) return insert.status();
  insert->bind(1, tenant_id).bind(2, user_id).bind(3, role).bind(4, now_ms());
  return insert->run();
}

Status insert_tenant(Connection& c, const Tenant& tenant) {
  auto insert = c.statement("INSERT INTO tenants(id, slug, name, plan, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  insert->bind(1, tenant.id).bind(2, tenant.slug).bind(3, tenant.name).bind(4, tenant.plan).bind(5, tenant.created_at);
  return insert->run();
}

Result<AuditHead> read_head(Connection& c, const std::string& tenant_id) {
  auto query = c.statement("SELECT count, hash FROM audit_heads WHERE tenant_id = ?1");
  if (!query.ok()) return query.status();
  query->bind(1, tenant_id);
  auto row = query->step();
  if (!row.ok()) return row.status();
  if (!*row) return AuditHead{};  // genesis
  return AuditHead{query->integer(0), query->text(1)};
}

Result<std::string> read_setting(Connection& c, const std::string& key) {
  auto query = c.statement("SELECT value FROM settings WHERE key = ?1");
  if (!query.ok()) return query.status();
  query->bind(1, key);
  return single_row(*query, [](const Statement& row) { return row.text(0); }, "setting not found");
}

}  // namespace

std::string json_array(const std::vector<std::string>& items) {
  boost::json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return json_text(array);
}

static_assert(std::endian::native == std::endian::little, "embedding blobs are stored little-endian");

std::string_view embedding_bytes(const std::vector<float>& embedding) {
  return {reinterpret_cast<const char*>(embedding.data()), embedding.size() * sizeof(float)};
}

std::vector<float> embedding_from(std::string_view bytes) {
  std::vector<float> embedding(bytes.size() / sizeof(float));
  if (!embedding.empty()) std::memcpy(embedding.data(), bytes.data(), embedding.size() * sizeof(float));
  return embedding;
}

int64_t row_limit(int limit) { return std::max(limit, 0); }

Status run_tenant_insert(Statement& insert) {
  Status s = insert.run();
  if (s.code() == StatusCode::kNotFound) return Status::not_found("tenant not found");
  return s;
}

Status run_changing(Connection& c, Statement& statement, const char* missing) {
  if (Status s = statement.run(); !s.is_ok()) return s;
  if (sqlite3_changes(c.db()) == 0) return Status::not_found(missing);
  return Status::ok();
}

// A malformed column reads as an empty list: for scopes and origins that grants the least.
std::vector<std::string> string_list(const std::string& json) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_array()) return out;
  for (const auto& item : value.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string().c_str(), item.as_string().size());
  }
  return out;
}

Database::Database(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers,
                         std::unique_ptr<Connection> checkpointer, const SqliteOptions& options, int schema_version)
    : checkpoint_frames_(options.checkpoint_frames),
      checkpointer_(std::move(checkpointer)),
      schema_version_(schema_version) {
  // After every commit SQLite tells the writer how many frames its log holds.
  sqlite3_wal_hook(
      writer->db(),
      [](void* frames, sqlite3*, const char*, int in_log) {
        static_cast<std::atomic<int>*>(frames)->store(in_log, std::memory_order_relaxed);
        return SQLITE_OK;
      },
      &wal_frames_);
  std::vector<std::unique_ptr<Connection>> writers;
  writers.push_back(std::move(writer));
  writer_ = std::make_unique<ConnectionPool>("writer", std::move(writers), waiting_, options.max_waiting);
  committer_ = std::make_unique<GroupCommitter>(*writer_, options.max_queued, kWritesPerTransaction);
  if (!readers.empty()) {
    readers_ = std::make_unique<ConnectionPool>("reader", std::move(readers), waiting_, options.max_waiting);
  }
}

// --- tenants, users, memberships

Status Database::create_signup(const Tenant& tenant, const User& user) {
  return write([&](Connection& c) -> Status {
    if (Status s = insert_tenant(c, tenant); !s.is_ok()) return s;
    auto insert = c.statement(
        "INSERT INTO users(id, email, name, password_hash, email_verified, verify_token_hash, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, user.id)
        .bind(2, ascii_lower(user.email))
        .bind(3, user.name)
        .bind(4, user.password_hash)
        .bind(5, int64_t{user.email_verified ? 1 : 0})
        .bind(6, user.verify_token_hash)
        .bind(7, user.created_at);
    if (Status s = insert->run(); !s.is_ok()) return s;
    return insert_membership(c, tenant.id, user.id, "owner");
  });
}

Status Database::create_tenant(const Tenant& tenant, const std::string& owner_user_id) {
  return write([&](Connection& c) -> Status {
    if (Status s = insert_tenant(c, tenant); !s.is_ok()) return s;
    if (owner_user_id.empty()) return Status::ok();
    Status s = insert_membership(c, tenant.id, owner_user_id, "owner");
    if (s.code() == StatusCode::kNotFound) return Status::not_found("user not found");
    return s;
  });
}

Result<Tenant> Database::get_tenant(const std::string& id) {
  return read([&](Connection& c) -> Result<Tenant> {
    auto query = c.statement(std::string("SELECT ") + kTenantColumns + " FROM tenants t WHERE t.id = ?1");
    if (!query.ok()) return query.status();
    query->bind(1, id);
    return single_row(*query, [](const Statement& row) { return read_tenant(row); }, "tenant not found");
  });
}

Status Database::rename_tenant(const std::string& id, const std::string& name) {
  return write([&](Connection& c) -> Status {
    auto update = c.statement("UPDATE tenants SET name = ?2 WHERE id = ?1");
    if (!update.ok()) return update.status();
    update->bind(1, id).bind(2, name);
    return run_changing(c, *update, "tenant not found");
  });
}

Result<Tenant> Database::get_tenant_by_slug(const std::string& slug) {
  return read([&](Connection& c) -> Result<Tenant> {
    auto query = c.statement(std::string("SELECT ") + kTenantColumns + " FROM tenants t WHERE t.slug = ?1");
    if (!query.ok()) return query.status();
    query->bind(1, slug);
    return single_row(*query, [](const Statement& row) { return read_tenant(row); }, "tenant not found");
  });
}

Result<User> Database::get_user(const std::string& id) {
  return read([&](Connection& c) -> Result<User> {
    auto query = c.statement(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?1");
    if (!query.ok()) return query.status();
    query->bind(1, id);
    return single_row(*query, read_user, "user not found");
  });
}

Result<User> Database::get_user_by_email(const std::string& email) {
  return read([&](Connection& c) -> Result<User> {
    // The column collates NOCASE; lower-casing as well keeps the lookup on the unique index.
    auto query = c.statement(std::string("SELECT ") + kUserColumns + " FROM users WHERE email = ?1");
    if (!query.ok()) return query.status();
    query->bind(1, ascii_lower(email));
    return single_row(*query, read_user, "user not found");
  });
}

Result<User> Database::verify_email(const std::string& token_hash) {
  if (token_hash.empty()) return Status::not_found("verification token not found");
  return write([&](Connection& c) -> Result<User> {
    auto update = c.statement(std::string("UPDATE users SET email_verified = 1, verify_token_hash = '' "
                                          "WHERE verify_token_hash = ?1 RETURNING ") +
                              kUserColumns);
    if (!update.ok()) return update.status();
    update->bind(1, token_hash);
    return single_row(*update, read_user, "verification token not found");
  });
}

Status Database::add_member(const std::string& tenant_id, const std::string& user_id, const std::string& role) {
  return write([&](Connection& c) { return insert_membership(c, tenant_id, user_id, role); });
}

Result<std::string> Database::member_role(const std::string& tenant_id, const std::string& user_id) {
  return read([&](Connection& c) -> Result<std::string> {
    auto query = c.statement("SELECT role FROM memberships WHERE tenant_id = ?1 AND user_id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, user_id);
    return single_row(*query, [](const Statement& row) { return row.text(0); }, "membership not found");
  });
}

Result<std::vector<Member>> Database::list_members(const std::string& tenant_id) {
  return read([&](Connection& c) -> Result<std::vector<Member>> {
    auto query = c.statement(
        "SELECT m.tenant_id, m.user_id, u.email, u.name, m.role, m.joined_at "
        "FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.tenant_id = ?1 ORDER BY m.joined_at, m.rowid");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id);
    return all_rows(*query, [](const Statement& row) {
      return Member{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.integer(5)};
    });
  });
}

Result<std::vector<std::pair<Tenant, std::string>>> Database::list_user_tenants(const std::string& user_id) {
  return read([&](Connection& c) -> Result<std::vector<std::pair<Tenant, std::string>>> {
    auto query = c.statement(std::string("SELECT ") + kTenantColumns +
                             ", m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id "
                             "WHERE m.user_id = ?1 ORDER BY t.created_at, m.joined_at, t.rowid");
    if (!query.ok()) return query.status();
    query->bind(1, user_id);
    return all_rows(*query, [](const Statement& row) { return std::make_pair(read_tenant(row), row.text(5)); });
  });
}

// --- API keys

Status Database::create_api_key(const ApiKey& key) {
  return write([&](Connection& c) -> Status {
    auto insert = c.statement(std::string("INSERT INTO api_keys(") + kKeyColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, key.id)
        .bind(2, key.tenant_id)
        .bind(3, key.name)
        .bind(4, key.prefix)
        .bind(5, key.key_hash)
        .bind(6, json_array(key.scopes))
        .bind(7, key.agent_id)
        .bind(8, key.identity_mode)
        .bind(9, json_array(key.allowed_origins))
        .bind(10, key.expires_at)
        .bind(11, key.last_used_at)
        .bind(12, key.revoked_at)
        .bind(13, key.created_by)
        .bind(14, key.created_at);
    Status s = insert->run();
    if (s.code() == StatusCode::kNotFound) return Status::not_found("tenant not found");
    return s;
  });
}

Result<ApiKey> Database::get_api_key_by_hash(const std::string& key_hash) {
  return read([&](Connection& c) -> Result<ApiKey> {
    auto query = c.statement(std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE key_hash = ?1");
    if (!query.ok()) return query.status();
    query->bind(1, key_hash);
    return single_row(*query, read_key, "API key not found");
  });
}

Result<std::vector<ApiKey>> Database::list_api_keys(const std::string& tenant_id) {
  return read([&](Connection& c) -> Result<std::vector<ApiKey>> {
    auto query = c.statement(std::string("SELECT ") + kKeyColumns +
                             " FROM api_keys WHERE tenant_id = ?1 ORDER BY created_at DESC, rowid DESC");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id);
    return all_rows(*query, read_key);
  });
}

Status Database::revoke_api_key(const std::string& tenant_id, const std::string& key_id, int64_t at_ms) {
  return write([&](Connection& c) -> Status {
    auto update = c.statement(
        "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND tenant_id = ?2 AND revoked_at IS NULL");
    if (!update.ok()) return update.status();
    update->bind(1, key_id).bind(2, tenant_id).bind(3, at_ms);
    if (Status s = update->run(); !s.is_ok()) return s;
    if (sqlite3_changes(c.db()) == 0) return Status::not_found("API key not found");
    return Status::ok();
  });
}

Status Database::touch_api_keys(const std::vector<std::pair<std::string, int64_t>>& key_id_and_ms) {
  if (key_id_and_ms.empty()) return Status::ok();
  return write([&](Connection& c) -> Status {
    // A use reported out of order never moves last_used_at backwards.
    auto update = c.statement(
        "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)");
    if (!update.ok()) return update.status();
    for (const auto& [id, at_ms] : key_id_and_ms) {
      update->reset();
      update->bind(1, id).bind(2, at_ms);
      if (Status s = update->run(); !s.is_ok()) return s;
    }
    return Status::ok();
  });
}

// --- audit chain

Result<AuditEntry> Database::append_audit(AuditEntry entry,
                                             const std::function<std::string(const AuditEntry&)>& seal) {
  return write([&](Connection& c) -> Result<AuditEntry> {
    auto head = read_head(c, entry.tenant_id);
    if (!head.ok()) return head.status();
    entry.seq = head->count + 1;
    entry.prev_hash = head->hash;
    entry.hash = seal(entry);

    auto insert = c.statement(std::string("INSERT INTO audit_log(") + kAuditColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, entry.seq)
        .bind(2, entry.id)
        .bind(3, entry.tenant_id)
        .bind(4, entry.timestamp)
        .bind(5, entry.actor)
        .bind(6, entry.event_type)
        .bind(7, entry.payload)
        .bind(8, entry.prev_hash)
        .bind(9, entry.hash);
    if (Status s = insert->run(); !s.is_ok()) return s;

    auto upsert = c.statement(
        "INSERT INTO audit_heads(tenant_id, count, hash) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(tenant_id) DO UPDATE SET count = excluded.count, hash = excluded.hash");
    if (!upsert.ok()) return upsert.status();
    upsert->bind(1, entry.tenant_id).bind(2, entry.seq).bind(3, entry.hash);
    if (Status s = upsert->run(); !s.is_ok()) return s;
    return entry;
  });
}

Result<std::vector<AuditEntry>> Database::query_audit(const AuditQuery& q) {
  // Only the filters in use appear in the SQL; parameter numbers stay fixed so each shape
  // of query is one cached statement. Both time bounds are inclusive.
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE tenant_id = ?1";
  if (q.actor) sql += " AND actor = ?2";
  if (q.event_type) sql += " AND event_type = ?3";
  if (q.from_ms) sql += " AND timestamp >= ?4";
  if (q.to_ms) sql += " AND timestamp <= ?5";
  if (q.after_seq) sql += " AND seq > ?6";
  sql += " ORDER BY seq LIMIT ?7";
  int64_t limit = std::clamp(q.limit, 1, 500);
  return read([&](Connection& c) -> Result<std::vector<AuditEntry>> {
    auto query = c.statement(sql);
    if (!query.ok()) return query.status();
    query->bind(1, q.tenant_id).bind(7, limit);
    if (q.actor) query->bind(2, *q.actor);
    if (q.event_type) query->bind(3, *q.event_type);
    if (q.from_ms) query->bind(4, *q.from_ms);
    if (q.to_ms) query->bind(5, *q.to_ms);
    if (q.after_seq) query->bind(6, *q.after_seq);
    return all_rows(*query, read_audit);
  });
}

Status Database::scan_audit(const std::string& tenant_id, const std::function<bool(const AuditEntry&)>& visit) {
  return scan_batches<AuditEntry>(
      std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
      [&](Statement& q, int64_t after) { q.bind(1, tenant_id).bind(2, after).bind(3, int64_t{kScanBatch}); },
      [](const Statement& row) {
        auto entry = read_audit(row);
        return std::make_pair(entry.seq, std::move(entry));
      },
      visit);
}

Result<AuditHead> Database::audit_head(const std::string& tenant_id) {
  return read([&](Connection& c) { return read_head(c, tenant_id); });
}

// --- settings

Result<std::string> Database::setting_or_init(const std::string& key, const std::string& value) {
  auto existing = read([&](Connection& c) { return read_setting(c, key); });
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;
  return write([&](Connection& c) -> Result<std::string> {
    auto insert = c.statement("INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING");
    if (!insert.ok()) return insert.status();
    insert->bind(1, key).bind(2, value);
    if (Status s = insert->run(); !s.is_ok()) return s;
    return read_setting(c, key);
  });
}

// --- engine

Status Database::ping() {
  Status status = read([](Connection& c) -> Status {
    auto query = c.statement("SELECT 1");
    if (!query.ok()) return query.status();
    return query->run();
  });
  if (status.is_ok() || status.code() == StatusCode::kUnavailable) return status;
  return Status::unavailable("database does not answer: " + status.message());
}

// PASSIVE: copies what no reader still needs and returns; writers keep appending meanwhile.
// A short log is left alone: the checkpoint's fsync stalls the writes beside it, so it runs
// when the log has grown, not on every call.
Status Database::checkpoint() {
  if (!checkpointer_ || wal_frames_.load(std::memory_order_relaxed) < checkpoint_frames_) return Status::ok();
  std::lock_guard lock(checkpoint_mu_);
  return checkpointer_->exec("PRAGMA wal_checkpoint(PASSIVE)");
}

int Database::schema_version() {
  auto version = read([](Connection& c) { return sqlite::recorded_schema_version(c); });
  return version.ok() ? *version : schema_version_;
}

namespace {

bool is_in_memory(const std::string& path) {
  return path.empty() || path == ":memory:" || path.find("mode=memory") != std::string::npos ||
         path.rfind("file::memory:", 0) == 0;
}

}  // namespace

Result<std::unique_ptr<Database>> open_database(const std::string& path, const SqliteOptions& options) {
  auto writer = Connection::open(path, options, /*reader=*/false);
  if (!writer.ok()) return writer.status();
  auto version = migrate(**writer);
  if (!version.ok()) return version.status();

  std::vector<std::unique_ptr<Connection>> readers;
  std::unique_ptr<Connection> checkpointer;
  if (!is_in_memory(path)) {
    for (int i = 0; i < options.read_connections; ++i) {
      auto reader = Connection::open(path, options, /*reader=*/true);
      if (!reader.ok()) return reader.status();
      readers.push_back(std::move(*reader));
    }
    auto opened = Connection::open(path, options, /*reader=*/false);
    if (!opened.ok()) return opened.status();
    checkpointer = std::move(*opened);
  }
  auto database =
      std::make_unique<Database>(std::move(*writer), std::move(readers), std::move(checkpointer), options, *version);
  if (Status s = database->load_recall_filters(); !s.is_ok()) return s;
  return database;
}

}  // namespace brainstem::store::sqlite
