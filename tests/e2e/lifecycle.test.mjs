// Process lifecycle: graceful stop on SIGTERM, no acknowledged write lost to kill -9,
// migrations, and the store answering errors instead of queueing when it cannot be written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startServer, call, newAccount, cli } from './lib/server.mjs';

test('SIGTERM lets an in-flight request finish, then the process exits 0 and refuses new connections', async () => {
  const srv = await startServer();
  try {
    // Signup hashes a password (tens of ms): in flight when the signal lands.
    const inflight = call(srv.url, 'POST', '/v1/auth/signup', { body: { email: `term_${Date.now()}@example.com`, password: 'longenough1' } });
    await new Promise((r) => setTimeout(r, 15));
    srv.child.kill('SIGTERM');
    const r = await inflight;
    assert.equal(r.status, 201);
    const exit = await srv.exited;
    assert.equal(exit.code, 0);
    await assert.rejects(fetch(`${srv.url}/health`));
    assert.match(srv.logs(), /signal 15/);
  } finally {
    await srv.cleanup();
  }
});

test('kill -9 loses no acknowledged write', async () => {
  const srv = await startServer();
  let acked = [];
  try {
    const a = await newAccount(srv.url);
    // Create keys back to back and kill the process while requests are still going.
    const loop = (async () => {
      for (let i = 0; i < 200; i++) {
        try {
          const r = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: `durable-${i}` } });
          if (r.status === 201) acked.push(r.body.data.id);
        } catch { break; }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    srv.child.kill('SIGKILL');
    await loop;
    assert.ok(acked.length > 0);

    const again = await startServer({ dataDir: srv.data });
    try {
      const login = await call(again.url, 'POST', '/v1/auth/login', { body: { email: a.email, password: a.password } });
      const keys = await call(again.url, 'GET', '/v1/api-keys', { token: login.body.data.token });
      const stored = new Set(keys.body.data.map((k) => k.id));
      for (const id of acked) assert.ok(stored.has(id), `acknowledged key ${id} survived`);
      const verify = await call(again.url, 'GET', '/v1/audit/verify', { token: login.body.data.token });
      assert.equal(verify.body.valid, true, 'the audit chain is intact after the crash');
    } finally {
      await again.cleanup();
    }
  } finally {
    await srv.cleanup();
  }
});

test('`brainstem migrate` reports the schema version; a locked store answers 503, not a queue', async () => {
  const srv = await startServer({ env: { BRAINSTEM_SERVER_BLOCKING_THREADS: '2' } });
  try {
    const m = await cli(['migrate', '--data', srv.data]);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /schema version 6 \(sqlite/);

    const a = await newAccount(srv.url);
    // Hold the database's write lock from another process for a while.
    const locker = spawn('sqlite3', [join(srv.data, 'brainstem.db')], { stdio: ['pipe', 'ignore', 'ignore'] });
    locker.stdin.write('BEGIN IMMEDIATE;\nSELECT 1;\n');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const r = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'while-locked' } });
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, 'service_unavailable');
    assert.ok(Date.now() - started < 15000, 'the wait is bounded by the busy timeout');
    locker.stdin.end('ROLLBACK;\n');
    await new Promise((res) => locker.once('exit', res));
    const after = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'after-unlock' } });
    assert.equal(after.status, 201, 'the server recovers once the lock is gone');
    assert.equal((await call(srv.url, 'GET', '/health')).status, 200);
  } finally {
    await srv.cleanup();
  }
});
