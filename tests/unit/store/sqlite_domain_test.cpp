// The SQLite store's agents, customers, sessions and turns, memory facts, semantic cache,
// webhooks and usage metering.
#include "testing/sqlite_raw.h"
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

Agent make_agent(const std::string& id, const std::string& tenant_id, int64_t created_at = 1000) {
  Agent a;
  a.id = id;
  a.tenant_id = tenant_id;
  a.name = "Agent " + id;
  a.config = R"({"personality":"calm"})";
  a.created_at = created_at;
  a.updated_at = created_at;
  return a;
}

Customer make_customer(const std::string& id, const std::string& tenant_id = "t1") {
  Customer c;
  c.id = id;
  c.tenant_id = tenant_id;
  c.created_at = 1000;
  c.updated_at = 1000;
  return c;
}

Turn make_turn(const std::string& id, const std::string& session_id, int64_t created_at,
               const std::string& customer_id = "", const std::string& agent_id = "a1") {
  Turn t;
  t.id = id;
  t.tenant_id = "t1";
  t.agent_id = agent_id;
  t.session_id = session_id;
  t.role = "user";
  t.content = "content of " + id;
  t.customer_id = customer_id;
  t.tokens = 7;
  t.created_at = created_at;
  return t;
}

MemoryFact make_fact(const std::string& id, const std::string& text, const std::string& agent_id = "",
                     double confidence = 0.5, int64_t created_at = 1000) {
  MemoryFact f;
  f.id = id;
  f.tenant_id = "t1";
  f.customer_id = "cust_1";
  f.agent_id = agent_id;
  f.fact = text;
  f.confidence = confidence;
  f.created_at = created_at;
  f.updated_at = created_at;
  return f;
}

CacheEntry make_entry(const std::string& id, const std::string& tenant_id, const std::string& agent_id,
                      std::vector<float> embedding = {0.25f, -1.5f, 3.0f}) {
  CacheEntry e;
  e.id = id;
  e.tenant_id = tenant_id;
  e.agent_id = agent_id;
  e.question = "question " + id;
  e.answer = "answer " + id;
  e.model = "llama";
  e.embedding = std::move(embedding);
  e.created_at = 1000;
  return e;
}

std::vector<std::string> ids_of(const auto& records) {
  std::vector<std::string> ids;
  for (const auto& record : records) ids.push_back(record.id);
  return ids;
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

// --- schema

TEST_F(SqliteDomain, SchemaCreatesDomainTables) {
  EXPECT_GE(sqlite_latest_schema_version(), 2);
  for (const char* table : {"agents", "customers", "sessions", "turns", "memory_facts", "cache_entries", "webhooks",
                            "webhook_deliveries", "usage_records", "knowledge_sources", "knowledge_chunks",
                            "memory_entities"}) {
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
           "DROP TABLE memory_entities; DELETE FROM schema_migrations WHERE version >= 2");
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

// --- agents

TEST_F(SqliteDomain, AgentRoundTrip) {
  Agent agent = make_agent("a1", "t1");
  agent.status = "draft";
  create_agent(agent);
  auto got = store_->get_agent("t1", "a1");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, "a1");
  EXPECT_EQ(got->tenant_id, "t1");
  EXPECT_EQ(got->name, "Agent a1");
  EXPECT_EQ(got->status, "draft");
  EXPECT_EQ(got->config, R"({"personality":"calm"})");
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 1000);
}

TEST_F(SqliteDomain, DuplicateAgentIdConflicts) {
  create_agent(make_agent("a1", "t1"));
  EXPECT_EQ(store_->create_agent(make_agent("a1", "t2")).code(), StatusCode::kConflict);
}

