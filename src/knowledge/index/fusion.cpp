#include "knowledge/index/fusion.h"

#include <unordered_map>

namespace brainstem::knowledge {

std::vector<ScoredId> reciprocal_rank_fusion(const std::vector<std::vector<ScoredId>>& ranked_lists,
                                             size_t k, double rrf_k) {
  std::unordered_map<uint64_t, double> fused;
  for (const auto& list : ranked_lists) {
    for (size_t i = 0; i < list.size(); ++i) fused[list[i].id] += 1.0 / (rrf_k + double(i + 1));
  }
  TopK top(k);
  for (const auto& [id, score] : fused) top.offer({id, score});
  return std::move(top).take();
}

}  // namespace brainstem::knowledge
