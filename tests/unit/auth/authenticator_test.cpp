#include "common/offload.h"
#include "common/run_sync.h"
#include "testing/temp_dir.h"
#include "auth/accounts.h"
#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::auth;

constexpr const char* kSecret = "authenticator-test-secret-0123456789abcdef";

using brainstem::test_support::TempDir;

class AuthStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite(dir_.file("auth.db"));
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    authn_ = std::make_unique<Authenticator>(*store_, kSecret, 10000);
    accounts_ = std::make_unique<Accounts>(*store_, cpu_, *authn_, AccountsOptions{});
  }

  CreatedKey make_key(const std::string& slug, KeyRequest request = {}) {
    request.created_by = "cli";
    auto created = run_sync(accounts_->create_key_for_slug(slug, std::move(request)));
    if (!created.ok()) throw std::runtime_error(created.status().message());
    return std::move(created).value();
  }

  TempDir dir_;
  BlockingPool cpu_{2, 64};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Authenticator> authn_;
  std::unique_ptr<Accounts> accounts_;
};

// ---- Principal

TEST(Principal, UserHasEveryScope) {
  Principal p;
  p.kind = Principal::Kind::kUser;
  EXPECT_TRUE(p.has_scope("anything:write"));
}

TEST(Principal, KeyScopesMatchExactlyOrByWildcard) {
  Principal p;
  p.kind = Principal::Kind::kApiKey;
  p.scopes = {"agents:read", "memory:*"};
  EXPECT_TRUE(p.has_scope("agents:read"));
  EXPECT_FALSE(p.has_scope("agents:write"));
  EXPECT_TRUE(p.has_scope("memory:read"));
  EXPECT_TRUE(p.has_scope("memory:write"));
  EXPECT_FALSE(p.has_scope("memoryx:read"));
  p.scopes = {"*"};
  EXPECT_TRUE(p.has_scope("agents:write"));
  p.scopes = {};
  EXPECT_FALSE(p.has_scope("agents:read"));
}

TEST(Principal, RanksRolesAndTreatsKeysAsMembers) {
  EXPECT_EQ(role_rank("owner"), 3);
  EXPECT_EQ(role_rank("admin"), 2);
  EXPECT_EQ(role_rank("member"), 1);
  EXPECT_EQ(role_rank("viewer"), 0);
  EXPECT_EQ(role_rank("superuser"), 0);
  Principal user;
  user.role = "admin";
  EXPECT_EQ(user.rank(), 2);
  Principal key;
  key.kind = Principal::Kind::kApiKey;
  key.role = "owner";
  EXPECT_EQ(key.rank(), 1);
}

TEST(Principal, ActorIsUserIdOrKeyId) {
  Principal p;
  p.user_id = "usr_1";
  p.key_id = "key_1";
  EXPECT_EQ(p.actor(), "usr_1");
  p.kind = Principal::Kind::kApiKey;
  EXPECT_EQ(p.actor(), "key_1");
}

// ---- Authenticator: JWTs

TEST_F(AuthStore, JwtResolvesToUserPrincipal) {
  Claims c;
  c.subject = "usr_9";
  c.tenant_id = "ten_9";
  c.role = "owner";
  c.email = "x@y.io";
  int64_t now = now_ms();
  c.issued_at = now / 1000;
  c.expires_at = now / 1000 + 60;
  auto p = authn_->authenticate_jwt(sign_jwt(c, kSecret), now);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->is_user());
  EXPECT_EQ(p->user_id, "usr_9");
  EXPECT_EQ(p->tenant_id, "ten_9");
  EXPECT_EQ(p->role, "owner");
  EXPECT_EQ(p->email, "x@y.io");
}

TEST_F(AuthStore, JwtExpiryIsJudgedInMilliseconds) {
  Claims c;
  c.subject = "usr_9";
  c.tenant_id = "ten_9";
  c.expires_at = 2000000;  // seconds
  auto token = sign_jwt(c, kSecret);
  EXPECT_TRUE(authn_->authenticate_jwt(token, 1999999999).ok());
  auto late = authn_->authenticate_jwt(token, 2000000000);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthStore, JwtSignedWithOtherSecretIsRefused) {
  Claims c;
  c.subject = "usr_9";
  c.tenant_id = "ten_9";
  c.expires_at = now_ms() / 1000 + 60;
  auto p = authn_->authenticate_jwt(sign_jwt(c, "some-other-secret-entirely-000000000"), now_ms());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
}

// ---- Authenticator: API keys

