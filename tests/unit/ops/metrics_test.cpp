#include "ops/metrics.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace brainstem::ops {
namespace {

bool contains_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

double json_number(const boost::json::value& v) {
  return v.is_double() ? v.as_double() : static_cast<double>(v.to_number<int64_t>());
}

TEST(MetricsTest, CountsRequestsByFamilyAndStatus) {
  Metrics m;
  for (int i = 0; i < 3; ++i) m.observe_request("cortex", 200, 0.01);
  m.observe_request("openai", 429, 0.001);
  m.observe_request("no-such-family", 200, 0.001);
  m.observe_request("other", 404, 0.001);

  EXPECT_EQ(m.requests_total(), 6);
  const std::string text = m.prometheus_text();
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="cortex",status="200"} 3)")) << text;
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="openai",status="429"} 1)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="other",status="200"} 1)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="other",status="404"} 1)"));
  EXPECT_EQ(text.find("no-such-family"), std::string::npos);
}

TEST(MetricsTest, UnlistedStatusesAreBucketedByClass) {
  Metrics m;
  m.observe_request("system", 418, 0.001);
  m.observe_request("system", 451, 0.001);
  m.observe_request("system", 207, 0.001);
  m.observe_request("system", 599, 0.001);
  m.observe_request("system", 101, 0.001);
  m.observe_request("system", 503, 0.001);

  const std::string text = m.prometheus_text();
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="system",status="4xx"} 2)")) << text;
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="system",status="2xx"} 1)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="system",status="5xx"} 1)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="system",status="1xx"} 1)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="system",status="503"} 1)"));
  EXPECT_EQ(m.requests_json().at("system").at("errors").to_number<int64_t>(), 2);
}

TEST(MetricsTest, OnlyNonZeroRequestSeriesAreEmitted) {
  Metrics m;
  std::string text = m.prometheus_text();
  EXPECT_NE(text.find("# HELP brainstem_http_requests_total "), std::string::npos);
  EXPECT_TRUE(contains_line(text, "# TYPE brainstem_http_requests_total counter"));
  EXPECT_EQ(text.find("brainstem_http_requests_total{"), std::string::npos);
  EXPECT_TRUE(contains_line(text, "# TYPE brainstem_http_request_duration_seconds histogram"));
  EXPECT_EQ(m.requests_total(), 0);
  EXPECT_TRUE(m.requests_json().empty());

  m.observe_request("cerebral", 201, 0.002);
  text = m.prometheus_text();
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_requests_total{family="cerebral",status="201"} 1)"));
  EXPECT_EQ(text.find(R"(brainstem_http_requests_total{family="cortex")"), std::string::npos);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics m;
  m.observe_request("cortex", 200, 0.0003);
  m.observe_request("cortex", 200, 0.001);  // on a bound: counted in le="0.001"
  m.observe_request("cortex", 200, 0.2);
  m.observe_request("cortex", 200, 20);
  const std::string text = m.prometheus_text();
  const std::string b = R"(brainstem_http_request_duration_seconds_bucket{family="cortex",le=")";
  EXPECT_TRUE(contains_line(text, b + R"(0.0005"} 1)")) << text;
  EXPECT_TRUE(contains_line(text, b + R"(0.001"} 2)"));
  EXPECT_TRUE(contains_line(text, b + R"(0.1"} 2)"));
  EXPECT_TRUE(contains_line(text, b + R"(0.25"} 3)"));
  EXPECT_TRUE(contains_line(text, b + R"(10"} 3)"));
  EXPECT_TRUE(contains_line(text, b + R"(+Inf"} 4)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_request_duration_seconds_count{family="cortex"} 4)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_request_duration_seconds_sum{family="cortex"} 20.2013)"));
}

TEST(MetricsTest, RequestsJsonReportsAveragesErrorsAndP99) {
  Metrics m;
  // 980 fast requests and 20 in (0.025, 0.05]: rank 990 lies halfway into that bucket.
  for (int i = 0; i < 980; ++i) m.observe_request("anthropic", 200, 0.004);
  for (int i = 0; i < 20; ++i) m.observe_request("anthropic", 503, 0.04);

  const boost::json::object json = m.requests_json();
  ASSERT_EQ(json.size(), 1u);
  const auto& a = json.at("anthropic").as_object();
  EXPECT_EQ(a.at("requests").to_number<int64_t>(), 1000);
  EXPECT_EQ(a.at("errors").to_number<int64_t>(), 20);
  EXPECT_NEAR(json_number(a.at("avg_latency_ms")), (980 * 4.0 + 20 * 40.0) / 1000, 1e-3);
  EXPECT_NEAR(json_number(a.at("p99_latency_ms")), 37.5, 1e-3);
}

TEST(MetricsTest, P99InterpolatesWithinASingleBucket) {
  Metrics m;
  for (int i = 0; i < 100; ++i) m.observe_request("cellstate", 200, 0.02);  // (0.01, 0.025]
  const boost::json::object json = m.requests_json();
  const auto& c = json.at("cellstate").as_object();
  EXPECT_NEAR(json_number(c.at("p99_latency_ms")), 10 + 15 * 0.99, 1e-3);
  EXPECT_NEAR(json_number(c.at("avg_latency_ms")), 20, 1e-3);
  EXPECT_EQ(c.at("errors").to_number<int64_t>(), 0);
}

