// KnowledgeBase: the knowledge service. It ingests content into a knowledge source (extract,
// chunk, embed in batches, store, index), answers hybrid searches over a tenant's sources,
// re-embeds a source with another model, and deletes sources.
//
// Durability: a source's chunks change only when a whole ingestion has been stored (one
// transaction), so a search never sees half of one; an ingestion cut short by a server stop
// leaves the source `failed` with its previous chunks (load() marks it so).
// Start-up: load() returns once interrupted ingestions are marked; the index then fills from
// the store on a thread of its own, so a large knowledge base does not hold the server back
// (searches meanwhile see the chunks loaded so far; loaded() tells when all are).
// Re-ingesting content whose hash and embedding model match the stored ones does nothing.
// Progress of running ingestions (chunks embedded of total) is kept in memory.
//
// Thread-safety: every method may be called concurrently; one ingestion per source at a
// time (a second one answers kConflict).
#pragma once

#include "common/offload.h"
#include "knowledge/chunker.h"
#include "knowledge/embedding_models.h"
#include "knowledge/extract/extractor.h"
#include "knowledge/knowledge_index.h"
#include "store/knowledge_store.h"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace brainstem::knowledge {

struct IngestContent {
  std::string tenant_id;
  std::string source_id;
  std::string bytes;
  std::optional<Format> format_hint;  // the bytes' own signature wins over it
  std::string embedding_model;        // a name for EmbeddingModels::find; "" = the default
};

struct IngestOutcome {
  std::string source_id;
  std::string status = "completed";
  int64_t chunks_created = 0;
  int64_t chunks_embedded = 0;
  bool unchanged = false;  // the same content was already ingested: nothing was done
};

struct IngestProgress {
  std::string stage;  // extracting | chunking | embedding | storing
  int64_t chunks_done = 0;
  int64_t chunks_total = 0;
};

struct SearchRequest {
  std::string tenant_id;
  std::string query;
  std::vector<std::string> source_ids;  // empty: all of the tenant's
  size_t limit = 5;
  double min_similarity = 0;
};

class KnowledgeBase {
 public:
  struct Options {
    ChunkerOptions chunking;
    ExtractLimits extraction;
    size_t embed_batch = 64;
  };

  KnowledgeBase(store::KnowledgeStore& store, BlockingPool& blocking, const EmbeddingModels& embedders,
                TokenCount count_tokens, Options options);

  // Stops the index load if it is still running.
  ~KnowledgeBase();

  // Fails ingestions a previous run left unfinished, then starts indexing every stored chunk
  // in the background.
  Status load();
  bool loaded() const { return loaded_.load(); }
  void wait_loaded() const { loaded_.wait(false); }

  // Source records. create_source answers kConflict when the id is taken (by any tenant).
  boost::asio::awaitable<Status> create_source(const store::KnowledgeSource& source);
  boost::asio::awaitable<Result<store::KnowledgeSource>> source(const std::string& tenant_id, const std::string& id);
  boost::asio::awaitable<Result<std::vector<store::KnowledgeSource>>> sources(const std::string& tenant_id);
  // The tenant's source `draft.id`, created from the draft when there is none yet; an id
  // another tenant holds is "not found", as any of its records.
  boost::asio::awaitable<Result<store::KnowledgeSource>> source_for_ingestion(store::KnowledgeSource draft);
  // Records why content for the source could not be had (a page that would not load).
  boost::asio::awaitable<Status> mark_failed(const std::string& tenant_id, const std::string& source_id,
                                             const std::string& reason);

  boost::asio::awaitable<Result<IngestOutcome>> ingest(IngestContent content);
  // Ingests an already structured document (an agent's documents) under `content_hash`.
  boost::asio::awaitable<Result<IngestOutcome>> ingest_document(const std::string& tenant_id,
                                                                const std::string& source_id, Document document,
                                                                std::string content_hash,
                                                                const std::string& embedding_model);
  // Embeds the source's stored chunks again with another model.
  boost::asio::awaitable<Result<IngestOutcome>> reembed(const std::string& tenant_id, const std::string& source_id,
                                                        const std::string& embedding_model);
  boost::asio::awaitable<Status> delete_source(const std::string& tenant_id, const std::string& source_id);
  boost::asio::awaitable<Result<std::vector<KnowledgeHit>>> search(const SearchRequest& request);

  std::optional<IngestProgress> progress(const std::string& source_id) const;
  size_t indexed_chunks() const { return index_.size(); }

 private:
  class Job;

  boost::asio::awaitable<Result<IngestOutcome>> embed_and_store(Job& job, std::vector<store::KnowledgeChunk> chunks,
                                                                models::Embedder& embedder, std::string content_hash);
  boost::asio::awaitable<Result<IngestOutcome>> chunk_and_store(Job& job, Document document,
                                                                std::string content_hash,
                                                                const std::shared_ptr<models::Embedder>& embedder);
  // The embedder an ingestion or re-embedding names, once the start-up load has finished.
  Result<std::shared_ptr<models::Embedder>> embedder_for_change(const std::string& name) const;
  boost::asio::awaitable<Result<bool>> already_ingested(const std::string& tenant_id, const std::string& source_id,
                                                        const std::string& content_hash,
                                                        const models::Embedder& embedder);
  boost::asio::awaitable<Status> fail(Job& job, const Status& error);
  void set_progress(const std::string& source_id, IngestProgress progress);
  void index_stored_chunks();

  store::KnowledgeStore& store_;
  BlockingPool& blocking_;
  const EmbeddingModels& embedders_;
  TokenCount count_tokens_;
  Options options_;
  KnowledgeIndex index_;
  mutable std::mutex progress_mu_;
  std::map<std::string, IngestProgress> running_;  // by source id
  std::atomic<bool> loaded_{false};
  std::atomic<bool> stopping_{false};
  std::thread loader_;
};

}  // namespace brainstem::knowledge
