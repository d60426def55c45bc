#include "auth/authenticator.h"

#include "auth/a2a_token.h"
#include "auth/api_key_format.h"
#include "auth/jwt.h"

#include <algorithm>

namespace brainstem::auth {

namespace {
constexpr size_t kMaxCachedKeys = 100000;
}

int role_rank(const std::string& role) {
  if (role == "owner") return 3;
  if (role == "admin") return 2;
  if (role == "member") return 1;
  return 0;
}

bool Principal::has_scope(const std::string& scope) const {
  if (is_user()) return true;
  return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) {
    return s == "*" || s == scope || (s.ends_with(":*") && scope.starts_with(s.substr(0, s.size() - 1)));
  });
}

int Principal::rank() const { return is_user() ? role_rank(role) : 1; }

Authenticator::Authenticator(store::AccountStore& store, std::string jwt_secret, int64_t cache_ttl_ms)
    : store_(store), jwt_secret_(std::move(jwt_secret)), cache_ttl_ms_(cache_ttl_ms) {}

Result<Principal> Authenticator::authenticate_jwt(std::string_view token, int64_t now_ms) const {
  auto claims = verify_jwt(token, jwt_secret_, now_ms / 1000);
  if (!claims) return claims.status();
  Principal p;
  p.kind = Principal::Kind::kUser;
  p.user_id = claims->subject;
  p.tenant_id = claims->tenant_id;
  p.role = claims->role;
  p.email = claims->email;
  return p;
}

Result<Principal> Authenticator::authenticate_a2a_token(std::string_view token, int64_t now_ms) const {
  auto claims = verify_a2a_token(token, jwt_secret_, now_ms / 1000);
  if (!claims) return claims.status();
  Principal p;
  p.kind = Principal::Kind::kApiKey;
  p.tenant_id = claims->tenant_id;
  p.key_id = "a2a_" + claims->token_id;
  p.agent_id = claims->agent_id;
  p.identity_mode = "anonymous";
  p.a2a_token = true;
  p.a2a_skills = std::move(claims->skills);
  p.scopes = {"mcp:*"};  // the agent answers with every tool its configuration allows
  return p;
}

Authenticator::SharedPrincipal Authenticator::make_principal(const store::ApiKey& k, std::string tenant_slug) {
  auto p = std::make_shared<Principal>();
  p->kind = Principal::Kind::kApiKey;
  p->tenant_id = k.tenant_id;
  p->tenant_slug = std::move(tenant_slug);
  p->key_id = k.id;
  p->scopes = k.scopes;
  p->agent_id = k.agent_id;
  p->identity_mode = k.identity_mode;
  p->allowed_origins = k.allowed_origins;
  return p;
}

Result<Authenticator::SharedPrincipal> Authenticator::principal_of(const CachedKey& entry, int64_t now_ms) const {
  if (!entry.key) return Status::unauthenticated("invalid API key");
  const auto& k = *entry.key;
  if (k.revoked_at) return Status::unauthenticated("API key has been revoked");
  if (k.expires_at && *k.expires_at <= now_ms) return Status::unauthenticated("API key has expired");
  return entry.principal;
}

std::optional<Result<Authenticator::SharedPrincipal>> Authenticator::cached_key(std::string_view raw_key, int64_t now_ms) const {
  std::string hash = hash_api_key(raw_key);
  std::shared_lock lock(cache_mu_);
  auto it = cache_.find(hash);
  if (it == cache_.end() || now_ms - it->second.fetched_at > cache_ttl_ms_) return std::nullopt;
  return principal_of(it->second, now_ms);
}

boost::asio::awaitable<Result<Authenticator::SharedPrincipal>> Authenticator::authenticate_key(std::string_view raw_key, int64_t now_ms) {
  std::string hash = hash_api_key(raw_key);
  CachedKey entry;
  entry.fetched_at = now_ms;
  auto found = co_await store_.get_api_key_by_hash(hash);
  if (found) {
    auto tenant = co_await store_.get_tenant(found->tenant_id);
    if (!tenant) co_return tenant.status().code() == StatusCode::kNotFound ? Status::unauthenticated("invalid API key")
                                                                         : tenant.status();
    entry.principal = make_principal(found.value(), tenant->slug);
    entry.key = std::move(found.value());
  } else if (found.status().code() != StatusCode::kNotFound) {
    co_return found.status();  // the store failed: do not cache
  }
  auto principal = principal_of(entry, now_ms);
  std::unique_lock lock(cache_mu_);
  if (cache_.size() >= kMaxCachedKeys) cache_.clear();
  cache_[hash] = std::move(entry);
  co_return principal;
}

void Authenticator::forget_key_id(const std::string& key_id) {
  std::unique_lock lock(cache_mu_);
  revoked_.insert(key_id);
  revocations_.fetch_add(1, std::memory_order_release);
  std::erase_if(cache_, [&](const auto& item) { return item.second.key && item.second.key->id == key_id; });
}

bool Authenticator::revoked(const std::string& key_id) const {
  std::shared_lock lock(cache_mu_);
  return revoked_.count(key_id) > 0;
}

void Authenticator::record_use(const std::string& key_id, int64_t now_ms) {
  std::lock_guard lock(usage_mu_);
  pending_usage_[key_id] = now_ms;
}

boost::asio::awaitable<Status> Authenticator::flush_usage() {
  std::vector<std::pair<std::string, int64_t>> batch;
  {
    std::lock_guard lock(usage_mu_);
    batch.assign(pending_usage_.begin(), pending_usage_.end());
    pending_usage_.clear();
  }
  if (batch.empty()) co_return Status::ok();
  co_return co_await store_.touch_api_keys(batch);
}

}  // namespace brainstem::auth
