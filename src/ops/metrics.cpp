#include "ops/metrics.h"

#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace brainstem::ops {
namespace {

constexpr std::array<std::string_view, 9> kFamilies{
    "cerebral", "cerebrum", "cendriix", "cellstate", "cortex", "openai", "anthropic", "system", "other"};
constexpr std::size_t kFamilyCount = kFamilies.size();
constexpr std::size_t kOtherFamily = kFamilyCount - 1;

// Status label slots: the codes the server answers with, then one slot per status class
// (1xx..5xx) for any other code in range, then one for codes outside 100..599.
constexpr std::array<int, 22> kKnownStatuses{200, 201, 202, 204, 301, 302, 304, 400, 401, 402, 403,
                                             404, 405, 408, 409, 413, 422, 429, 500, 502, 503, 504};
constexpr std::size_t kClassSlot0 = kKnownStatuses.size();  // slot of "1xx"
constexpr std::size_t kOutOfRangeSlot = kClassSlot0 + 5;
constexpr std::size_t kStatusSlots = kOutOfRangeSlot + 1;

constexpr std::array<uint8_t, 600> make_status_slots() {
  std::array<uint8_t, 600> slots{};
  for (int s = 0; s < 600; ++s) {
    slots[s] = s < 100 ? kOutOfRangeSlot : static_cast<uint8_t>(kClassSlot0 + s / 100 - 1);
  }
  for (std::size_t i = 0; i < kKnownStatuses.size(); ++i) slots[kKnownStatuses[i]] = static_cast<uint8_t>(i);
  return slots;
}
constexpr auto kStatusSlotOf = make_status_slots();

std::size_t status_slot(int status) {
  return status >= 0 && status < 600 ? kStatusSlotOf[status] : kOutOfRangeSlot;
}

std::string status_label(std::size_t slot) {
  if (slot < kKnownStatuses.size()) return std::to_string(kKnownStatuses[slot]);
  if (slot < kOutOfRangeSlot) return std::to_string(slot - kClassSlot0 + 1) + "xx";
  return "other";
}

// Histogram upper bounds in seconds; the last bucket is +Inf.
constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,   5,     10};
constexpr std::array<std::string_view, 15> kBoundLabels{"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                        "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                        "1",      "2.5",   "5",      "10",    "+Inf"};
constexpr std::size_t kBuckets = kBounds.size() + 1;

std::size_t family_index(std::string_view family) {
  for (std::size_t i = 0; i < kFamilyCount; ++i) {
    if (kFamilies[i] == family) return i;
  }
  return kOtherFamily;
}

std::size_t bucket_index(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  return i;
}

std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

struct Metrics::Impl {
  struct alignas(64) Family {
    std::array<std::atomic<int64_t>, kStatusSlots> requests{};
    std::atomic<int64_t> errors{0};
    std::array<std::atomic<int64_t>, kBuckets> buckets{};  // per bucket, not cumulative
    std::atomic<int64_t> sum_ns{0};
  };

  // A consistent-enough copy of one family's histogram for rendering and estimates.
  struct HistogramSnapshot {
    std::array<int64_t, kBuckets> buckets{};
    int64_t count = 0;
    int64_t sum_ns = 0;
  };

  HistogramSnapshot histogram(std::size_t f) const {
    HistogramSnapshot h;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      h.buckets[b] = families[f].buckets[b].load(std::memory_order_relaxed);
      h.count += h.buckets[b];
    }
    h.sum_ns = families[f].sum_ns.load(std::memory_order_relaxed);
    return h;
  }

  // Like Prometheus' histogram_quantile: linear interpolation inside the bucket holding the
  // rank; a rank in the +Inf bucket is reported as the largest finite bound.
  static double quantile_seconds(const HistogramSnapshot& h, double q) {
    if (h.count == 0) return 0;
    const double rank = q * static_cast<double>(h.count);
    int64_t below = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      const int64_t in_bucket = h.buckets[b];
      if (in_bucket > 0 && static_cast<double>(below + in_bucket) >= rank) {
        if (b == kBounds.size()) return kBounds.back();
        const double lower = b == 0 ? 0.0 : kBounds[b - 1];
        const double upper = kBounds[b];
        return lower + (upper - lower) * (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
      }
      below += in_bucket;
    }
    return kBounds.back();
  }

  int64_t family_requests(std::size_t f) const {
    int64_t n = 0;
    for (const auto& c : families[f].requests) n += c.load(std::memory_order_relaxed);
    return n;
  }

  std::array<Family, kFamilyCount> families;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::observe_request(std::string_view family, int status, double seconds) {
  Impl::Family& f = impl_->families[family_index(family)];
  f.requests[status_slot(status)].fetch_add(1, std::memory_order_relaxed);
  if (status >= 500) f.errors.fetch_add(1, std::memory_order_relaxed);
  if (!(seconds > 0)) seconds = 0;  // also maps NaN to 0
  f.buckets[bucket_index(seconds)].fetch_add(1, std::memory_order_relaxed);
  const double ns = std::min(seconds * 1e9, 9.0e15);  // ~104 days; keeps the cast defined
  f.sum_ns.fetch_add(static_cast<int64_t>(std::llround(ns)), std::memory_order_relaxed);
}

