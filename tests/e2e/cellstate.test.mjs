// CELLSTATE memory (seed 003) end to end over HTTP: trajectories, scopes with token budgets and
// checkpoints, turns shared with the agent pipeline, artifacts and notes with hashes, TTLs and
// search, registered agents, lock contention from many clients, messages, delegations and
// handoffs between a supervisor and its workers, the event DAG, errors and tenant isolation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let srv;
let key;
let otherKey;
let tenantId;

const api = (method, path, body, apiKey = key) => call(srv.url, method, `/api/v1${path}`, { apiKey, body });
const MISSING = '00000000-0000-4000-8000-000000000000';

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(typeof r.body.message, 'string', r.text);
  assert.equal(typeof r.body.details, 'object', r.text);
  if (code) assert.equal(r.body.code, code, r.text);
}

// Polls `check` every 20 ms until it returns something truthy (returned), or throws once
// `timeoutMs` have passed: for effects that need real time to pass (TTLs, windows, sweeps).
async function until(check, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function keyFor(account) {
  return (await call(srv.url, 'POST', '/portal/api/keys', { token: account.token, body: { name: 'k' } })).body.key;
}

before(async () => {
  srv = await startServer({ config: '[memory]\nagent_active_window_ms = 2000\nsweep_s = 1\n' });
  const account = await newAccount(srv.url);
  tenantId = account.tenantId;
  key = await keyFor(account);
  otherKey = await keyFor(await newAccount(srv.url, 'Other'));
});

after(async () => { await srv?.cleanup(); });

async function trajectory(body = { name: 'Fix the login bug' }) {
  const r = await api('POST', '/trajectories', body);
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function scope(trajectoryId, budget = 1000, extra = {}) {
  const r = await api('POST', '/scopes', { name: 'investigation', trajectory_id: trajectoryId, token_budget: budget, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function agent(type = 'Coder', extra = {}) {
  const r = await api('POST', '/agents', {
    agent_type: type, capabilities: ['code'], can_delegate_to: [], memory_access: { read: ['*'], write: ['artifact'] }, ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

test('trajectories: create, filter, children, root, patch to completion, delete', async () => {
  const root = await trajectory({ name: 'Release 2.0', description: 'ship it', metadata: { team: 'core' } });
  assert.equal(root.status, 'active');
  assert.equal(root.root_trajectory_id, root.trajectory_id);
  assert.equal(root.tenant_id, tenantId);
  assert.equal(root._links.self.href, `/api/v1/trajectories/${root.trajectory_id}`);
  const child = await trajectory({ name: 'Write notes', parent_trajectory_id: root.trajectory_id });
  const grandchild = await trajectory({ name: 'Proofread', parent_trajectory_id: child.trajectory_id });
  assert.equal(grandchild.root_trajectory_id, root.trajectory_id);

  const children = await api('GET', `/trajectories/${root.trajectory_id}/children`);
  assert.deepEqual(children.body.map((t) => t.trajectory_id), [child.trajectory_id]);
  const byParent = await api('GET', `/trajectories?parent_trajectory_id=${child.trajectory_id}`);
  assert.equal(byParent.body.total, 1);
  assert.equal(byParent.body.trajectories[0].trajectory_id, grandchild.trajectory_id);

  const done = await api('PATCH', `/trajectories/${grandchild.trajectory_id}`, { status: 'completed', outcome: { ok: true } });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.status, 'completed');
  assert.ok(done.body.completed_at);
  assert.deepEqual(done.body.outcome, { ok: true });
  const completed = await api('GET', '/trajectories?status=completed');
  assert.ok(completed.body.trajectories.some((t) => t.trajectory_id === grandchild.trajectory_id));
  assert.ok(!completed.body.trajectories.some((t) => t.trajectory_id === root.trajectory_id));
  const page = await api('GET', '/trajectories?limit=1&offset=1');
  assert.equal(page.body.trajectories.length, 1);
  assert.ok(page.body.total >= 3);

  assertError(await api('PATCH', `/trajectories/${root.trajectory_id}`, { status: 'exploded' }), 422, 'VALIDATION_ERROR');
  assertError(await api('DELETE', `/trajectories/${child.trajectory_id}`), 409, 'CONFLICT');  // has a child
  assert.equal((await api('DELETE', `/trajectories/${grandchild.trajectory_id}`)).status, 204);
  assertError(await api('GET', `/trajectories/${grandchild.trajectory_id}`), 404, 'NOT_FOUND');
  assertError(await api('POST', '/trajectories', { name: 'x', parent_trajectory_id: MISSING }), 404);
  assertError(await api('POST', '/trajectories', { description: 'no name' }), 422, 'VALIDATION_ERROR');
  assertError(await api('POST', '/trajectories', { name: 'x', agent_id: 'not-a-uuid' }), 422);
  const badJson = await call(srv.url, 'POST', '/api/v1/trajectories', { apiKey: key, raw: '{"name":', headers: { 'Content-Type': 'application/json' } });
  assertError(badJson, 400, 'BAD_REQUEST');
  assertError(await call(srv.url, 'GET', '/api/v1/trajectories'), 401, 'UNAUTHORIZED');
});

test('scopes: token budget grows with turns and refuses past it; checkpoint; close', async () => {
  const t = await trajectory();
  const s = await scope(t.trajectory_id, 100, { purpose: 'find the cause' });
  assert.equal(s.is_active, true);
  assert.equal(s.tokens_used, 0);
  assert.equal(s.token_budget, 100);
  const first = await api('POST', '/turns', { scope_id: s.scope_id, role: 'user', content: 'Login fails', token_count: 60 });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.body.sequence, 0);
  const second = await api('POST', '/turns', {
    scope_id: s.scope_id, role: 'assistant', content: 'Checking', token_count: 30,
    tool_calls: [{ name: 'grep', arguments: { pattern: 'login' } }], tool_results: { grep: 'auth.cpp:12' },
  });
  assert.equal(second.body.sequence, 1);
  assert.deepEqual(second.body.tool_calls, [{ name: 'grep', arguments: { pattern: 'login' } }]);
  assert.equal((await api('GET', `/scopes/${s.scope_id}`)).body.tokens_used, 90);
  const over = await api('POST', '/turns', { scope_id: s.scope_id, role: 'user', content: 'more', token_count: 11 });
  assertError(over, 409, 'TOKEN_BUDGET_EXCEEDED');
  assert.equal(over.body.details.tokens_used, 90);
  const turns = await api('GET', `/scopes/${s.scope_id}/turns`);
  assert.deepEqual(turns.body.map((x) => x.role), ['user', 'assistant']);
  assert.deepEqual((await api('GET', `/turns/${first.body.turn_id}`)).body.content, 'Login fails');
  assertError(await api('POST', '/turns', { scope_id: s.scope_id, role: 'robot', content: 'x' }), 422);
  assertError(await api('PATCH', `/scopes/${s.scope_id}`, { token_budget: 50 }), 409);  // below what is used
  const raised = await api('PATCH', `/scopes/${s.scope_id}`, { token_budget: 500, name: 'deeper' });
  assert.equal(raised.body.token_budget, 500);
  assert.equal(raised.body.name, 'deeper');

  const state = Buffer.from('{"stack":[1,2,3]}').toString('base64');
  const cp = await api('POST', `/scopes/${s.scope_id}/checkpoint`, { context_state: state, recoverable: true });
  assert.equal(cp.status, 201, cp.text);
  assert.deepEqual(cp.body, { context_state: state, recoverable: true });
  assert.equal((await api('GET', `/scopes/${s.scope_id}`)).body.checkpoint.context_state, state);
  assertError(await api('POST', `/scopes/${s.scope_id}/checkpoint`, { context_state: '***', recoverable: true }), 422);

  const nested = await scope(t.trajectory_id, 10, { parent_scope_id: s.scope_id });
  assert.equal(nested.parent_scope_id, s.scope_id);
  const listed = await api('GET', `/trajectories/${t.trajectory_id}/scopes`);
  assert.deepEqual(listed.body.map((x) => x.scope_id), [s.scope_id, nested.scope_id]);

  const closed = await api('POST', `/scopes/${s.scope_id}/close`);
  assert.equal(closed.body.is_active, false);
  assert.ok(closed.body.closed_at);
  assertError(await api('POST', `/scopes/${s.scope_id}/close`), 409);
  assertError(await api('POST', '/turns', { scope_id: s.scope_id, role: 'user', content: 'late' }), 409, 'SCOPE_CLOSED');
  assertError(await api('POST', '/scopes', { name: 'x', trajectory_id: MISSING, token_budget: 5 }), 404);
  assertError(await api('POST', '/scopes', { name: 'x', trajectory_id: t.trajectory_id }), 422);
});

test('a scope is a view of the same turns an agent conversation stores', async () => {
  const account = await newAccount(srv.url);
  const k = await keyFor(account);
  const created = await call(srv.url, 'POST', '/v1/agents', {
    token: account.token, body: { name: 'Helper' },
  });
  assert.equal(created.status, 201, created.text);
  const agentId = created.body.id;
  const t = (await call(srv.url, 'POST', '/api/v1/trajectories', { apiKey: k, body: { name: 'support' } })).body;
  const s = (await call(srv.url, 'POST', '/api/v1/scopes', { apiKey: k, body: { name: 'chat', trajectory_id: t.trajectory_id, token_budget: 100000 } })).body;
  const chat = await call(srv.url, 'POST', '/v1/chat', {
    apiKey: k, body: { company_id: account.tenantId, agent_id: agentId, customer_id: 'cust_1', message: 'When are you open?', conversation_id: s.scope_id },
  });
  assert.equal(chat.status, 200, chat.text);
  const turns = await call(srv.url, 'GET', `/api/v1/scopes/${s.scope_id}/turns`, { apiKey: k });
  assert.deepEqual(turns.body.map((x) => x.role), ['user', 'assistant']);
  assert.equal(turns.body[0].content, 'When are you open?');
  assert.equal(turns.body[1].content, chat.body.reply);
  // A turn added through CELLSTATE joins the same conversation.
  const added = await call(srv.url, 'POST', '/api/v1/turns', { apiKey: k, body: { scope_id: s.scope_id, role: 'user', content: 'Thanks!' } });
  assert.equal(added.status, 201, added.text);
  assert.ok(added.body.token_count > 0);  // counted by the server when not given
  const after = await call(srv.url, 'GET', `/api/v1/scopes/${s.scope_id}/turns`, { apiKey: k });
  assert.deepEqual(after.body.map((x) => x.content), ['When are you open?', chat.body.reply, 'Thanks!']);
});

test('artifacts: hashes, provenance, filters, supersession, access counting, TTL', async () => {
  const t = await trajectory();
  const s = await scope(t.trajectory_id);
  const base = { trajectory_id: t.trajectory_id, scope_id: s.scope_id, source_turn: 3, extraction_method: 'explicit' };
  const a = await api('POST', '/artifacts', { ...base, name: 'stack trace', artifact_type: 'error_log', content: 'NullPointer at auth.cpp:12', confidence: 0.9, ttl: 'persistent' });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.body.content_hash, createHash('sha256').update('NullPointer at auth.cpp:12').digest('hex'));
  assert.match(a.body.receipt_hash, /^[0-9a-f]{64}$/);
  assert.deepEqual(a.body.provenance, { source_turn: 3, extraction_method: 'explicit', confidence: 0.9 });
  assert.equal(a.body.access_count, 0);
  const read1 = await api('GET', `/artifacts/${a.body.artifact_id}`);
  const read2 = await api('GET', `/artifacts/${a.body.artifact_id}`);
  assert.equal(read1.body.access_count, 1);
  assert.equal(read2.body.access_count, 2);
  assert.ok(read2.body.accessed_at);

  const fix = await api('POST', '/artifacts', { ...base, name: 'patch', artifact_type: 'code_patch', content: '- x\n+ y', ttl: { duration: 60000 }, supersedes: a.body.artifact_id });
  assert.equal(fix.status, 201, fix.text);
  assert.deepEqual(fix.body.ttl, { duration: 60000 });
  assert.equal((await api('GET', `/artifacts/${a.body.artifact_id}`)).body.superseded_by, fix.body.artifact_id);

  const byType = await api('GET', `/artifacts?artifact_type=code_patch&scope_id=${s.scope_id}`);
  assert.deepEqual(byType.body.artifacts.map((x) => x.artifact_id), [fix.body.artifact_id]);
  const future = new Date(Date.now() + 3600000).toISOString();
  const past = new Date(Date.now() - 3600000).toISOString();
  assert.equal((await api('GET', `/artifacts?trajectory_id=${t.trajectory_id}&created_after=${past}`)).body.total, 2);
  assert.equal((await api('GET', `/artifacts?trajectory_id=${t.trajectory_id}&created_after=${future}`)).body.total, 0);
  assert.equal((await api('GET', `/artifacts?trajectory_id=${t.trajectory_id}&created_before=${future}`)).body.total, 2);
  assertError(await api('GET', '/artifacts?created_after=yesterday'), 422);
  assert.equal((await api('GET', `/scopes/${s.scope_id}/artifacts`)).body.length, 2);

  const patched = await api('PATCH', `/artifacts/${fix.body.artifact_id}`, { content: '- x\n+ z', name: 'patch v2' });
  assert.equal(patched.body.content_hash, createHash('sha256').update('- x\n+ z').digest('hex'));
  assert.notEqual(patched.body.receipt_hash, fix.body.receipt_hash);

  // Every type and extraction method of the seed is accepted; anything else is refused.
  for (const artifact_type of ['fact', 'constraint', 'screenshot', 'transcript', 'plan']) {
    for (const extraction_method of ['inferred', 'llm_extraction', 'unknown']) {
      const r = await api('POST', '/artifacts', { ...base, name: 'x', artifact_type, extraction_method, content: 'y', ttl: 'long_term' });
      assert.equal(r.status, 201, r.text);
    }
  }
  assertError(await api('POST', '/artifacts', { ...base, name: 'x', artifact_type: 'poem', content: 'y' }), 422);
  assertError(await api('POST', '/artifacts', { ...base, name: 'x', artifact_type: 'fact', content: 'y', ttl: 'forever' }), 422);
  assertError(await api('POST', '/artifacts', { ...base, trajectory_id: MISSING, name: 'x', artifact_type: 'fact', content: 'y' }), 422);

  // {max: 2}: gone after its second read. Scope-bound: gone when the scope closes.
  const once = await api('POST', '/artifacts', { ...base, name: 'secret', artifact_type: 'fact', content: 'read me twice', ttl: { max: 2 } });
  assert.equal((await api('GET', `/artifacts/${once.body.artifact_id}`)).status, 200);
  assert.equal((await api('GET', `/artifacts/${once.body.artifact_id}`)).status, 200);
  assertError(await api('GET', `/artifacts/${once.body.artifact_id}`), 404);
  const bound = await api('POST', '/artifacts', { ...base, name: 'scratch', artifact_type: 'intermediate_output', content: 'tmp', ttl: 'scope' });
  assert.equal((await api('GET', `/artifacts/${bound.body.artifact_id}`)).status, 200);
  await api('POST', `/scopes/${s.scope_id}/close`);
  assertError(await api('GET', `/artifacts/${bound.body.artifact_id}`), 404);
  assert.equal((await api('GET', `/artifacts/${a.body.artifact_id}`)).status, 200);  // persistent survives

  assert.equal((await api('DELETE', `/artifacts/${a.body.artifact_id}`)).status, 204);
  assertError(await api('DELETE', `/artifacts/${a.body.artifact_id}`), 404);
});

test('notes: sources checked, filters, short TTL swept away, search by keywords and by vectors', async () => {
  const t = await trajectory();
  const s = await scope(t.trajectory_id);
  const art = (await api('POST', '/artifacts', { trajectory_id: t.trajectory_id, scope_id: s.scope_id, source_turn: 0, extraction_method: 'explicit', name: 'deploy log', artifact_type: 'log', content: 'kubernetes rollout stalled on readiness probe', ttl: 'persistent' })).body;
  const note = await api('POST', '/notes', {
    title: 'Readiness probes', content: 'Rollouts stall when the readiness probe path is wrong; check /healthz first.',
    note_type: 'gotcha', source_artifact_ids: [art.artifact_id], source_trajectory_ids: [t.trajectory_id], ttl: 'persistent',
  });
  assert.equal(note.status, 201, note.text);
  assert.equal(note.body.abstraction_level, 'raw');
  assert.match(note.body.content_hash, /^[0-9a-f]{64}$/);
  const derived = await api('POST', '/notes', {
    title: 'Deployment principle', content: 'Verify health endpoints before every rollout.', note_type: 'strategy',
    source_artifact_ids: [], source_note_ids: [note.body.note_id], source_trajectory_ids: [], abstraction_level: 'principle', ttl: 'persistent',
  });
  assert.equal(derived.body.abstraction_level, 'principle');
  assertError(await api('POST', '/notes', { title: 'x', content: 'y', note_type: 'gotcha', source_artifact_ids: [MISSING], source_trajectory_ids: [] }), 404);
  assertError(await api('POST', '/notes', { title: 'x', content: 'y', note_type: 'rumour', source_artifact_ids: [], source_trajectory_ids: [] }), 422);

  assert.deepEqual((await api('GET', `/notes?source_trajectory_id=${t.trajectory_id}`)).body.notes.map((n) => n.note_id), [note.body.note_id]);
  assert.deepEqual((await api('GET', '/notes?note_type=strategy')).body.notes.map((n) => n.note_id), [derived.body.note_id]);
  const got = await api('GET', `/notes/${note.body.note_id}`);
  assert.equal(got.body.access_count, 1);
  const patched = await api('PATCH', `/notes/${derived.body.note_id}`, { note_type: 'convention', title: 'Health first' });
  assert.equal(patched.body.note_type, 'convention');

  const keyword = await api('POST', '/notes/search', { query: 'readiness probe', entity_types: ['note'], filters: [] });
  assert.equal(keyword.status, 200, keyword.text);
  assert.equal(keyword.body.results[0].entity_id, note.body.note_id);
  const vector = await api('POST', '/notes/search', { query: 'readiness probes rollout', entity_types: ['note'], filters: [], use_vector_search: true });
  assert.equal(vector.body.results[0].entity_id, note.body.note_id);
  const artifacts = await api('POST', '/artifacts/search', { query: 'kubernetes rollout', entity_types: ['artifact'], filters: [{ field: 'artifact_type', op: 'eq', value: 'log' }] });
  assert.equal(artifacts.body.results[0].entity_id, art.artifact_id);
  const filteredOut = await api('POST', '/artifacts/search', { query: 'kubernetes rollout', entity_types: ['artifact'], filters: [{ field: 'artifact_type', op: 'eq', value: 'fact' }] });
  assert.equal(filteredOut.body.total, 0);
  const global = await api('POST', '/search', { query: 'rollout', entity_types: ['note', 'artifact', 'trajectory'], filters: [], limit: 10 });
  const types = new Set(global.body.results.map((r) => r.entity_type));
  assert.ok(types.has('note') && types.has('artifact'), global.text);
  assertError(await api('POST', '/search', { query: 'x', entity_types: ['spaceship'], filters: [] }), 422);
  assertError(await api('POST', '/search', { entity_types: ['note'], filters: [] }), 422);
  // Another tenant finds nothing of this one.
  assert.equal((await api('POST', '/notes/search', { query: 'readiness probe', entity_types: ['note'], filters: [] }, otherKey)).body.total, 0);

  // A short-lived note vanishes from reads at once, and the sweeper deletes it.
  const shortLived = await api('POST', '/notes', { title: 'ephemeral insight', content: 'gone soon', note_type: 'insight', source_artifact_ids: [], source_trajectory_ids: [], ttl: { duration: 300 } });
  assert.equal(shortLived.status, 201, shortLived.text);
  const gone = await until(async () => {
    const r = await api('GET', `/notes/${shortLived.body.note_id}`);
    return r.status === 404 && r;
  }, 'the 300 ms note to expire');
  assertError(gone, 404);
  assert.equal((await api('POST', '/notes/search', { query: 'ephemeral insight', entity_types: ['note'], filters: [] })).body.total, 0);
  assert.equal((await api('DELETE', `/notes/${note.body.note_id}`)).status, 204);
});

test('agents: register, filter, heartbeat decides active_only, update, unregister', async () => {
  const account = await newAccount(srv.url);
  const k = await keyFor(account);
  const reg = (body) => call(srv.url, 'POST', '/api/v1/agents', { apiKey: k, body: { capabilities: [], can_delegate_to: [], memory_access: {}, ...body } });
  const boss = (await reg({ agent_type: 'Planner' })).body;
  const worker = await reg({ agent_type: { custom: 'Researcher' }, reports_to: boss.agent_id, capabilities: ['web'] });
  assert.equal(worker.status, 201, worker.text);
  assert.equal(worker.body.status, 'idle');
  assert.equal(worker.body.reports_to, boss.agent_id);
  assert.ok(worker.body.last_heartbeat_at);
  assertError(await reg({ agent_type: 'Tester', reports_to: MISSING }), 404);
  assertError(await reg({ agent_type: '' }), 422);
  const list = (q) => call(srv.url, 'GET', `/api/v1/agents${q}`, { apiKey: k });
  assert.equal((await list('?agent_type=Researcher')).body.total, 1);
  const patched = await call(srv.url, 'PATCH', `/api/v1/agents/${worker.body.agent_id}`, { apiKey: k, body: { status: 'active', capabilities: ['web', 'pdf'] } });
  assert.equal(patched.body.status, 'active');
  assert.deepEqual(patched.body.capabilities, ['web', 'pdf']);
  assert.equal((await list('?status=active')).body.total, 1);
  // No heartbeat for the 2 s activity window: neither agent counts as active any more.
  const idle = await until(async () => {
    const r = await list('?active_only=true');
    return r.body.total === 0 && r;
  }, 'the 2 s activity window to pass');
  assert.deepEqual(idle.body.agents, []);
  const beat = await call(srv.url, 'POST', `/api/v1/agents/${worker.body.agent_id}/heartbeat`, { apiKey: k });
  assert.equal(beat.status, 200, beat.text);
  const active = await list('?active_only=true');
  assert.deepEqual(active.body.agents.map((a) => a.agent_id), [worker.body.agent_id]);
  assert.equal((await call(srv.url, 'DELETE', `/api/v1/agents/${boss.agent_id}`, { apiKey: k })).status, 204);
  assertError(await call(srv.url, 'GET', `/api/v1/agents/${boss.agent_id}`, { apiKey: k }), 404);
});

test('locks: one exclusive holder among many concurrent clients; shared coexist; extend; release by holder only', async () => {
  const agents = await Promise.all(Array.from({ length: 12 }, () => agent('Worker')));
  const resource_id = (await trajectory()).trajectory_id;
  const attempt = (a, mode = 'Exclusive') =>
    api('POST', '/locks/acquire', { holder_agent_id: a.agent_id, resource_id, resource_type: 'trajectory', mode, timeout_ms: 30000 });
  // 12 agents × 4 rounds race for the lock; exactly one wins and the rest get 409.
  const results = await Promise.all(agents.flatMap((a) => [attempt(a), attempt(a), attempt(a), attempt(a)]));
  const won = results.filter((r) => r.status === 201);
  assert.equal(won.length, 1, results.map((r) => r.status).join(','));
  assert.ok(results.every((r) => r.status === 201 || r.status === 409));
  const lock = won[0].body;
  const holder = agents.find((a) => a.agent_id === lock.holder_agent_id);
  const other = agents.find((a) => a.agent_id !== lock.holder_agent_id);
  assert.equal(lock.mode, 'Exclusive');
  assert.equal((await api('GET', '/locks')).body.locks.filter((l) => l.resource_id === resource_id).length, 1);

  const extended = await api('POST', `/locks/${lock.lock_id}/extend`, { additional_ms: 60000 });
  assert.ok(Date.parse(extended.body.expires_at) >= Date.parse(lock.expires_at) + 59000);
  assertError(await api('POST', `/locks/${lock.lock_id}/release`, { releasing_agent_id: other.agent_id }), 403, 'FORBIDDEN');
  assert.equal((await api('POST', `/locks/${lock.lock_id}/release`, { releasing_agent_id: holder.agent_id })).status, 204);
  assertError(await api('GET', `/locks/${lock.lock_id}`), 404);

  // Shared locks coexist, and keep an exclusive one out until released.
  const shared = await Promise.all(agents.slice(0, 3).map((a) => attempt(a, 'Shared')));
  assert.deepEqual(shared.map((r) => r.status), [201, 201, 201]);
  assertError(await attempt(agents[5]), 409, 'LOCK_CONFLICT');
  for (const [i, r] of shared.entries()) {
    await api('POST', `/locks/${r.body.lock_id}/release`, { releasing_agent_id: agents[i].agent_id });
  }
  // An expired lock vanishes and frees the resource.
  const brief = await api('POST', '/locks/acquire', { holder_agent_id: agents[6].agent_id, resource_id, resource_type: 'trajectory', mode: 'Exclusive', timeout_ms: 200 });
  assert.equal(brief.status, 201, brief.text);
  await until(async () => (await api('GET', `/locks/${brief.body.lock_id}`)).status === 404, 'the 200 ms lock to expire');
  assertError(await api('GET', `/locks/${brief.body.lock_id}`), 404);
  assert.ok(!(await api('GET', '/locks')).body.locks.some((l) => l.lock_id === brief.body.lock_id));
  assert.equal((await attempt(agents[7])).status, 201);
  assertError(await api('POST', '/locks/acquire', { holder_agent_id: agents[0].agent_id, resource_id, resource_type: 'galaxy', mode: 'Exclusive', timeout_ms: 5 }), 422);
  assertError(await api('POST', '/locks/acquire', { holder_agent_id: agents[0].agent_id, resource_id, resource_type: 'scope', mode: 'Sometimes', timeout_ms: 5 }), 422);
});

test('an agent hierarchy: delegation, result message, handoff; illegal transitions refused', async () => {
  const lead = await agent('Lead', { can_delegate_to: ['Researcher'] });
  const researcher = await agent('Researcher');
  const writer = await agent('Writer');
  const t = await trajectory({ name: 'Market report', agent_id: lead.agent_id });
  const s = await scope(t.trajectory_id);

  const d = await api('POST', '/delegations', { from_agent_id: lead.agent_id, to_agent_id: researcher.agent_id, scope_id: s.scope_id, trajectory_id: t.trajectory_id, task_description: 'Collect competitor prices', context: { region: 'EU' } });
  assert.equal(d.status, 201, d.text);
  assert.equal(d.body.status, 'pending');
  assert.equal(d.body.delegator_id, lead.agent_id);
  assertError(await api('POST', '/delegations', { from_agent_id: lead.agent_id, to_agent_id: writer.agent_id, scope_id: s.scope_id, trajectory_id: t.trajectory_id, task_description: 'x' }), 403);
  const sent = await api('POST', '/messages', { from_agent_id: lead.agent_id, to: { agent_id: researcher.agent_id }, message_type: 'task_delegation', payload: JSON.stringify({ delegation_id: d.body.delegation_id }), priority: 'high', artifact_ids: [], trajectory_id: t.trajectory_id });
  assert.equal(sent.status, 201, sent.text);

  const id = d.body.delegation_id;
  assertError(await api('POST', `/delegations/${id}/complete`, { completing_agent_id: researcher.agent_id, result: {} }), 409);  // not accepted yet
  assertError(await api('POST', `/delegations/${id}/accept`, { accepting_agent_id: writer.agent_id }), 403);
  assert.equal((await api('POST', `/delegations/${id}/accept`, { accepting_agent_id: researcher.agent_id })).status, 204);
  assertError(await api('POST', `/delegations/${id}/accept`, { accepting_agent_id: researcher.agent_id }), 409);
  assertError(await api('POST', `/delegations/${id}/reject`, { rejecting_agent_id: researcher.agent_id, reason: 'late' }), 409);

  // The researcher reads its inbox, acknowledges, finishes and reports back.
  const inbox = await api('GET', `/messages?to_agent_id=${researcher.agent_id}&unacknowledged_only=true`);
  assert.deepEqual(inbox.body.messages.map((m) => m.message_id), [sent.body.message_id]);
  assert.equal((await api('GET', `/messages?to_agent_id=${researcher.agent_id}&undelivered_only=true`)).body.total, 1);
  const read = await api('GET', `/messages/${sent.body.message_id}`);
  assert.ok(read.body.delivered_at);
  assert.equal((await api('GET', `/messages?to_agent_id=${researcher.agent_id}&undelivered_only=true`)).body.total, 0);
  assertError(await api('POST', `/messages/${sent.body.message_id}/acknowledge`, { agent_id: writer.agent_id }), 403);
  assert.equal((await api('POST', `/messages/${sent.body.message_id}/acknowledge`, { agent_id: researcher.agent_id })).status, 204);
  assert.equal((await api('GET', `/messages?to_agent_id=${researcher.agent_id}&unacknowledged_only=true`)).body.total, 0);
  assert.equal((await api('POST', `/delegations/${id}/complete`, { completing_agent_id: researcher.agent_id, result: { status: 'success', output: '3 competitors' } })).status, 204);
  const finished = await api('GET', `/delegations/${id}`);
  assert.equal(finished.body.status, 'completed');
  assert.deepEqual(finished.body.result, { status: 'success', output: '3 competitors' });
  await api('POST', '/messages', { from_agent_id: researcher.agent_id, to: { agent_type: 'Lead' }, message_type: 'task_result', payload: '{"ok":true}', priority: 'normal', artifact_ids: [] });
  const results = await api('GET', '/messages?to_agent_type=Lead&message_type=task_result');
  assert.equal(results.body.total, 1);
  assert.equal((await api('POST', `/messages/${results.body.messages[0].message_id}/acknowledge`, { agent_id: lead.agent_id })).status, 204);
  assert.equal((await api('GET', '/messages?priority=high')).body.total >= 1, true);
  for (const message_type of ['context_request', 'context_share', 'coordination_signal', 'handoff', 'interrupt', 'heartbeat']) {
    assert.equal((await api('POST', '/messages', { from_agent_id: lead.agent_id, message_type, payload: '', priority: 'low', artifact_ids: [] })).status, 201);
  }
  assertError(await api('POST', '/messages', { from_agent_id: lead.agent_id, message_type: 'gossip', payload: '', priority: 'low', artifact_ids: [] }), 422);

  const rejected = await api('POST', '/delegations', { from_agent_id: lead.agent_id, to_agent_id: researcher.agent_id, scope_id: s.scope_id, trajectory_id: t.trajectory_id, task_description: 'Impossible task' });
  assert.equal((await api('POST', `/delegations/${rejected.body.delegation_id}/reject`, { rejecting_agent_id: researcher.agent_id, reason: 'out of scope' })).status, 204);
  assert.equal((await api('GET', `/delegations/${rejected.body.delegation_id}`)).body.status, 'rejected');

  // The lead hands the trajectory to the writer.
  const h = await api('POST', '/handoffs', { from_agent_id: lead.agent_id, to_agent_id: writer.agent_id, scope_id: s.scope_id, trajectory_id: t.trajectory_id, reason: 'drafting phase', context_snapshot: Buffer.from('ctx').toString('base64') });
  assert.equal(h.status, 201, h.text);
  assert.equal(h.body.status, 'initiated');
  assertError(await api('POST', `/handoffs/${h.body.handoff_id}/complete`), 409);
  assertError(await api('POST', `/handoffs/${h.body.handoff_id}/accept`, { accepting_agent_id: researcher.agent_id }), 403);
  assert.equal((await api('POST', `/handoffs/${h.body.handoff_id}/accept`, { accepting_agent_id: writer.agent_id })).status, 204);
  assert.equal((await api('POST', `/handoffs/${h.body.handoff_id}/complete`)).status, 204);
  assert.equal((await api('GET', `/handoffs/${h.body.handoff_id}`)).body.status, 'completed');
  assert.equal((await api('GET', `/trajectories/${t.trajectory_id}`)).body.agent_id, writer.agent_id);
  assertError(await api('POST', `/handoffs/${h.body.handoff_id}/complete`), 409);
});

test('event DAG: every write is an event; ancestors, descendants, siblings, by kind', async () => {
  const t = await trajectory({ name: 'dag' });
  const s1 = await scope(t.trajectory_id);
  const s2 = await scope(t.trajectory_id);
  await api('PATCH', `/trajectories/${t.trajectory_id}`, { name: 'dag v2' });
  const created = await api('GET', '/event-dag/by-kind/4097?limit=1000');
  assert.equal(created.status, 200, created.text);
  const root = created.body.events.find((e) => e.entity_id === t.trajectory_id);
  assert.equal(root.kind_name, 'TRAJECTORY_CREATED');
  assert.equal(root.depth, 0);
  const descendants = await api('GET', `/event-dag/${root.event_id}/descendants`);
  const kinds = descendants.body.events.map((e) => e.kind_name);
  assert.deepEqual(kinds.sort(), ['SCOPE_CREATED', 'SCOPE_CREATED', 'TRAJECTORY_UPDATED'].sort());
  const scopeEvent = descendants.body.events.find((e) => e.entity_id === s2.scope_id);
  assert.equal(scopeEvent.depth, 1);
  const ancestors = await api('GET', `/event-dag/${scopeEvent.event_id}/ancestors`);
  assert.deepEqual(ancestors.body.events.map((e) => e.event_id), [root.event_id]);
  const siblings = await api('GET', `/event-dag/${scopeEvent.event_id}/siblings`);
  assert.equal(siblings.body.count, 2);
  assert.ok(siblings.body.events.some((e) => e.entity_id === s1.scope_id));
  assert.equal((await api('GET', `/event-dag/${root.event_id}`)).body.event.event_id, root.event_id);
  assertError(await api('GET', '/event-dag/by-kind/banana'), 422);
  assertError(await api('GET', `/event-dag/${root.event_id}`, undefined, otherKey), 404);
});

test('tenant isolation: another tenant sees nothing and changes nothing', async () => {
  const t = await trajectory({ name: 'private' });
  const s = await scope(t.trajectory_id);
  const a = await agent('Solo');
  for (const path of [`/trajectories/${t.trajectory_id}`, `/scopes/${s.scope_id}`, `/agents/${a.agent_id}`, `/scopes/${s.scope_id}/turns`]) {
    assertError(await api('GET', path, undefined, otherKey), 404);
  }
  assertError(await api('PATCH', `/trajectories/${t.trajectory_id}`, { name: 'stolen' }, otherKey), 404);
  assertError(await api('DELETE', `/agents/${a.agent_id}`, undefined, otherKey), 404);
  assertError(await api('POST', '/scopes', { name: 'x', trajectory_id: t.trajectory_id, token_budget: 5 }, otherKey), 404);
  assertError(await api('POST', '/turns', { scope_id: s.scope_id, role: 'user', content: 'x' }, otherKey), 404);
  assertError(await api('POST', '/locks/acquire', { holder_agent_id: a.agent_id, resource_id: t.trajectory_id, resource_type: 'trajectory', mode: 'Exclusive', timeout_ms: 1000 }, otherKey), 404);
  assert.equal((await api('GET', '/trajectories', undefined, otherKey)).body.total, 0);
  assert.equal((await api('GET', `/trajectories/${t.trajectory_id}`)).body.name, 'private');
});

test('edges: create, batch (all or none), by participant, traverse by depth and type, delete', async () => {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(() => crypto.randomUUID());
  const prov = { source_turn: 1, extraction_method: 'inferred', confidence: 0.8 };
  const edge = (edge_type, from, to) => ({ edge_type, participants: [{ entity_type: 'note', entity_id: from, role: 'from' }, { entity_type: 'artifact', entity_id: to, role: 'to' }], provenance: prov, weight: 0.5 });
  const one = await api('POST', '/edges', edge('supports', a, b));
  assert.equal(one.status, 201, one.text);
  assert.equal(one.body.edge_type, 'supports');
  assert.equal(one.body._participant_ids, undefined);
  const batch = await api('POST', '/edges/batch', [edge('causal', b, c), edge('relates_to', c, d)]);
  assert.equal(batch.status, 201, batch.text);
  assert.equal(batch.body.edges.length, 2);
  // One bad edge stores none of the batch.
  const bad = await api('POST', '/edges/batch', [edge('causal', d, a), { ...edge('causal', d, a), edge_type: 'loves' }]);
  assertError(bad, 422);
  assert.equal((await api('GET', `/edges/by-participant/${d}`)).body.edges.length, 1);

  const byB = await api('GET', `/edges/by-participant/${b}`);
  assert.equal(byB.body.edges.length, 2);
  const two = await api('GET', `/edges/traverse?start_id=${a}&max_depth=2`);
  assert.deepEqual(two.body.links.map((l) => [l.target_id, l.depth]), [[b, 1], [c, 2]]);
  const all = await api('GET', `/edges/traverse?start_id=${a}&max_depth=5`);
  assert.equal(all.body.links.length, 3);
  const typed = await api('GET', `/edges/traverse?start_id=${a}&max_depth=5&rel_types=supports,causal`);
  assert.deepEqual(typed.body.links.map((l) => l.target_id), [b, c]);
  assertError(await api('GET', '/edges/traverse'), 422);
  assertError(await api('GET', `/edges/traverse?start_id=${a}&max_depth=99`), 422);
  assertError(await api('POST', '/edges', { ...edge('supports', a, b), participants: [{ entity_type: 'note', entity_id: a }] }), 422);
  assertError(await api('POST', '/edges', { ...edge('supports', a, b), weight: 2 }), 422);
  assert.equal((await api('GET', `/edges/${one.body.edge_id}`)).body.edge_id, one.body.edge_id);
  assertError(await api('GET', `/edges/${one.body.edge_id}`, undefined, otherKey), 404);
  assert.equal((await api('DELETE', `/edges/${one.body.edge_id}`)).status, 204);
  assertError(await api('GET', `/edges/${one.body.edge_id}`), 404);
});

async function waitFor(fn, what) {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('summarization: policies fire on turn count, dosage and scope close; requests run to a summary note', async () => {
  const t = await trajectory({ name: 'Onboarding' });
  const s = await scope(t.trajectory_id, 100);
  const policy = await api('POST', '/summarization-policies', {
    name: 'every two turns', source_level: 'raw', target_level: 'summary', max_sources: 10, create_edges: true,
    trajectory_id: t.trajectory_id, triggers: [{ turn_count: { count: 2 } }],
  });
  assert.equal(policy.status, 201, policy.text);
  const closing = await api('POST', '/summarization-policies', {
    name: 'on close', source_level: 'raw', target_level: 'summary', max_sources: 5, create_edges: false,
    trajectory_id: t.trajectory_id, triggers: ['scope_close', { dosage_threshold: { percent: 50 } }],
  });
  assert.deepEqual((await api('GET', `/trajectories/${t.trajectory_id}/summarization-policies`)).body.policies.map((p) => p.summarization_policy_id).sort(),
    [policy.body.summarization_policy_id, closing.body.summarization_policy_id].sort());

  const art = await api('POST', '/artifacts', { trajectory_id: t.trajectory_id, scope_id: s.scope_id, source_turn: 0, extraction_method: 'explicit', name: 'setup', artifact_type: 'fact', content: 'The customer uses the Pro plan with single sign-on.', ttl: 'persistent' });
  await api('POST', '/turns', { scope_id: s.scope_id, role: 'user', content: 'We need single sign-on for the Pro plan. The rollout starts Monday.', token_count: 20 });
  assert.equal((await api('GET', `/summarization-requests?scope_id=${s.scope_id}`)).body.requests.length, 0);
  await api('POST', '/turns', { scope_id: s.scope_id, role: 'assistant', content: 'Single sign-on is included in the Pro plan. I will enable it before Monday.', token_count: 40 });
  // Two turns: the turn-count policy fires; 60 of 100 tokens: the 50% dosage fires too.
  const requests = await waitFor(async () => {
    const r = await api('GET', `/summarization-requests?scope_id=${s.scope_id}&status=completed`);
    return r.body.requests.length === 2 ? r.body.requests : null;
  }, 'two completed requests');
  const byPolicy = requests.find((r) => r.summarization_policy_id === policy.body.summarization_policy_id);
  assert.deepEqual(byPolicy.trigger, { turn_count: { count: 2 } });
  const note = await api('GET', `/notes/${byPolicy.result_note_id}`);
  assert.equal(note.body.note_type, 'summary');
  assert.equal(note.body.abstraction_level, 'summary');
  assert.match(note.body.content, /single sign-on/i);
  assert.deepEqual(note.body.source_trajectory_ids, [t.trajectory_id]);
  const edges = await api('GET', `/edges/by-participant/${byPolicy.result_note_id}`);
  assert.equal(edges.body.edges[0].edge_type, 'synthesized_from');
  assert.ok(edges.body.edges[0].participants.some((p) => p.entity_id === art.body.artifact_id));

  await api('POST', `/scopes/${s.scope_id}/close`);
  const onClose = await waitFor(async () => {
    const r = await api('GET', `/summarization-requests?summarization_policy_id=${closing.body.summarization_policy_id}`);
    return r.body.requests.find((x) => x.trigger === 'scope_close') ?? null;
  }, 'the close request');
  assert.equal((await api('GET', `/summarization-requests/${onClose.summarization_request_id}`)).body.scope_id, s.scope_id);

  // A finished request cannot move again; unknown statuses are refused.
  assertError(await api('PATCH', `/summarization-requests/${byPolicy.summarization_request_id}/status`, { status: 'in_progress' }), 409);
  assertError(await api('PATCH', `/summarization-requests/${byPolicy.summarization_request_id}/status`, { status: 'sleeping' }), 422);
  assertError(await api('POST', '/summarization-policies', { name: 'x', source_level: 'raw', target_level: 'summary', max_sources: 1, create_edges: false, triggers: [{ dosage_threshold: { percent: 500 } }] }), 422);
  assertError(await api('POST', '/summarization-policies', { name: 'x', source_level: 'raw', target_level: 'summary', max_sources: 1, create_edges: false, triggers: [] }), 422);
  assert.equal((await api('DELETE', `/summarization-policies/${policy.body.summarization_policy_id}`)).status, 204);
  assertError(await api('GET', `/summarization-policies/${policy.body.summarization_policy_id}`), 404);
});

test('a summarization with nothing to summarize fails and says why', async () => {
  const t = await trajectory({ name: 'manual' });
  const s = await scope(t.trajectory_id, 1000);
  await api('POST', '/summarization-policies', { name: 'on close', source_level: 'summary', target_level: 'principle', max_sources: 3, create_edges: false, trajectory_id: t.trajectory_id, triggers: ['scope_close'] });
  await api('POST', `/scopes/${s.scope_id}/close`);
  // No summary-level notes exist for this trajectory, so the server's run fails and says why.
  const failed = await waitFor(async () => {
    const r = await api('GET', `/summarization-requests?scope_id=${s.scope_id}&status=failed`);
    return r.body.requests[0] ?? null;
  }, 'the failed request');
  assert.match(failed.error, /nothing to summarize/);
});

test('account routes: API keys, users/me, tenants', async () => {
  const account = await newAccount(srv.url, 'Ada Lovelace');
  const jwt = (method, path, body) => call(srv.url, method, `/api/v1${path}`, { token: account.token, body });
  const created = await jwt('POST', '/api-keys', { name: 'ci key', scopes: ['*'] });
  assert.equal(created.status, 201, created.text);
  assert.match(created.body.key, /^sk_live_/);
  assert.equal(created.body.api_key.is_active, true);
  assert.ok(!created.body.api_key.key_prefix.includes(created.body.key));
  // The key works on the memory routes.
  assert.equal((await api('GET', '/trajectories', undefined, created.body.key)).status, 200);
  const listed = await jwt('GET', '/api-keys?name=ci');
  assert.deepEqual(listed.body.api_keys.map((k) => k.id), [created.body.api_key.id]);
  assert.equal((await jwt('POST', `/api-keys/${created.body.api_key.id}/revoke`)).status, 204);
  assert.equal((await api('GET', '/trajectories', undefined, created.body.key)).status, 401);
  assert.equal((await jwt('GET', '/api-keys?is_active=true')).body.total, 0);
  assert.equal((await jwt('GET', '/api-keys?is_active=false')).body.total, 1);
  assertError(await jwt('POST', '/api-keys', {}), 422);
  assertError(await call(srv.url, 'GET', '/api/v1/api-keys', { apiKey: key }), 401);  // people manage keys

  const me = await jwt('GET', '/users/me');
  assert.equal(me.body.email, account.email);
  assert.equal(me.body.first_name, 'Ada');
  assert.equal(me.body.last_name, 'Lovelace');
  assert.equal(me.body.api_key, null);
  const first = await jwt('POST', '/users/me/api-key');
  const second = await jwt('POST', '/users/me/api-key');
  assert.notEqual(first.body.api_key, second.body.api_key);
  assert.equal((await api('GET', '/trajectories', undefined, first.body.api_key)).status, 401);
  assert.equal((await api('GET', '/trajectories', undefined, second.body.api_key)).status, 200);
  assert.ok((await jwt('GET', '/users/me')).body.api_key);

  const admin = await jwt('GET', `/api-keys/admin/tenants/${account.tenantId}`);
  assert.equal(admin.body.total, 3);
  const revokeId = admin.body.api_keys.find((k) => k.is_active).id;
  assert.equal((await jwt('POST', `/api-keys/admin/tenants/${account.tenantId}/${revokeId}/revoke`)).status, 204);
  assertError(await jwt('GET', `/api-keys/admin/tenants/${tenantId}`), 404);  // not a member there

  const tenants = await jwt('GET', '/tenants');
  assert.deepEqual(tenants.body.tenants.map((x) => x.tenant_id), [account.tenantId]);
  const patched = await jwt('PATCH', `/tenants/${account.tenantId}`, { name: 'Analytical Engines', domain: 'engines.example', settings: { region: 'eu' }, status: 'active' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.name, 'Analytical Engines');
  assert.deepEqual((await jwt('GET', `/tenants/${account.tenantId}`)).body.settings, { region: 'eu' });
  assertError(await jwt('GET', `/tenants/${tenantId}`), 404);
  assertError(await jwt('PATCH', `/tenants/${tenantId}`, { name: 'mine now' }), 404);
  assertError(await jwt('PATCH', `/tenants/${account.tenantId}`, { status: 'on fire' }), 422);
});

test('packs: compose TOML + Markdown with line/column errors; config validate, patch and use', async () => {
  const toml = '[pack]\nname = "support"\nversion = "1.2.0"\n\n[agents.triage]\nprompt = "Triage"\nmodel = "small"\n\n[memory]\nbudget = 4000\n';
  const prompt = '# Triage\n\nYou sort incoming tickets.\n\n- be brief\n- ask for the order id\n\n```json\n{"example": true}\n```\n';
  const form = new FormData();
  form.append('cstate_toml', toml);
  form.append('markdown', prompt);
  form.append('markdown', '# Escalation\nHand over to a human when asked.\n');
  const r = await fetch(`${srv.url}/api/v1/pack-config/compose`, { method: 'POST', headers: { 'X-API-Key': key }, body: form });
  const composed = await r.json();
  assert.equal(r.status, 200);
  assert.equal(composed.success, true, JSON.stringify(composed.errors));
  assert.equal(composed.ast.manifest.pack.name, 'support');
  const blocks = composed.ast.prompts[0].blocks;
  assert.deepEqual(blocks.map((b) => b.type), ['heading', 'paragraph', 'list', 'code']);
  assert.deepEqual(blocks[2].items, ['be brief', 'ask for the order id']);
  assert.equal(blocks[3].lang, 'json');
  // (FormData sends text fields with CRLF line ends.)
  assert.equal(composed.compiled.agents.triage.system_prompt.replace(/\r\n/g, '\n'), prompt);
  assert.deepEqual(composed.compiled.settings, { memory: { budget: 4000 } });

  const broken = await api('POST', '/pack-config/compose', { cstate_toml: '[pack]\nname = "x"\nversion = \n', markdown: ['# A\n```\nnever closed\n'] });
  assert.equal(broken.body.success, false);
  const tomlError = broken.body.errors.find((e) => e.file === 'cstate.toml');
  assert.equal(tomlError.line, 3);
  assert.ok(tomlError.column > 0);
  const fenceError = broken.body.errors.find((e) => e.file === 'markdown[0]');
  assert.deepEqual([fenceError.line, fenceError.column], [2, 1]);
  const missingPrompt = await api('POST', '/pack-config/compose', { cstate_toml: '[pack]\nname = "x"\n[agents.a]\nprompt = "Nope"\n', markdown: [] });
  assert.match(missingPrompt.body.errors[0].message, /Nope/);
  assertError(await api('POST', '/pack-config/compose', { markdown: [] }), 422);

  const check = await api('POST', '/config/validate', { config: { default_ttl: 'forever', colour: 'blue' } });
  assert.equal(check.body.valid, false);
  assert.deepEqual(check.body.errors.map((e) => e.path).sort(), ['config.colour', 'config.default_ttl']);
  const rejected = await api('PATCH', '/config', { config: { default_ttl: 'forever' } });
  assertError(rejected, 422);
  assert.equal(rejected.body.details.errors.length, 1);
  const account = await newAccount(srv.url);
  const k = await keyFor(account);
  const patched = await call(srv.url, 'PATCH', '/api/v1/config', { apiKey: k, body: { config: { default_ttl: { max: 1 }, pack: composed.compiled.pack } } });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.valid, true);
  assert.deepEqual((await call(srv.url, 'GET', '/api/v1/config', { apiKey: k })).body.config.default_ttl, { max: 1 });
  // The default TTL applies to notes created without one: this one is gone after one read.
  const note = await call(srv.url, 'POST', '/api/v1/notes', { apiKey: k, body: { title: 't', content: 'c', note_type: 'fact', source_artifact_ids: [], source_trajectory_ids: [] } });
  assert.deepEqual(note.body.ttl, { max: 1 });
  assert.equal((await call(srv.url, 'GET', `/api/v1/notes/${note.body.note_id}`, { apiKey: k })).status, 200);
  assert.equal((await call(srv.url, 'GET', `/api/v1/notes/${note.body.note_id}`, { apiKey: k })).status, 404);
  assert.deepEqual((await api('GET', '/config')).body.config, {});  // the first tenant's is untouched
});

test('deployments: versions, activation with rollout, rollout only up, rollback', async () => {
  const pack = `pack-${Date.now()}`;
  const v1 = await api('POST', '/deployments', { pack_name: pack, error_threshold: 0.05 });
  assert.equal(v1.status, 201, v1.text);
  assert.equal(v1.body.deployment.version, 1);
  assert.equal(v1.body.deployment.status, 'created');
  const v2 = await api('POST', '/deployments', { pack_name: pack, launch_config: { canary: true } });
  assert.equal(v2.body.deployment.version, 2);
  const id1 = v1.body.deployment.deployment_id;
  const id2 = v2.body.deployment.deployment_id;
  assert.equal((await api('POST', `/deployments/${id1}/activate`, { rollout_percentage: 100 })).body.deployment.status, 'active');
  const canary = await api('POST', `/deployments/${id2}/activate`, { rollout_percentage: 10 });
  assert.equal(canary.body.deployment.rollout_percentage, 10);
  assert.equal(canary.body.deployment.previous_deployment_id, id1);
  assert.equal((await api('GET', `/deployments/${id1}`)).body.deployment.status, 'active');  // still serving 90%
  assertError(await api('POST', `/deployments/${id2}/rollout`, { rollout_percentage: 5 }), 422);
  assertError(await api('POST', `/deployments/${id2}/activate`, { rollout_percentage: 50 }), 409);
  assertError(await api('POST', `/deployments/${id2}/rollout`, { rollout_percentage: 101 }), 422);
  assert.equal((await api('POST', `/deployments/${id2}/rollout`, { rollout_percentage: 100 })).body.deployment.rollout_percentage, 100);
  assert.equal((await api('GET', `/deployments/${id1}`)).body.deployment.status, 'superseded');
  const back = await api('POST', '/deployments/rollback', { pack_name: pack });
  assert.equal(back.body.deployment.deployment_id, id1);
  assert.equal(back.body.deployment.status, 'active');
  assert.equal((await api('GET', `/deployments/${id2}`)).body.deployment.status, 'rolled_back');
  const listed = await api('GET', `/deployments?pack_name=${pack}`);
  assert.deepEqual(listed.body.deployments.map((d) => d.version), [2, 1]);
  assertError(await api('POST', '/deployments/rollback', { pack_name: pack }), 409);  // v1 replaced nothing
  assertError(await api('GET', '/deployments'), 422);
  assertError(await api('GET', `/deployments/${id1}`, undefined, otherKey), 404);
});

test('benchmarks: snapshots with a config hash', async () => {
  const source = '[pack]\nname = "bench"\n';
  const r = await api('POST', '/benchmarks', { name: 'nightly', phase: 'frozen', config_source: source, metrics: { accuracy: 0.91 } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.config_hash, createHash('sha256').update(source).digest('hex'));
  const list = await api('GET', '/benchmarks');
  assert.ok(list.body.snapshots.some((s) => s.snapshot_id === r.body.snapshot_id));
  assertError(await api('POST', '/benchmarks', { name: 'x', phase: 'melting', config_source: '' }), 422);
  assert.equal((await api('GET', '/benchmarks', undefined, otherKey)).body.total, 0);
});

test('with a model configured, summaries are written by the model (metered), extractive when it fails', async () => {
  const upstream = await startFakeUpstream();
  const modelSrv = await startServer({ config: `[[models]]\nid = "summary-model"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\nmax_retries = 0\n` });
  try {
    const account = await newAccount(modelSrv.url);
    const k = (await call(modelSrv.url, 'POST', '/portal/api/keys', { token: account.token, body: { name: 'k' } })).body.key;
    const m = (method, path, body) => call(modelSrv.url, method, `/api/v1${path}`, { apiKey: k, body });
    const t = (await m('POST', '/trajectories', { name: 'modelled' })).body;
    await m('POST', '/summarization-policies', { name: 'close', source_level: 'raw', target_level: 'summary', max_sources: 5, create_edges: false, trajectory_id: t.trajectory_id, triggers: ['scope_close'] });
    const summarized = async (upstreamControl) => {
      await upstream.control(upstreamControl);
      const s = (await m('POST', '/scopes', { name: 'chat', trajectory_id: t.trajectory_id, token_budget: 1000 })).body;
      await m('POST', '/turns', { scope_id: s.scope_id, role: 'user', content: 'The printer on floor two is out of toner.' });
      await m('POST', `/scopes/${s.scope_id}/close`);
      return waitFor(async () => {
        const r = await m('GET', `/summarization-requests?scope_id=${s.scope_id}&status=completed`);
        return r.body.requests[0] ?? null;
      }, 'the summary');
    };
    const byModel = await summarized({ reply: 'Floor two printer needs toner.' });
    assert.equal(byModel.summarizer, 'model:summary-model');
    assert.equal((await m('GET', `/notes/${byModel.result_note_id}`)).body.content, 'Floor two printer needs toner.');
    const usage = await call(modelSrv.url, 'GET', '/v1/metering/usage', { token: account.token });
    assert.match(usage.text, /summary-model/);
    const fallback = await summarized({ reply: null, fail: [{ status: 500 }, { status: 500 }, { status: 500 }] });
    assert.equal(fallback.summarizer, 'extractive');
    assert.equal((await m('GET', `/notes/${fallback.result_note_id}`)).body.content, 'The printer on floor two is out of toner.');
  } finally {
    await modelSrv.cleanup();
    await upstream.stop();
  }
});
