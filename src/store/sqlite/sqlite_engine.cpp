#include "store/sqlite/sqlite_engine.h"

namespace brainstem::store::sqlite {

SqliteEngine::SqliteEngine(std::unique_ptr<Database> db, const SqliteOptions& options)
    : db_(std::move(db)), pool_(options.threads, options.max_queued) {}

// Waits for the calls still running before the database closes.
SqliteEngine::~SqliteEngine() { pool_.stop(); }

Async<Status> SqliteEngine::create_signup(const Tenant& tenant, const User& user) {
  co_return co_await write_call([&] { return db_->create_signup(tenant, user); });
}

Async<Status> SqliteEngine::create_tenant(const Tenant& tenant, const std::string& owner_user_id) {
  co_return co_await write_call([&] { return db_->create_tenant(tenant, owner_user_id); });
}

Async<Result<Tenant>> SqliteEngine::get_tenant(const std::string& id) {
  co_return co_await call([&] { return db_->get_tenant(id); });
}

Async<Result<Tenant>> SqliteEngine::get_tenant_by_slug(const std::string& slug) {
  co_return co_await call([&] { return db_->get_tenant_by_slug(slug); });
}

Async<Status> SqliteEngine::rename_tenant(const std::string& id, const std::string& name) {
  co_return co_await write_call([&] { return db_->rename_tenant(id, name); });
}

Async<Result<User>> SqliteEngine::get_user(const std::string& id) {
  co_return co_await call([&] { return db_->get_user(id); });
}

Async<Result<User>> SqliteEngine::get_user_by_email(const std::string& email) {
  co_return co_await call([&] { return db_->get_user_by_email(email); });
}

Async<Result<User>> SqliteEngine::verify_email(const std::string& token_hash) {
  co_return co_await write_call([&] { return db_->verify_email(token_hash); });
}

Async<Status> SqliteEngine::add_member(const std::string& tenant_id, const std::string& user_id, const std::string& role) {
  co_return co_await write_call([&] { return db_->add_member(tenant_id, user_id, role); });
}

Async<Result<std::string>> SqliteEngine::member_role(const std::string& tenant_id, const std::string& user_id) {
  co_return co_await call([&] { return db_->member_role(tenant_id, user_id); });
}

Async<Result<std::vector<Member>>> SqliteEngine::list_members(const std::string& tenant_id) {
  co_return co_await call([&] { return db_->list_members(tenant_id); });
}

Async<Result<std::vector<std::pair<Tenant, std::string>>>> SqliteEngine::list_user_tenants(const std::string& user_id) {
  co_return co_await call([&] { return db_->list_user_tenants(user_id); });
}

Async<Status> SqliteEngine::create_api_key(const ApiKey& key) {
  co_return co_await write_call([&] { return db_->create_api_key(key); });
}

Async<Result<ApiKey>> SqliteEngine::get_api_key_by_hash(const std::string& key_hash) {
  co_return co_await call([&] { return db_->get_api_key_by_hash(key_hash); });
}

Async<Result<std::vector<ApiKey>>> SqliteEngine::list_api_keys(const std::string& tenant_id) {
  co_return co_await call([&] { return db_->list_api_keys(tenant_id); });
}

Async<Status> SqliteEngine::revoke_api_key(const std::string& tenant_id, const std::string& key_id, int64_t at_ms) {
  co_return co_await write_call([&] { return db_->revoke_api_key(tenant_id, key_id, at_ms); });
}

Async<Status> SqliteEngine::touch_api_keys(const std::vector<std::pair<std::string, int64_t>>& key_id_and_ms) {
  co_return co_await write_call([&] { return db_->touch_api_keys(key_id_and_ms); });
}

Async<Result<AuditEntry>> SqliteEngine::append_audit(AuditEntry entry, const std::function<std::string(const AuditEntry&)>& seal) {
  co_return co_await write_call([&] { return db_->append_audit(std::move(entry), seal); });
}

Async<Result<std::vector<AuditEntry>>> SqliteEngine::query_audit(const AuditQuery& query) {
  co_return co_await call([&] { return db_->query_audit(query); });
}

Async<Status> SqliteEngine::scan_audit(const std::string& tenant_id, const std::function<bool(const AuditEntry&)>& visit) {
  co_return co_await call([&] { return db_->scan_audit(tenant_id, visit); });
}

Async<Result<AuditHead>> SqliteEngine::audit_head(const std::string& tenant_id) {
  co_return co_await call([&] { return db_->audit_head(tenant_id); });
}

Async<Status> SqliteEngine::create_agent(const Agent& agent) {
  co_return co_await write_call([&] { return db_->create_agent(agent); });
}

Async<Result<Agent>> SqliteEngine::get_agent(const std::string& tenant_id, const std::string& id) {
  co_return co_await call([&] { return db_->get_agent(tenant_id, id); });
}

Async<Result<Agent>> SqliteEngine::find_agent(const std::string& id) {
  co_return co_await call([&] { return db_->find_agent(id); });
}

Async<Result<std::vector<Agent>>> SqliteEngine::list_agents(const std::string& tenant_id) {
  co_return co_await call([&] { return db_->list_agents(tenant_id); });
}

Async<Result<Agent>> SqliteEngine::update_agent(const Agent& agent) {
  co_return co_await write_call([&] { return db_->update_agent(agent); });
}

Async<Status> SqliteEngine::delete_agent(const std::string& tenant_id, const std::string& id) {
  co_return co_await write_call([&] { return db_->delete_agent(tenant_id, id); });
}

Async<Result<Customer>> SqliteEngine::upsert_customer(const Customer& customer) {
  co_return co_await write_call([&] { return db_->upsert_customer(customer); });
}

Async<Result<Customer>> SqliteEngine::get_customer(const std::string& tenant_id, const std::string& id) {
  co_return co_await call([&] { return db_->get_customer(tenant_id, id); });
}

Async<Result<std::vector<Turn>>> SqliteEngine::append_turns(std::vector<Turn> turns) {
  co_return co_await write_call([&] { return db_->append_turns(std::move(turns)); });
}

Async<Result<Session>> SqliteEngine::get_session(const std::string& tenant_id, const std::string& agent_id, const std::string& session_id) {
  co_return co_await call([&] { return db_->get_session(tenant_id, agent_id, session_id); });
}

Async<Result<std::vector<Session>>> SqliteEngine::list_sessions(const std::string& tenant_id, const std::string& agent_id, int limit) {
  co_return co_await call([&] { return db_->list_sessions(tenant_id, agent_id, limit); });
}

Async<Result<Turn>> SqliteEngine::append_turn_within_budget(Turn turn, int64_t token_budget,
                                                           std::vector<MemoryEntity> alongside) {
  co_return co_await write_call(
      [&] { return db_->append_turn_within_budget(std::move(turn), token_budget, std::move(alongside)); });
}

Async<Result<Turn>> SqliteEngine::get_turn(const std::string& tenant_id, const std::string& id) {
  co_return co_await call([&] { return db_->get_turn(tenant_id, id); });
}

Async<Result<std::vector<Turn>>> SqliteEngine::get_turns(const std::string& tenant_id, const std::vector<std::string>& ids) {
  co_return co_await call([&] { return db_->get_turns(tenant_id, ids); });
}

Async<Result<std::vector<Turn>>> SqliteEngine::session_turns(const std::string& tenant_id, const std::string& session_id) {
  co_return co_await call([&] { return db_->session_turns(tenant_id, session_id); });
}

Async<Result<int64_t>> SqliteEngine::session_tokens(const std::string& tenant_id, const std::string& session_id) {
  co_return co_await call([&] { return db_->session_tokens(tenant_id, session_id); });
}

Async<Result<MemoryFact>> SqliteEngine::save_fact(const MemoryFact& fact) {
  co_return co_await write_call([&] { return db_->save_fact(fact); });
}

Async<Status> SqliteEngine::delete_fact(const std::string& tenant_id, const std::string& fact_id) {
  co_return co_await write_call([&] { return db_->delete_fact(tenant_id, fact_id); });
}

Async<Status> SqliteEngine::put_cache_entry(const CacheEntry& entry) {
  co_return co_await write_call([&] { return db_->put_cache_entry(entry); });
}

Async<Status> SqliteEngine::scan_cache_entries(const std::function<bool(const CacheEntry&)>& visit) {
  co_return co_await call([&] { return db_->scan_cache_entries(visit); });
}

Async<Status> SqliteEngine::scan_turns(const std::function<bool(const Turn&)>& visit) {
  co_return co_await call([&] { return db_->scan_turns(visit); });
}

Async<Result<int64_t>> SqliteEngine::delete_cache_entries(const std::string& tenant_id, const std::string& agent_id) {
  co_return co_await write_call([&] { return db_->delete_cache_entries(tenant_id, agent_id); });
}

Async<Result<MemoryEntity>> SqliteEngine::create_memory_entity(MemoryEntity entity) {
  co_return co_await write_call([&] { return db_->create_memory_entity(std::move(entity)); });
}

Async<Result<std::vector<MemoryEntity>>> SqliteEngine::create_memory_entities(std::vector<MemoryEntity> entities) {
  co_return co_await write_call([&] { return db_->create_memory_entities(std::move(entities)); });
}

Async<Result<MemoryEntity>> SqliteEngine::get_memory_entity(const std::string& tenant_id, const std::string& kind, const std::string& id) {
  co_return co_await call([&] { return db_->get_memory_entity(tenant_id, kind, id); });
}

Async<Result<MemoryEntityPage>> SqliteEngine::list_memory_entities(const MemoryEntityQuery& query) {
  co_return co_await call([&] { return db_->list_memory_entities(query); });
}

Async<Result<MemoryEntity>> SqliteEngine::update_memory_entity(MemoryEntity entity) {
  co_return co_await write_call([&] { return db_->update_memory_entity(std::move(entity)); });
}

Async<Status> SqliteEngine::delete_memory_entity(const std::string& tenant_id, const std::string& kind, const std::string& id) {
  co_return co_await write_call([&] { return db_->delete_memory_entity(tenant_id, kind, id); });
}

Async<Result<MemoryEntity>> SqliteEngine::acquire_memory_lock(MemoryEntity lock, int64_t now_ms) {
  co_return co_await write_call([&] { return db_->acquire_memory_lock(std::move(lock), now_ms); });
}

Async<Result<std::vector<MemoryEntity>>> SqliteEngine::delete_expired_memory_entities(int64_t now_ms, int limit) {
  co_return co_await write_call([&] { return db_->delete_expired_memory_entities(now_ms, limit); });
}

Async<Status> SqliteEngine::scan_memory_entities(const std::string& kind, const std::function<bool(const MemoryEntity&)>& visit) {
  co_return co_await call([&] { return db_->scan_memory_entities(kind, visit); });
}

Async<Status> SqliteEngine::create_knowledge_source(const KnowledgeSource& source) {
  co_return co_await write_call([&] { return db_->create_knowledge_source(source); });
}

Async<Result<KnowledgeSource>> SqliteEngine::get_knowledge_source(const std::string& tenant_id, const std::string& id) {
  co_return co_await call([&] { return db_->get_knowledge_source(tenant_id, id); });
}

Async<Result<std::vector<KnowledgeSource>>> SqliteEngine::list_knowledge_sources(const std::string& tenant_id) {
  co_return co_await call([&] { return db_->list_knowledge_sources(tenant_id); });
}

Async<Status> SqliteEngine::set_knowledge_source_status(const std::string& tenant_id, const std::string& id, const std::string& status, const std::string& error) {
  co_return co_await write_call([&] { return db_->set_knowledge_source_status(tenant_id, id, status, error); });
}

Async<Result<std::vector<KnowledgeChunk>>> SqliteEngine::replace_knowledge_chunks(const KnowledgeIngestion& ingestion) {
  co_return co_await write_call([&] { return db_->replace_knowledge_chunks(ingestion); });
}

Async<Status> SqliteEngine::delete_knowledge_source(const std::string& tenant_id, const std::string& id) {
  co_return co_await write_call([&] { return db_->delete_knowledge_source(tenant_id, id); });
}

Async<Result<std::vector<KnowledgeChunk>>> SqliteEngine::list_knowledge_chunks(const std::string& tenant_id, const std::string& source_id) {
  co_return co_await call([&] { return db_->list_knowledge_chunks(tenant_id, source_id); });
}

Async<Status> SqliteEngine::scan_knowledge_chunks(const std::function<bool(const KnowledgeChunk&)>& visit) {
  co_return co_await call([&] { return db_->scan_knowledge_chunks(visit); });
}

Async<Result<int64_t>> SqliteEngine::fail_interrupted_ingestions(int64_t now_ms) {
  co_return co_await write_call([&] { return db_->fail_interrupted_ingestions(now_ms); });
}

Async<Status> SqliteEngine::create_webhook(const Webhook& webhook) {
  co_return co_await write_call([&] { return db_->create_webhook(webhook); });
}

Async<Result<std::vector<Webhook>>> SqliteEngine::list_webhooks(const std::string& tenant_id) {
  co_return co_await call([&] { return db_->list_webhooks(tenant_id); });
}

Async<Result<Webhook>> SqliteEngine::get_webhook(const std::string& tenant_id, const std::string& id) {
  co_return co_await call([&] { return db_->get_webhook(tenant_id, id); });
}

Async<Status> SqliteEngine::delete_webhook(const std::string& tenant_id, const std::string& id) {
  co_return co_await write_call([&] { return db_->delete_webhook(tenant_id, id); });
}

Async<Status> SqliteEngine::enqueue_deliveries(const std::vector<WebhookDelivery>& deliveries) {
  co_return co_await write_call([&] { return db_->enqueue_deliveries(deliveries); });
}

Async<Result<std::vector<WebhookDelivery>>> SqliteEngine::claim_deliveries(int64_t now_ms, int64_t lease_ms, int limit) {
  co_return co_await write_call([&] { return db_->claim_deliveries(now_ms, lease_ms, limit); });
}

Async<Status> SqliteEngine::update_delivery(const WebhookDelivery& delivery) {
  co_return co_await write_call([&] { return db_->update_delivery(delivery); });
}

Async<Result<std::vector<WebhookDelivery>>> SqliteEngine::list_deliveries(const std::string& tenant_id, const std::string& webhook_id, int limit) {
  co_return co_await call([&] { return db_->list_deliveries(tenant_id, webhook_id, limit); });
}

Async<Status> SqliteEngine::create_workflow(const Workflow& workflow) {
  co_return co_await write_call([&] { return db_->create_workflow(workflow); });
}

Async<Result<Workflow>> SqliteEngine::get_workflow(const std::string& tenant_id, const std::string& id) {
  co_return co_await call([&] { return db_->get_workflow(tenant_id, id); });
}

Async<Result<std::vector<Workflow>>> SqliteEngine::list_workflows(const std::string& tenant_id) {
  co_return co_await call([&] { return db_->list_workflows(tenant_id); });
}

Async<Result<Workflow>> SqliteEngine::update_workflow(const Workflow& workflow) {
  co_return co_await write_call([&] { return db_->update_workflow(workflow); });
}

Async<Status> SqliteEngine::delete_workflow(const std::string& tenant_id, const std::string& id) {
  co_return co_await write_call([&] { return db_->delete_workflow(tenant_id, id); });
}

Async<Status> SqliteEngine::create_run(const Run& run, const std::vector<RunEvent>& events) {
  co_return co_await write_call([&] { return db_->create_run(run, events); });
}

Async<Result<Run>> SqliteEngine::get_run(const std::string& tenant_id, const std::string& id) {
  co_return co_await call([&] { return db_->get_run(tenant_id, id); });
}

Async<Result<std::vector<Run>>> SqliteEngine::list_runs(const std::string& tenant_id, int limit) {
  co_return co_await call([&] { return db_->list_runs(tenant_id, limit); });
}

Async<Result<Run>> SqliteEngine::save_run(const Run& run, const std::vector<RunEvent>& events) {
  co_return co_await write_call([&] { return db_->save_run(run, events); });
}

Async<Result<std::vector<Run>>> SqliteEngine::claim_runs(const std::string& owner, int64_t now_ms, int64_t lease_ms, int limit) {
  co_return co_await write_call([&] { return db_->claim_runs(owner, now_ms, lease_ms, limit); });
}

Async<Status> SqliteEngine::renew_run_lease(const std::string& tenant_id, const std::string& run_id, const std::string& owner, int64_t until_ms) {
  co_return co_await write_call([&] { return db_->renew_run_lease(tenant_id, run_id, owner, until_ms); });
}

Async<Status> SqliteEngine::record_steps(const std::vector<RunStep>& steps, const std::vector<RunEvent>& events,
                                         const std::string& owner) {
  co_return co_await write_call([&] { return db_->record_steps(steps, events, owner); });
}

Async<Result<std::vector<RunStep>>> SqliteEngine::run_steps(const std::string& tenant_id, const std::string& run_id) {
  co_return co_await call([&] { return db_->run_steps(tenant_id, run_id); });
}

Async<Result<std::vector<RunEvent>>> SqliteEngine::run_events(const std::string& tenant_id, const std::string& run_id, int64_t after_seq, int limit) {
  co_return co_await call([&] { return db_->run_events(tenant_id, run_id, after_seq, limit); });
}

Async<Status> SqliteEngine::record_usage(const std::vector<UsageRecord>& records) {
  co_return co_await write_call([&] { return db_->record_usage(records); });
}

Async<Result<std::vector<UsageRow>>> SqliteEngine::usage_summary(const UsageQuery& query) {
  co_return co_await call([&] { return db_->usage_summary(query); });
}

Async<Result<double>> SqliteEngine::usage_cost(const std::string& tenant_id, int64_t from_ms, int64_t to_ms) {
  co_return co_await call([&] { return db_->usage_cost(tenant_id, from_ms, to_ms); });
}

Async<Result<std::string>> SqliteEngine::setting_or_init(const std::string& key, const std::string& value) {
  co_return co_await write_call([&] { return db_->setting_or_init(key, value); });
}

Async<Result<std::vector<Turn>>> SqliteEngine::recent_turns(const std::string& tenant_id, const std::string& agent_id,
                                                         const std::string& session_id, int limit) {
  if (!db_->may_have_turns(tenant_id, agent_id, session_id)) co_return std::vector<Turn>{};
  co_return co_await call([&] { return db_->recent_turns(tenant_id, agent_id, session_id, limit); });
}

Async<Result<std::vector<MemoryFact>>> SqliteEngine::list_facts(const std::string& tenant_id,
                                                             const std::string& customer_id,
                                                             const std::string& agent_id) {
  if (!db_->may_have_facts(tenant_id, customer_id)) co_return std::vector<MemoryFact>{};
  co_return co_await call([&] { return db_->list_facts(tenant_id, customer_id, agent_id); });
}

Async<Result<std::vector<MemoryFact>>> SqliteEngine::fact_history(const std::string& tenant_id,
                                                                  const std::string& customer_id) {
  co_return co_await call([&] { return db_->fact_history(tenant_id, customer_id); });
}

Async<Result<Recall>> SqliteEngine::recall(const RecallQuery& q) {
  const bool wants_turns = !q.session_id.empty() && q.turns > 0 && db_->may_have_turns(q.tenant_id, q.agent_id, q.session_id);
  const bool wants_facts = !q.customer_id.empty() && db_->may_have_facts(q.tenant_id, q.customer_id);
  if (!wants_turns && !wants_facts) co_return Recall{};
  co_return co_await call([&]() -> Result<Recall> {
    Recall recall;
    if (wants_turns) {
      auto turns = db_->recent_turns(q.tenant_id, q.agent_id, q.session_id, q.turns);
      if (!turns.ok()) return turns.status();
      recall.turns = std::move(turns).value();
    }
    if (wants_facts) {
      auto facts = db_->list_facts(q.tenant_id, q.customer_id, q.agent_id);
      if (!facts.ok()) return facts.status();
      recall.facts = std::move(facts).value();
    }
    return recall;
  });
}

Async<std::vector<Status>> SqliteEngine::record_conversations(const std::vector<ConversationRecord>& records) {
  std::vector<Status> statuses = co_await write_call([&] { return db_->record_conversations(records); });
  // Refused as busy, `call` answers one status: it is every record's.
  if (statuses.size() == 1 && records.size() != 1) statuses.assign(records.size(), statuses.front());
  co_return statuses;
}

Async<Status> SqliteEngine::ping() {
  co_return co_await call([&] { return db_->ping(); });
}

Async<Status> SqliteEngine::checkpoint() {
  co_return co_await call([&] { return db_->checkpoint(); });
}

int SqliteEngine::schema_version() { return db_->schema_version(); }

std::string SqliteEngine::engine_name() const { return "sqlite"; }

}  // namespace brainstem::store::sqlite

namespace brainstem::store {

Result<std::unique_ptr<Store>> open_sqlite(const std::string& path, const SqliteOptions& options) {
  auto database = sqlite::open_database(path, options);
  if (!database.ok()) return database.status();
  return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteEngine>(std::move(database).value(), options));
}

}  // namespace brainstem::store
