// The semantic cache: answers given before, found again by the similarity of a new question
// to the old one (cosine of normalised embeddings), per tenant and agent. A question asked
// before in the same words (once normalised) is found by its text, without an embedding;
// any other is compared with its nearest entry found through an HNSW graph.
// Entries tied to a customer (the answer used that customer's facts) are found only for that
// customer.
//
// Entries live in memory for lookups and in the store so they survive a restart (load()).
// Each agent keeps at most `max_per_agent` entries; the oldest go first.
// Thread-safety: lookups run concurrently (shared lock); inserts and flushes are exclusive.
#pragma once

#include "common/status.h"
#include "knowledge/index/vector_index.h"
#include "store/store.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace brainstem::pipeline {

struct CacheHit {
  std::string id;
  std::string question;
  std::string answer;
  double similarity = 0;
};

struct CacheStats {
  int64_t entries = 0;
  int64_t hits = 0;
  int64_t misses = 0;
};

class SemanticCache {
 public:
  explicit SemanticCache(size_t max_per_agent = 10000) : max_per_agent_(max_per_agent) {}

  // Questions are compared after normalisation: lower case, punctuation and extra spaces gone.
  static std::string normalise(std::string_view question);

  // The best entry at or above `threshold` for the customer (shareable entries, and the
  // customer's own); nullopt on a miss. The newest entry of the same normalised question is
  // the best (similarity 1); only without one is `embed` called, outside the lock, for the
  // question's embedding to compare.
  using Embed = std::function<const std::vector<float>&()>;
  std::optional<CacheHit> lookup(const std::string& tenant_id, const std::string& agent_id,
                                 const std::string& customer_id, std::string_view normalised_question,
                                 const Embed& embed, double threshold);
  // Adds an entry (replacing one with the same normalised question and customer).
  void insert(const store::CacheEntry& entry);
  // Removes the tenant's (empty: every tenant's) entries of the agent (empty: every agent).
  int64_t flush(const std::string& tenant_id, const std::string& agent_id);
  // Fills the cache from the store at start.
  Status load(store::Store& store);
  // Entries of the tenant (empty: all); hits and misses are server-wide.
  CacheStats stats(const std::string& tenant_id = {}) const;

 private:
  static constexpr uint64_t kNoSlot = UINT64_MAX;
  struct Item {
    std::string id, customer_id, question, normalised, answer;
    std::vector<float> embedding;
    uint64_t slot = kNoSlot;  // its embedding's place in the bucket's graph
  };
  // One agent's entries by insertion number (oldest first), their numbers by question, and
  // their embeddings in an HNSW graph (made with the first embedding's dimension). An evicted
  // entry's graph slot is taken by the next entry, so the graph never outgrows the bucket.
  struct Bucket {
    std::map<uint64_t, Item> items;
    std::unordered_multimap<std::string, uint64_t> by_question;
    std::unique_ptr<knowledge::VectorIndex> vectors;
    std::vector<uint64_t> number_in_slot;
    std::vector<uint64_t> free_slots;
    void add(uint64_t number, Item item);
    void erase(std::map<uint64_t, Item>::iterator item);
    // The visible entry nearest to `embedding` by the graph; null when there is none.
    const Item* nearest(const std::vector<float>& embedding, const std::string& customer_id) const;
  };
  static std::string key(const std::string& tenant_id, const std::string& agent_id) { return tenant_id + '/' + agent_id; }
  std::optional<CacheHit> exact_match(const std::string& bucket_key, const std::string& customer_id,
                                      std::string_view normalised_question) const;

  const size_t max_per_agent_;
  uint64_t next_number_ = 0;  // under mu_ (exclusive)
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::atomic<int64_t> hits_{0}, misses_{0};
};

}  // namespace brainstem::pipeline
