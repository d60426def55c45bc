// Hostile input: malformed JSON, wrong types, huge bodies, unknown routes and methods, odd
// headers. Each gets the documented error in the family's envelope, and the server stays up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer, call, newAccount } from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.cleanup(); });

async function stillServing() {
  const h = await call(srv.url, 'GET', '/health');
  assert.equal(h.status, 200);
  assert.equal(srv.child.exitCode, null);
}

// Sends raw bytes and returns what came back before the server closed (or timeout).
function rawExchange(bytes, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const sock = connect(srv.port, '127.0.0.1');
    let data = '';
    const done = () => { sock.destroy(); resolve(data); };
    sock.on('data', (d) => { data += d; });
    sock.on('end', done);
    sock.on('error', done);
    sock.setTimeout(timeoutMs, done);
    sock.write(bytes);
  });
}

test('malformed JSON is 400 in each family\'s envelope', async () => {
  const cerebral = await call(srv.url, 'POST', '/v1/auth/signup', { raw: '{"email": "a@b.c", ', headers: { 'Content-Type': 'application/json' } });
  assert.equal(cerebral.status, 400);
  assert.equal(cerebral.body.success, false);
  assert.equal(cerebral.body.error.code, 'bad_request');
  assert.match(cerebral.body.error.message, /malformed JSON/);

  const cortex = await call(srv.url, 'POST', '/portal/api/login', { raw: 'not json' });
  assert.equal(cortex.status, 400);
  assert.match(cortex.body.detail, /malformed JSON/);

  const array = await call(srv.url, 'POST', '/v1/auth/login', { raw: '[1,2,3]' });
  assert.equal(array.status, 400);
  assert.match(array.body.error.message, /JSON object/);

  const deep = await call(srv.url, 'POST', '/v1/auth/login', { raw: '['.repeat(100000) });
  assert.equal(deep.status, 400);
  await stillServing();
});

test('wrong types and unknown fields: the field is named, extras are ignored', async () => {
  const r = await call(srv.url, 'POST', '/v1/auth/login', { body: { email: ['a'], password: 'x' } });
  assert.equal(r.status, 422);
  assert.deepEqual(Object.keys(r.body.error.fieldErrors), ['email']);
  const a = await newAccount(srv.url);
  const extra = await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'k', surprise: { nested: true } } });
  assert.equal(extra.status, 201);
  const ws = await call(srv.url, 'POST', '/v1/workspaces', { token: a.token, body: { name: 5 } });
  assert.equal(ws.status, 422);
  assert.deepEqual(ws.body.error.fieldErrors, { name: ['name must be a string'] });
});

test('a 10 MB body is refused with 413 without being read, and the server stays up', async () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  // Only the exchange itself is guarded: the server may answer 413 and close before the client
  // finished sending, which fetch reports as a network error (a TypeError: "fetch failed" or
  // "terminated"). That is also a refusal. Anything else, assertions included, propagates.
  let response = null;
  try {
    const r = await fetch(`${srv.url}/v1/auth/signup`, { method: 'POST', body: big, headers: { 'Content-Type': 'application/json' } });
    response = { status: r.status, text: await r.text() };
  } catch (e) {
    if (!(e instanceof TypeError && /^(fetch failed|terminated)$/.test(e.message))) throw e;
  }
  if (response) {
    assert.equal(response.status, 413, response.text);
    const body = JSON.parse(response.text);
    assert.equal(body.success, false);
    assert.equal(body.error.code, 'payload_too_large');
  }
  const raw = await rawExchange('POST /v1/auth/signup HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 413 /);
  assert.match(raw, /payload_too_large/);
  await stillServing();
});

test('unknown routes answer 404 in the dialect of their path; wrong methods 405 with Allow', async () => {
  const cellstate = await call(srv.url, 'GET', '/api/v1/nothing-here');
  assert.equal(cellstate.status, 404);
  assert.equal(cellstate.body.code, 'NOT_FOUND');
  assert.ok(cellstate.body.details);
  const cerebral = await call(srv.url, 'GET', '/v1/cerebrals/x/unknown');
  assert.equal(cerebral.status, 404);
  assert.equal(cerebral.body.success, false);
  const other = await call(srv.url, 'GET', '/no/such/thing');
  assert.equal(other.status, 404);
  assert.equal(other.body.error.code, 'not_found');
  const wrong = await call(srv.url, 'PUT', '/v1/auth/login', { body: {} });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'POST');
});

