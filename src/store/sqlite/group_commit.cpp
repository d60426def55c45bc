#include "store/sqlite/group_commit.h"

#include <algorithm>
#include <string>
#include <vector>

namespace brainstem::store::sqlite {

namespace {
thread_local Connection* applying_on = nullptr;
}  // namespace

GroupCommitter::GroupCommitter(ConnectionPool& writer, size_t max_queued, size_t max_batch)
    : writer_(writer), max_queued_(max_queued), max_batch_(max_batch), thread_([this] { write_batches(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_one();
  thread_.join();
}

Connection* GroupCommitter::applying() { return applying_on; }

size_t GroupCommitter::queued() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void GroupCommitter::submit(QueuedWrite& write) {
  {
    std::lock_guard lock(mutex_);
    // An idle writer takes a write at once; a busy one keeps at most max_queued waiting.
    if (!stopping_ && (!writing_ || queue_.size() < max_queued_)) {
      queue_.push_back(&write);
      if (queue_.size() == 1) queued_.notify_one();
      return;
    }
  }
  write.fail(Status::unavailable("database is overloaded: too many operations waiting for the writer; retry later"));
  if (write.done) write.done();
}

void GroupCommitter::run(QueuedWrite& write) {
  std::mutex mutex;
  std::condition_variable ended;
  bool done = false;
  write.done = [&] {
    std::lock_guard lock(mutex);
    done = true;
    ended.notify_one();
  };
  submit(write);
  std::unique_lock lock(mutex);
  ended.wait(lock, [&] { return done; });
}

void GroupCommitter::write_batches() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, with nothing left to write
    const auto taken = static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_batch_));
    std::deque<QueuedWrite*> batch(queue_.begin(), queue_.begin() + taken);
    queue_.erase(queue_.begin(), queue_.begin() + taken);
    writing_ = true;
    lock.unlock();
    commit(batch);
    lock.lock();
    writing_ = false;
    lock.unlock();
    for (QueuedWrite* w : batch) {
      // Its owner may go on, and free it, as soon as it is told.
      auto done = std::move(w->done);
      if (done) done();
    }
    lock.lock();
  }
}

void GroupCommitter::commit(const std::deque<QueuedWrite*>& batch) {
  static const std::string kBegin = "BEGIN IMMEDIATE", kCommit = "COMMIT";
  auto lease = writer_.acquire();
  if (!lease.ok()) {
    for (QueuedWrite* w : batch) w->fail(lease.status());
    return;
  }
  Connection& c = **lease;
  // The writes applied in the open transaction: they stand or fall with its commit.
  std::vector<QueuedWrite*> applied;
  const auto fail_applied = [&](const Status& why) {
    for (QueuedWrite* w : applied) w->fail(why);
    applied.clear();
  };
  for (QueuedWrite* w : batch) {
    if (!c.in_transaction()) {
      // BEGIN IMMEDIATE takes the write lock up front, so a write that reads then writes
      // cannot fail half way because another process wrote in between.
      if (Status s = c.run(kBegin); !s.is_ok()) {
        w->fail(s);
        continue;
      }
      transactions_.fetch_add(1, std::memory_order_relaxed);
    }
    applying_on = &c;
    const bool succeeded = w->apply(c);
    applying_on = nullptr;
    if (!c.in_transaction()) {
      // SQLite rolled the whole transaction back by itself (I/O error, full disk): the writes
      // applied before this one in it are lost with it.
      Status lost = Status::unavailable("the database rolled back a write transaction; retry later");
      fail_applied(lost);
      if (succeeded) w->fail(lost);
      continue;
    }
    if (succeeded) applied.push_back(w);
  }
  if (!c.in_transaction()) return;
  if (Status s = c.run(kCommit); !s.is_ok()) {
    c.rollback_if_open();
    fail_applied(s);
  }
}

}  // namespace brainstem::store::sqlite
