// What protects tenants and their systems around the pipeline: signed outgoing webhooks with
// retries, daily cost budgets (X-Budget-State, 402), tool actions that time out, and the
// address policy that keeps tool calls and webhooks off loopback and private addresses
// unless the operator allows them (nothing reaches the listener).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let upstream;
const servers = [];

function startReceiver(handler) {
  return new Promise((resolve) => {
    const hits = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => { hits.push({ url: req.url, headers: req.headers, body }); handler(req, res, hits.length); });
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, hits, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

async function serve(extraConfig) {
  const srv = await startServer({
    config: `
${extraConfig}

[[models]]
id = "fixed-model"
provider = "openai"
base_url = "${upstream.url}/v1"
price_in_per_1k = 1.0
price_out_per_1k = 2.0
max_retries = 0
`,
  });
  servers.push(srv);
  const account = await newAccount(srv.url);
  const key = (await call(srv.url, 'POST', '/portal/api/keys', { token: account.token, body: { name: 'k' } })).body.key;
  return { srv, account, key };
}

async function agentWith(srv, token, body) {
  const r = await call(srv.url, 'POST', '/v1/agents', { token, body: { name: 'Agent', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

const until = async (predicate, ms = 8000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
};

before(async () => { upstream = await startFakeUpstream(); });
after(async () => { for (const s of servers) await s.cleanup(); upstream.stop(); });

test('webhooks: signed deliveries of conversation.completed, retried after the receiver first fails', async () => {
  const receiver = await startReceiver((req, res, n) => { res.statusCode = n === 1 ? 500 : 200; res.end('ok'); });
  const { srv, account, key } = await serve(`
[security]
allow_cidrs = "127.0.0.0/8"
[webhooks]
retry_schedule_s = "1,1,1"
poll_ms = 100`);
  const hook = await call(srv.url, 'POST', '/v1/webhooks', { token: account.token, body: { url: `${receiver.url}/hook`, events: ['conversation.completed'] } });
  assert.equal(hook.status, 201, hook.text);
  const secret = hook.body.data.secret;
  assert.match(secret, /^whsec_/);
  const agent = await agentWith(srv, account.token, {});
  await upstream.control({});
  const r = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: key, body: { message: 'Order shipped?', session_id: 'user-abc-123', customer_id: 'cust_8f2a' } });
  assert.equal(r.status, 200, r.text);

  assert.ok(await until(() => receiver.hits.length >= 2), 'the failed delivery is retried');
  const [first, second] = receiver.hits;
  assert.equal(first.headers['x-brainstem-delivery'], second.headers['x-brainstem-delivery'], 'a retry is the same delivery');
  for (const hit of receiver.hits) {
    const expected = 'sha256=' + createHmac('sha256', secret).update(`${hit.headers['x-brainstem-timestamp']}.${hit.body}`).digest('hex');
    assert.ok(timingSafeEqual(Buffer.from(expected), Buffer.from(hit.headers['x-brainstem-signature'])), 'the signature verifies');
  }
  const payload = JSON.parse(second.body);
  assert.equal(payload.event, 'conversation.completed');
  assert.equal(payload.cerebral_id, agent.id);
  assert.equal(payload.session_id, 'user-abc-123');
  assert.equal(payload.customer_id, 'cust_8f2a');
  assert.equal(payload.message, 'echo: Order shipped?');

  assert.ok(await until(async () => {
    const log = await call(srv.url, 'GET', `/v1/webhooks/${hook.body.data.id}/deliveries`, { token: account.token });
    return log.body.data[0]?.status === 'delivered' && log.body.data[0].attempts === 2;
  }), 'the delivery log shows two attempts, delivered');
  const listed = await call(srv.url, 'GET', '/v1/webhooks', { token: account.token });
  assert.ok(!listed.text.includes(secret), 'secrets are masked in lists');
  receiver.server.close();
});

test('webhooks: message.received for every message, escalation.created when a customer asks for a person, each to its subscribers', async () => {
  const escalations = await startReceiver((req, res) => res.end('ok'));
  const completions = await startReceiver((req, res) => res.end('ok'));
  const { srv, account, key } = await serve(`
[security]
allow_cidrs = "127.0.0.0/8"
[webhooks]
poll_ms = 100`);
  for (const [receiver, events] of [[escalations, ['escalation.created']], [completions, ['conversation.completed', 'message.received']]]) {
    const hook = await call(srv.url, 'POST', '/v1/webhooks', { token: account.token, body: { url: `${receiver.url}/hook`, events } });
    assert.equal(hook.status, 201, hook.text);
  }
  const agent = await agentWith(srv, account.token, {});
  await upstream.control({});
  const plain = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: key, body: { message: 'What are your opening hours?', session_id: 's-esc' } });
  assert.equal(plain.body.data.metadata.escalated, false);
  const asked = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`,
    { apiKey: key, body: { message: 'This is useless, can I talk to a real human please?', session_id: 's-esc', customer_id: 'cust_esc', metadata: { channel: 'whatsapp' } } });
  assert.equal(asked.status, 200, asked.text);
  assert.equal(asked.body.data.metadata.escalated, true);

  assert.ok(await until(() => escalations.hits.length >= 1 && completions.hits.length >= 4), 'every event delivered');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(escalations.hits.length, 1, 'one escalation, for the message that asked');
  const payload = JSON.parse(escalations.hits[0].body);
  assert.equal(escalations.hits[0].headers['x-brainstem-event'], 'escalation.created');
  assert.equal(payload.event, 'escalation.created');
  assert.equal(payload.reason, 'customer_requested_human');
  assert.equal(payload.cerebral_id, agent.id);
  assert.equal(payload.session_id, 's-esc');
  assert.equal(payload.customer_id, 'cust_esc');
  assert.equal(payload.channel, 'whatsapp');
  assert.equal(payload.customer_message, 'This is useless, can I talk to a real human please?');
  assert.equal(payload.execution_id, asked.body.data.execution_id);
  const others = completions.hits.map((h) => JSON.parse(h.body));
  assert.deepEqual(others.map((p) => p.event).sort(), ['conversation.completed', 'conversation.completed', 'message.received', 'message.received']);
  const received = others.filter((p) => p.event === 'message.received').map((p) => p.message).sort();
  assert.deepEqual(received, ['This is useless, can I talk to a real human please?', 'What are your opening hours?']);

  const customers = await startReceiver((req, res) => res.end('ok'));
  await call(srv.url, 'POST', '/v1/webhooks', { token: account.token, body: { url: `${customers.url}/hook`, events: ['customer.created'] } });
  const made = await call(srv.url, 'POST', '/v1/customers', { apiKey: key, body: { id: 'cust_new_1', email: 'New@Example.com' } });
  assert.equal(made.status, 201, made.text);
  const again = await call(srv.url, 'POST', '/v1/customers', { apiKey: key, body: { id: 'cust_new_1', name: 'Nia' } });
  assert.equal(again.status, 200);
  assert.ok(await until(() => customers.hits.length >= 1), 'customer.created delivered');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(customers.hits.length, 1, 'an update is no creation');
  const created = JSON.parse(customers.hits[0].body);
  assert.equal(created.event, 'customer.created');
  assert.equal(created.customer.id, 'cust_new_1');
  assert.equal(created.customer.email, 'new@example.com');
  escalations.server.close();
  completions.server.close();
  customers.server.close();
});

test('webhooks and tool actions never reach loopback or private addresses unless allowed', async () => {
  const receiver = await startReceiver((req, res) => res.end('{"secret":"internal"}'));
  const { srv, account, key } = await serve('');
  for (const url of [`${receiver.url}/hook`, 'http://10.0.0.1/hook', 'http://169.254.169.254/latest', 'http://[::1]:9/x', 'http://localhost:9/x']) {
    const r = await call(srv.url, 'POST', '/v1/webhooks', { token: account.token, body: { url, events: ['conversation.completed'] } });
    assert.equal(r.body.success, false, url);
    assert.ok(r.status === 400 || r.status === 422, `${url}: ${r.status}`);
  }
  const badScheme = await call(srv.url, 'POST', '/v1/webhooks', { token: account.token, body: { url: 'file:///etc/passwd', events: ['conversation.completed'] } });
  assert.equal(badScheme.body.success, false);

  const agent = await agentWith(srv, account.token, { actions: [{ name: 'internal_call', webhook_url: `${receiver.url}/admin`, method: 'GET' }] });
  await upstream.control({ tool_call: { name: 'internal_call', arguments: '{}' } });
  const r = await call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId, agent_id: agent.id, conversation_id: 'ssrf', customer_id: 'c', message: 'call it' } });
  assert.equal(r.status, 200, r.text);
  const tool = (await upstream.stats()).last_request.messages.find((m) => m.role === 'tool');
  assert.match(tool.content, /not allowed/);
  assert.equal(receiver.hits.length, 0, 'nothing reached the loopback listener');
  await upstream.control({});
  receiver.server.close();
});

test('a tool action that times out is retried, then reported to the model as a failure', async () => {
  const receiver = await startReceiver((req, res) => setTimeout(() => res.end('{}'), 2000));
  const { srv, account, key } = await serve(`
[security]
allow_cidrs = "127.0.0.0/8"
[pipeline]
action_timeout_ms = 200`);
  const agent = await agentWith(srv, account.token, { actions: [{ name: 'slow', webhook_url: `${receiver.url}/slow`, method: 'GET' }] });
  await upstream.control({ tool_call: { name: 'slow', arguments: '{}' } });
  const r = await call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId, agent_id: agent.id, conversation_id: 'slow', customer_id: 'c', message: 'slow tool' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(receiver.hits.length, 3, 'one call and two retries');
  const tool = (await upstream.stats()).last_request.messages.find((m) => m.role === 'tool');
  assert.match(tool.content, /error/);
  assert.equal(r.body.reply, 'echo: slow tool', 'the model still answers in text');
  await upstream.control({});
  receiver.server.close();
});

test('budgets: X-Budget-State on every response, 402 once the daily budget is spent', async () => {
  const { srv, account, key } = await serve(`
[budgets]
daily_usd = 0.0005`);
  const agent = await agentWith(srv, account.token, { cache: { enabled: false } });
  await upstream.control({});
  const body = (message) => ({ company_id: account.tenantId, agent_id: agent.id, conversation_id: `b-${message}`, customer_id: 'c', message });
  const fresh = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: key });
  assert.equal(fresh.headers.get('x-budget-state'), 'ok');
  assert.equal(fresh.body.data.health.budget_state, 'ok');
  const first = await call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${key}` }, body: body('spend some of the budget with a long enough message to cost something') });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.headers.get('x-budget-state'), 'block', 'the header tells the state after this call');
  assert.ok(first.body.tokens.cost_usd > 0.0005, `cost ${first.body.tokens.cost_usd}`);

  const blocked = await call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${key}` }, body: body('again') });
  assert.equal(blocked.status, 402);
  assert.equal(blocked.headers.get('x-budget-state'), 'block');
  const cerebral = await call(srv.url, 'POST', `/v1/cerebrals/${agent.id}/message`, { apiKey: key, body: { message: 'again' } });
  assert.equal(cerebral.status, 402);
  assert.equal(cerebral.body.success, false);
  const limits = await call(srv.url, 'GET', '/v1/rate-limits', { apiKey: key });
  assert.equal(limits.headers.get('x-budget-state'), 'block', 'every response carries the state');
  assert.equal(limits.body.data.health.budget_state, 'block');

  const other = await newAccount(srv.url);
  const otherLimits = await call(srv.url, 'GET', '/v1/rate-limits', { token: other.token });
  assert.equal(otherLimits.headers.get('x-budget-state'), 'ok', 'budgets are per tenant');
});

test('budgets: past the throttle line a tenant is kept to the cheapest model', async () => {
  const { srv, account, key } = await serve(`
