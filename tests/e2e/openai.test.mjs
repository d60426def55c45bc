// The OpenAI surface driven by the official `openai` SDK, through brainstem, to the fake
// upstream: plain and streamed chat, usage, tool calls, embeddings, models, errors, retries,
// and a client that leaves mid-stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let upstream, srv, client, key, token;
before(async () => {
  upstream = await startFakeUpstream();
  srv = await startServer({
    config: `[[models]]\nid = "fixed-model"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\n\n` +
            `[[models]]\nid = "fast-model"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\nupstream_model = "fake"\nmax_retries = 0\n`,
  });
  const a = await newAccount(srv.url);
  token = a.token;
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'sdk' } })).body.data.key;
  client = new OpenAI({ apiKey: key, baseURL: `${srv.url}/v1`, maxRetries: 0 });
});
after(async () => { await srv.cleanup(); upstream.stop(); });

test('chat completion through the SDK', async () => {
  await upstream.control({});
  const r = await client.chat.completions.create({
    model: 'fixed-model', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }], temperature: 0.2, max_tokens: 50,
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'fixed-model');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.choices[0].message.content, 'echo: hello there');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.ok(r.usage.prompt_tokens > 0);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  const sent = (await upstream.stats()).last_request;
  assert.equal(sent.model, 'fixed-model');
  assert.equal(sent.temperature, 0.2);
  assert.equal(sent.max_tokens, 50);
  assert.deepEqual(sent.messages.map((m) => m.role), ['system', 'user']);
});

test('the upstream model name can differ from the configured id', async () => {
  await client.chat.completions.create({ model: 'fast-model', messages: [{ role: 'user', content: 'x' }] });
  assert.equal((await upstream.stats()).last_request.model, 'fake');
});

