#include "testing/sqlite_raw.h"
#include "testing/temp_dir.h"
#include "store/sqlite/sqlite_store_impl.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;

using brainstem::test_support::raw_exec;
using brainstem::test_support::raw_text;
using brainstem::test_support::TempDir;

Tenant make_tenant(const std::string& id, const std::string& slug, int64_t created_at = 1000) {
  Tenant t;
  t.id = id;
  t.slug = slug;
  t.name = "Tenant " + slug;
  t.plan = "starter";
  t.created_at = created_at;
  return t;
}

User make_user(const std::string& id, const std::string& email) {
  User u;
  u.id = id;
  u.email = email;
  u.name = "User " + id;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  u.created_at = 2000;
  return u;
}

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

class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("brainstem.db");
    store_ = open_or_die(path_);
  }

  static std::unique_ptr<sqlite::Database> open_or_die(const std::string& path, const SqliteOptions& options = {}) {
    auto opened = sqlite::open_database(path, options);
    if (!opened.ok()) throw std::runtime_error("open failed: " + opened.status().message());
    return std::move(opened).value();
  }

  // A tenant "t1" owned by "usr_1" (ada@example.com).
  void signup() {
    auto status = store_->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "Ada@Example.com"));
    ASSERT_TRUE(status.is_ok()) << status.message();
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<sqlite::Database> store_;
};

// --- engine and migrations

TEST_F(SqliteStore, OpenCreatesLatestSchema) {
  EXPECT_GE(sqlite_latest_schema_version(), 1);
  EXPECT_EQ(store_->schema_version(), sqlite_latest_schema_version());
  EXPECT_TRUE(store_->ping().is_ok());
  for (const char* table : {"tenants", "users", "memberships", "api_keys", "audit_log", "audit_heads", "settings"}) {
    EXPECT_EQ(raw_text(path_, std::string("SELECT name FROM sqlite_master WHERE type='table' AND name='") + table +
                                  "'"),
              table);
  }
}

TEST_F(SqliteStore, UsesWriteAheadLog) {
  EXPECT_EQ(raw_text(path_, "PRAGMA journal_mode"), "wal");
}

// Commits leave the log alone; checkpoint() moves it into the main file.
TEST_F(SqliteStore, CommitsDoNotCheckpointCheckpointDoes) {
  const auto main_size = [&] { return std::filesystem::file_size(path_); };
  const auto before = main_size();
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_->create_tenant(make_tenant("t" + std::to_string(i), "slug-" + std::to_string(i)), "").is_ok());
  }
  EXPECT_EQ(main_size(), before) << "a commit checkpointed the log";
  ASSERT_TRUE(store_->checkpoint().is_ok());
  EXPECT_GT(main_size(), before);
  auto reopened = open_or_die(path_);
  EXPECT_TRUE(reopened->get_tenant_by_slug("slug-299").ok());
}

