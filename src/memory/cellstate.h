// CELLSTATE (seed 003): the memory agents use directly. Trajectories (tasks) hold scopes
// (context windows with token budgets and checkpoints); scopes hold turns and artifacts;
// notes are knowledge across trajectories. Registered agents coordinate through locks,
// messages, delegations and handoffs. Every write is also an event of the tenant's event DAG.
//
// Entities live in the store's memory entity table (store.h MemoryEntity), each kind with its
// own meaning for the keyed columns (see the views in cellstate_*.cpp). A scope's turns are
// the store's turns of the session with the scope's id, the same turns the agent pipeline
// writes. Artifacts and notes are also kept in search indexes (BM25 + vectors, the knowledge
// base's index type and embedders), rebuilt from the store at start; turns are searched in
// the server's knowledge::TurnIndex, which every writer of turns feeds.
//
// Every method acts within one tenant: another tenant's entity is "not found". Methods throw
// StatusError with the seed's codes (404 absent, 403 not the holder or recipient, 409 an
// illegal transition, a held lock or an exhausted budget, 422 a bad field).
// Thread-safety: all methods may run concurrently; races on one entity are settled by the
// store's versioned updates (the loser gets 409).
#pragma once

#include "common/offload.h"
#include "common/task_group.h"
#include "common/timed_cache.h"
#include "knowledge/embedding_models.h"
#include "knowledge/knowledge_index.h"
#include "knowledge/turn_index.h"
#include "models/token_counter.h"
#include "memory/ttl.h"
#include "store/store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::memory {

// A request's query parameters: the decoded value, or nullopt when absent.
using QueryLookup = std::function<std::optional<std::string>(std::string_view)>;

struct ModelSummary {
  std::string text;
  std::string model;  // the model that wrote it
};
// Summarizes texts with a model. An error (no model fits, the upstream fails) makes the
// summarization fall back to the extractive summary.
using ModelSummarizer =
    std::function<boost::asio::awaitable<Result<ModelSummary>>(std::string tenant, std::vector<std::string> texts)>;

struct CellStateOptions {
  // `active_only` agent lists keep agents whose last heartbeat is this recent.
  int64_t agent_active_window_ms = 5 * 60 * 1000;
  // The embedder of artifacts and notes ("" : the knowledge base's default).
  std::string embedding_model;
  // Summarization requests are written by this when set, extractively otherwise.
  ModelSummarizer summarize;
};

class CellState {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;
  using Json = boost::json::value;
  using Object = boost::json::object;

  // `background` runs the summarizations that events trigger, which outlive their request.
  // Turns written here are added to `turns`, which search reads.
  CellState(store::Store& store, const knowledge::EmbeddingModels& embedders, knowledge::TurnIndex& turns,
            models::TokenCounter& tokens, TaskGroup& background, CellStateOptions options);

  // Builds the search indexes from the store; call once before serving.
  Status load_indexes();
  // Deletes entities whose time is up (artifacts, notes, locks, messages) and drops them
  // from the indexes. Returns how many.
  Task<int64_t> sweep_expired();
  // Whether the entity (an artifact or a note) is in its kind's search index.
  bool indexed(const std::string& kind, const std::string& tenant_id, const std::string& id) const;

  // --- trajectories
  Task<Object> create_trajectory(std::string tenant, Object body);
  Task<Object> list_trajectories(std::string tenant, QueryLookup query);
  Task<Object> get_trajectory(std::string tenant, std::string id);
  Task<Object> update_trajectory(std::string tenant, std::string id, Object body);
  Task<void> delete_trajectory(std::string tenant, std::string id);
  Task<Json> trajectory_children(std::string tenant, std::string id);
  Task<Json> trajectory_scopes(std::string tenant, std::string id);

  // --- scopes and their turns
  Task<Object> create_scope(std::string tenant, Object body);
  Task<Object> get_scope(std::string tenant, std::string id);
  Task<Object> update_scope(std::string tenant, std::string id, Object body);
  Task<Object> checkpoint_scope(std::string tenant, std::string id, Object body);
  Task<Object> close_scope(std::string tenant, std::string id);
  Task<Json> scope_artifacts(std::string tenant, std::string id);
  Task<Json> scope_turns(std::string tenant, std::string id);
  Task<Object> create_turn(std::string tenant, Object body);
  Task<Object> get_turn(std::string tenant, std::string id);

  // --- artifacts and notes
  Task<Object> list_artifacts(std::string tenant, QueryLookup query);
  Task<Object> create_artifact(std::string tenant, Object body);
  Task<Object> get_artifact(std::string tenant, std::string id);  // counts a read
  Task<Object> update_artifact(std::string tenant, std::string id, Object body);
  Task<void> delete_artifact(std::string tenant, std::string id);
  Task<Object> list_notes(std::string tenant, QueryLookup query);
  Task<Object> create_note(std::string tenant, Object body);
  Task<Object> get_note(std::string tenant, std::string id);  // counts a read
  Task<Object> update_note(std::string tenant, std::string id, Object body);
  Task<void> delete_note(std::string tenant, std::string id);

