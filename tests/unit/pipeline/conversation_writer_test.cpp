// The group-committing writer of conversation records, against a real SQLite store.
#include "common/run_sync.h"
#include "pipeline/conversation_writer.h"

#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace brainstem;

store::ConversationRecord record_of(const std::string& session, int n) {
  store::Turn turn;
  turn.id = "turn_" + session + "_" + std::to_string(n);
  turn.tenant_id = "t1";
  turn.agent_id = "a1";
  turn.session_id = session;
  turn.role = "user";
  turn.content = "message " + std::to_string(n);
  turn.created_at = 1000 + n;
  store::ConversationRecord record;
  record.turns = {turn};
  return record;
}

TEST(ConversationWriter, BackloggedWhileMoreThanABatchWaitsThenEveryRecordIsWritten) {
  test_support::TempDir dir;
  store::SqliteOptions one_thread;
  one_thread.threads = 1;
  auto opened = store::open_sqlite(dir.file("brainstem.db"), one_thread);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto store = std::move(opened).value();
  store::CacheEntry entry;
  entry.id = "ce_1";
  entry.tenant_id = "t1";
  entry.question = entry.answer = "q";
  ASSERT_TRUE(run_sync(store->put_cache_entry(entry)).is_ok());
  pipeline::ConversationWriter writer(*store, nullptr, /*max_batch=*/2);

  asio::io_context ioc;
  std::promise<void> gate;
  std::shared_future<void> gate_open = gate.get_future().share();
  // Holds the store's only thread (a scan waits in its visitor), so that the first batch
  // cannot be written yet.
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    co_await store->scan_cache_entries([gate_open](const store::CacheEntry&) {
      gate_open.wait();
      return false;
    });
  }, asio::detached);
  std::vector<std::optional<Status>> outcomes(5);
  std::optional<bool> backlogged_before, backlogged_after_queueing;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    backlogged_before = writer.backlogged();
    for (int i = 0; i < 5; ++i) {
      asio::co_spawn(ioc, [&, i]() -> asio::awaitable<void> {
        outcomes[i] = co_await writer.write(record_of("s" + std::to_string(i), i));
      }, asio::detached);
    }
    // Let the writes queue and the flusher take its first batch (blocked behind the gate).
    for (int spin = 0; spin < 10; ++spin) co_await asio::post(ioc, asio::use_awaitable);
    backlogged_after_queueing = writer.backlogged();
    gate.set_value();
  }, asio::detached);
  ioc.run();

  EXPECT_EQ(backlogged_before, false);
  EXPECT_EQ(backlogged_after_queueing, true);  // 5 written 2 at a time: 3 still wait
  EXPECT_FALSE(writer.backlogged());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(outcomes[i]) << i;
    EXPECT_TRUE(outcomes[i]->is_ok()) << outcomes[i]->message();
    auto turns = run_sync(store->recent_turns("t1", "a1", "s" + std::to_string(i), 10));
    ASSERT_TRUE(turns.ok());
    EXPECT_EQ(turns->size(), 1u) << i;
  }
}

}  // namespace
