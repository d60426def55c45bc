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

template <class T>
using Task = Accounts::Task<T>;

namespace {
std::string random_suffix() {
  return ascii_lower(crypto::random_base62(6));
}

Task<Result<WorkspaceRole>> member_view(store::AccountStore& store, const Principal& caller, const std::string& id) {
  auto role = co_await store.member_role(id, caller.user_id);
  if (!role) {
    if (role.status().code() == StatusCode::kNotFound) co_return Status::not_found("workspace not found");
    co_return role.status();
  }
  auto tenant = co_await store.get_tenant(id);
  if (!tenant) co_return tenant.status();
  co_return WorkspaceRole{std::move(tenant.value()), std::move(role.value())};
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

Accounts::Accounts(store::AccountStore& store, BlockingPool& cpu, Authenticator& authenticator,
                   AccountsOptions options)
    : store_(store), cpu_(cpu), authenticator_(authenticator), options_(std::move(options)) {}

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

Task<Result<SignupResult>> Accounts::signup(const std::string& email_in, const std::string& password,
                                      const std::string& name) {
  std::string email = ascii_lower(email_in);
  if (!valid_email(email)) co_return Status::validation("email", "email must be a valid email address");
  if (password.size() < 8) co_return Status::validation("password", "password must be at least 8 characters");
  if (password.size() > 1024) co_return Status::validation("password", "password must be at most 1024 characters");

  int64_t now = now_ms();
  SignupResult r;
  r.user.id = random_id("usr_", 16);
  r.user.email = email;
  r.user.name = name;
  r.user.password_hash = co_await cpu_.run([&] { return hash_password(password); });
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
  if (auto s = co_await store_.create_signup(r.tenant, r.user); !s.is_ok()) {
    if (s.code() == StatusCode::kConflict) co_return Status::conflict("email already registered");
    co_return s;
  }
  if (!token.empty()) r.verification_link = options_.public_url + "/v1/auth/verify?token=" + token;
  r.user.password_hash.clear();
  co_return r;
}

Task<Result<Session>> Accounts::login(const std::string& email, const std::string& password) {
  auto user = co_await store_.get_user_by_email(ascii_lower(email));
  if (!user) {
    if (user.status().code() != StatusCode::kNotFound) co_return user.status();
    co_await cpu_.run([&] { return hash_password(password); });  // same cost as a real check, so timing does not reveal accounts
    co_return Status::unauthenticated("invalid credentials");
  }
  if (!co_await cpu_.run([&] { return verify_password(user->password_hash, password); })) co_return Status::unauthenticated("invalid credentials");
  if (!user->email_verified) co_return Status::forbidden("email not verified");
  auto tenants = co_await store_.list_user_tenants(user->id);
  if (!tenants) co_return tenants.status();
  if (tenants->empty()) co_return Status::forbidden("user belongs to no workspace");
  Session s;
  s.user = std::move(user.value());
  s.user.password_hash.clear();
  s.tenant = tenants->front().first;
  s.role = tenants->front().second;
  s.token = issue_token(s.user, s.tenant.id, s.role);
  co_return s;
}

Task<Result<store::User>> Accounts::verify_email(const std::string& token) {
  if (token.empty()) co_return Status::validation("token", "token is required");
  auto user = co_await store_.verify_email(crypto::sha256_hex(token));
  if (!user) {
    if (user.status().code() == StatusCode::kNotFound) co_return Status::not_found("verification link is invalid or used");
    co_return user.status();
  }
  user->password_hash.clear();
  co_return user;
}

Task<Result<store::User>> Accounts::user(const std::string& user_id) {
  auto u = co_await store_.get_user(user_id);
  if (u) u->password_hash.clear();
  co_return u;
}

Task<Result<WorkspaceRole>> Accounts::create_workspace(const Principal& caller, const std::string& name,
                                                 const std::string& plan) {
  if (!caller.is_user()) co_return Status::forbidden("workspaces are created by users (JWT), not API keys");
  store::Tenant t;
  t.id = crypto::uuid_v4();
  std::string base = slugify(name);
  t.slug = (base.empty() ? "workspace" : base) + "-" + random_suffix();
  t.name = name;
  t.plan = plan;
  t.created_at = now_ms();
  if (auto s = co_await store_.create_tenant(t, caller.user_id); !s.is_ok()) co_return s;
  co_return WorkspaceRole{t, "owner"};
}

Task<Result<std::vector<WorkspaceRole>>> Accounts::workspaces(const std::string& user_id) {
  co_return co_await store_.list_user_tenants(user_id);
}

Task<Result<WorkspaceRole>> Accounts::workspace(const Principal& caller, const std::string& id) {
  if (!caller.is_user()) {
    if (id != caller.tenant_id) co_return Status::not_found("workspace not found");
    auto t = co_await store_.get_tenant(id);
    if (!t) co_return t.status();
    co_return WorkspaceRole{std::move(t.value()), "member"};
  }
  co_return co_await member_view(store_, caller, id);
}

Task<Status> Accounts::rename_workspace(const Principal& caller, const std::string& id, const std::string& name) {
  auto ws = co_await workspace(caller, id);
  if (!ws) co_return ws.status();
  if (role_rank(ws->second) < role_rank("admin")) co_return Status::forbidden("owners and admins only");
  co_return co_await store_.rename_tenant(id, name);
}

Task<Result<store::Member>> Accounts::add_member(const Principal& caller, const std::string& workspace_id,
                                           const std::string& email, const std::string& role) {
  if (!caller.is_user()) co_return Status::forbidden("members are managed by users (JWT), not API keys");
  auto ws = co_await member_view(store_, caller, workspace_id);
  if (!ws) co_return ws.status();
  int caller_rank = role_rank(ws->second);
  if (caller_rank < role_rank("admin")) co_return Status::forbidden("only owners and admins can add members");
  if (role_rank(role) > caller_rank) co_return Status::forbidden("cannot grant a role above your own");
  auto user = co_await store_.get_user_by_email(ascii_lower(email));
  if (!user) {
    if (user.status().code() == StatusCode::kNotFound) {
      co_return Status::not_found("no user with that email; they must sign up first");
    }
    co_return user.status();
  }
  if (auto s = co_await store_.add_member(workspace_id, user->id, role); !s.is_ok()) {
    if (s.code() == StatusCode::kConflict) co_return Status::conflict("already a member of this workspace");
    co_return s;
  }
  store::Member m;
  m.tenant_id = workspace_id;
  m.user_id = user->id;
  m.email = user->email;
  m.name = user->name;
  m.role = role;
  m.joined_at = now_ms();
  co_return m;
}

Task<Result<std::vector<store::Member>>> Accounts::members(const Principal& caller, const std::string& workspace_id) {
  if (caller.is_user()) {
    auto ws = co_await member_view(store_, caller, workspace_id);
    if (!ws) co_return ws.status();
  } else if (workspace_id != caller.tenant_id) {
    co_return Status::not_found("workspace not found");
  }
  co_return co_await store_.list_members(workspace_id);
}

Task<Result<Session>> Accounts::switch_workspace(const Principal& caller, const std::string& workspace_id) {
  if (!caller.is_user()) co_return Status::forbidden("only users (JWT) switch workspaces");
  auto ws = co_await member_view(store_, caller, workspace_id);
  if (!ws) co_return ws.status();
  auto user = co_await store_.get_user(caller.user_id);
  if (!user) co_return user.status();
  Session s;
  s.user = std::move(user.value());
  s.user.password_hash.clear();
  s.tenant = std::move(ws->first);
  s.role = std::move(ws->second);
  s.token = issue_token(s.user, s.tenant.id, s.role);
  co_return s;
}

Task<Result<CreatedKey>> Accounts::create_key(const KeyRequest& req) {
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
  if (auto s = co_await store_.create_api_key(k); !s.is_ok()) co_return s;
  out.raw = std::move(fresh.raw);
  co_return out;
}

Task<Result<std::vector<store::ApiKey>>> Accounts::list_keys(const std::string& tenant_id) {
  co_return co_await store_.list_api_keys(tenant_id);
}

Task<Status> Accounts::revoke_key(const std::string& tenant_id, const std::string& key_id) {
  auto s = co_await store_.revoke_api_key(tenant_id, key_id, now_ms());
  if (s.code() == StatusCode::kNotFound) co_return Status::not_found("key not found");
  if (s.is_ok()) authenticator_.forget_key_id(key_id);
  co_return s;
}

Task<Result<CreatedKey>> Accounts::create_key_for_slug(const std::string& tenant_slug, KeyRequest request) {
  if (slugify(tenant_slug) != tenant_slug) {
    co_return Status::validation("tenant", "tenant slug must be lower-case letters, digits and dashes");
  }
  auto tenant = co_await store_.get_tenant_by_slug(tenant_slug);
  if (!tenant && tenant.status().code() == StatusCode::kNotFound) {
    store::Tenant t;
    t.id = crypto::uuid_v4();
    t.slug = tenant_slug;
    t.name = tenant_slug;
    t.created_at = now_ms();
    auto s = co_await store_.create_tenant(t, "");
    if (!s.is_ok() && s.code() != StatusCode::kConflict) co_return s;
    tenant = co_await store_.get_tenant_by_slug(tenant_slug);
  }
  if (!tenant) co_return tenant.status();
  request.tenant_id = tenant->id;
  co_return co_await create_key(request);
}

}  // namespace brainstem::auth
