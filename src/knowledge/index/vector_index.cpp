#include "knowledge/index/vector_index.h"

// hnswlib.h defines non-inline functions: include it from this one translation unit only.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>

namespace brainstem::knowledge {

VectorIndex::VectorIndex(int dimension) : VectorIndex(dimension, Params{}) {}

VectorIndex::VectorIndex(int dimension, Params params, size_t initial_capacity)
    : dimension_(dimension), ef_search_(params.ef_search) {
  if (dimension < 1 || params.m < 2) throw std::invalid_argument("VectorIndex: bad dimension or m");
  space_ = std::make_unique<hnswlib::InnerProductSpace>(dimension);
  graph_ = std::make_unique<Graph>(space_.get(), std::max<size_t>(initial_capacity, 1), params.m,
                                   params.ef_construction);
}

VectorIndex::~VectorIndex() = default;

void VectorIndex::normalise(std::span<const float> vector, float* out) const {
  if (vector.size() != size_t(dimension_)) {
    throw std::invalid_argument("VectorIndex: vector of dimension " +
                                std::to_string(vector.size()) + ", index has " +
                                std::to_string(dimension_));
  }
  double sum = 0;
  for (float x : vector) sum += double(x) * x;
  const float scale = sum > 0 ? float(1 / std::sqrt(sum)) : 0;  // a zero vector stays zero
  for (size_t i = 0; i < vector.size(); ++i) out[i] = vector[i] * scale;
}

void VectorIndex::reserve_locked(size_t more) {
  size_t capacity = graph_->max_elements_;
  while (capacity < graph_->cur_element_count + more) capacity *= 2;
  if (capacity != graph_->max_elements_) graph_->resizeIndex(capacity);
}

void VectorIndex::add(uint64_t id, std::span<const float> vector) {
  std::vector<float> unit(dimension_);
  normalise(vector, unit.data());
  std::unique_lock lock(mutex_);
  reserve_locked(1);
  graph_->addPoint(unit.data(), id);  // an existing (even removed) id is updated in place
}

void VectorIndex::add_batch(std::span<const uint64_t> ids, std::span<const float> vectors,
                            unsigned threads) {
  if (vectors.size() != ids.size() * dimension_) {
    throw std::invalid_argument("VectorIndex::add_batch: vectors.size() != ids.size() * dimension");
  }
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  auto insert = [&](size_t i, std::vector<float>& unit) {
    normalise(vectors.subspan(i * dimension_, dimension_), unit.data());
    graph_->addPoint(unit.data(), ids[i]);
  };

  for (size_t begin = 0; begin < ids.size(); begin += kBatchSlice) {
    const size_t end = std::min(ids.size(), begin + kBatchSlice);
    std::unique_lock lock(mutex_);
    reserve_locked(end - begin);

    // hnswlib inserts in parallel only into a non-empty graph and only distinct new ids;
    // the first element, updates and repeats go one by one, in order, after the parallel part.
    std::vector<size_t> parallel, serial;
    std::unordered_set<uint64_t> seen;
    for (size_t i = begin; i < end; ++i) {
      bool fresh = !graph_->label_lookup_.contains(ids[i]) && seen.insert(ids[i]).second;
      (fresh ? parallel : serial).push_back(i);
    }
    std::vector<float> unit(dimension_);
    size_t first = 0;
    if (graph_->cur_element_count == 0 && !parallel.empty()) insert(parallel[first++], unit);

    std::atomic<size_t> next{first};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
      std::vector<float> buffer(dimension_);
      try {
        for (size_t at; (at = next.fetch_add(1)) < parallel.size();) insert(parallel[at], buffer);
      } catch (...) {
        std::lock_guard guard(error_mutex);
        if (!error) error = std::current_exception();
      }
    };
    {
      std::vector<std::jthread> helpers;
      for (unsigned t = 1; t < threads && t < parallel.size() - first; ++t)
        helpers.emplace_back(work);
      work();
    }
    if (error) std::rethrow_exception(error);
    for (size_t i : serial) insert(i, unit);
  }
}

void VectorIndex::remove(uint64_t id) {
  std::unique_lock lock(mutex_);
  auto found = graph_->label_lookup_.find(id);
  if (found == graph_->label_lookup_.end() || graph_->isMarkedDeleted(found->second)) return;
  graph_->markDeletedInternal(found->second);
}

