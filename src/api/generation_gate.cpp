#include "api/generation_gate.h"

#include "common/clock.h"
#include "ops/metrics.h"

#include <string>

namespace brainstem::api {

ResourceReadings read_system_resources() {
  return {ops::system_memory().available_mb, ops::cpu_load_percent() / 100.0};
}

Result<GenerationGate::Slot> GenerationGate::acquire() {
  if (options_.min_free_memory_mb > 0 || options_.max_load_per_core > 0) {
    // The figures are read at most once a second; in between the last verdict stands.
    int64_t now = now_ms();
    int64_t last = resources_checked_ms_.load(std::memory_order_relaxed);
    if (now - last >= 1000 && resources_checked_ms_.compare_exchange_strong(last, now)) {
      const ResourceReadings now_read = options_.read_resources();
      bool ok = true;
      if (options_.min_free_memory_mb > 0) {
        ok = now_read.free_memory_mb < 0 || now_read.free_memory_mb >= options_.min_free_memory_mb;
      }
      if (ok && options_.max_load_per_core > 0) ok = now_read.load_per_core <= options_.max_load_per_core;
      resources_ok_.store(ok, std::memory_order_relaxed);
    }
    if (!resources_ok_.load(std::memory_order_relaxed)) {
      Status s(StatusCode::kUnavailable, "server resources exhausted (memory or CPU past the configured limit); retry shortly");
      s.with_details({{"code", "RESOURCE_EXHAUSTED"}}).with_retry_after(1);  // the verdict stands a second
      return s;
    }
  }
  int now_active = active_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (options_.max_concurrent > 0 && now_active > options_.max_concurrent) {
    active_.fetch_sub(1, std::memory_order_relaxed);
    return Status::rate_limited("too many concurrent generations (" + std::to_string(options_.max_concurrent) +
                                    "); load shedding is active",
                                1);
  }
  return Slot(this, [](GenerationGate* g) { g->active_.fetch_sub(1, std::memory_order_relaxed); });
}

}  // namespace brainstem::api
