#include "knowledge/knowledge_base.h"

#include "common/run_sync.h"
#include "common/clock.h"
#include "common/crypto.h"

#include <spdlog/spdlog.h>

namespace brainstem::knowledge {

// One running ingestion of one source: holds the source's slot in running_ until it ends.
class KnowledgeBase::Job {
 public:
  Job(KnowledgeBase& base, std::string tenant_id, std::string source_id)
      : base_(base), tenant_id_(std::move(tenant_id)), source_id_(std::move(source_id)) {
    std::lock_guard lock(base_.progress_mu_);
    claimed_ = base_.running_.emplace(source_id_, IngestProgress{"starting", 0, 0}).second;
  }
  ~Job() {
    if (!claimed_) return;
    std::lock_guard lock(base_.progress_mu_);
    base_.running_.erase(source_id_);
  }
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  bool claimed() const { return claimed_; }
  const std::string& tenant_id() const { return tenant_id_; }
  const std::string& source_id() const { return source_id_; }
  void report(std::string stage, int64_t done = 0, int64_t total = 0) {
    base_.set_progress(source_id_, IngestProgress{std::move(stage), done, total});
  }

 private:
  KnowledgeBase& base_;
  const std::string tenant_id_;
  const std::string source_id_;
  bool claimed_ = false;
};

namespace {

Status already_running() { return Status::conflict("an ingestion of this knowledge source is already running"); }

// Changes wait for the start-up load: it could otherwise put back chunks they replace.
Status still_loading() { return Status::unavailable("the knowledge index is still loading; retry shortly"); }

}  // namespace

KnowledgeBase::KnowledgeBase(store::KnowledgeStore& store, BlockingPool& blocking, const EmbeddingModels& embedders,
                             TokenCount count_tokens, Options options)
    : store_(store),
      blocking_(blocking),
      embedders_(embedders),
      count_tokens_(std::move(count_tokens)),
      options_(std::move(options)) {}

KnowledgeBase::~KnowledgeBase() {
  stopping_ = true;
  if (loader_.joinable()) loader_.join();
}

Status KnowledgeBase::load() {
  auto interrupted = run_sync(store_.fail_interrupted_ingestions(now_ms()));
  if (!interrupted.ok()) return interrupted.status();
  if (*interrupted > 0) spdlog::warn("{} knowledge ingestions were interrupted by a stop; marked failed", *interrupted);
  loader_ = std::thread([this] { index_stored_chunks(); });
  return Status::ok();
}

void KnowledgeBase::index_stored_chunks() {
  constexpr size_t kLoadBatch = 4096;
  const int64_t started = now_ms();
  std::vector<store::KnowledgeChunk> batch;
  Status scanned = run_sync(store_.scan_knowledge_chunks([&](const store::KnowledgeChunk& chunk) {
    batch.push_back(chunk);
    if (batch.size() == kLoadBatch) {
      index_.add(batch);
      batch.clear();
    }
    return !stopping_.load();
  }));
  index_.add(batch);
  if (!scanned.is_ok()) spdlog::error("knowledge index load failed: {}", scanned.message());
  if (index_.size() > 0) spdlog::info("knowledge index: {} chunks loaded in {} ms", index_.size(), now_ms() - started);
  loaded_ = true;
  loaded_.notify_all();
}

Result<std::shared_ptr<models::Embedder>> KnowledgeBase::embedder_for_change(const std::string& name) const {
  if (!loaded()) return still_loading();
  return embedders_.find(name);
}

boost::asio::awaitable<Status> KnowledgeBase::create_source(const store::KnowledgeSource& source) {
  co_return co_await store_.create_knowledge_source(source);
}

boost::asio::awaitable<Result<store::KnowledgeSource>> KnowledgeBase::source(const std::string& tenant_id,
                                                                             const std::string& id) {
  co_return co_await store_.get_knowledge_source(tenant_id, id);
}

boost::asio::awaitable<Result<std::vector<store::KnowledgeSource>>> KnowledgeBase::sources(
    const std::string& tenant_id) {
  co_return co_await store_.list_knowledge_sources(tenant_id);
}

boost::asio::awaitable<Result<store::KnowledgeSource>> KnowledgeBase::source_for_ingestion(
    store::KnowledgeSource draft) {
  auto existing = co_await store_.get_knowledge_source(draft.tenant_id, draft.id);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) co_return existing;
  draft.created_at = draft.updated_at = now_ms();
  Status created = co_await store_.create_knowledge_source(draft);
  if (created.code() == StatusCode::kConflict) co_return Status::not_found("knowledge source not found");
  if (!created.is_ok()) co_return created;
  co_return draft;
}

