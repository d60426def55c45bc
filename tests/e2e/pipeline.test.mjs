// The message pipeline over HTTP against the fake upstream: agents, Cortex /v1/chat and
// Cerebral /v1/cerebrals/:id/message (plain and SSE), session memory across turns, customer
// facts across sessions, the semantic cache (the upstream's call count proves a hit skipped the
// model), tool calls executed as webhooks, identity modes and locked keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let upstream, srv, account, key, agent, receiver;
const received = [];

// A local HTTP receiver standing in for a tenant's order API.
function startReceiver(handler) {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => handler(req, res, body));
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

async function createAgent(token, body) {
  const r = await call(srv.url, 'POST', '/v1/agents', { token, body });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

function chat(apiKey, body) {
  return call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${apiKey}` }, body });
}

before(async () => {
  upstream = await startFakeUpstream();
  receiver = await startReceiver((req, res, body) => {
    received.push({ method: req.method, url: req.url, headers: req.headers, body });
    if (req.url.startsWith('/slow')) return setTimeout(() => res.end('{}'), 3000);
    if (req.url.startsWith('/big')) {
      res.setHeader('Content-Type', 'application/json');
      return res.end(JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }));
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ status: 'shipped', eta: '2026-05-14' }));
  });
  srv = await startServer({
    config: `
[security]
allow_cidrs = "127.0.0.0/8"

[pipeline]
# Well under the /slow listener's 3 s, so that slow_lookup really times out.
action_timeout_ms = 1000

[[models]]
id = "fixed-model"
provider = "openai"
base_url = "${upstream.url}/v1"
price_in_per_1k = 0.5
price_out_per_1k = 1.5
max_retries = 0
`,
  });
  account = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/portal/api/keys', { token: account.token, body: { name: 'pipeline' } })).body.key;
  agent = await createAgent(account.token, {
    name: 'Support Agent',
    personality: { name: 'Friendly Professional' },
    system_prompt: 'You are {{ agent.name }} on {{ channel }}.{% if customer.name %} The customer is {{ customer.name }}.{% endif %}',
    faqs: [{ question: 'What are your business hours?', answer: 'Sunday to Thursday, 9 AM to 6 PM.' }],
    scenarios: [{ name: 'order_status_lookup', triggers: ['order'], instructions: 'Look the order up first.' }],
    actions: [
      { name: 'get_order_status', description: 'Look up an order by id', method: 'GET', webhook_url: receiver.url,
        path_template: '/orders/{order_id}', auth_type: 'bearer', auth_secret: 'store-secret-token',
        parameters_schema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } },
      { name: 'slow_lookup', webhook_url: `${receiver.url}/slow`, method: 'GET' },
      { name: 'big_lookup', webhook_url: `${receiver.url}/big`, method: 'GET' },
      { name: 'metadata_lookup', webhook_url: 'http://169.254.169.254/latest/meta-data', method: 'GET' },
    ],
  });
});
after(async () => { await srv.cleanup(); upstream.stop(); receiver.server.close(); });

test('agents: created, listed, shown as config with secrets removed, validated', async () => {
  assert.equal(agent.status, 'active');
  assert.equal(agent.action_definitions.length, 4);
  assert.ok(!JSON.stringify(agent).includes('store-secret-token'), 'the action credential is never shown');
  const cfg = await call(srv.url, 'GET', `/v1/agents/${agent.id}/config`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(cfg.status, 200);
  assert.equal(cfg.body.name, 'Support Agent');
  assert.equal(cfg.body.company_id, account.tenantId);
  assert.deepEqual(cfg.body.knowledge_source_ids, []);

  const bad = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'x', actions: [{ name: 'a b', webhook_url: 'ftp://x' }] } });
  assert.equal(bad.status, 422);
  assert.match(JSON.stringify(bad.body.detail), /actions\[0\]/);
  const badTemplate = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'x', system_prompt: '{% if %}' } });
  assert.equal(badTemplate.status, 422);

  const list = await call(srv.url, 'GET', '/v1/agents', { token: account.token });
  assert.ok(list.body.agents.some((a) => a.id === agent.id));
  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/agents/${agent.id}`, { token: other.token })).status, 404);
});

test('a config change applies to the very next message', async () => {
  const a = await createAgent(account.token, { name: 'Renamable' });
  const first = await call(srv.url, 'GET', `/v1/agents/${a.id}/config`, { token: account.token });
  assert.equal(first.body.name, 'Renamable');
  const patched = await call(srv.url, 'PATCH', `/v1/agents/${a.id}`, { token: account.token, body: { name: 'Renamed', token_budget: 2048 } });
  assert.equal(patched.status, 200, patched.text);
  const again = await call(srv.url, 'GET', `/v1/agents/${a.id}/config`, { token: account.token });
  assert.equal(again.body.name, 'Renamed');
  assert.equal(again.body.token_budget, 2048);
});

