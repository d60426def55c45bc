// The SQLite Store's knowledge sources and chunks.
#include "common/clock.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace brainstem::store::sqlite {

namespace {

constexpr const char* kSourceColumns =
    "id, tenant_id, name, kind, location, status, error, content_hash, embedding_model, chunk_count, metadata, "
    "created_at, updated_at";
// Chunks are read joined to their source (alias s) for its name.
constexpr const char* kChunkColumns =
    "c.id, c.tenant_id, c.source_id, c.ordinal, c.text, c.heading_path, c.page, c.tokens, c.embedding_model, "
    "c.embedding, s.name";
constexpr const char* kChunkJoin = " FROM knowledge_chunks c JOIN knowledge_sources s ON s.id = c.source_id";

KnowledgeSource read_source(const Statement& row) {
  KnowledgeSource s;
  s.id = row.text(0);
  s.tenant_id = row.text(1);
  s.name = row.text(2);
  s.kind = row.text(3);
  s.location = row.text(4);
  s.status = row.text(5);
  s.error = row.text(6);
  s.content_hash = row.text(7);
  s.embedding_model = row.text(8);
  s.chunk_count = row.integer(9);
  s.metadata = row.text(10);
  s.created_at = row.integer(11);
  s.updated_at = row.integer(12);
  return s;
}

KnowledgeChunk read_chunk(const Statement& row) {
  KnowledgeChunk c;
  c.id = row.integer(0);
  c.tenant_id = row.text(1);
  c.source_id = row.text(2);
  c.ordinal = row.integer(3);
  c.text = row.text(4);
  c.heading_path = row.text(5);
  c.page = row.integer(6);
  c.tokens = row.integer(7);
  c.embedding_model = row.text(8);
  c.embedding = embedding_from(row.blob(9));
  c.source_name = row.text(10);
  return c;
}

Status delete_chunks(Connection& c, const std::string& tenant_id, const std::string& source_id) {
  auto remove = c.statement("DELETE FROM knowledge_chunks WHERE source_id = ?1 AND tenant_id = ?2");
  if (!remove.ok()) return remove.status();
  remove->bind(1, source_id).bind(2, tenant_id);
  return remove->run();
}

Result<KnowledgeChunk> insert_chunk(Connection& c, Statement& insert, KnowledgeChunk chunk) {
  insert.reset();
  insert.bind(1, chunk.tenant_id)
      .bind(2, chunk.source_id)
      .bind(3, chunk.ordinal)
      .bind(4, chunk.text)
      .bind(5, chunk.heading_path)
      .bind(6, chunk.page)
      .bind(7, chunk.tokens)
      .bind(8, chunk.embedding_model)
      .bind_blob(9, embedding_bytes(chunk.embedding));
  if (Status s = insert.run(); !s.is_ok()) return s;
  chunk.id = sqlite3_last_insert_rowid(c.db());
  return chunk;
}

}  // namespace

Status Database::create_knowledge_source(const KnowledgeSource& source) {
  return write([&](Connection& c) -> Status {
    auto insert = c.statement(std::string("INSERT INTO knowledge_sources(") + kSourceColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, source.id)
        .bind(2, source.tenant_id)
        .bind(3, source.name)
        .bind(4, source.kind)
        .bind(5, source.location)
        .bind(6, source.status)
        .bind(7, source.error)
        .bind(8, source.content_hash)
        .bind(9, source.embedding_model)
        .bind(10, source.chunk_count)
        .bind(11, source.metadata)
        .bind(12, source.created_at)
        .bind(13, source.updated_at);
    return run_tenant_insert(*insert);
  });
}

Result<KnowledgeSource> Database::get_knowledge_source(const std::string& tenant_id, const std::string& id) {
  return read([&](Connection& c) -> Result<KnowledgeSource> {
    auto query = c.statement(std::string("SELECT ") + kSourceColumns +
                             " FROM knowledge_sources WHERE id = ?1 AND tenant_id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, id).bind(2, tenant_id);
    return single_row(*query, read_source, "knowledge source not found");
  });
}

Result<std::vector<KnowledgeSource>> Database::list_knowledge_sources(const std::string& tenant_id) {
  return read([&](Connection& c) -> Result<std::vector<KnowledgeSource>> {
    auto query = c.statement(std::string("SELECT ") + kSourceColumns +
                             " FROM knowledge_sources WHERE tenant_id = ?1 ORDER BY created_at DESC, rowid DESC");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id);
    return all_rows(*query, read_source);
  });
}

