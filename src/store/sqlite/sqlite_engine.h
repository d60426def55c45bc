// The SQLite engine of the store interfaces: each call runs the database's synchronous method
// (sqlite_store_impl.h) on the engine's own threads and resumes the caller on its executor.
// What the database knows without a read (which sessions may have turns, which customers may
// have facts) answers recall at once, with no trip to those threads. Private to store/sqlite.
#pragma once

#include "common/offload.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_store_impl.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace brainstem::store::sqlite {

class SqliteEngine final : public Store {
 public:
  SqliteEngine(std::unique_ptr<Database> db, const SqliteOptions& options);
  ~SqliteEngine() override;

  // --- accounts and keys (account_store.h)
  Async<Status> create_signup(const Tenant& tenant, const User& user) override;
  Async<Status> create_tenant(const Tenant& tenant, const std::string& owner_user_id) override;
  Async<Result<Tenant>> get_tenant(const std::string& id) override;
  Async<Result<Tenant>> get_tenant_by_slug(const std::string& slug) override;
  Async<Status> rename_tenant(const std::string& id, const std::string& name) override;
  Async<Result<User>> get_user(const std::string& id) override;
  Async<Result<User>> get_user_by_email(const std::string& email) override;
  Async<Result<User>> verify_email(const std::string& token_hash) override;
  Async<Status> add_member(const std::string& tenant_id, const std::string& user_id, const std::string& role) override;
  Async<Result<std::string>> member_role(const std::string& tenant_id, const std::string& user_id) override;
  Async<Result<std::vector<Member>>> list_members(const std::string& tenant_id) override;
  Async<Result<std::vector<std::pair<Tenant, std::string>>>> list_user_tenants(const std::string& user_id) override;
  Async<Status> create_api_key(const ApiKey& key) override;
  Async<Result<ApiKey>> get_api_key_by_hash(const std::string& key_hash) override;
  Async<Result<std::vector<ApiKey>>> list_api_keys(const std::string& tenant_id) override;
  Async<Status> revoke_api_key(const std::string& tenant_id, const std::string& key_id, int64_t at_ms) override;
  Async<Status> touch_api_keys(const std::vector<std::pair<std::string, int64_t>>& key_id_and_ms) override;
  // --- audit chain (audit_store.h)
  Async<Result<AuditEntry>> append_audit(AuditEntry entry, const std::function<std::string(const AuditEntry&)>& seal) override;
  Async<Result<std::vector<AuditEntry>>> query_audit(const AuditQuery& query) override;
  Async<Status> scan_audit(const std::string& tenant_id, const std::function<bool(const AuditEntry&)>& visit) override;
  Async<Result<AuditHead>> audit_head(const std::string& tenant_id) override;
  // --- agents, customers, conversations, facts, cache (conversation_store.h)
  Async<Status> create_agent(const Agent& agent) override;
  Async<Result<Agent>> get_agent(const std::string& tenant_id, const std::string& id) override;
  Async<Result<Agent>> find_agent(const std::string& id) override;
  Async<Result<std::vector<Agent>>> list_agents(const std::string& tenant_id) override;
  Async<Result<Agent>> update_agent(const Agent& agent) override;
  Async<Status> delete_agent(const std::string& tenant_id, const std::string& id) override;
  Async<Result<Customer>> upsert_customer(const Customer& customer) override;
  Async<Result<Customer>> get_customer(const std::string& tenant_id, const std::string& id) override;
  Async<Result<std::vector<Turn>>> append_turns(std::vector<Turn> turns) override;
  Async<Result<std::vector<Turn>>> recent_turns(const std::string& tenant_id, const std::string& agent_id, const std::string& session_id, int limit) override;
  Async<Result<Session>> get_session(const std::string& tenant_id, const std::string& agent_id, const std::string& session_id) override;
  Async<Result<std::vector<Session>>> list_sessions(const std::string& tenant_id, const std::string& agent_id, int limit) override;
  Async<std::vector<Status>> record_conversations(const std::vector<ConversationRecord>& records) override;
  Async<Result<Turn>> append_turn_within_budget(Turn turn, int64_t token_budget,
                                                std::vector<MemoryEntity> alongside) override;
  Async<Result<Turn>> get_turn(const std::string& tenant_id, const std::string& id) override;
  Async<Result<std::vector<Turn>>> get_turns(const std::string& tenant_id, const std::vector<std::string>& ids) override;
  Async<Result<std::vector<Turn>>> session_turns(const std::string& tenant_id, const std::string& session_id) override;
  Async<Result<int64_t>> session_tokens(const std::string& tenant_id, const std::string& session_id) override;
  Async<Result<MemoryFact>> save_fact(const MemoryFact& fact) override;
  Async<Result<std::vector<MemoryFact>>> list_facts(const std::string& tenant_id, const std::string& customer_id, const std::string& agent_id) override;
  Async<Result<std::vector<MemoryFact>>> fact_history(const std::string& tenant_id,
                                                      const std::string& customer_id) override;
  Async<Result<Recall>> recall(const RecallQuery& query) override;
  Async<Status> delete_fact(const std::string& tenant_id, const std::string& fact_id) override;
  Async<Status> put_cache_entry(const CacheEntry& entry) override;
  Async<Status> scan_cache_entries(const std::function<bool(const CacheEntry&)>& visit) override;
  Async<Status> scan_turns(const std::function<bool(const Turn&)>& visit) override;
  Async<Result<int64_t>> delete_cache_entries(const std::string& tenant_id, const std::string& agent_id) override;
  // --- CELLSTATE memory entities (memory_store.h)
  Async<Result<MemoryEntity>> create_memory_entity(MemoryEntity entity) override;
  Async<Result<std::vector<MemoryEntity>>> create_memory_entities(std::vector<MemoryEntity> entities) override;
  Async<Result<MemoryEntity>> get_memory_entity(const std::string& tenant_id, const std::string& kind, const std::string& id) override;
  Async<Result<MemoryEntityPage>> list_memory_entities(const MemoryEntityQuery& query) override;
  Async<Result<MemoryEntity>> update_memory_entity(MemoryEntity entity) override;
  Async<Status> delete_memory_entity(const std::string& tenant_id, const std::string& kind, const std::string& id) override;
  Async<Result<MemoryEntity>> acquire_memory_lock(MemoryEntity lock, int64_t now_ms) override;
  Async<Result<std::vector<MemoryEntity>>> delete_expired_memory_entities(int64_t now_ms, int limit) override;
  Async<Status> scan_memory_entities(const std::string& kind, const std::function<bool(const MemoryEntity&)>& visit) override;
  // --- knowledge (knowledge_store.h)
  Async<Status> create_knowledge_source(const KnowledgeSource& source) override;
  Async<Result<KnowledgeSource>> get_knowledge_source(const std::string& tenant_id, const std::string& id) override;
  Async<Result<std::vector<KnowledgeSource>>> list_knowledge_sources(const std::string& tenant_id) override;
  Async<Status> set_knowledge_source_status(const std::string& tenant_id, const std::string& id, const std::string& status, const std::string& error) override;
  Async<Result<std::vector<KnowledgeChunk>>> replace_knowledge_chunks(const KnowledgeIngestion& ingestion) override;
  Async<Status> delete_knowledge_source(const std::string& tenant_id, const std::string& id) override;
  Async<Result<std::vector<KnowledgeChunk>>> list_knowledge_chunks(const std::string& tenant_id, const std::string& source_id) override;
  Async<Status> scan_knowledge_chunks(const std::function<bool(const KnowledgeChunk&)>& visit) override;
  Async<Result<int64_t>> fail_interrupted_ingestions(int64_t now_ms) override;
  // --- outbox (outbox_store.h)
  Async<Status> create_webhook(const Webhook& webhook) override;
  Async<Result<std::vector<Webhook>>> list_webhooks(const std::string& tenant_id) override;
  Async<Result<Webhook>> get_webhook(const std::string& tenant_id, const std::string& id) override;
  Async<Status> delete_webhook(const std::string& tenant_id, const std::string& id) override;
  Async<Status> enqueue_deliveries(const std::vector<WebhookDelivery>& deliveries) override;
  Async<Result<std::vector<WebhookDelivery>>> claim_deliveries(int64_t now_ms, int64_t lease_ms, int limit) override;
  Async<Status> update_delivery(const WebhookDelivery& delivery) override;
  Async<Result<std::vector<WebhookDelivery>>> list_deliveries(const std::string& tenant_id, const std::string& webhook_id, int limit) override;
  // --- orchestration (orchestration_store.h)
  Async<Status> create_workflow(const Workflow& workflow) override;
  Async<Result<Workflow>> get_workflow(const std::string& tenant_id, const std::string& id) override;
  Async<Result<std::vector<Workflow>>> list_workflows(const std::string& tenant_id) override;
  Async<Result<Workflow>> update_workflow(const Workflow& workflow) override;
  Async<Status> delete_workflow(const std::string& tenant_id, const std::string& id) override;
  Async<Status> create_run(const Run& run, const std::vector<RunEvent>& events) override;
  Async<Result<Run>> get_run(const std::string& tenant_id, const std::string& id) override;
  Async<Result<std::vector<Run>>> list_runs(const std::string& tenant_id, int limit) override;
  Async<Result<Run>> save_run(const Run& run, const std::vector<RunEvent>& events) override;
  Async<Result<std::vector<Run>>> claim_runs(const std::string& owner, int64_t now_ms, int64_t lease_ms, int limit) override;
  Async<Status> renew_run_lease(const std::string& tenant_id, const std::string& run_id, const std::string& owner, int64_t until_ms) override;
  Async<Status> record_steps(const std::vector<RunStep>& steps, const std::vector<RunEvent>& events,
                             const std::string& owner) override;
  Async<Result<std::vector<RunStep>>> run_steps(const std::string& tenant_id, const std::string& run_id) override;
  Async<Result<std::vector<RunEvent>>> run_events(const std::string& tenant_id, const std::string& run_id, int64_t after_seq, int limit) override;
  // --- usage (usage_store.h)
  Async<Status> record_usage(const std::vector<UsageRecord>& records) override;
  Async<Result<std::vector<UsageRow>>> usage_summary(const UsageQuery& query) override;
  Async<Result<double>> usage_cost(const std::string& tenant_id, int64_t from_ms, int64_t to_ms) override;
  // --- settings (settings_store.h)
  Async<Result<std::string>> setting_or_init(const std::string& key, const std::string& value) override;
  // --- engine (store_engine.h)
  Async<Status> ping() override;
  Async<Status> checkpoint() override;
  int schema_version() override;
  std::string engine_name() const override;