TEST_F(AuthStore, ValidKeyResolvesToKeyPrincipal) {
  KeyRequest req;
  req.scopes = {"agents:read"};
  req.allowed_origins = {"https://app.example.com"};
  auto key = make_key("acme", req);
  auto p = run_sync(authn_->authenticate_key(key.raw, now_ms()));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE((*p)->is_key());
  EXPECT_EQ((*p)->key_id, key.record.id);
  EXPECT_EQ((*p)->tenant_id, key.record.tenant_id);
  EXPECT_EQ((*p)->tenant_slug, "acme");
  EXPECT_EQ((*p)->scopes, std::vector<std::string>{"agents:read"});
  EXPECT_EQ((*p)->allowed_origins, std::vector<std::string>{"https://app.example.com"});
}

TEST_F(AuthStore, UnknownKeyIsRefusedAndCachedNegatively) {
  const std::string raw = "sk_live_doesnotexist0000000000000000000000000000";
  int64_t now = now_ms();
  EXPECT_FALSE(authn_->cached_key(raw, now));
  auto p = run_sync(authn_->authenticate_key(raw, now));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(p.status().message(), "invalid API key");
  auto cached = authn_->cached_key(raw, now + 1);
  ASSERT_TRUE(cached);
  ASSERT_FALSE(cached->ok());
  EXPECT_EQ(cached->status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthStore, CachedAnswerServedUntilTtlThenStale) {
  auto key = make_key("acme");
  int64_t now = now_ms();
  ASSERT_TRUE(run_sync(authn_->authenticate_key(key.raw, now)).ok());
  auto fresh = authn_->cached_key(key.raw, now + 10000);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->ok());
  EXPECT_EQ(fresh->value()->key_id, key.record.id);
  EXPECT_FALSE(authn_->cached_key(key.raw, now + 10001));
}

TEST_F(AuthStore, RevocationThroughAccountsDropsCacheAtOnce) {
  auto key = make_key("acme");
  int64_t now = now_ms();
  ASSERT_TRUE(run_sync(authn_->authenticate_key(key.raw, now)).ok());
  ASSERT_TRUE(authn_->cached_key(key.raw, now));
  const uint64_t revocations = authn_->revocations();
  EXPECT_FALSE(authn_->revoked(key.record.id));
  ASSERT_TRUE(run_sync(accounts_->revoke_key(key.record.tenant_id, key.record.id)).is_ok());
  EXPECT_EQ(authn_->revocations(), revocations + 1) << "streams watch this count";
  EXPECT_TRUE(authn_->revoked(key.record.id));
  EXPECT_FALSE(authn_->cached_key(key.raw, now));
  auto p = run_sync(authn_->authenticate_key(key.raw, now));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(p.status().message(), "API key has been revoked");
}

TEST_F(AuthStore, ExpiredKeyIsRefused) {
  KeyRequest req;
  req.expires_at = now_ms() - 1000;
  auto key = make_key("acme", req);
  auto p = run_sync(authn_->authenticate_key(key.raw, now_ms()));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "API key has expired");
}

TEST_F(AuthStore, KeyExpiringLaterWorksUntilThen) {
  int64_t now = now_ms();
  KeyRequest req;
  req.expires_at = now + 5000;
  auto key = make_key("acme", req);
  EXPECT_TRUE(run_sync(authn_->authenticate_key(key.raw, now)).ok());
  auto cached = authn_->cached_key(key.raw, now + 5000);
  ASSERT_TRUE(cached);
  EXPECT_FALSE(cached->ok());
}

TEST_F(AuthStore, RecordedUseIsFlushedToStore) {
  auto key = make_key("acme");
  EXPECT_TRUE(run_sync(authn_->flush_usage()).is_ok());  // nothing pending
  authn_->record_use(key.record.id, 1234567);
  ASSERT_TRUE(run_sync(authn_->flush_usage()).is_ok());
  auto keys = run_sync(accounts_->list_keys(key.record.tenant_id));
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  ASSERT_TRUE(keys->front().last_used_at);
  EXPECT_EQ(*keys->front().last_used_at, 1234567);
}

// ---- Accounts

TEST(Accounts, SlugifyLowerCasesAndJoinsWithDashes) {
  EXPECT_EQ(slugify("Acme Inc."), "acme-inc");
  EXPECT_EQ(slugify("  --Hello__World--  "), "hello-world");
  EXPECT_EQ(slugify("already-a-slug"), "already-a-slug");
  EXPECT_EQ(slugify("!!!"), "");
  EXPECT_EQ(slugify(""), "");
  auto long_slug = slugify(std::string(100, 'a'));
  EXPECT_LE(long_slug.size(), 40u);
  EXPECT_FALSE(long_slug.empty());
}

