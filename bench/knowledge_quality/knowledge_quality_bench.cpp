// Retrieval quality benchmark: recall@1/5/10 and MRR@10 of KnowledgeIndex searched by keywords
// only (BM25), by meaning only (HashedEmbedder vectors, HNSW) and by both (reciprocal rank
// fusion), on a hand-written help-centre set (retrieval_set.json), plus single-threaded query
// latency. Prints Markdown.
#include "knowledge/knowledge_index.h"
#include "models/hashed_embedder.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace brainstem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kTenant = "bench";
constexpr const char* kSource = "help-centre";
constexpr size_t kLimit = 10;
constexpr std::array<size_t, 3> kRecallAt{1, 5, 10};
// Latency is measured over this many passes of all questions; quality over the first.
constexpr int kLatencyRounds = 20;

struct Question {
  std::string text;
  std::string kind;
  std::set<int64_t> answers;  // chunk ids
};

struct RetrievalSet {
  std::vector<store::KnowledgeChunk> chunks;
  std::vector<Question> questions;
};

// Passages become chunks of one source, embedded as knowledge_base.cpp does: headings, newline, text.
RetrievalSet load(const std::string& path, const models::HashedEmbedder& embedder) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream content;
  content << in.rdbuf();
  json::object root = json::parse(content.str()).as_object();

  RetrievalSet set;
  std::map<std::string, int64_t> chunk_ids;
  for (const auto& value : root.at("passages").as_array()) {
    const auto& passage = value.as_object();
    store::KnowledgeChunk chunk;
    chunk.id = static_cast<int64_t>(set.chunks.size()) + 1;
    chunk.tenant_id = kTenant;
    chunk.source_id = kSource;
    chunk.source_name = "Help centre";
    chunk.ordinal = chunk.id - 1;
    chunk.heading_path = json::value_to<std::string>(passage.at("heading_path"));
    chunk.text = json::value_to<std::string>(passage.at("text"));
    chunk.embedding_model = embedder.id();
    chunk.embedding = embedder.embed_one(knowledge::indexed_text(chunk.heading_path, chunk.text));
    chunk_ids[json::value_to<std::string>(passage.at("id"))] = chunk.id;
    set.chunks.push_back(std::move(chunk));
  }
  for (const auto& value : root.at("questions").as_array()) {
    const auto& entry = value.as_object();
    Question question{json::value_to<std::string>(entry.at("text")), json::value_to<std::string>(entry.at("kind")), {}};
    for (const auto& answer : entry.at("answers").as_array()) {
      auto id = chunk_ids.find(json::value_to<std::string>(answer));
      if (id == chunk_ids.end()) throw std::runtime_error("unknown passage in answers: " + json::serialize(answer));
      question.answers.insert(id->second);
    }
    set.questions.push_back(std::move(question));
  }
  return set;
}

struct Mode {
  const char* name;
  bool keywords;
  bool vectors;
};

struct ModeResult {
  std::vector<size_t> ranks;  // per question: 1-based rank of the first answer in the top kLimit, 0 if absent
  std::vector<double> latencies_us;
};

ModeResult run(const Mode& mode, const RetrievalSet& set, const knowledge::KnowledgeIndex& index,
               const models::HashedEmbedder& embedder) {
  ModeResult result;
  for (int round = 0; round < kLatencyRounds; ++round) {
    for (const auto& question : set.questions) {
      auto start = Clock::now();
      knowledge::KnowledgeQuery query;
      query.tenant_id = kTenant;
      query.limit = kLimit;
      if (mode.keywords) query.text = question.text;
      // Embedding the query is part of a vector search's cost, so it is timed.
      if (mode.vectors) query.vectors[embedder.id()] = embedder.embed_one(question.text);
      auto hits = index.search(query);
      result.latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (round > 0) continue;
      auto found = std::find_if(hits.begin(), hits.end(),
                                [&](const knowledge::KnowledgeHit& hit) { return question.answers.contains(hit.chunk.id); });
      result.ranks.push_back(found == hits.end() ? 0 : static_cast<size_t>(found - hits.begin()) + 1);
    }
  }
  return result;
}

// Share of the questions (of `kind`, or all when empty) answered within the top k.
double recall_at(const ModeResult& result, const RetrievalSet& set, size_t k, const std::string& kind = "") {
  size_t found = 0, total = 0;
  for (size_t i = 0; i < set.questions.size(); ++i) {
    if (!kind.empty() && set.questions[i].kind != kind) continue;
    ++total;
    if (result.ranks[i] != 0 && result.ranks[i] <= k) ++found;
  }
  return total == 0 ? 0 : static_cast<double>(found) / static_cast<double>(total);
}

double mrr(const ModeResult& result) {
  double sum = 0;
  for (size_t rank : result.ranks) sum += rank == 0 ? 0 : 1.0 / static_cast<double>(rank);
  return sum / static_cast<double>(result.ranks.size());
}

// Nearest-rank percentile.
double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::max<size_t>(rank, 1) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Knowledge retrieval quality benchmark (BM25, vectors, hybrid)");
  std::string path = RETRIEVAL_SET;
  app.add_option("--set", path, "retrieval set JSON")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    models::HashedEmbedder embedder;
    RetrievalSet set = load(path, embedder);
    knowledge::KnowledgeIndex index;
    index.replace_source(kTenant, kSource, set.chunks);

    const std::array<Mode, 3> modes{{{"BM25 only", true, false}, {"vector only", false, true}, {"hybrid (RRF)", true, true}}};
    std::vector<ModeResult> results;
    for (const auto& mode : modes) results.push_back(run(mode, set, index, embedder));

    std::printf("## Knowledge retrieval quality\n\n");
    std::printf("Data set: %s — %zu passages, %zu questions; synthetic, written for this benchmark, in the repo. "
                "Embedder: %s. Top %zu, single thread; latency includes embedding the query.\n\n",
                path.c_str(), set.chunks.size(), set.questions.size(), embedder.id().c_str(), kLimit);
    std::printf("| mode | recall@1 | recall@5 | recall@10 | MRR@10 | p50 µs | p99 µs |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (size_t m = 0; m < modes.size(); ++m) {
      const auto& r = results[m];
      std::printf("| %s | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f |\n", modes[m].name, recall_at(r, set, kRecallAt[0]),
                  recall_at(r, set, kRecallAt[1]), recall_at(r, set, kRecallAt[2]), mrr(r),
                  percentile(r.latencies_us, 0.50), percentile(r.latencies_us, 0.99));
    }

    std::printf("\nRecall@5 by question kind:\n\n| kind | questions |");
    for (const auto& mode : modes) std::printf(" %s |", mode.name);
    std::printf("\n|---|---|---|---|---|\n");
    std::set<std::string> kinds;
    for (const auto& question : set.questions) kinds.insert(question.kind);
    for (const auto& kind : kinds) {
      auto count = std::count_if(set.questions.begin(), set.questions.end(), [&](const Question& q) { return q.kind == kind; });
      std::printf("| %s | %td |", kind.c_str(), count);
      for (const auto& r : results) std::printf(" %.3f |", recall_at(r, set, 5, kind));
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
