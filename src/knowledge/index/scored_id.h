// ScoredId: one hit of a retrieval index, an external id and its score (higher is better),
// and TopK, which keeps the k best of the hits offered to it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace brainstem::knowledge {

struct ScoredId {
  uint64_t id = 0;
  double score = 0;
};

// Ranking order: higher score first, ties to the smaller id (so results are deterministic).
inline bool ranks_before(const ScoredId& a, const ScoredId& b) {
  return a.score != b.score ? a.score > b.score : a.id < b.id;
}

class TopK {
 public:
  explicit TopK(size_t k) : k_(k) {}

  // Whether offer(hit) would keep it; lets callers skip costly checks for hits that lose anyway.
  bool would_keep(const ScoredId& hit) const {
    return k_ > 0 && (heap_.size() < k_ || ranks_before(hit, heap_.front()));
  }
  // Scores below this cannot be kept: a cheap first check before building a ScoredId.
  double min_score() const {
    return heap_.size() < k_ ? -std::numeric_limits<double>::infinity() : heap_.front().score;
  }
  void offer(const ScoredId& hit) {
    if (!would_keep(hit)) return;
    heap_.push_back(hit);
    std::push_heap(heap_.begin(), heap_.end(), ranks_before);  // the worst kept is on top
    if (heap_.size() > k_) {
      std::pop_heap(heap_.begin(), heap_.end(), ranks_before);
      heap_.pop_back();
    }
  }
  // The kept hits, best first.
  std::vector<ScoredId> take() && {
    std::sort_heap(heap_.begin(), heap_.end(), ranks_before);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<ScoredId> heap_;
};

}  // namespace brainstem::knowledge