TEST_F(SqliteStore, ReopenAppliesMigrationsOnce) {
  signup();
  store_.reset();
  for (int i = 0; i < 3; ++i) {
    auto again = open_or_die(path_);
    EXPECT_EQ(again->schema_version(), sqlite_latest_schema_version());
    EXPECT_TRUE(again->get_tenant("t1").ok());
  }
  EXPECT_EQ(raw_text(path_, "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(sqlite_latest_schema_version()));
}

TEST_F(SqliteStore, NewerSchemaIsRefused) {
  store_.reset();
  int newer = sqlite_latest_schema_version() + 1;
  raw_exec(path_, "INSERT INTO schema_migrations(version, applied_at) VALUES (" + std::to_string(newer) + ", 0)");
  auto opened = sqlite::open_database(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(opened.status().message(), "database schema v" + std::to_string(newer) + " is newer than this build (v" +
                                           std::to_string(sqlite_latest_schema_version()) + ")");
}

TEST_F(SqliteStore, OpenInMissingDirectoryIsUnavailable) {
  auto opened = sqlite::open_database(dir_.file("missing/dir/brainstem.db"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
}

TEST_F(SqliteStore, InMemoryDatabaseWorks) {
  auto memory = open_or_die(":memory:");
  ASSERT_TRUE(memory->create_signup(make_tenant("t1", "acme"), make_user("usr_1", "a@b.c")).is_ok());
  EXPECT_TRUE(memory->get_user("usr_1").ok());
  EXPECT_TRUE(memory->ping().is_ok());
}

// --- tenants, users, memberships

TEST_F(SqliteStore, SignupCreatesTenantUserAndOwner) {
  signup();
  auto tenant = store_->get_tenant("t1");
  ASSERT_TRUE(tenant.ok());
  EXPECT_EQ(tenant->slug, "acme");
  EXPECT_EQ(tenant->name, "Tenant acme");
  EXPECT_EQ(tenant->plan, "starter");
  EXPECT_EQ(tenant->created_at, 1000);

  auto by_slug = store_->get_tenant_by_slug("acme");
  ASSERT_TRUE(by_slug.ok());
  EXPECT_EQ(by_slug->id, "t1");

  auto user = store_->get_user("usr_1");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->email, "ada@example.com");  // stored lower-case
  EXPECT_EQ(user->password_hash, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA");
  EXPECT_FALSE(user->email_verified);
  EXPECT_EQ(user->created_at, 2000);

  auto role = store_->member_role("t1", "usr_1");
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(*role, "owner");
}

TEST_F(SqliteStore, SignupWithTakenEmailConflictsAndCreatesNothing) {
  signup();
  auto status = store_->create_signup(make_tenant("t2", "other"), make_user("usr_2", "ADA@example.COM"));
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(), "email is already registered");
  // The transaction rolled back: the second tenant does not exist either.
  EXPECT_EQ(store_->get_tenant("t2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_user("usr_2").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, SignupWithTakenSlugConflicts) {
  signup();
  auto status = store_->create_signup(make_tenant("t2", "acme"), make_user("usr_2", "bob@example.com"));
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(), "slug is already taken");
  EXPECT_EQ(store_->get_user("usr_2").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, GetMissingTenantReturnsNotFound) {
  EXPECT_EQ(store_->get_tenant("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_tenant_by_slug("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, GetMissingUserReturnsNotFound) {
  EXPECT_EQ(store_->get_user("usr_missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_user_by_email("nobody@example.com").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, EmailLookupIsCaseInsensitive) {
  signup();
  for (const char* email : {"ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.Com"}) {
    auto user = store_->get_user_by_email(email);
    ASSERT_TRUE(user.ok()) << email;
    EXPECT_EQ(user->id, "usr_1");
  }
}

TEST_F(SqliteStore, VerifyEmailConsumesToken) {
  User user = make_user("usr_1", "ada@example.com");
  user.verify_token_hash = "tokenhash";
  ASSERT_TRUE(store_->create_signup(make_tenant("t1", "acme"), user).is_ok());

  EXPECT_EQ(store_->verify_email("other").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->verify_email("").status().code(), StatusCode::kNotFound);
  auto verified = store_->verify_email("tokenhash");
  ASSERT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_EQ(verified->id, "usr_1");
  EXPECT_TRUE(verified->email_verified);
  EXPECT_EQ(verified->verify_token_hash, "");
  EXPECT_TRUE(store_->get_user("usr_1")->email_verified);
  // A token works once.
  EXPECT_EQ(store_->verify_email("tokenhash").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, CreateTenantMakesOwner) {
  signup();
  ASSERT_TRUE(store_->create_tenant(make_tenant("t2", "second", 5000), "usr_1").is_ok());
  EXPECT_EQ(*store_->member_role("t2", "usr_1"), "owner");
  EXPECT_EQ(store_->create_tenant(make_tenant("t3", "second"), "usr_1").code(), StatusCode::kConflict);
  EXPECT_EQ(store_->create_tenant(make_tenant("t4", "fourth"), "usr_missing").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_tenant("t4").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, MembersAndRoles) {
  signup();
  ASSERT_TRUE(store_->create_signup(make_tenant("t2", "beta"), make_user("usr_2", "bob@example.com")).is_ok());
  ASSERT_TRUE(store_->add_member("t1", "usr_2", "viewer").is_ok());
  EXPECT_EQ(store_->add_member("t1", "usr_2", "admin").code(), StatusCode::kConflict);
  EXPECT_EQ(store_->add_member("t1", "usr_missing", "admin").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->add_member("t_missing", "usr_2", "admin").code(), StatusCode::kNotFound);

  EXPECT_EQ(*store_->member_role("t1", "usr_2"), "viewer");
  EXPECT_EQ(store_->member_role("t2", "usr_1").status().code(), StatusCode::kNotFound);

  auto members = store_->list_members("t1");
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user_id, "usr_1");
  EXPECT_EQ((*members)[0].email, "ada@example.com");
  EXPECT_EQ((*members)[0].role, "owner");
  EXPECT_EQ((*members)[1].user_id, "usr_2");
  EXPECT_EQ((*members)[1].name, "User usr_2");
  EXPECT_EQ((*members)[1].role, "viewer");
  EXPECT_GT((*members)[1].joined_at, 0);
  EXPECT_TRUE(store_->list_members("t_missing")->empty());
}

TEST_F(SqliteStore, ListUserTenantsOldestFirst) {
  ASSERT_TRUE(store_->create_signup(make_tenant("t1", "acme", 3000), make_user("usr_1", "ada@example.com")).is_ok());
  ASSERT_TRUE(store_->create_signup(make_tenant("t0", "older", 1000), make_user("usr_2", "bob@example.com")).is_ok());
  ASSERT_TRUE(store_->add_member("t0", "usr_1", "member").is_ok());
  auto tenants = store_->list_user_tenants("usr_1");
  ASSERT_TRUE(tenants.ok());
  ASSERT_EQ(tenants->size(), 2u);
  EXPECT_EQ((*tenants)[0].first.id, "t0");
  EXPECT_EQ((*tenants)[0].first.slug, "older");
  EXPECT_EQ((*tenants)[0].second, "member");
  EXPECT_EQ((*tenants)[1].first.id, "t1");
  EXPECT_EQ((*tenants)[1].second, "owner");
  EXPECT_TRUE(store_->list_user_tenants("usr_missing")->empty());
}

// --- API keys

TEST_F(SqliteStore, ApiKeyRoundTrip) {
  signup();
  ApiKey key = make_key("key_1", "t1", "hash1", 10);
  key.scopes = {"agents:read", "chat:write"};
  key.agent_id = "agent_7";
  key.identity_mode = "required";
  key.allowed_origins = {"https://a.example", "https://b.example"};
  key.expires_at = 99999;
  key.created_by = "usr_1";
  ASSERT_TRUE(store_->create_api_key(key).is_ok());

  auto got = store_->get_api_key_by_hash("hash1");
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
  EXPECT_EQ(raw_text(path_, "SELECT scopes FROM api_keys WHERE id='key_1'"), R"(["agents:read","chat:write"])");
}

TEST_F(SqliteStore, DuplicateKeyHashConflicts) {
  signup();
  ASSERT_TRUE(store_->create_api_key(make_key("key_1", "t1", "hash1", 10)).is_ok());
  auto status = store_->create_api_key(make_key("key_2", "t1", "hash1", 11));
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(store_->create_api_key(make_key("key_3", "t_missing", "hash3", 12)).code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, GetMissingKeyReturnsNotFound) {
  EXPECT_EQ(store_->get_api_key_by_hash("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStore, ListApiKeysNewestFirstPerTenant) {
  signup();
  ASSERT_TRUE(store_->create_signup(make_tenant("t2", "beta"), make_user("usr_2", "bob@example.com")).is_ok());
  ASSERT_TRUE(store_->create_api_key(make_key("key_a", "t1", "ha", 10)).is_ok());
  ASSERT_TRUE(store_->create_api_key(make_key("key_b", "t1", "hb", 30)).is_ok());
  ASSERT_TRUE(store_->create_api_key(make_key("key_c", "t1", "hc", 20)).is_ok());
  ASSERT_TRUE(store_->create_api_key(make_key("key_d", "t2", "hd", 40)).is_ok());
  auto keys = store_->list_api_keys("t1");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0].id, "key_b");
  EXPECT_EQ((*keys)[1].id, "key_c");
  EXPECT_EQ((*keys)[2].id, "key_a");
  EXPECT_EQ(store_->list_api_keys("t2")->size(), 1u);
  EXPECT_TRUE(store_->list_api_keys("t_none")->empty());
}

TEST_F(SqliteStore, RevokeApiKey) {
  signup();
  ASSERT_TRUE(store_->create_signup(make_tenant("t2", "beta"), make_user("usr_2", "bob@example.com")).is_ok());
  ASSERT_TRUE(store_->create_api_key(make_key("key_1", "t1", "hash1", 10)).is_ok());

  // Another tenant cannot revoke it, and cannot tell it exists.
  auto other = store_->revoke_api_key("t2", "key_1", 500);
  EXPECT_EQ(other.code(), StatusCode::kNotFound);
  EXPECT_FALSE(store_->get_api_key_by_hash("hash1")->revoked_at.has_value());

  EXPECT_EQ(store_->revoke_api_key("t1", "key_missing", 500).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->revoke_api_key("t1", "key_1", 500).is_ok());
  EXPECT_EQ(store_->get_api_key_by_hash("hash1")->revoked_at, 500);
  // Already revoked.
  EXPECT_EQ(store_->revoke_api_key("t1", "key_1", 600).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_api_key_by_hash("hash1")->revoked_at, 500);
}

TEST_F(SqliteStore, TouchApiKeysRecordsLastUse) {
  signup();
  ASSERT_TRUE(store_->create_api_key(make_key("key_1", "t1", "hash1", 10)).is_ok());
  ASSERT_TRUE(store_->create_api_key(make_key("key_2", "t1", "hash2", 11)).is_ok());
  EXPECT_TRUE(store_->touch_api_keys({}).is_ok());
  ASSERT_TRUE(store_->touch_api_keys({{"key_1", 100}, {"key_2", 200}, {"key_unknown", 300}}).is_ok());
  EXPECT_EQ(store_->get_api_key_by_hash("hash1")->last_used_at, 100);
  EXPECT_EQ(store_->get_api_key_by_hash("hash2")->last_used_at, 200);
  // An older use reported late does not move the time back.
  ASSERT_TRUE(store_->touch_api_keys({{"key_1", 50}, {"key_2", 250}}).is_ok());
  EXPECT_EQ(store_->get_api_key_by_hash("hash1")->last_used_at, 100);
  EXPECT_EQ(store_->get_api_key_by_hash("hash2")->last_used_at, 250);
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

TEST_F(SqliteStore, AuditHeadOfEmptyTenantIsGenesis) {
  auto head = store_->audit_head("t1");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->count, 0);
  EXPECT_EQ(head->hash, "");
}

TEST_F(SqliteStore, AppendAuditChainsEntries) {
  std::vector<AuditEntry> sealed;
  auto seal = [&](const AuditEntry& e) {
    sealed.push_back(e);
    return fake_seal(e);
  };
  auto first = store_->append_audit(make_entry("t1", "aud_1", 100), seal);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->prev_hash, "");
  EXPECT_EQ(first->hash, "h1<>");
  auto second = store_->append_audit(make_entry("t1", "aud_2", 200), seal);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->seq, 2);
  EXPECT_EQ(second->prev_hash, "h1<>");
  EXPECT_EQ(second->hash, "h2<h1<>>");

  // seal saw the entry with seq and prev_hash already filled.
  ASSERT_EQ(sealed.size(), 2u);
  EXPECT_EQ(sealed[1].seq, 2);
  EXPECT_EQ(sealed[1].prev_hash, "h1<>");
  EXPECT_EQ(sealed[1].id, "aud_2");

  auto head = store_->audit_head("t1");
  EXPECT_EQ(head->count, 2);
  EXPECT_EQ(head->hash, "h2<h1<>>");
  // Another tenant's chain starts at genesis.
  auto other = store_->append_audit(make_entry("t2", "aud_3", 300), seal);
  EXPECT_EQ(other->seq, 1);
  EXPECT_EQ(other->prev_hash, "");
}

TEST_F(SqliteStore, AppendAuditRollsBackWhenSealFails) {
  ASSERT_TRUE(store_->append_audit(make_entry("t1", "aud_1", 100), fake_seal).ok());
  auto failed = store_->append_audit(make_entry("t1", "aud_2", 200),
                                     [](const AuditEntry&) -> std::string { throw std::runtime_error("boom"); });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_EQ(store_->audit_head("t1")->count, 1);
  // A duplicate id is a conflict and leaves the chain as it was.
  auto duplicate = store_->append_audit(make_entry("t1", "aud_1", 300), fake_seal);
  EXPECT_EQ(duplicate.status().code(), StatusCode::kConflict);
  auto next = store_->append_audit(make_entry("t1", "aud_3", 400), fake_seal);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 2);
}

TEST_F(SqliteStore, QueryAuditFilters) {
  // seq 1..6 in t1 at t=100..600; actors alternate; event types in threes.
  for (int i = 1; i <= 6; ++i) {
    auto e = make_entry("t1", "aud_" + std::to_string(i), i * 100, i % 2 ? "usr_1" : "key_1",
                        i <= 3 ? "key.created" : "member.added");
    ASSERT_TRUE(store_->append_audit(e, fake_seal).ok());
  }
  ASSERT_TRUE(store_->append_audit(make_entry("t2", "aud_x", 150), fake_seal).ok());

  auto seqs = [&](const AuditQuery& q) {
    std::vector<int64_t> out;
    auto entries = store_->query_audit(q);
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

  auto entries = store_->query_audit(q);
  const auto& e = (*entries)[0];
  EXPECT_EQ(e.id, "aud_1");
  EXPECT_EQ(e.timestamp, 100);
  EXPECT_EQ(e.actor, "usr_1");
  EXPECT_EQ(e.event_type, "key.created");
  EXPECT_EQ(e.payload, R"({"n":1})");
  EXPECT_EQ(e.prev_hash, "");
  EXPECT_EQ(e.hash, "h1<>");
}

TEST_F(SqliteStore, QueryAuditLimitIsCappedAt500) {
  for (int i = 1; i <= 520; ++i) {
    ASSERT_TRUE(store_->append_audit(make_entry("t1", "aud_" + std::to_string(i), i), fake_seal).ok());
  }
  AuditQuery q;
  q.tenant_id = "t1";
  q.limit = 1000;
  EXPECT_EQ(store_->query_audit(q)->size(), 500u);
}

TEST_F(SqliteStore, ScanAuditVisitsInOrderAcrossBatchesAndStops) {
  const int n = 1234;  // more than one internal batch
  for (int i = 1; i <= n; ++i) {
    ASSERT_TRUE(store_->append_audit(make_entry("t1", "aud_" + std::to_string(i), i), fake_seal).ok());
  }
  ASSERT_TRUE(store_->append_audit(make_entry("t2", "aud_other", 1), fake_seal).ok());
  int64_t expected = 1;
  ASSERT_TRUE(store_->scan_audit("t1", [&](const AuditEntry& e) {
                      EXPECT_EQ(e.seq, expected);
                      EXPECT_EQ(e.tenant_id, "t1");
                      ++expected;
                      return true;
                    }).is_ok());
  EXPECT_EQ(expected, n + 1);

  int visited = 0;
  ASSERT_TRUE(store_->scan_audit("t1", [&](const AuditEntry&) { return ++visited < 10; }).is_ok());
  EXPECT_EQ(visited, 10);

  int none = 0;
  ASSERT_TRUE(store_->scan_audit("t_none", [&](const AuditEntry&) { return ++none > 0; }).is_ok());
  EXPECT_EQ(none, 0);
}

// --- settings

TEST_F(SqliteStore, SettingOrInitKeepsFirstValue) {
  auto first = store_->setting_or_init("jwt_secret", "one");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "one");
  auto second = store_->setting_or_init("jwt_secret", "two");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "one");
  EXPECT_EQ(*store_->setting_or_init("other", "x"), "x");
}

}  // namespace
