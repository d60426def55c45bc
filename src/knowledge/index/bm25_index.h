// Bm25Index: an in-memory inverted index over chunk texts, ranked with Okapi BM25
// (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))). Texts and queries are
// tokenized by index_terms (terms.h); a term repeated in the query counts once.
// Thread-safe: searches run concurrently; add and remove take the index exclusively.
#pragma once

#include "knowledge/index/scored_id.h"

#include <cstdint>
#include <functional>
#include <span>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brainstem::knowledge {

class Bm25Index {
 public:
  static constexpr double kK1 = 1.2;
  static constexpr double kB = 0.75;

  // Indexes `text` under `id`, replacing what `id` had.
  void add(uint64_t id, std::string_view text);
  // Unknown ids are ignored.
  void remove(uint64_t id);
  // The k best-scoring documents that contain a query term and that `accept` (when set)
  // accepts, best first; ties go to the smaller id.
  std::vector<ScoredId> search(std::string_view query, size_t k,
                               const std::function<bool(uint64_t)>& accept = {}) const;
  // The k best-scoring documents among `ids` (unknown ids are skipped), scored as search()
  // scores them: a search within a small known set touches only its documents.
  std::vector<ScoredId> search_among(std::string_view query, std::span<const uint64_t> ids, size_t k) const;
  size_t size() const;

 private:
  struct Posting {
    uint32_t doc;  // dense doc index
    uint32_t tf;
  };
  struct Doc {
    uint64_t id;
    bool live;
    std::vector<uint32_t> terms;  // distinct term ids, to find its postings on removal
  };

  // What a query's terms weigh: their postings and idf weights, and the length normalisation.
  struct Scoring {
    struct Term {
      const std::vector<Posting>* postings;
      float weight;
    };
    std::vector<Term> terms;
    float norm_base = 0, norm_per_term = 0;
    float term_score(float weight, uint32_t tf, uint32_t doc_length) const {
      const float f = float(tf);
      return weight * f / (f + norm_base + norm_per_term * float(doc_length));
    }
  };
  Scoring scoring_locked(std::string_view query) const;
  void remove_locked(uint64_t id);
  void compact_locked();

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::vector<Posting>> postings_;  // by term id, sorted by doc index
  // By dense doc index, in order of addition. Removed docs leave holes that compaction closes,
  // renumbering in order so that posting lists stay sorted.
  std::vector<Doc> docs_;
  std::vector<uint32_t> doc_lengths_;  // in terms; kept apart from docs_ for the scoring loop
  std::unordered_map<uint64_t, uint32_t> doc_index_;  // live docs only
  uint64_t total_length_ = 0;                         // over live docs
};

}  // namespace brainstem::knowledge
