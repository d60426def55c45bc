#include "auth/accounts.h"

#include "auth/jwt.h"
#include "auth/password.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/text.h"

#include <algorithm>
#include <cctype>

namespace brainstem::auth {

namespace {
std::string random_suffix() {
  return ascii_lower(crypto::random_base62(6));
}

Result<WorkspaceRole> member_view(store::AccountStore& store, const Principal& caller, const std::string& id) {
  auto role = store.member_role(id, caller.user_id);
  if (!role) {
    if (role.status().code() == StatusCode::kNotFound) return Status::not_found("workspace not found");
    return role.status();
  }
  auto tenant = store.get_tenant(id);
  if (!tenant) return tenant.status();
  return WorkspaceRole{std::move(tenant.value()), std::move(role.value())};
}
}  // namespace

std::string slugify(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-') out += '-';
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

bool valid_email(std::string_view email) {
  size_t at = email.find('@');
  if (at == 0 || at == std::string_view::npos || email.size() > 254) return false;
  auto domain = email.substr(at + 1);
  size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         domain.find('@') == std::string_view::npos &&
         std::none_of(email.begin(), email.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; });
}

Accounts::Accounts(store::AccountStore& store, Authenticator& authenticator, AccountsOptions options)
    : store_(store), authenticator_(authenticator), options_(std::move(options)) {}

std::string Accounts::issue_token(const store::User& user, const std::string& tenant_id,
                                  const std::string& role) const {
  Claims c;
  c.subject = user.id;
  c.tenant_id = tenant_id;
  c.role = role;
  c.email = user.email;
  c.issued_at = now_ms() / 1000;
  c.expires_at = c.issued_at + options_.token_ttl_s;
  return sign_jwt(c, authenticator_.jwt_secret());
}

Result<SignupResult> Accounts::signup(const std::string& email_in, const std::string& password,
                                      const std::string& name) {
  std::string email = ascii_lower(email_in);
  if (!valid_email(email)) return Status::validation("email", "email must be a valid email address");
  if (password.size() < 8) return Status::validation("password", "password must be at least 8 characters");
  if (password.size() > 1024) return Status::validation("password", "password must be at most 1024 characters");

  int64_t now = now_ms();
  SignupResult r;
  r.user.id = random_id("usr_", 16);
  r.user.email = email;
  r.user.name = name;
  r.user.password_hash = hash_password(password);
  r.user.created_at = now;
  std::string token;
  if (options_.email_verification) {
    token = crypto::random_base62(32);
    r.user.verify_token_hash = crypto::sha256_hex(token);
  } else {
    r.user.email_verified = true;
  }
  std::string base = slugify(name.empty() ? email.substr(0, email.find('@')) : name);
  r.tenant.id = crypto::uuid_v4();
  r.tenant.slug = (base.empty() ? "workspace" : base) + "-" + random_suffix();
  r.tenant.name = name.empty() ? email : name;
  r.tenant.created_at = now;
  if (auto s = store_.create_signup(r.tenant, r.user); !s.is_ok()) {
    if (s.code() == StatusCode::kConflict) return Status::conflict("email already registered");
    return s;
  }
  if (!token.empty()) r.verification_link = options_.public_url + "/v1/auth/verify?token=" + token;
  r.user.password_hash.clear();
  return r;
}

Result<Session> Accounts::login(const std::string& email, const std::string& password) {
  auto user = store_.get_user_by_email(ascii_lower(email));
  if (!user) {
    if (user.status().code() != StatusCode::kNotFound) return user.status();
    hash_password(password);  // same cost as a real check, so timing does not reveal accounts
    return Status::unauthenticated("invalid credentials");
  }
  if (!verify_password(user->password_hash, password)) return Status::unauthenticated("invalid credentials");
  if (!user->email_verified) return Status::forbidden("email not verified");
  auto tenants = store_.list_user_tenants(user->id);
  if (!tenants) return tenants.status();
  if (tenants->empty()) return Status::forbidden("user belongs to no workspace");
  Session s;
  s.user = std::move(user.value());
  s.user.password_hash.clear();
  s.tenant = tenants->front().first;
  s.role = tenants->front().second;
  s.token = issue_token(s.user, s.tenant.id, s.role);
  return s;
}

Result<store::User> Accounts::verify_email(const std::string& token) {
  if (token.empty()) return Status::validation("token", "token is required");
  auto user = store_.verify_email(crypto::sha256_hex(token));
  if (!user) {
    if (user.status().code() == StatusCode::kNotFound) return Status::not_found("verification link is invalid or used");
    return user.status();
  }
  user->password_hash.clear();
  return user;
}

Result<store::User> Accounts::user(const std::string& user_id) {
  auto u = store_.get_user(user_id);
  if (u) u->password_hash.clear();
  return u;
}

Result<WorkspaceRole> Accounts::create_workspace(const Principal& caller, const std::string& name,
                                                 const std::string& plan) {
  if (!caller.is_user()) return Status::forbidden("workspaces are created by users (JWT), not API keys");
  store::Tenant t;
  t.id = crypto::uuid_v4();
  std::string base = slugify(name);
  t.slug = (base.empty() ? "workspace" : base) + "-" + random_suffix();
  t.name = name;
  t.plan = plan;
  t.created_at = now_ms();
  if (auto s = store_.create_tenant(t, caller.user_id); !s.is_ok()) return s;
  return WorkspaceRole{t, "owner"};
}

Result<std::vector<WorkspaceRole>> Accounts::workspaces(const std::string& user_id) {
  return store_.list_user_tenants(user_id);
}

Result<WorkspaceRole> Accounts::workspace(const Principal& caller, const std::string& id) {
  if (!caller.is_user()) {
    if (id != caller.tenant_id) return Status::not_found("workspace not found");
    auto t = store_.get_tenant(id);
    if (!t) return t.status();
    return WorkspaceRole{std::move(t.value()), "member"};
  }
  return member_view(store_, caller, id);
}

Result<store::Member> Accounts::add_member(const Principal& caller, const std::string& workspace_id,
                                           const std::string& email, const std::string& role) {
  if (!caller.is_user()) return Status::forbidden("members are managed by users (JWT), not API keys");
  auto ws = member_view(store_, caller, workspace_id);
  if (!ws) return ws.status();
  int caller_rank = role_rank(ws->second);
  if (caller_rank < role_rank("admin")) return Status::forbidden("only owners and admins can add members");
  if (role_rank(role) > caller_rank) return Status::forbidden("cannot grant a role above your own");
  auto user = store_.get_user_by_email(ascii_lower(email));
  if (!user) {
    if (user.status().code() == StatusCode::kNotFound) {
      return Status::not_found("no user with that email; they must sign up first");
    }
    return user.status();
  }
  if (auto s = store_.add_member(workspace_id, user->id, role); !s.is_ok()) {
    if (s.code() == StatusCode::kConflict) return Status::conflict("already a member of this workspace");
    return s;
  }
  store::Member m;
  m.tenant_id = workspace_id;
  m.user_id = user->id;
  m.email = user->email;
  m.name = user->name;
  m.role = role;
  m.joined_at = now_ms();
  return m;
}

Result<std::vector<store::Member>> Accounts::members(const Principal& caller, const std::string& workspace_id) {
  if (caller.is_user()) {
    auto ws = member_view(store_, caller, workspace_id);
    if (!ws) return ws.status();
  } else if (workspace_id != caller.tenant_id) {
    return Status::not_found("workspace not found");
  }
  return store_.list_members(workspace_id);
}

Result<Session> Accounts::switch_workspace(const Principal& caller, const std::string& workspace_id) {
  if (!caller.is_user()) return Status::forbidden("only users (JWT) switch workspaces");
  auto ws = member_view(store_, caller, workspace_id);
  if (!ws) return ws.status();
  auto user = store_.get_user(caller.user_id);
  if (!user) return user.status();
  Session s;
  s.user = std::move(user.value());
  s.user.password_hash.clear();
  s.tenant = std::move(ws->first);
  s.role = std::move(ws->second);
  s.token = issue_token(s.user, s.tenant.id, s.role);
  return s;
}

Result<CreatedKey> Accounts::create_key(const KeyRequest& req) {
  auto fresh = generate_api_key(req.kind);
  CreatedKey out;
  auto& k = out.record;
  k.id = random_id("key_", 16);
  k.tenant_id = req.tenant_id;
  k.name = req.name;
  k.prefix = fresh.prefix;
  k.key_hash = fresh.hash;
  k.scopes = req.scopes.empty() ? std::vector<std::string>{"*"} : req.scopes;
  k.agent_id = req.agent_id;
  k.identity_mode = req.identity_mode;
  k.allowed_origins = req.allowed_origins;
  k.expires_at = req.expires_at;
  k.created_by = req.created_by;
  k.created_at = now_ms();
  if (auto s = store_.create_api_key(k); !s.is_ok()) return s;
  out.raw = std::move(fresh.raw);
  return out;
}

Result<std::vector<store::ApiKey>> Accounts::list_keys(const std::string& tenant_id) {
  return store_.list_api_keys(tenant_id);
}

Status Accounts::revoke_key(const std::string& tenant_id, const std::string& key_id) {
  auto s = store_.revoke_api_key(tenant_id, key_id, now_ms());
  if (s.code() == StatusCode::kNotFound) return Status::not_found("key not found");
  if (s.is_ok()) authenticator_.forget_key_id(key_id);
  return s;
}

Result<CreatedKey> Accounts::create_key_for_slug(const std::string& tenant_slug, KeyRequest request) {
  if (slugify(tenant_slug) != tenant_slug) {
    return Status::validation("tenant", "tenant slug must be lower-case letters, digits and dashes");
  }
  auto tenant = store_.get_tenant_by_slug(tenant_slug);
  if (!tenant && tenant.status().code() == StatusCode::kNotFound) {
    store::Tenant t;
    t.id = crypto::uuid_v4();
    t.slug = tenant_slug;
    t.name = tenant_slug;
    t.created_at = now_ms();
    auto s = store_.create_tenant(t, "");
    if (!s.is_ok() && s.code() != StatusCode::kConflict) return s;
    tenant = store_.get_tenant_by_slug(tenant_slug);
  }
  if (!tenant) return tenant.status();
  request.tenant_id = tenant->id;
  return create_key(request);
}

}  // namespace brainstem::auth
