// Agents and what their conversations leave behind: customers, sessions and their turns (a
// CELLSTATE scope's turns too), customers' facts and the semantic cache's entries, written together
// by record_conversations. The contract every store interface keeps (threads, blocking, errors,
// durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"
#include "store/memory_store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::store {

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
  // What the fact states the one current value of ("residence"), or "" (see
  // pipeline/fact_consolidation.h): saving a fact with a subject supersedes the current one.
  std::string subject;
  std::string superseded_by;  // the fact that replaced this one; "" while it is current
  // On save only: a current fact of the same customer that this one replaces (a model's
  // judgement, where no subject says so), superseded in the same write. "" : none.
  std::string supersedes;
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

// What one answered message leaves behind: the customer it named, the session's new turns,
// the facts found in it and its semantic cache entry. Many are written in one transaction.
struct ConversationRecord {
  std::optional<Customer> customer;  // upserted as by upsert_customer
  std::vector<Turn> turns;           // appended as by append_turns (one session)
  std::vector<MemoryFact> facts;     // saved as by save_fact
  std::optional<CacheEntry> cache_entry;  // put as by put_cache_entry
};

// What an agent recalls before it answers: the session's last turns and the customer's facts.
struct RecallQuery {
  std::string tenant_id;
  std::string agent_id;
  std::string session_id;   // empty: no turns
  int turns = 0;            // how many of the session's last turns
  std::string customer_id;  // empty: no facts
};
struct Recall {
  std::vector<Turn> turns;        // oldest first, as recent_turns
  std::vector<MemoryFact> facts;  // as list_facts, for the query's agent
};

class ConversationStore {
 public:
  virtual ~ConversationStore() = default;

  // --- agents
  virtual Async<Status> create_agent(const Agent& agent) = 0;  // kConflict on a duplicate id
  virtual Async<Result<Agent>> get_agent(const std::string& tenant_id, const std::string& id) = 0;
  // Any tenant's agent by id: invocation checks the tenant itself to answer 403, not 404.
  virtual Async<Result<Agent>> find_agent(const std::string& id) = 0;
  virtual Async<Result<std::vector<Agent>>> list_agents(const std::string& tenant_id) = 0;  // newest first
  // Replaces name, status and config; bumps version and updated_at. Returns the stored agent.
  virtual Async<Result<Agent>> update_agent(const Agent& agent) = 0;
  virtual Async<Status> delete_agent(const std::string& tenant_id, const std::string& id) = 0;

  // --- customers
  // Creates the customer or merges into the one matching its id, email, phone or external id
  // (in that order). Fields left empty keep their stored values; metadata objects merge
  // key by key. Returns the stored customer.
  virtual Async<Result<Customer>> upsert_customer(const Customer& customer) = 0;
  virtual Async<Result<Customer>> get_customer(const std::string& tenant_id, const std::string& id) = 0;

  // --- sessions and turns
  // Appends turns (all of one session) in order, assigning seq, creating the session when new
  // and updating its counters. Returns the turns as stored.
  virtual Async<Result<std::vector<Turn>>> append_turns(std::vector<Turn> turns) = 0;
  // The session's last `limit` turns, oldest first.
  virtual Async<Result<std::vector<Turn>>> recent_turns(const std::string& tenant_id, const std::string& agent_id,
                                                        const std::string& session_id, int limit) = 0;
  // Empty agent_id: the session with that id under any of the tenant's agents (the most
  // recently updated, should two agents have one).
  virtual Async<Result<Session>> get_session(const std::string& tenant_id, const std::string& agent_id,
                                             const std::string& session_id) = 0;
  // Empty agent_id: every agent's. Most recently updated first.
  virtual Async<Result<std::vector<Session>>> list_sessions(const std::string& tenant_id, const std::string& agent_id,
                                                            int limit) = 0;

  // Writes every record in one transaction (group commit). Each record succeeds or fails
  // whole and alone: its status is in the same position of the result, and a failed record
  // leaves nothing behind while the others still commit. If the transaction itself cannot
  // commit, every status is that error.
  virtual Async<std::vector<Status>> record_conversations(const std::vector<ConversationRecord>& records) = 0;

  // --- CELLSTATE turns: a scope's turns are the turns of the session with the scope's id,
  // under any agent (an agent's conversation with that id is the same scope).
  // Appends one turn to the session, assigning seq, unless the session's tokens plus the
  // turn's would exceed `token_budget`: then kConflict with details {code:
  // "TOKEN_BUDGET_EXCEEDED", token_budget, tokens_used}. The memory entities `alongside` (the
  // event that records the turn) are stored in the same transaction. Returns the turn as stored.
  virtual Async<Result<Turn>> append_turn_within_budget(Turn turn, int64_t token_budget,
                                                        std::vector<MemoryEntity> alongside) = 0;
  virtual Async<Result<Turn>> get_turn(const std::string& tenant_id, const std::string& id) = 0;
  // The tenant's turns among `ids`, in no particular order; ids of none are left out.
  virtual Async<Result<std::vector<Turn>>> get_turns(const std::string& tenant_id, const std::vector<std::string>& ids) = 0;
  // Every turn of the session under any agent, oldest first.
  virtual Async<Result<std::vector<Turn>>> session_turns(const std::string& tenant_id, const std::string& session_id) = 0;
  // The tokens of every turn of the session under any agent.
  virtual Async<Result<int64_t>> session_tokens(const std::string& tenant_id, const std::string& session_id) = 0;
  // Visits every turn (all tenants) in the order written until `visit` returns false: the
  // turn search index loads at start.
  virtual Async<Status> scan_turns(const std::function<bool(const Turn&)>& visit) = 0;

  // --- customer memory facts
  // Saves the fact; the same text (case-insensitive) for the same customer and agent scope
  // updates the stored one (category, confidence, source, subject; current again if it was
  // superseded) instead. A fact with a subject supersedes, in the same write, every other
  // current fact of that customer, agent scope and subject, and the fact `supersedes` names
  // (when it is the same customer's). Returns the stored fact.
  virtual Async<Result<MemoryFact>> save_fact(const MemoryFact& fact) = 0;
  // The customer's current facts visible to `agent_id` (unscoped facts plus that agent's;
  // empty agent_id: all), highest confidence first, newest first among equals.
  virtual Async<Result<std::vector<MemoryFact>>> list_facts(const std::string& tenant_id, const std::string& customer_id,
                                                            const std::string& agent_id) = 0;
  // Every fact of the customer, superseded ones included, newest first.
  virtual Async<Result<std::vector<MemoryFact>>> fact_history(const std::string& tenant_id,
                                                              const std::string& customer_id) = 0;
  // recent_turns and list_facts in one call. An engine that knows without a read that the
  // session has no turns or the customer no facts (most first messages) answers at once.
  virtual Async<Result<Recall>> recall(const RecallQuery& query) = 0;
  virtual Async<Status> delete_fact(const std::string& tenant_id, const std::string& fact_id) = 0;

  // --- semantic cache
  virtual Async<Status> put_cache_entry(const CacheEntry& entry) = 0;
  // Visits every entry (all tenants) until `visit` returns false: the cache index loads at start.
  virtual Async<Status> scan_cache_entries(const std::function<bool(const CacheEntry&)>& visit) = 0;
  // Deletes the entries of the tenant (empty: all tenants) and agent (empty: all agents).
  virtual Async<Result<int64_t>> delete_cache_entries(const std::string& tenant_id, const std::string& agent_id) = 0;
};

}  // namespace brainstem::store
