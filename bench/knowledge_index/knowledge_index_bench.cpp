// Retrieval index benchmark: HNSW build speed, memory, top-10 latency and recall@10 on
// synthetic clustered embeddings, and BM25 query latency on synthetic Zipf text.
// Prints Markdown. Single-threaded queries; the build uses VectorIndex::add_batch.
#include "knowledge/index/bm25_index.h"
#include "knowledge/index/vector_index.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace brainstem::knowledge;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kSeed = 42;
constexpr int kClusters = 1000;
constexpr float kNoise = 0.65f;  // per-dim noise sd around N(0,1) centres: cos(x, centre) ~ 0.84
constexpr size_t kExactQueries = 200;
constexpr size_t kK = 10;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// VmRSS from /proc/self/status, in bytes.
size_t rss_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

// n points: a random one of kClusters Gaussian centres plus Gaussian noise (normalised by the
// index). Centres come from the fixed seed, points from `seed`, so queries share the clusters.
std::vector<float> clustered_vectors(size_t n, int dim, uint32_t seed) {
  std::mt19937 centre_rng(kSeed);
  std::normal_distribution<float> normal;
  std::vector<float> centres(size_t(kClusters) * dim);
  for (auto& x : centres) x = normal(centre_rng);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, kClusters - 1);
  std::vector<float> out(n * dim);
  for (size_t i = 0; i < n; ++i) {
    const float* centre = &centres[size_t(pick(rng)) * dim];
    for (int d = 0; d < dim; ++d) out[i * dim + d] = centre[d] + kNoise * normal(rng);
  }
  return out;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

// Runs fn(i) for i in [0, n) on `threads` threads.
template <class Fn>
void parallel_for(size_t n, unsigned threads, Fn fn) {
  std::atomic<size_t> next{0};
  std::vector<std::jthread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
}

void bench_vectors(size_t n, int dim, size_t queries, unsigned threads,
                   const std::vector<int>& ef_values, VectorIndex::Params params) {
  auto data = clustered_vectors(n, dim, kSeed + 1);
  auto query_data = clustered_vectors(queries, dim, kSeed + 2);
  std::vector<uint64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = i;
  auto query = [&](size_t q) { return std::span<const float>(query_data).subspan(q * dim, dim); };

  const size_t rss_before = rss_bytes();
  auto start = Clock::now();
  VectorIndex index(dim, params, n);
  index.add_batch(ids, data, threads);
  const double build_s = seconds_since(start);
  const size_t rss_delta = rss_bytes() - rss_before;
  data = {};

  const size_t exact_n = std::min(queries, kExactQueries);
  std::vector<std::vector<ScoredId>> exact(exact_n);
  parallel_for(exact_n, threads, [&](size_t q) { exact[q] = index.exact_search(query(q), kK); });

  for (int ef : ef_values) {
    index.set_ef_search(ef);
    std::vector<double> micros;
    size_t found = 0;
    for (size_t q = 0; q < queries; ++q) {
      auto t0 = Clock::now();
      auto hits = index.search(query(q), kK);
      micros.push_back(seconds_since(t0) * 1e6);
      if (q >= exact_n) continue;
      for (const auto& want : exact[q]) {
        found += std::count_if(hits.begin(), hits.end(),
                               [&](const ScoredId& h) { return h.id == want.id; });
      }
    }
    std::printf("| %zu | %.1f | %.0f | %.0f | %.0f | %d | %.0f | %.0f | %.3f |\n", n, build_s,
                double(n) / build_s, double(rss_delta) / (1 << 20),
                double(index.memory_bytes()) / (1 << 20), ef, percentile(micros, 0.5),
                percentile(micros, 0.99), double(found) / double(exact_n * kK));
    std::fflush(stdout);
  }
}

