// The Anthropic Messages API driven by the official @anthropic-ai/sdk, through brainstem, to
// the fake OpenAI-compatible upstream: plain, streamed, tool use, errors. Then the anthropic
// provider: brainstem calling an Anthropic-speaking upstream, from both API families.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let upstream, remote, srv, client, key;
before(async () => {
  upstream = await startFakeUpstream();
  remote = await startFakeUpstream();
  srv = await startServer({
    config: `
[[models]]
id = "claude-local"
provider = "openai"
base_url = "${upstream.url}/v1"

[[models]]
id = "claude-remote"
provider = "anthropic"
base_url = "${remote.url}/v1"
api_key_env = "TEST_ANTHROPIC_KEY"
upstream_model = "claude-sonnet-test"
max_retries = 1
`,
    env: { TEST_ANTHROPIC_KEY: 'sk-ant-test-secret' },
  });
  const a = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'sdk' } })).body.data.key;
  client = new Anthropic({ apiKey: key, baseURL: srv.url, maxRetries: 0 });
});
after(async () => { await srv.cleanup(); upstream.stop(); remote.stop(); });

test('a message through the SDK, with the system prompt passed on', async () => {
  await upstream.control({});
  const m = await client.messages.create({
    model: 'claude-local', max_tokens: 64, system: 'You are terse.', messages: [{ role: 'user', content: 'hello anthropic' }],
  });
  assert.equal(m.type, 'message');
  assert.equal(m.role, 'assistant');
  assert.match(m.id, /^msg_/);
  assert.deepEqual(m.content, [{ type: 'text', text: 'echo: hello anthropic' }]);
  assert.equal(m.stop_reason, 'end_turn');
  assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
  const sent = (await upstream.stats()).last_request;
  assert.deepEqual(sent.messages.map((x) => [x.role, x.content]), [['system', 'You are terse.'], ['user', 'hello anthropic']]);
  assert.equal(sent.max_tokens, 64);
});

test('streaming: text deltas and the final message', async () => {
  await upstream.control({ tokens_per_s: 200 });
  const stream = client.messages.stream({ model: 'claude-local', max_tokens: 64, messages: [{ role: 'user', content: 'stream me please' }] });
  let text = '';
  stream.on('text', (t) => { text += t; });
  const final = await stream.finalMessage();
  assert.equal(text, 'echo: stream me please');
  assert.equal(final.content[0].text, 'echo: stream me please');
  assert.equal(final.stop_reason, 'end_turn');
  assert.ok(final.usage.output_tokens > 0);
  await upstream.control({});
});

test('tool use, plain and streamed, and the tool result round trip', async () => {
  await upstream.control({ tool_call: { name: 'lookup_order', arguments: '{"order":"1234"}' } });
  const tools = [{ name: 'lookup_order', description: 'Order status', input_schema: { type: 'object', properties: { order: { type: 'string' } } } }];
  const m = await client.messages.create({ model: 'claude-local', max_tokens: 64, tools, messages: [{ role: 'user', content: 'where is 1234?' }] });
  assert.equal(m.stop_reason, 'tool_use');
  const use = m.content.find((b) => b.type === 'tool_use');
  assert.equal(use.name, 'lookup_order');
  assert.deepEqual(use.input, { order: '1234' });
  assert.deepEqual((await upstream.stats()).last_request.tools[0].function.parameters.properties.order, { type: 'string' });

  const streamed = await client.messages.stream({ model: 'claude-local', max_tokens: 64, tools, messages: [{ role: 'user', content: 'where is 1234?' }] }).finalMessage();
  assert.deepEqual(streamed.content.find((b) => b.type === 'tool_use').input, { order: '1234' });

  const answer = await client.messages.create({
    model: 'claude-local', max_tokens: 64, tools,
    messages: [{ role: 'user', content: 'where is 1234?' }, { role: 'assistant', content: m.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'shipped' }] }],
  });
  assert.equal(answer.stop_reason, 'end_turn');
  const sent = (await upstream.stats()).last_request.messages;
  assert.equal(sent.find((x) => x.role === 'tool').content, 'shipped');
  assert.equal(sent.find((x) => x.role === 'tool').tool_call_id, use.id);
  await upstream.control({});
});

