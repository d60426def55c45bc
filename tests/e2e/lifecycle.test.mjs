// Process lifecycle: graceful stop on SIGTERM, no acknowledged write lost to kill -9,
// migrations, and the store answering errors instead of queueing when it cannot be written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startServer, startFakeUpstream, call, newAccount, cli } from './lib/server.mjs';

test('SIGTERM lets an in-flight request finish, then the process exits 0 and refuses new connections', async () => {
  const upstream = await startFakeUpstream();
  const srv = await startServer({ config: `[[models]]\nid = "fixed-model"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\n` });
  try {
    const a = await newAccount(srv.url);
    const key = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'term' } })).body.data.key;
    // A streamed reply of 10 words at 20 words a second: once its first bytes have arrived, the
    // request is provably in flight when the signal lands.
    await upstream.control({ tokens_per_s: 20, reply: 'w '.repeat(10) });
    const res = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'fixed-model', messages: [{ role: 'user', content: 'talk' }], stream: true }),
    });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    const first = await reader.read();
    assert.equal(first.done, false);
    let text = Buffer.from(first.value).toString();
    srv.child.kill('SIGTERM');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    assert.equal((text.match(/"content":"w "/g) ?? []).length, 10, 'the whole reply was streamed');
    assert.match(text, /data: \[DONE\]\n\n$/, 'the stream ended normally');
    const exit = await srv.exited;
    assert.equal(exit.code, 0);
    await assert.rejects(fetch(`${srv.url}/health`));
    assert.match(srv.logs(), /signal 15/);
  } finally {
    await srv.cleanup();
    upstream.stop();
  }
});

test('kill -9 loses no acknowledged write', async () => {
  const srv = await startServer();
  let acked = [];
  try {
    const a = await newAccount(srv.url);
    // Create keys back to back and kill the process while requests are still going: as soon as
    // 10 writes have been acknowledged.
    let enoughAcked;
    const enough = new Promise((r) => { enoughAcked = r; });
    const loop = (async () => {
      for (let i = 0; i < 200; i++) {
        try {
          const r = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: `durable-${i}` } });
          if (r.status === 201) acked.push(r.body.data.id);
          if (acked.length === 10) enoughAcked();
        } catch { return 'interrupted'; }
      }
      return 'completed';
    })();
    await Promise.race([enough, loop]);
    srv.child.kill('SIGKILL');
    assert.equal(await loop, 'interrupted', 'the kill landed while requests were still going');
    assert.ok(acked.length >= 10, `${acked.length} writes acknowledged`);

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
    assert.match(m.stdout, /schema version 7 \(sqlite/);

    const a = await newAccount(srv.url);
    // Hold the database's write lock from another process for a while.
    // The SELECT runs only once BEGIN IMMEDIATE holds the lock: its output says the lock is held.
    const locker = spawn('sqlite3', [join(srv.data, 'brainstem.db')], { stdio: ['pipe', 'pipe', 'ignore'] });
    const locked = new Promise((resolve, reject) => {
      let out = '';
      locker.stdout.on('data', (d) => { out += d; if (out.includes('locked')) resolve(); });
      locker.once('exit', (code) => reject(new Error(`sqlite3 exited (${code}) before taking the lock: ${out}`)));
    });
    locker.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
    await locked;
    const r = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'while-locked' } });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, 'service_unavailable');
    locker.stdin.end('ROLLBACK;\n');
    await new Promise((res) => locker.once('exit', res));
    const after = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'after-unlock' } });
    assert.equal(after.status, 201, 'the server recovers once the lock is gone');
    assert.equal((await call(srv.url, 'GET', '/health')).status, 200);
  } finally {
    await srv.cleanup();
  }
});