  // Search: `search_mode` keyword (BM25), vector (embedding similarity) or hybrid (both,
  // fused by rank); without it, vector when use_vector_search is true, else hybrid for turns
  // and keyword for the other types. `only` restricts the entity types searched ("" : those
  // the body names).
  Task<Object> search(std::string tenant, Object body, std::string only);

  // --- registered agents
  Task<Object> list_agents(std::string tenant, QueryLookup query);
  Task<Object> register_agent(std::string tenant, Object body, std::string principal_id);
  Task<Object> get_agent(std::string tenant, std::string id);
  Task<Object> update_agent(std::string tenant, std::string id, Object body);
  Task<void> delete_agent(std::string tenant, std::string id);
  Task<Object> heartbeat(std::string tenant, std::string id);

  // --- locks
  Task<Object> list_locks(std::string tenant);
  Task<Object> acquire_lock(std::string tenant, Object body);
  Task<Object> get_lock(std::string tenant, std::string id);
  Task<Object> extend_lock(std::string tenant, std::string id, Object body);
  Task<void> release_lock(std::string tenant, std::string id, Object body);

  // --- messages
  Task<Object> list_messages(std::string tenant, QueryLookup query);
  Task<Object> send_message(std::string tenant, Object body);
  Task<Object> get_message(std::string tenant, std::string id);  // marks it delivered
  Task<void> acknowledge_message(std::string tenant, std::string id, Object body);

  // --- delegations and handoffs
  Task<Object> create_delegation(std::string tenant, Object body);
  Task<Object> get_delegation(std::string tenant, std::string id);
  Task<void> accept_delegation(std::string tenant, std::string id, Object body);
  Task<void> complete_delegation(std::string tenant, std::string id, Object body);
  Task<void> reject_delegation(std::string tenant, std::string id, Object body);
  Task<Object> create_handoff(std::string tenant, Object body);
  Task<Object> get_handoff(std::string tenant, std::string id);
  Task<void> accept_handoff(std::string tenant, std::string id, Object body);
  Task<void> complete_handoff(std::string tenant, std::string id);

  // --- edges between entities (typed, weighted, with provenance)
  Task<Object> create_edge(std::string tenant, Object body);
  Task<Object> create_edges(std::string tenant, Json body);  // an array of edges, all or none
  Task<Object> edges_of(std::string tenant, std::string entity_id);
  // Breadth-first from start_id over edges (of rel_types, when given) up to max_depth.
  Task<Object> traverse(std::string tenant, QueryLookup query);
  Task<Object> get_edge(std::string tenant, std::string id);
  Task<void> delete_edge(std::string tenant, std::string id);

  // --- summarization: policies fire on their triggers (scope close, turn count, token
  // dosage, artifact count) and leave requests, which the server runs in the background
  // (an extractive summary note, optionally with synthesized_from edges) unless a worker
  // takes them first by setting in_progress.
  Task<Object> create_policy(std::string tenant, Object body);
  Task<Object> get_policy(std::string tenant, std::string id);
  Task<void> delete_policy(std::string tenant, std::string id);
  Task<Object> trajectory_policies(std::string tenant, std::string trajectory_id);
  Task<Object> list_summarization_requests(std::string tenant, QueryLookup query);
  Task<Object> get_summarization_request(std::string tenant, std::string id);
  Task<void> update_summarization_status(std::string tenant, std::string id, Object body);

  // --- the tenant's configuration: {default_ttl, agent_active_window_ms} plus a compiled
  // pack (pack, agents, prompts, settings); anything else is an error.
  Task<Object> get_config(std::string tenant);
  Task<Object> update_config(std::string tenant, Object body);  // 422 with the errors when invalid
  Object validate_config(const Object& body) const;              // {config, errors, valid}

  // --- the tenant's profile: what CELLSTATE shows of a tenant beyond its account record
  // (domain, settings, status)
  Task<Object> tenant_profile(std::string tenant);  // empty when none is stored
  Task<Object> update_tenant_profile(std::string tenant, Object changes);  // sets the keys given

  // --- deployments of a pack: versions, activation with a rollout percentage, rollback
  Task<Object> list_deployments(std::string tenant, QueryLookup query);
  Task<Object> create_deployment(std::string tenant, Object body);
  Task<Object> get_deployment(std::string tenant, std::string id);
  Task<Object> activate_deployment(std::string tenant, std::string id, Object body);
  Task<Object> rollout_deployment(std::string tenant, std::string id, Object body);
  Task<Object> rollback_deployment(std::string tenant, Object body);

  // --- benchmark snapshots of pack configurations
  Task<Object> list_benchmarks(std::string tenant);
  Task<Object> submit_benchmark(std::string tenant, Object body);

  // --- the event DAG: every write above is an event whose parent is the previous event of
  // the same entity, or for a new entity the latest event of its container.
  Task<Object> events_by_kind(std::string tenant, int kind, QueryLookup query);
  Task<Object> get_event(std::string tenant, std::string id);
  Task<Object> event_ancestors(std::string tenant, std::string id, QueryLookup query);
  Task<Object> event_descendants(std::string tenant, std::string id, QueryLookup query);
  Task<Object> event_siblings(std::string tenant, std::string id);