test('/v1/chat answers in the Cortex shape with step timings and metered tokens', async () => {
  await upstream.control({});
  const r = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: 'conv-shape', customer_id: 'cust_1', message: 'Hello there, how do refunds work?' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.reply, 'echo: Hello there, how do refunds work?');
  assert.equal(r.body.model_used, 'fixed-model');
  assert.equal(r.body.cached, false);
  assert.deepEqual(r.body.actions_executed, []);
  assert.ok(r.body.tokens.input > 0 && r.body.tokens.output > 0);
  assert.ok(r.body.tokens.cost_usd > 0);
  assert.ok(r.body.context_tokens.before_compression >= r.body.context_tokens.after_compression);
  for (const step of ['config_load', 'memory_recall', 'context_engine', 'token_optimizer', 'cache_check', 'model_router', 'agent_compiler']) {
    assert.equal(typeof r.body.step_timings[step], 'number', step);
  }
  assert.equal(r.body.step_timings.tool_call_rounds, 0);
  assert.equal(r.headers.get('x-budget-state'), 'ok');
  const sent = (await upstream.stats()).last_request;
  assert.match(sent.messages[0].content, /You are Support Agent on whatsapp\./, 'the template is rendered into the system message');
});

test('/v1/chat validates like Cortex and refuses another company', async () => {
  const missing = await chat(key, { company_id: account.tenantId, agent_id: agent.id, message: 'hi' });
  assert.equal(missing.status, 422);
  assert.ok(Array.isArray(missing.body.detail));
  const tooLong = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: 'c', customer_id: 'c', message: 'x'.repeat(16001) });
  assert.equal(tooLong.status, 422);
  const other = await chat(key, { company_id: '550e8400-e29b-41d4-a716-446655440000', agent_id: agent.id, conversation_id: 'c', customer_id: 'c', message: 'hi' });
  assert.equal(other.status, 403);
  const unknown = await chat(key, { company_id: account.tenantId, agent_id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', conversation_id: 'c', customer_id: 'c', message: 'hi' });
  assert.equal(unknown.status, 404);
});

test('a conversation recalls turn 1 at turn 5; the same session id on another agent is another conversation', async () => {
  await upstream.control({});
  const conv = `conv-recall-${Date.now()}`;
  const turns = ['My favourite colour is teal.', 'What time is it?', 'Tell me a joke.', 'And another one.', 'What is my favourite colour?'];
  for (const message of turns) {
    const r = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: conv, customer_id: 'cust_recall', message });
    assert.equal(r.status, 200, r.text);
  }
  const sent = (await upstream.stats()).last_request.messages;
  assert.ok(sent.some((m) => m.role === 'user' && m.content === turns[0]), 'turn 1 is in the prompt at turn 5');
  assert.ok(sent.some((m) => m.role === 'assistant' && m.content === `echo: ${turns[0]}`));

  const second = await createAgent(account.token, { name: 'Second' });
  await chat(key, { company_id: account.tenantId, agent_id: second.id, conversation_id: conv, customer_id: 'cust_recall', message: 'Do you know my colour?' });
  const fresh = (await upstream.stats()).last_request.messages;
  assert.ok(!fresh.some((m) => m.content === turns[0]), 'the other agent has its own session memory');
});

test('a fact said in one session is used in another; facts can be saved, queried and deleted', async () => {
  await upstream.control({});
  const customer = `cust_fact_${Date.now()}`;
  await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: `${customer}-a`, customer_id: customer, message: 'Hi, my name is Jane and I prefer email over phone calls.' });
  const saved = await call(srv.url, 'POST', `/v1/memory/${customer}/save`, { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId, fact: 'VIP since 2019', category: 'history', confidence: 0.9 } });
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.body.saved, true);

  await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: `${customer}-b`, customer_id: customer, message: 'Can you remind me what you know?' });
  const system = (await upstream.stats()).last_request.messages[0].content;
  assert.match(system, /Name is Jane/);
  assert.match(system, /Prefers email over phone calls/);
  assert.match(system, /VIP since 2019/);

  const facts = await call(srv.url, 'POST', `/v1/memory/${customer}`, { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId } });
  assert.equal(facts.status, 200);
  assert.equal(facts.body.fact_count, 3);
  const vip = facts.body.facts.find((f) => f.fact === 'VIP since 2019');
  assert.equal(vip.category, 'history');
  const del = await call(srv.url, 'DELETE', `/v1/memory/fact/${vip.fact_id ?? vip.id}`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(del.status, 200);
  assert.equal(del.body.deleted, true);
  const after = await call(srv.url, 'POST', `/v1/memory/${customer}`, { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId } });
  assert.equal(after.body.fact_count, 2);
  const other = await newAccount(srv.url);
  const otherKey = (await call(srv.url, 'POST', '/portal/api/keys', { token: other.token, body: { name: 'o' } })).body.key;
  const leak = await call(srv.url, 'POST', `/v1/memory/${customer}`, { headers: { Authorization: `Bearer ${otherKey}` }, body: { company_id: other.tenantId } });
  assert.equal(leak.body.fact_count, 0, 'another tenant sees none of these facts');
});

