// The store: every durable record of brainstem goes through this interface.
//
// Thread-safety: a Store is safe to call from any number of threads at once.
// Blocking: every method may block on disk or network; coroutines call it through
// common/offload.h so no I/O thread waits on it.
// Errors: kNotFound when a record is absent (or belongs to another tenant: callers cannot tell
// the two apart), kConflict on a uniqueness violation, kUnavailable when the engine cannot
// serve now (locked, disk full, too many queued operations), kInternal otherwise.
// Durability: a method that returned OK has committed; a process crash afterwards loses nothing.
// Engines: SQLite (store/sqlite) is the embedded default; no engine type appears here.
#pragma once

#include "common/status.h"

#include <cstdint>
#include <climits>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::store {

struct Tenant {
  std::string id;    // uuid; also a Cortex company_id and a Cendriix workspace id
  std::string slug;  // unique, [a-z0-9-]
  std::string name;
  std::string plan = "starter";
  int64_t created_at = 0;  // unix ms
};

struct User {
  std::string id;  // "usr_..."
  std::string email;  // stored lower-case; unique
  std::string name;
  std::string password_hash;  // argon2id encoded string; empty for users who cannot log in
  bool email_verified = false;
  std::string verify_token_hash;  // sha256 of the pending verification token, or empty
  int64_t created_at = 0;
};

struct Member {
  std::string tenant_id;
  std::string user_id;
  std::string email;
  std::string name;
  std::string role;  // owner | admin | member | viewer
  int64_t joined_at = 0;
};

struct ApiKey {
  std::string id;  // "key_..."
  std::string tenant_id;
  std::string name;
  std::string prefix;    // the visible start of the key, e.g. "sk_live_4qArx8L2"
  std::string key_hash;  // sha256 hex of the full key; unique
  std::vector<std::string> scopes;           // {"*"} = all
  std::string agent_id;                      // empty = any agent
  std::string identity_mode = "identified";  // anonymous | identified | required
  std::vector<std::string> allowed_origins;  // empty = server-to-server only
  std::optional<int64_t> expires_at;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
  std::string created_by;  // user id, or "cli"
  int64_t created_at = 0;
};

struct AuditEntry {
  int64_t seq = 0;  // position in the tenant's chain, from 1
  std::string id;   // "aud_..."
  std::string tenant_id;
  int64_t timestamp = 0;  // unix ms
  std::string actor;      // user id, key id, or "system"
  std::string event_type;
  std::string payload;  // JSON text
  std::string prev_hash;
  std::string hash;
};

struct AuditQuery {
  std::string tenant_id;
  std::optional<std::string> actor;
  std::optional<std::string> event_type;
  std::optional<int64_t> from_ms, to_ms;
  std::optional<int64_t> after_seq;  // cursor: entries with seq > after_seq
  int limit = 50;
};

// The tenant's chain head, kept beside the entries so that deleting the newest rows is
// detected too.
struct AuditHead {
  int64_t count = 0;
  std::string hash;
};

