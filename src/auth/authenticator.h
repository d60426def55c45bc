// Resolves credentials to a Principal: JWTs are verified statelessly; API keys are looked up
// by hash with a short-lived cache, so the hot path touches no store. Revoking through
// forget_key_id() takes effect at once on this node; a key revoked elsewhere (another process,
// another node) stops working within `cache_ttl_ms`.
//
// Thread-safety: all methods may be called concurrently. authenticate_key() and flush_usage()
// await the store; the rest never wait.
#pragma once

#include "auth/principal.h"
#include "common/status.h"
#include "store/account_store.h"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace brainstem::auth {

class Authenticator {
 public:
  Authenticator(store::AccountStore& store, std::string jwt_secret, int64_t cache_ttl_ms = 10000);

  Result<Principal> authenticate_jwt(std::string_view token, int64_t now_ms) const;
  Result<Principal> authenticate_a2a_token(std::string_view token, int64_t now_ms) const;
  // A key's principal is built once per cache fill and shared by the requests that use it.
  using SharedPrincipal = std::shared_ptr<const Principal>;
  // A cached answer when fresh; nullopt when the store must be asked.
  std::optional<Result<SharedPrincipal>> cached_key(std::string_view raw_key, int64_t now_ms) const;
  // Asks the store and caches the answer, negative ones included.
  boost::asio::awaitable<Result<SharedPrincipal>> authenticate_key(std::string_view raw_key, int64_t now_ms);
  // Drops the cached answer for a key (after a revocation), so its next use asks the store,
  // and remembers the revocation for requests already in flight (see revoked()).
  void forget_key_id(const std::string& key_id);
  // True once the key was revoked through this node: a stream still using it must end.
  bool revoked(const std::string& key_id) const;
  // How many revocations this node has seen: while it stays the same, no key was revoked, so a
  // stream can watch it without taking the cache's lock.
  uint64_t revocations() const { return revocations_.load(std::memory_order_acquire); }

  // Last-use times are kept in memory and written in batches.
  void record_use(const std::string& key_id, int64_t now_ms);
  boost::asio::awaitable<Status> flush_usage();

  const std::string& jwt_secret() const { return jwt_secret_; }

 private:
  struct CachedKey {
    std::optional<store::ApiKey> key;  // nullopt: no such key
    SharedPrincipal principal;         // what the key allows, while it is valid
    int64_t fetched_at = 0;
  };
  static SharedPrincipal make_principal(const store::ApiKey& key, std::string tenant_slug);
  Result<SharedPrincipal> principal_of(const CachedKey& entry, int64_t now_ms) const;

  store::AccountStore& store_;
  const std::string jwt_secret_;
  const int64_t cache_ttl_ms_;
  mutable std::shared_mutex cache_mu_;
  std::unordered_map<std::string, CachedKey> cache_;  // by key hash
  std::unordered_set<std::string> revoked_;           // key ids revoked while this node ran
  std::atomic<uint64_t> revocations_{0};
  std::mutex usage_mu_;
  std::unordered_map<std::string, int64_t> pending_usage_;
};

}  // namespace brainstem::auth