TEST_F(SqliteDomain, AgentOfMissingTenantIsNotFound) {
  Status s = store_->create_agent(make_agent("a1", "nope"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "tenant not found");
}

TEST_F(SqliteDomain, GetAgentIsTenantScopedButFindAgentIsNot) {
  create_agent(make_agent("a1", "t1"));
  EXPECT_EQ(store_->get_agent("t2", "a1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_agent("t1", "missing").status().code(), StatusCode::kNotFound);
  auto found = store_->find_agent("a1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->tenant_id, "t1");
  EXPECT_EQ(store_->find_agent("missing").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteDomain, ListAgentsNewestFirstPerTenant) {
  create_agent(make_agent("a_old", "t1", 1000));
  create_agent(make_agent("a_new", "t1", 3000));
  create_agent(make_agent("a_mid", "t1", 2000));
  create_agent(make_agent("a_other", "t2", 5000));
  auto agents = store_->list_agents("t1");
  ASSERT_TRUE(agents.ok());
  EXPECT_EQ(ids_of(*agents), (std::vector<std::string>{"a_new", "a_mid", "a_old"}));
  EXPECT_TRUE(store_->list_agents("t3")->empty());
}

TEST_F(SqliteDomain, UpdateAgentReplacesFieldsAndBumpsVersion) {
  create_agent(make_agent("a1", "t1"));
  Agent change = make_agent("a1", "t1", 99);
  change.name = "Renamed";
  change.status = "paused";
  change.config = R"({"personality":"bold"})";
  auto updated = store_->update_agent(change);
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->name, "Renamed");
  EXPECT_EQ(updated->status, "paused");
  EXPECT_EQ(updated->config, R"({"personality":"bold"})");
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->created_at, 1000);
  EXPECT_GT(updated->updated_at, 1000);

  auto again = store_->update_agent(change);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 3);
  EXPECT_EQ(store_->get_agent("t1", "a1")->version, 3);
}

TEST_F(SqliteDomain, UpdateAgentOfOtherTenantIsNotFound) {
  create_agent(make_agent("a1", "t1"));
  Agent change = make_agent("a1", "t2");
  change.name = "Hijacked";
  EXPECT_EQ(store_->update_agent(change).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->update_agent(make_agent("missing", "t1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_agent("t1", "a1")->name, "Agent a1");
  EXPECT_EQ(store_->get_agent("t1", "a1")->version, 1);
}

TEST_F(SqliteDomain, DeleteAgent) {
  create_agent(make_agent("a1", "t1"));
  EXPECT_EQ(store_->delete_agent("t2", "a1").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->delete_agent("t1", "a1").is_ok());
  EXPECT_EQ(store_->get_agent("t1", "a1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->delete_agent("t1", "a1").code(), StatusCode::kNotFound);
}

// --- customers

TEST_F(SqliteDomain, UpsertCreatesCustomer) {
  Customer c = make_customer("cust_1");
  c.email = "Ada@Example.COM";
  c.phone = "+14155550100";
  c.name = "Ada";
  c.external_id = "crm-1";
  c.tags = {"vip", "beta"};
  c.metadata = R"({"plan":"gold"})";
  Customer stored = upsert(c);
  EXPECT_EQ(stored.id, "cust_1");
  EXPECT_EQ(stored.email, "ada@example.com");

  auto got = store_->get_customer("t1", "cust_1");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->tenant_id, "t1");
  EXPECT_EQ(got->email, "ada@example.com");
  EXPECT_EQ(got->phone, "+14155550100");
  EXPECT_EQ(got->name, "Ada");
  EXPECT_EQ(got->external_id, "crm-1");
  EXPECT_EQ(got->tags, (std::vector<std::string>{"vip", "beta"}));
  EXPECT_EQ(got->metadata, R"({"plan":"gold"})");
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 1000);
}

TEST_F(SqliteDomain, UpsertNeedsIdAndObjectMetadata) {
  EXPECT_EQ(store_->upsert_customer(make_customer("")).status().code(), StatusCode::kInvalidArgument);
  Customer c = make_customer("cust_1");
  c.metadata = "[1]";
  EXPECT_EQ(store_->upsert_customer(c).status().code(), StatusCode::kInvalidArgument);
  c.metadata = "";
  auto stored = store_->upsert_customer(c);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->metadata, "{}");
}

TEST_F(SqliteDomain, UpsertMergesIntoCustomerWithSameId) {
  Customer first = make_customer("cust_1");
  first.email = "ada@example.com";
  first.name = "Ada";
  first.tags = {"vip", "beta"};
  first.metadata = R"({"plan":"gold","seats":3})";
  upsert(first);

  Customer second = make_customer("cust_1");
  second.phone = "+14155550100";
  second.name = "Ada Lovelace";
  second.tags = {"beta", "churn-risk"};
  second.metadata = R"({"seats":5,"region":"eu"})";
  second.updated_at = 2000;
  Customer merged = upsert(second);

  EXPECT_EQ(merged.email, "ada@example.com");
  EXPECT_EQ(merged.phone, "+14155550100");
  EXPECT_EQ(merged.name, "Ada Lovelace");
  EXPECT_EQ(merged.tags, (std::vector<std::string>{"vip", "beta", "churn-risk"}));
  EXPECT_EQ(merged.metadata, R"({"plan":"gold","seats":5,"region":"eu"})");
  EXPECT_EQ(merged.created_at, 1000);
  EXPECT_EQ(merged.updated_at, 2000);

  auto got = store_->get_customer("t1", "cust_1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->phone, merged.phone);
  EXPECT_EQ(got->tags, merged.tags);
  EXPECT_EQ(got->metadata, merged.metadata);
  EXPECT_EQ(got->updated_at, 2000);
}

TEST_F(SqliteDomain, UpsertMatchesByEmailPhoneOrExternalId) {
  Customer by_email = make_customer("cust_e");
  by_email.email = "e@example.com";
  upsert(by_email);
  Customer by_phone = make_customer("cust_p");
  by_phone.phone = "+100";
  upsert(by_phone);
  Customer by_external = make_customer("cust_x");
  by_external.external_id = "crm-9";
  upsert(by_external);

  Customer a = make_customer("new_1");
  a.email = "E@Example.com";
  a.name = "Emma";
  EXPECT_EQ(upsert(a).id, "cust_e");
  Customer b = make_customer("new_2");
  b.phone = "+100";
  b.name = "Paul";
  EXPECT_EQ(upsert(b).id, "cust_p");
  Customer c = make_customer("new_3");
  c.external_id = "crm-9";
  c.name = "Xavier";
  EXPECT_EQ(upsert(c).id, "cust_x");

  EXPECT_EQ(store_->get_customer("t1", "cust_e")->name, "Emma");
  EXPECT_EQ(store_->get_customer("t1", "cust_p")->name, "Paul");
  EXPECT_EQ(store_->get_customer("t1", "cust_x")->name, "Xavier");
  for (const char* id : {"new_1", "new_2", "new_3"}) {
    EXPECT_EQ(store_->get_customer("t1", id).status().code(), StatusCode::kNotFound);
  }
}

TEST_F(SqliteDomain, UpsertMatchesIdBeforeEmail) {
  Customer holder = make_customer("cust_1");
  holder.email = "taken@example.com";
  upsert(holder);
  upsert(make_customer("cust_2"));

  // Matched by id, cust_2 would take an email cust_1 has: a conflict, and nothing changes.
  Customer clash = make_customer("cust_2");
  clash.email = "taken@example.com";
  clash.name = "Clash";
  EXPECT_EQ(store_->upsert_customer(clash).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->get_customer("t1", "cust_2")->name, "");
  EXPECT_EQ(store_->get_customer("t1", "cust_1")->email, "taken@example.com");
}

TEST_F(SqliteDomain, CustomersAreTenantScoped) {
  Customer one = make_customer("cust_1", "t1");
  one.email = "same@example.com";
  one.name = "In t1";
  upsert(one);
  Customer two = make_customer("cust_2", "t2");
  two.email = "same@example.com";
  two.name = "In t2";
  EXPECT_EQ(upsert(two).id, "cust_2");
  EXPECT_EQ(store_->get_customer("t2", "cust_1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_customer("t1", "cust_1")->name, "In t1");
  EXPECT_EQ(store_->upsert_customer(make_customer("cust_3", "nope")).status().code(), StatusCode::kNotFound);
}

// --- sessions and turns

TEST_F(SqliteDomain, AppendTurnsAssignsSeqAndCreatesSession) {
  auto stored = append({make_turn("turn_1", "s1", 1000), make_turn("turn_2", "s1", 1500, "cust_1")});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].seq, 1);
  EXPECT_EQ(stored[1].seq, 2);

  auto session = store_->get_session("t1", "a1", "s1");
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ(session->tenant_id, "t1");
  EXPECT_EQ(session->agent_id, "a1");
  EXPECT_EQ(session->id, "s1");
  EXPECT_EQ(session->customer_id, "cust_1");
  EXPECT_EQ(session->turn_count, 2);
  EXPECT_EQ(session->created_at, 1000);
  EXPECT_EQ(session->updated_at, 1500);

  auto more = append({make_turn("turn_3", "s1", 2000, "cust_other")});
  EXPECT_EQ(more[0].seq, 3);
  session = store_->get_session("t1", "a1", "s1");
  EXPECT_EQ(session->turn_count, 3);
  EXPECT_EQ(session->customer_id, "cust_1");
  EXPECT_EQ(session->created_at, 1000);
  EXPECT_EQ(session->updated_at, 2000);
}

TEST_F(SqliteDomain, AnonymousSessionTakesItsFirstNamedCustomer) {
  append({make_turn("turn_1", "s1", 1000)});
  EXPECT_EQ(store_->get_session("t1", "a1", "s1")->customer_id, "");
  append({make_turn("turn_2", "s1", 2000, "cust_1")});
  EXPECT_EQ(store_->get_session("t1", "a1", "s1")->customer_id, "cust_1");
}

TEST_F(SqliteDomain, AppendTurnsStoresEveryField) {
  Turn turn = make_turn("turn_1", "s1", 1000, "cust_1");
  turn.role = "assistant";
  turn.metadata = R"({"model":"llama"})";
  append({turn});
  auto turns = store_->recent_turns("t1", "a1", "s1", 10);
  ASSERT_TRUE(turns.ok());
  ASSERT_EQ(turns->size(), 1u);
  const Turn& got = turns->front();
  EXPECT_EQ(got.id, "turn_1");
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.agent_id, "a1");
  EXPECT_EQ(got.session_id, "s1");
  EXPECT_EQ(got.seq, 1);
  EXPECT_EQ(got.role, "assistant");
  EXPECT_EQ(got.content, "content of turn_1");
  EXPECT_EQ(got.customer_id, "cust_1");
  EXPECT_EQ(got.tokens, 7);
  EXPECT_EQ(got.metadata, R"({"model":"llama"})");
  EXPECT_EQ(got.created_at, 1000);
}

TEST_F(SqliteDomain, AppendNothingIsOk) {
  auto stored = store_->append_turns({});
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->empty());
}

TEST_F(SqliteDomain, AppendTurnsOfTwoSessionsIsInvalid) {
  auto stored = store_->append_turns({make_turn("turn_1", "s1", 1000), make_turn("turn_2", "s2", 1000)});
  EXPECT_EQ(stored.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->get_session("t1", "a1", "s1").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteDomain, AppendTurnsIsAllOrNothing) {
  append({make_turn("turn_1", "s1", 1000)});
  auto stored = store_->append_turns({make_turn("turn_2", "s1", 2000), make_turn("turn_1", "s1", 2000)});
  EXPECT_EQ(stored.status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->get_session("t1", "a1", "s1")->turn_count, 1);
  EXPECT_EQ(store_->recent_turns("t1", "a1", "s1", 10)->size(), 1u);
  EXPECT_EQ(append({make_turn("turn_2", "s1", 2000)})[0].seq, 2);
}

TEST_F(SqliteDomain, SameSessionIdUnderTwoAgentsIsTwoSessions) {
  append({make_turn("turn_1", "s1", 1000, "", "a1")});
  auto other = append({make_turn("turn_2", "s1", 1000, "", "a2")});
  EXPECT_EQ(other[0].seq, 1);
  EXPECT_EQ(store_->get_session("t1", "a1", "s1")->turn_count, 1);
  EXPECT_EQ(store_->get_session("t1", "a2", "s1")->turn_count, 1);
}

TEST_F(SqliteDomain, RecentTurnsAreTheLastOnesOldestFirst) {
  std::vector<Turn> turns;
  for (int i = 1; i <= 5; ++i) turns.push_back(make_turn("turn_" + std::to_string(i), "s1", 1000 + i));
  append(turns);
  auto recent = store_->recent_turns("t1", "a1", "s1", 3);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(ids_of(*recent), (std::vector<std::string>{"turn_3", "turn_4", "turn_5"}));
  EXPECT_EQ(store_->recent_turns("t1", "a1", "s1", 50)->size(), 5u);
  EXPECT_TRUE(store_->recent_turns("t1", "a1", "s1", 0)->empty());
  EXPECT_TRUE(store_->recent_turns("t2", "a1", "s1", 10)->empty());
  EXPECT_TRUE(store_->recent_turns("t1", "a2", "s1", 10)->empty());
}

TEST_F(SqliteDomain, GetSessionIsTenantScoped) {
  append({make_turn("turn_1", "s1", 1000)});
  EXPECT_EQ(store_->get_session("t2", "a1", "s1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_session("t1", "a1", "missing").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteDomain, ListSessionsMostRecentlyUpdatedFirst) {
  append({make_turn("turn_1", "s_old", 1000, "", "a1")});
  append({make_turn("turn_2", "s_new", 3000, "", "a1")});
  append({make_turn("turn_3", "s_other_agent", 2000, "", "a2")});
  append({make_turn("turn_4", "s_old", 4000, "", "a1")});  // s_old is now the most recent

  auto all = store_->list_sessions("t1", "", 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ids_of(*all), (std::vector<std::string>{"s_old", "s_new", "s_other_agent"}));
  auto of_a1 = store_->list_sessions("t1", "a1", 10);
  ASSERT_TRUE(of_a1.ok());
  EXPECT_EQ(ids_of(*of_a1), (std::vector<std::string>{"s_old", "s_new"}));
  EXPECT_EQ(ids_of(*store_->list_sessions("t1", "", 1)), (std::vector<std::string>{"s_old"}));
  EXPECT_TRUE(store_->list_sessions("t2", "", 10)->empty());
}

// --- customer memory facts

TEST_F(SqliteDomain, SaveFactRoundTrip) {
  MemoryFact fact = make_fact("f1", "Prefers email", "a1", 0.75);
  fact.category = "preference";
  fact.source = "extracted";
  MemoryFact stored = save(fact);
  EXPECT_EQ(stored.id, "f1");
  auto facts = store_->list_facts("t1", "cust_1", "");
  ASSERT_TRUE(facts.ok());
  ASSERT_EQ(facts->size(), 1u);
  const MemoryFact& got = facts->front();
  EXPECT_EQ(got.id, "f1");
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.customer_id, "cust_1");
  EXPECT_EQ(got.agent_id, "a1");
  EXPECT_EQ(got.fact, "Prefers email");
  EXPECT_EQ(got.category, "preference");
  EXPECT_DOUBLE_EQ(got.confidence, 0.75);
  EXPECT_EQ(got.source, "extracted");
  EXPECT_EQ(got.created_at, 1000);
  EXPECT_EQ(got.updated_at, 1000);
}

TEST_F(SqliteDomain, SameFactTextUpdatesTheStoredFact) {
  save(make_fact("f1", "Likes green tea"));
  MemoryFact again = make_fact("f2", "LIKES Green Tea", "", 0.9, 2000);
  again.category = "preference";
  again.source = "extracted";
  MemoryFact stored = save(again);
  EXPECT_EQ(stored.id, "f1");
  EXPECT_EQ(stored.fact, "Likes green tea");
  EXPECT_EQ(stored.category, "preference");
  EXPECT_DOUBLE_EQ(stored.confidence, 0.9);
  EXPECT_EQ(stored.source, "extracted");
  EXPECT_EQ(stored.created_at, 1000);
  EXPECT_EQ(stored.updated_at, 2000);
  EXPECT_EQ(store_->list_facts("t1", "cust_1", "")->size(), 1u);

  // Another agent scope or another customer is another fact.
  EXPECT_EQ(save(make_fact("f3", "likes green tea", "a1")).id, "f3");
  MemoryFact other_customer = make_fact("f4", "likes green tea");
  other_customer.customer_id = "cust_2";
  EXPECT_EQ(save(other_customer).id, "f4");
  EXPECT_EQ(store_->list_facts("t1", "cust_1", "")->size(), 2u);
}

TEST_F(SqliteDomain, ListFactsSeesUnscopedAndOwnAgentFactsBestFirst) {
  save(make_fact("f_low", "low", "", 0.2, 1000));
  save(make_fact("f_a1_old", "a1 old", "a1", 0.8, 1000));
  save(make_fact("f_a1_new", "a1 new", "a1", 0.8, 2000));
  save(make_fact("f_a2", "a2 only", "a2", 0.9, 1000));
  save(make_fact("f_top", "top", "", 1.0, 500));

  auto for_a1 = store_->list_facts("t1", "cust_1", "a1");
  ASSERT_TRUE(for_a1.ok());
  EXPECT_EQ(ids_of(*for_a1), (std::vector<std::string>{"f_top", "f_a1_new", "f_a1_old", "f_low"}));
  auto all = store_->list_facts("t1", "cust_1", "");
  EXPECT_EQ(ids_of(*all), (std::vector<std::string>{"f_top", "f_a2", "f_a1_new", "f_a1_old", "f_low"}));
  EXPECT_TRUE(store_->list_facts("t2", "cust_1", "")->empty());
  EXPECT_TRUE(store_->list_facts("t1", "cust_2", "")->empty());
}

TEST_F(SqliteDomain, DeleteFact) {
  save(make_fact("f1", "fact"));
  EXPECT_EQ(store_->delete_fact("t2", "f1").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->delete_fact("t1", "f1").is_ok());
  EXPECT_TRUE(store_->list_facts("t1", "cust_1", "")->empty());
  EXPECT_EQ(store_->delete_fact("t1", "f1").code(), StatusCode::kNotFound);
}

// --- semantic cache

std::vector<CacheEntry> scan_all(sqlite::Database& store) {
  std::vector<CacheEntry> out;
  Status s = store.scan_cache_entries([&](const CacheEntry& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(s.is_ok()) << s.message();
  return out;
}

TEST_F(SqliteDomain, CacheEntryRoundTrip) {
  CacheEntry entry = make_entry("c1", "t1", "a1");
  entry.customer_id = "cust_1";
  ASSERT_TRUE(store_->put_cache_entry(entry).is_ok());
  auto entries = scan_all(*store_);
  ASSERT_EQ(entries.size(), 1u);
  const CacheEntry& got = entries.front();
  EXPECT_EQ(got.id, "c1");
  EXPECT_EQ(got.tenant_id, "t1");
  EXPECT_EQ(got.agent_id, "a1");
  EXPECT_EQ(got.customer_id, "cust_1");
  EXPECT_EQ(got.question, "question c1");
  EXPECT_EQ(got.answer, "answer c1");
  EXPECT_EQ(got.model, "llama");
  EXPECT_EQ(got.embedding, (std::vector<float>{0.25f, -1.5f, 3.0f}));
  EXPECT_EQ(got.created_at, 1000);
}

TEST_F(SqliteDomain, EmbeddingIsStoredAsLittleEndianFloats) {
  ASSERT_TRUE(store_->put_cache_entry(make_entry("c1", "t1", "a1", {1.0f, -2.0f})).is_ok());
  EXPECT_EQ(raw_text(path_, "SELECT hex(embedding) FROM cache_entries"), "0000803F000000C0");
  ASSERT_TRUE(store_->put_cache_entry(make_entry("c2", "t1", "a1", {})).is_ok());
  EXPECT_TRUE(scan_all(*store_).back().embedding.empty());
}

TEST_F(SqliteDomain, PutCacheEntryReplacesSameIdOfSameTenant) {
  ASSERT_TRUE(store_->put_cache_entry(make_entry("c1", "t1", "a1")).is_ok());
  CacheEntry replacement = make_entry("c1", "t1", "a1", {9.0f});
  replacement.answer = "better answer";
  ASSERT_TRUE(store_->put_cache_entry(replacement).is_ok());
  EXPECT_EQ(store_->put_cache_entry(make_entry("c1", "t2", "a1")).code(), StatusCode::kConflict);
  auto entries = scan_all(*store_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].tenant_id, "t1");
  EXPECT_EQ(entries[0].answer, "better answer");
  EXPECT_EQ(entries[0].embedding, (std::vector<float>{9.0f}));
}

TEST_F(SqliteDomain, ScanCacheEntriesVisitsAllTenantsAcrossBatchesAndStops) {
  constexpr int kEntries = 1203;  // more than two read batches
  for (int i = 0; i < kEntries; ++i) {
    auto entry = make_entry("c" + std::to_string(i), i % 2 ? "t1" : "t2", "a1", {static_cast<float>(i)});
    ASSERT_TRUE(store_->put_cache_entry(entry).is_ok());
  }
  auto entries = scan_all(*store_);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kEntries));
  for (int i = 0; i < kEntries; ++i) EXPECT_EQ(entries[i].embedding, std::vector<float>{static_cast<float>(i)});

  int visited = 0;
  ASSERT_TRUE(store_->scan_cache_entries([&](const CacheEntry&) { return ++visited < 600; }).is_ok());
  EXPECT_EQ(visited, 600);
}

TEST_F(SqliteDomain, DeleteCacheEntriesByTenantAndAgent) {
  for (const auto& [id, tenant, agent] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"c1", "t1", "a1"}, {"c2", "t1", "a1"}, {"c3", "t1", "a2"}, {"c4", "t2", "a1"}, {"c5", "t2", "a3"}}) {
    ASSERT_TRUE(store_->put_cache_entry(make_entry(id, tenant, agent)).is_ok());
  }
  EXPECT_EQ(*store_->delete_cache_entries("t1", "a1"), 2);
  EXPECT_EQ(ids_of(scan_all(*store_)), (std::vector<std::string>{"c3", "c4", "c5"}));
  EXPECT_EQ(*store_->delete_cache_entries("t2", ""), 2);
  EXPECT_EQ(*store_->delete_cache_entries("t2", ""), 0);
  EXPECT_EQ(*store_->delete_cache_entries("", ""), 1);
  EXPECT_TRUE(scan_all(*store_).empty());
}

// --- conversation records

std::vector<StatusCode> codes_of(const std::vector<Status>& statuses) {
  std::vector<StatusCode> codes;
  for (const auto& status : statuses) codes.push_back(status.code());
  return codes;
}

std::vector<int64_t> seqs_of(const std::vector<Turn>& turns) {
  std::vector<int64_t> seqs;
  for (const auto& turn : turns) seqs.push_back(turn.seq);
  return seqs;
}

ConversationRecord turns_record(std::vector<Turn> turns) {
  ConversationRecord record;
  record.turns = std::move(turns);
  return record;
}

TEST_F(SqliteDomain, RecordConversationsStoresEveryRecord) {
  append({make_turn("turn_0", "s1", 500)});
  Customer ada = make_customer("cust_1");
  ada.email = "Ada@Example.com";
  ConversationRecord first = turns_record({make_turn("turn_1", "s1", 1000, "cust_1"), make_turn("turn_2", "s1", 1001)});
  first.customer = ada;
  first.facts = {make_fact("f1", "Prefers email"), make_fact("f2", "Lives in Paris", "a1")};
  first.cache_entry = make_entry("c1", "t1", "a1");
  ConversationRecord second = turns_record({make_turn("turn_3", "s2", 2000, "", "a2")});
  second.facts = {make_fact("f3", "Likes tea")};
  ConversationRecord third;
  third.customer = make_customer("cust_2", "t2");
  third.cache_entry = make_entry("c2", "t2", "a1");

  auto statuses = store_->record_conversations({first, second, third});
  EXPECT_EQ(codes_of(statuses), std::vector<StatusCode>(3, StatusCode::kOk));

  EXPECT_EQ(store_->get_customer("t1", "cust_1")->email, "ada@example.com");
  EXPECT_TRUE(store_->get_customer("t2", "cust_2").ok());
  auto s1 = store_->recent_turns("t1", "a1", "s1", 10);
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(ids_of(*s1), (std::vector<std::string>{"turn_0", "turn_1", "turn_2"}));
  EXPECT_EQ(seqs_of(*s1), (std::vector<int64_t>{1, 2, 3}));
  auto session = store_->get_session("t1", "a1", "s1");
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->turn_count, 3);
  EXPECT_EQ(session->customer_id, "cust_1");
  EXPECT_EQ(session->updated_at, 1001);
  auto s2 = store_->recent_turns("t1", "a2", "s2", 10);
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(ids_of(*s2), (std::vector<std::string>{"turn_3"}));
  EXPECT_EQ(seqs_of(*s2), (std::vector<int64_t>{1}));
  EXPECT_EQ(ids_of(*store_->list_facts("t1", "cust_1", "")), (std::vector<std::string>{"f3", "f2", "f1"}));
  EXPECT_EQ(ids_of(scan_all(*store_)), (std::vector<std::string>{"c1", "c2"}));
}

TEST_F(SqliteDomain, RecordConversationsFailedRecordLeavesNothingAndTheOthersCommit) {
  Customer holder = make_customer("cust_1");
  holder.email = "taken@example.com";
  upsert(holder);
  upsert(make_customer("cust_2"));
  ASSERT_TRUE(store_->put_cache_entry(make_entry("c_t2", "t2", "a1")).is_ok());

  ConversationRecord ok_before = turns_record({make_turn("turn_1", "s1", 1000)});
  ok_before.facts = {make_fact("f1", "from the first record")};
  // cust_2 would take cust_1's email.
  Customer clash = make_customer("cust_2");
  clash.email = "taken@example.com";
  clash.name = "Clash";
  ConversationRecord email_clash = turns_record({make_turn("turn_2", "s_clash", 1000, "cust_2")});
  email_clash.customer = clash;
  email_clash.facts = {make_fact("f2", "from the clash")};
  ConversationRecord two_sessions = turns_record({make_turn("turn_3", "s_a", 1000), make_turn("turn_4", "s_b", 1000)});
  two_sessions.customer = make_customer("cust_3");
  // Fails on its last part, once the others are written: the cache entry id is t2's.
  ConversationRecord late_failure = turns_record({make_turn("turn_5", "s_late", 1000)});
  late_failure.customer = make_customer("cust_4");
  late_failure.facts = {make_fact("f5", "from the late failure")};
  late_failure.cache_entry = make_entry("c_t2", "t1", "a1");
  ConversationRecord ok_after = turns_record({make_turn("turn_6", "s1", 2000)});
  ok_after.cache_entry = make_entry("c_ok", "t1", "a1");

  auto statuses = store_->record_conversations({ok_before, email_clash, two_sessions, late_failure, ok_after});
  EXPECT_EQ(codes_of(statuses), (std::vector<StatusCode>{StatusCode::kOk, StatusCode::kConflict,
                                                         StatusCode::kInvalidArgument, StatusCode::kConflict,
                                                         StatusCode::kOk}));

  auto s1 = store_->recent_turns("t1", "a1", "s1", 10);
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(ids_of(*s1), (std::vector<std::string>{"turn_1", "turn_6"}));
  EXPECT_EQ(seqs_of(*s1), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(store_->get_session("t1", "a1", "s1")->turn_count, 2);
  EXPECT_EQ(ids_of(*store_->list_facts("t1", "cust_1", "")), (std::vector<std::string>{"f1"}));
  auto entries = scan_all(*store_);
  EXPECT_EQ(ids_of(entries), (std::vector<std::string>{"c_t2", "c_ok"}));
  EXPECT_EQ(entries.front().tenant_id, "t2");

  EXPECT_EQ(store_->get_customer("t1", "cust_2")->name, "");
  for (const char* id : {"cust_3", "cust_4"}) {
    EXPECT_EQ(store_->get_customer("t1", id).status().code(), StatusCode::kNotFound) << id;
  }
  for (const char* id : {"s_clash", "s_a", "s_b", "s_late"}) {
    EXPECT_EQ(store_->get_session("t1", "a1", id).status().code(), StatusCode::kNotFound) << id;
    EXPECT_TRUE(store_->recent_turns("t1", "a1", id, 10)->empty()) << id;
  }
}

TEST_F(SqliteDomain, RecordConversationsOfOneSessionNumberItsTurnsInOrder) {
  append({make_turn("turn_1", "s1", 1000)});
  // The middle record fails (turn_1 exists): the last one's seq follows the first one's.
  auto statuses = store_->record_conversations(
      {turns_record({make_turn("turn_2", "s1", 2000), make_turn("turn_3", "s1", 2001)}),
       turns_record({make_turn("turn_x", "s1", 2500), make_turn("turn_1", "s1", 2500)}),
       turns_record({make_turn("turn_4", "s1", 3000)})});
  EXPECT_EQ(codes_of(statuses),
            (std::vector<StatusCode>{StatusCode::kOk, StatusCode::kConflict, StatusCode::kOk}));

  auto turns = store_->recent_turns("t1", "a1", "s1", 10);
  ASSERT_TRUE(turns.ok());
  EXPECT_EQ(ids_of(*turns), (std::vector<std::string>{"turn_1", "turn_2", "turn_3", "turn_4"}));
  EXPECT_EQ(seqs_of(*turns), (std::vector<int64_t>{1, 2, 3, 4}));
  auto session = store_->get_session("t1", "a1", "s1");
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->turn_count, 4);
  EXPECT_EQ(session->updated_at, 3000);
}

TEST_F(SqliteDomain, RecordNoConversationsIsEmpty) {
  EXPECT_TRUE(store_->record_conversations({}).empty());
  EXPECT_EQ(codes_of(store_->record_conversations({ConversationRecord{}})),
            (std::vector<StatusCode>{StatusCode::kOk}));
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

// --- recall filters (engine-private hints)

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
  ASSERT_TRUE(store_->append_turn_within_budget(make_turn("turn_3", "s3", 3000), 1000).ok());

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
