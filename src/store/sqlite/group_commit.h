// Group commit on the writer connection. Writes are queued for one writer thread of the
// engine's own; it takes every write waiting into one transaction, applies each (each in a
// savepoint of its own, so a failed one is rolled back alone), and commits once. A commit costs about the
// same for one write or for fifty (the WAL frames of shared index pages are written once), so
// concurrent writers pay for it together instead of queueing for it one by one, and no thread
// but the writer waits on the write lock. Private to store/sqlite.
#pragma once

#include "common/status.h"
#include "store/sqlite/connection.h"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace brainstem::store::sqlite {

// One write waiting for the writer. `apply` runs it on the connection inside the shared
// transaction, in a savepoint of its own that it rolls back if it fails (Database::write does
// both), and says whether it succeeded; `fail` replaces its outcome when it cannot run or its
// transaction did not commit; `done` is called last, on the writer thread, once its
// transaction has ended.
struct QueuedWrite {
  std::function<bool(Connection&)> apply;
  std::function<void(Status)> fail;
  std::function<void()> done;
};

class GroupCommitter {
 public:
  // While a transaction is written, at most `max_queued` writes wait for the next (more fail
  // with kUnavailable at once); a transaction takes at most `max_batch` of them.
  GroupCommitter(ConnectionPool& writer, size_t max_queued, size_t max_batch);
  // Commits the writes still queued, then stops the writer thread.
  ~GroupCommitter();

  // Queues `write`, which must live until its `done` is called.
  void submit(QueuedWrite& write);
  // Queues `write` and waits until its transaction has ended (for callers outside the engine's
  // coroutines). Its `done`, if any, is replaced.
  void run(QueuedWrite& write);

  // The connection whose transaction the calling thread is applying a write in, or null. A
  // write made while applying another joins that transaction.
  static Connection* applying();

  size_t queued();                                   // writes waiting for the next transaction
  int64_t transactions() const { return transactions_.load(); }  // transactions begun so far

 private:
  void write_batches();
  void commit(const std::deque<QueuedWrite*>& batch);

  ConnectionPool& writer_;
  const size_t max_queued_;
  const size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<QueuedWrite*> queue_;
  bool writing_ = false;  // a batch is being applied and committed
  bool stopping_ = false;
  std::atomic<int64_t> transactions_{0};
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace brainstem::store::sqlite
