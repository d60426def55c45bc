// The model router over HTTP: Cerebrum completion routed by language (plain and SSE), the
// Cendriix model router with fallbacks and cost ceilings, circuit breakers opening and showing
// in /v1/model-router/health and X-Circuit-State, and load shedding (429 RATE_LIMIT).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let primary, backup, srv, key, token;
before(async () => {
  primary = await startFakeUpstream();
  backup = await startFakeUpstream();
  srv = await startServer({
    config: `
[limits]
max_concurrent_generations = 2

[[models]]
id = "qwen_7b"
provider = "openai"
base_url = "${primary.url}/v1"
languages = ["python", "javascript", "typescript"]
task_types = ["code_generation", "general"]
price_in_per_1k = 0.5
price_out_per_1k = 1.5
max_retries = 0

[[models]]
id = "codellama_7b"
provider = "openai"
base_url = "${backup.url}/v1"
languages = ["rust", "c", "cpp", "go"]
task_types = ["code_generation"]
max_retries = 0

[[models]]
id = "generalist"
provider = "openai"
base_url = "${backup.url}/v1"
task_types = ["general", "summarisation"]
price_in_per_1k = 0.01
price_out_per_1k = 0.02
max_retries = 0
`,
  });
  const a = await newAccount(srv.url);
  token = a.token;
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token, body: { name: 'router' } })).body.data.key;
});
after(async () => { await srv.cleanup(); primary.stop(); backup.stop(); });

test('Cerebrum /v1/complete routes by language and answers the seed shape', async () => {
  await primary.control({});
  await backup.control({});
  const py = await call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'def fibonacci(n):', language: 'python', max_tokens: 64 } });
  assert.equal(py.status, 200);
  assert.equal(py.body.model, 'qwen_7b');
  assert.equal(py.body.language, 'python');
  assert.equal(py.body.completion, 'echo: def fibonacci(n):');
  assert.ok(py.body.total_tokens > 0);
  assert.equal(typeof py.body.inference_time, 'number');
  assert.equal(py.headers.get('x-circuit-state'), 'closed');
  assert.equal((await primary.stats()).last_request.temperature, 0.4, 'the documented default temperature');

  const rs = await call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'fn main() {', language: 'Rust' } });
  assert.equal(rs.body.model, 'codellama_7b');

  const bad = await call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'x', language: 'python', temperature: 1.5 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, true);
  assert.equal(bad.body.code, 'INVALID_REQUEST');
  const missing = await call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'x' } });
  assert.equal(missing.status, 400);
  assert.match(missing.body.message, /language/);
});

test('Cerebrum /v1/complete/stream sends token events then done', async () => {
  await primary.control({ tokens_per_s: 200 });
  const r = await fetch(`${srv.url}/v1/complete/stream`, {
    method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'async def fetch():', language: 'python', max_tokens: 128 }),
  });
  assert.equal(r.status, 200);
  const events = (await r.text()).trim().split('\n\n').map((e) => JSON.parse(e.replace(/^data: /, '')));
  const tokens = events.filter((e) => 'token' in e);
  assert.equal(tokens.map((e) => e.token).join(''), 'echo: async def fetch():');
  assert.deepEqual(tokens.map((e) => e.total_tokens), tokens.map((_, i) => i + 1));
  const done = events.at(-1);
  assert.equal(done.done, true);
  assert.equal(done.model, 'qwen_7b');
  assert.equal(done.language, 'python');
  assert.equal(done.total_tokens, tokens.length);
  await primary.control({});
});

