// Workspaces, members, roles and switching; the hash-chained audit log, its filters and cursor,
// and tamper detection by editing the database underneath the running server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, call, newAccount } from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.cleanup(); });

const sql = (statement) => execFileSync('sqlite3', [join(srv.data, 'brainstem.db'), statement], { encoding: 'utf8' });

test('workspaces: create, list, get; other tenants answer 404', async () => {
  const a = await newAccount(srv.url);
  const b = await newAccount(srv.url);
  const created = await call(srv.url, 'POST', '/v1/workspaces', { token: a.token, body: { name: 'Research Lab', plan: 'team' } });
  assert.equal(created.status, 201);
  assert.equal(created.body.name, 'Research Lab');
  assert.equal(created.body.plan, 'team');
  assert.equal(created.body.role, 'owner');
  assert.match(created.body.slug, /^research-lab-[a-z0-9]{6}$/);

  const list = await call(srv.url, 'GET', '/v1/workspaces', { token: a.token });
  assert.deepEqual(list.body.workspaces.map((w) => w.id).sort(), [a.tenantId, created.body.id].sort());
  assert.equal((await call(srv.url, 'GET', `/v1/workspaces/${created.body.id}`, { token: a.token })).status, 200);
  const foreign = await call(srv.url, 'GET', `/v1/workspaces/${created.body.id}`, { token: b.token });
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.error.code, 'not_found');
  assert.equal((await call(srv.url, 'GET', `/v1/workspaces/${created.body.id}/members`, { token: b.token })).status, 404);

  const badPlan = await call(srv.url, 'POST', '/v1/workspaces', { token: a.token, body: { name: 'x', plan: 'platinum' } });
  assert.equal(badPlan.status, 422);
  assert.ok(badPlan.body.error.fieldErrors.plan);
});

test('members: owners add users with roles; viewers cannot; switch re-scopes the token', async () => {
  const owner = await newAccount(srv.url, 'Owner');
  const viewer = await newAccount(srv.url, 'Viewer');
  const stranger = await newAccount(srv.url, 'Stranger');
  const ws = owner.tenantId;

  const add = await call(srv.url, 'POST', `/v1/workspaces/${ws}/members`, { token: owner.token, body: { email: viewer.email, role: 'viewer' } });
  assert.equal(add.status, 201);
  assert.equal(add.body.role, 'viewer');
  const dup = await call(srv.url, 'POST', `/v1/workspaces/${ws}/members`, { token: owner.token, body: { email: viewer.email, role: 'member' } });
  assert.equal(dup.status, 409);
  const nobody = await call(srv.url, 'POST', `/v1/workspaces/${ws}/members`, { token: owner.token, body: { email: 'ghost@example.com', role: 'member' } });
  assert.equal(nobody.status, 404);
  const badRole = await call(srv.url, 'POST', `/v1/workspaces/${ws}/members`, { token: owner.token, body: { email: stranger.email, role: 'emperor' } });
  assert.equal(badRole.status, 422);

  const members = await call(srv.url, 'GET', `/v1/workspaces/${ws}/members`, { token: owner.token });
  assert.deepEqual(members.body.members.map((m) => m.role).sort(), ['owner', 'viewer']);

  // The viewer switches into the owner's workspace and gets a token scoped there.
  const sw = await call(srv.url, 'POST', `/v1/workspaces/${ws}/switch`, { token: viewer.token });
  assert.equal(sw.status, 200);
  assert.equal(sw.body.workspace.id, ws);
  assert.equal(sw.body.workspace.role, 'viewer');
  const viewerToken = sw.body.token;
  const me = await call(srv.url, 'GET', '/v1/auth/me', { token: viewerToken });
  assert.equal(me.body.tenantId, ws);
  assert.equal(me.body.role, 'viewer');

  const viewerAdds = await call(srv.url, 'POST', `/v1/workspaces/${ws}/members`, { token: viewerToken, body: { email: stranger.email, role: 'member' } });
  assert.equal(viewerAdds.status, 403);
  const viewerKey = await call(srv.url, 'POST', '/v1/api-keys', { token: viewerToken, body: { name: 'nope' } });
  assert.equal(viewerKey.status, 403);
  assert.equal((await call(srv.url, 'GET', '/v1/audit/logs', { token: viewerToken })).status, 403);
  assert.equal((await call(srv.url, 'POST', `/v1/workspaces/${ws}/switch`, { token: stranger.token })).status, 404);
});

