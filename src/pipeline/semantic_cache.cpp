#include "pipeline/semantic_cache.h"

#include "common/run_sync.h"
#include "models/hashed_embedder.h"

#include <algorithm>
#include <cctype>
#include <mutex>

namespace brainstem::pipeline {

std::string SemanticCache::normalise(std::string_view question) {
  std::string out;
  out.reserve(question.size());
  bool space = false;
  for (unsigned char c : question) {
    if (c >= 0x80 || std::isalnum(c)) {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
    } else {
      space = true;
    }
  }
  return out;
}

void SemanticCache::Bucket::add(uint64_t number, Item item) {
  if (!item.embedding.empty()) {
    if (!vectors) {
      vectors = std::make_unique<knowledge::VectorIndex>(static_cast<int>(item.embedding.size()),
                                                         knowledge::VectorIndex::Params{}, /*initial_capacity=*/64);
    }
    if (item.embedding.size() == static_cast<size_t>(vectors->dimension())) {
      if (free_slots.empty()) {
        item.slot = number_in_slot.size();
        number_in_slot.push_back(number);
      } else {
        item.slot = free_slots.back();
        free_slots.pop_back();
        number_in_slot[item.slot] = number;
      }
      vectors->add(item.slot, item.embedding);  // a reused slot's vector is replaced in place
    }
  }
  by_question.emplace(item.normalised, number);
  items.emplace(number, std::move(item));
}

void SemanticCache::Bucket::erase(std::map<uint64_t, Item>::iterator item) {
  auto [first, last] = by_question.equal_range(item->second.normalised);
  for (auto it = first; it != last; ++it) {
    if (it->second == item->first) {
      by_question.erase(it);
      break;
    }
  }
  if (item->second.slot != kNoSlot) {
    vectors->remove(item->second.slot);
    free_slots.push_back(item->second.slot);
  }
  items.erase(item);
}

const SemanticCache::Item* SemanticCache::Bucket::nearest(const std::vector<float>& embedding,
                                                          const std::string& customer_id) const {
  if (!vectors || embedding.size() != static_cast<size_t>(vectors->dimension())) return nullptr;
  // A freed slot still names its evicted entry's number, which no longer finds an item.
  auto item_in = [&](uint64_t slot) -> const Item* {
    auto it = slot < number_in_slot.size() ? items.find(number_in_slot[slot]) : items.end();
    return it == items.end() ? nullptr : &it->second;
  };
  auto visible = [&](uint64_t slot) {
    const Item* item = item_in(slot);
    return item && (item->customer_id.empty() || item->customer_id == customer_id);
  };
  auto found = vectors->search(embedding, 1, visible);
  return found.empty() ? nullptr : item_in(found.front().id);
}

std::optional<CacheHit> SemanticCache::exact_match(const std::string& bucket_key, const std::string& customer_id,
                                                   std::string_view normalised_question) const {
  auto bucket = buckets_.find(bucket_key);
  if (bucket == buckets_.end()) return std::nullopt;
  const Item* newest = nullptr;
  uint64_t newest_number = 0;
  auto [first, last] = bucket->second.by_question.equal_range(std::string(normalised_question));
  for (auto it = first; it != last; ++it) {
    const Item& item = bucket->second.items.at(it->second);
    if (!item.customer_id.empty() && item.customer_id != customer_id) continue;
    if (!newest || it->second > newest_number) {
      newest = &item;
      newest_number = it->second;
    }
  }
  if (!newest) return std::nullopt;
  return CacheHit{newest->id, newest->question, newest->answer, 1.0};
}

std::optional<CacheHit> SemanticCache::lookup(const std::string& tenant_id, const std::string& agent_id,
                                              const std::string& customer_id, std::string_view normalised_question,
                                              const Embed& embed, double threshold) {
  const std::string bucket_key = key(tenant_id, agent_id);
  if (threshold <= 1.0) {
    std::shared_lock lock(mu_);
    if (auto hit = exact_match(bucket_key, customer_id, normalised_question)) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return hit;
    }
  }
  const std::vector<float>& embedding = embed();
  std::shared_lock lock(mu_);
  auto it = buckets_.find(bucket_key);
  const Item* nearest = it == buckets_.end() ? nullptr : it->second.nearest(embedding, customer_id);
  // Scored exactly, as the threshold is meant; the graph only found the candidate.
  const double score = nearest ? models::cosine(nearest->embedding, embedding) : 0;
  if (!nearest || score < threshold) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return CacheHit{nearest->id, nearest->question, nearest->answer, score};
}

void SemanticCache::insert(const store::CacheEntry& entry) {
  Item item{entry.id, entry.customer_id, entry.question, normalise(entry.question), entry.answer, entry.embedding};
  std::unique_lock lock(mu_);
  Bucket& bucket = buckets_[key(entry.tenant_id, entry.agent_id)];
  auto [first, last] = bucket.by_question.equal_range(item.normalised);
  for (auto it = first; it != last; ++it) {
    auto same = bucket.items.find(it->second);
    if (same->second.customer_id == item.customer_id) {
      bucket.erase(same);
      break;
    }
  }
  if (bucket.items.size() >= max_per_agent_) bucket.erase(bucket.items.begin());
  bucket.add(next_number_++, std::move(item));
}

int64_t SemanticCache::flush(const std::string& tenant_id, const std::string& agent_id) {
  std::unique_lock lock(mu_);
  int64_t removed = 0;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    auto slash = it->first.find('/');
    bool tenant_matches = tenant_id.empty() || (slash == tenant_id.size() && it->first.compare(0, slash, tenant_id) == 0);
    bool agent_matches = agent_id.empty() || it->first.compare(slash + 1, std::string::npos, agent_id) == 0;
    if (tenant_matches && agent_matches) {
      removed += static_cast<int64_t>(it->second.items.size());
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

Status SemanticCache::load(store::Store& store) {
  return run_sync(store.scan_cache_entries([this](const store::CacheEntry& entry) {
    insert(entry);
    return true;
  }));
}

CacheStats SemanticCache::stats(const std::string& tenant_id) const {
  std::shared_lock lock(mu_);
  CacheStats s;
  for (const auto& [k, bucket] : buckets_) {
    if (tenant_id.empty() || k.compare(0, tenant_id.size() + 1, tenant_id + '/') == 0) s.entries += static_cast<int64_t>(bucket.items.size());
  }
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace brainstem::pipeline