test('model router: policy, cost ceiling, fallback with usedFallback', async () => {
  await primary.control({});
  await backup.control({});
  const cheap = await call(srv.url, 'POST', '/v1/model-router/complete', { token, body: { prompt: 'summarise this', taskType: 'general', policyHint: 'cost' } });
  assert.equal(cheap.status, 200);
  assert.equal(cheap.body.modelId, 'generalist');
  assert.equal(cheap.body.usedFallback, false);
  assert.equal(cheap.body.provider, 'openai');
  assert.ok(cheap.body.estimatedCostUsd > 0);

  const capped = await call(srv.url, 'POST', '/v1/model-router/complete', { token, body: { prompt: 'x', taskType: 'code_generation', maxTokens: 1000, maxCostUsd: 0.0001 } });
  assert.equal(capped.status, 200);
  assert.equal(capped.body.modelId, 'codellama_7b', 'the priced model is over the ceiling; the unpriced one fits');

  await primary.control({ fail: [{ status: 503 }] });
  const fb = await call(srv.url, 'POST', '/v1/model-router/complete', { token, body: { prompt: 'write code', taskType: 'code_generation' } });
  assert.equal(fb.status, 200);
  assert.equal(fb.body.modelId, 'codellama_7b');
  assert.equal(fb.body.usedFallback, true);
  assert.equal(fb.body.response, 'echo: write code');

  const none = await call(srv.url, 'POST', '/v1/model-router/complete', { token, body: { prompt: 'x', taskType: 'classification' } });
  assert.equal(none.status, 400);
  assert.match(none.body.error.message, /no configured model serves task type 'classification'/);
  const badHint = await call(srv.url, 'POST', '/v1/model-router/complete', { token, body: { prompt: 'x', policyHint: 'vibes' } });
  assert.equal(badHint.status, 422);
  assert.ok(badHint.body.error.fieldErrors.policyHint);
});

test('a failing model\'s circuit opens after five failures and shows in health and headers', async () => {
  await primary.control({ fail: Array.from({ length: 6 }, () => ({ status: 500 })) });
  for (let i = 0; i < 5; i++) {
    const r = await call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'x', language: 'typescript' } });
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'VPS_UNAVAILABLE');
  }
  const health = await call(srv.url, 'GET', '/v1/model-router/health', { token });
  const qwen = health.body.models.find((m) => m.modelId === 'qwen_7b');
  assert.equal(qwen.state, 'open');
  assert.equal(qwen.consecutiveFailures, 5);
  const callsBefore = (await primary.stats()).chat_calls;
  const refused = await call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'x', language: 'typescript' } });
  assert.equal(refused.status, 503);
  assert.match(refused.body.message, /circuit open/);
  assert.equal((await primary.stats()).chat_calls, callsBefore, 'an open circuit sends nothing upstream');
  // Routing falls back past the open circuit where another model fits.
  const general = await call(srv.url, 'POST', '/v1/model-router/complete', { token, body: { prompt: 'x', taskType: 'general' } });
  assert.equal(general.body.modelId, 'generalist');
  assert.equal(general.body.usedFallback, true);
  assert.equal(general.headers.get('x-circuit-model'), 'qwen_7b', 'the header reports the first choice, skipped');
  assert.equal(general.headers.get('x-circuit-state'), 'open');
  const heat = await call(srv.url, 'GET', '/v1/model-router/routing-health', { token });
  assert.ok(heat.body.cells.some((c) => c.modelId === 'qwen_7b' && c.tier === 'C' && c.circuitState === 'open'));
  await primary.control({});
});