TEST(MetricsTest, P99InTheOverflowBucketIsTheLargestFiniteBound) {
  Metrics m;
  for (int i = 0; i < 10; ++i) m.observe_request("cendriix", 200, 30);
  const boost::json::object json = m.requests_json();
  const auto& c = json.at("cendriix").as_object();
  EXPECT_NEAR(json_number(c.at("p99_latency_ms")), 10'000, 1e-3);
  EXPECT_NEAR(json_number(c.at("avg_latency_ms")), 30'000, 1e-3);
}

TEST(MetricsTest, ActiveGaugeUptimeMemoryAndBuildInfo) {
  Metrics m;
  m.request_started();
  m.request_started();
  m.request_finished();
  EXPECT_EQ(m.requests_active(), 1);
  const std::string text = m.prometheus_text();
  EXPECT_TRUE(contains_line(text, "brainstem_http_requests_active 1")) << text;
  EXPECT_TRUE(contains_line(text, "# TYPE brainstem_http_requests_active gauge"));
  EXPECT_TRUE(contains_line(text, "# TYPE process_resident_memory_bytes gauge"));
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_TRUE(contains_line(text, "# TYPE brainstem_uptime_seconds gauge"));
  EXPECT_NE(text.find("\nbrainstem_uptime_seconds "), std::string::npos);
  EXPECT_TRUE(contains_line(text, R"(brainstem_build_info{version="0.1.0"} 1)"));
  EXPECT_GT(resident_memory_bytes(), 0);
}

TEST(MetricsTest, NegativeAndNanDurationsCountAsZero) {
  Metrics m;
  m.observe_request("system", 200, -1.0);
  m.observe_request("system", 200, std::nan(""));
  const std::string text = m.prometheus_text();
  EXPECT_TRUE(contains_line(
      text, R"(brainstem_http_request_duration_seconds_bucket{family="system",le="0.0005"} 2)")) << text;
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_request_duration_seconds_sum{family="system"} 0)"));
}

TEST(MetricsTest, ConcurrentObservationsAreNotLost) {
  Metrics m;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < kPerThread; ++i) {
        m.request_started();
        m.observe_request("openai", 200, 0.001);
        m.request_finished();
      }
    });
  }
  // Rendering while observations run must be safe.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(m.prometheus_text().empty());
  for (auto& th : threads) th.join();

  EXPECT_EQ(m.requests_total(), kThreads * kPerThread);
  EXPECT_EQ(m.requests_active(), 0);
  const std::string text = m.prometheus_text();
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_request_duration_seconds_count{family="openai"} 80000)"));
  EXPECT_TRUE(contains_line(text, R"(brainstem_http_request_duration_seconds_sum{family="openai"} 80)"));
}

TEST(ResidentMemoryTest, ReadsVmRss) {
  // Touch some memory so the reading is clearly non-trivial.
  std::vector<char> block(32 << 20, 1);
  EXPECT_GT(resident_memory_bytes(), static_cast<int64_t>(block.size()));
}

// Runs `promtool check metrics` on `text`; returns its exit status and everything it printed.
struct PromtoolResult {
  int exit_code = -1;
  std::string output;
};

PromtoolResult promtool_check(const std::string& text) {
  char path[] = "/tmp/brainstem_metrics_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return {};
  close(fd);
  std::ofstream(path, std::ios::binary) << text;

  PromtoolResult r;
  const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  if (FILE* pipe = popen(cmd.c_str(), "r")) {
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::remove(path);
  return r;
}

bool promtool_available() { return std::system("command -v promtool >/dev/null 2>&1") == 0; }

TEST(MetricsPromtoolTest, ExpositionPassesPromtoolCheck) {
  if (!promtool_available()) GTEST_SKIP() << "promtool not on PATH";
  Metrics m;
  EXPECT_EQ(promtool_check(m.prometheus_text()).exit_code, 0);  // nothing observed yet

  const std::array<const char*, 10> families{"cerebral", "cerebrum", "cendriix", "cellstate", "cortex",
                                             "openai",   "anthropic", "system",  "other",     "bogus"};
  const std::array<int, 10> statuses{200, 201, 204, 302, 400, 418, 429, 500, 599, 999};
  for (size_t f = 0; f < families.size(); ++f) {
    for (size_t s = 0; s < statuses.size(); ++s) {
      m.observe_request(families[f], statuses[s], 0.0001 * static_cast<double>((f + 1) * (s + 1) * 37));
    }
  }
  m.request_started();
  const std::string text = m.prometheus_text();
  const PromtoolResult r = promtool_check(text);
  EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << text;
  EXPECT_EQ(r.output, "") << text;
}

TEST(MetricsPromtoolTest, PromtoolCheckRejectsBadExposition) {
  if (!promtool_available()) GTEST_SKIP() << "promtool not on PATH";
  // Guards the check above: a lint problem must show up as a failure.
  const PromtoolResult r = promtool_check(
      "# HELP bad_requests Requests.\n"
      "# TYPE bad_requests counter\n"
      "bad_requests 1\n");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output, "");
}

}  // namespace
}  // namespace brainstem::ops
