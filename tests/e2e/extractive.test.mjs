// The extractive provider: with no model configured, every API answers by quoting the best
// source, labelled as such; configured after a real model, it is the router's last resort.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let upstream, bare, backed, bareKey, backedKey, backedAccount;
before(async () => {
  upstream = await startFakeUpstream();
  bare = await startServer();
  const a = await newAccount(bare.url);
  bareKey = (await call(bare.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'k' } })).body.data.key;
  backed = await startServer({
    config: `
[[models]]
id = "writer"
provider = "openai"
base_url = "${upstream.url}/v1"
max_retries = 0

[[models]]
id = "quotes"
provider = "extractive"
`,
  });
  backedAccount = await newAccount(backed.url);
  backedKey = (await call(backed.url, 'POST', '/portal/api/keys', { token: backedAccount.token, body: { name: 'k' } })).body.key;
});
after(async () => { await bare.cleanup(); await backed.cleanup(); upstream.stop(); });

const DOCS = 'Answer from these notes. The warehouse ships orders on Mondays and Thursdays. Refunds reach your card within 14 days. Gift cards never expire.';

test('with no model configured, the default model is extractive and says so', async () => {
  const models = await call(bare.url, 'GET', '/v1/models');
  assert.deepEqual(models.body.data.map((m) => [m.id, m.owned_by]), [['extractive', 'extractive']]);

  const r = await call(bare.url, 'POST', '/v1/chat/completions', {
    apiKey: bareKey, body: { model: 'extractive', messages: [{ role: 'system', content: DOCS }, { role: 'user', content: 'How long do refunds take to reach my card?' }] },
  });
  assert.equal(r.status, 200, r.text);
  const content = r.body.choices[0].message.content;
  assert.match(content, /^Refunds reach your card within 14 days\./);
  assert.match(content, /Source: the instructions; extractive answer/);
  assert.equal(r.body.choices[0].finish_reason, 'stop');

  const s = await fetch(`${bare.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'X-API-Key': bareKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'extractive', stream: true, messages: [{ role: 'system', content: DOCS }, { role: 'user', content: 'Which days do orders ship?' }] }),
  });
  const chunks = (await s.text()).split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
  const streamed = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  assert.match(streamed, /^The warehouse ships orders on Mondays and Thursdays\./);
  assert.ok(chunks.filter((c) => c.choices?.[0]?.delta?.content).length > 5, 'streamed word by word');

  const none = await call(bare.url, 'POST', '/v1/chat/completions', {
    apiKey: bareKey, body: { model: 'extractive', messages: [{ role: 'user', content: 'zebra migration' }] },
  });
  assert.match(none.body.choices[0].message.content, /^I don't have an answer to that/);
});

test('configured last, the extractive model answers when the real one fails', async () => {
  const agent = await call(backed.url, 'POST', '/v1/agents', {
    token: backedAccount.token,
    body: { name: 'Desk', cache: { enabled: false }, faqs: [{ question: 'What are your business hours?', answer: 'Sunday to Thursday, 9 AM to 6 PM.' }] },
  });
  assert.equal(agent.status, 201, agent.text);
  const ask = (conversation) => call(backed.url, 'POST', '/v1/chat', {
    headers: { Authorization: `Bearer ${backedKey}` },
    body: { company_id: backedAccount.tenantId, agent_id: agent.body.id, conversation_id: conversation, customer_id: 'cust_x', message: 'What are your business hours?' },
  });
  await upstream.control({});
  const written = await ask('c-ok');
  assert.equal(written.status, 200, written.text);
  assert.equal(written.body.model_used, 'writer');

  await upstream.control({ fail: [{ status: 503 }] });
  const quoted = await ask('c-down');
  assert.equal(quoted.status, 200, quoted.text);
  assert.equal(quoted.body.model_used, 'quotes');
  assert.match(quoted.body.reply, /Sunday to Thursday, 9 AM to 6 PM\./);
  assert.match(quoted.body.reply, /Source: FAQ "What are your business hours\?"; extractive answer/);
  await upstream.control({});
});
