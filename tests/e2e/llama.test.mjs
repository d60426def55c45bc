// The embedded llama.cpp provider over HTTP: a random-weight GGUF the test generates (with a
// real Llama vocabulary) served through /v1/chat/completions (plain, streamed, concurrent),
// /v1/embeddings and /v1/models, unloaded by /v1/unload and /v1/cleanup and loaded again on demand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startServer, call, newAccount } from './lib/server.mjs';

const MAKE = process.env.BRAINSTEM_MAKE_TEST_MODEL ?? new URL('../../build/tests/tools/make_test_model', import.meta.url).pathname;
const VOCAB = process.env.BRAINSTEM_VOCAB_DIR ?? join(homedir(), '.cache/brainstem/llama.cpp-nlc3.22.1/share/brainstem/vocab');

let srv, client, key, model;
before(async () => {
  model = join(mkdtempSync(join(tmpdir(), 'brainstem-gguf-')), 'tiny-llama.gguf');
  execFileSync(MAKE, ['--arch', 'llama', '--vocab', join(VOCAB, 'ggml-vocab-llama-spm.gguf'), '--out', model]);
  srv = await startServer({
    config: `[limits]\nmodel_idle_minutes = 60\n\n[[models]]\nid = "tiny-llama"\nprovider = "llama"\npath = "${model}"\ncontext_size = 2048\nslots = 4\nthreads = 1\n`,
  });
  const a = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'local' } })).body.data.key;
  client = new OpenAI({ apiKey: key, baseURL: `${srv.url}/v1`, maxRetries: 0 });
});
after(async () => { await srv.cleanup(); });

test('the local model is listed as loaded with its memory', async () => {
  const r = await call(srv.url, 'GET', '/v1/models');
  const m = r.body.models.find((x) => x.id === 'tiny-llama');
  assert.equal(m.provider, 'llama');
  assert.equal(m.loaded, true);
  assert.ok(m.memory_mb > 1);
  assert.equal(m.context_size, 512, 'per-slot context: 2048 over 4 slots');
  assert.deepEqual((await call(srv.url, 'GET', '/health')).body.models_loaded, ['tiny-llama']);
  assert.equal((await call(srv.url, 'GET', '/v1/stats')).body.models_loaded, 1);
});

test('chat completion with exact usage; the same seed gives the same text', async () => {
  const ask = () => client.chat.completions.create({
    model: 'tiny-llama', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 12, seed: 7, temperature: 0.8,
  });
  const a = await ask();
  const b = await ask();
  assert.equal(a.choices[0].finish_reason, 'length');
  assert.equal(a.usage.completion_tokens, 12);
  assert.ok(a.usage.prompt_tokens > 3);
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
  // The second time, the prompt came from the slot's cache: all but the token that starts the answer.
  assert.equal(a.usage.prompt_tokens_details.cached_tokens, 0);
  assert.equal(b.usage.prompt_tokens_details.cached_tokens, b.usage.prompt_tokens - 1);
});

test('streaming and concurrent requests', async () => {
  const stream = await client.chat.completions.create({ model: 'tiny-llama', messages: [{ role: 'user', content: 'Count' }], max_tokens: 16, stream: true, temperature: 0 });
  let text = '';
  let chunks = 0;
  for await (const c of stream) { chunks++; text += c.choices[0]?.delta?.content ?? ''; }
  // The role chunk, content, and the finish chunk. Tokens that pile up while the response is
  // being written leave as one delta, so on a busy machine all of them may come in one chunk.
  assert.ok(chunks >= 3, `${chunks} chunks`);
  assert.ok(text.length > 0);
  const plain = await client.chat.completions.create({ model: 'tiny-llama', messages: [{ role: 'user', content: 'Count' }], max_tokens: 16, temperature: 0 });
  assert.equal(text, plain.choices[0].message.content, 'greedy stream and plain agree');

  const many = await Promise.all([1, 2, 3, 4].map((i) => client.chat.completions.create({
    model: 'tiny-llama', messages: [{ role: 'user', content: `question ${i}` }], max_tokens: 10, temperature: 0,
  })));
  // Batched together, float sums differ from a lone run, so a random-weight model may reach
  // end-of-generation early: each reply must still be whole and its usage must say how it ended.
  for (const r of many) {
    const n = r.usage.completion_tokens;
    assert.ok(n >= 1 && n <= 10, `completion_tokens ${n}`);
    const finish = r.choices[0].finish_reason;
    assert.ok(n < 10 ? finish === 'stop' : ['length', 'stop'].includes(finish), `${n} tokens, finish ${finish}`);
  }
});