test('missing and bad credentials are 401 in the family envelope', async () => {
  const none = await call(srv.url, 'GET', '/v1/rate-limits');
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'unauthorized');
  const bogus = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: 'sk_live_' + 'A'.repeat(40) });
  assert.equal(bogus.status, 401);
  assert.match(bogus.body.error.message, /invalid API key/);
  const weird = await call(srv.url, 'GET', '/v1/rate-limits', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
  assert.equal(weird.status, 401);
  const workspace = await call(srv.url, 'GET', '/v1/workspaces', { token: 'not-a-token' });
  assert.equal(workspace.status, 401);
  assert.equal(workspace.body.error.code, 'unauthorized');
  assert.equal(workspace.body.success, undefined, 'Cendriix errors have no success field');
});

test('X-Request-ID is echoed when sane and generated otherwise', async () => {
  const echoed = await call(srv.url, 'GET', '/health', { headers: { 'X-Request-ID': 'client-trace-123' } });
  assert.equal(echoed.headers.get('x-request-id'), 'client-trace-123');
  const generated = await call(srv.url, 'GET', '/health');
  assert.match(generated.headers.get('x-request-id'), /^req_[0-9A-Za-z]{20}$/);
  const injected = await call(srv.url, 'GET', '/health', { headers: { 'X-Request-ID': 'bad id with spaces' } });
  assert.match(injected.headers.get('x-request-id'), /^req_/);
  const err = await call(srv.url, 'GET', '/v1/api-keys', { headers: { 'X-Request-ID': 'trace-err-9' } });
  assert.equal(err.body.error.requestId, 'trace-err-9');
});

test('garbage on the wire gets 400 and a closed connection; the server stays up', async () => {
  const raw = await rawExchange('THIS IS NOT HTTP\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 400 /);
  const hugeHeader = await rawExchange(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.match(hugeHeader, /^HTTP\/1\.1 400 /);
  await stillServing();
});

test('ambiguous framing (request smuggling) is 400 and closes; what follows is never served', async () => {
  const smuggled = 'GET /v1/smuggled-marker HTTP/1.1\r\nHost: x\r\n\r\n';
  const body = '5\r\nhello\r\n0\r\n\r\n';
  const framings = [
    `Transfer-Encoding: xchunked\r\nContent-Length: ${body.length}\r\n`,
    `Transfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n`,
    `Content-Length: ${body.length}\r\nTransfer-Encoding: Chunked\r\n`,
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n',
    `Transfer-Encoding: chunked, identity\r\nContent-Length: ${body.length}\r\n`,
    'Transfer-Encoding: gzip\r\n',
  ];
  const before = (await call(srv.url, 'GET', '/v1/stats')).body.requests_total;
  for (const framing of framings) {
    const raw = await rawExchange(`POST /v1/chat HTTP/1.1\r\nHost: x\r\n${framing}Content-Type: application/json\r\n\r\n${body}${smuggled}`);
    assert.match(raw, /^HTTP\/1\.1 400 /, framing);
    assert.equal((raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, `one answer only: ${framing}`);
    assert.match(raw, /\r\nConnection: close\r\n/i);
    assert.match(raw, /\{"detail":"ambiguous message framing: Transfer-Encoding .*","request_id":"req_/, `the Cortex error body: ${raw}`);
  }
  const after = (await call(srv.url, 'GET', '/v1/stats')).body.requests_total;
  assert.equal(after - before, framings.length + 1, 'each refused request and this stats call, no smuggled one');
  await stillServing();
});

test('a chunked body with a bad chunk size is 400 in the family format, then closed', async () => {
  const raw = await rawExchange('POST /v1/auth/signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 400 /);
  assert.match(raw, /"success":false/);
  assert.match(raw, /malformed request body/);
  await stillServing();
});

test('keep-alive serves several requests on one connection', async () => {
  const raw = await rawExchange('GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal((raw.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 2);
  assert.match(raw, /requests_total/);
});