TEST(Accounts, ValidEmailNeedsLocalPartAndDottedDomain) {
  EXPECT_TRUE(valid_email("ada@example.com"));
  EXPECT_TRUE(valid_email("a.b+c@sub.example.co"));
  EXPECT_FALSE(valid_email(""));
  EXPECT_FALSE(valid_email("ada"));
  EXPECT_FALSE(valid_email("@example.com"));
  EXPECT_FALSE(valid_email("ada@example"));
  EXPECT_FALSE(valid_email("ada@.com"));
  EXPECT_FALSE(valid_email("ada@example."));
  EXPECT_FALSE(valid_email("ada@ex@ample.com"));
  EXPECT_FALSE(valid_email("ada lovelace@example.com"));
  EXPECT_FALSE(valid_email(std::string(250, 'a') + "@x.io"));
}

TEST_F(AuthStore, SignupThenLoginIssuesVerifiableToken) {
  auto signed_up = run_sync(accounts_->signup("Ada@Example.com", "long-enough-pw", "Acme Inc."));
  ASSERT_TRUE(signed_up.ok()) << signed_up.status().message();
  EXPECT_EQ(signed_up->user.email, "ada@example.com");
  EXPECT_TRUE(signed_up->user.password_hash.empty());
  EXPECT_EQ(signed_up->tenant.slug.rfind("acme-inc-", 0), 0u) << signed_up->tenant.slug;
  EXPECT_TRUE(signed_up->verification_link.empty());

  auto logged_in = run_sync(accounts_->login("ADA@example.com", "long-enough-pw"));
  ASSERT_TRUE(logged_in.ok()) << logged_in.status().message();
  EXPECT_EQ(logged_in->role, "owner");
  EXPECT_EQ(logged_in->tenant.id, signed_up->tenant.id);
  auto p = authn_->authenticate_jwt(logged_in->token, now_ms());
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->user_id, signed_up->user.id);
  EXPECT_EQ(p->tenant_id, signed_up->tenant.id);
  EXPECT_EQ(p->role, "owner");
}