// An agent (a Cerebral, a Cortex agent). Its full configuration (personality, prompts, FAQs,
// actions, model policy, ...) is one JSON document the pipeline parses (pipeline/agent_config.h);
// the store keeps it whole and indexes only what it looks up by.
struct Agent {
  std::string id;  // uuid
  std::string tenant_id;
  std::string name;
  std::string status = "active";  // draft | active | paused
  std::string config;             // JSON object text
  int64_t version = 1;            // +1 on every update; caches compare it
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A customer of a tenant (seed 000). `id` is the tenant's own identifier when it gave one
// ("cust_8f2a"), otherwise generated; unique within the tenant.
struct Customer {
  std::string id;
  std::string tenant_id;
  std::string email;  // lower-case, or empty
  std::string phone;  // E.164, or empty
  std::string name;
  std::string external_id;
  std::vector<std::string> tags;
  std::string metadata = "{}";  // JSON object text
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One conversation of one agent: a Cerebral session_id, a Cortex conversation_id, a
// Cendriix conversation. The same id under two agents is two sessions.
struct Session {
  std::string tenant_id;
  std::string agent_id;
  std::string id;
  std::string customer_id;  // the customer of the first turn, or empty
  std::string title;
  int64_t turn_count = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One message of a session, stored once.
struct Turn {
  std::string id;  // "turn_..."
  std::string tenant_id;
  std::string agent_id;
  std::string session_id;
  int64_t seq = 0;    // position in the session, from 1; assigned by append_turns
  std::string role;   // user | assistant | tool | system
  std::string content;
  std::string customer_id;
  int64_t tokens = 0;
  std::string metadata = "{}";  // JSON object text
  int64_t created_at = 0;
  std::string tool_calls;    // JSON text, or empty when the turn made none
  std::string tool_results;  // JSON text, or empty
};

// A CELLSTATE memory entity (trajectory, scope, artifact, note, registered agent, lock,
// message, delegation, handoff, edge, event, ...): its JSON body, plus the keys it is looked
// up by. What parent, owner, status and type mean for each kind is memory/'s business.
struct MemoryEntity {
  int64_t seq = 0;  // assigned by the store, never reused, unique across tenants: indexes key on it
  std::string tenant_id;
  std::string kind;
  std::string id;
  std::string parent_id;
  std::string owner_id;
  std::string status;
  std::string type;
  std::string body = "{}";  // JSON object text
  std::string embedding_model;   // empty: not embedded
  std::vector<float> embedding;
  int64_t version = 1;  // +1 on every update; an update names the version it read
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> expires_at;  // unix ms; nullopt: never
};

struct MemoryEntityQuery {
  std::string tenant_id;
  std::string kind;
  std::optional<std::string> parent_id, owner_id, status, type;
  // Body fields that must equal a text value ("$.priority" = "high"), or be null or absent.
  std::vector<std::pair<std::string, std::string>> body_equals;
  std::vector<std::string> body_null;
  // Body arrays that must contain a text value ("$.source_trajectory_ids" holds "t1").
  std::vector<std::pair<std::string, std::string>> body_contains;
  std::optional<int64_t> created_after, created_before;  // exclusive bounds, unix ms
  int64_t live_at = 0;  // when non-zero, entities expired at this time are left out
  int64_t limit = 100;
  int64_t offset = 0;
  bool newest_first = true;
};

struct MemoryEntityPage {
  std::vector<MemoryEntity> items;
  int64_t total = 0;  // matches before limit and offset
};

// A fact about a customer (Cortex memory), optionally scoped to one agent.
struct MemoryFact {
  std::string id;  // uuid
  std::string tenant_id;
  std::string customer_id;
  std::string agent_id;  // empty: every agent of the tenant sees it
  std::string fact;
  std::string category = "general";  // preference | history | sentiment | context | general
  double confidence = 1.0;
  std::string source = "manual";  // manual | extracted | ...
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A semantic cache entry: a question's embedding and the answer given to it.
struct CacheEntry {
  std::string id;
  std::string tenant_id;
  std::string agent_id;
  std::string customer_id;  // empty: shareable across the agent's customers
  std::string question;
  std::string answer;
  std::string model;
  std::vector<float> embedding;
  int64_t created_at = 0;
};

// An outgoing webhook subscription (seed 000).
struct Webhook {
  std::string id;  // "wh_..."
  std::string tenant_id;
  std::string url;
  std::vector<std::string> events;
  std::string secret;  // HMAC-SHA256 key
  bool active = true;
  int64_t created_at = 0;
};

// One event to deliver to one webhook; retried on the documented schedule until delivered or
// out of attempts.
struct WebhookDelivery {
  std::string id;  // "whd_..."
  std::string webhook_id;
  std::string tenant_id;
  std::string event;
  std::string payload;           // JSON text, exactly the bytes signed and sent
  std::string status = "pending";  // pending | delivered | failed
  int attempts = 0;
  int64_t next_attempt_at = 0;  // unix ms; meaningful while pending
  int last_status_code = 0;     // 0: no HTTP answer
  std::string last_error;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Metered usage of one model call, or the sum of `requests` calls of the same tenant, key,
// agent, model and kind made in the second that starts at `at_ms`.
struct UsageRecord {
  std::string tenant_id;
  std::string key_id;  // empty for calls made with a user's token
  std::string agent_id;
  std::string model;
  std::string kind;  // chat | complete | embeddings | message
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
  bool cached = false;
  int64_t at_ms = 0;
  int64_t requests = 1;
};

// What one answered message leaves behind: the customer it named, the session's new turns,
// the facts found in it and its semantic cache entry. Many are written in one transaction.
struct ConversationRecord {
  std::optional<Customer> customer;  // upserted as by upsert_customer
  std::vector<Turn> turns;           // appended as by append_turns (one session)
  std::vector<MemoryFact> facts;     // saved as by save_fact
  std::optional<CacheEntry> cache_entry;  // put as by put_cache_entry
};

// A knowledge source (seed 004): one file, web page or agent's document set, split into
// chunks that retrieval searches. Its chunks are replaced whole in one transaction, so a
// search never sees half of an ingestion.
struct KnowledgeSource {
  std::string id;  // uuid
  std::string tenant_id;
  std::string name;
  std::string kind = "file";       // file | url | documents | text
  std::string location;            // file name, URL, or the agent id of a document set
  std::string status = "pending";  // pending | processing | completed | failed
  std::string error;               // why the last ingestion failed
  std::string content_hash;        // sha256 hex of the content its chunks came from
  std::string embedding_model;     // the embedder id of its chunks' vectors
  int64_t chunk_count = 0;
  std::string metadata = "{}";  // JSON object text
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One retrievable passage of a source, with where it came from for citations.
struct KnowledgeChunk {
  int64_t id = 0;  // assigned by the store, unique across tenants; the indexes key on it
  std::string tenant_id;
  std::string source_id;
  std::string source_name;  // read only: the source's name, for citations
  int64_t ordinal = 0;  // position in the source, from 0
  std::string text;
  std::string heading_path;  // "Guide > Returns > Refunds"; empty when the source has no headings
  int64_t page = 0;          // 1-based page, slide or sheet; 0 when the format has none
  int64_t tokens = 0;
  std::string embedding_model;  // the embedder id of `embedding`
  std::vector<float> embedding;
};

// What replaces a source's chunks once an ingestion has finished.
struct KnowledgeIngestion {
  std::string tenant_id;
  std::string source_id;
  std::string content_hash;
  std::string embedding_model;
  std::vector<KnowledgeChunk> chunks;  // ids and embedding models are assigned
};

struct UsageQuery {
  std::string tenant_id;
  int64_t from_ms = 0;
  int64_t to_ms = INT64_MAX;
};

// Usage summed per (model, key).
struct UsageRow {
  std::string model;
  std::string key_id;
  int64_t requests = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- tenants, users, memberships
  // Creates the tenant, the user and the user's owner membership in one transaction.
  // kConflict if the email or slug is taken.
  virtual Status create_signup(const Tenant& tenant, const User& user) = 0;
  // Creates a tenant with `owner_user_id` as owner (none when empty: a tenant made by the
  // CLI for API keys only). kConflict if the slug is taken.
  virtual Status create_tenant(const Tenant& tenant, const std::string& owner_user_id) = 0;
  virtual Result<Tenant> get_tenant(const std::string& id) = 0;
  virtual Result<Tenant> get_tenant_by_slug(const std::string& slug) = 0;
  virtual Status rename_tenant(const std::string& id, const std::string& name) = 0;  // kNotFound if absent
  virtual Result<User> get_user(const std::string& id) = 0;
  virtual Result<User> get_user_by_email(const std::string& email) = 0;  // case-insensitive
  // Marks the user whose pending token hash matches as verified. kNotFound if none.
  virtual Result<User> verify_email(const std::string& token_hash) = 0;
  // kConflict if already a member.
  virtual Status add_member(const std::string& tenant_id, const std::string& user_id, const std::string& role) = 0;
  // The user's role in the tenant; kNotFound if not a member.
  virtual Result<std::string> member_role(const std::string& tenant_id, const std::string& user_id) = 0;
  virtual Result<std::vector<Member>> list_members(const std::string& tenant_id) = 0;
  // Tenants the user belongs to, with the user's role in each, oldest first.
  virtual Result<std::vector<std::pair<Tenant, std::string>>> list_user_tenants(const std::string& user_id) = 0;