[budgets]
daily_usd = 1.0
warn_pct = 1
throttle_pct = 2

[[models]]
id = "premium"
provider = "openai"
base_url = "${upstream.url}/v1"
price_in_per_1k = 1.0
price_out_per_1k = 2.0
max_retries = 0

[[models]]
id = "thrifty"
provider = "openai"
base_url = "${upstream.url}/v1"
price_in_per_1k = 0.0001
price_out_per_1k = 0.0001
max_retries = 0`);
  const agent = await agentWith(srv, account.token, { cache: { enabled: false } });
  await upstream.control({});
  const chat = (message) => call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${key}` },
    body: { company_id: account.tenantId, agent_id: agent.id, conversation_id: `t-${message}`, customer_id: 'c', message } });
  const first = await chat('spend a little of the budget with a message that costs a few cents on the premium model');
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.model_used, 'premium', 'unthrottled, the first configured model answers');
  assert.equal(first.headers.get('x-budget-state'), 'throttle', `cost ${first.body.tokens.cost_usd}`);
  const second = await chat('and again');
  assert.equal(second.status, 200, second.text);
  assert.equal(second.body.model_used, 'thrifty', 'throttled, the cheapest model answers');
  assert.equal(second.headers.get('x-budget-state'), 'throttle');
});

test('budgets: a spent budget blocks every generating route alike, each in its family\'s format', async () => {
  const { srv, account, key } = await serve(`
[budgets]
daily_usd = 0.0005`);
  const agent = await agentWith(srv, account.token, { cache: { enabled: false } });
  await upstream.control({});
  const auth = { headers: { Authorization: `Bearer ${key}` } };
  const spend = await call(srv.url, 'POST', '/v1/chat/completions', { ...auth, body: { model: 'fixed-model', messages: [{ role: 'user', content: 'spend the budget with a message long enough to cost something' }] } });
  assert.equal(spend.status, 200, spend.text);
  assert.equal(spend.headers.get('x-budget-state'), 'block', 'OpenAI completions are metered against the budget');
  const calls = (await upstream.stats()).chat_calls;

  const completions = await call(srv.url, 'POST', '/v1/chat/completions', { ...auth, body: { model: 'fixed-model', messages: [{ role: 'user', content: 'again' }] } });
  assert.equal(completions.status, 402, completions.text);
  assert.equal(typeof completions.body.error.message, 'string');
  const streamed = await call(srv.url, 'POST', '/v1/chat/completions', { ...auth, body: { model: 'fixed-model', stream: true, messages: [{ role: 'user', content: 'again' }] } });
  assert.equal(streamed.status, 402, 'a stream is refused before it starts');
  const messages = await call(srv.url, 'POST', '/v1/messages', { ...auth, body: { model: 'fixed-model', max_tokens: 16, messages: [{ role: 'user', content: 'again' }] } });
  assert.equal(messages.status, 402, messages.text);
  assert.equal(messages.body.type, 'error');
  const complete = await call(srv.url, 'POST', '/v1/complete', { ...auth, body: { prompt: 'def f():', language: 'python' } });
  assert.equal(complete.status, 402, complete.text);
  assert.equal(complete.body.error, true);
  const chat = await call(srv.url, 'POST', '/v1/chat', { ...auth, body: { company_id: account.tenantId, agent_id: agent.id, conversation_id: 'spent', customer_id: 'c', message: 'again' } });
  assert.equal(chat.status, 402, chat.text);
  assert.equal(typeof chat.body.detail, 'string');
  const routed = await call(srv.url, 'POST', '/v1/model-router/complete', { ...auth, body: { prompt: 'again' } });
  assert.equal(routed.status, 402, routed.text);
  assert.equal((await upstream.stats()).chat_calls, calls, 'no refused request reached the model');

  const models = await call(srv.url, 'GET', '/v1/models', auth);
  assert.equal(models.status, 200, 'routes that do not generate still answer');
});