test('embeddings from the local model are unit vectors', async () => {
  const r = await client.embeddings.create({ model: 'tiny-llama', input: ['alpha', 'beta'] });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[0].embedding.length, 64);
  assert.ok(Math.abs(Math.hypot(...r.data[0].embedding) - 1) < 1e-4);
  assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
});

test('unload frees the model; the next request loads it again; cleanup keeps a model used recently', async () => {
  const u = await call(srv.url, 'POST', '/v1/unload/tiny-llama', { apiKey: key });
  assert.equal(u.status, 200);
  assert.equal(u.body.unloaded, true);
  assert.ok(u.body.memory_freed_mb > 1);
  let loaded = true;
  for (let i = 0; i < 50 && loaded; i++) {
    loaded = (await call(srv.url, 'GET', '/v1/models')).body.models[0].loaded;
    if (loaded) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(loaded, false);
  assert.deepEqual((await call(srv.url, 'GET', '/health')).body.models_loaded, []);
  const again = await client.chat.completions.create({ model: 'tiny-llama', messages: [{ role: 'user', content: 'back?' }], max_tokens: 4 });
  assert.equal(again.usage.completion_tokens, 4);
  assert.equal((await call(srv.url, 'GET', '/v1/models')).body.models[0].loaded, true);

  assert.equal((await call(srv.url, 'POST', '/v1/unload/missing', { apiKey: key })).status, 404);
  // The model answered just now: with model_idle_minutes = 60 it is not idle, and cleanup keeps
  // it (the idle rule itself, busy models included, is unit-tested in router_test.cpp).
  const c = await call(srv.url, 'POST', '/v1/cleanup', { apiKey: key });
  assert.equal(c.status, 200);
  assert.deepEqual(c.body, { models_unloaded: [], memory_freed_mb: 0 });
  assert.equal((await call(srv.url, 'GET', '/v1/models')).body.models[0].loaded, true);
});

test('the idle timer unloads a model nobody used for model_idle_minutes, and the next request loads it again', async () => {
  const idle = await startServer({
    config: `[limits]\nmodel_idle_minutes = 0.01\n\n[[models]]\nid = "tiny-llama"\nprovider = "llama"\npath = "${model}"\ncontext_size = 512\nslots = 1\nthreads = 1\n`,
  });
  try {
    const a = await newAccount(idle.url);
    const idleKey = (await call(idle.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'idle' } })).body.data.key;
    const loaded = async () => (await call(idle.url, 'GET', '/v1/models')).body.models[0].loaded;
    // 0.01 minutes is 600 ms: the timer finds the model idle and unloads it, with no request.
    const deadline = Date.now() + 20000;
    while (await loaded()) {
      if (Date.now() > deadline) throw new Error('the idle model was never unloaded');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(idle.logs(), /unloaded idle model tiny-llama/);
    const local = new OpenAI({ apiKey: idleKey, baseURL: `${idle.url}/v1`, maxRetries: 0 });
    const again = await local.chat.completions.create({ model: 'tiny-llama', messages: [{ role: 'user', content: 'wake up' }], max_tokens: 3 });
    assert.equal(again.usage.completion_tokens, 3, 'the request loaded it again and was answered');
  } finally {
    await idle.cleanup();
  }
});
