#include "pipeline/conversation_writer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace brainstem::pipeline {

namespace asio = boost::asio;

// Where a record's outcome is handed back; the flusher may run on another thread.
struct ConversationWriter::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : done(executor, 1) {}
  asio::experimental::concurrent_channel<void(boost::system::error_code, Status)> done;
};

asio::awaitable<Status> ConversationWriter::write(store::ConversationRecord record) {
  auto executor = co_await asio::this_coro::executor;
  auto waiter = std::make_shared<Waiter>(executor);
  bool start_flusher = false;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Pending{std::move(record), waiter});
    start_flusher = !std::exchange(flushing_, true);
  }
  if (start_flusher) asio::co_spawn(executor, flush_all(), asio::detached);
  auto [ec, status] = co_await waiter->done.async_receive(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return Status::internal("conversation write abandoned");
  co_return status;
}

bool ConversationWriter::backlogged() const {
  std::lock_guard lock(mu_);
  return queue_.size() >= max_batch_;
}

asio::awaitable<void> ConversationWriter::flush_all() {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        flushing_ = false;
        co_return;
      }
      size_t n = std::min(queue_.size(), max_batch_);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    std::vector<store::ConversationRecord> records;
    records.reserve(batch.size());
    for (auto& p : batch) records.push_back(std::move(p.record));
    std::vector<Status> statuses = co_await store_.record_conversations(records);
    statuses.resize(batch.size(), Status::internal("conversation write lost its status"));
    if (turns_) {
      std::vector<store::Turn> written;
      for (size_t i = 0; i < records.size(); ++i) {
        if (statuses[i].is_ok()) written.insert(written.end(), records[i].turns.begin(), records[i].turns.end());
      }
      turns_->add(std::move(written));
    }
    for (size_t i = 0; i < batch.size(); ++i) batch[i].waiter->done.try_send(boost::system::error_code{}, statuses[i]);
  }
}

}  // namespace brainstem::pipeline