test('model-based fact extraction: the answering model is asked for facts after the answer', async () => {
  const { srv, account, key } = await serve(`
[pipeline]
fact_extraction = "model"`);
  const agent = await agentWith(srv, account.token, {});
  const facts = JSON.stringify([{ fact: 'Owns a bakery in Giza', category: 'context', confidence: 0.85 }]);
  await upstream.control({ reply: facts });
  const calls = (await upstream.stats()).chat_calls;
  const r = await call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId, agent_id: agent.id, conversation_id: 'facts', customer_id: 'cust_baker', message: 'I run a small bakery in Giza' } });
  assert.equal(r.status, 200, r.text);
  let stored = [];
  assert.ok(await until(async () => {
    const m = await call(srv.url, 'POST', '/v1/memory/cust_baker', { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId } });
    stored = m.body.facts;
    return stored.length > 0;
  }), 'the extracted fact is saved');
  assert.equal(stored[0].fact, 'Owns a bakery in Giza');
  assert.equal(stored[0].source, 'extracted:model');
  assert.equal((await upstream.stats()).chat_calls, calls + 2, 'one call answers, one extracts');

  // The model judges that a new fact replaces a known one: the old one becomes history.
  const moved = JSON.stringify([{ fact: 'Owns a bakery in Alexandria', category: 'context', confidence: 0.9, replaces: 1 }]);
  await upstream.control({ reply: null, replies: ['Good luck with the move!', moved] });
  const again = await call(srv.url, 'POST', '/v1/chat', { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId, agent_id: agent.id, conversation_id: 'facts-2', customer_id: 'cust_baker', message: 'We moved the bakery to Alexandria' } });
  assert.equal(again.status, 200, again.text);
  assert.ok(await until(async () => {
    const m = await call(srv.url, 'POST', '/v1/memory/cust_baker', { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId } });
    stored = m.body.facts;
    return stored.length === 1 && stored[0].fact === 'Owns a bakery in Alexandria';
  }), 'the new fact replaces the old one');
  const extraction = (await upstream.stats()).last_request.messages[1].content;
  assert.match(extraction, /^Known facts:\n1\. Owns a bakery in Giza\n\nMessage: We moved the bakery to Alexandria$/);
  const history = await call(srv.url, 'POST', '/v1/memory/cust_baker', { headers: { Authorization: `Bearer ${key}` }, body: { company_id: account.tenantId, include_history: true } });
  const giza = history.body.facts.find((f) => f.fact === 'Owns a bakery in Giza');
  assert.equal(giza.superseded_by, stored[0].id);
  await upstream.control({});
});
