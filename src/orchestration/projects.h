// Cendriix projects: a plain-English idea carried through a lifecycle (idea → provisioning →
// building → live, paused beside live, archived at the end). Creating one plans its work at
// once as a run (planned, not started: the planning model's plan or the ticket template), so
// its detail shows that run's state, its cost and what needs attention.
//
// Projects are tenant-scoped rows of the memory store (kind "cendriix_project").
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "common/status.h"
#include "orchestration/orchestrator.h"
#include "store/memory_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <string>
#include <vector>

namespace brainstem::orchestration {

struct ProjectDraft {
  std::string name;
  std::string idea;
  std::string cloud = "cendriix-managed";
  std::string region = "us-east-1";
  std::vector<std::string> tags;
};

class Projects {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;
  using Object = boost::json::object;

  Projects(store::MemoryStore& store, Orchestrator& orchestrator) : store_(store), orchestrator_(orchestrator) {}

  // Stores the project and plans its run; returns its detail.
  Task<Result<Object>> create(const std::string& tenant_id, ProjectDraft draft);
  Task<Result<std::vector<Object>>> list(const std::string& tenant_id);
  // {id, name, idea, cloud, region, tags, status, runId, run: {status, reason}, costUsd,
  // concerns: [text], createdAt, updatedAt}.
  Task<Result<Object>> get(const std::string& tenant_id, const std::string& id);
  // kValidation for an unknown status; kConflict for a move the lifecycle does not allow.
  Task<Result<Object>> set_status(const std::string& tenant_id, const std::string& id, const std::string& status);

  // Whether the lifecycle allows `from` → `to`: one stage forward or back, live ⇄ paused, and
  // archived from anywhere but archived.
  static bool may_move(const std::string& from, const std::string& to);

 private:
  Task<Result<Object>> detail(const std::string& tenant_id, const store::MemoryEntity& row);

  store::MemoryStore& store_;
  Orchestrator& orchestrator_;
};

}  // namespace brainstem::orchestration
