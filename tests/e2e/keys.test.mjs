// API keys over HTTP: creation shown once, masked lists, use as X-API-Key and Bearer, revocation,
// agent lock and identity mode stored, CORS by allowed origins, Cortex ctx_ keys, JWT forgeries,
// tenant isolation, and the offline `brainstem keys create` beside a running server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, call, newAccount, cli } from './lib/server.mjs';

const SECRET = 'e2e-test-secret-that-is-long-enough-1234';
let srv;
before(async () => { srv = await startServer({ env: { BRAINSTEM_AUTH_JWT_SECRET: SECRET } }); });
after(async () => { await srv.cleanup(); });

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
function forge(header, payload, secret = SECRET) {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = secret === null ? '' : createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${sig}`;
}

test('a key is shown once, listed masked, and works as X-API-Key and as Bearer', async () => {
  const a = await newAccount(srv.url);
  const created = await call(srv.url, 'POST', '/v1/api-keys', {
    token: a.token,
    body: { name: 'Production Shopify Widget', cerebral_id: 'agent-1', identity_mode: 'required', allowed_origins: ['https://shop.example.com'] },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.success, true);
  const raw = created.body.data.key;
  assert.match(raw, /^sk_live_[0-9A-Za-z]{40}$/);
  assert.equal(created.body.rawKey, raw);
  assert.equal(created.body.data.status, 'active');
  assert.equal(created.body.data.cerebral_id, 'agent-1');
  assert.equal(created.body.data.identity_mode, 'required');

  const list = await call(srv.url, 'GET', '/v1/api-keys', { token: a.token });
  assert.equal(list.status, 200);
  assert.equal(list.body.data.length, 1);
  assert.ok(!list.text.includes(raw), 'the full key never appears again');
  assert.equal(list.body.data[0].key, `sk_${raw.slice(8, 16)}${'\u2022'.repeat(12)}`);

  const viaHeader = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: raw });
  assert.equal(viaHeader.status, 200);
  const viaBearer = await call(srv.url, 'GET', '/v1/rate-limits', { token: raw });
  assert.equal(viaBearer.status, 200);
  assert.equal(viaBearer.body.data.tenant.requests_per_minute, 600);

  // last use is recorded in batches
  let lastUsed = null;
  for (let i = 0; i < 80 && !lastUsed; i++) {
    await new Promise((r) => setTimeout(r, 100));
    lastUsed = (await call(srv.url, 'GET', '/v1/api-keys', { token: a.token })).body.data[0].lastUsedAt;
  }
  assert.match(lastUsed, /^\d{4}-\d\d-\d\dT/);
});

test('a revoked key fails at once; revoking twice or another tenant\'s key is 404', async () => {
  const a = await newAccount(srv.url);
  const b = await newAccount(srv.url);
  const k = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'temp' } })).body.data;
  assert.equal((await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: k.key })).status, 200);

  const foreign = await call(srv.url, 'DELETE', `/v1/api-keys/${k.id}`, { token: b.token });
  assert.equal(foreign.status, 404);
  assert.equal((await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: k.key })).status, 200, 'untouched by the other tenant');
  const bList = await call(srv.url, 'GET', '/v1/api-keys', { token: b.token });
  assert.equal(bList.body.data.length, 0, 'tenants never see each other\'s keys');

  const del = await call(srv.url, 'DELETE', `/v1/api-keys/${k.id}`, { token: a.token });
  assert.equal(del.status, 200);
  assert.deepEqual(del.body, { success: true, data: { deleted: true } });
  const after = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: k.key });
  assert.equal(after.status, 401);
  assert.match(after.body.error.message, /revoked/);
  assert.equal((await call(srv.url, 'DELETE', `/v1/api-keys/${k.id}`, { token: a.token })).status, 404);
  const listed = (await call(srv.url, 'GET', '/v1/api-keys', { token: a.token })).body.data[0];
  assert.equal(listed.status, 'revoked');
});

test('key management needs a JWT; an API key is refused there', async () => {
  const a = await newAccount(srv.url);
  const k = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'x' } })).body.data.key;
  const r = await call(srv.url, 'POST', '/v1/api-keys', { apiKey: k, body: { name: 'y' } });
  assert.equal(r.status, 401);
  assert.match(r.body.error.message, /JWT required/);
  assert.equal((await call(srv.url, 'GET', '/v1/api-keys')).status, 401);
  const bad = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: '' } });
  assert.equal(bad.status, 422);
  assert.ok(bad.body.error.fieldErrors.name);
  const badMode = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'z', identity_mode: 'sometimes' } });
  assert.equal(badMode.status, 422);
  assert.ok(badMode.body.error.fieldErrors.identity_mode);
  const badOrigin = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'z', allowed_origins: ['javascript:alert(1)'] } });
  assert.equal(badOrigin.status, 422);
});

test('expired keys are refused', async () => {
  const a = await newAccount(srv.url);
  const past = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'p', expiresAt: '2020-01-01T00:00:00Z' } });
  assert.equal(past.status, 422, 'an expiry in the past is a validation error');
  const soon = await call(srv.url, 'POST', '/v1/api-keys', {
    token: a.token, body: { name: 'soon', expiresAt: new Date(Date.now() + 1500).toISOString() },
  });
  assert.equal(soon.status, 201);
  assert.equal((await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: soon.body.data.key })).status, 200);
  // Polls until the key stops working (its 1.5 s must really pass), with a deadline.
  const deadline = Date.now() + 10000;
  let expired;
  for (;;) {
    expired = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: soon.body.data.key });
    if (expired.status !== 200) break;
    if (Date.now() > deadline) assert.fail('the key still works long after its expiry');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(expired.status, 401, expired.text);
  assert.match(expired.body.error.message, /expired/);
});

test('CORS: allowed origins get headers, other origins and server-only keys are refused', async () => {
  const a = await newAccount(srv.url);
  const browser = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'w', allowed_origins: ['https://app.example.com'] } })).body.data.key;
  const server = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 's' } })).body.data.key;

  const ok = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: browser, headers: { Origin: 'https://app.example.com' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');

  const other = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: browser, headers: { Origin: 'https://evil.example.com' } });
  assert.equal(other.status, 403);
  assert.equal(other.headers.get('access-control-allow-origin'), null);

  const serverOnly = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: server, headers: { Origin: 'https://app.example.com' } });
  assert.equal(serverOnly.status, 403);
  assert.equal((await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: server })).status, 200);

  const preflight = await fetch(`${srv.url}/v1/rate-limits`, {
    method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' },
  });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-allow-headers'), /X-API-Key/);
});

test('Cortex portal keys are ctx_ keys with the documented fields', async () => {
  const a = await newAccount(srv.url);
  const r = await call(srv.url, 'POST', '/portal/api/keys', { token: a.token, body: { name: 'Production Key', expires_in_days: 30 } });
  assert.equal(r.status, 201);
  assert.match(r.body.key, /^ctx_/);
  assert.equal(r.body.key_prefix, r.body.key.slice(0, 12));
  assert.deepEqual(r.body.scopes, ['*']);
  const days = (Date.parse(r.body.expires_at) - Date.parse(r.body.created_at)) / 86400000;
  assert.ok(days > 29.9 && days < 30.1);
  assert.equal((await call(srv.url, 'GET', '/v1/rate-limits', { token: r.body.key })).status, 200);

  const tooLong = await call(srv.url, 'POST', '/portal/api/keys', { token: a.token, body: { name: 'x'.repeat(101) } });
  assert.equal(tooLong.status, 422);
  assert.deepEqual(tooLong.body.detail[0].loc, ['body', 'name']);
  const badDays = await call(srv.url, 'POST', '/portal/api/keys', { token: a.token, body: { name: 'y', expires_in_days: 400 } });
  assert.equal(badDays.status, 422);
  assert.deepEqual(badDays.body.detail[0].loc, ['body', 'expires_in_days']);

  const list = await call(srv.url, 'GET', '/portal/api/keys', { token: a.token });
  assert.equal(list.body.keys.length, 1);
  assert.ok(!list.text.includes(r.body.key));
  assert.equal((await call(srv.url, 'DELETE', `/portal/api/keys/${r.body.id}`, { token: a.token })).status, 200);
  assert.equal((await call(srv.url, 'GET', '/v1/rate-limits', { token: r.body.key })).status, 401);
});

test('forged, tampered and expired JWTs are refused', async () => {
  const a = await newAccount(srv.url);
  const claims = JSON.parse(Buffer.from(a.token.split('.')[1], 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  const cases = {
    algNone: forge({ alg: 'none', typ: 'JWT' }, claims, null),
    wrongSecret: forge({ alg: 'HS256', typ: 'JWT' }, claims, 'another-secret-another-secret-1234'),
    hs512Header: forge({ alg: 'HS512', typ: 'JWT' }, claims),
    expired: forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now - 10 }),
    tampered: `${a.token.split('.')[0]}.${b64({ ...claims, role: 'owner', tid: 'someone-else' })}.${a.token.split('.')[2]}`,
    garbage: 'eyJhbGciOi.not-base64!.x',
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await call(srv.url, 'GET', '/v1/auth/me', { token });
    assert.equal(r.status, 401, name);
    assert.equal(r.body.success, false, name);
  }
  const valid = forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now + 60 });
  assert.equal((await call(srv.url, 'GET', '/v1/auth/me', { token: valid })).status, 200, 'a correctly signed token passes');
});

test('`brainstem keys create` works against the data directory while the server runs', async () => {
  const r = await cli(['keys', 'create', '--data', srv.data, '--name', 'bootstrap', '--tenant', 'acme', '--scopes', 'audit:read']);
  assert.equal(r.code, 0, r.stderr);
  const raw = r.stdout.trim().split('\n').at(-1);
  assert.match(raw, /^sk_live_/);
  const use = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: raw });
  assert.equal(use.status, 200);
  const verify = await call(srv.url, 'GET', '/v1/audit/verify', { apiKey: raw });
  assert.equal(verify.status, 200, 'the audit:read scope is honoured');

  const second = await cli(['keys', 'create', '--data', srv.data, '--name', 'two', '--tenant', 'acme', '--kind', 'ctx']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout.trim().split('\n').at(-1), /^ctx_/);
  const bad = await cli(['keys', 'create', '--data', srv.data, '--name', 'x', '--tenant', 'Not A Slug']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /slug/);
});
