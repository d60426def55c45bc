// Conformance suite of store::UsageStore: recording metered usage and the sums budgets and
// reports read. Every engine in conformance.h runs all of it.
#include "common/run_sync.h"
#include "conformance.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::store;
using brainstem::test_support::Engines;

template <class Engine>
class UsageStoreConformance : public brainstem::test_support::StoreConformance<Engine> {};
TYPED_TEST_SUITE(UsageStoreConformance, Engines);

UsageRecord make_usage(const std::string& tenant_id, const std::string& model, const std::string& key_id,
                       int64_t at_ms, double cost_usd) {
  UsageRecord r;
  r.tenant_id = tenant_id;
  r.key_id = key_id;
  r.agent_id = "a1";
  r.model = model;
  r.kind = "chat";
  r.prompt_tokens = 10;
  r.completion_tokens = 5;
  r.cost_usd = cost_usd;
  r.at_ms = at_ms;
  return r;
}

TYPED_TEST(UsageStoreConformance, UsageSummaryGroupsByModelAndKeyWithinTheWindow) {
  ASSERT_TRUE(run_sync(this->store_
                  ->record_usage({make_usage("t1", "llama", "key_1", 1000, 0.5),
                                  make_usage("t1", "llama", "key_1", 1500, 0.25),
                                  make_usage("t1", "llama", "", 1200, 1.0),
                                  make_usage("t1", "gpt", "key_1", 1999, 2.0),
                                  make_usage("t1", "gpt", "key_1", 2000, 4.0),  // at to_ms: outside
                                  make_usage("t1", "gpt", "key_1", 999, 8.0),   // before from_ms
                                  make_usage("t2", "llama", "key_1", 1000, 16.0)}))
                  .is_ok());
  UsageQuery query;
  query.tenant_id = "t1";
  query.from_ms = 1000;
  query.to_ms = 2000;
  auto rows = run_sync(this->store_->usage_summary(query));
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].model, "gpt");
  EXPECT_EQ((*rows)[0].key_id, "key_1");
  EXPECT_EQ((*rows)[0].requests, 1);
  EXPECT_DOUBLE_EQ((*rows)[0].cost_usd, 2.0);
  EXPECT_EQ((*rows)[1].model, "llama");
  EXPECT_EQ((*rows)[1].key_id, "");
  EXPECT_EQ((*rows)[1].requests, 1);
  EXPECT_EQ((*rows)[2].model, "llama");
  EXPECT_EQ((*rows)[2].key_id, "key_1");
  EXPECT_EQ((*rows)[2].requests, 2);
  EXPECT_EQ((*rows)[2].prompt_tokens, 20);
  EXPECT_EQ((*rows)[2].completion_tokens, 10);
  EXPECT_DOUBLE_EQ((*rows)[2].cost_usd, 0.75);

  UsageQuery everything;
  everything.tenant_id = "t1";
  EXPECT_EQ(run_sync(this->store_->usage_summary(everything))->size(), 3u);
  EXPECT_EQ(run_sync(this->store_->usage_summary(everything))->front().requests, 3);
}

TYPED_TEST(UsageStoreConformance, UsageCostSumsTheHalfOpenWindow) {
  ASSERT_TRUE(run_sync(this->store_
                  ->record_usage({make_usage("t1", "llama", "key_1", 1000, 0.5),
                                  make_usage("t1", "gpt", "", 1500, 0.25),
                                  make_usage("t1", "gpt", "", 2000, 4.0),
                                  make_usage("t2", "gpt", "", 1500, 8.0)}))
                  .is_ok());
  EXPECT_DOUBLE_EQ(*run_sync(this->store_->usage_cost("t1", 1000, 2000)), 0.75);
  EXPECT_DOUBLE_EQ(*run_sync(this->store_->usage_cost("t1", 0, INT64_MAX)), 4.75);
  EXPECT_DOUBLE_EQ(*run_sync(this->store_->usage_cost("t1", 3000, 4000)), 0.0);
  EXPECT_DOUBLE_EQ(*run_sync(this->store_->usage_cost("t3", 0, INT64_MAX)), 0.0);
  EXPECT_TRUE(run_sync(this->store_->record_usage({})).is_ok());
}

}  // namespace
