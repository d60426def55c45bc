// Group commit of what answered messages leave behind (store::ConversationRecord): every
// record waiting while a write runs goes into the next transaction together, so concurrent
// messages share one commit instead of queueing for the store's writer one by one. A
// message's write() completes once its own record has committed (or failed alone), so the
// next message of the session reads it.
//
// The turns of every committed record go to the turn search index.
// Thread-safety: write() may be called from any executor concurrently.
#pragma once

#include "knowledge/turn_index.h"
#include "store/conversation_store.h"

#include <boost/asio/awaitable.hpp>

#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace brainstem::pipeline {

class ConversationWriter {
 public:
  // `turns` (null: none) indexes the turns written.
  explicit ConversationWriter(store::ConversationStore& store, knowledge::TurnIndex* turns = nullptr,
                              size_t max_batch = 256)
      : store_(store), turns_(turns), max_batch_(max_batch) {}

  boost::asio::awaitable<Status> write(store::ConversationRecord record);
  // True when more records wait than one transaction takes. A caller that would let its write
  // finish in the background should wait for it instead, so that the queue stays bounded by
  // the store's pace when messages come faster than it writes.
  bool backlogged() const;

 private:
  struct Waiter;
  struct Pending {
    store::ConversationRecord record;
    std::shared_ptr<Waiter> waiter;
  };
  boost::asio::awaitable<void> flush_all();

  store::ConversationStore& store_;
  knowledge::TurnIndex* const turns_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::deque<Pending> queue_;
  bool flushing_ = false;
};

}  // namespace brainstem::pipeline
