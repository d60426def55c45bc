// Tenants, their users and memberships, and the API keys that open them. The contract every store
// interface keeps (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
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

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // --- tenants, users, memberships
  // Creates the tenant, the user and the user's owner membership in one transaction.
  // kConflict if the email or slug is taken.
  virtual Async<Status> create_signup(const Tenant& tenant, const User& user) = 0;
  // Creates a tenant with `owner_user_id` as owner (none when empty: a tenant made by the
  // CLI for API keys only). kConflict if the slug is taken.
  virtual Async<Status> create_tenant(const Tenant& tenant, const std::string& owner_user_id) = 0;
  virtual Async<Result<Tenant>> get_tenant(const std::string& id) = 0;
  virtual Async<Result<Tenant>> get_tenant_by_slug(const std::string& slug) = 0;
  virtual Async<Status> rename_tenant(const std::string& id, const std::string& name) = 0;  // kNotFound if absent
  virtual Async<Result<User>> get_user(const std::string& id) = 0;
  virtual Async<Result<User>> get_user_by_email(const std::string& email) = 0;  // case-insensitive
  // Marks the user whose pending token hash matches as verified. kNotFound if none.
  virtual Async<Result<User>> verify_email(const std::string& token_hash) = 0;
  // kConflict if already a member.
  virtual Async<Status> add_member(const std::string& tenant_id, const std::string& user_id, const std::string& role) = 0;
  // The user's role in the tenant; kNotFound if not a member.
  virtual Async<Result<std::string>> member_role(const std::string& tenant_id, const std::string& user_id) = 0;
  virtual Async<Result<std::vector<Member>>> list_members(const std::string& tenant_id) = 0;
  // Tenants the user belongs to, with the user's role in each, oldest first.
  virtual Async<Result<std::vector<std::pair<Tenant, std::string>>>> list_user_tenants(const std::string& user_id) = 0;

  // --- API keys
  virtual Async<Status> create_api_key(const ApiKey& key) = 0;  // kConflict on a duplicate hash
  // Finds a key by hash, revoked or not; the caller decides what revoked/expired means.
  virtual Async<Result<ApiKey>> get_api_key_by_hash(const std::string& key_hash) = 0;
  virtual Async<Result<std::vector<ApiKey>>> list_api_keys(const std::string& tenant_id) = 0;  // newest first
  // kNotFound if absent, in another tenant, or already revoked.
  virtual Async<Status> revoke_api_key(const std::string& tenant_id, const std::string& key_id, int64_t at_ms) = 0;
  // Records last use times in one transaction; unknown ids are ignored.
  virtual Async<Status> touch_api_keys(const std::vector<std::pair<std::string, int64_t>>& key_id_and_ms) = 0;
};

}  // namespace brainstem::store
