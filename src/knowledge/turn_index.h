// TurnIndex: every tenant's conversation turns (the pipeline's and CELLSTATE's, which are the
// same rows), searchable by keywords (BM25) and by wording (the built-in hashed embedder's
// vectors in an HNSW graph), the two rankings fused by reciprocal rank. Each tenant has an
// index of its own, so a search scores only that tenant's turns.
//
// What a turn is indexed as (turn_search_text): its speaker — the `speaker` (or `name`) its
// metadata gives, else its role — then its text, then the session date its metadata gives
// (`session_date`, `date_time` or `date`). Questions name people and times that a turn's own
// words ("I went there on Friday") leave out. And a question that names a speaker is most
// likely about what that speaker said: the turns of speakers it names rank first, by their
// fused score, before the others (a reranking that needs no model).
//
// The store holds the truth; this index is rebuilt from it at start (load) and follows every
// turn written after (add). add() returns at once: one indexing thread of its own embeds and
// inserts, so no request waits on HNSW insertion; a turn is searchable milliseconds after its
// write (wait_idle() waits for that, for tests and the command line).
// Thread-safety: every method may be called from any thread at once.
#pragma once

#include "common/status.h"
#include "knowledge/index/bm25_index.h"
#include "knowledge/index/vector_index.h"
#include "knowledge/search_mode.h"
#include "models/hashed_embedder.h"
#include "store/conversation_store.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace brainstem::knowledge {

std::string turn_search_text(const store::Turn& turn);
// The speaker a turn's metadata names (`speaker`, else `name`), or "".
std::string turn_speaker(const store::Turn& turn);

// What a search sees of a turn.
struct IndexedTurn {
  std::string id;
  std::string agent_id;
  std::string session_id;
  std::string customer_id;
  std::string role;
  std::string speaker;  // from the metadata; "" when it names none
  std::string content;
  int64_t created_at = 0;
};

struct TurnQuery {
  std::string tenant_id;
  std::string text;
  SearchMode mode = SearchMode::kHybrid;
  std::string customer_id;         // "" : any customer's turns
  std::string agent_id;            // "" : any agent's
  std::string exclude_session_id;  // "" : none excluded
  size_t limit = 10;
  // Hits below this cosine similarity (vector ranking) are dropped before fusion.
  double min_similarity = 0;
};

struct TurnHit {
  IndexedTurn turn;
  double score = 0;          // fused, in (0, 1]: 1 when first in every ranking used
  double keyword_score = 0;  // BM25; 0 when only the vector search found it
  double similarity = 0;     // cosine; 0 when only the keyword search found it
};

class TurnIndex {
 public:
  // A disabled index takes nothing in and finds nothing.
  explicit TurnIndex(const models::HashedEmbedder& embedder, bool enabled = true);
  ~TurnIndex();  // stops the indexing thread; turns still queued are left to the next load

  // Indexes every stored turn; call once before serving.
  Status load(store::ConversationStore& store);
  // Queues turns for indexing and returns at once. A turn already indexed is skipped.
  void add(std::vector<store::Turn> turns);
  // Blocks until every turn queued so far is searchable.
  void wait_idle();
  // Turns written but not yet searchable (queued, or being indexed now).
  size_t pending() const;

  std::vector<TurnHit> search(const TurnQuery& query) const;
  size_t size() const;  // turns indexed, all tenants

 private:
  struct Tenant;
  Tenant& tenant(const std::string& tenant_id);
  const Tenant* find_tenant(const std::string& tenant_id) const;
  // Embeds and inserts on the calling thread.
  void index_now(const std::vector<store::Turn>& turns);
  void run_worker();

  const models::HashedEmbedder& embedder_;
  const bool enabled_;
  mutable std::shared_mutex tenants_mu_;
  std::unordered_map<std::string, std::unique_ptr<Tenant>> tenants_;
  std::atomic<uint64_t> next_key_{1};

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<store::Turn> queue_;
  bool busy_ = false;
  size_t indexing_ = 0;  // turns of the batch being indexed
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace brainstem::knowledge
