// Seed 001's two-tier deployment: a brainstem in the backend role (only the inference tier,
// opened by the key it shares with its orchestrators) and an orchestrator brainstem that uses
// it as a provider. The model behind the backend is the fake upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

const SHARED = 'shared-backend-secret-0123456789';
let upstream, backend, orchestrator, key;
before(async () => {
  upstream = await startFakeUpstream();
  backend = await startServer({
    args: ['--role', 'backend'],
    env: { BRAINSTEM_BACKEND_KEY: SHARED },
    config: `
[limits]
max_concurrent_generations = 1

[[models]]
id = "qwen_7b"
provider = "openai"
base_url = "${upstream.url}/v1"
max_retries = 0
`,
  });
  orchestrator = await startServer({
    env: { CEREBRUM_VPS_KEY: SHARED },
    config: `
[[models]]
id = "qwen_7b"
provider = "backend"
base_url = "${backend.url}"
api_key_env = "CEREBRUM_VPS_KEY"
languages = ["python", "javascript", "typescript"]
task_types = ["code_generation", "general"]
max_retries = 0
`,
  });
  const a = await newAccount(orchestrator.url);
  key = (await call(orchestrator.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'cm4' } })).body.data.key;
});
after(async () => { await backend.cleanup(); await orchestrator.cleanup(); upstream.stop(); });

const inference = (path, body, apiKey = SHARED) => call(backend.url, 'POST', path, { apiKey, body });

test('the backend serves only the inference tier', async () => {
  const health = await call(backend.url, 'GET', '/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.vps_available, true);
  const models = await call(backend.url, 'GET', '/v1/models');
  assert.equal(models.body.models[0].id, 'qwen_7b');
  const stats = await call(backend.url, 'GET', '/v1/stats');
  assert.equal(stats.status, 200);
  assert.ok(stats.body.memory_total_mb > 0 && stats.body.memory_available_mb > 0);
  assert.equal(stats.body.memory_used_mb, stats.body.memory_total_mb - stats.body.memory_available_mb);
  assert.equal(typeof stats.body.cpu_percent, 'number');
  assert.equal(stats.body.models_loaded, 0, 'a remote model holds no weights here');
  assert.deepEqual(health.body.models_loaded, []);
  assert.ok(health.body.memory_available_mb > 0);
  for (const [method, path] of [['POST', '/v1/auth/signup'], ['POST', '/v1/chat/completions'], ['POST', '/v1/complete'], ['GET', '/api/v1/scopes']]) {
    assert.equal((await call(backend.url, method, path, { apiKey: SHARED, body: method === 'POST' ? {} : undefined })).status, 404, `${method} ${path}`);
  }
});

test('/v1/inference answers the seed shape with the shared key only', async () => {
  await upstream.control({});
  const r = await inference('/v1/inference', { prompt: 'def hello():', model: 'qwen_7b', max_tokens: 128 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.completion, 'echo: def hello():');
  assert.equal(r.body.model, 'qwen_7b');
  assert.ok(r.body.total_tokens > 0);
  assert.equal(typeof r.body.inference_time, 'number');
  assert.equal((await upstream.stats()).last_request.temperature, 0.4, 'the documented default temperature');

  for (const bad of [null, 'wrong-key', 'sk_live_' + 'x'.repeat(40)]) {
    const refused = await inference('/v1/inference', { prompt: 'x', model: 'qwen_7b' }, bad);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, true);
    assert.equal(refused.body.code, 'UNAUTHORIZED');
  }
  const unknown = await inference('/v1/inference', { prompt: 'x', model: 'llama_70b' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'MODEL_NOT_FOUND');
  const missing = await inference('/v1/inference', { prompt: 'x' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.code, 'INVALID_REQUEST');
  const noPrompt = await inference('/v1/inference', { model: 'qwen_7b' });
  assert.equal(noPrompt.status, 400);
  assert.match(noPrompt.body.message, /prompt is required/);
  const badMessages = await inference('/v1/inference', { model: 'qwen_7b', messages: [{ role: 'user', content: 'hi' }, { role: 'tool', content: 1 }] });
  assert.equal(badMessages.status, 400);
  assert.match(badMessages.body.message, /^messages\[1\] needs a role/);
  const notArray = await inference('/v1/inference', { model: 'qwen_7b', messages: 'hi' });
  assert.equal(notArray.status, 400);
  assert.match(notArray.body.message, /messages must be a non-empty array/);
});

test('/v1/inference/stream sends token events then done', async () => {
  await upstream.control({ tokens_per_s: 200 });
  const r = await fetch(`${backend.url}/v1/inference/stream`, {
    method: 'POST', headers: { 'X-API-Key': SHARED, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'async def fetch():', model: 'qwen_7b' }),
  });
  assert.equal(r.status, 200);
  const events = (await r.text()).split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)));
  const tokens = events.filter((e) => 'token' in e);
  assert.equal(tokens.map((e) => e.token).join(''), 'echo: async def fetch():');
  assert.deepEqual(tokens.map((e) => e.total_tokens), tokens.map((_, i) => i + 1));
  const done = events.at(-1);
  assert.equal(done.done, true);
  assert.equal(done.model, 'qwen_7b');
  assert.equal(done.total_tokens, tokens.length);
  await upstream.control({});
});