test('streamed chat: deltas add up, then the usage chunk and [DONE]', async () => {
  await upstream.control({ tokens_per_s: 200 });
  const stream = await client.chat.completions.create({
    model: 'fixed-model', messages: [{ role: 'user', content: 'one two three four' }], stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let finish = null;
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    if (c.choices.length) {
      text += c.choices[0].delta.content ?? '';
      finish = c.choices[0].finish_reason ?? finish;
    }
    if (c.usage) usage = c.usage;
  }
  assert.equal(text, 'echo: one two three four');
  assert.equal(finish, 'stop');
  assert.ok(chunks >= 6, `got ${chunks} chunks`);
  assert.ok(usage && usage.completion_tokens === 5);
  await upstream.control({});
});

test('raw SSE framing ends with data: [DONE]', async () => {
  const r = await fetch(`${srv.url}/v1/chat/completions`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'fixed-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/event-stream');
  const body = await r.text();
  assert.match(body, /^data: \{"id":"chatcmpl-/);
  assert.ok(body.endsWith('data: [DONE]\n\n'));
});

test('tool calls, plain and streamed', async () => {
  await upstream.control({ tool_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const r = await client.chat.completions.create({ model: 'fixed-model', messages: [{ role: 'user', content: 'weather?' }], tools });
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  assert.equal(r.choices[0].message.tool_calls[0].function.name, 'get_weather');
  assert.equal(r.choices[0].message.tool_calls[0].function.arguments, '{"city":"Paris"}');
  assert.equal((await upstream.stats()).last_request.tools[0].function.name, 'get_weather');

  const runner = client.beta.chat.completions.stream({ model: 'fixed-model', messages: [{ role: 'user', content: 'weather?' }], tools });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.tool_calls[0].function.arguments, '{"city":"Paris"}');

  // The tool result goes back as a tool message.
  const followUp = await client.chat.completions.create({
    model: 'fixed-model', tools,
    messages: [{ role: 'user', content: 'weather?' }, r.choices[0].message, { role: 'tool', tool_call_id: 'call_fake1', content: '18C sunny' }],
  });
  assert.equal(followUp.choices[0].message.content, 'echo: weather?');
  const sent = (await upstream.stats()).last_request;
  assert.equal(sent.messages[2].tool_call_id, 'call_fake1');
  assert.equal(sent.messages[1].tool_calls[0].function.name, 'get_weather');
  await upstream.control({});
});

test('embeddings through the SDK (base64 by default) and as floats', async () => {
  const r = await client.embeddings.create({ model: 'fixed-model', input: ['alpha', 'beta'] });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[0].embedding.length, 8);
  const norm = Math.hypot(...r.data[0].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-5);
  const floats = await client.embeddings.create({ model: 'fixed-model', input: 'alpha', encoding_format: 'float' });
  floats.data[0].embedding.forEach((x, i) => assert.ok(Math.abs(x - r.data[0].embedding[i]) < 1e-6));
});

test('models list carries both OpenAI and Cerebrum shapes', async () => {
  const list = await client.models.list();
  const ids = [];
  for await (const m of list) ids.push(m.id);
  assert.deepEqual(ids, ['fixed-model', 'fast-model']);
  const raw = await call(srv.url, 'GET', '/v1/models');
  assert.equal(raw.body.object, 'list');
  assert.equal(raw.body.models[0].provider, 'openai');
});

test('errors: unknown model 404, bad request 400 naming the param, no key 401', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && /does not exist/.test(e.message));
  await assert.rejects(client.chat.completions.create({ model: 'fixed-model', messages: [] }),
    (e) => e.status === 400 && e.error.param === 'messages');
  await assert.rejects(client.chat.completions.create({ model: 'fixed-model', messages: [{ role: 'user', content: 'x' }], temperature: 5 }),
    (e) => e.status === 400 && e.error.param === 'temperature');
  const anonymous = new OpenAI({ apiKey: 'sk_live_' + 'x'.repeat(40), baseURL: `${srv.url}/v1`, maxRetries: 0 });
  await assert.rejects(anonymous.chat.completions.create({ model: 'fixed-model', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 401);
});

test('upstream 5xx and 429 are retried with backoff; a 400 is passed on; retries can be off', async () => {
  await upstream.control({});
  const before = (await upstream.stats()).chat_calls;
  await upstream.control({ fail: [{ status: 503 }, { status: 429, retry_after: 1 }] });
  const started = Date.now();
  const r = await client.chat.completions.create({ model: 'fixed-model', messages: [{ role: 'user', content: 'persist' }] });
  assert.equal(r.choices[0].message.content, 'echo: persist');
  assert.equal((await upstream.stats()).chat_calls - before, 3);
  assert.ok(Date.now() - started >= 1000, 'Retry-After was honoured');

  await upstream.control({ fail: [{ status: 400 }] });
  await assert.rejects(client.chat.completions.create({ model: 'fixed-model', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 400 && /injected 400/.test(e.message));

  await upstream.control({ fail: [{ status: 500 }] });
  await assert.rejects(client.chat.completions.create({ model: 'fast-model', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 503);
  await upstream.control({});
});

test('a stream that breaks upstream ends with an error event; a client that leaves stops the upstream', async () => {
  await upstream.control({ break_stream_after: 2 });
  const r = await fetch(`${srv.url}/v1/chat/completions`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'fixed-model', messages: [{ role: 'user', content: 'a b c d e f' }], stream: true }),
  });
  const body = await r.text();
  assert.match(body, /"error":\{"message":"upstream/);

  await upstream.control({ break_stream_after: -1, tokens_per_s: 20, reply: 'w '.repeat(200) });
  const before = (await upstream.stats()).streams_aborted;
  const failuresOf = async () => (await call(srv.url, 'GET', '/v1/model-router/health', { apiKey: key })).body.models
    .find((m) => m.modelId === 'fixed-model').failures;
  const failuresBefore = await failuresOf();
  const controller = new AbortController();
  const res = await fetch(`${srv.url}/v1/chat/completions`, {
    method: 'POST', signal: controller.signal, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'fixed-model', messages: [{ role: 'user', content: 'long' }], stream: true }),
  });
  const reader = res.body.getReader();
  await reader.read();
  controller.abort();
  let aborted = before;
  for (let i = 0; i < 60 && aborted === before; i++) {
    await new Promise((r2) => setTimeout(r2, 100));
    aborted = (await upstream.stats()).streams_aborted;
  }
  assert.equal(aborted, before + 1, 'the upstream stream was closed when the client left');
  assert.equal(await failuresOf(), failuresBefore, 'a client leaving is not the model\'s failure');
  await upstream.control({});
});

test('an upstream event that never ends is given up at 4 MiB, and the server goes on', async () => {
  await upstream.control({ endless_event_bytes: 12 << 20 });
  const before = (await upstream.stats()).streams_aborted;
  const r = await fetch(`${srv.url}/v1/chat/completions`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'fast-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
  });
  const body = await r.json();
  assert.ok(r.status >= 500, `${r.status}`);
  assert.match(body.error.message, /stream event exceeds 4194304 bytes/);
  let aborted = before;
  for (let i = 0; i < 60 && aborted === before; i++) {
    await new Promise((r2) => setTimeout(r2, 50));
    aborted = (await upstream.stats()).streams_aborted;
  }
  assert.equal(aborted, before + 1, 'brainstem closed the upstream stream before its end');
  await upstream.control({});
  const ok = await client.chat.completions.create({ model: 'fast-model', messages: [{ role: 'user', content: 'still here' }] });
  assert.equal(ok.choices[0].message.content, 'echo: still here');
});

test('revoking a key ends a stream that is using it', async () => {
  const doomed = (await call(srv.url, 'POST', '/v1/api-keys', { token, body: { name: 'doomed' } })).body.data;
  await upstream.control({ tokens_per_s: 20, reply: 'word '.repeat(100) });
  const r = await fetch(`${srv.url}/v1/chat/completions`, {
    method: 'POST', headers: { Authorization: `Bearer ${doomed.key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'fixed-model', messages: [{ role: 'user', content: 'talk' }], stream: true }),
  });
  assert.equal(r.status, 200);
  const reader = r.body.getReader();
  await reader.read();
  const abortedBefore = (await upstream.stats()).streams_aborted;
  assert.equal((await call(srv.url, 'DELETE', `/v1/api-keys/${doomed.id}`, { token })).status, 200);
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += Buffer.from(value).toString();
  }
  assert.match(rest, /"message":"API key has been revoked"/);
  assert.doesNotMatch(rest, /"finish_reason":"stop"/, 'the reply never finished');
  assert.ok((rest.match(/"content":"word /g) ?? []).length < 100, 'the reply was cut short, not sent whole');
  // The revocation ended the generation itself: brainstem closed the upstream stream early.
  const deadline = Date.now() + 10000;
  let aborted = abortedBefore;
  while (aborted === abortedBefore) {
    if (Date.now() > deadline) assert.fail('the upstream stream was never closed');
    await new Promise((r2) => setTimeout(r2, 20));
    aborted = (await upstream.stats()).streams_aborted;
  }
  assert.equal(aborted, abortedBefore + 1, 'the upstream stream was closed before its end');
  await upstream.control({});
});