Status Database::set_knowledge_source_status(const std::string& tenant_id, const std::string& id,
                                                const std::string& status, const std::string& error) {
  return write([&](Connection& c) -> Status {
    auto update = c.statement(
        "UPDATE knowledge_sources SET status = ?3, error = ?4, updated_at = ?5 WHERE id = ?1 AND tenant_id = ?2");
    if (!update.ok()) return update.status();
    update->bind(1, id).bind(2, tenant_id).bind(3, status).bind(4, error).bind(5, now_ms());
    return run_changing(c, *update, "knowledge source not found");
  });
}

Result<std::vector<KnowledgeChunk>> Database::replace_knowledge_chunks(const KnowledgeIngestion& ingestion) {
  return write([&](Connection& c) -> Result<std::vector<KnowledgeChunk>> {
    auto update = c.statement(
        "UPDATE knowledge_sources SET status = 'completed', error = '', content_hash = ?3, embedding_model = ?4, "
        "chunk_count = ?5, updated_at = ?6 WHERE id = ?1 AND tenant_id = ?2");
    if (!update.ok()) return update.status();
    update->bind(1, ingestion.source_id)
        .bind(2, ingestion.tenant_id)
        .bind(3, ingestion.content_hash)
        .bind(4, ingestion.embedding_model)
        .bind(5, static_cast<int64_t>(ingestion.chunks.size()))
        .bind(6, now_ms());
    if (Status s = run_changing(c, *update, "knowledge source not found"); !s.is_ok()) return s;
    auto name = c.statement("SELECT name FROM knowledge_sources WHERE id = ?1");
    if (!name.ok()) return name.status();
    name->bind(1, ingestion.source_id);
    auto source_name = single_row(*name, [](const Statement& row) { return row.text(0); }, "knowledge source not found");
    if (!source_name.ok()) return source_name.status();
    if (Status s = delete_chunks(c, ingestion.tenant_id, ingestion.source_id); !s.is_ok()) return s;
    auto insert = c.statement(
        "INSERT INTO knowledge_chunks(tenant_id, source_id, ordinal, text, heading_path, page, tokens, "
        "embedding_model, embedding) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!insert.ok()) return insert.status();
    std::vector<KnowledgeChunk> stored;
    stored.reserve(ingestion.chunks.size());
    for (KnowledgeChunk chunk : ingestion.chunks) {
      chunk.tenant_id = ingestion.tenant_id;
      chunk.source_id = ingestion.source_id;
      chunk.embedding_model = ingestion.embedding_model;
      chunk.source_name = *source_name;
      auto written = insert_chunk(c, *insert, std::move(chunk));
      if (!written.ok()) return written.status();
      stored.push_back(std::move(*written));
    }
    return stored;
  });
}

Status Database::delete_knowledge_source(const std::string& tenant_id, const std::string& id) {
  return write([&](Connection& c) -> Status {
    if (Status s = delete_chunks(c, tenant_id, id); !s.is_ok()) return s;
    auto remove = c.statement("DELETE FROM knowledge_sources WHERE id = ?1 AND tenant_id = ?2");
    if (!remove.ok()) return remove.status();
    remove->bind(1, id).bind(2, tenant_id);
    return run_changing(c, *remove, "knowledge source not found");
  });
}

Result<std::vector<KnowledgeChunk>> Database::list_knowledge_chunks(const std::string& tenant_id,
                                                                       const std::string& source_id) {
  return read([&](Connection& c) -> Result<std::vector<KnowledgeChunk>> {
    auto query = c.statement(std::string("SELECT ") + kChunkColumns + kChunkJoin +
                             " WHERE c.source_id = ?1 AND c.tenant_id = ?2 ORDER BY c.ordinal");
    if (!query.ok()) return query.status();
    query->bind(1, source_id).bind(2, tenant_id);
    return all_rows(*query, read_chunk);
  });
}

Status Database::scan_knowledge_chunks(const std::function<bool(const KnowledgeChunk&)>& visit) {
  return scan_batches<KnowledgeChunk>(
      std::string("SELECT ") + kChunkColumns + kChunkJoin + " WHERE c.id > ?1 ORDER BY c.id LIMIT ?2",
      [](Statement& q, int64_t after) { q.bind(1, after).bind(2, int64_t{kScanBatch}); },
      [](const Statement& row) {
        auto chunk = read_chunk(row);
        return std::make_pair(chunk.id, std::move(chunk));
      },
      visit);
}

Result<int64_t> Database::fail_interrupted_ingestions(int64_t now_ms) {
  return write([&](Connection& c) -> Result<int64_t> {
    auto update = c.statement(
        "UPDATE knowledge_sources SET status = 'failed', error = 'ingestion interrupted by a server stop', "
        "updated_at = ?1 WHERE status = 'processing'");
    if (!update.ok()) return update.status();
    update->bind(1, now_ms);
    if (Status s = update->run(); !s.is_ok()) return s;
    return static_cast<int64_t>(sqlite3_changes64(c.db()));
  });
}

}  // namespace brainstem::store::sqlite
