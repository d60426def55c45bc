// The store: every durable record of brainstem goes through this interface.
//
// Thread-safety: a Store is safe to call from any number of threads at once.
// Blocking: every method may block on disk or network; coroutines call it through
// common/offload.h so no I/O thread waits on it.
// Errors: kNotFound when a record is absent (or belongs to another tenant: callers cannot tell
// the two apart), kConflict on a uniqueness violation, kUnavailable when the engine cannot
// serve now (locked, disk full, too many queued operations), kInternal otherwise.
// Durability: a method that returned OK has committed; a process crash afterwards loses nothing.
// Engines: SQLite (store/sqlite) is the embedded default; no engine type appears here.
#pragma once

#include "common/status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::store {

struct Tenant {
  std::string id;    // uuid; also a Cortex company_id and a Cendriix workspace id
  std::string slug;  // unique, [a-z0-9-]
  std::string name;
  std::string plan = "starter";
  int64_t created_at = 0;  // unix ms
};

struct User {
  std::string id;  // "usr_..."
  std::string email;  // stored lower-case; unique
  std::string name;
  std::string password_hash;  // argon2id encoded string; empty for users who cannot log in
  bool email_verified = false;
  std::string verify_token_hash;  // sha256 of the pending verification token, or empty
  int64_t created_at = 0;
};

struct Member {
  std::string tenant_id;
  std::string user_id;
  std::string email;
  std::string name;
  std::string role;  // owner | admin | member | viewer
  int64_t joined_at = 0;
};

struct ApiKey {
  std::string id;  // "key_..."
  std::string tenant_id;
  std::string name;
  std::string prefix;    // the visible start of the key, e.g. "sk_live_4qArx8L2"
  std::string key_hash;  // sha256 hex of the full key; unique
  std::vector<std::string> scopes;           // {"*"} = all
  std::string agent_id;                      // empty = any agent
  std::string identity_mode = "identified";  // anonymous | identified | required
  std::vector<std::string> allowed_origins;  // empty = server-to-server only
  std::optional<int64_t> expires_at;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
  std::string created_by;  // user id, or "cli"
  int64_t created_at = 0;
};

struct AuditEntry {
  int64_t seq = 0;  // position in the tenant's chain, from 1
  std::string id;   // "aud_..."
  std::string tenant_id;
  int64_t timestamp = 0;  // unix ms
  std::string actor;      // user id, key id, or "system"
  std::string event_type;
  std::string payload;  // JSON text
  std::string prev_hash;
  std::string hash;
};

struct AuditQuery {
  std::string tenant_id;
  std::optional<std::string> actor;
  std::optional<std::string> event_type;
  std::optional<int64_t> from_ms, to_ms;
  std::optional<int64_t> after_seq;  // cursor: entries with seq > after_seq
  int limit = 50;
};

// The tenant's chain head, kept beside the entries so that deleting the newest rows is
// detected too.
struct AuditHead {
  int64_t count = 0;
  std::string hash;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- tenants, users, memberships
  // Creates the tenant, the user and the user's owner membership in one transaction.
  // kConflict if the email or slug is taken.
  virtual Status create_signup(const Tenant& tenant, const User& user) = 0;
  // Creates a tenant with `owner_user_id` as owner (none when empty: a tenant made by the
  // CLI for API keys only). kConflict if the slug is taken.
  virtual Status create_tenant(const Tenant& tenant, const std::string& owner_user_id) = 0;
  virtual Result<Tenant> get_tenant(const std::string& id) = 0;
  virtual Result<Tenant> get_tenant_by_slug(const std::string& slug) = 0;
  virtual Result<User> get_user(const std::string& id) = 0;
  virtual Result<User> get_user_by_email(const std::string& email) = 0;  // case-insensitive
  // Marks the user whose pending token hash matches as verified. kNotFound if none.
  virtual Result<User> verify_email(const std::string& token_hash) = 0;
  // kConflict if already a member.
  virtual Status add_member(const std::string& tenant_id, const std::string& user_id, const std::string& role) = 0;
  // The user's role in the tenant; kNotFound if not a member.
  virtual Result<std::string> member_role(const std::string& tenant_id, const std::string& user_id) = 0;
  virtual Result<std::vector<Member>> list_members(const std::string& tenant_id) = 0;
  // Tenants the user belongs to, with the user's role in each, oldest first.
  virtual Result<std::vector<std::pair<Tenant, std::string>>> list_user_tenants(const std::string& user_id) = 0;

  // --- API keys
  virtual Status create_api_key(const ApiKey& key) = 0;  // kConflict on a duplicate hash
  // Finds a key by hash, revoked or not; the caller decides what revoked/expired means.
  virtual Result<ApiKey> get_api_key_by_hash(const std::string& key_hash) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys(const std::string& tenant_id) = 0;  // newest first
  // kNotFound if absent, in another tenant, or already revoked.
  virtual Status revoke_api_key(const std::string& tenant_id, const std::string& key_id, int64_t at_ms) = 0;
  // Records last use times in one transaction; unknown ids are ignored.
  virtual Status touch_api_keys(const std::vector<std::pair<std::string, int64_t>>& key_id_and_ms) = 0;

  // --- audit chain
  // Appends to the tenant's chain atomically: fills seq and prev_hash from the current head,
  // calls `seal` to compute the hash over the filled entry, stores entry and new head.
  virtual Result<AuditEntry> append_audit(AuditEntry entry,
                                          const std::function<std::string(const AuditEntry&)>& seal) = 0;
  virtual Result<std::vector<AuditEntry>> query_audit(const AuditQuery& query) = 0;  // ascending seq
  // Visits the tenant's entries in seq order until `visit` returns false.
  virtual Status scan_audit(const std::string& tenant_id, const std::function<bool(const AuditEntry&)>& visit) = 0;
  virtual Result<AuditHead> audit_head(const std::string& tenant_id) = 0;

  // --- settings (server-wide key/value, e.g. the generated JWT secret)
  // Stores `value` under `key` unless one exists; returns the value in force.
  virtual Result<std::string> setting_or_init(const std::string& key, const std::string& value) = 0;

  // --- engine
  virtual Status ping() = 0;  // a trivial query; kUnavailable if the engine cannot answer
  virtual int schema_version() = 0;
  virtual std::string engine_name() const = 0;
};

}  // namespace brainstem::store
