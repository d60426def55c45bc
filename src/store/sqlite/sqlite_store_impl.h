// The SQLite engine's database, the synchronous core that sqlite_engine.h runs on the engine's
// threads, and the helpers its source files share: sqlite_store.cpp (tenants, users, keys,
// audit, settings, engine), sqlite_domain.cpp (agents, customers, sessions, conversation
// records, cache, webhooks, usage), sqlite_memory.cpp and sqlite_knowledge.cpp. Private to
// store/sqlite; its methods keep the contracts of the store interfaces of the same names.
#pragma once

#include "common/key_filter.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/group_commit.h"
#include "store/store.h"

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace brainstem::store::sqlite {

// Scans read this many rows per read, so no read transaction stays open while the caller
// visits them (a long one would hold back WAL checkpoints).
constexpr int kScanBatch = 500;
// A group commit applies at most this many writes, so no transaction holds the write lock long.
constexpr size_t kWritesPerTransaction = 64;

std::string json_array(const std::vector<std::string>& items);
// A malformed column reads as an empty list: for scopes and origins that grants the least.
std::vector<std::string> string_list(const std::string& json);
// Embeddings are stored as blobs of little-endian floats.
std::string_view embedding_bytes(const std::vector<float>& embedding);
std::vector<float> embedding_from(std::string_view bytes);
// SQLite reads a negative LIMIT as "no limit"; a negative limit here means no rows.
int64_t row_limit(int limit);
// Runs an insert into a table whose tenant_id references tenants.
Status run_tenant_insert(Statement& insert);
// Inserts memory entities in the caller's write transaction, assigning each its seq.
Result<std::vector<MemoryEntity>> insert_entities(Connection& c, std::vector<MemoryEntity> entities);
// Runs an update or delete that must change a row; kNotFound with `missing` if it changed none.
Status run_changing(Connection& c, Statement& statement, const char* missing);

// The single row of `statement`, read by `read`; kNotFound with `missing` if there is none.
template <class Read>
auto single_row(Statement& statement, Read read, const char* missing) -> Result<decltype(read(statement))> {
  auto row = statement.step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::not_found(missing);
  return read(statement);
}

// Every row of `statement`, each read by `read`.
template <class Read>
auto all_rows(Statement& statement, Read read) -> Result<std::vector<decltype(read(statement))>> {
  std::vector<decltype(read(statement))> out;
  for (;;) {
    auto row = statement.step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(read(statement));
  }
}

// What the store knows without a read: which sessions may have turns and which customers may
// have facts. Every write of a turn or a fact notes its key before the row is written, so
// "certainly absent" is never wrong while this process is the only writer of turns and facts.
struct RecallFilters {
  KeyFilter sessions;   // tenant, agent, session
  KeyFilter customers;  // tenant, customer
  static std::string session_key(std::string_view tenant_id, std::string_view agent_id, std::string_view session_id);
  static std::string customer_key(std::string_view tenant_id, std::string_view customer_id);
};

inline bool succeeded(const Status& status) { return status.is_ok(); }
template <class T>
bool succeeded(const Result<T>& result) { return result.ok(); }
// Conversation records are kept or refused one by one: the write as a whole stands.
inline bool succeeded(const std::vector<Status>&) { return true; }

class Database final {
 public:
  // `checkpointer` (null for an in-memory database) is a connection of its own for checkpoint().
  Database(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers,
              std::unique_ptr<Connection> checkpointer, const SqliteOptions& options, int schema_version);
  // Fills the recall filters from the stored turns and facts; open_sqlite calls it once.
  Status load_recall_filters();

  // --- tenants, users, memberships (sqlite_store.cpp)
  Status create_signup(const Tenant& tenant, const User& user);
  Status create_tenant(const Tenant& tenant, const std::string& owner_user_id);
  Result<Tenant> get_tenant(const std::string& id);
  Result<Tenant> get_tenant_by_slug(const std::string& slug);
  Status rename_tenant(const std::string& id, const std::string& name);
  Result<User> get_user(const std::string& id);
  Result<User> get_user_by_email(const std::string& email);
  Result<User> verify_email(const std::string& token_hash);
  Status add_member(const std::string& tenant_id, const std::string& user_id, const std::string& role);
  Result<std::string> member_role(const std::string& tenant_id, const std::string& user_id);
  Result<std::vector<Member>> list_members(const std::string& tenant_id);
  Result<std::vector<std::pair<Tenant, std::string>>> list_user_tenants(const std::string& user_id);

  // --- API keys (sqlite_store.cpp)
  Status create_api_key(const ApiKey& key);
  Result<ApiKey> get_api_key_by_hash(const std::string& key_hash);
  Result<std::vector<ApiKey>> list_api_keys(const std::string& tenant_id);
  Status revoke_api_key(const std::string& tenant_id, const std::string& key_id, int64_t at_ms);
  Status touch_api_keys(const std::vector<std::pair<std::string, int64_t>>& key_id_and_ms);

  // --- audit chain (sqlite_store.cpp)
  Result<AuditEntry> append_audit(AuditEntry entry,
                                  const std::function<std::string(const AuditEntry&)>& seal);
  Result<std::vector<AuditEntry>> query_audit(const AuditQuery& query);
  Status scan_audit(const std::string& tenant_id, const std::function<bool(const AuditEntry&)>& visit);
  Result<AuditHead> audit_head(const std::string& tenant_id);

  // --- agents (sqlite_domain.cpp, as is everything down to usage metering)
  Status create_agent(const Agent& agent);
  Result<Agent> get_agent(const std::string& tenant_id, const std::string& id);
  Result<Agent> find_agent(const std::string& id);
  Result<std::vector<Agent>> list_agents(const std::string& tenant_id);
  Result<Agent> update_agent(const Agent& agent);
  Status delete_agent(const std::string& tenant_id, const std::string& id);

  // --- customers
  Result<Customer> upsert_customer(const Customer& customer);
  Result<Customer> get_customer(const std::string& tenant_id, const std::string& id);

  // --- sessions and turns
  Result<std::vector<Turn>> append_turns(std::vector<Turn> turns);
  Result<std::vector<Turn>> recent_turns(const std::string& tenant_id, const std::string& agent_id,
                                         const std::string& session_id, int limit);
  bool may_have_turns(const std::string& tenant_id, const std::string& agent_id,
                      const std::string& session_id);
  Result<Session> get_session(const std::string& tenant_id, const std::string& agent_id,
                              const std::string& session_id);
  Result<std::vector<Session>> list_sessions(const std::string& tenant_id, const std::string& agent_id,
                                             int limit);

  // --- CELLSTATE turns
  Result<Turn> append_turn_within_budget(Turn turn, int64_t token_budget, std::vector<MemoryEntity> alongside);
  Result<Turn> get_turn(const std::string& tenant_id, const std::string& id);
  Result<std::vector<Turn>> get_turns(const std::string& tenant_id, const std::vector<std::string>& ids);
  Result<std::vector<Turn>> session_turns(const std::string& tenant_id, const std::string& session_id);
  Result<int64_t> session_tokens(const std::string& tenant_id, const std::string& session_id);

  // --- CELLSTATE memory entities (sqlite_memory.cpp)
  Result<MemoryEntity> create_memory_entity(MemoryEntity entity);
  Result<std::vector<MemoryEntity>> create_memory_entities(std::vector<MemoryEntity> entities);
  Result<MemoryEntity> get_memory_entity(const std::string& tenant_id, const std::string& kind,
                                         const std::string& id);
  Result<MemoryEntityPage> list_memory_entities(const MemoryEntityQuery& query);
  Result<MemoryEntity> update_memory_entity(MemoryEntity entity);
  Status delete_memory_entity(const std::string& tenant_id, const std::string& kind, const std::string& id);
  Result<MemoryEntity> acquire_memory_lock(MemoryEntity lock, int64_t now_ms);
  Result<std::vector<MemoryEntity>> delete_expired_memory_entities(int64_t now_ms, int limit);
  Status scan_memory_entities(const std::string& kind,
                              const std::function<bool(const MemoryEntity&)>& visit);

  // --- conversation records
  std::vector<Status> record_conversations(const std::vector<ConversationRecord>& records);

  // --- customer memory facts
  Result<MemoryFact> save_fact(const MemoryFact& fact);
  Result<std::vector<MemoryFact>> list_facts(const std::string& tenant_id, const std::string& customer_id,
                                             const std::string& agent_id);
  Result<std::vector<MemoryFact>> fact_history(const std::string& tenant_id, const std::string& customer_id);
  bool may_have_facts(const std::string& tenant_id, const std::string& customer_id);
  Status delete_fact(const std::string& tenant_id, const std::string& fact_id);

  // --- semantic cache
  Status put_cache_entry(const CacheEntry& entry);
  Status scan_cache_entries(const std::function<bool(const CacheEntry&)>& visit);
  Status scan_turns(const std::function<bool(const Turn&)>& visit);
  Result<int64_t> delete_cache_entries(const std::string& tenant_id, const std::string& agent_id);

  // --- outgoing webhooks
  Status create_webhook(const Webhook& webhook);
  Result<std::vector<Webhook>> list_webhooks(const std::string& tenant_id);
  Result<Webhook> get_webhook(const std::string& tenant_id, const std::string& id);
  Status delete_webhook(const std::string& tenant_id, const std::string& id);
  Status enqueue_deliveries(const std::vector<WebhookDelivery>& deliveries);
  Result<std::vector<WebhookDelivery>> claim_deliveries(int64_t now_ms, int64_t lease_ms, int limit);
  Status update_delivery(const WebhookDelivery& delivery);
  Result<std::vector<WebhookDelivery>> list_deliveries(const std::string& tenant_id, const std::string& webhook_id,
                                                       int limit);

  // --- knowledge sources and chunks (sqlite_knowledge.cpp)
  Status create_knowledge_source(const KnowledgeSource& source);
  Result<KnowledgeSource> get_knowledge_source(const std::string& tenant_id, const std::string& id);
  Result<std::vector<KnowledgeSource>> list_knowledge_sources(const std::string& tenant_id);
  Status set_knowledge_source_status(const std::string& tenant_id, const std::string& id, const std::string& status,
                                     const std::string& error);
  Result<std::vector<KnowledgeChunk>> replace_knowledge_chunks(const KnowledgeIngestion& ingestion);
  Status delete_knowledge_source(const std::string& tenant_id, const std::string& id);
  Result<std::vector<KnowledgeChunk>> list_knowledge_chunks(const std::string& tenant_id,
                                                            const std::string& source_id);
  Status scan_knowledge_chunks(const std::function<bool(const KnowledgeChunk&)>& visit);
  Result<int64_t> fail_interrupted_ingestions(int64_t now_ms);

  // --- orchestration (sqlite_orchestration.cpp)
  Status create_workflow(const Workflow& workflow);
  Result<Workflow> get_workflow(const std::string& tenant_id, const std::string& id);
  Result<std::vector<Workflow>> list_workflows(const std::string& tenant_id);
  Result<Workflow> update_workflow(const Workflow& workflow);
  Status delete_workflow(const std::string& tenant_id, const std::string& id);
  Status create_run(const Run& run, const std::vector<RunEvent>& events);
  Result<Run> get_run(const std::string& tenant_id, const std::string& id);
  Result<std::vector<Run>> list_runs(const std::string& tenant_id, int limit);
  Result<Run> save_run(const Run& run, const std::vector<RunEvent>& events);
  Result<std::vector<Run>> claim_runs(const std::string& owner, int64_t now_ms, int64_t lease_ms, int limit);
  Status renew_run_lease(const std::string& tenant_id, const std::string& run_id, const std::string& owner,
                         int64_t until_ms);
  Status record_steps(const std::vector<RunStep>& steps, const std::vector<RunEvent>& events, const std::string& owner);
  Result<std::vector<RunStep>> run_steps(const std::string& tenant_id, const std::string& run_id);
  Result<std::vector<RunEvent>> run_events(const std::string& tenant_id, const std::string& run_id, int64_t after_seq,
                                           int limit);

  // --- usage metering (sqlite_domain.cpp)
  Status record_usage(const std::vector<UsageRecord>& records);
  Result<std::vector<UsageRow>> usage_summary(const UsageQuery& query);
  Result<double> usage_cost(const std::string& tenant_id, int64_t from_ms, int64_t to_ms);

  // --- settings and engine (sqlite_store.cpp)
  Result<std::string> setting_or_init(const std::string& key, const std::string& value);
  Status ping();
  Status checkpoint();
  int schema_version();

  // Where the engine queues the methods that write, each as one write.
  GroupCommitter& committer() { return *committer_; }

 private:
  // Runs `body` on a reader connection (the writer's when there are no readers, as for an
  // in-memory database, which other connections cannot see).
  template <class Body>
  auto read(Body&& body) -> decltype(body(std::declval<Connection&>())) {
    // An in-memory database has no readers; a read made while applying a write (which holds
    // the writer) reads on that write's connection.
    if (Connection* applying = GroupCommitter::applying(); applying && !readers_) return body(*applying);
    auto lease = (readers_ ? readers_ : writer_)->acquire();
    if (!lease.ok()) return lease.status();
    try {
      return body(**lease);
    } catch (const std::exception& e) {
      return Status::internal(std::string("store read failed: ") + e.what());
    }
  }

  // Visits the rows of `sql` batch by batch, each batch its own read, so no read transaction
  // stays open while `visit` runs. `bind(statement, after)` binds the query's parameters, the
  // position to read after and kScanBatch among them; `read_row` gives a row's position (the
  // key the query orders by) and its record. Stops early when `visit` returns false.
  template <class T, class Bind, class ReadRow>
  Status scan_batches(const std::string& sql, Bind bind, ReadRow read_row, const std::function<bool(const T&)>& visit) {
    int64_t after = 0;
    for (;;) {
      auto batch = read([&](Connection& c) -> Result<std::vector<std::pair<int64_t, T>>> {
        auto query = c.statement(sql);
        if (!query.ok()) return query.status();
        bind(*query, after);
        return all_rows(*query, read_row);
      });
      if (!batch.ok()) return batch.status();
      for (const auto& row : *batch) {
        if (!visit(row.second)) return Status::ok();
      }
      if (batch->size() < static_cast<size_t>(kScanBatch)) return Status::ok();
      after = batch->back().first;
    }
  }
  // scan_batches over "<select> WHERE rowid > ?1 ORDER BY rowid LIMIT ?2", where the select's
  // column `rowid_column` is the rowid.
  template <class T, class Read>
  Status scan_by_rowid(const std::string& select, int rowid_column, Read read_record,
                       const std::function<bool(const T&)>& visit) {
    return scan_batches<T>(
        select + " WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
        [](Statement& q, int64_t after) { q.bind(1, after).bind(2, int64_t{kScanBatch}); },
        [&](const Statement& row) { return std::make_pair(row.integer(rowid_column), read_record(row)); }, visit);
  }

  // Runs `body` in a transaction on the writer connection: committed if it succeeds, rolled
  // back otherwise. Writes share transactions (group_commit.h); a write made while the writer
  // thread applies another (a method the engine runs as one write) joins that transaction in
  // a savepoint of its own.
  template <class Body>
  auto write(Body&& body) -> decltype(body(std::declval<Connection&>())) {
    using R = decltype(body(std::declval<Connection&>()));
    if (Connection* c = GroupCommitter::applying()) return write_within(*c, body);
    std::optional<R> result;
    QueuedWrite queued{.apply = [&](Connection& c) {
                         result.emplace(write_within(c, body));
                         return succeeded(*result);
                       },
                       .fail = [&](Status why) { result.emplace(std::move(why)); }};
    committer_->run(queued);
    return std::move(*result);
  }

  // Runs `body` in a savepoint of the transaction open on `c`: released if it succeeds,
  // rolled back otherwise, so a write fails alone in the transaction it shares.
  template <class Body>
  auto write_within(Connection& c, Body& body) -> decltype(body(std::declval<Connection&>())) {
    using R = decltype(body(std::declval<Connection&>()));
    static const std::string kSavepoint = "SAVEPOINT store_write", kRelease = "RELEASE store_write",
                             kRollback = "ROLLBACK TO store_write";
    if (Status s = c.run(kSavepoint); !s.is_ok()) return s;
    R result = [&]() -> R {
      try {
        return body(c);
      } catch (const std::exception& e) {
        return Status::internal(std::string("store write failed: ") + e.what());
      }
    }();
    if (!c.in_transaction()) return result;  // SQLite ended the transaction; the committer fails it
    Status ended = succeeded(result) ? Status::ok() : c.run(kRollback);
    if (ended.is_ok()) ended = c.run(kRelease);
    if (!ended.is_ok()) {
      c.rollback_if_open();  // the committer fails the writes the transaction held
      return ended;
    }
    return result;
  }

  RecallFilters recall_;
  std::atomic<int> waiting_{0};
  std::unique_ptr<ConnectionPool> writer_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<ConnectionPool> readers_;
  std::atomic<int> wal_frames_{0};  // frames in the log after the last commit
  const int checkpoint_frames_;
  std::mutex checkpoint_mu_;
  std::unique_ptr<Connection> checkpointer_;
  int schema_version_;
};

// Opens (creating if needed) the database at `path` and applies pending migrations.
Result<std::unique_ptr<Database>> open_database(const std::string& path, const SqliteOptions& options = {});

}  // namespace brainstem::store::sqlite
