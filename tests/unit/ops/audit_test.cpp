#include "common/run_sync.h"
#include "testing/temp_dir.h"
#include "ops/audit.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace brainstem;

using brainstem::test_support::TempDir;

class AuditChain : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("brainstem.db");
    auto opened = store::open_sqlite(path_);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    log_ = std::make_unique<ops::AuditLog>(*store_);
  }

  void append_n(const std::string& tenant_id, int n) {
    for (int i = 1; i <= n; ++i) {
      auto entry = run_sync(log_->append(tenant_id, "usr_1", "key.created", {{"index", i}, {"name", "key " + std::to_string(i)}}));
      ASSERT_TRUE(entry.ok()) << entry.status().message();
    }
  }

  // Tampers with the file behind the store's back.
  void tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    EXPECT_EQ(sqlite3_changes(db), 1) << sql;
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  Result<std::vector<store::AuditEntry>> entries_of(const std::string& tenant_id) {
    store::AuditQuery query;
    query.tenant_id = tenant_id;
    return run_sync(store_->query_audit(query));
  }

  ops::AuditVerification verify(const std::string& tenant_id) {
    auto result = run_sync(log_->verify(tenant_id));
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? *result : ops::AuditVerification{};
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ops::AuditLog> log_;
};

TEST_F(AuditChain, AppendFillsEntry) {
  auto before = now_ms();
  auto entry = run_sync(log_->append("t1", "usr_1", "member.added", {{"user_id", "usr_2"}, {"role", "admin"}}));
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  EXPECT_EQ(entry->seq, 1);
  EXPECT_EQ(entry->id.size(), 4u + 20u);
  EXPECT_EQ(entry->id.rfind("aud_", 0), 0u);
  for (char c : entry->id.substr(4)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << entry->id;
  EXPECT_EQ(entry->tenant_id, "t1");
  EXPECT_EQ(entry->actor, "usr_1");
  EXPECT_EQ(entry->event_type, "member.added");
  EXPECT_GE(entry->timestamp, before);
  EXPECT_EQ(boost::json::parse(entry->payload), (boost::json::value{{"user_id", "usr_2"}, {"role", "admin"}}));
  EXPECT_EQ(entry->prev_hash, "");
  EXPECT_EQ(entry->hash, ops::AuditLog::seal(*entry));
  EXPECT_EQ(entry->hash.size(), 64u);

  auto second = run_sync(log_->append("t1", "system", "key.revoked", {}));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->seq, 2);
  EXPECT_EQ(second->prev_hash, entry->hash);
  EXPECT_EQ(second->payload, "{}");
  EXPECT_NE(second->id, entry->id);
}

TEST_F(AuditChain, SealCoversEveryFieldAndIsLengthPrefixed) {
  store::AuditEntry e;
  e.seq = 3;
  e.id = "aud_x";
  e.tenant_id = "t1";
  e.timestamp = 1700000000000;
  e.actor = "usr_1";
  e.event_type = "key.created";
  e.payload = R"({"a":1})";
  e.prev_hash = "abc";
  const std::string base = ops::AuditLog::seal(e);
  EXPECT_EQ(base, crypto::sha256_hex("3:abc1:35:aud_x2:t113:17000000000005:usr_111:key.created7:{\"a\":1}"));

  auto changed = [&](auto mutate) {
    store::AuditEntry copy = e;
    mutate(copy);
    return ops::AuditLog::seal(copy) != base;
  };
  EXPECT_TRUE(changed([](auto& x) { x.seq = 4; }));
  EXPECT_TRUE(changed([](auto& x) { x.id = "aud_y"; }));
  EXPECT_TRUE(changed([](auto& x) { x.tenant_id = "t2"; }));
  EXPECT_TRUE(changed([](auto& x) { x.timestamp += 1; }));
  EXPECT_TRUE(changed([](auto& x) { x.actor = "usr_2"; }));
  EXPECT_TRUE(changed([](auto& x) { x.event_type = "key.revoked"; }));
  EXPECT_TRUE(changed([](auto& x) { x.payload = "{}"; }));
  EXPECT_TRUE(changed([](auto& x) { x.prev_hash = "abd"; }));
  // Moving text across a field boundary changes the hash.
  EXPECT_TRUE(changed([](auto& x) {
    x.actor = "usr_1k";
    x.event_type = "ey.created";
  }));
  // The stored hash is not an input.
  EXPECT_FALSE(changed([](auto& x) { x.hash = "anything"; }));
}

TEST_F(AuditChain, EmptyChainIsValid) {
  auto result = verify("t1");
  EXPECT_TRUE(result.valid);
  EXPECT_EQ(result.checked, 0);
  EXPECT_FALSE(result.first_invalid_seq.has_value());
  EXPECT_EQ(result.reason, "");
}

TEST_F(AuditChain, AppendedEntriesVerify) {
  append_n("t1", 25);
  auto result = verify("t1");
  EXPECT_TRUE(result.valid) << result.reason;
  EXPECT_EQ(result.checked, 25);
  EXPECT_FALSE(result.first_invalid_seq.has_value());
  EXPECT_EQ(result.reason, "");
}

