// How a search over an index ranks its hits, and the score each mode ranks by.
#pragma once

namespace brainstem::knowledge {

// By keywords (BM25), by wording (vector similarity), or both ranks fused.
enum class SearchMode { kKeyword, kVector, kHybrid };

// The score a hit (KnowledgeHit, TurnHit) ranks by under `mode`.
template <class Hit>
double score_under(SearchMode mode, const Hit& hit) {
  switch (mode) {
    case SearchMode::kKeyword: return hit.keyword_score;
    case SearchMode::kVector: return hit.similarity;
    case SearchMode::kHybrid: break;
  }
  return hit.score;
}

}  // namespace brainstem::knowledge