 private:
  // Runs `work`, a method that only reads, on the engine's threads. A full queue answers
  // kUnavailable at once.
  template <class Work>
  Async<std::invoke_result_t<Work&>> call(Work work) {
    Status busy;
    try {
      co_return co_await pool_.run(std::move(work));
    } catch (const StatusError& e) {
      busy = e.status;
    }
    co_return failed<std::invoke_result_t<Work&>>(busy);
  }

  // Runs `work`, a method that writes, on the writer thread as one write of a group commit
  // (group_commit.h): committed with the writes queued beside it, or rolled back alone.
  template <class Work>
  Async<std::invoke_result_t<Work&>> write_call(Work work) {
    using R = std::invoke_result_t<Work&>;
    std::optional<R> result;
    QueuedWrite queued{.apply = [&](Connection&) {
                         try {
                           result.emplace(work());
                         } catch (const std::exception& e) {
                           result.emplace(failed<R>(Status::internal(std::string("store write failed: ") + e.what())));
                         }
                         return succeeded(*result);
                       },
                       .fail = [&](Status why) { result.emplace(failed<R>(std::move(why))); }};
    auto initiate = [&](auto handler) {
      auto resume = std::make_shared<decltype(handler)>(std::move(handler));
      queued.done = [resume] { boost::asio::post(std::move(*resume)); };
      db_->committer().submit(queued);
    };
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void()>(initiate,
                                                                                      boost::asio::use_awaitable);
    co_return std::move(*result);
  }

  // What a call that could not run answers: conversation records answer one status for all.
  template <class R>
  static R failed(Status why) {
    if constexpr (std::is_same_v<R, std::vector<Status>>) return R{std::move(why)};
    else return R(std::move(why));
  }

  std::unique_ptr<Database> db_;
  BlockingPool pool_;
};

}  // namespace brainstem::store::sqlite