  // --- API keys
  virtual Status create_api_key(const ApiKey& key) = 0;  // kConflict on a duplicate hash
  // Finds a key by hash, revoked or not; the caller decides what revoked/expired means.
  virtual Result<ApiKey> get_api_key_by_hash(const std::string& key_hash) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys(const std::string& tenant_id) = 0;  // newest first
  // kNotFound if absent, in another tenant, or already revoked.
  virtual Status revoke_api_key(const std::string& tenant_id, const std::string& key_id, int64_t at_ms) = 0;
  // Records last use times in one transaction; unknown ids are ignored.
  virtual Status touch_api_keys(const std::vector<std::pair<std::string, int64_t>>& key_id_and_ms) = 0;

  // --- audit chain
  // Appends to the tenant's chain atomically: fills seq and prev_hash from the current head,
  // calls `seal` to compute the hash over the filled entry, stores entry and new head.
  virtual Result<AuditEntry> append_audit(AuditEntry entry,
                                          const std::function<std::string(const AuditEntry&)>& seal) = 0;
  virtual Result<std::vector<AuditEntry>> query_audit(const AuditQuery& query) = 0;  // ascending seq
  // Visits the tenant's entries in seq order until `visit` returns false.
  virtual Status scan_audit(const std::string& tenant_id, const std::function<bool(const AuditEntry&)>& visit) = 0;
  virtual Result<AuditHead> audit_head(const std::string& tenant_id) = 0;

