// Server metrics: request counters and latency histograms by route family and status,
// rendered in the Prometheus text format (version 0.0.4) that `promtool check metrics` accepts.
//
// Thread-safety: observe_* and the gauges are lock-free on the hot path (pre-registered
// series, atomics); rendering may take a lock and may run concurrently with observations.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace brainstem::ops {

class Metrics {
 public:
  Metrics();
  ~Metrics();

  // One finished HTTP request. `family` is a route family name ("cerebral", "cortex", ...,
  // or "other"); unknown families are counted as "other". `status` is the HTTP status.
  void observe_request(std::string_view family, int status, double seconds);
  void request_started() { active_.fetch_add(1, std::memory_order_relaxed); }
  void request_finished() { active_.fetch_sub(1, std::memory_order_relaxed); }

  int64_t requests_total() const;
  int64_t requests_active() const { return active_.load(std::memory_order_relaxed); }

  // The whole exposition: brainstem_http_requests_total{family,status},
  // brainstem_http_request_duration_seconds{family} (histogram), brainstem_http_requests_active,
  // process_resident_memory_bytes, brainstem_uptime_seconds.
  std::string prometheus_text() const;
  // Requests by family: {"<family>": {"requests": N, "errors": N, "avg_latency_ms": x, "p99_latency_ms": x}}
  boost::json::object requests_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int64_t> active_{0};
};

// Resident set size of this process in bytes (from /proc/self/status), 0 if unknown.
int64_t resident_memory_bytes();

// The machine's memory in MiB (MemTotal and MemAvailable of /proc/meminfo); -1 when unknown.
struct SystemMemory {
  int64_t total_mb = -1;
  int64_t available_mb = -1;
};
SystemMemory system_memory();

// The one-minute load average as a percentage of the machine's cores (100 = every core busy).
double cpu_load_percent();

}  // namespace brainstem::ops