TEST_F(AuthStore, LoginWithWrongPasswordOrUnknownEmailIsUnauthenticated) {
  ASSERT_TRUE(run_sync(accounts_->signup("ada@example.com", "long-enough-pw", "")).ok());
  auto wrong = run_sync(accounts_->login("ada@example.com", "wrong-password"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  auto unknown = run_sync(accounts_->login("nobody@example.com", "long-enough-pw"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
}

TEST_F(AuthStore, SignupValidatesEmailAndPasswordFields) {
  auto bad_email = run_sync(accounts_->signup("not-an-email", "long-enough-pw", ""));
  ASSERT_FALSE(bad_email.ok());
  EXPECT_EQ(bad_email.status().code(), StatusCode::kValidation);
  EXPECT_EQ(bad_email.status().field(), "email");
  auto short_pw = run_sync(accounts_->signup("ada@example.com", "short", ""));
  ASSERT_FALSE(short_pw.ok());
  EXPECT_EQ(short_pw.status().code(), StatusCode::kValidation);
  EXPECT_EQ(short_pw.status().field(), "password");
}

TEST_F(AuthStore, DuplicateSignupConflictsCaseInsensitively) {
  ASSERT_TRUE(run_sync(accounts_->signup("ada@example.com", "long-enough-pw", "")).ok());
  auto again = run_sync(accounts_->signup("ADA@EXAMPLE.COM", "another-long-pw", ""));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
}

TEST_F(AuthStore, EmailVerificationGatesLoginUntilLinkOpened) {
  AccountsOptions options;
  options.email_verification = true;
  options.public_url = "https://brainstem.example";
  Accounts verifying(*store_, cpu_, *authn_, options);
  auto r = run_sync(verifying.signup("ada@example.com", "long-enough-pw", ""));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string prefix = "https://brainstem.example/v1/auth/verify?token=";
  ASSERT_EQ(r->verification_link.rfind(prefix, 0), 0u) << r->verification_link;

  auto before = run_sync(verifying.login("ada@example.com", "long-enough-pw"));
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.status().code(), StatusCode::kPermissionDenied);

  std::string token = r->verification_link.substr(prefix.size());
  auto verified = run_sync(verifying.verify_email(token));
  ASSERT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_TRUE(verified->email_verified);
  EXPECT_TRUE(run_sync(verifying.login("ada@example.com", "long-enough-pw")).ok());

  auto reused = run_sync(verifying.verify_email(token));
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.status().code(), StatusCode::kNotFound);
}

TEST_F(AuthStore, MembersCannotAddMembersAndAdminsCannotGrantOwner) {
  auto owner = run_sync(accounts_->signup("owner@example.com", "long-enough-pw", "Team"));
  auto member = run_sync(accounts_->signup("member@example.com", "long-enough-pw", ""));
  auto admin = run_sync(accounts_->signup("admin@example.com", "long-enough-pw", ""));
  ASSERT_TRUE(owner.ok() && member.ok() && admin.ok());
  const std::string ws = owner->tenant.id;

  Principal owner_p;
  owner_p.user_id = owner->user.id;
  owner_p.tenant_id = ws;
  auto added = run_sync(accounts_->add_member(owner_p, ws, "Member@Example.com", "member"));
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->role, "member");
  EXPECT_EQ(added->email, "member@example.com");
  ASSERT_TRUE(run_sync(accounts_->add_member(owner_p, ws, "admin@example.com", "admin")).ok());

  auto dup = run_sync(accounts_->add_member(owner_p, ws, "member@example.com", "viewer"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kConflict);

  Principal member_p;
  member_p.user_id = member->user.id;
  auto by_member = run_sync(accounts_->add_member(member_p, ws, "admin@example.com", "viewer"));
  ASSERT_FALSE(by_member.ok());
  EXPECT_EQ(by_member.status().code(), StatusCode::kPermissionDenied);

  Principal admin_p;
  admin_p.user_id = admin->user.id;
  ASSERT_TRUE(run_sync(accounts_->signup("third@example.com", "long-enough-pw", "")).ok());
  auto escalate = run_sync(accounts_->add_member(admin_p, ws, "third@example.com", "owner"));
  ASSERT_FALSE(escalate.ok());
  EXPECT_EQ(escalate.status().code(), StatusCode::kPermissionDenied);

  auto listed = run_sync(accounts_->members(owner_p, ws));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
}

TEST_F(AuthStore, WorkspaceOfAnotherTenantIsNotFound) {
  auto a = run_sync(accounts_->signup("a@example.com", "long-enough-pw", ""));
  auto b = run_sync(accounts_->signup("b@example.com", "long-enough-pw", ""));
  ASSERT_TRUE(a.ok() && b.ok());
  Principal pa;
  pa.user_id = a->user.id;
  pa.tenant_id = a->tenant.id;
  auto other = run_sync(accounts_->workspace(pa, b->tenant.id));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kNotFound);
  auto own = run_sync(accounts_->workspace(pa, a->tenant.id));
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->second, "owner");

  Principal key;
  key.kind = Principal::Kind::kApiKey;
  key.tenant_id = a->tenant.id;
  EXPECT_FALSE(run_sync(accounts_->workspace(key, b->tenant.id)).ok());
  EXPECT_FALSE(run_sync(accounts_->create_workspace(key, "New", "starter")).ok());
}

TEST_F(AuthStore, SwitchWorkspaceIssuesTokenScopedToTarget) {
  auto a = run_sync(accounts_->signup("a@example.com", "long-enough-pw", ""));
  ASSERT_TRUE(a.ok());
  Principal pa;
  pa.user_id = a->user.id;
  pa.tenant_id = a->tenant.id;
  auto created = run_sync(accounts_->create_workspace(pa, "Second Space", "pro"));
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->second, "owner");
  EXPECT_EQ(created->first.slug.rfind("second-space-", 0), 0u);
  auto switched = run_sync(accounts_->switch_workspace(pa, created->first.id));
  ASSERT_TRUE(switched.ok()) << switched.status().message();
  auto p = authn_->authenticate_jwt(switched->token, now_ms());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tenant_id, created->first.id);
  EXPECT_EQ(p->role, "owner");
}

TEST_F(AuthStore, CreateKeyForSlugCreatesTenantOnceAndRejectsBadSlug) {
  auto first = make_key("team-one");
  auto second = make_key("team-one");
  EXPECT_EQ(first.record.tenant_id, second.record.tenant_id);
  EXPECT_NE(first.raw, second.raw);
  EXPECT_EQ(first.record.key_hash, hash_api_key(first.raw));
  auto bad = run_sync(accounts_->create_key_for_slug("Team One", KeyRequest{}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kValidation);
  EXPECT_EQ(bad.status().field(), "tenant");
}

TEST_F(AuthStore, RevokingUnknownKeyIsNotFound) {
  auto key = make_key("acme");
  auto s = run_sync(accounts_->revoke_key(key.record.tenant_id, "key_missing"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(accounts_->revoke_key("other-tenant", key.record.id)).code(), StatusCode::kNotFound);
}

}  // namespace