void bench_bm25(size_t docs, size_t queries) {
  constexpr size_t kVocabulary = 50000, kWordsPerDoc = 100, kWordsPerQuery = 3;
  constexpr double kZipfS = 1.07;
  std::vector<double> weights(kVocabulary);
  for (size_t r = 0; r < kVocabulary; ++r) weights[r] = 1 / std::pow(double(r + 1), kZipfS);
  std::discrete_distribution<size_t> zipf(weights.begin(), weights.end());
  auto word = [](size_t rank) {  // "baa", "bab", ...: letters only, 3+ long
    std::string w = "b";
    for (size_t v = rank; w.size() < 3 || v > 0; v /= 26) w += char('a' + v % 26);
    return w;
  };
  std::mt19937 rng(kSeed);
  auto text = [&](size_t words) {
    std::string t;
    for (size_t i = 0; i < words; ++i) t += word(zipf(rng)) + ' ';
    return t;
  };

  Bm25Index index;
  std::vector<std::string> corpus(docs);
  for (auto& doc : corpus) doc = text(kWordsPerDoc);
  auto start = Clock::now();
  for (size_t i = 0; i < docs; ++i) index.add(i, corpus[i]);
  const double build_s = seconds_since(start);

  std::vector<double> micros;
  for (size_t q = 0; q < queries; ++q) {
    const std::string query = text(kWordsPerQuery);
    auto t0 = Clock::now();
    index.search(query, kK);
    micros.push_back(seconds_since(t0) * 1e6);
  }
  std::printf(
      "\nBM25: %zu docs of %zu words (Zipf s=%.2f over %zu words, seed %u), indexed in %.1f s "
      "(%.0f docs/s, one thread); %zu queries of %zu Zipf-drawn words, top-%zu: p50 %.0f µs, "
      "p99 %.0f µs.\n",
      docs, kWordsPerDoc, kZipfS, kVocabulary, kSeed, build_s, double(docs) / build_s, queries,
      kWordsPerQuery, kK, percentile(micros, 0.5), percentile(micros, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Retrieval index benchmark (HNSW vectors, BM25)");
  std::vector<size_t> sizes = {100000, 1000000};
  std::vector<int> ef_values = {64, 128};
  int dim = 384;
  size_t queries = 1000, bm25_docs = 100000;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  VectorIndex::Params params{.m = 16, .ef_construction = 100};
  app.add_option("--sizes", sizes, "index sizes")->delimiter(',');
  app.add_option("--dim", dim, "vector dimension");
  app.add_option("--queries", queries, "queries per size");
  app.add_option("--threads", threads, "build threads (hnswlib parallel insertion)");
  app.add_option("--ef", ef_values, "ef_search values")->delimiter(',');
  app.add_option("--m", params.m, "HNSW M");
  app.add_option("--ef-construction", params.ef_construction, "HNSW ef_construction");
  app.add_option("--bm25-docs", bm25_docs, "BM25 documents (0: skip)");
  CLI11_PARSE(app, argc, argv);

  std::printf("# knowledge_index_bench\n\n");
  std::printf("CPU: %s, %u hardware threads; build threads %u; queries single-threaded.\n",
              cpu_model().c_str(), std::thread::hardware_concurrency(), threads);
  std::printf(
      "Vectors: synthetic, %d Gaussian cluster centres (N(0,1) per dim) + N(0, %.2f^2) noise, "
      "dim %d, L2-normalised, seed %u; %zu queries drawn the same way (not in the index); "
      "recall@10 against exact search on the first %zu queries.\n",
      kClusters, kNoise, dim, kSeed, queries, std::min(queries, kExactQueries));
  std::printf("HNSW (hnswlib 0.6.2, inner product): M=%d, ef_construction=%d.\n", params.m,
              params.ef_construction);
  std::printf("Target: top-10 p99 < 5 ms at 1M vectors with recall@10 >= 0.95.\n\n");
  std::printf(
      "| vectors | build s | vectors/s | RSS delta MiB | memory_bytes MiB | ef_search | p50 µs | "
      "p99 µs | recall@10 |\n|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  for (size_t n : sizes) bench_vectors(n, dim, queries, threads, ef_values, params);
  if (bm25_docs > 0) bench_bm25(bm25_docs, queries);
}
