// The SQLite Store's CELLSTATE memory entities: one table, JSON bodies, keyed columns.
#include "store/sqlite/sqlite_store_impl.h"

#include <variant>

namespace brainstem::store::sqlite {

namespace {

constexpr const char* kEntityColumns =
    "seq, tenant_id, kind, id, parent_id, owner_id, status, type, body, embedding_model, embedding, version, "
    "created_at, updated_at, expires_at";

// Binds ?1 to ?10 (keys, body, embedding), which the insert and the versioned update share.
Statement& bind_keys_and_body(Statement& s, const MemoryEntity& e) {
  return s.bind(1, e.tenant_id)
      .bind(2, e.kind)
      .bind(3, e.id)
      .bind(4, e.parent_id)
      .bind(5, e.owner_id)
      .bind(6, e.status)
      .bind(7, e.type)
      .bind(8, e.body)
      .bind(9, e.embedding_model)
      .bind_blob(10, embedding_bytes(e.embedding));
}

MemoryEntity read_entity(const Statement& row) {
  MemoryEntity e;
  e.seq = row.integer(0);
  e.tenant_id = row.text(1);
  e.kind = row.text(2);
  e.id = row.text(3);
  e.parent_id = row.text(4);
  e.owner_id = row.text(5);
  e.status = row.text(6);
  e.type = row.text(7);
  e.body = row.text(8);
  e.embedding_model = row.text(9);
  e.embedding = embedding_from(row.blob(10));
  e.version = row.integer(11);
  e.created_at = row.integer(12);
  e.updated_at = row.integer(13);
  e.expires_at = row.optional_integer(14);
  return e;
}

Result<MemoryEntity> insert_entity(Connection& c, MemoryEntity entity) {
  auto insert = c.statement(
      "INSERT INTO memory_entities(tenant_id, kind, id, parent_id, owner_id, status, type, body, embedding_model, "
      "embedding, version, created_at, updated_at, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!insert.ok()) return insert.status();
  entity.version = 1;
  bind_keys_and_body(*insert, entity)
      .bind(11, entity.version)
      .bind(12, entity.created_at)
      .bind(13, entity.updated_at)
      .bind(14, entity.expires_at);
  if (Status s = insert->run(); !s.is_ok()) {
    if (s.code() == StatusCode::kConflict) return Status::conflict(entity.kind + " " + entity.id + " already exists");
    return s;
  }
  entity.seq = sqlite3_last_insert_rowid(c.db());
  return entity;
}

}  // namespace

Result<std::vector<MemoryEntity>> insert_entities(Connection& c, std::vector<MemoryEntity> entities) {
  for (auto& entity : entities) {
    auto stored = insert_entity(c, std::move(entity));
    if (!stored.ok()) return stored.status();
    entity = std::move(stored).value();
  }
  return entities;
}

namespace {

// The WHERE clause of `q` and the values of its parameters, numbered from 1.
struct Filter {
  std::string where;
  std::vector<std::variant<std::string, int64_t>> values;

