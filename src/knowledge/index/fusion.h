// Reciprocal rank fusion: merges ranked lists (BM25, vector, ...) whose scores are not
// comparable, using only ranks. score(id) = sum over lists of 1 / (rrf_k + rank), rank from 1.
#pragma once

#include "knowledge/index/scored_id.h"

#include <cstddef>
#include <vector>

namespace brainstem::knowledge {

// The k best fused ids, best first; ties go to the smaller id.
std::vector<ScoredId> reciprocal_rank_fusion(const std::vector<std::vector<ScoredId>>& ranked_lists,
                                             size_t k, double rrf_k = 60);

}  // namespace brainstem::knowledge
