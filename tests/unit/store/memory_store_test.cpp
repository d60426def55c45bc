// Conformance suite of store::MemoryStore: CELLSTATE memory entities, scope turns and locks.
// Every engine in conformance.h runs it.
#include "common/run_sync.h"
#include "conformance.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;

using brainstem::test_support::Engines;

MemoryEntity entity(const std::string& kind, const std::string& id, int64_t created_at = 1000,
                    const std::string& tenant = "t1") {
  MemoryEntity e;
  e.tenant_id = tenant;
  e.kind = kind;
  e.id = id;
  e.body = R"({"name":")" + id + R"(","priority":"high","tags":["a","b"],"delivered_at":null})";
  e.created_at = e.updated_at = created_at;
  return e;
}

template <class Engine>
class MemoryStoreConformance : public brainstem::test_support::StoreConformance<Engine> {
 protected:
  std::vector<std::string> ids(const MemoryEntityQuery& q) {
    auto page = run_sync(this->store_->list_memory_entities(q));
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<std::string> out;
    for (const auto& e : page->items) out.push_back(e.id);
    return out;
  }
};
TYPED_TEST_SUITE(MemoryStoreConformance, Engines);

TYPED_TEST(MemoryStoreConformance, CreateGetAndDuplicate) {
  auto e = entity("artifact", "a1");
  e.embedding = {0.5f, 0.25f};
  e.embedding_model = "hashed";
  e.expires_at = 5000;
  auto stored = run_sync(this->store_->create_memory_entity(e));
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_GT(stored->seq, 0);
  EXPECT_EQ(stored->version, 1);
  auto got = run_sync(this->store_->get_memory_entity("t1", "artifact", "a1"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->body, e.body);
  EXPECT_EQ(got->embedding, e.embedding);
  EXPECT_EQ(got->expires_at, 5000);
  EXPECT_EQ(run_sync(this->store_->create_memory_entity(e)).status().code(), StatusCode::kConflict);
  // The same id under another kind or tenant is another entity; lookups never cross them.
  EXPECT_TRUE(run_sync(this->store_->create_memory_entity(entity("note", "a1"))).ok());
  EXPECT_TRUE(run_sync(this->store_->create_memory_entity(entity("artifact", "a1", 1000, "t2"))).ok());
  EXPECT_EQ(run_sync(this->store_->get_memory_entity("t3", "artifact", "a1")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(MemoryStoreConformance, EntitiesCreatedTogetherStandOrFallTogether) {
  auto both = run_sync(this->store_->create_memory_entities({entity("artifact", "a1"), entity("event", "e1")}));
  ASSERT_TRUE(both.ok()) << both.status().message();
  ASSERT_EQ(both->size(), 2u);
  EXPECT_LT((*both)[0].seq, (*both)[1].seq);
  // The second collides with a stored event: the first is not stored either.
  auto refused = run_sync(this->store_->create_memory_entities({entity("artifact", "a2"), entity("event", "e1")}));
  EXPECT_EQ(refused.status().code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->get_memory_entity("t1", "artifact", "a2")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(MemoryStoreConformance, ConcurrentWritesFailAlone) {
  // Writes from many threads at once (which an engine may commit together): each duplicate is
  // refused, and every other write is stored.
  ASSERT_TRUE(run_sync(this->store_->create_memory_entity(entity("note", "taken"))).ok());
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> stored{0}, refused{0}, other{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const bool duplicate = i % 5 == 0;
        auto e = entity("note", duplicate ? "taken" : "n" + std::to_string(t) + "-" + std::to_string(i));
        auto result = run_sync(this->store_->create_memory_entity(e));
        if (result.ok()) ++stored;
        else if (result.status().code() == StatusCode::kConflict) ++refused;
        else ++other;
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(refused.load(), kThreads * kEach / 5);
  EXPECT_EQ(stored.load(), kThreads * kEach * 4 / 5);
  MemoryEntityQuery all{.tenant_id = "t1", .kind = "note", .limit = 1000, .count_total = true};
  auto page = run_sync(this->store_->list_memory_entities(all));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 1 + kThreads * kEach * 4 / 5);
}

TYPED_TEST(MemoryStoreConformance, ListFiltersPagesAndCounts) {
  for (int i = 0; i < 5; ++i) {
    auto e = entity("message", "m" + std::to_string(i), 1000 + i);
    e.parent_id = i % 2 ? "odd" : "even";
    e.type = i < 3 ? "task_result" : "interrupt";
    if (i == 4) e.body = R"({"priority":"low","tags":["c"],"delivered_at":"2026-01-01T00:00:00Z"})";
    if (i == 3) e.expires_at = 500;
    ASSERT_TRUE(run_sync(this->store_->create_memory_entity(e)).ok());
  }
  MemoryEntityQuery q{.tenant_id = "t1", .kind = "message"};
  EXPECT_EQ(this->ids(q), (std::vector<std::string>{"m4", "m3", "m2", "m1", "m0"}));
  q.newest_first = false;
  q.limit = 2;
  q.offset = 1;
  auto page = run_sync(this->store_->list_memory_entities(q));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 0) << "counted only when asked";
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "m1");
  q.count_total = true;
  page = run_sync(this->store_->list_memory_entities(q));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->items.size(), 2u);

  MemoryEntityQuery even{.tenant_id = "t1", .kind = "message", .parent_id = "even", .type = "task_result"};
  EXPECT_EQ(this->ids(even), (std::vector<std::string>{"m2", "m0"}));
  MemoryEntityQuery low{.tenant_id = "t1", .kind = "message", .body_equals = {{"$.priority", "low"}}};
  EXPECT_EQ(this->ids(low), (std::vector<std::string>{"m4"}));
  MemoryEntityQuery undelivered{.tenant_id = "t1", .kind = "message", .body_null = {"$.delivered_at"}};
  EXPECT_EQ(this->ids(undelivered).size(), 4u);
  MemoryEntityQuery tagged{.tenant_id = "t1", .kind = "message", .body_contains = {{"$.tags", "c"}}};
  EXPECT_EQ(this->ids(tagged), (std::vector<std::string>{"m4"}));
  MemoryEntityQuery window{.tenant_id = "t1", .kind = "message", .created_after = 1001, .created_before = 1004};
  EXPECT_EQ(this->ids(window), (std::vector<std::string>{"m3", "m2"}));
  MemoryEntityQuery changed{.tenant_id = "t1", .kind = "message", .updated_after = 1002};
  EXPECT_EQ(this->ids(changed), (std::vector<std::string>{"m4", "m3"}));
  MemoryEntityQuery live{.tenant_id = "t1", .kind = "message", .live_at = 1000};
  EXPECT_EQ(this->ids(live), (std::vector<std::string>{"m4", "m2", "m1", "m0"}));
  MemoryEntityQuery other_tenant{.tenant_id = "t2", .kind = "message"};
  EXPECT_TRUE(this->ids(other_tenant).empty());
}

TYPED_TEST(MemoryStoreConformance, UpdateIsVersionedSoOneOfTwoRacingWritersLoses) {
  ASSERT_TRUE(run_sync(this->store_->create_memory_entity(entity("delegation", "d1"))).ok());
  auto first = *run_sync(this->store_->get_memory_entity("t1", "delegation", "d1"));
  auto second = first;
  first.status = "accepted";
  second.status = "rejected";
  auto won = run_sync(this->store_->update_memory_entity(first));
  ASSERT_TRUE(won.ok()) << won.status().message();
  EXPECT_EQ(won->version, 2);
  EXPECT_EQ(run_sync(this->store_->update_memory_entity(second)).status().code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->get_memory_entity("t1", "delegation", "d1"))->status, "accepted");
  auto missing = entity("delegation", "nope");
  EXPECT_EQ(run_sync(this->store_->update_memory_entity(missing)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(run_sync(this->store_->delete_memory_entity("t1", "delegation", "d1")).is_ok());
  EXPECT_EQ(run_sync(this->store_->delete_memory_entity("t1", "delegation", "d1")).code(), StatusCode::kNotFound);
}

MemoryEntity lock(const std::string& id, const std::string& mode, int64_t expires_at, const std::string& holder = "a") {
  MemoryEntity l = entity("lock", id);
  l.parent_id = "trajectory:r1";
  l.owner_id = holder;
  l.type = mode;
  l.expires_at = expires_at;
  return l;
}

TYPED_TEST(MemoryStoreConformance, LocksExcludeEachOtherUntilTheyExpire) {
  ASSERT_TRUE(run_sync(this->store_->acquire_memory_lock(lock("s1", "shared", 2000), 1000)).ok());
  ASSERT_TRUE(run_sync(this->store_->acquire_memory_lock(lock("s2", "shared", 2000), 1000)).ok());
  auto refused = run_sync(this->store_->acquire_memory_lock(lock("x1", "exclusive", 5000, "b"), 1000));
  ASSERT_EQ(refused.status().code(), StatusCode::kConflict);
  EXPECT_EQ(refused.status().details().at("code").as_string(), "LOCK_CONFLICT");
  // At 2000 the shared locks have expired: the exclusive one is granted, and then excludes all.
  ASSERT_TRUE(run_sync(this->store_->acquire_memory_lock(lock("x1", "exclusive", 5000, "b"), 2000)).ok());
  EXPECT_EQ(run_sync(this->store_->acquire_memory_lock(lock("s3", "shared", 9000), 3000)).status().code(), StatusCode::kConflict);
  auto other = lock("o1", "exclusive", 9000);
  other.parent_id = "trajectory:r2";
  EXPECT_TRUE(run_sync(this->store_->acquire_memory_lock(other, 3000)).ok());
}

TYPED_TEST(MemoryStoreConformance, ConcurrentExclusiveAcquisitionsGrantExactlyOne) {
  std::atomic<int> granted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = run_sync(this->store_->acquire_memory_lock(lock("l" + std::to_string(t * 100 + i), "exclusive", 1000000), 1000));
        (r.ok() ? granted : refused)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 1);
  EXPECT_EQ(refused.load(), 79);
}

TYPED_TEST(MemoryStoreConformance, ExpiredEntitiesAreDeletedInBatchesAndReturned) {
  for (int i = 0; i < 5; ++i) {
    auto e = entity("note", "n" + std::to_string(i));
    if (i < 3) e.expires_at = 100 + i;
    ASSERT_TRUE(run_sync(this->store_->create_memory_entity(e)).ok());
  }
  auto first = run_sync(this->store_->delete_expired_memory_entities(1000, 2));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 2u);
  auto second = run_sync(this->store_->delete_expired_memory_entities(1000, 2));
  EXPECT_EQ(second->size(), 1u);
  int left = 0;
  ASSERT_TRUE(run_sync(this->store_->scan_memory_entities("note", [&](const MemoryEntity&) { return ++left, true; })).is_ok());
  EXPECT_EQ(left, 2);
}

Turn turn(const std::string& session, const std::string& agent, int64_t tokens, int64_t at) {
  Turn t;
  t.id = "turn_" + session + agent + std::to_string(at);
  t.tenant_id = "t1";
  t.agent_id = agent;
  t.session_id = session;
  t.role = "user";
  t.content = "hello";
  t.tokens = tokens;
  t.created_at = at;
  return t;
}

TYPED_TEST(MemoryStoreConformance, ScopeTurnsStayWithinTheBudgetAcrossAgents) {
  // A conversation's turns under an agent count towards the scope with its id.
  ASSERT_TRUE(run_sync(this->store_->append_turns({turn("s1", "agent-a", 40, 1)})).ok());
  auto added = run_sync(this->store_->append_turn_within_budget(turn("s1", "", 50, 2), 100, {}));
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->seq, 1);
  auto refused = run_sync(this->store_->append_turn_within_budget(turn("s1", "", 11, 3), 100, {}));
  ASSERT_EQ(refused.status().code(), StatusCode::kConflict);
  EXPECT_EQ(refused.status().details().at("tokens_used").as_int64(), 90);
  EXPECT_EQ(*run_sync(this->store_->session_tokens("t1", "s1")), 90);
  auto all = run_sync(this->store_->session_turns("t1", "s1"));
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].agent_id, "agent-a");
  auto one = turn("s1", "", 10, 4);
  one.tool_calls = R"([{"name":"grep"}])";
  auto stored = run_sync(this->store_->append_turn_within_budget(one, 100, {}));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(run_sync(this->store_->get_turn("t1", stored->id))->tool_calls, one.tool_calls);
  EXPECT_EQ(run_sync(this->store_->get_turn("t2", stored->id)).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(MemoryStoreConformance, ATurnAndItsEventAreStoredTogether) {
  auto stored = run_sync(this->store_->append_turn_within_budget(turn("s1", "", 50, 1), 100, {entity("event", "e1")}));
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_TRUE(run_sync(this->store_->get_memory_entity("t1", "event", "e1")).ok());
  // Past the budget: neither the turn nor its event.
  auto over = run_sync(this->store_->append_turn_within_budget(turn("s1", "", 60, 2), 100, {entity("event", "e2")}));
  EXPECT_EQ(over.status().code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(this->store_->get_memory_entity("t1", "event", "e2")).status().code(), StatusCode::kNotFound);
  // An event that cannot be stored takes its turn with it.
  auto clash = run_sync(this->store_->append_turn_within_budget(turn("s1", "", 10, 3), 100, {entity("event", "e1")}));
  EXPECT_EQ(clash.status().code(), StatusCode::kConflict);
  EXPECT_EQ(*run_sync(this->store_->session_tokens("t1", "s1")), 50);
}

}  // namespace
