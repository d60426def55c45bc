// VectorIndex: approximate nearest-neighbour search over embeddings with hnswlib's HNSW graph.
// Vectors are L2-normalised on add and on query and compared by inner product, so a score is
// the cosine similarity. Ids are the caller's (chunk ids). remove() marks a vector deleted
// (hnswlib 0.6.2 keeps its slot); adding an id again replaces its vector in place.
//
// Thread-safety: hnswlib 0.6.2 supports parallel searches or parallel insertions, but not both
// at once (searchKnn reads the graph without locks), and resizing or deleting with neither.
// So searches share the index and every write holds it exclusively; add_batch runs hnswlib's
// parallel insertion inside that hold, slice by slice, so that searches wait for one slice only.
#pragma once

#include "knowledge/index/scored_id.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <vector>

namespace hnswlib {
template <typename dist_t>
class HierarchicalNSW;
class InnerProductSpace;
}  // namespace hnswlib

namespace brainstem::knowledge {

class VectorIndex {
 public:
  struct Params {
    int m = 16;                 // links per node (2m on the base layer)
    int ef_construction = 200;  // candidates considered while inserting
    int ef_search = 64;         // candidates considered while searching (at least k)
  };

  // Throws std::invalid_argument on a dimension below 1 or m below 2. (Two constructors
  // rather than `Params params = {}`: GCC rejects that default inside the enclosing class.)
  explicit VectorIndex(int dimension);
  VectorIndex(int dimension, Params params, size_t initial_capacity = 1024);
  ~VectorIndex();

  // Adds `vector` (dimension() floats; throws std::invalid_argument otherwise) under `id`,
  // replacing what `id` had. Capacity doubles when full.
  void add(uint64_t id, std::span<const float> vector);
  // add() for ids.size() vectors stored row-major in `vectors`, inserted by up to `threads`
  // threads (0: one per hardware thread). A later entry for the same id wins.
  void add_batch(std::span<const uint64_t> ids, std::span<const float> vectors,
                 unsigned threads = 0);
  // Unknown or already removed ids are ignored.
  void remove(uint64_t id);

  // The k nearest vectors that `accept` (when set) accepts, best first. Filtered searches
  // over-fetch from the graph, growing by the observed acceptance rate; when that would need
  // more than kMaxFetch candidates, an exact scan over the accepted ids is cheaper and exact.
  std::vector<ScoredId> search(std::span<const float> query, size_t k,
                               const std::function<bool(uint64_t)>& accept = {}) const;
  // Exact scores of the live vectors among `ids` (unknown or removed ids are skipped), the k
  // best first: a search within a small known set needs no graph.
  std::vector<ScoredId> search_among(std::span<const float> query, std::span<const uint64_t> ids, size_t k) const;
  // Brute force over every live vector: the reference for recall.
  std::vector<ScoredId> exact_search(std::span<const float> query, size_t k,
                                     const std::function<bool(uint64_t)>& accept = {}) const;

  void set_ef_search(int ef) { ef_search_.store(ef, std::memory_order_relaxed); }
  size_t size() const;  // live vectors
  int dimension() const { return dimension_; }
  // Estimate of the heap memory held: graph, vectors, locks, label map, one visited list.
  size_t memory_bytes() const;

  static constexpr size_t kMaxFetch = 1024;
  static constexpr size_t kBatchSlice = 256;  // vectors inserted per exclusive hold

 private:
  using Graph = hnswlib::HierarchicalNSW<float>;

  void normalise(std::span<const float> vector, float* out) const;
  void reserve_locked(size_t more);
  std::vector<ScoredId> graph_search_locked(const float* query, size_t n) const;
  std::vector<ScoredId> exact_search_locked(const float* query, size_t k,
                                            const std::function<bool(uint64_t)>& accept) const;

  const int dimension_;
  std::atomic<int> ef_search_;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<Graph> graph_;
  mutable std::shared_mutex mutex_;
};

}  // namespace brainstem::knowledge
