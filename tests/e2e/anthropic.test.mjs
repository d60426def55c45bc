// The Anthropic Messages API driven by the official @anthropic-ai/sdk, through brainstem, to
// the fake OpenAI-compatible upstream: plain, streamed, tool use, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let upstream, srv, client;
before(async () => {
  upstream = await startFakeUpstream();
  srv = await startServer({ config: `[[models]]\nid = "claude-local"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\n` });
  const a = await newAccount(srv.url);
  const key = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'sdk' } })).body.data.key;
  client = new Anthropic({ apiKey: key, baseURL: srv.url, maxRetries: 0 });
});
after(async () => { await srv.cleanup(); upstream.stop(); });

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