test('the semantic cache answers a repeated and a warmed question without calling the model', async () => {
  await upstream.control({});
  const base = { company_id: account.tenantId, agent_id: agent.id, customer_id: 'cust_cache' };
  const first = await chat(key, { ...base, conversation_id: `cache-1-${Date.now()}`, message: 'Do you ship to Alexandria?' });
  assert.equal(first.body.cached, false);
  const calls = (await upstream.stats()).chat_calls;
  const again = await chat(key, { ...base, conversation_id: `cache-2-${Date.now()}`, message: 'do you ship to alexandria' });
  assert.equal(again.status, 200);
  assert.equal(again.body.cached, true);
  assert.equal(again.body.reply, first.body.reply);
  assert.equal(again.body.tokens.cost_usd, 0);
  assert.equal((await upstream.stats()).chat_calls, calls, 'the model was not called');

  const warm = await call(srv.url, 'POST', '/v1/cache/warm', { headers: { Authorization: `Bearer ${key}` }, body: { ...base, customer_id: undefined, pairs: [{ question: 'Where are you located?', answer: 'Our office is at 123 Business St, Cairo.' }, { question: '' }] } });
  assert.equal(warm.status, 200, warm.text);
  assert.deepEqual([warm.body.pairs_stored, warm.body.pairs_errored, warm.body.pairs_total], [1, 1, 2]);
  const hit = await chat(key, { ...base, conversation_id: `cache-3-${Date.now()}`, message: 'Where are you located??' });
  assert.equal(hit.body.cached, true);
  assert.equal(hit.body.reply, 'Our office is at 123 Business St, Cairo.');
  assert.equal((await upstream.stats()).chat_calls, calls);

  const stats = await call(srv.url, 'GET', '/v1/cache/stats', { headers: { Authorization: `Bearer ${key}` } });
  assert.ok(stats.body.num_docs >= 2);
  const flushed = await call(srv.url, 'DELETE', `/v1/cache/flush?agent_id=${agent.id}`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(flushed.body.status, 'flushed');
  assert.ok(flushed.body.entries_deleted >= 2);
  const miss = await chat(key, { ...base, conversation_id: `cache-4-${Date.now()}`, message: 'Where are you located?' });
  assert.equal(miss.body.cached, false);
});

test('a tool call runs the agent action as a webhook with the stored credential and feeds the result back', async () => {
  received.length = 0;
  await upstream.control({ tool_call: { name: 'get_order_status', arguments: '{"order_id":"ORD-1234"}' } });
  const r = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: `tools-${Date.now()}`, customer_id: 'cust_t', message: 'Where is my order #ORD-1234?' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.actions_executed, ['get_order_status']);
  assert.equal(r.body.step_timings.tool_call_rounds, 1);
  assert.equal(received.length, 1);
  assert.equal(received[0].method, 'GET');
  assert.equal(received[0].url, '/orders/ORD-1234');
  assert.equal(received[0].headers.authorization, 'Bearer store-secret-token');
  const sent = (await upstream.stats()).last_request.messages;
  const toolMessage = sent.find((m) => m.role === 'tool');
  assert.match(toolMessage.content, /shipped/);
  await upstream.control({});
});

