#include "store/sqlite/migrations.h"

#include "common/clock.h"

#include <iterator>
#include <string>

namespace brainstem::store::sqlite {

namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append new versions at the end; never edit one that has shipped.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE tenants (
  id         TEXT PRIMARY KEY,
  slug       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  plan       TEXT NOT NULL DEFAULT 'starter',
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id                TEXT PRIMARY KEY,
  email             TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name              TEXT NOT NULL,
  password_hash     TEXT NOT NULL DEFAULT '',
  email_verified    INTEGER NOT NULL DEFAULT 0,
  verify_token_hash TEXT NOT NULL DEFAULT '',
  created_at        INTEGER NOT NULL
);
CREATE INDEX users_verify_token ON users(verify_token_hash) WHERE verify_token_hash <> '';

CREATE TABLE memberships (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role      TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE api_keys (
  id              TEXT PRIMARY KEY,
  tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name            TEXT NOT NULL,
  prefix          TEXT NOT NULL,
  key_hash        TEXT NOT NULL UNIQUE,
  scopes          TEXT NOT NULL DEFAULT '[]',
  agent_id        TEXT NOT NULL DEFAULT '',
  identity_mode   TEXT NOT NULL DEFAULT 'identified',
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  expires_at      INTEGER,
  last_used_at    INTEGER,
  revoked_at      INTEGER,
  created_by      TEXT NOT NULL,
  created_at      INTEGER NOT NULL
);
CREATE INDEX api_keys_tenant_created ON api_keys(tenant_id, created_at);

-- No foreign key to tenants: the audit trail must outlive the records it describes.
CREATE TABLE audit_log (
  tenant_id  TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  id         TEXT NOT NULL UNIQUE,
  timestamp  INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload    TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL,
  UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_log_tenant_time ON audit_log(tenant_id, timestamp);
CREATE INDEX audit_log_tenant_actor ON audit_log(tenant_id, actor, seq);
CREATE INDEX audit_log_tenant_event ON audit_log(tenant_id, event_type, seq);

CREATE TABLE audit_heads (
  tenant_id TEXT PRIMARY KEY,
  count     INTEGER NOT NULL,
  hash      TEXT NOT NULL
);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    {2, R"sql(
CREATE TABLE agents (
  id         TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'active',
  config     TEXT NOT NULL DEFAULT '{}',
  version    INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX agents_tenant_created ON agents(tenant_id, created_at);

CREATE TABLE customers (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          TEXT NOT NULL,
  email       TEXT NOT NULL DEFAULT '',
  phone       TEXT NOT NULL DEFAULT '',
  name        TEXT NOT NULL DEFAULT '',
  external_id TEXT NOT NULL DEFAULT '',
  tags        TEXT NOT NULL DEFAULT '[]',
  metadata    TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX customers_email ON customers(tenant_id, email) WHERE email <> '';
CREATE UNIQUE INDEX customers_phone ON customers(tenant_id, phone) WHERE phone <> '';
CREATE UNIQUE INDEX customers_external_id ON customers(tenant_id, external_id) WHERE external_id <> '';

-- Sessions, turns, facts, cache entries and usage have no foreign keys: they are written on
-- every call, and history outlives the configuration it was made under.
CREATE TABLE sessions (
  tenant_id   TEXT NOT NULL,
  agent_id    TEXT NOT NULL,
  id          TEXT NOT NULL,
  customer_id TEXT NOT NULL DEFAULT '',
  title       TEXT NOT NULL DEFAULT '',
  turn_count  INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, agent_id, id)
);
CREATE INDEX sessions_tenant_updated ON sessions(tenant_id, updated_at);
CREATE INDEX sessions_agent_updated ON sessions(tenant_id, agent_id, updated_at);

CREATE TABLE turns (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL,
  agent_id    TEXT NOT NULL,
  session_id  TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  role        TEXT NOT NULL,
  content     TEXT NOT NULL,
  customer_id TEXT NOT NULL DEFAULT '',
  tokens      INTEGER NOT NULL DEFAULT 0,
  metadata    TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL,
  UNIQUE (tenant_id, agent_id, session_id, seq)
);

CREATE TABLE memory_facts (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  agent_id    TEXT NOT NULL DEFAULT '',
  fact        TEXT NOT NULL,
  category    TEXT NOT NULL DEFAULT 'general',
  confidence  REAL NOT NULL DEFAULT 1.0,
  source      TEXT NOT NULL DEFAULT 'manual',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX memory_facts_text ON memory_facts(tenant_id, customer_id, agent_id, lower(fact));

-- embedding: the vector's floats, little-endian, back to back.
CREATE TABLE cache_entries (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL,
  agent_id    TEXT NOT NULL,
  customer_id TEXT NOT NULL DEFAULT '',
  question    TEXT NOT NULL,
  answer      TEXT NOT NULL,
  model       TEXT NOT NULL DEFAULT '',
  embedding   BLOB NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX cache_entries_tenant_agent ON cache_entries(tenant_id, agent_id);

CREATE TABLE webhooks (
  id         TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  url        TEXT NOT NULL,
  events     TEXT NOT NULL DEFAULT '[]',
  secret     TEXT NOT NULL,
  active     INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhooks_tenant_created ON webhooks(tenant_id, created_at);

CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  webhook_id       TEXT NOT NULL,
  tenant_id        TEXT NOT NULL,
  event            TEXT NOT NULL,
  payload          TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending',
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL DEFAULT 0,
  last_status_code INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, created_at);

CREATE TABLE usage_records (
  tenant_id         TEXT NOT NULL,
  key_id            TEXT NOT NULL DEFAULT '',
  agent_id          TEXT NOT NULL DEFAULT '',
  model             TEXT NOT NULL,
  kind              TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd          REAL NOT NULL DEFAULT 0,
  cached            INTEGER NOT NULL DEFAULT 0,
  request_id        TEXT NOT NULL DEFAULT '',
  at_ms             INTEGER NOT NULL
);
CREATE INDEX usage_records_tenant_time ON usage_records(tenant_id, at_ms);
)sql"},
    {3, R"sql(
CREATE TABLE knowledge_sources (
  id              TEXT PRIMARY KEY,
  tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name            TEXT NOT NULL DEFAULT '',
  kind            TEXT NOT NULL,
  location        TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT 'pending',
  error           TEXT NOT NULL DEFAULT '',
  content_hash    TEXT NOT NULL DEFAULT '',
  embedding_model TEXT NOT NULL DEFAULT '',
  chunk_count     INTEGER NOT NULL DEFAULT 0,
  metadata        TEXT NOT NULL DEFAULT '{}',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX knowledge_sources_tenant_created ON knowledge_sources(tenant_id, created_at);

CREATE TABLE knowledge_chunks (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the indexes key on it
  tenant_id    TEXT NOT NULL,
  source_id    TEXT NOT NULL REFERENCES knowledge_sources(id) ON DELETE CASCADE,
  ordinal      INTEGER NOT NULL,
  text         TEXT NOT NULL,
  heading_path TEXT NOT NULL DEFAULT '',
  page         INTEGER NOT NULL DEFAULT 0,
  tokens       INTEGER NOT NULL DEFAULT 0,
  embedding_model TEXT NOT NULL DEFAULT '',
  embedding    BLOB
);
CREATE INDEX knowledge_chunks_source ON knowledge_chunks(source_id, ordinal);
)sql"},
    {4, R"sql(
ALTER TABLE turns ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '';
ALTER TABLE turns ADD COLUMN tool_results TEXT NOT NULL DEFAULT '';
CREATE INDEX turns_session ON turns(tenant_id, session_id, created_at);
-- A session's token total, so a scope's budget check does not sum its turns.
ALTER TABLE sessions ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET tokens = COALESCE((SELECT SUM(t.tokens) FROM turns t WHERE t.tenant_id = sessions.tenant_id
                                       AND t.agent_id = sessions.agent_id AND t.session_id = sessions.id), 0);
CREATE INDEX sessions_by_id ON sessions(tenant_id, id);

-- CELLSTATE entities: one table, the JSON body beside the keys each kind is looked up by.
CREATE TABLE memory_entities (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the search index keys on it
  tenant_id       TEXT NOT NULL,
  kind            TEXT NOT NULL,
  id              TEXT NOT NULL,
  parent_id       TEXT NOT NULL DEFAULT '',
  owner_id        TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT '',
  type            TEXT NOT NULL DEFAULT '',
  body            TEXT NOT NULL,
  embedding_model TEXT NOT NULL DEFAULT '',
  embedding       BLOB,
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  expires_at      INTEGER,
  UNIQUE (tenant_id, kind, id)
);
CREATE INDEX memory_entities_created ON memory_entities(tenant_id, kind, created_at);
CREATE INDEX memory_entities_parent ON memory_entities(tenant_id, kind, parent_id, created_at);
-- Every lookup index ends in created_at, so "the newest of X" reads one row instead of
-- walking the kind's whole creation order.
CREATE INDEX memory_entities_owner ON memory_entities(tenant_id, kind, owner_id, created_at);
CREATE INDEX memory_entities_type ON memory_entities(tenant_id, kind, type, created_at);
CREATE INDEX memory_entities_status ON memory_entities(tenant_id, kind, status, created_at);
CREATE INDEX memory_entities_expiry ON memory_entities(expires_at) WHERE expires_at IS NOT NULL;
)sql"},
    {5, R"sql(
-- Usage is metered per tenant, key, agent, model and kind each second: one row stands for
-- `requests` calls, so the meter writes a few rows a second however many calls it counts.
ALTER TABLE usage_records ADD COLUMN requests INTEGER NOT NULL DEFAULT 1;
ALTER TABLE usage_records DROP COLUMN request_id;

-- Every answered message writes its session and turns, so each index they carry is paid for
-- on every call. Sessions become one B-tree keyed (tenant, id, agent), which also serves the
-- lookups by id under any agent; a session's turns across agents are found through it, so
-- turns keep only their id and (tenant, agent, session, seq) keys.
CREATE TABLE sessions_v5 (
  tenant_id   TEXT NOT NULL,
  agent_id    TEXT NOT NULL,
  id          TEXT NOT NULL,
  customer_id TEXT NOT NULL DEFAULT '',
  title       TEXT NOT NULL DEFAULT '',
  turn_count  INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  tokens      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, id, agent_id)
) WITHOUT ROWID;
INSERT INTO sessions_v5(tenant_id, agent_id, id, customer_id, title, turn_count, created_at, updated_at, tokens)
  SELECT tenant_id, agent_id, id, customer_id, title, turn_count, created_at, updated_at, tokens FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v5 RENAME TO sessions;
CREATE INDEX sessions_tenant_updated ON sessions(tenant_id, updated_at);
CREATE INDEX sessions_agent_updated ON sessions(tenant_id, agent_id, updated_at);
DROP INDEX turns_session;
)sql"},
    {6, R"sql(
CREATE TABLE workflows (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  definition  TEXT NOT NULL,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

-- A run keeps its plan, so it outlives its workflow.
CREATE TABLE runs (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          TEXT NOT NULL UNIQUE,
  workflow_id TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL,
  input       TEXT NOT NULL,
  plan        TEXT NOT NULL,
  caps        TEXT NOT NULL DEFAULT '{}',
  reason      TEXT NOT NULL DEFAULT '',
  version     INTEGER NOT NULL DEFAULT 1,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX runs_tenant_created ON runs(tenant_id, created_at);
-- The claim's scan: only running runs are in it.
CREATE INDEX runs_claimable ON runs(lease_until) WHERE status = 'running';

CREATE TABLE run_steps (
  tenant_id   TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  node_id     TEXT NOT NULL,
  status      TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  output      TEXT NOT NULL DEFAULT 'null',
  error       TEXT NOT NULL DEFAULT '',
  tokens      INTEGER NOT NULL DEFAULT 0,
  cost_usd    REAL NOT NULL DEFAULT 0,
  started_at  INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, run_id, node_id),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs(tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE run_events (
  tenant_id  TEXT NOT NULL,
  run_id     TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  type       TEXT NOT NULL,
  data       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, run_id, seq),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs(tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
)sql"},
    {7, R"sql(
-- A fact about something a customer has one of at a time (where they live, their plan) names
-- that subject; a newer fact of the same subject supersedes it and it stays as history.
ALTER TABLE memory_facts ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE memory_facts ADD COLUMN superseded_by TEXT NOT NULL DEFAULT '';
)sql"},
};

constexpr int kLatestVersion = std::end(kMigrations)[-1].version;

Status newer_than_build(int version) {
  return Status::unavailable("database schema v" + std::to_string(version) + " is newer than this build (v" +
                             std::to_string(kLatestVersion) + ")");
}

// Applies `migration` unless another process got there first.
Status apply(Connection& writer, const Migration& migration) {
  if (Status s = writer.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  auto body = [&]() -> Status {
    auto current = recorded_schema_version(writer);
    if (!current.ok()) return current.status();
    if (*current > kLatestVersion) return newer_than_build(*current);
    if (*current >= migration.version) return Status::ok();
    if (Status s = writer.exec(migration.sql); !s.is_ok()) {
      return Status(s.code(), "migration v" + std::to_string(migration.version) + " failed: " + s.message());
    }
    auto insert = writer.statement("INSERT INTO schema_migrations(version, applied_at) VALUES (?1, ?2)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, int64_t{migration.version}).bind(2, now_ms());
    return insert->run();
  };
  Status status = body();
  if (status.is_ok()) status = writer.exec("COMMIT");
  if (!status.is_ok()) writer.rollback_if_open();
  return status;
}

}  // namespace

Result<int> recorded_schema_version(Connection& conn) {
  auto query = conn.statement("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!query.ok()) return query.status();
  auto row = query->step();
  if (!row.ok()) return row.status();
  return static_cast<int>(query->integer(0));
}

Result<int> migrate(Connection& writer, int up_to) {
  if (Status s = writer.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                             "version INTEGER PRIMARY KEY, applied_at INTEGER)");
      !s.is_ok()) {
    return s;
  }
  auto current = recorded_schema_version(writer);
  if (!current.ok()) return current.status();
  if (*current > kLatestVersion) return newer_than_build(*current);
  for (const auto& migration : kMigrations) {
    if (migration.version <= *current) continue;
    if (migration.version > up_to) break;
    if (Status s = apply(writer, migration); !s.is_ok()) return s;
  }
  return recorded_schema_version(writer);
}

}  // namespace brainstem::store::sqlite

namespace brainstem::store {

int sqlite_latest_schema_version() { return sqlite::kLatestVersion; }

}  // namespace brainstem::store
