// A2A tasks of a workspace: each message sent to an agent over A2A becomes a task, stored so
// that it outlives the connection and the process (GetTask after a restart), listed newest
// first by cursor, canceled while it runs, and counted into the delegation topology.
//
// A task is a tenant-scoped row of the memory store (kind "a2a_task"): its 1.0 JSON is the
// body; parent_id is its context, owner_id the agent it was sent to, status its short state
// ("working"), type the agent that delegated it (empty when a person or program sent it).
// Changes are versioned updates retried on conflict, so a cancel racing the run's completion
// leaves one final state. Runs of this process register a cancellation flag their stream sink
// reads between tokens.
//
// Errors: kNotFound for an unknown task or another tenant's; kConflict for a cancel of a final
// task; the store's errors otherwise.
// Thread-safety: every method may be called concurrently.
#pragma once

#include "a2a/protocol.h"
#include "common/status.h"
#include "store/memory_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace brainstem::a2a {

struct TaskDraft {
  std::string tenant_id;
  std::string agent_id;
  std::string skill;            // the skill the message asked for
  std::string caller_agent_id;  // the agent that delegated, or empty
  std::string context_id;       // empty: a new context
  boost::json::object message;  // read_message's form
};

struct TaskQuery {
  std::string tenant_id;
  std::string agent_id;    // empty: every agent's
  std::string context_id;  // empty: every context
  std::optional<TaskState> state;
  int page_size = 50;      // 1..100
  std::string page_token;  // a previous page's nextPageToken, or empty for the first page
  std::optional<int> history_length;
  std::optional<int64_t> status_after_ms;  // only tasks whose status changed after this (unix ms)
  bool include_artifacts = false;
};

struct TaskPage {
  boost::json::array tasks;
  std::string next_page_token;  // "" on the last page
  int page_size = 0;
  int64_t total = 0;
};

class Tasks {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;
  using Object = boost::json::object;

  explicit Tasks(store::MemoryStore& store) : store_(store) {}

  // A new task in state submitted, the message first in its history.
  Task<Result<Object>> create(TaskDraft draft);
  // The task with its last `history_length` messages (all when nullopt).
  Task<Result<Object>> get(const std::string& tenant_id, const std::string& id,
                           std::optional<int> history_length = std::nullopt);
  // Moves a task that is not final to `state`: `message` (the agent's) joins its history and
  // becomes the status message, `artifacts` are appended. A final task is returned unchanged.
  Task<Result<Object>> advance(const std::string& tenant_id, const std::string& id, TaskState state,
                               std::optional<Object> message = std::nullopt, boost::json::array artifacts = {});
  // Cancels a task that is not final; kConflict when it is.
  Task<Result<Object>> cancel(const std::string& tenant_id, const std::string& id);
  // kValidation for a page token this server did not write.
  Task<Result<TaskPage>> list(const TaskQuery& query);
  // {agents: [ids], edges: [{from, to, via: "a2a"|"delegation"|"handoff", count}]} from the
  // tenant's last tasks, CELLSTATE delegations and handoffs.
  Task<Result<Object>> topology(const std::string& tenant_id);

  // The cancellation flag of a run in this process; set by cancel(). Release with finished().
  std::shared_ptr<std::atomic<bool>> running(const std::string& tenant_id, const std::string& id);
  void finished(const std::string& tenant_id, const std::string& id);

 private:
  Task<Result<Object>> update(const std::string& tenant_id, const std::string& id,
                              const std::function<Status(Object&, bool& unchanged)>& change);

  store::MemoryStore& store_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> running_;  // by tenant + '/' + id
};

// The task without artifacts unless asked, its history cut to the last `history_length`.
boost::json::object task_view(boost::json::object task, std::optional<int> history_length, bool include_artifacts);

}  // namespace brainstem::a2a