test('tools that time out, answer 2 MB, or point at the metadata address fail safely', async () => {
  received.length = 0;
  await upstream.control({ tool_call: { name: 'slow_lookup', arguments: '{}' } });
  const slow = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: `slow-${Date.now()}`, customer_id: 'c', message: 'slow one' });
  assert.equal(slow.status, 200, slow.text);
  assert.deepEqual(slow.body.actions_executed, ['slow_lookup'], 'the model called the slow tool');
  const slowHits = received.filter((r) => r.url.startsWith('/slow'));
  assert.equal(slowHits.length, 3, 'the slow listener was called, then retried twice after timing out');
  const slowTool = (await upstream.stats()).last_request.messages.find((m) => m.role === 'tool');
  assert.deepEqual(JSON.parse(slowTool.content), { error: 'timed out' }, 'the model is told the tool timed out');
  assert.equal(slow.body.reply, 'echo: slow one', 'the model still answers in text');

  await upstream.control({ tool_call: { name: 'big_lookup', arguments: '{}' } });
  const big = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: `big-${Date.now()}`, customer_id: 'c', message: 'big one' });
  assert.equal(big.status, 200, big.text);
  const bigTool = (await upstream.stats()).last_request.messages.find((m) => m.role === 'tool');
  assert.ok(bigTool.content.length <= 51 * 1024, 'the tool result is capped at 50 KB');
  assert.match(bigTool.content, /truncated/);

  await upstream.control({ tool_call: { name: 'metadata_lookup', arguments: '{}' } });
  const meta = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: `meta-${Date.now()}`, customer_id: 'c', message: 'metadata' });
  assert.equal(meta.status, 200);
  const metaTool = (await upstream.stats()).last_request.messages.find((m) => m.role === 'tool');
  assert.match(metaTool.content, /not allowed/);

  await upstream.control({ tool_call: { name: 'not_an_action', arguments: '{}' } });
  const unknown = await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: `unk-${Date.now()}`, customer_id: 'c', message: 'unknown tool' });
  assert.deepEqual(unknown.body.actions_executed, [], 'a tool the agent does not have never runs');
  await upstream.control({});
});

test('Cerebral invocation: envelope, sessions, identity modes, locked keys, draft agents', async () => {
  await upstream.control({});
  const mk = async (body) => (await call(srv.url, 'POST', '/v1/api-keys', { token: account.token, body: { name: 'k', ...body } })).body.data.key;
  const identified = await mk({});
  const r = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: identified, body: { message: 'What is the status of order #1234?', session_id: 'user-abc-123', metadata: { channel: 'web' } } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.success, true);
  assert.equal(r.body.data.session_id, 'user-abc-123');
  assert.match(r.body.data.execution_id, /^exec_/);
  assert.equal(r.body.data.metadata.model, 'fixed-model');
  assert.equal(r.body.data.metadata.sop_matched, 'order_status_lookup');
  assert.ok(r.body.data.metadata.tokens_used > 0);

  const required = await mk({ identity_mode: 'required' });
  const refused = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: required, body: { message: 'hi' } });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.success, false);
  const withIdentity = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: required, body: { message: 'hi', identity: { email: 'jane@example.com', name: 'Jane Doe' } } });
  assert.equal(withIdentity.status, 200, withIdentity.text);
  assert.match(withIdentity.body.data.customer_id, /^cust_/);
  assert.match((await upstream.stats()).last_request.messages[0].content, /The customer is Jane Doe/);

  const other = await createAgent(account.token, { name: 'Other' });
  const locked = await mk({ cerebral_id: other.id });
  const wrong = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: locked, body: { message: 'hi' } });
  assert.equal(wrong.status, 403);

  const draft = await createAgent(account.token, { name: 'Draft', status: 'draft' });
  const d = await call(srv.url, 'POST', `/v1/cerebrals/${draft.id}/message`, { apiKey: identified, body: { message: 'hi' } });
  assert.equal(d.status, 404);

  const stranger = await newAccount(srv.url);
  const strangerKey = (await call(srv.url, 'POST', '/v1/api-keys', { token: stranger.token, body: { name: 's' } })).body.data.key;
  const foreign = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: strangerKey, body: { message: 'hi' } });
  assert.equal(foreign.status, 403);
  const jwt = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { token: account.token, body: { message: 'hi' } });
  assert.equal(jwt.status, 401, 'Cerebral invocation takes API keys, never JWTs');
});

test('streams: token events then a done event with the same metadata', async () => {
  await upstream.control({});
  const res = await fetch(`${srv.url}/v1/chat`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ company_id: account.tenantId, agent_id: agent.id, conversation_id: `stream-${Date.now()}`, customer_id: 'c', message: 'stream me please', stream: true }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const text = await res.text();
  const events = text.trim().split('\n\n').map((block) => {
    const [eventLine, dataLine] = block.split('\n');
    return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) };
  });
  const tokens = events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
  assert.equal(tokens, 'echo: stream me please');
  const done = events.at(-1);
  assert.equal(done.event, 'done');
  assert.equal(done.data.reply, 'echo: stream me please');
  assert.equal(done.data.model_used, 'fixed-model');

  const cerebral = await fetch(`${srv.url}/v1/cerebrals/${agent.id}/message`, {
    method: 'POST',
    headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: 'stream cerebral', stream: true }),
  });
  const ctext = await cerebral.text();
  assert.match(ctext, /event: token/);
  assert.match(ctext, /event: done\ndata: \{"success":true,"data":\{"message":"echo: stream cerebral"/);
});

