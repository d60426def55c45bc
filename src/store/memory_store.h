// CELLSTATE memory entities: one table of JSON bodies beside the keys they are looked up by. The
// contract every store interface keeps (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace brainstem::store {

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
  std::optional<int64_t> updated_after;                  // exclusive bound, unix ms
  int64_t live_at = 0;  // when non-zero, entities expired at this time are left out
  int64_t limit = 100;
  int64_t offset = 0;
  bool newest_first = true;
  // Whether to count every match (MemoryEntityPage::total): a second pass over the matches,
  // so only the lists that answer a total ask for it.
  bool count_total = false;
};

struct MemoryEntityPage {
  std::vector<MemoryEntity> items;
  int64_t total = 0;  // matches before limit and offset, when the query asked to count them
};

class MemoryStore {
 public:
  virtual ~MemoryStore() = default;

  // --- CELLSTATE memory entities
  // Stores the entity, assigning seq. kConflict if the tenant has one of that kind and id.
  virtual Async<Result<MemoryEntity>> create_memory_entity(MemoryEntity entity) = 0;
  // Stores the entities in one transaction (an entity and the event that records it): all, or
  // none with the first failure.
  virtual Async<Result<std::vector<MemoryEntity>>> create_memory_entities(std::vector<MemoryEntity> entities) = 0;
  virtual Async<Result<MemoryEntity>> get_memory_entity(const std::string& tenant_id, const std::string& kind,
                                                        const std::string& id) = 0;
  virtual Async<Result<MemoryEntityPage>> list_memory_entities(const MemoryEntityQuery& query) = 0;
  // Replaces keys, body, embedding and expiry if the stored version is still entity.version;
  // kConflict if it changed since it was read. Returns the entity with its new version.
  virtual Async<Result<MemoryEntity>> update_memory_entity(MemoryEntity entity) = 0;
  virtual Async<Status> delete_memory_entity(const std::string& tenant_id, const std::string& kind,
                                             const std::string& id) = 0;
  // Stores a lock (kind "lock") on the resource named by its parent_id unless a lock live at
  // `now_ms` on that resource conflicts with it: any exclusive one, or any at all when this
  // one's type is "exclusive". kConflict with the holder in details otherwise. The check and
  // the insert are one transaction, so two acquisitions cannot both succeed.
  virtual Async<Result<MemoryEntity>> acquire_memory_lock(MemoryEntity lock, int64_t now_ms) = 0;
  // Deletes up to `limit` entities (all tenants) expired at `now_ms`; returns them.
  virtual Async<Result<std::vector<MemoryEntity>>> delete_expired_memory_entities(int64_t now_ms, int limit) = 0;
  // Visits every entity of `kind` (all tenants) until `visit` returns false.
  virtual Async<Status> scan_memory_entities(const std::string& kind,
                                             const std::function<bool(const MemoryEntity&)>& visit) = 0;
};

}  // namespace brainstem::store