 private:
  // Store access; each throws StatusError on failure.
  Task<store::MemoryEntity> fetch(std::string tenant, std::string kind, std::string id);
  Task<std::optional<store::MemoryEntity>> find(std::string tenant, std::string kind, std::string id);
  Task<store::MemoryEntity> insert(store::MemoryEntity entity);
  // Stores a new entity together with the event `code` that records its creation (one
  // transaction); `container_id` names what it was created in, whose latest event becomes
  // the event's parent.
  Task<store::MemoryEntity> insert_recorded(store::MemoryEntity entity, int code, std::string container_id);
  Task<store::MemoryEntity> save(store::MemoryEntity entity);
  Task<void> erase(std::string tenant, std::string kind, std::string id);
  Task<store::MemoryEntityPage> query(store::MemoryEntityQuery q);
  // Reads the entity and applies `change` to it and its body until the versioned update
  // succeeds (a concurrent writer makes it read again); `change` returns false when there is
  // nothing to write. Returns the entity as stored.
  Task<store::MemoryEntity> mutate(std::string tenant, std::string kind, std::string id,
                                   std::function<bool(store::MemoryEntity&, Object&)> change);
  // As mutate, for a keyed singleton: its body is `change`d, created empty first when absent.
  Task<store::MemoryEntity> upsert(std::string tenant, std::string kind, std::string id,
                                   std::function<void(Object&)> change);
  // Records the event `code` about `entity_id` (of `kind`); for a new entity `container_id`
  // names what it was created in, whose latest event becomes the parent.
  Task<void> record_event(std::string tenant, int code, std::string kind, std::string entity_id,
                          std::string container_id);
  // The event record_event stores. A new entity has no events of its own to look up.
  Task<store::MemoryEntity> event_about(std::string tenant, int code, std::string kind, std::string entity_id,
                                        std::string container_id, bool new_entity);
  Task<std::vector<store::MemoryEntity>> all_events(std::string tenant);

  // Artifacts and notes: their search text embedded and indexed.
  Task<void> embed(store::MemoryEntity& entity, const std::string& text);
  void index(const store::MemoryEntity& entity);
  void unindex(const store::MemoryEntity& entity);
  Task<Object> read_counted(std::string tenant, std::string kind, std::string id);
  Task<Object> update_memory(std::string tenant, std::string kind, std::string id, Object body);

  Task<Object> scope_view(const store::MemoryEntity& scope);
  // The tenant's stored configuration, or an empty object.
  Task<Object> tenant_config(std::string tenant);
  // The summarization policies of a trajectory ("": the tenant's own).
  Task<std::vector<store::MemoryEntity>> policies_of(std::string tenant, std::string trajectory);
  static std::string policies_key(const std::string& tenant, const std::string& trajectory);
  // Configurations and policies are read from the store at most once this often: a change
  // made on this node is seen at once, one made on another node within that time.
  static constexpr int64_t kStoredSettingsMs = 1000;
  // The TTL of an artifact or note created without one: the configuration's default_ttl,
  // else persistent.
  Task<Ttl> default_ttl(std::string tenant);
  Task<store::MemoryEntity> build_edge(std::string tenant, Object body, std::string field);
  // Creates requests for the policies of `scope` that `event` ("turn", "artifact", "close")
  // meets; `count` is the scope's turns or artifacts so far. Runs them in the background.
  Task<void> fire_triggers(store::MemoryEntity scope, std::string event, int64_t count);
  Task<void> run_summarization(std::string tenant, std::string request_id);
  // Moves a delegation or handoff from `from_status` to `to_status` (stamping `<to>_at`,
  // merging `extra` into it and recording `event`) if `actor` is the agent its `actor_field`
  // names: 403 otherwise, 409 if it is not in `from_status`.
  Task<store::MemoryEntity> transition(std::string tenant, std::string kind, std::string id, std::string from_status,
                                       std::string to_status, std::string actor_field, std::string actor,
                                       Object extra, int event);
  // The sender and receiver of a delegation or handoff, registered, and its scope, in its
  // trajectory. Returns the sender.
  Task<store::MemoryEntity> check_parties(std::string tenant, std::string from, std::string to, std::string scope_id,
                                          std::string trajectory_id);
  // The registered agent `id`; 404 naming `field` when there is none.
  Task<store::MemoryEntity> registered_agent(std::string tenant, std::string id, const char* field);

  store::Store& store_;
  const knowledge::EmbeddingModels& embedders_;
  knowledge::TurnIndex& turns_;
  models::TokenCounter& tokens_;
  TaskGroup& background_;
  const CellStateOptions options_;
  std::map<std::string, std::unique_ptr<knowledge::KnowledgeIndex>, std::less<>> indexes_;  // artifact, note
  // Read often, changed rarely: the tenants' configurations (by tenant) and their
  // summarization policies (by tenant and trajectory, the tenant's own under "").
  TimedCache<Object> configs_{kStoredSettingsMs};
  TimedCache<std::vector<store::MemoryEntity>> policies_{kStoredSettingsMs};
};

}  // namespace brainstem::memory