test('errors in Anthropic\'s shape', async () => {
  await assert.rejects(client.messages.create({ model: 'claude-local', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 400 && e.error.type === 'error' && e.error.error.type === 'invalid_request_error');
  await assert.rejects(client.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && e.error.error.type === 'not_found_error');
  const bad = new Anthropic({ apiKey: 'sk_live_' + 'y'.repeat(40), baseURL: srv.url, maxRetries: 0 });
  await assert.rejects(bad.messages.create({ model: 'claude-local', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 401 && e.error.error.type === 'authentication_error');
});

test('anthropic provider: the SDK through brainstem to an Anthropic upstream, plain and streamed', async () => {
  await remote.control({});
  const m = await client.messages.create({
    model: 'claude-remote', max_tokens: 32, system: 'Be brief.', messages: [{ role: 'user', content: 'hello remote' }],
  });
  assert.deepEqual(m.content, [{ type: 'text', text: 'echo: hello remote' }]);
  assert.equal(m.stop_reason, 'end_turn');
  assert.equal(m.model, 'claude-remote', 'the reply names the configured model');
  assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
  const { last_request: sent, last_headers: headers } = await remote.stats();
  assert.equal(sent.system, 'Be brief.', 'system messages travel in the system field');
  assert.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'hello remote' }] }]);
  assert.equal(sent.model, 'claude-sonnet-test');
  assert.equal(sent.max_tokens, 32);
  assert.equal(headers['x-api-key'], 'sk-ant-test-secret');
  assert.equal(headers['anthropic-version'], '2023-06-01');

  await remote.control({ tokens_per_s: 200 });
  let text = '';
  const stream = client.messages.stream({ model: 'claude-remote', max_tokens: 32, messages: [{ role: 'user', content: 'stream from remote' }] });
  stream.on('text', (t) => { text += t; });
  const final = await stream.finalMessage();
  assert.equal(text, 'echo: stream from remote');
  assert.equal(final.stop_reason, 'end_turn');
  assert.ok(final.usage.output_tokens > 0);
  assert.equal((await remote.stats()).last_request.stream, true);
  await remote.control({});
});

test('anthropic provider: tool use from the OpenAI family, plain and streamed, and the tool result', async () => {
  await remote.control({ tool_call: { name: 'lookup_order', arguments: '{"order":"77"}' } });
  const tools = [{ type: 'function', function: { name: 'lookup_order', description: 'Order status', parameters: { type: 'object', properties: { order: { type: 'string' } } } } }];
  const ask = [{ role: 'system', content: 'You track orders.' }, { role: 'user', content: 'where is 77?' }];
  const plain = await call(srv.url, 'POST', '/v1/chat/completions', { apiKey: key, body: { model: 'claude-remote', messages: ask, tools } });
  assert.equal(plain.status, 200, plain.text);
  const choice = plain.body.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.tool_calls[0].function.name, 'lookup_order');
  assert.deepEqual(JSON.parse(choice.message.tool_calls[0].function.arguments), { order: '77' });
  const sentTools = (await remote.stats()).last_request.tools;
  assert.deepEqual(sentTools[0].input_schema.properties.order, { type: 'string' });

  const streamed = await fetch(`${srv.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'claude-remote', messages: ask, tools, stream: true }),
  });
  const events = (await streamed.text()).split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
  const args = events.flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? []).map((c) => c.function?.arguments ?? '').join('');
  assert.deepEqual(JSON.parse(args), { order: '77' });
  assert.equal(events.findLast((e) => e.choices?.length)?.choices[0].finish_reason, 'tool_calls');

  const call1 = choice.message.tool_calls[0];
  const answered = await call(srv.url, 'POST', '/v1/chat/completions', {
    apiKey: key,
    body: { model: 'claude-remote', tools, messages: [...ask, { role: 'assistant', content: null, tool_calls: [call1] }, { role: 'tool', tool_call_id: call1.id, content: 'shipped' }] },
  });
  assert.equal(answered.status, 200, answered.text);
  assert.equal(answered.body.choices[0].finish_reason, 'stop');
  const sent = (await remote.stats()).last_request.messages;
  assert.deepEqual(sent[1], { role: 'assistant', content: [{ type: 'tool_use', id: call1.id, name: 'lookup_order', input: { order: '77' } }] });
  assert.deepEqual(sent[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: call1.id, content: 'shipped' }] });
  await remote.control({});
});

test('anthropic provider: an overloaded upstream is retried, a failing one reported', async () => {
  const before = (await remote.stats()).chat_calls;
  await remote.control({ fail: [{ status: 529 }] });
  const m = await client.messages.create({ model: 'claude-remote', max_tokens: 8, messages: [{ role: 'user', content: 'again' }] });
  assert.equal(m.content[0].text, 'echo: again');
  assert.equal((await remote.stats()).chat_calls, before + 2, 'one failure, one retry');

  await remote.control({ fail: [{ status: 500 }, { status: 500 }] });
  await assert.rejects(client.messages.create({ model: 'claude-remote', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status >= 500 && /injected 500/.test(e.error.error.message));
  await remote.control({ fail: [{ status: 400 }] });
  const bad = await call(srv.url, 'POST', '/v1/chat/completions', { apiKey: key, body: { model: 'claude-remote', messages: [{ role: 'user', content: 'x' }] } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /injected 400/);
  await remote.control({});
});