boost::asio::awaitable<Status> KnowledgeBase::mark_failed(const std::string& tenant_id, const std::string& source_id,
                                                          const std::string& reason) {
  co_return co_await store_.set_knowledge_source_status(tenant_id, source_id, "failed", reason);
}

boost::asio::awaitable<Result<IngestOutcome>> KnowledgeBase::ingest(IngestContent content) {
  auto embedder = embedder_for_change(content.embedding_model);
  if (!embedder.ok()) co_return embedder.status();
  Job job(*this, content.tenant_id, content.source_id);
  if (!job.claimed()) co_return already_running();
  std::string content_hash = crypto::sha256_hex(content.bytes);
  auto unchanged = co_await already_ingested(content.tenant_id, content.source_id, content_hash, **embedder);
  if (!unchanged.ok()) co_return unchanged.status();
  if (*unchanged) co_return IngestOutcome{content.source_id, "completed", 0, 0, true};

  job.report("extracting");
  Format format = sniff_format(content.bytes, content.format_hint);
  auto document = co_await blocking_.run(
      [&] { return extract_document(content.bytes, format, options_.extraction); });
  if (!document.ok()) {
    Status failed = co_await fail(job, document.status());
    co_return failed;
  }
  content.bytes.clear();
  content.bytes.shrink_to_fit();
  auto outcome = co_await chunk_and_store(job, std::move(*document), std::move(content_hash), *embedder);
  co_return outcome;
}

boost::asio::awaitable<Result<IngestOutcome>> KnowledgeBase::ingest_document(const std::string& tenant_id,
                                                                             const std::string& source_id,
                                                                             Document document,
                                                                             std::string content_hash,
                                                                             const std::string& embedding_model) {
  auto embedder = embedder_for_change(embedding_model);
  if (!embedder.ok()) co_return embedder.status();
  Job job(*this, tenant_id, source_id);
  if (!job.claimed()) co_return already_running();
  auto unchanged = co_await already_ingested(tenant_id, source_id, content_hash, **embedder);
  if (!unchanged.ok()) co_return unchanged.status();
  if (*unchanged) co_return IngestOutcome{source_id, "completed", 0, 0, true};
  auto outcome = co_await chunk_and_store(job, std::move(document), std::move(content_hash), *embedder);
  co_return outcome;
}

boost::asio::awaitable<Result<IngestOutcome>> KnowledgeBase::reembed(const std::string& tenant_id,
                                                                     const std::string& source_id,
                                                                     const std::string& embedding_model) {
  auto embedder = embedder_for_change(embedding_model);
  if (!embedder.ok()) co_return embedder.status();
  Job job(*this, tenant_id, source_id);
  if (!job.claimed()) co_return already_running();
  auto source = co_await store_.get_knowledge_source(tenant_id, source_id);
  if (!source.ok()) co_return source.status();
  auto chunks = co_await store_.list_knowledge_chunks(tenant_id, source_id);
  if (!chunks.ok()) co_return chunks.status();
  Status marked = co_await store_.set_knowledge_source_status(tenant_id, source_id, "processing", "");
  if (!marked.is_ok()) co_return marked;
  auto outcome = co_await embed_and_store(job, std::move(*chunks), **embedder, source->content_hash);
  if (outcome.ok()) outcome->chunks_created = 0;
  co_return outcome;
}

boost::asio::awaitable<Result<bool>> KnowledgeBase::already_ingested(const std::string& tenant_id,
                                                                     const std::string& source_id,
                                                                     const std::string& content_hash,
                                                                     const models::Embedder& embedder) {
  auto source = co_await store_.get_knowledge_source(tenant_id, source_id);
  if (!source.ok()) co_return source.status();
  co_return source->status == "completed" && source->content_hash == content_hash &&
      source->embedding_model == embedder.id();
}

boost::asio::awaitable<Result<IngestOutcome>> KnowledgeBase::chunk_and_store(
    Job& job, Document document, std::string content_hash, const std::shared_ptr<models::Embedder>& embedder) {
  Status marked = co_await store_.set_knowledge_source_status(job.tenant_id(), job.source_id(), "processing", "");
  if (!marked.is_ok()) co_return marked;
  job.report("chunking");
  auto pieces = co_await blocking_.run([&] { return chunk_document(document, options_.chunking, count_tokens_); });
  if (pieces.empty()) {
    const Status empty = Status::invalid("the content has no text to index");
    Status failed = co_await fail(job, empty);
    co_return failed;
  }
  std::vector<store::KnowledgeChunk> chunks;
  chunks.reserve(pieces.size());
  for (auto& piece : pieces) {
    store::KnowledgeChunk chunk;
    chunk.ordinal = static_cast<int64_t>(chunks.size());
    chunk.text = std::move(piece.text);
    chunk.heading_path = std::move(piece.heading_path);
    chunk.page = piece.page;
    chunk.tokens = piece.tokens;
    chunks.push_back(std::move(chunk));
  }
  auto outcome = co_await embed_and_store(job, std::move(chunks), *embedder, std::move(content_hash));
  co_return outcome;
}

