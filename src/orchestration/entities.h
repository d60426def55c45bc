// Cendriix's buildable entities: skills, plugins, playbooks, policies and guardrails, one
// store for all kinds. An entity is a draft (name and spec, changed in place, the spec checked
// for its kind on every change) with immutable published versions; a fork copies it into a new
// draft that remembers where it came from; a merged run can become a playbook.
//
// Entities and their versions are tenant-scoped rows of the memory store (kinds
// "cendriix_entity" and "cendriix_entity_version").
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "common/status.h"
#include "store/memory_store.h"
#include "store/orchestration_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace brainstem::orchestration {

struct EntityFilter {
  std::string kind;    // empty: every kind
  std::string origin;  // user | fork | run; empty: any
  std::string q;       // words the name or spec must contain (case-insensitive)
};

class Entities {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;
  using Object = boost::json::object;

  Entities(store::MemoryStore& entities, store::OrchestrationStore& runs) : entities_(entities), runs_(runs) {}

  // The spec's problems for its kind: [{field, message}] (empty when valid).
  static boost::json::array check_spec(const std::string& kind, const boost::json::value& spec);

  Task<Result<Object>> create(const std::string& tenant_id, const std::string& kind, const std::string& name,
                              boost::json::value spec);
  Task<Result<std::vector<Object>>> list(const std::string& tenant_id, const EntityFilter& filter);
  Task<Result<Object>> get(const std::string& tenant_id, const std::string& id);
  Task<Result<Object>> update(const std::string& tenant_id, const std::string& id, std::optional<std::string> name,
                              std::optional<boost::json::value> spec);
  Task<Status> remove(const std::string& tenant_id, const std::string& id);
  Task<Result<Object>> fork(const std::string& tenant_id, const std::string& id, const std::string& name);
  // Snapshots the draft as the next immutable version.
  Task<Result<Object>> publish(const std::string& tenant_id, const std::string& id);
  Task<Result<std::vector<Object>>> versions(const std::string& tenant_id, const std::string& id);
  Task<Result<Object>> validate(const std::string& tenant_id, const std::string& id);
  // What refers to the entity and what it refers to: its forks, what it was forked from, the
  // run it was promoted from, the workflows whose definitions name it.
  Task<Result<Object>> linkage(const std::string& tenant_id, const std::string& id);
  // A merged run's plan as a new playbook.
  Task<Result<Object>> promote_run(const std::string& tenant_id, const std::string& run_id, const std::string& name);

 private:
  Task<Result<store::MemoryEntity>> stored(const std::string& tenant_id, const std::string& id);
  Task<Result<Object>> insert(const std::string& tenant_id, const std::string& kind, const std::string& name,
                              boost::json::value spec, const std::string& origin, const std::string& source);

  store::MemoryStore& entities_;
  store::OrchestrationStore& runs_;
};

}  // namespace brainstem::orchestration