test('X-Circuit-State follows the first-choice model through closed, open, half-open with one probe, and closed again', async () => {
  const first = await startFakeUpstream();
  const second = await startFakeUpstream();
  const circuits = await startServer({ config: `
[routing]
circuit_failure_threshold = 2
circuit_open_ms = 400

[[models]]
id = "first"
provider = "openai"
base_url = "${first.url}/v1"
task_types = ["general"]
max_retries = 0

[[models]]
id = "second"
provider = "openai"
base_url = "${second.url}/v1"
task_types = ["general"]
max_retries = 0
` });
  try {
    const owner = await newAccount(circuits.url);
    const ask = () => call(circuits.url, 'POST', '/v1/model-router/complete', { token: owner.token, body: { prompt: 'x', taskType: 'general' } });
    const seen = (r) => [r.body.modelId, r.headers.get('x-circuit-model'), r.headers.get('x-circuit-state')];
    assert.deepEqual(seen(await ask()), ['first', 'first', 'closed']);

    await first.control({ fail: [{ status: 500 }, { status: 500 }] });
    assert.deepEqual(seen(await ask()), ['second', 'first', 'closed'], 'one failure is below the threshold');
    assert.deepEqual(seen(await ask()), ['second', 'first', 'open'], 'the second failure opens it');
    const callsWhileOpen = (await first.stats()).chat_calls;
    const skipped = await ask();
    assert.deepEqual(seen(skipped), ['second', 'first', 'open']);
    assert.equal(skipped.body.usedFallback, true);
    assert.equal((await first.stats()).chat_calls, callsWhileOpen, 'nothing is sent to an open circuit');

    const deadline = Date.now() + 20000;
    for (;;) {
      const health = await call(circuits.url, 'GET', '/v1/model-router/health', { token: owner.token });
      if (health.body.models.find((m) => m.modelId === 'first').state === 'half_open') break;
      if (Date.now() > deadline) throw new Error('the circuit never showed half-open');
      await new Promise((res) => setTimeout(res, 50));
    }
    // Half open: one probe goes to the first model while the others fall back.
    await first.control({ latency_ms: 300 });
    const replies = await Promise.all([ask(), ask(), ask()]);
    assert.equal(replies.filter((r) => r.body.modelId === 'first').length, 1, JSON.stringify(replies.map(seen)));
    assert.equal((await first.stats()).chat_calls, callsWhileOpen + 1, 'a single probe');
    await first.control({});
    assert.deepEqual(seen(await ask()), ['first', 'first', 'closed'], 'the probe succeeded: closed again');
  } finally {
    await circuits.cleanup();
    first.stop();
    second.stop();
  }
});

test('short of memory, every generation is refused with 503 RESOURCE_EXHAUSTED in its family\'s format', async () => {
  const upstream = await startFakeUpstream();
  const starved = await startServer({ config: `
[limits]
min_free_memory_mb = 1000000000

[[models]]
id = "any"
provider = "openai"
base_url = "${upstream.url}/v1"
languages = ["python"]
` });
  try {
    const owner = await newAccount(starved.url);
    const apiKey = (await call(starved.url, 'POST', '/v1/api-keys', { token: owner.token, body: { name: 'starved' } })).body.data.key;
    const complete = await call(starved.url, 'POST', '/v1/complete', { apiKey, body: { prompt: 'x', language: 'python' } });
    assert.equal(complete.status, 503, complete.text);
    assert.equal(complete.body.code, 'RESOURCE_EXHAUSTED');
    assert.equal(complete.body.error, true);
    assert.equal(complete.headers.get('retry-after'), '1');
    const openai = await call(starved.url, 'POST', '/v1/chat/completions', { apiKey, body: { model: 'any', messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(openai.status, 503, openai.text);
    assert.match(openai.body.error.message, /resources exhausted/);
    const routed = await call(starved.url, 'POST', '/v1/model-router/complete', { token: owner.token, body: { prompt: 'x' } });
    assert.equal(routed.status, 503, routed.text);
    assert.equal((await upstream.stats()).chat_calls, 0, 'nothing reached the model');
    assert.equal((await call(starved.url, 'GET', '/health')).status, 200, 'only generations are refused');
  } finally {
    await starved.cleanup();
    upstream.stop();
  }
});

test('load shedding: past the configured concurrent generations, 429 RATE_LIMIT', async () => {
  await backup.control({ latency_ms: 600 });
  const slow = () => call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'x', language: 'go' } });
  const results = await Promise.all([slow(), slow(), slow(), slow()]);
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 429, 429]);
  const shed = results.find((r) => r.status === 429);
  assert.equal(shed.body.code, 'RATE_LIMIT');
  assert.ok(Number(shed.headers.get('retry-after')) >= 1);
  await backup.control({});
  const after = await call(srv.url, 'POST', '/v1/complete', { apiKey: key, body: { prompt: 'x', language: 'go' } });
  assert.equal(after.status, 200, 'slots are released when generations end');
});