test('the backend sheds load past its concurrent generations', async () => {
  await upstream.control({ latency_ms: 400 });
  const both = await Promise.all([
    inference('/v1/inference', { prompt: 'one', model: 'qwen_7b' }),
    new Promise((r) => setTimeout(r, 100)).then(() => inference('/v1/inference', { prompt: 'two', model: 'qwen_7b' })),
  ]);
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 429]);
  assert.equal(both.find((r) => r.status === 429).body.code, 'RATE_LIMIT');
  await upstream.control({});
});

test('an orchestrator uses the backend as its provider, plain and streamed', async () => {
  await upstream.control({});
  const r = await call(orchestrator.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'def fibonacci(n):', language: 'python' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.completion, 'echo: def fibonacci(n):');
  assert.equal(r.body.model, 'qwen_7b');
  assert.equal((await upstream.stats()).last_request.max_tokens, 512);

  const chat = await call(orchestrator.url, 'POST', '/v1/chat/completions', {
    apiKey: key, body: { model: 'qwen_7b', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi backend' }] },
  });
  assert.equal(chat.status, 200, chat.text);
  assert.equal(chat.body.choices[0].message.content, 'echo: hi backend');
  assert.ok(chat.body.usage.completion_tokens > 0);
  assert.deepEqual((await upstream.stats()).last_request.messages, [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi backend' }],
    'the whole conversation reaches the backend\'s model');

  await upstream.control({ tokens_per_s: 200 });
  const s = await fetch(`${orchestrator.url}/v1/complete/stream`, {
    method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'fn main() {', language: 'python' }),
  });
  const events = (await s.text()).split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)));
  assert.equal(events.filter((e) => 'token' in e).map((e) => e.token).join(''), 'echo: fn main() {');
  assert.equal(events.at(-1).done, true);
  assert.ok(events.filter((e) => 'token' in e).length > 1, 'tokens arrive one by one through both tiers');
  await upstream.control({});

  const stats = await call(orchestrator.url, 'GET', '/v1/stats');
  assert.equal(stats.body.vps_available, true);
  assert.equal(typeof stats.body.vps_response_time_ms, 'number');
});

test('a backend that fails opens the orchestrator\'s circuit and /health turns 503', async () => {
  await upstream.control({ fail: Array.from({ length: 8 }, () => ({ status: 500 })) });
  let last;
  for (let i = 0; i < 6; i++) {
    last = await call(orchestrator.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'x', language: 'python' } });
  }
  assert.equal(last.status, 503);
  assert.equal(last.body.code, 'VPS_UNAVAILABLE');
  const health = await call(orchestrator.url, 'GET', '/health');
  assert.equal(health.status, 503);
  assert.equal(health.body.vps_available, false);
  await upstream.control({});
});