boost::asio::awaitable<Result<IngestOutcome>> KnowledgeBase::embed_and_store(Job& job,
                                                                             std::vector<store::KnowledgeChunk> chunks,
                                                                             models::Embedder& embedder,
                                                                             std::string content_hash) {
  const auto total = static_cast<int64_t>(chunks.size());
  job.report("embedding", 0, total);
  for (size_t start = 0; start < chunks.size(); start += options_.embed_batch) {
    size_t end = std::min(chunks.size(), start + options_.embed_batch);
    std::vector<std::string> texts;
    for (size_t i = start; i < end; ++i) texts.push_back(indexed_text(chunks[i].heading_path, chunks[i].text));
    auto vectors = co_await embedder.embed(texts);
    if (!vectors.ok()) {
      Status failed = co_await fail(job, vectors.status());
      co_return failed;
    }
    for (size_t i = start; i < end; ++i) chunks[i].embedding = std::move((*vectors)[i - start]);
    job.report("embedding", static_cast<int64_t>(end), total);
  }

  job.report("storing", total, total);
  store::KnowledgeIngestion ingestion{job.tenant_id(), job.source_id(), std::move(content_hash), embedder.id(),
                                      std::move(chunks)};
  auto stored = co_await store_.replace_knowledge_chunks(ingestion);
  if (!stored.ok()) {
    Status failed = co_await fail(job, stored.status());
    co_return failed;
  }
  co_await blocking_.run([&] {
    index_.replace_source(job.tenant_id(), job.source_id(), *stored);
    return true;
  });
  co_return IngestOutcome{job.source_id(), "completed", total, total, false};
}

boost::asio::awaitable<Status> KnowledgeBase::fail(Job& job, const Status& error) {
  Status marked = co_await store_.set_knowledge_source_status(job.tenant_id(), job.source_id(), "failed", error.message());
  if (!marked.is_ok()) spdlog::warn("could not mark knowledge source {} failed: {}", job.source_id(), marked.message());
  co_return error;
}

boost::asio::awaitable<Status> KnowledgeBase::delete_source(const std::string& tenant_id,
                                                            const std::string& source_id) {
  if (!loaded()) co_return still_loading();
  {
    std::lock_guard lock(progress_mu_);
    if (running_.contains(source_id)) co_return already_running();
  }
  Status deleted = co_await store_.delete_knowledge_source(tenant_id, source_id);
  if (deleted.is_ok()) index_.remove_source(tenant_id, source_id);
  co_return deleted;
}

boost::asio::awaitable<Result<std::vector<KnowledgeHit>>> KnowledgeBase::search(const SearchRequest& request) {
  if (!index_.has_chunks(request.tenant_id, request.source_ids)) co_return std::vector<KnowledgeHit>{};
  KnowledgeQuery query;
  query.tenant_id = request.tenant_id;
  query.source_ids = request.source_ids;
  query.text = request.query;
  query.limit = request.limit;
  query.min_similarity = request.min_similarity;
  for (const auto& model : index_.embedding_models()) {
    auto embedder = embedders_.by_id(model);
    if (!embedder) continue;  // a model no longer configured: its chunks are found by keywords only
    std::vector<std::string> texts{request.query};
    auto vectors = co_await embedder->embed(texts);
    if (!vectors.ok()) {
      spdlog::warn("knowledge search: embedding with {} failed: {}", model, vectors.status().message());
      continue;
    }
    query.vectors[model] = std::move(vectors->front());
  }
  co_return index_.search(query);
}

std::optional<IngestProgress> KnowledgeBase::progress(const std::string& source_id) const {
  std::lock_guard lock(progress_mu_);
  auto it = running_.find(source_id);
  if (it == running_.end()) return std::nullopt;
  return it->second;
}

void KnowledgeBase::set_progress(const std::string& source_id, IngestProgress progress) {
  std::lock_guard lock(progress_mu_);
  running_[source_id] = std::move(progress);
}

}  // namespace brainstem::knowledge