  void add(const std::string& condition, std::variant<std::string, int64_t> value) {
    values.push_back(std::move(value));
    where += " AND " + condition + " ?" + std::to_string(values.size());
  }
  void bind(Statement& statement) const {
    for (size_t i = 0; i < values.size(); ++i) {
      std::visit([&](const auto& v) { statement.bind(static_cast<int>(i + 1), v); }, values[i]);
    }
  }
};

Filter filter_of(const MemoryEntityQuery& q) {
  Filter f;
  f.add("tenant_id =", q.tenant_id);
  f.add("kind =", q.kind);
  if (q.parent_id) f.add("parent_id =", *q.parent_id);
  if (q.owner_id) f.add("owner_id =", *q.owner_id);
  if (q.status) f.add("status =", *q.status);
  if (q.type) f.add("type =", *q.type);
  for (const auto& [path, value] : q.body_equals) {
    f.values.push_back(path);
    std::string path_param = "?" + std::to_string(f.values.size());
    f.add("json_extract(body, " + path_param + ") =", value);
  }
  for (const auto& path : q.body_null) {
    f.values.push_back(path);
    f.where += " AND json_extract(body, ?" + std::to_string(f.values.size()) + ") IS NULL";
  }
  for (const auto& [path, value] : q.body_contains) {
    f.values.push_back(path);
    std::string path_param = "?" + std::to_string(f.values.size());
    f.values.push_back(value);
    f.where += " AND EXISTS (SELECT 1 FROM json_each(body, " + path_param + ") WHERE value = ?" +
               std::to_string(f.values.size()) + ")";
  }
  if (q.created_after) f.add("created_at >", *q.created_after);
  if (q.created_before) f.add("created_at <", *q.created_before);
  if (q.updated_after) f.add("updated_at >", *q.updated_after);
  if (q.live_at > 0) {
    f.values.push_back(q.live_at);
    f.where += " AND (expires_at IS NULL OR expires_at > ?" + std::to_string(f.values.size()) + ")";
  }
  return f;
}

}  // namespace

Result<MemoryEntity> Database::create_memory_entity(MemoryEntity entity) {
  return write([&](Connection& c) { return insert_entity(c, std::move(entity)); });
}

Result<std::vector<MemoryEntity>> Database::create_memory_entities(std::vector<MemoryEntity> entities) {
  return write([&](Connection& c) { return insert_entities(c, std::move(entities)); });
}

Result<MemoryEntity> Database::get_memory_entity(const std::string& tenant_id, const std::string& kind,
                                                    const std::string& id) {
  return read([&](Connection& c) -> Result<MemoryEntity> {
    auto query = c.statement(std::string("SELECT ") + kEntityColumns +
                             " FROM memory_entities WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, kind).bind(3, id);
    return single_row(*query, read_entity, "not found");
  });
}

Result<MemoryEntityPage> Database::list_memory_entities(const MemoryEntityQuery& q) {
  Filter filter = filter_of(q);
  std::string where = " FROM memory_entities WHERE 1 = 1" + filter.where;
  std::string order = q.newest_first ? " ORDER BY created_at DESC, seq DESC" : " ORDER BY created_at, seq";
  std::string page = " LIMIT " + std::to_string(std::max<int64_t>(q.limit, 0)) + " OFFSET " +
                     std::to_string(std::max<int64_t>(q.offset, 0));
  return read([&](Connection& c) -> Result<MemoryEntityPage> {
    MemoryEntityPage out;
    if (q.count_total) {
      auto count = c.statement("SELECT COUNT(*)" + where);
      if (!count.ok()) return count.status();
      filter.bind(*count);
      auto counted = count->step();
      if (!counted.ok()) return counted.status();
      out.total = count->integer(0);
    }
    auto query = c.statement(std::string("SELECT ") + kEntityColumns + where + order + page);
    if (!query.ok()) return query.status();
    filter.bind(*query);
    auto rows = all_rows(*query, read_entity);
    if (!rows.ok()) return rows.status();
    out.items = std::move(rows).value();
    return out;
  });
}

Result<MemoryEntity> Database::update_memory_entity(MemoryEntity entity) {
  return write([&](Connection& c) -> Result<MemoryEntity> {
    auto update = c.statement(
        "UPDATE memory_entities SET parent_id = ?4, owner_id = ?5, status = ?6, type = ?7, body = ?8, "
        "embedding_model = ?9, embedding = ?10, version = version + 1, updated_at = ?11, expires_at = ?12 "
        "WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3 AND version = ?13");
    if (!update.ok()) return update.status();
    bind_keys_and_body(*update, entity)
        .bind(11, entity.updated_at)
        .bind(12, entity.expires_at)
        .bind(13, entity.version);
    if (Status s = update->run(); !s.is_ok()) return s;
    if (sqlite3_changes(c.db()) == 0) {
      auto exists = c.statement("SELECT 1 FROM memory_entities WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3");
      if (!exists.ok()) return exists.status();
      exists->bind(1, entity.tenant_id).bind(2, entity.kind).bind(3, entity.id);
      auto row = exists->step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::not_found(entity.kind + " not found");
      return Status::conflict(entity.kind + " " + entity.id + " was changed by another request; read it again");
    }
    ++entity.version;
    return entity;
  });
}

Status Database::delete_memory_entity(const std::string& tenant_id, const std::string& kind, const std::string& id) {
  return write([&](Connection& c) -> Status {
    auto remove = c.statement("DELETE FROM memory_entities WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3");
    if (!remove.ok()) return remove.status();
    remove->bind(1, tenant_id).bind(2, kind).bind(3, id);
    return run_changing(c, *remove, "not found");
  });
}

Result<MemoryEntity> Database::acquire_memory_lock(MemoryEntity lock, int64_t now_ms) {
  return write([&](Connection& c) -> Result<MemoryEntity> {
    auto held = c.statement(
        "SELECT id, owner_id, type FROM memory_entities WHERE tenant_id = ?1 AND kind = 'lock' AND parent_id = ?2 "
        "AND (expires_at IS NULL OR expires_at > ?3) AND (type = 'exclusive' OR ?4 = 'exclusive') LIMIT 1");
    if (!held.ok()) return held.status();
    held->bind(1, lock.tenant_id).bind(2, lock.parent_id).bind(3, now_ms).bind(4, lock.type);
    auto row = held->step();
    if (!row.ok()) return row.status();
    if (*row) {
      Status refused = Status::conflict("the resource is locked by another holder");
      refused.with_details({{"code", "LOCK_CONFLICT"}, {"lock_id", held->text(0)}, {"holder_agent_id", held->text(1)},
                            {"mode", held->text(2)}});
      return refused;
    }
    return insert_entity(c, std::move(lock));
  });
}

Result<std::vector<MemoryEntity>> Database::delete_expired_memory_entities(int64_t now_ms, int limit) {
  return write([&](Connection& c) -> Result<std::vector<MemoryEntity>> {
    auto query = c.statement(std::string("SELECT ") + kEntityColumns +
                             " FROM memory_entities WHERE expires_at IS NOT NULL AND expires_at <= ?1 LIMIT ?2");
    if (!query.ok()) return query.status();
    query->bind(1, now_ms).bind(2, row_limit(limit));
    auto expired = all_rows(*query, read_entity);
    if (!expired.ok() || expired->empty()) return expired;
    auto remove = c.statement("DELETE FROM memory_entities WHERE seq = ?1");
    if (!remove.ok()) return remove.status();
    for (const auto& entity : *expired) {
      remove->reset();
      remove->bind(1, entity.seq);
      if (Status s = remove->run(); !s.is_ok()) return s;
    }
    return expired;
  });
}

Status Database::scan_memory_entities(const std::string& kind,
                                         const std::function<bool(const MemoryEntity&)>& visit) {
  return scan_batches<MemoryEntity>(
      std::string("SELECT ") + kEntityColumns + " FROM memory_entities WHERE kind = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
      [&](Statement& q, int64_t after) { q.bind(1, kind).bind(2, after).bind(3, int64_t{kScanBatch}); },
      [](const Statement& row) {
        auto entity = read_entity(row);
        return std::make_pair(entity.seq, std::move(entity));
      },
      visit);
}

}  // namespace brainstem::store::sqlite
