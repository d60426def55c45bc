// Conformance suites of store::AccountStore (tenants, users, memberships, API keys),
// store::AuditStore (the hash-chained audit log) and store::SettingsStore. Every engine in
// conformance.h runs them.
#include "common/run_sync.h"
#include "conformance.h"
#include "records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;
using brainstem::test_support::Engines;
using brainstem::test_support::make_tenant;
using brainstem::test_support::make_user;

ApiKey make_key(const std::string& id, const std::string& tenant_id, const std::string& hash, int64_t created_at) {
  ApiKey k;
  k.id = id;
  k.tenant_id = tenant_id;
  k.name = "key " + id;
  k.prefix = "sk_live_" + id;
  k.key_hash = hash;
  k.scopes = {"*"};
  k.created_by = "cli";
  k.created_at = created_at;
  return k;
}

std::string fake_seal(const AuditEntry& e) {
  return "h" + std::to_string(e.seq) + "<" + e.prev_hash + ">";
}

template <class Engine>
class AccountStoreConformance : public brainstem::test_support::EmptyStoreConformance<Engine> {
 protected:
  // A tenant "t1" owned by "usr_1" (ada@example.com).
  void signup() {
    auto status = run_sync(this->store_->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "Ada@Example.com")));
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
};
TYPED_TEST_SUITE(AccountStoreConformance, Engines);

// --- tenants, users, memberships

TYPED_TEST(AccountStoreConformance, SignupCreatesTenantUserAndOwner) {
  this->signup();
  auto tenant = run_sync(this->store_->get_tenant("t1"));
  ASSERT_TRUE(tenant.ok());
  EXPECT_EQ(tenant->slug, "acme");
  EXPECT_EQ(tenant->name, "Tenant acme");
  EXPECT_EQ(tenant->plan, "starter");
  EXPECT_EQ(tenant->created_at, 1000);

  auto by_slug = run_sync(this->store_->get_tenant_by_slug("acme"));
  ASSERT_TRUE(by_slug.ok());
  EXPECT_EQ(by_slug->id, "t1");

  auto user = run_sync(this->store_->get_user("usr_1"));
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->email, "ada@example.com");  // stored lower-case
  EXPECT_EQ(user->password_hash, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA");
  EXPECT_FALSE(user->email_verified);
  EXPECT_EQ(user->created_at, 2000);

  auto role = run_sync(this->store_->member_role("t1", "usr_1"));
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(*role, "owner");
}