int64_t Metrics::requests_total() const {
  int64_t n = 0;
  for (std::size_t f = 0; f < kFamilyCount; ++f) n += impl_->family_requests(f);
  return n;
}

std::string Metrics::prometheus_text() const {
  std::string out;
  out.reserve(8192);

  out +=
      "# HELP brainstem_http_requests_total HTTP requests served, by route family and status.\n"
      "# TYPE brainstem_http_requests_total counter\n";
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      const int64_t n = impl_->families[f].requests[s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "brainstem_http_requests_total{family=\"";
      out += kFamilies[f];
      out += "\",status=\"";
      out += status_label(s);
      out += "\"} ";
      out += std::to_string(n);
      out += '\n';
    }
  }

  out +=
      "# HELP brainstem_http_request_duration_seconds HTTP request latency, by route family.\n"
      "# TYPE brainstem_http_request_duration_seconds histogram\n";
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    const auto h = impl_->histogram(f);
    const std::string family_label = std::string("family=\"") + std::string(kFamilies[f]) + "\"";
    int64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      cumulative += h.buckets[b];
      out += "brainstem_http_request_duration_seconds_bucket{";
      out += family_label;
      out += ",le=\"";
      out += kBoundLabels[b];
      out += "\"} ";
      out += std::to_string(cumulative);
      out += '\n';
    }
    out += "brainstem_http_request_duration_seconds_sum{" + family_label + "} " +
           format_double(static_cast<double>(h.sum_ns) / 1e9) + '\n';
    out += "brainstem_http_request_duration_seconds_count{" + family_label + "} " + std::to_string(h.count) + '\n';
  }

  out +=
      "# HELP brainstem_http_requests_active HTTP requests being served now.\n"
      "# TYPE brainstem_http_requests_active gauge\n"
      "brainstem_http_requests_active " +
      std::to_string(requests_active()) + '\n';

  out +=
      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\n"
      "process_resident_memory_bytes " +
      std::to_string(resident_memory_bytes()) + '\n';

  const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->started).count();
  out +=
      "# HELP brainstem_uptime_seconds Seconds since the server started.\n"
      "# TYPE brainstem_uptime_seconds gauge\n"
      "brainstem_uptime_seconds " +
      format_double(round3(uptime)) + '\n';

  out +=
      "# HELP brainstem_build_info Build information; the value is always 1.\n"
      "# TYPE brainstem_build_info gauge\n"
      "brainstem_build_info{version=\"0.1.0\"} 1\n";
  return out;
}

boost::json::object Metrics::requests_json() const {
  boost::json::object out;
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    const int64_t requests = impl_->family_requests(f);
    if (requests == 0) continue;
    const auto h = impl_->histogram(f);
    const double avg_ms = h.count > 0 ? static_cast<double>(h.sum_ns) / static_cast<double>(h.count) / 1e6 : 0.0;
    boost::json::object entry;
    entry["requests"] = requests;
    entry["errors"] = impl_->families[f].errors.load(std::memory_order_relaxed);
    entry["avg_latency_ms"] = round3(avg_ms);
    entry["p99_latency_ms"] = round3(Impl::quantile_seconds(h, 0.99) * 1000.0);
    out[kFamilies[f]] = std::move(entry);
  }
  return out;
}

int64_t resident_memory_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    long long kib = 0;
    if (std::sscanf(line.c_str() + 6, "%lld", &kib) == 1) return static_cast<int64_t>(kib) * 1024;
    return 0;
  }
  return 0;
}

SystemMemory system_memory() {
  SystemMemory out;
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  int64_t kib = 0;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") out.total_mb = kib / 1024;
    else if (key == "MemAvailable:") out.available_mb = kib / 1024;
  }
  return out;
}

double cpu_load_percent() {
  double load[1];
  if (getloadavg(load, 1) != 1) return 0;
  return load[0] / std::max(1u, std::thread::hardware_concurrency()) * 100.0;
}

}  // namespace brainstem::ops
