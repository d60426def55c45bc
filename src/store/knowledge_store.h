// Knowledge sources and their chunks, replaced whole per ingestion. The contract every store
// interface keeps (threads, blocking, errors, durability) is in store/store.h.
#pragma once

#include "common/status.h"
#include "store/async.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace brainstem::store {

// A knowledge source (seed 004): one file, web page or agent's document set, split into
// chunks that retrieval searches. Its chunks are replaced whole in one transaction, so a
// search never sees half of an ingestion.
struct KnowledgeSource {
  std::string id;  // uuid
  std::string tenant_id;
  std::string name;
  std::string kind = "file";       // file | url | documents | text
  std::string location;            // file name, URL, or the agent id of a document set
  std::string status = "pending";  // pending | processing | completed | failed
  std::string error;               // why the last ingestion failed
  std::string content_hash;        // sha256 hex of the content its chunks came from
  std::string embedding_model;     // the embedder id of its chunks' vectors
  int64_t chunk_count = 0;
  std::string metadata = "{}";  // JSON object text
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One retrievable passage of a source, with where it came from for citations.
struct KnowledgeChunk {
  int64_t id = 0;  // assigned by the store, unique across tenants; the indexes key on it
  std::string tenant_id;
  std::string source_id;
  std::string source_name;  // read only: the source's name, for citations
  int64_t ordinal = 0;  // position in the source, from 0
  std::string text;
  std::string heading_path;  // "Guide > Returns > Refunds"; empty when the source has no headings
  int64_t page = 0;          // 1-based page, slide or sheet; 0 when the format has none
  int64_t tokens = 0;
  std::string embedding_model;  // the embedder id of `embedding`
  std::vector<float> embedding;
};

// What replaces a source's chunks once an ingestion has finished.
struct KnowledgeIngestion {
  std::string tenant_id;
  std::string source_id;
  std::string content_hash;
  std::string embedding_model;
  std::vector<KnowledgeChunk> chunks;  // ids and embedding models are assigned
};

class KnowledgeStore {
 public:
  virtual ~KnowledgeStore() = default;

  // --- knowledge sources and chunks
  virtual Async<Status> create_knowledge_source(const KnowledgeSource& source) = 0;  // kConflict on a duplicate id
  virtual Async<Result<KnowledgeSource>> get_knowledge_source(const std::string& tenant_id, const std::string& id) = 0;
  virtual Async<Result<std::vector<KnowledgeSource>>> list_knowledge_sources(const std::string& tenant_id) = 0;  // newest first
  // Sets status and error (an ingestion starting, or failing); chunks are untouched.
  virtual Async<Status> set_knowledge_source_status(const std::string& tenant_id, const std::string& id,
                                                    const std::string& status, const std::string& error) = 0;
  // Replaces the source's chunks with `ingestion.chunks` and marks it completed with their
  // count, hash and embedding model, in one transaction. Returns the chunks with their ids.
  virtual Async<Result<std::vector<KnowledgeChunk>>> replace_knowledge_chunks(const KnowledgeIngestion& ingestion) = 0;
  // Deletes the source and its chunks.
  virtual Async<Status> delete_knowledge_source(const std::string& tenant_id, const std::string& id) = 0;
  // The source's chunks in order.
  virtual Async<Result<std::vector<KnowledgeChunk>>> list_knowledge_chunks(const std::string& tenant_id,
                                                                           const std::string& source_id) = 0;
  // Visits every chunk (all tenants) until `visit` returns false: the indexes load at start.
  virtual Async<Status> scan_knowledge_chunks(const std::function<bool(const KnowledgeChunk&)>& visit) = 0;
  // Marks sources left `processing` by a stopped server as failed; their previous chunks, if
  // any, stay searchable. Returns how many there were.
  virtual Async<Result<int64_t>> fail_interrupted_ingestions(int64_t now_ms) = 0;
};

}  // namespace brainstem::store