  // --- agents
  virtual Status create_agent(const Agent& agent) = 0;  // kConflict on a duplicate id
  virtual Result<Agent> get_agent(const std::string& tenant_id, const std::string& id) = 0;
  // Any tenant's agent by id: invocation checks the tenant itself to answer 403, not 404.
  virtual Result<Agent> find_agent(const std::string& id) = 0;
  virtual Result<std::vector<Agent>> list_agents(const std::string& tenant_id) = 0;  // newest first
  // Replaces name, status and config; bumps version and updated_at. Returns the stored agent.
  virtual Result<Agent> update_agent(const Agent& agent) = 0;
  virtual Status delete_agent(const std::string& tenant_id, const std::string& id) = 0;

  // --- customers
  // Creates the customer or merges into the one matching its id, email, phone or external id
  // (in that order). Fields left empty keep their stored values; metadata objects merge
  // key by key. Returns the stored customer.
  virtual Result<Customer> upsert_customer(const Customer& customer) = 0;
  virtual Result<Customer> get_customer(const std::string& tenant_id, const std::string& id) = 0;

  // --- sessions and turns
  // Appends turns (all of one session) in order, assigning seq, creating the session when new
  // and updating its counters. Returns the turns as stored.
  virtual Result<std::vector<Turn>> append_turns(std::vector<Turn> turns) = 0;
  // The session's last `limit` turns, oldest first.
  virtual Result<std::vector<Turn>> recent_turns(const std::string& tenant_id, const std::string& agent_id,
                                                 const std::string& session_id, int limit) = 0;
  // False only when the session certainly has no turns, known without a read (an engine may
  // keep an in-memory filter of its sessions); never blocks. True means "read to find out".
  virtual bool may_have_turns(const std::string& tenant_id, const std::string& agent_id,
                              const std::string& session_id) {
    return true;
  }
  // Empty agent_id: the session with that id under any of the tenant's agents (the most
  // recently updated, should two agents have one).
  virtual Result<Session> get_session(const std::string& tenant_id, const std::string& agent_id,
                                      const std::string& session_id) = 0;
  // Empty agent_id: every agent's. Most recently updated first.
  virtual Result<std::vector<Session>> list_sessions(const std::string& tenant_id, const std::string& agent_id,
                                                     int limit) = 0;

  // Writes every record in one transaction (group commit). Each record succeeds or fails
  // whole and alone: its status is in the same position of the result, and a failed record
  // leaves nothing behind while the others still commit. If the transaction itself cannot
  // commit, every status is that error.
  virtual std::vector<Status> record_conversations(const std::vector<ConversationRecord>& records) = 0;

