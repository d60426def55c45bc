// KnowledgeIndex: every tenant's knowledge chunks, searchable by keywords (one BM25 index)
// and by meaning (one HNSW vector index per embedding model, since vectors of different
// models are not comparable), the two rankings fused by reciprocal rank. It keeps each
// chunk's tenant, source and citation, so a search sees only the tenant's chosen sources.
//
// The store holds the truth; this index is rebuilt from it at start and follows every
// ingestion and deletion.
// Thread-safety: searches run concurrently with each other and with adds and removals; the
// slow part of an add (HNSW insertion) does not hold up searches.
#pragma once

#include "knowledge/index/bm25_index.h"
#include "knowledge/index/vector_index.h"
#include "store/store.h"

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace brainstem::knowledge {

struct IndexedChunk {
  int64_t id = 0;
  std::string tenant_id;
  std::string source_id;
  std::string source_name;
  int64_t ordinal = 0;
  std::string text;
  std::string heading_path;
  int64_t page = 0;
};

// What a chunk is embedded and keyword-indexed as: the headings above it say what it is
// about as much as its text does.
std::string indexed_text(const std::string& heading_path, const std::string& text);

// How a chunk is cited: "Handbook — Returns > Refunds, page 3".
std::string citation_of(const IndexedChunk& chunk);

struct KnowledgeQuery {
  std::string tenant_id;
  std::vector<std::string> source_ids;  // empty: all of the tenant's sources
  std::string text;
  // The query embedded by each embedding model whose vectors are to be searched.
  std::map<std::string, std::vector<float>> vectors;
  size_t limit = 5;
  // Vector hits less similar than this (cosine) are dropped before fusion: a nearest
  // neighbour is not necessarily a relevant one.
  double min_similarity = 0;
};

struct KnowledgeHit {
  IndexedChunk chunk;
  double score = 0;          // fused, in (0, 1]: 1 when first in every ranking
  double keyword_score = 0;  // BM25; 0 when only the vector search found it
  double similarity = 0;     // cosine; 0 when only the keyword search found it
};

class KnowledgeIndex {
 public:
  // Indexes chunks (ids not indexed yet), their vectors inserted in parallel.
  void add(const std::vector<store::KnowledgeChunk>& chunks);
  // Swaps the source's chunks for `chunks` at once: no search sees a mix or a gap.
  void replace_source(const std::string& tenant_id, const std::string& source_id,
                      const std::vector<store::KnowledgeChunk>& chunks);
  void remove_source(const std::string& tenant_id, const std::string& source_id);
  // The embedding models whose vectors are indexed: a query is embedded by each.
  std::vector<std::string> embedding_models() const;
  // Whether any chunk of the tenant (of one of `source_ids`, when given) is indexed: a search
  // that cannot find anything is skipped before its query is embedded.
  bool has_chunks(const std::string& tenant_id, const std::vector<std::string>& source_ids) const;
  std::vector<KnowledgeHit> search(const KnowledgeQuery& query) const;
  size_t size() const;

 private:
  struct Entry {
    IndexedChunk chunk;
    std::string embedding_model;
  };

  // Inserts the chunks' vectors without holding mu_: a search accepts only ids in entries_,
  // so they stay invisible until their entries are added.
  void add_vectors(const std::vector<store::KnowledgeChunk>& chunks);
  void add_entry_locked(const store::KnowledgeChunk& chunk);
  void remove_source_locked(const std::string& tenant_id, const std::string& source_id);
  VectorIndex& vectors_for(const std::string& embedding_model, int dimension);

  mutable std::shared_mutex mu_;
  static std::string source_key(const std::string& tenant_id, const std::string& source_id);

  std::unordered_map<uint64_t, Entry> entries_;
  std::unordered_map<std::string, std::vector<uint64_t>> ids_by_source_;  // by source_key
  std::unordered_map<std::string, size_t> chunks_per_tenant_;
  Bm25Index keywords_;
  std::map<std::string, std::unique_ptr<VectorIndex>> vectors_;  // by embedding model
};

}  // namespace brainstem::knowledge