TYPED_TEST(AccountStoreConformance, SignupWithTakenEmailConflictsAndCreatesNothing) {
  this->signup();
  auto status = run_sync(this->store_->create_signup(make_tenant("t2", "other"), make_user("usr_2", "ADA@example.COM")));
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(), "email is already registered");
  // The transaction rolled back: the second tenant does not exist either.
  EXPECT_EQ(run_sync(this->store_->get_tenant("t2")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_user("usr_2")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, SignupWithTakenSlugConflicts) {
  this->signup();
  auto status = run_sync(this->store_->create_signup(make_tenant("t2", "acme"), make_user("usr_2", "bob@example.com")));
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(), "slug is already taken");
  EXPECT_EQ(run_sync(this->store_->get_user("usr_2")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, GetMissingTenantReturnsNotFound) {
  EXPECT_EQ(run_sync(this->store_->get_tenant("nope")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_tenant_by_slug("nope")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, GetMissingUserReturnsNotFound) {
  EXPECT_EQ(run_sync(this->store_->get_user("usr_missing")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_user_by_email("nobody@example.com")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, EmailLookupIsCaseInsensitive) {
  this->signup();
  for (const char* email : {"ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.Com"}) {
    auto user = run_sync(this->store_->get_user_by_email(email));
    ASSERT_TRUE(user.ok()) << email;
    EXPECT_EQ(user->id, "usr_1");
  }
}

TYPED_TEST(AccountStoreConformance, VerifyEmailConsumesToken) {
  User user = make_user("usr_1", "ada@example.com");
  user.verify_token_hash = "tokenhash";
  ASSERT_TRUE(run_sync(this->store_->create_signup(make_tenant("t1", "acme"), user)).is_ok());

  EXPECT_EQ(run_sync(this->store_->verify_email("other")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->verify_email("")).status().code(), StatusCode::kNotFound);
  auto verified = run_sync(this->store_->verify_email("tokenhash"));
  ASSERT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_EQ(verified->id, "usr_1");
  EXPECT_TRUE(verified->email_verified);
  EXPECT_EQ(verified->verify_token_hash, "");
  EXPECT_TRUE(run_sync(this->store_->get_user("usr_1"))->email_verified);
  // A token works once.
  EXPECT_EQ(run_sync(this->store_->verify_email("tokenhash")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, CreateTenantMakesOwner) {
  this->signup();
  ASSERT_TRUE(run_sync(this->store_->create_tenant(make_tenant("t2", "second", 5000), "usr_1")).is_ok());
  EXPECT_EQ(*run_sync(this->store_->member_role("t2", "usr_1")), "owner");
  EXPECT_EQ(run_sync(this->store_->create_tenant(make_tenant("t3", "second"), "usr_1")).code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->create_tenant(make_tenant("t4", "fourth"), "usr_missing")).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_tenant("t4")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, MembersAndRoles) {
  this->signup();
  ASSERT_TRUE(run_sync(this->store_->create_signup(make_tenant("t2", "beta"), make_user("usr_2", "bob@example.com"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->add_member("t1", "usr_2", "viewer")).is_ok());
  EXPECT_EQ(run_sync(this->store_->add_member("t1", "usr_2", "admin")).code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->add_member("t1", "usr_missing", "admin")).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->add_member("t_missing", "usr_2", "admin")).code(), StatusCode::kNotFound);

  EXPECT_EQ(*run_sync(this->store_->member_role("t1", "usr_2")), "viewer");
  EXPECT_EQ(run_sync(this->store_->member_role("t2", "usr_1")).status().code(), StatusCode::kNotFound);

  auto members = run_sync(this->store_->list_members("t1"));
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user_id, "usr_1");
  EXPECT_EQ((*members)[0].email, "ada@example.com");
  EXPECT_EQ((*members)[0].role, "owner");
  EXPECT_EQ((*members)[1].user_id, "usr_2");
  EXPECT_EQ((*members)[1].name, "User usr_2");
  EXPECT_EQ((*members)[1].role, "viewer");
  EXPECT_GT((*members)[1].joined_at, 0);
  EXPECT_TRUE(run_sync(this->store_->list_members("t_missing"))->empty());
}

TYPED_TEST(AccountStoreConformance, ListUserTenantsOldestFirst) {
  ASSERT_TRUE(run_sync(this->store_->create_signup(make_tenant("t1", "acme", 3000), make_user("usr_1", "ada@example.com"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_signup(make_tenant("t0", "older", 1000), make_user("usr_2", "bob@example.com"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->add_member("t0", "usr_1", "member")).is_ok());
  auto tenants = run_sync(this->store_->list_user_tenants("usr_1"));
  ASSERT_TRUE(tenants.ok());
  ASSERT_EQ(tenants->size(), 2u);
  EXPECT_EQ((*tenants)[0].first.id, "t0");
  EXPECT_EQ((*tenants)[0].first.slug, "older");
  EXPECT_EQ((*tenants)[0].second, "member");
  EXPECT_EQ((*tenants)[1].first.id, "t1");
  EXPECT_EQ((*tenants)[1].second, "owner");
  EXPECT_TRUE(run_sync(this->store_->list_user_tenants("usr_missing"))->empty());
}

// --- API keys

TYPED_TEST(AccountStoreConformance, ApiKeyRoundTrip) {
  this->signup();
  ApiKey key = make_key("key_1", "t1", "hash1", 10);
  key.scopes = {"agents:read", "chat:write"};
  key.agent_id = "agent_7";
  key.identity_mode = "required";
  key.allowed_origins = {"https://a.example", "https://b.example"};
  key.expires_at = 99999;
  key.created_by = "usr_1";
  ASSERT_TRUE(run_sync(this->store_->create_api_key(key)).is_ok());

  auto got = run_sync(this->store_->get_api_key_by_hash("hash1"));
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, "key_1");
  EXPECT_EQ(got->tenant_id, "t1");
  EXPECT_EQ(got->name, "key key_1");
  EXPECT_EQ(got->prefix, "sk_live_key_1");
  EXPECT_EQ(got->scopes, (std::vector<std::string>{"agents:read", "chat:write"}));
  EXPECT_EQ(got->agent_id, "agent_7");
  EXPECT_EQ(got->identity_mode, "required");
  EXPECT_EQ(got->allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(got->expires_at, 99999);
  EXPECT_FALSE(got->last_used_at.has_value());
  EXPECT_FALSE(got->revoked_at.has_value());
  EXPECT_EQ(got->created_by, "usr_1");
  EXPECT_EQ(got->created_at, 10);
}

TYPED_TEST(AccountStoreConformance, DuplicateKeyHashConflicts) {
  this->signup();
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_1", "t1", "hash1", 10))).is_ok());
  auto status = run_sync(this->store_->create_api_key(make_key("key_2", "t1", "hash1", 11)));
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->create_api_key(make_key("key_3", "t_missing", "hash3", 12))).code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, GetMissingKeyReturnsNotFound) {
  EXPECT_EQ(run_sync(this->store_->get_api_key_by_hash("nope")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(AccountStoreConformance, ListApiKeysNewestFirstPerTenant) {
  this->signup();
  ASSERT_TRUE(run_sync(this->store_->create_signup(make_tenant("t2", "beta"), make_user("usr_2", "bob@example.com"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_a", "t1", "ha", 10))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_b", "t1", "hb", 30))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_c", "t1", "hc", 20))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_d", "t2", "hd", 40))).is_ok());
  auto keys = run_sync(this->store_->list_api_keys("t1"));
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0].id, "key_b");
  EXPECT_EQ((*keys)[1].id, "key_c");
  EXPECT_EQ((*keys)[2].id, "key_a");
  EXPECT_EQ(run_sync(this->store_->list_api_keys("t2"))->size(), 1u);
  EXPECT_TRUE(run_sync(this->store_->list_api_keys("t_none"))->empty());
}

TYPED_TEST(AccountStoreConformance, RevokeApiKey) {
  this->signup();
  ASSERT_TRUE(run_sync(this->store_->create_signup(make_tenant("t2", "beta"), make_user("usr_2", "bob@example.com"))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_1", "t1", "hash1", 10))).is_ok());

  // Another tenant cannot revoke it, and cannot tell it exists.
  auto other = run_sync(this->store_->revoke_api_key("t2", "key_1", 500));
  EXPECT_EQ(other.code(), StatusCode::kNotFound);
  EXPECT_FALSE(run_sync(this->store_->get_api_key_by_hash("hash1"))->revoked_at.has_value());

  EXPECT_EQ(run_sync(this->store_->revoke_api_key("t1", "key_missing", 500)).code(), StatusCode::kNotFound);
  ASSERT_TRUE(run_sync(this->store_->revoke_api_key("t1", "key_1", 500)).is_ok());
  EXPECT_EQ(run_sync(this->store_->get_api_key_by_hash("hash1"))->revoked_at, 500);
  // Already revoked.
  EXPECT_EQ(run_sync(this->store_->revoke_api_key("t1", "key_1", 600)).code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(this->store_->get_api_key_by_hash("hash1"))->revoked_at, 500);
}

TYPED_TEST(AccountStoreConformance, TouchApiKeysRecordsLastUse) {
  this->signup();
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_1", "t1", "hash1", 10))).is_ok());
  ASSERT_TRUE(run_sync(this->store_->create_api_key(make_key("key_2", "t1", "hash2", 11))).is_ok());
  EXPECT_TRUE(run_sync(this->store_->touch_api_keys({})).is_ok());
  ASSERT_TRUE(run_sync(this->store_->touch_api_keys({{"key_1", 100}, {"key_2", 200}, {"key_unknown", 300}})).is_ok());
  EXPECT_EQ(run_sync(this->store_->get_api_key_by_hash("hash1"))->last_used_at, 100);
  EXPECT_EQ(run_sync(this->store_->get_api_key_by_hash("hash2"))->last_used_at, 200);
  // An older use reported late does not move the time back.
  ASSERT_TRUE(run_sync(this->store_->touch_api_keys({{"key_1", 50}, {"key_2", 250}})).is_ok());
  EXPECT_EQ(run_sync(this->store_->get_api_key_by_hash("hash1"))->last_used_at, 100);
  EXPECT_EQ(run_sync(this->store_->get_api_key_by_hash("hash2"))->last_used_at, 250);
}

// --- audit chain

AuditEntry make_entry(const std::string& tenant_id, const std::string& id, int64_t timestamp,
                      const std::string& actor = "usr_1", const std::string& event_type = "key.created") {
  AuditEntry e;
  e.id = id;
  e.tenant_id = tenant_id;
  e.timestamp = timestamp;
  e.actor = actor;
  e.event_type = event_type;
  e.payload = R"({"n":1})";
  return e;
}

// --- the audit chain

template <class Engine>
class AuditStoreConformance : public AccountStoreConformance<Engine> {};
TYPED_TEST_SUITE(AuditStoreConformance, Engines);

TYPED_TEST(AuditStoreConformance, AuditHeadOfEmptyTenantIsGenesis) {
  auto head = run_sync(this->store_->audit_head("t1"));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->count, 0);
  EXPECT_EQ(head->hash, "");
}

TYPED_TEST(AuditStoreConformance, AppendAuditChainsEntries) {
  std::vector<AuditEntry> sealed;
  auto seal = [&](const AuditEntry& e) {
    sealed.push_back(e);
    return fake_seal(e);
  };
  auto first = run_sync(this->store_->append_audit(make_entry("t1", "aud_1", 100), seal));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->prev_hash, "");
  EXPECT_EQ(first->hash, "h1<>");
  auto second = run_sync(this->store_->append_audit(make_entry("t1", "aud_2", 200), seal));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->seq, 2);
  EXPECT_EQ(second->prev_hash, "h1<>");
  EXPECT_EQ(second->hash, "h2<h1<>>");

  // seal saw the entry with seq and prev_hash already filled.
  ASSERT_EQ(sealed.size(), 2u);
  EXPECT_EQ(sealed[1].seq, 2);
  EXPECT_EQ(sealed[1].prev_hash, "h1<>");
  EXPECT_EQ(sealed[1].id, "aud_2");

  auto head = run_sync(this->store_->audit_head("t1"));
  EXPECT_EQ(head->count, 2);
  EXPECT_EQ(head->hash, "h2<h1<>>");
  // Another tenant's chain starts at genesis.
  auto other = run_sync(this->store_->append_audit(make_entry("t2", "aud_3", 300), seal));
  EXPECT_EQ(other->seq, 1);
  EXPECT_EQ(other->prev_hash, "");
}

TYPED_TEST(AuditStoreConformance, AppendAuditRollsBackWhenSealFails) {
  ASSERT_TRUE(run_sync(this->store_->append_audit(make_entry("t1", "aud_1", 100), fake_seal)).ok());
  auto failed = run_sync(this->store_->append_audit(make_entry("t1", "aud_2", 200),
                                     [](const AuditEntry&) -> std::string { throw std::runtime_error("boom"); }));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_EQ(run_sync(this->store_->audit_head("t1"))->count, 1);
  // A duplicate id is a conflict and leaves the chain as it was.
  auto duplicate = run_sync(this->store_->append_audit(make_entry("t1", "aud_1", 300), fake_seal));
  EXPECT_EQ(duplicate.status().code(), StatusCode::kConflict);
  auto next = run_sync(this->store_->append_audit(make_entry("t1", "aud_3", 400), fake_seal));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 2);
}

TYPED_TEST(AuditStoreConformance, QueryAuditFilters) {
  // seq 1..6 in t1 at t=100..600; actors alternate; event types in threes.
  for (int i = 1; i <= 6; ++i) {
    auto e = make_entry("t1", "aud_" + std::to_string(i), i * 100, i % 2 ? "usr_1" : "key_1",
                        i <= 3 ? "key.created" : "member.added");
    ASSERT_TRUE(run_sync(this->store_->append_audit(e, fake_seal)).ok());
  }
  ASSERT_TRUE(run_sync(this->store_->append_audit(make_entry("t2", "aud_x", 150), fake_seal)).ok());

  auto seqs = [&](const AuditQuery& q) {
    std::vector<int64_t> out;
    auto entries = run_sync(this->store_->query_audit(q));
    EXPECT_TRUE(entries.ok());
    if (entries.ok()) {
      for (const auto& e : *entries) {
        EXPECT_EQ(e.tenant_id, q.tenant_id);
        out.push_back(e.seq);
      }
    }
    return out;
  };
  using V = std::vector<int64_t>;
  AuditQuery q;
  q.tenant_id = "t1";
  EXPECT_EQ(seqs(q), (V{1, 2, 3, 4, 5, 6}));

  AuditQuery by_actor = q;
  by_actor.actor = "key_1";
  EXPECT_EQ(seqs(by_actor), (V{2, 4, 6}));

  AuditQuery by_type = q;
  by_type.event_type = "member.added";
  EXPECT_EQ(seqs(by_type), (V{4, 5, 6}));

  AuditQuery by_time = q;
  by_time.from_ms = 200;
  by_time.to_ms = 400;
  EXPECT_EQ(seqs(by_time), (V{2, 3, 4}));

  AuditQuery cursor = q;
  cursor.after_seq = 4;
  EXPECT_EQ(seqs(cursor), (V{5, 6}));

  AuditQuery limited = q;
  limited.limit = 2;
  EXPECT_EQ(seqs(limited), (V{1, 2}));
  limited.limit = 0;  // clamped to 1
  EXPECT_EQ(seqs(limited), (V{1}));
  limited.limit = 100000;  // clamped to 500
  EXPECT_EQ(seqs(limited).size(), 6u);

  AuditQuery combined = q;
  combined.actor = "usr_1";
  combined.event_type = "member.added";
  combined.after_seq = 1;
  EXPECT_EQ(seqs(combined), (V{5}));

  auto entries = run_sync(this->store_->query_audit(q));
  const auto& e = (*entries)[0];
  EXPECT_EQ(e.id, "aud_1");
  EXPECT_EQ(e.timestamp, 100);
  EXPECT_EQ(e.actor, "usr_1");
  EXPECT_EQ(e.event_type, "key.created");
  EXPECT_EQ(e.payload, R"({"n":1})");
  EXPECT_EQ(e.prev_hash, "");
  EXPECT_EQ(e.hash, "h1<>");
}

TYPED_TEST(AuditStoreConformance, QueryAuditLimitIsCappedAt500) {
  for (int i = 1; i <= 520; ++i) {
    ASSERT_TRUE(run_sync(this->store_->append_audit(make_entry("t1", "aud_" + std::to_string(i), i), fake_seal)).ok());
  }
  AuditQuery q;
  q.tenant_id = "t1";
  q.limit = 1000;
  EXPECT_EQ(run_sync(this->store_->query_audit(q))->size(), 500u);
}

TYPED_TEST(AuditStoreConformance, ScanAuditVisitsInOrderAcrossBatchesAndStops) {
  const int n = 1234;  // more than one internal batch
  for (int i = 1; i <= n; ++i) {
    ASSERT_TRUE(run_sync(this->store_->append_audit(make_entry("t1", "aud_" + std::to_string(i), i), fake_seal)).ok());
  }
  ASSERT_TRUE(run_sync(this->store_->append_audit(make_entry("t2", "aud_other", 1), fake_seal)).ok());
  int64_t expected = 1;
  ASSERT_TRUE(run_sync(this->store_->scan_audit("t1", [&](const AuditEntry& e) {
                      EXPECT_EQ(e.seq, expected);
                      EXPECT_EQ(e.tenant_id, "t1");
                      ++expected;
                      return true;
                    })).is_ok());
  EXPECT_EQ(expected, n + 1);

  int visited = 0;
  ASSERT_TRUE(run_sync(this->store_->scan_audit("t1", [&](const AuditEntry&) { return ++visited < 10; })).is_ok());
  EXPECT_EQ(visited, 10);

  int none = 0;
  ASSERT_TRUE(run_sync(this->store_->scan_audit("t_none", [&](const AuditEntry&) { return ++none > 0; })).is_ok());
  EXPECT_EQ(none, 0);
}

// --- settings

template <class Engine>
class SettingsStoreConformance : public AccountStoreConformance<Engine> {};
TYPED_TEST_SUITE(SettingsStoreConformance, Engines);

TYPED_TEST(SettingsStoreConformance, SettingOrInitKeepsFirstValue) {
  auto first = run_sync(this->store_->setting_or_init("jwt_secret", "one"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "one");
  auto second = run_sync(this->store_->setting_or_init("jwt_secret", "two"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "one");
  EXPECT_EQ(*run_sync(this->store_->setting_or_init("other", "x")), "x");
}

}  // namespace