  // --- CELLSTATE turns: a scope's turns are the turns of the session with the scope's id,
  // under any agent (an agent's conversation with that id is the same scope).
  // Appends one turn to the session, assigning seq, unless the session's tokens plus the
  // turn's would exceed `token_budget`: then kConflict with details {code:
  // "TOKEN_BUDGET_EXCEEDED", token_budget, tokens_used}. Returns the turn as stored.
  virtual Result<Turn> append_turn_within_budget(Turn turn, int64_t token_budget) = 0;
  virtual Result<Turn> get_turn(const std::string& tenant_id, const std::string& id) = 0;
  // Every turn of the session under any agent, oldest first.
  virtual Result<std::vector<Turn>> session_turns(const std::string& tenant_id, const std::string& session_id) = 0;
  // The tokens of every turn of the session under any agent.
  virtual Result<int64_t> session_tokens(const std::string& tenant_id, const std::string& session_id) = 0;

  // --- CELLSTATE memory entities
  // Stores the entity, assigning seq. kConflict if the tenant has one of that kind and id.
  virtual Result<MemoryEntity> create_memory_entity(MemoryEntity entity) = 0;
  virtual Result<MemoryEntity> get_memory_entity(const std::string& tenant_id, const std::string& kind,
                                                 const std::string& id) = 0;
  virtual Result<MemoryEntityPage> list_memory_entities(const MemoryEntityQuery& query) = 0;
  // Replaces keys, body, embedding and expiry if the stored version is still entity.version;
  // kConflict if it changed since it was read. Returns the entity with its new version.
  virtual Result<MemoryEntity> update_memory_entity(MemoryEntity entity) = 0;
  virtual Status delete_memory_entity(const std::string& tenant_id, const std::string& kind,
                                      const std::string& id) = 0;
  // Stores a lock (kind "lock") on the resource named by its parent_id unless a lock live at
  // `now_ms` on that resource conflicts with it: any exclusive one, or any at all when this
  // one's type is "exclusive". kConflict with the holder in details otherwise. The check and
  // the insert are one transaction, so two acquisitions cannot both succeed.
  virtual Result<MemoryEntity> acquire_memory_lock(MemoryEntity lock, int64_t now_ms) = 0;
  // Deletes up to `limit` entities (all tenants) expired at `now_ms`; returns them.
  virtual Result<std::vector<MemoryEntity>> delete_expired_memory_entities(int64_t now_ms, int limit) = 0;
  // Visits every entity of `kind` (all tenants) until `visit` returns false.
  virtual Status scan_memory_entities(const std::string& kind,
                                      const std::function<bool(const MemoryEntity&)>& visit) = 0;

  // --- customer memory facts
  // Saves the fact; the same text (case-insensitive) for the same customer and agent scope
  // updates the stored one (category, confidence, source) instead. Returns the stored fact.
  virtual Result<MemoryFact> save_fact(const MemoryFact& fact) = 0;
  // The customer's facts visible to `agent_id` (unscoped facts plus that agent's; empty
  // agent_id: all), highest confidence first, newest first among equals.
  virtual Result<std::vector<MemoryFact>> list_facts(const std::string& tenant_id, const std::string& customer_id,
                                                     const std::string& agent_id) = 0;
  // False only when the customer certainly has no facts, known without a read; never blocks.
  virtual bool may_have_facts(const std::string& tenant_id, const std::string& customer_id) { return true; }
  virtual Status delete_fact(const std::string& tenant_id, const std::string& fact_id) = 0;

  // --- semantic cache
  virtual Status put_cache_entry(const CacheEntry& entry) = 0;
  // Visits every entry (all tenants) until `visit` returns false: the cache index loads at start.
  virtual Status scan_cache_entries(const std::function<bool(const CacheEntry&)>& visit) = 0;
  // Deletes the entries of the tenant (empty: all tenants) and agent (empty: all agents).
  virtual Result<int64_t> delete_cache_entries(const std::string& tenant_id, const std::string& agent_id) = 0;

