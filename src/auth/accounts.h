// Accounts: signup, login, email verification, workspaces and members, API keys.
// One implementation behind every route family that manages them (CerebralOS /v1/auth and
// /v1/api-keys, Cortex /portal/api, Cendriix /v1/workspaces, `brainstem keys create`).
//
// Thread-safety: all methods may be called concurrently. Password hashing runs on the blocking
// pool, so no method holds its caller's thread.
// Errors: kConflict (duplicate email/member), kUnauthenticated (bad credentials),
// kPermissionDenied (unverified email, insufficient role), kNotFound (absent or another
// tenant's), kValidation (a field), plus the store's kUnavailable.
#pragma once

#include "auth/api_key_format.h"
#include "auth/authenticator.h"
#include "auth/principal.h"
#include "common/offload.h"
#include "store/account_store.h"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace brainstem::auth {

struct AccountsOptions {
  bool email_verification = false;  // when on, login answers 403 until the link is opened
  std::string public_url = "http://127.0.0.1:8080";  // base of verification links
  int64_t token_ttl_s = 24 * 3600;
};

struct Session {
  std::string token;  // JWT
  store::User user;
  store::Tenant tenant;
  std::string role;
};

struct SignupResult {
  store::User user;
  store::Tenant tenant;
  std::string verification_link;  // empty when verification is off
};

struct KeyRequest {
  std::string tenant_id;
  std::string name;
  KeyKind kind = KeyKind::kLive;
  std::vector<std::string> scopes = {"*"};
  std::string agent_id;
  std::string identity_mode = "identified";
  std::vector<std::string> allowed_origins;
  std::optional<int64_t> expires_at;  // unix ms
  std::string created_by;
};

struct CreatedKey {
  store::ApiKey record;
  std::string raw;  // shown once
};

using WorkspaceRole = std::pair<store::Tenant, std::string>;

class Accounts {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;

  // `cpu` runs password hashing.
  Accounts(store::AccountStore& store, BlockingPool& cpu, Authenticator& authenticator, AccountsOptions options);

  Task<Result<SignupResult>> signup(const std::string& email, const std::string& password, const std::string& name);
  Task<Result<Session>> login(const std::string& email, const std::string& password);
  Task<Result<store::User>> verify_email(const std::string& token);
  Task<Result<store::User>> user(const std::string& user_id);

  Task<Result<WorkspaceRole>> create_workspace(const Principal& caller, const std::string& name, const std::string& plan);
  Task<Result<std::vector<WorkspaceRole>>> workspaces(const std::string& user_id);
  Task<Result<WorkspaceRole>> workspace(const Principal& caller, const std::string& workspace_id);
  // Owners and admins rename their workspace.
  Task<Status> rename_workspace(const Principal& caller, const std::string& workspace_id, const std::string& name);
  Task<Result<store::Member>> add_member(const Principal& caller, const std::string& workspace_id,
                                   const std::string& email, const std::string& role);
  Task<Result<std::vector<store::Member>>> members(const Principal& caller, const std::string& workspace_id);
  // A new token scoped to another workspace the user belongs to.
  Task<Result<Session>> switch_workspace(const Principal& caller, const std::string& workspace_id);

  Task<Result<CreatedKey>> create_key(const KeyRequest& request);
  Task<Result<std::vector<store::ApiKey>>> list_keys(const std::string& tenant_id);
  Task<Status> revoke_key(const std::string& tenant_id, const std::string& key_id);
  // The bootstrap path of `brainstem keys create`: finds or creates the tenant by slug.
  Task<Result<CreatedKey>> create_key_for_slug(const std::string& tenant_slug, KeyRequest request);

 private:
  std::string issue_token(const store::User& user, const std::string& tenant_id, const std::string& role) const;

  store::AccountStore& store_;
  BlockingPool& cpu_;
  Authenticator& authenticator_;
  AccountsOptions options_;
};

// "Acme Inc." → "acme-inc"; empty when nothing usable remains.
std::string slugify(std::string_view name);
bool valid_email(std::string_view email);

}  // namespace brainstem::auth
