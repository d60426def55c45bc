// Load shedding and resource protection for generations (seed 001): past
// `max_concurrent` generations in flight, new ones are refused with 429 RATE_LIMIT; when free
// memory drops under `min_free_memory_mb` or the load average per core rises over
// `max_load_per_core`, with 503 RESOURCE_EXHAUSTED. Zero turns a check off.
// Thread-safety: acquire() may be called concurrently; a slot is released when its last copy goes.
#pragma once

#include "common/status.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

namespace brainstem::api {

// What the resource checks read: available memory (-1: unknown, never refused) and the load
// average per core (1.0: every core busy).
struct ResourceReadings {
  int64_t free_memory_mb = -1;
  double load_per_core = 0;
};
ResourceReadings read_system_resources();  // /proc/meminfo and the one-minute load average

struct GateOptions {
  int max_concurrent = 64;
  int64_t min_free_memory_mb = 0;
  double max_load_per_core = 0;
  std::function<ResourceReadings()> read_resources = read_system_resources;
};

class GenerationGate {
 public:
  explicit GenerationGate(GateOptions options) : options_(options) {}

  using Slot = std::shared_ptr<void>;
  Result<Slot> acquire();
  int active() const { return active_.load(std::memory_order_relaxed); }

 private:
  GateOptions options_;
  std::atomic<int> active_{0};
  std::atomic<int64_t> resources_checked_ms_{0};
  std::atomic<bool> resources_ok_{true};
};

}  // namespace brainstem::api