std::vector<ScoredId> VectorIndex::graph_search_locked(const float* query, size_t n) const {
  // searchKnn uses max(ef_, n) candidates; ef_ stays at its default 10 (setEf would race with
  // concurrent searches), so n carries the ef wanted.
  auto found = graph_->searchKnn(query, n);
  std::vector<ScoredId> hits(found.size());
  for (size_t i = hits.size(); i-- > 0; found.pop()) {  // the heap pops the farthest first
    hits[i] = {found.top().second, 1.0 - found.top().first};
  }
  return hits;
}

std::vector<ScoredId> VectorIndex::exact_search_locked(
    const float* query, size_t k, const std::function<bool(uint64_t)>& accept) const {
  auto distance = space_->get_dist_func();
  void* distance_param = space_->get_dist_func_param();
  TopK top(k);
  for (hnswlib::tableint slot = 0; slot < graph_->cur_element_count; ++slot) {
    if (graph_->isMarkedDeleted(slot)) continue;
    const uint64_t id = graph_->getExternalLabel(slot);
    if (accept && !accept(id)) continue;
    top.offer({id, 1.0 - distance(query, graph_->getDataByInternalId(slot), distance_param)});
  }
  return std::move(top).take();
}

std::vector<ScoredId> VectorIndex::search(std::span<const float> query, size_t k,
                                          const std::function<bool(uint64_t)>& accept) const {
  std::vector<float> unit(dimension_);
  normalise(query, unit.data());
  std::shared_lock lock(mutex_);
  if (k == 0 || graph_->cur_element_count == graph_->num_deleted_) return {};

  size_t fetch = std::max<size_t>(k, ef_search_.load(std::memory_order_relaxed));
  for (;;) {
    std::vector<ScoredId> hits = graph_search_locked(unit.data(), fetch);
    const bool exhausted = hits.size() < fetch;  // the graph holds no more live vectors
    if (accept) std::erase_if(hits, [&](const ScoredId& hit) { return !accept(hit.id); });
    if (hits.size() >= k || exhausted) {
      hits.resize(std::min(k, hits.size()));
      return hits;
    }
    // Fetch enough for k at the acceptance rate seen, with 50% to spare.
    fetch = hits.empty() ? fetch * 8 : fetch * k * 3 / (hits.size() * 2);
    if (fetch > kMaxFetch) return exact_search_locked(unit.data(), k, accept);
  }
}

std::vector<ScoredId> VectorIndex::search_among(std::span<const float> query, std::span<const uint64_t> ids,
                                                size_t k) const {
  std::vector<float> unit(dimension_);
  normalise(query, unit.data());
  auto distance = space_->get_dist_func();
  void* distance_param = space_->get_dist_func_param();
  std::shared_lock lock(mutex_);
  TopK top(k);
  for (uint64_t id : ids) {
    auto slot = graph_->label_lookup_.find(id);
    if (slot == graph_->label_lookup_.end() || graph_->isMarkedDeleted(slot->second)) continue;
    top.offer({id, 1.0 - distance(unit.data(), graph_->getDataByInternalId(slot->second), distance_param)});
  }
  return std::move(top).take();
}

std::vector<ScoredId> VectorIndex::exact_search(std::span<const float> query, size_t k,
                                                const std::function<bool(uint64_t)>& accept) const {
  std::vector<float> unit(dimension_);
  normalise(query, unit.data());
  std::shared_lock lock(mutex_);
  return exact_search_locked(unit.data(), k, accept);
}

size_t VectorIndex::size() const {
  std::shared_lock lock(mutex_);
  return graph_->cur_element_count - graph_->num_deleted_;
}

size_t VectorIndex::memory_bytes() const {
  std::shared_lock lock(mutex_);
  const Graph& g = *graph_;
  // Per slot of capacity: base layer (links, vector, label), upper-layer pointer, level, lock,
  // one visited-list entry.
  size_t bytes = g.max_elements_ * (g.size_data_per_element_ + sizeof(void*) + sizeof(int) +
                                    sizeof(std::mutex) + sizeof(hnswlib::vl_type));
  for (size_t slot = 0; slot < g.cur_element_count; ++slot) {
    bytes += size_t(g.element_levels_[slot]) * g.size_links_per_element_;  // upper layers
  }
  // label_lookup_: per label a hash node (next pointer, key, value; 32 bytes as allocated) and
  // a bucket pointer.
  bytes += g.label_lookup_.size() * (32 + sizeof(void*));
  bytes += Graph::max_update_element_locks * sizeof(std::mutex);
  return bytes;
}

}  // namespace brainstem::knowledge