  // --- outgoing webhooks
  virtual Status create_webhook(const Webhook& webhook) = 0;
  virtual Result<std::vector<Webhook>> list_webhooks(const std::string& tenant_id) = 0;  // newest first
  virtual Result<Webhook> get_webhook(const std::string& tenant_id, const std::string& id) = 0;
  // Deletes the webhook and its deliveries.
  virtual Status delete_webhook(const std::string& tenant_id, const std::string& id) = 0;
  virtual Status enqueue_deliveries(const std::vector<WebhookDelivery>& deliveries) = 0;
  // Claims up to `limit` pending deliveries due at `now_ms`, oldest due first: in the same
  // transaction their next attempt moves to now_ms + lease_ms, so no other claimer (another
  // node's dispatcher) takes them while the lease holds, and a claimer that dies before it
  // completes or fails them leaves them due again when the lease ends. Returns them leased.
  virtual Result<std::vector<WebhookDelivery>> claim_deliveries(int64_t now_ms, int64_t lease_ms, int limit) = 0;
  // Completes or fails a claimed delivery: stores its status, attempts, next attempt and last
  // result.
  virtual Status update_delivery(const WebhookDelivery& delivery) = 0;
  // The webhook's deliveries, newest first.
  virtual Result<std::vector<WebhookDelivery>> list_deliveries(const std::string& tenant_id,
                                                               const std::string& webhook_id, int limit) = 0;

  // --- knowledge sources and chunks
  virtual Status create_knowledge_source(const KnowledgeSource& source) = 0;  // kConflict on a duplicate id
  virtual Result<KnowledgeSource> get_knowledge_source(const std::string& tenant_id, const std::string& id) = 0;
  virtual Result<std::vector<KnowledgeSource>> list_knowledge_sources(const std::string& tenant_id) = 0;  // newest first
  // Sets status and error (an ingestion starting, or failing); chunks are untouched.
  virtual Status set_knowledge_source_status(const std::string& tenant_id, const std::string& id,
                                             const std::string& status, const std::string& error) = 0;
  // Replaces the source's chunks with `ingestion.chunks` and marks it completed with their
  // count, hash and embedding model, in one transaction. Returns the chunks with their ids.
  virtual Result<std::vector<KnowledgeChunk>> replace_knowledge_chunks(const KnowledgeIngestion& ingestion) = 0;
  // Deletes the source and its chunks.
  virtual Status delete_knowledge_source(const std::string& tenant_id, const std::string& id) = 0;
  // The source's chunks in order.
  virtual Result<std::vector<KnowledgeChunk>> list_knowledge_chunks(const std::string& tenant_id,
                                                                    const std::string& source_id) = 0;
  // Visits every chunk (all tenants) until `visit` returns false: the indexes load at start.
  virtual Status scan_knowledge_chunks(const std::function<bool(const KnowledgeChunk&)>& visit) = 0;
  // Marks sources left `processing` by a stopped server as failed; their previous chunks, if
  // any, stay searchable. Returns how many there were.
  virtual Result<int64_t> fail_interrupted_ingestions(int64_t now_ms) = 0;

  // --- usage metering
  virtual Status record_usage(const std::vector<UsageRecord>& records) = 0;  // one transaction
  virtual Result<std::vector<UsageRow>> usage_summary(const UsageQuery& query) = 0;
  // Total cost of the tenant's usage in [from_ms, to_ms).
  virtual Result<double> usage_cost(const std::string& tenant_id, int64_t from_ms, int64_t to_ms) = 0;

  // --- settings (server-wide key/value, e.g. the generated JWT secret)
  // Stores `value` under `key` unless one exists; returns the value in force.
  virtual Result<std::string> setting_or_init(const std::string& key, const std::string& value) = 0;

  // --- engine
  virtual Status ping() = 0;  // a trivial query; kUnavailable if the engine cannot answer
  // Moves committed changes from the engine's write-ahead log into its main file without
  // blocking readers or writers. The server calls it on a timer so that no commit pays for
  // it; an engine without such a log does nothing.
  virtual Status checkpoint() = 0;
  virtual int schema_version() = 0;
  virtual std::string engine_name() const = 0;
};

}  // namespace brainstem::store
