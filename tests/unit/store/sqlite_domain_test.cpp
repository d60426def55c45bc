// The SQLite engine's conversation tables themselves: their schema and migrations, the stored
// form of embeddings, a commit the engine cannot make, and its recall filters. What every
// engine must do with these records is in conversation_records_test.cpp.
#include "testing/sqlite_raw.h"
#include "records.h"
#include "testing/temp_dir.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store_impl.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;

using brainstem::test_support::raw_exec;
using brainstem::test_support::raw_text;
using brainstem::test_support::TempDir;
using namespace brainstem::test_support;


std::vector<CacheEntry> scan_all(sqlite::Database& store) {
  std::vector<CacheEntry> out;
  Status s = store.scan_cache_entries([&](const CacheEntry& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(s.is_ok()) << s.message();
  return out;
}

// A store at schema v2 with two tenants, "t1" and "t2".
class SqliteDomain : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("brainstem.db");
    store_ = open_or_die(path_);
    for (const char* id : {"t1", "t2"}) {
      Tenant t;
      t.id = id;
      t.slug = std::string("slug-") + id;
      t.name = id;
      t.created_at = 1;
      ASSERT_TRUE(store_->create_tenant(t, "").is_ok());
    }
  }

  static std::unique_ptr<sqlite::Database> open_or_die(const std::string& path, const SqliteOptions& options = {}) {
    auto opened = sqlite::open_database(path, options);
    if (!opened.ok()) throw std::runtime_error("open failed: " + opened.status().message());
    return std::move(opened).value();
  }

  void create_agent(const Agent& agent) {
    Status s = store_->create_agent(agent);
    ASSERT_TRUE(s.is_ok()) << s.message();
  }

  Customer upsert(const Customer& customer) {
    auto stored = store_->upsert_customer(customer);
    if (!stored.ok()) throw std::runtime_error("upsert failed: " + stored.status().message());
    return *stored;
  }

  std::vector<Turn> append(std::vector<Turn> turns) {
    auto stored = store_->append_turns(std::move(turns));
    if (!stored.ok()) throw std::runtime_error("append failed: " + stored.status().message());
    return *stored;
  }

  MemoryFact save(const MemoryFact& fact) {
    auto stored = store_->save_fact(fact);
    if (!stored.ok()) throw std::runtime_error("save_fact failed: " + stored.status().message());
    return *stored;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<sqlite::Database> store_;
};

TEST_F(SqliteDomain, SchemaCreatesDomainTables) {
  EXPECT_GE(sqlite_latest_schema_version(), 2);
  for (const char* table : {"agents", "customers", "sessions", "turns", "memory_facts", "cache_entries", "webhooks",
                            "webhook_deliveries", "usage_records", "knowledge_sources", "knowledge_chunks",
                            "memory_entities", "workflows", "runs", "run_steps", "run_events"}) {
    EXPECT_EQ(raw_text(path_, std::string("SELECT name FROM sqlite_master WHERE type='table' AND name='") + table +
                                  "'"),
              table);
  }
}

TEST_F(SqliteDomain, V1DatabaseMigratesToLatestKeepingItsRecords) {
  store_.reset();
  raw_exec(path_,
           "DROP TABLE agents; DROP TABLE customers; DROP TABLE sessions; DROP TABLE turns; "
           "DROP TABLE memory_facts; DROP TABLE cache_entries; DROP TABLE webhooks; DROP TABLE webhook_deliveries; "
           "DROP TABLE usage_records; DROP TABLE knowledge_chunks; DROP TABLE knowledge_sources; "
           "DROP TABLE memory_entities; DROP TABLE run_events; DROP TABLE run_steps; DROP TABLE runs; "
           "DROP TABLE workflows; DELETE FROM schema_migrations WHERE version >= 2");
  auto reopened = open_or_die(path_);
  EXPECT_EQ(reopened->schema_version(), sqlite_latest_schema_version());
  EXPECT_TRUE(reopened->get_tenant("t1").ok());
  EXPECT_TRUE(reopened->create_agent(make_agent("a1", "t1")).is_ok());
}

// v5 rebuilt the sessions table, dropped an index of turns and summed usage rows: what a v4
// database held reads back the same through the store.
TEST_F(SqliteDomain, V4ConversationsAndUsageMigrateToLatest) {
  store_.reset();
  const std::string v4 = dir_.file("v4.db");
  {
    auto conn = sqlite::Connection::open(v4, SqliteOptions{}, false);
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    auto version = sqlite::migrate(**conn, 4);
    ASSERT_TRUE(version.ok()) << version.status().message();
    ASSERT_EQ(*version, 4);
  }
  raw_exec(v4,
           "INSERT INTO sessions(tenant_id, agent_id, id, customer_id, turn_count, created_at, updated_at, tokens) VALUES "
           "('t1', 'a1', 's1', 'c1', 2, 1000, 1100, 14), ('t1', 'a2', 's1', '', 1, 1050, 1050, 7); "
           "INSERT INTO turns(id, tenant_id, agent_id, session_id, seq, role, content, tokens, created_at) VALUES "
           "('u1', 't1', 'a1', 's1', 1, 'user', 'one', 7, 1000), ('u2', 't1', 'a2', 's1', 1, 'user', 'two', 7, 1050), "
           "('u3', 't1', 'a1', 's1', 2, 'assistant', 'three', 7, 1100); "
           "INSERT INTO usage_records(tenant_id, model, kind, prompt_tokens, completion_tokens, cost_usd, request_id, at_ms) "
           "VALUES ('t1', 'm', 'chat', 10, 5, 0.5, 'req_1', 1000), ('t1', 'm', 'chat', 10, 5, 0.5, 'req_2', 1000)");
  auto store = open_or_die(v4);
  EXPECT_EQ(store->schema_version(), sqlite_latest_schema_version());

  auto session = store->get_session("t1", "a1", "s1");
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ(session->customer_id, "c1");
  EXPECT_EQ(session->turn_count, 2);
  auto any_agent = store->get_session("t1", "", "s1");
  ASSERT_TRUE(any_agent.ok());
  EXPECT_EQ(any_agent->agent_id, "a1");  // the most recently updated
  auto tokens = store->session_tokens("t1", "s1");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(*tokens, 21);

  auto turns = store->session_turns("t1", "s1");
  ASSERT_TRUE(turns.ok()) << turns.status().message();
  ASSERT_EQ(turns->size(), 3u);
  EXPECT_EQ((*turns)[0].id, "u1");
  EXPECT_EQ((*turns)[1].id, "u2");
  EXPECT_EQ((*turns)[2].id, "u3");
  EXPECT_TRUE(store->may_have_turns("t1", "a2", "s1"));  // the filters load from the migrated rows

  // The next turn of a migrated session continues its sequence.
  auto appended = store->append_turns({make_turn("u4", "s1", 1200, "c1", "a1")});
  ASSERT_TRUE(appended.ok()) << appended.status().message();
  EXPECT_EQ(appended->front().seq, 3);

  auto usage = store->usage_summary(UsageQuery{"t1"});
  ASSERT_TRUE(usage.ok()) << usage.status().message();
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ(usage->front().requests, 2);  // a v4 row is one call
  EXPECT_DOUBLE_EQ(usage->front().cost_usd, 1);
}

TEST_F(SqliteDomain, EmbeddingIsStoredAsLittleEndianFloats) {
  ASSERT_TRUE(store_->put_cache_entry(make_entry("c1", "t1", "a1", {1.0f, -2.0f})).is_ok());
  EXPECT_EQ(raw_text(path_, "SELECT hex(embedding) FROM cache_entries"), "0000803F000000C0");
  ASSERT_TRUE(store_->put_cache_entry(make_entry("c2", "t1", "a1", {})).is_ok());
  EXPECT_TRUE(scan_all(*store_).back().embedding.empty());
}

TEST_F(SqliteDomain, RecordConversationsThatCannotCommitAllFail) {
  SqliteOptions impatient;
  impatient.busy_timeout_ms = 100;
  auto store = open_or_die(path_, impatient);
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &locker), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  ConversationRecord with_customer;
  with_customer.customer = make_customer("cust_1");
  auto statuses = store->record_conversations({turns_record({make_turn("turn_1", "s1", 1000)}), with_customer});
  sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(locker);

  EXPECT_EQ(codes_of(statuses), std::vector<StatusCode>(2, StatusCode::kUnavailable));
  EXPECT_EQ(store_->get_session("t1", "a1", "s1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_customer("t1", "cust_1").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteDomain, RecallFiltersTellNewSessionsAndCustomersWithoutFacts) {
  EXPECT_FALSE(store_->may_have_turns("t1", "a1", "s1"));
  EXPECT_FALSE(store_->may_have_facts("t1", "cust_1"));

  append({make_turn("turn_1", "s1", 1000)});
  save(make_fact("f1", "Prefers email"));
  ConversationRecord recorded = turns_record({make_turn("turn_2", "s2", 2000)});
  MemoryFact other_customer = make_fact("f2", "Likes tea");
  other_customer.customer_id = "cust_2";
  recorded.facts = {other_customer};
  EXPECT_EQ(codes_of(store_->record_conversations({recorded})), std::vector<StatusCode>{StatusCode::kOk});
  ASSERT_TRUE(store_->append_turn_within_budget(make_turn("turn_3", "s3", 3000), 1000, {}).ok());

  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {  // a reopened store knows them from the rows it finds
      store_.reset();
      store_ = open_or_die(path_);
    }
    for (const char* session : {"s1", "s2", "s3"}) EXPECT_TRUE(store_->may_have_turns("t1", "a1", session)) << session;
    EXPECT_TRUE(store_->may_have_facts("t1", "cust_1"));
    EXPECT_TRUE(store_->may_have_facts("t1", "cust_2"));
    EXPECT_FALSE(store_->may_have_turns("t1", "a2", "s1"));
    EXPECT_FALSE(store_->may_have_turns("t2", "a1", "s1"));
    EXPECT_FALSE(store_->may_have_turns("t1", "a1", "s4"));
    EXPECT_FALSE(store_->may_have_facts("t2", "cust_1"));
    EXPECT_FALSE(store_->may_have_facts("t1", "cust_3"));
  }
  // The reopened store numbers a known session's next turn after the stored ones.
  EXPECT_EQ(append({make_turn("turn_4", "s1", 4000)})[0].seq, 2);
  EXPECT_EQ(append({make_turn("turn_5", "s4", 5000)})[0].seq, 1);
}

}  // namespace