test('audit: mutating calls are logged with filters and a cursor, and the chain verifies', async () => {
  const a = await newAccount(srv.url);
  for (let i = 0; i < 4; i++) await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: `k${i}` } });
  const keys = (await call(srv.url, 'GET', '/v1/api-keys', { token: a.token })).body.data;
  await call(srv.url, 'DELETE', `/v1/api-keys/${keys[0].id}`, { token: a.token });

  const all = await call(srv.url, 'GET', '/v1/audit/logs', { token: a.token });
  assert.equal(all.status, 200);
  const types = all.body.entries.map((e) => e.eventType);
  assert.deepEqual(types, ['user.signed_up', 'api_key.created', 'api_key.created', 'api_key.created', 'api_key.created', 'api_key.revoked']);
  assert.ok(all.body.entries.every((e) => /^[0-9a-f]{64}$/.test(e.hash)));
  assert.equal(all.body.entries[1].prevHash, all.body.entries[0].hash);
  assert.ok(!all.text.includes('correct horse'), 'no password in the log');
  assert.equal(all.body.entries[5].payload.keyId, keys[0].id);

  const revoked = await call(srv.url, 'GET', '/v1/audit/logs?eventType=api_key.revoked', { token: a.token });
  assert.equal(revoked.body.entries.length, 1);
  const byActor = await call(srv.url, 'GET', `/v1/audit/logs?actor=${a.userId}&limit=2`, { token: a.token });
  assert.equal(byActor.body.entries.length, 2);
  assert.ok(byActor.body.nextCursor);
  const page2 = await call(srv.url, 'GET', `/v1/audit/logs?actor=${a.userId}&limit=2&cursor=${byActor.body.nextCursor}`, { token: a.token });
  assert.equal(page2.body.entries[0].seq, byActor.body.entries[1].seq + 1);
  const future = await call(srv.url, 'GET', '/v1/audit/logs?from=2999-01-01', { token: a.token });
  assert.equal(future.body.entries.length, 0);
  const badFrom = await call(srv.url, 'GET', '/v1/audit/logs?from=yesterday', { token: a.token });
  assert.equal(badFrom.status, 422);
  const badLimit = await call(srv.url, 'GET', '/v1/audit/logs?limit=100000', { token: a.token });
  assert.equal(badLimit.status, 422);

  const verify = await call(srv.url, 'GET', '/v1/audit/verify', { token: a.token });
  assert.deepEqual(verify.body, { valid: true, checkedCount: 6, firstInvalidSeq: null, reason: null });

  const b = await newAccount(srv.url);
  const other = await call(srv.url, 'GET', '/v1/audit/logs', { token: b.token });
  assert.deepEqual(other.body.entries.map((e) => e.eventType), ['user.signed_up'], 'tenants see only their own chain');
});

test('audit verify detects an edited row and a deleted row in the database', async () => {
  const a = await newAccount(srv.url);
  for (let i = 0; i < 3; i++) await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: `t${i}` } });
  assert.equal((await call(srv.url, 'GET', '/v1/audit/verify', { token: a.token })).body.valid, true);

  sql(`UPDATE audit_log SET payload = replace(payload, 'POST', 'GET') WHERE tenant_id = '${a.tenantId}' AND seq = 2;`);
  const edited = await call(srv.url, 'GET', '/v1/audit/verify', { token: a.token });
  assert.equal(edited.body.valid, false);
  assert.equal(edited.body.firstInvalidSeq, 2);
  assert.match(edited.body.reason, /modified/);

  const b = await newAccount(srv.url);
  for (let i = 0; i < 3; i++) await call(srv.url, 'POST', '/v1/api-keys', { token: b.token, body: { name: `t${i}` } });
  sql(`DELETE FROM audit_log WHERE tenant_id = '${b.tenantId}' AND seq = 3;`);
  const deleted = await call(srv.url, 'GET', '/v1/audit/verify', { token: b.token });
  assert.equal(deleted.body.valid, false);
  assert.equal(deleted.body.firstInvalidSeq, 3);

  const c = await newAccount(srv.url);
  await call(srv.url, 'POST', '/v1/api-keys', { token: c.token, body: { name: 'last' } });
  sql(`DELETE FROM audit_log WHERE tenant_id = '${c.tenantId}' AND seq = 2;`);
  const truncated = await call(srv.url, 'GET', '/v1/audit/verify', { token: c.token });
  assert.equal(truncated.body.valid, false, 'deleting the newest entry is detected too');
});
