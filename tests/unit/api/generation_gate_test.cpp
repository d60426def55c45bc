// Load shedding and resource protection for generations: 429 past the concurrent limit,
// 503 RESOURCE_EXHAUSTED short of memory or over the load, with the readings scripted.
#include "api/generation_gate.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using api::GateOptions;
using api::GenerationGate;
using api::ResourceReadings;

GateOptions reading(int64_t free_mb, double load) {
  GateOptions o;
  o.read_resources = [free_mb, load] { return ResourceReadings{free_mb, load}; };
  return o;
}

void expect_exhausted(const Result<GenerationGate::Slot>& slot) {
  ASSERT_FALSE(slot.ok());
  EXPECT_EQ(slot.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(slot.status().details().at("code"), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(slot.status().retry_after_s().value_or(0), 1);
}

TEST(GenerationGate, ShortOfMemoryOrOverTheLoadEveryGenerationIsRefused) {
  GateOptions memory = reading(50, 0.1);
  memory.min_free_memory_mb = 100;
  expect_exhausted(GenerationGate(memory).acquire());

  GateOptions load = reading(4096, 3.0);
  load.max_load_per_core = 2.0;
  expect_exhausted(GenerationGate(load).acquire());

  GateOptions fine = reading(4096, 1.5);
  fine.min_free_memory_mb = 100;
  fine.max_load_per_core = 2.0;
  EXPECT_TRUE(GenerationGate(fine).acquire().ok());

  GateOptions unknown = reading(-1, 0);
  unknown.min_free_memory_mb = 100;
  EXPECT_TRUE(GenerationGate(unknown).acquire().ok()) << "memory that cannot be read refuses nothing";
  GateOptions off = reading(1, 99);
  EXPECT_TRUE(GenerationGate(off).acquire().ok()) << "zero turns the checks off";
}

TEST(GenerationGate, PastTheConcurrentLimitIs429UntilASlotIsReleased) {
  GateOptions o = reading(-1, 0);
  o.max_concurrent = 2;
  GenerationGate gate(o);
  auto a = gate.acquire();
  auto b = gate.acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = gate.acquire();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kRateLimited);
  EXPECT_EQ(c.status().retry_after_s().value_or(0), 1);
  EXPECT_EQ(gate.active(), 2);
  a = Result<GenerationGate::Slot>(Status::unavailable("released"));  // drops the slot
  EXPECT_EQ(gate.active(), 1);
  EXPECT_TRUE(gate.acquire().ok());
}

}  // namespace