TEST_F(AuditChain, ModifiedPayloadIsDetected) {
  append_n("t1", 5);
  tamper(R"(UPDATE audit_log SET payload = '{"index":99}' WHERE tenant_id = 't1' AND seq = 2)");
  auto result = verify("t1");
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.first_invalid_seq, 2);
  EXPECT_EQ(result.reason, "entry 2 was modified");
}

TEST_F(AuditChain, ResealedEntryBreaksTheLink) {
  append_n("t1", 5);
  // Rewrite entry 3 and recompute its own hash: entry 4 no longer links to it.
  auto entries = entries_of("t1");
  ASSERT_TRUE(entries.ok());
  store::AuditEntry forged = (*entries)[2];
  forged.payload = "{}";
  forged.hash = ops::AuditLog::seal(forged);
  tamper("UPDATE audit_log SET payload = '{}', hash = '" + forged.hash + "' WHERE tenant_id = 't1' AND seq = 3");
  auto result = verify("t1");
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.first_invalid_seq, 4);
  EXPECT_EQ(result.reason, "entry 4 does not link to entry 3");
}

TEST_F(AuditChain, DeletedMiddleEntryIsDetected) {
  append_n("t1", 6);
  tamper("DELETE FROM audit_log WHERE tenant_id = 't1' AND seq = 4");
  auto result = verify("t1");
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.first_invalid_seq, 4);
  EXPECT_EQ(result.reason, "entry 4 is missing");
}

TEST_F(AuditChain, DeletedFirstEntryIsDetected) {
  append_n("t1", 3);
  tamper("DELETE FROM audit_log WHERE tenant_id = 't1' AND seq = 1");
  auto result = verify("t1");
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.first_invalid_seq, 1);
  EXPECT_EQ(result.reason, "entry 1 is missing");
}

TEST_F(AuditChain, DeletedNewestEntryIsDetected) {
  append_n("t1", 5);
  tamper("DELETE FROM audit_log WHERE tenant_id = 't1' AND seq = 5");
  auto result = verify("t1");
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.checked, 4);
  EXPECT_EQ(result.first_invalid_seq, 5);
  EXPECT_EQ(result.reason.rfind("chain head does not match: newest entries were deleted", 0), 0u) << result.reason;
}

TEST_F(AuditChain, ReplacedNewestEntryIsDetected) {
  append_n("t1", 3);
  auto entries = entries_of("t1");
  ASSERT_TRUE(entries.ok());
  store::AuditEntry forged = (*entries)[2];
  forged.payload = "{}";
  forged.hash = ops::AuditLog::seal(forged);
  tamper("UPDATE audit_log SET payload = '{}', hash = '" + forged.hash + "' WHERE tenant_id = 't1' AND seq = 3");
  auto result = verify("t1");
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.first_invalid_seq, 3);
  EXPECT_EQ(result.reason, "chain head does not match: entry 3 was replaced");
}

TEST_F(AuditChain, EntryOutsideTheHeadIsDetected) {
  append_n("t1", 2);
  auto entries = entries_of("t1");
  ASSERT_TRUE(entries.ok());
  store::AuditEntry forged = (*entries)[1];
  forged.seq = 3;
  forged.id = "aud_forged";
  forged.prev_hash = (*entries)[1].hash;
  forged.hash = ops::AuditLog::seal(forged);
  tamper("INSERT INTO audit_log(tenant_id, seq, id, timestamp, actor, event_type, payload, prev_hash, hash) "
         "VALUES ('t1', 3, 'aud_forged', " +
         std::to_string(forged.timestamp) + ", '" + forged.actor + "', '" + forged.event_type + "', '" +
         forged.payload + "', '" + forged.prev_hash + "', '" + forged.hash + "')");
  auto result = verify("t1");
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.first_invalid_seq, 3);
  EXPECT_EQ(result.reason, "entry 3 is not covered by the chain head");
}

TEST_F(AuditChain, TenantsHaveIndependentChains) {
  append_n("t1", 4);
  append_n("t2", 3);
  auto t2_entries = entries_of("t2");
  ASSERT_TRUE(t2_entries.ok());
  ASSERT_EQ(t2_entries->size(), 3u);
  EXPECT_EQ((*t2_entries)[0].seq, 1);
  EXPECT_EQ((*t2_entries)[0].prev_hash, "");

  tamper("UPDATE audit_log SET actor = 'intruder' WHERE tenant_id = 't1' AND seq = 3");
  auto t1 = verify("t1");
  EXPECT_FALSE(t1.valid);
  EXPECT_EQ(t1.first_invalid_seq, 3);
  auto t2 = verify("t2");
  EXPECT_TRUE(t2.valid) << t2.reason;
  EXPECT_EQ(t2.checked, 3);

  // Further appends to t2 keep it valid; t1 stays broken.
  append_n("t2", 2);
  EXPECT_TRUE(verify("t2").valid);
  EXPECT_EQ(run_sync(store_->audit_head("t2"))->count, 5);
  EXPECT_FALSE(verify("t1").valid);
}

}  // namespace