test('customers: upsert by email, phone and external id; E.164 enforced; tenant-scoped', async () => {
  const created = await call(srv.url, 'POST', '/v1/customers', { token: account.token, body: { email: 'Jane@Example.com', name: 'Jane Doe', metadata: { plan: 'pro' }, tags: ['vip'] } });
  assert.ok([200, 201].includes(created.status), created.text);
  const id = created.body.data.id;
  const merged = await call(srv.url, 'POST', '/v1/customers', { token: account.token, body: { email: 'jane@example.com', phone: '+15551234567', external_id: 'shopify_cust_123' } });
  assert.equal(merged.body.data.id, id, 'the same email is the same customer');
  const got = await call(srv.url, 'GET', `/v1/customers/${id}`, { token: account.token });
  assert.equal(got.body.data.phone, '+15551234567');
  assert.deepEqual(got.body.data.tags, ['vip']);
  assert.deepEqual(got.body.data.metadata, { plan: 'pro' });
  const byExternal = await call(srv.url, 'POST', '/v1/customers', { token: account.token, body: { external_id: 'shopify_cust_123', name: 'Jane D.' } });
  assert.equal(byExternal.body.data.id, id);
  const bad = await call(srv.url, 'POST', '/v1/customers', { token: account.token, body: { phone: '555-1234' } });
  assert.equal(bad.body.success, false);
  assert.ok(bad.status === 400 || bad.status === 422);
  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/customers/${id}`, { token: other.token })).status, 404);
});

test('usage is metered per tenant, key and model for pipeline and OpenAI calls alike', async () => {
  await upstream.control({});
  const before = (await call(srv.url, 'GET', '/v1/metering/usage', { token: account.token })).body.usage;
  const oai = await call(srv.url, 'POST', '/v1/chat/completions', { headers: { Authorization: `Bearer ${key}` }, body: { model: 'fixed-model', messages: [{ role: 'user', content: 'count me' }] } });
  assert.equal(oai.status, 200, oai.text);
  const after = (await call(srv.url, 'GET', '/v1/metering/usage', { token: account.token })).body.usage;
  assert.equal(after.requests, before.requests + 1);
  assert.equal(after.inputTokens, before.inputTokens + oai.body.usage.prompt_tokens);
  assert.equal(after.outputTokens, before.outputTokens + oai.body.usage.completion_tokens);
  assert.ok(after.estimatedCostUsd > before.estimatedCostUsd);
  assert.ok(after.byModel['fixed-model'].requests >= 1);
  const keys = Object.keys(after.byKey);
  assert.ok(keys.some((k) => k.startsWith('key_')), 'calls are attributed to their API key');
  const other = await newAccount(srv.url);
  const empty = (await call(srv.url, 'GET', '/v1/metering/usage', { token: other.token })).body.usage;
  assert.equal(empty.requests, 0, 'another tenant sees none of it');
  const bad = await call(srv.url, 'GET', '/v1/metering/usage?from=yesterday', { token: account.token });
  assert.equal(bad.status, 422);
});

test('Cendriix conversations are the same sessions: created, messaged, listed, read back', async () => {
  await upstream.control({});
  const created = await call(srv.url, 'POST', '/v1/conversations', { token: account.token, body: { agentId: agent.id, title: 'Billing question' } });
  assert.equal(created.status, 201, created.text);
  assert.match(created.body.id, /^conv_/);
  const id = created.body.id;
  const sent = await call(srv.url, 'POST', `/v1/conversations/${id}/messages`, { token: account.token, body: { content: 'Hello from Cendra' } });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.body.message.content, 'echo: Hello from Cendra');
  // The same conversation continues through Cortex /v1/chat under its id.
  await chat(key, { company_id: account.tenantId, agent_id: agent.id, conversation_id: id, customer_id: 'cust_conv', message: 'And a follow-up' });
  assert.ok((await upstream.stats()).last_request.messages.some((m) => m.content === 'Hello from Cendra'));
  const got = await call(srv.url, 'GET', `/v1/conversations/${id}`, { token: account.token });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant']);
  const list = await call(srv.url, 'GET', `/v1/conversations?agentId=${agent.id}`, { token: account.token });
  assert.ok(list.body.conversations.some((c) => c.id === id));
  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/conversations/${id}`, { token: other.token })).status, 404);
  assert.equal((await call(srv.url, 'POST', '/v1/conversations', { token: account.token, body: {} })).status, 422);
});
