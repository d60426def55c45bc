// Limits, health, statistics, metrics and the OpenAPI document over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startServer, call, newAccount } from './lib/server.mjs';

const SOURCE = process.env.BRAINSTEM_SOURCE_DIR ?? new URL('../..', import.meta.url).pathname;
let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.cleanup(); });

test('per-tenant limits from the config: headers count down, then 429 with Retry-After', async () => {
  const limited = await startServer({
    config: '[limits]\nrequests_per_minute = 1000\n',
    env: { BRAINSTEM_LIMITS_REQUESTS_PER_HOUR: '5000' },
  });
  try {
    const a = await newAccount(limited.url);
    const b = await newAccount(limited.url);
    // Per-tenant override by id, written after the tenant exists: restart on the same data.
    await limited.stop();
    const srv2 = await startServer({
      dataDir: limited.data,
      config: `[limits]\nrequests_per_minute = 1000\n[limits.tenants."${a.tenantId}"]\nrequests_per_minute = 5\nrequests_per_hour = 100\n`,
    });
    try {
      const key = (await call(srv2.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'k' } })).body.data.key;
      const remaining = [];
      let refused;
      for (let i = 0; i < 8; i++) {
        const r = await call(srv2.url, 'GET', '/v1/rate-limits', { apiKey: key });
        if (r.status === 429) { refused = r; break; }
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-ratelimit-limit'), '5');
        remaining.push(Number(r.headers.get('x-ratelimit-remaining')));
        assert.equal(r.body.data.tenant.requests_per_minute, 5);
      }
      assert.deepEqual(remaining, [3, 2, 1, 0], 'the key creation counted as the first request');
      assert.ok(refused, 'the sixth request in a minute is refused');
      assert.equal(refused.body.success, false);
      assert.equal(refused.body.error.code, 'rate_limit_exceeded');
      const retry = Number(refused.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      const reset = Number(refused.headers.get('x-ratelimit-reset'));
      assert.ok(reset * 1000 > Date.now() && reset * 1000 <= Date.now() + 61000);
      // another tenant is unaffected
      const other = await call(srv2.url, 'GET', '/v1/api-keys', { token: b.token });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('x-ratelimit-limit'), '1000');
    } finally {
      await srv2.cleanup();
    }
  } finally {
    await limited.cleanup();
  }
});

test('/health answers the Cortex and Cerebrum shapes; /health/detailed checks the store', async () => {
  const h = await call(srv.url, 'GET', '/health');
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'ok');
  assert.equal(h.body.version, '0.1.0');
  assert.equal(typeof h.body.uptime, 'number');
  assert.equal(h.body.vps_available, true);
  assert.match(h.body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  const d = await call(srv.url, 'GET', '/health/detailed');
  assert.equal(d.status, 200);
  assert.equal(d.body.checks.store, 'ok');
  assert.ok(['ok', 'degraded'].includes(d.body.status));
});

test('numbers meant for people are written plainly, never in exponent form', async () => {
  for (const path of ['/health', '/health/detailed', '/v1/stats', '/v1/metrics']) {
    const r = await call(srv.url, 'GET', path);
    assert.equal(r.status, 200, path);
    // A JSON number with an exponent (Boost.JSON's 4.4273E1), wherever a value stands.
    assert.doesNotMatch(r.text, /[:[,]\s*-?\d+(\.\d+)?[eE][+-]?\d+\s*[,\]}]/, `${path}: ${r.text}`);
  }
  const h = await call(srv.url, 'GET', '/health');
  assert.match(h.text, /"uptime":\d+(\.\d+)?[,}]/);
});

test('/v1/stats reports requests, memory and load', async () => {
  const s = await call(srv.url, 'GET', '/v1/stats');
  assert.equal(s.status, 200);
  assert.ok(s.body.requests_total >= 1);
  assert.equal(s.body.requests_active, 1, 'the stats request itself is active');
  assert.ok(s.body.memory_mb > 1 && s.body.memory_mb < 2048);
  assert.equal(s.body.load_avg.length, 3);
});

test('/metrics passes promtool and counts requests by family and status', async () => {
  await call(srv.url, 'GET', '/api/v1/missing');
  const m = await fetch(`${srv.url}/metrics`);
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await m.text();
  assert.match(text, /brainstem_http_requests_total\{family="cellstate",status="404"\} [1-9]/);
  assert.match(text, /brainstem_http_request_duration_seconds_bucket\{family="cerebrum",le="\+Inf"\} [1-9]/);
  const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(out.trim(), '');
  const v1 = await fetch(`${srv.url}/v1/metrics`);
  assert.match(await v1.text(), /# TYPE brainstem_http_requests_total counter/);
  const dash = await call(srv.url, 'GET', '/v1/metrics/dashboard');
  assert.ok(dash.body.http.cellstate.requests >= 1);
});

test('/openapi.json describes every served route; README coverage matches the seed routes', async () => {
  const r = await call(srv.url, 'GET', '/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.body.openapi, '3.1.0');
  const served = new Set();
  for (const [path, item] of Object.entries(r.body.paths)) {
    for (const method of Object.keys(item)) served.add(`${method.toUpperCase()} ${path}`);
  }
  assert.ok(served.has('POST /v1/api-keys'));
  assert.ok(served.has('DELETE /v1/api-keys/{id}'));
  assert.ok(r.body.paths['/v1/auth/signup'].post.requestBody.content['application/json'].schema.required.includes('email'));

  // Every route the seeds name is compared by method and path shape (parameter names aside).
  const shape = (p) => p.replace(/\{[^}]+\}|:[A-Za-z_]+/g, '{}');
  const servedShapes = new Set([...served].map(shape));
  const rows = readFileSync(`${SOURCE}/docs/seed-routes.tsv`, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const coverage = {};
  for (const [method, path, seed] of rows) {
    coverage[seed] ??= { served: 0, total: 0 };
    coverage[seed].total++;
    if (servedShapes.has(shape(`${method} ${path}`))) coverage[seed].served++;
  }
  const readme = readFileSync(`${SOURCE}/README.md`, 'utf8');
  for (const [seed, c] of Object.entries(coverage)) {
    const row = new RegExp(`\\| ${seed} \\|[^|]*\\| ${c.served} / ${c.total} \\|`);
    assert.match(readme, row, `README coverage row for seed ${seed} says ${c.served} / ${c.total}`);
  }
});
