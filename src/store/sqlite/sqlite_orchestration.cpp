// The SQLite store's workflows, runs, run steps and run events.
#include "store/sqlite/sqlite_store_impl.h"

namespace brainstem::store::sqlite {

namespace {

constexpr const char* kWorkflowColumns = "tenant_id, id, name, description, definition, version, created_at, updated_at";
constexpr const char* kRunColumns =
    "tenant_id, id, workflow_id, status, input, plan, caps, reason, version, lease_owner, lease_until, created_at, "
    "updated_at";
constexpr const char* kStepColumns =
    "tenant_id, run_id, node_id, status, attempts, output, error, tokens, cost_usd, started_at, finished_at";

Workflow read_workflow(const Statement& row) {
  Workflow w;
  w.tenant_id = row.text(0);
  w.id = row.text(1);
  w.name = row.text(2);
  w.description = row.text(3);
  w.definition = row.text(4);
  w.version = row.integer(5);
  w.created_at = row.integer(6);
  w.updated_at = row.integer(7);
  return w;
}

Run read_run(const Statement& row) {
  Run r;
  r.tenant_id = row.text(0);
  r.id = row.text(1);
  r.workflow_id = row.text(2);
  r.status = row.text(3);
  r.input = row.text(4);
  r.plan = row.text(5);
  r.caps = row.text(6);
  r.reason = row.text(7);
  r.version = row.integer(8);
  r.lease_owner = row.text(9);
  r.lease_until = row.integer(10);
  r.created_at = row.integer(11);
  r.updated_at = row.integer(12);
  return r;
}

RunStep read_step(const Statement& row) {
  RunStep s;
  s.tenant_id = row.text(0);
  s.run_id = row.text(1);
  s.node_id = row.text(2);
  s.status = row.text(3);
  s.attempts = static_cast<int>(row.integer(4));
  s.output = row.text(5);
  s.error = row.text(6);
  s.tokens = row.integer(7);
  s.cost_usd = row.real(8);
  s.started_at = row.integer(9);
  s.finished_at = row.integer(10);
  return s;
}

RunEvent read_event(const Statement& row) {
  RunEvent e;
  e.tenant_id = row.text(0);
  e.run_id = row.text(1);
  e.seq = row.integer(2);
  e.type = row.text(3);
  e.data = row.text(4);
  e.created_at = row.integer(5);
  return e;
}

// Appends the events after the run's last, numbering them on.
Status append_events(Connection& c, const std::string& tenant_id, const std::string& run_id,
                     const std::vector<RunEvent>& events) {
  if (events.empty()) return Status::ok();
  auto last = c.statement("SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE tenant_id = ?1 AND run_id = ?2");
  if (!last.ok()) return last.status();
  last->bind(1, tenant_id).bind(2, run_id);
  auto row = last->step();
  if (!row.ok()) return row.status();
  int64_t seq = last->integer(0);
  auto insert = c.statement(
      "INSERT INTO run_events(tenant_id, run_id, seq, type, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return insert.status();
  for (const auto& event : events) {
    insert->reset();
    insert->bind(1, tenant_id).bind(2, run_id).bind(3, ++seq).bind(4, event.type).bind(5, event.data).bind(6, event.created_at);
    if (Status s = insert->run(); !s.is_ok()) return s;
  }
  return Status::ok();
}

// OK when `owner` is empty or holds the run's lease; kNotFound without the run.
Status check_lease(Connection& c, const std::string& tenant_id, const std::string& run_id, const std::string& owner) {
  auto query = c.statement("SELECT lease_owner FROM runs WHERE tenant_id = ?1 AND id = ?2");
  if (!query.ok()) return query.status();
  query->bind(1, tenant_id).bind(2, run_id);
  auto held = single_row(*query, [](const Statement& row) { return row.text(0); }, "run not found");
  if (!held.ok()) return held.status();
  if (!owner.empty() && *held != owner) return Status::conflict("run " + run_id + " is driven by another node");
  return Status::ok();
}

}  // namespace

// --- workflows

Status Database::create_workflow(const Workflow& w) {
  return write([&](Connection& c) -> Status {
    auto insert = c.statement(std::string("INSERT INTO workflows(") + kWorkflowColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, w.tenant_id).bind(2, w.id).bind(3, w.name).bind(4, w.description).bind(5, w.definition)
        .bind(6, w.version).bind(7, w.created_at).bind(8, w.updated_at);
    return run_tenant_insert(*insert);
  });
}

Result<Workflow> Database::get_workflow(const std::string& tenant_id, const std::string& id) {
  return read([&](Connection& c) -> Result<Workflow> {
    auto query = c.statement(std::string("SELECT ") + kWorkflowColumns + " FROM workflows WHERE tenant_id = ?1 AND id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, id);
    return single_row(*query, read_workflow, "workflow not found");
  });
}

Result<std::vector<Workflow>> Database::list_workflows(const std::string& tenant_id) {
  return read([&](Connection& c) -> Result<std::vector<Workflow>> {
    auto query = c.statement(std::string("SELECT ") + kWorkflowColumns +
                             " FROM workflows WHERE tenant_id = ?1 ORDER BY created_at DESC, id DESC");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id);
    return all_rows(*query, read_workflow);
  });
}

Result<Workflow> Database::update_workflow(const Workflow& w) {
  return write([&](Connection& c) -> Result<Workflow> {
    auto update = c.statement(
        "UPDATE workflows SET name = ?3, description = ?4, definition = ?5, version = version + 1, updated_at = ?6 "
        "WHERE tenant_id = ?1 AND id = ?2");
    if (!update.ok()) return update.status();
    update->bind(1, w.tenant_id).bind(2, w.id).bind(3, w.name).bind(4, w.description).bind(5, w.definition).bind(6, w.updated_at);
    if (Status s = run_changing(c, *update, "workflow not found"); !s.is_ok()) return s;
    auto query = c.statement(std::string("SELECT ") + kWorkflowColumns + " FROM workflows WHERE tenant_id = ?1 AND id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, w.tenant_id).bind(2, w.id);
    return single_row(*query, read_workflow, "workflow not found");
  });
}

Status Database::delete_workflow(const std::string& tenant_id, const std::string& id) {
  return write([&](Connection& c) -> Status {
    auto remove = c.statement("DELETE FROM workflows WHERE tenant_id = ?1 AND id = ?2");
    if (!remove.ok()) return remove.status();
    remove->bind(1, tenant_id).bind(2, id);
    return run_changing(c, *remove, "workflow not found");
  });
}

// --- runs

Status Database::create_run(const Run& r, const std::vector<RunEvent>& events) {
  return write([&](Connection& c) -> Status {
    auto insert = c.statement(std::string("INSERT INTO runs(") + kRunColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, r.tenant_id).bind(2, r.id).bind(3, r.workflow_id).bind(4, r.status).bind(5, r.input)
        .bind(6, r.plan).bind(7, r.caps).bind(8, r.reason).bind(9, r.version).bind(10, r.lease_owner)
        .bind(11, r.lease_until).bind(12, r.created_at).bind(13, r.updated_at);
    if (Status s = run_tenant_insert(*insert); !s.is_ok()) return s;
    return append_events(c, r.tenant_id, r.id, events);
  });
}

Result<Run> Database::get_run(const std::string& tenant_id, const std::string& id) {
  return read([&](Connection& c) -> Result<Run> {
    auto query = c.statement(std::string("SELECT ") + kRunColumns + " FROM runs WHERE tenant_id = ?1 AND id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, id);
    return single_row(*query, read_run, "run not found");
  });
}

Result<std::vector<Run>> Database::list_runs(const std::string& tenant_id, int limit) {
  return read([&](Connection& c) -> Result<std::vector<Run>> {
    auto query = c.statement(std::string("SELECT ") + kRunColumns +
                             " FROM runs WHERE tenant_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, row_limit(limit));
    return all_rows(*query, read_run);
  });
}

Result<Run> Database::save_run(const Run& r, const std::vector<RunEvent>& events) {
  return write([&](Connection& c) -> Result<Run> {
    auto update = c.statement(
        "UPDATE runs SET status = ?3, plan = ?4, caps = ?5, reason = ?6, version = version + 1, updated_at = ?7, "
        "lease_owner = CASE WHEN ?3 = 'running' THEN lease_owner ELSE '' END, "
        "lease_until = CASE WHEN ?3 = 'running' THEN lease_until ELSE 0 END "
        "WHERE tenant_id = ?1 AND id = ?2 AND version = ?8");
    if (!update.ok()) return update.status();
    update->bind(1, r.tenant_id).bind(2, r.id).bind(3, r.status).bind(4, r.plan).bind(5, r.caps).bind(6, r.reason)
        .bind(7, r.updated_at).bind(8, r.version);
    if (Status s = update->run(); !s.is_ok()) return s;
    if (sqlite3_changes(c.db()) == 0) {
      if (Status s = check_lease(c, r.tenant_id, r.id, ""); !s.is_ok()) return s;
      return Status::conflict("run " + r.id + " was changed by another request; read it again");
    }
    if (Status s = append_events(c, r.tenant_id, r.id, events); !s.is_ok()) return s;
    auto query = c.statement(std::string("SELECT ") + kRunColumns + " FROM runs WHERE tenant_id = ?1 AND id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, r.tenant_id).bind(2, r.id);
    return single_row(*query, read_run, "run not found");
  });
}

Result<std::vector<Run>> Database::claim_runs(const std::string& owner, int64_t now_ms, int64_t lease_ms, int limit) {
  // One writer at a time makes the select and the lease one step; PostgreSQL's
  // FOR UPDATE SKIP LOCKED gives several claimers the same guarantee.
  return write([&](Connection& c) -> Result<std::vector<Run>> {
    auto query = c.statement(std::string("SELECT ") + kRunColumns +
                             " FROM runs WHERE status = 'running' AND (lease_until <= ?1 OR lease_owner = ?2) "
                             "ORDER BY lease_until LIMIT ?3");
    if (!query.ok()) return query.status();
    query->bind(1, now_ms).bind(2, owner).bind(3, row_limit(limit));
    auto due = all_rows(*query, read_run);
    if (!due.ok()) return due;
    auto lease = c.statement("UPDATE runs SET lease_owner = ?3, lease_until = ?4 WHERE tenant_id = ?1 AND id = ?2");
    if (!lease.ok()) return lease.status();
    for (auto& run : *due) {
      run.lease_owner = owner;
      run.lease_until = now_ms + lease_ms;
      lease->reset();
      lease->bind(1, run.tenant_id).bind(2, run.id).bind(3, run.lease_owner).bind(4, run.lease_until);
      if (Status s = run_changing(c, *lease, "run not found"); !s.is_ok()) return s;
    }
    return due;
  });
}

Status Database::renew_run_lease(const std::string& tenant_id, const std::string& run_id, const std::string& owner,
                                 int64_t until_ms) {
  return write([&](Connection& c) -> Status {
    if (Status s = check_lease(c, tenant_id, run_id, owner); !s.is_ok()) return s;
    auto lease = c.statement("UPDATE runs SET lease_until = ?3 WHERE tenant_id = ?1 AND id = ?2");
    if (!lease.ok()) return lease.status();
    lease->bind(1, tenant_id).bind(2, run_id).bind(3, until_ms);
    return run_changing(c, *lease, "run not found");
  });
}

// --- steps and events

Status Database::record_steps(const std::vector<RunStep>& steps, const std::vector<RunEvent>& events,
                              const std::string& owner) {
  if (steps.empty()) return Status::invalid("record_steps: no step");
  const RunStep& first = steps.front();
  for (const auto& s : steps) {
    if (s.tenant_id != first.tenant_id || s.run_id != first.run_id) {
      return Status::invalid("record_steps: steps of more than one run");
    }
  }
  return write([&](Connection& c) -> Status {
    if (Status held = check_lease(c, first.tenant_id, first.run_id, owner); !held.is_ok()) return held;
    for (const auto& s : steps) {
      auto upsert = c.statement(std::string("INSERT OR REPLACE INTO run_steps(") + kStepColumns +
                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
      if (!upsert.ok()) return upsert.status();
      upsert->bind(1, s.tenant_id).bind(2, s.run_id).bind(3, s.node_id).bind(4, s.status).bind(5, int64_t{s.attempts})
          .bind(6, s.output).bind(7, s.error).bind(8, s.tokens).bind_real(9, s.cost_usd).bind(10, s.started_at)
          .bind(11, s.finished_at);
      if (Status done = upsert->run(); !done.is_ok()) return done;
    }
    return append_events(c, first.tenant_id, first.run_id, events);
  });
}

Result<std::vector<RunStep>> Database::run_steps(const std::string& tenant_id, const std::string& run_id) {
  return read([&](Connection& c) -> Result<std::vector<RunStep>> {
    auto query = c.statement(std::string("SELECT ") + kStepColumns + " FROM run_steps WHERE tenant_id = ?1 AND run_id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, run_id);
    return all_rows(*query, read_step);
  });
}

Result<std::vector<RunEvent>> Database::run_events(const std::string& tenant_id, const std::string& run_id,
                                                   int64_t after_seq, int limit) {
  return read([&](Connection& c) -> Result<std::vector<RunEvent>> {
    auto query = c.statement(
        "SELECT tenant_id, run_id, seq, type, data, created_at FROM run_events "
        "WHERE tenant_id = ?1 AND run_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, run_id).bind(3, after_seq).bind(4, row_limit(limit));
    return all_rows(*query, read_event);
  });
}

}  // namespace brainstem::store::sqlite
