// The A2A gateway driven by the official A2A JavaScript SDK (@a2a-js/sdk, protocol 1.0): card
// discovery and signature, send, stream, get, list, cancel; A2A tokens bound to an agent and
// its skills; tasks kept across a restart; 0.3 method names; the delegation topology.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { ListTasksRequest, Message, TaskState, verifyAgentCardSignature, canonicalizeAgentCard } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let srv, firstServer, upstream, dataDir, account, key, otherKey, desk, billing;

async function boot() {
  srv = await startServer({
    dataDir,
    // Loopback is allowed so that one agent can reach another of this server over A2A.
    config: `[security]\nallow_cidrs = "127.0.0.1/32"\n\n[[models]]\nid = "fixed-model"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\nmax_retries = 0\n`,
  });
}

before(async () => {
  upstream = await startFakeUpstream();
  await boot();
  firstServer = srv;
  dataDir = srv.data;
  account = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: account.token, body: { name: 'a2a client' } })).body.data.key;
  const other = await newAccount(srv.url);
  otherKey = (await call(srv.url, 'POST', '/v1/api-keys', { token: other.token, body: { name: 'other' } })).body.data.key;
  desk = (await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'Returns desk', model: 'fixed-model' } })).body;
  billing = (await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'Billing', model: 'fixed-model' } })).body;
  assert.ok(desk.id && billing.id);
});
after(async () => {
  upstream?.stop();
  await srv?.stop('SIGKILL');
  await firstServer?.cleanup();  // its folder holds the data both used
});

const withBearer = (credential) => (url, init = {}) =>
  fetch(url, { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${credential}` } });

async function clientFor(credential, agentId) {
  const fetchImpl = withBearer(credential);
  const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl })],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
  }));
  return factory.createFromUrl(srv.url, `/v1/a2a/agent-card?agentId=${agentId}`);
}

const userMessage = (text, extra = {}) => Message.fromJSON({ messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...extra });
const textOf = (parts) => parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');

const rpc = (method, params, { credential = key, headers = {}, path = '/v1/a2a/jsonrpc' } = {}) => fetch(`${srv.url}${path}`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${credential}`, ...headers },
  body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
}).then(async (r) => ({ status: r.status, body: await r.json() }));

async function until(check, what) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the public card is signed: the SDK verifies it with the published key, and a changed card fails', async () => {
  const res = await fetch(`${srv.url}/.well-known/agent-card.json`);
  assert.equal(res.status, 200);
  const card = await res.json();
  assert.equal(card.supportedInterfaces[0].protocolBinding, 'JSONRPC');
  assert.equal(card.supportedInterfaces[0].protocolVersion, '1.0');
  assert.equal(card.supportedInterfaces[0].url, `${srv.url}/v1/a2a/jsonrpc`);
  assert.deepEqual(card.skills.map((s) => s.id), ['converse', 'knowledge_search']);
  assert.ok(card.securitySchemes.apiKey && card.securitySchemes.a2aToken);
  const header = jose.decodeProtectedHeader(card.signatures[0]);
  assert.equal(header.alg, 'EdDSA');
  const retrieve = async (kid, jku) => {
    const jwks = await (await fetch(jku)).json();
    return jose.importJWK(jwks.keys.find((k) => k.kid === kid), 'EdDSA');
  };
  await verifyAgentCardSignature(retrieve)(card);
  await assert.rejects(verifyAgentCardSignature(retrieve)({ ...card, description: 'something else' }));
  assert.ok(!canonicalizeAgentCard(card).includes('signatures'));
});

test('the fleet card lists every active agent with its skills; another tenant sees its own', async () => {
  const fleet = (await call(srv.url, 'GET', '/v1/a2a/agent-card', { apiKey: key })).body;
  const ids = fleet.skills.map((s) => s.id);
  for (const a of [desk, billing]) {
    assert.ok(ids.includes(`${a.id}/converse`) && ids.includes(`${a.id}/knowledge_search`), JSON.stringify(ids));
  }
  assert.equal(fleet.signatures.length, 1);
  const theirs = (await call(srv.url, 'GET', '/v1/a2a/agent-card', { apiKey: otherKey })).body;
  assert.deepEqual(theirs.skills, [], 'a workspace without agents lists no skills');
  const foreign = await call(srv.url, 'GET', `/v1/a2a/agent-card?agentId=${desk.id}`, { apiKey: otherKey });
  assert.equal(foreign.status, 404);
});

test('send, get, list and stream through the SDK client', async () => {
  const client = await clientFor(key, desk.id);
  await upstream.control({ reply: 'Returns are free for thirty days.' });
  const task = await client.sendMessage({ message: userMessage('How do returns work?') });
  assert.equal(task.status.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(task));
  assert.equal(textOf(task.artifacts[0].parts), 'Returns are free for thirty days.');
  assert.equal(textOf(task.status.message.parts), 'Returns are free for thirty days.');
  assert.equal(task.history.length, 2);
  assert.equal((await upstream.stats()).last_request.messages.at(-1).content, 'How do returns work?');

  const got = await client.getTask({ id: task.id, historyLength: 1 });
  assert.equal(got.id, task.id);
  assert.equal(got.history.length, 1);
  assert.equal(got.status.state, TaskState.TASK_STATE_COMPLETED);

  // A second message in the same context continues the conversation.
  await upstream.control({ reply: 'Yes, with the receipt.' });
  const followUp = await client.sendMessage({ message: userMessage('Even without the box?', { contextId: task.contextId }) });
  assert.equal(followUp.contextId, task.contextId);
  const sent = (await upstream.stats()).last_request.messages.map((m) => m.content);
  assert.ok(sent.includes('How do returns work?'), 'the context carries the earlier turn');

  // A finished task takes no more messages.
  await assert.rejects(client.sendMessage({ message: userMessage('again', { taskId: task.id }) }), /takes no more messages/);

  await upstream.control({ reply: 'Streaming the answer now', tokens_per_s: 200 });
  const kinds = [];
  let streamed = '';
  let last;
  for await (const event of client.sendMessageStream({ message: userMessage('Stream it') })) {
    kinds.push(event.payload.$case);
    if (event.payload.$case === 'artifactUpdate') streamed += textOf(event.payload.value.artifact.parts);
    last = event.payload;
  }
  assert.equal(kinds[0], 'task', 'a stream starts with the task');
  assert.ok(kinds.includes('artifactUpdate'));
  assert.equal(last.$case, 'statusUpdate');
  assert.equal(last.value.status.state, TaskState.TASK_STATE_COMPLETED, 'and closes at a final state');
  assert.equal(streamed.trim(), 'Streaming the answer now');

  const page = await client.listTasks(ListTasksRequest.fromJSON({ pageSize: 2 }));
  assert.equal(page.tasks.length, 2);
  assert.ok(page.nextPageToken);
  assert.equal(page.totalSize, 3);
  assert.equal(page.tasks[0].artifacts.length, 0, 'artifacts only when asked');
  const rest = await client.listTasks(ListTasksRequest.fromJSON({ pageSize: 2, pageToken: page.nextPageToken, includeArtifacts: true }));
  assert.equal(rest.tasks.length, 1);
  assert.equal(rest.nextPageToken, '');
  assert.equal(rest.tasks[0].id, task.id, 'newest first: the first task is on the last page');
  assert.equal(textOf(rest.tasks[0].artifacts[0].parts), 'Returns are free for thirty days.');
  await upstream.control({});
});

test('cancel a running task; a finished one is not cancelable; subscribe streams until the end', async () => {
  const client = await clientFor(key, desk.id);
  await upstream.control({ reply: Array.from({ length: 200 }, (_, i) => `word${i}`).join(' '), tokens_per_s: 20 });
  const submitted = await client.sendMessage({ message: userMessage('Tell me everything'), configuration: { returnImmediately: true } });
  assert.ok([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING].includes(submitted.status.state));
  await until(async () => (await client.getTask({ id: submitted.id })).status.state === TaskState.TASK_STATE_WORKING, 'working');
  const events = [];
  const watching = (async () => {
    for await (const e of client.resubscribeTask({ id: submitted.id })) events.push(e.payload);
  })();
  const canceled = await client.cancelTask({ id: submitted.id });
  assert.equal(canceled.status.state, TaskState.TASK_STATE_CANCELED);
  await watching;
  assert.equal(events[0].$case, 'task');
  assert.equal(events.at(-1).value.status.state, TaskState.TASK_STATE_CANCELED);
  await until(async () => (await upstream.stats()).streams_aborted > 0, 'the model call to stop');
  const after = await client.getTask({ id: submitted.id });
  assert.equal(after.status.state, TaskState.TASK_STATE_CANCELED, 'the run ending does not overwrite the cancel');

  const again = await rpc('CancelTask', { id: submitted.id }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(again.body.error.code, -32002);
  const resub = await rpc('SubscribeToTask', { id: submitted.id }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(resub.body.error.code, -32004);
  const unknown = await rpc('GetTask', { id: randomUUID() }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(unknown.body.error.code, -32001);
  await upstream.control({});
});

test('A2A tokens: bound to one agent and its skills, refused elsewhere and after expiry', async () => {
  const issued = await call(srv.url, 'POST', '/v1/a2a/tokens', { apiKey: key, body: { agentId: desk.id, skills: ['knowledge_search'], ttlSeconds: 60 } });
  assert.equal(issued.status, 201, issued.text);
  const token = issued.body.token;
  const client = await clientFor(token, desk.id);
  const found = await client.sendMessage({ message: userMessage('warranty', { metadata: { skill: 'knowledge_search' } }) });
  assert.equal(found.status.state, TaskState.TASK_STATE_COMPLETED);
  assert.equal(found.artifacts[0].name, 'passages');

  await assert.rejects(client.sendMessage({ message: userMessage('hello') }), /skill converse/);
  const otherAgent = await rpc('SendMessage', { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }], metadata: { agentId: billing.id, skill: 'knowledge_search' } } },
    { credential: token, headers: { 'A2A-Version': '1.0' } });
  assert.equal(otherAgent.status, 403);
  const visible = await rpc('ListTasks', {}, { credential: token, headers: { 'A2A-Version': '1.0' } });
  assert.ok(visible.body.result.tasks.every((t) => t.metadata.agentId === desk.id));

  assert.equal((await call(srv.url, 'GET', '/v1/agents', { apiKey: token })).status, 401, 'a token opens only the A2A routes');
  const bad = await call(srv.url, 'POST', '/v1/a2a/tokens', { apiKey: key, body: { agentId: desk.id, skills: ['fly'] } });
  assert.equal(bad.status, 422);
  const foreign = await call(srv.url, 'POST', '/v1/a2a/tokens', { apiKey: otherKey, body: { agentId: desk.id, skills: ['converse'] } });
  assert.equal(foreign.status, 404);
  const forged = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
  assert.equal((await rpc('ListTasks', {}, { credential: forged })).status, 401);
});

test('0.3 clients: method names and shapes without A2A-Version 1.0; the same names are refused with it', async () => {
  await upstream.control({ reply: 'Old client, same answer.' });
  const sent = await rpc('message/send', { message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'Hi from 0.3' }], metadata: { agentId: billing.id } } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.equal(sent.body.result.kind, 'task');
  assert.equal(sent.body.result.status.state, 'completed');
  assert.equal(sent.body.result.artifacts[0].parts[0].kind, 'text');
  assert.equal(sent.body.result.artifacts[0].parts[0].text, 'Old client, same answer.');
  const got = await rpc('tasks/get', { id: sent.body.result.id });
  assert.equal(got.body.result.history[0].role, 'user');
  const refused = await rpc('message/send', { message: { messageId: randomUUID(), role: 'user', parts: [{ text: 'x' }] } }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(refused.body.error.code, -32601);
  const version = await rpc('GetTask', { id: 'x' }, { headers: { 'A2A-Version': '9.9' } });
  assert.equal(version.body.error.code, -32009);
  const push = await rpc('CreateTaskPushNotificationConfig', {}, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(push.body.error.code, -32003);
  await upstream.control({});
});

test('hostile JSON-RPC: bad JSON, wrong shapes, another tenant\'s task', async () => {
  const garbage = await fetch(`${srv.url}/v1/a2a/jsonrpc`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: '{"jsonrpc":' });
  assert.equal((await garbage.json()).error.code, -32700);
  const batch = await fetch(`${srv.url}/v1/a2a/jsonrpc`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: '[]' });
  assert.equal((await batch.json()).error.code, -32600);
  const noParts = await rpc('SendMessage', { message: { messageId: 'm', role: 'ROLE_USER', parts: [] } }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(noParts.body.error.code, -32602);
  const agentRole = await rpc('SendMessage', { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'x' }] } }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(agentRole.body.error.code, -32602);
  const unnamed = await rpc('SendMessage', { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x' }] } }, { headers: { 'A2A-Version': '1.0' } });
  assert.match(unnamed.body.error.message, /name the agent/);
  const list = await rpc('ListTasks', { pageSize: 1 }, { headers: { 'A2A-Version': '1.0' } });
  const mine = list.body.result.tasks[0].id;
  const theirs = await rpc('GetTask', { id: mine }, { credential: otherKey, headers: { 'A2A-Version': '1.0' } });
  assert.equal(theirs.body.error.code, -32001);
  const future = await rpc('ListTasks', { statusTimestampAfter: '2999-01-01T00:00:00Z' }, { headers: { 'A2A-Version': '1.0' } });
  assert.deepEqual(future.body.result.tasks, [], 'no task changed status after then');
  const past = await rpc('ListTasks', { statusTimestampAfter: '2000-01-01T00:00:00Z', pageSize: 1 }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(past.body.result.tasks.length, 1);
  const notATime = await rpc('ListTasks', { statusTimestampAfter: 'yesterday' }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(notATime.body.error.code, -32602);
  const badToken = await rpc('ListTasks', { pageToken: 'not-a-token' }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(badToken.body.error.code, -32602);
  assert.equal((await fetch(`${srv.url}/v1/a2a/jsonrpc`, { method: 'POST', body: '{}' })).status, 401);
});

test('an agent delegates to another over A2A: a connector of protocol a2a makes its skills tools', async () => {
  const token = (await call(srv.url, 'POST', '/v1/a2a/tokens', { apiKey: key, body: { agentId: billing.id, skills: ['converse'] } })).body.token;
  const connector = await call(srv.url, 'POST', '/v1/connectors', {
    token: key,
    body: { name: 'Billing agent', protocol: 'a2a', endpointUrl: `${srv.url}/v1/a2a/agent-card?agentId=${billing.id}`, authType: 'api_key', credentials: { apiKey: token } },
  });
  assert.equal(connector.status, 201, connector.text);
  assert.equal(connector.body.protocol, 'a2a');
  const tools = await call(srv.url, 'GET', `/v1/mcp/tools?connectorId=${connector.body.id}`, { token: key });
  assert.deepEqual(tools.body.tools.map((t) => t.name), ['converse', 'knowledge_search'], tools.text);

  const front = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'Front desk', model: 'fixed-model', allowed_connector_ids: [connector.body.id] } });
  assert.equal(front.status, 201, front.text);
  const toolName = `${connector.body.id}__converse`;
  await upstream.control({ tool_call: { name: toolName, arguments: JSON.stringify({ message: 'Is invoice 42 paid?' }) }, reply: 'Invoice 42 is paid.' });
  const before = (await call(srv.url, 'GET', '/v1/a2a/topology', { apiKey: key })).body;
  const answered = await call(srv.url, 'POST', '/v1/chat', {
    headers: { Authorization: `Bearer ${key}` },
    body: { company_id: account.tenantId, agent_id: front.body.id, conversation_id: `a2a-${Date.now()}`, customer_id: 'cust_a2a', message: 'Has my invoice been paid?' },
  });
  assert.equal(answered.status, 200, answered.text);
  assert.deepEqual(answered.body.actions_executed, [toolName]);
  const sent = (await upstream.stats()).last_request;
  const toolMessage = sent.messages.find((m) => m.role === 'tool');
  assert.ok(toolMessage, 'the delegate\'s answer went back to the model');
  const result = JSON.parse(toolMessage.content);
  assert.equal(result.isError, false, toolMessage.content);
  assert.equal(result.content[0].text, 'Invoice 42 is paid.');

  const after = (await call(srv.url, 'GET', '/v1/a2a/topology', { apiKey: key })).body;
  const count = (t) => t.edges.find((e) => e.from === front.body.id && e.to === billing.id && e.via === 'a2a')?.count ?? 0;
  assert.equal(count(after), count(before) + 1, JSON.stringify(after));
  const delegated = await rpc('ListTasks', { pageSize: 1 }, { credential: token, headers: { 'A2A-Version': '1.0' } });
  assert.equal(delegated.body.result.tasks[0].metadata.callerAgentId, front.body.id);
  await upstream.control({});
});

test('the topology counts delegations between agents; tasks outlive a restart', async () => {
  await upstream.control({ reply: 'Delegated answer.' });
  const delegated = await rpc('SendMessage', { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'Please check the invoice' }], metadata: { callerAgentId: desk.id } } },
    { path: `/v1/a2a/jsonrpc?agentId=${billing.id}`, headers: { 'A2A-Version': '1.0' } });
  assert.equal(delegated.body.result.task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(delegated.body));
  const topology = (await call(srv.url, 'GET', '/v1/a2a/topology', { apiKey: key })).body;
  const edge = topology.edges.find((e) => e.from === desk.id && e.to === billing.id && e.via === 'a2a');
  assert.equal(edge?.count, 1, JSON.stringify(topology));
  const empty = (await call(srv.url, 'GET', '/v1/a2a/topology', { apiKey: otherKey })).body;
  assert.deepEqual(empty.edges, []);

  const id = delegated.body.result.task.id;
  await srv.stop();
  await boot();
  const again = await rpc('GetTask', { id }, { headers: { 'A2A-Version': '1.0' } });
  assert.equal(again.body.result.status.state, 'TASK_STATE_COMPLETED');
  assert.equal(again.body.result.artifacts[0].parts[0].text, 'Delegated answer.');
  const stream = await fetch(`${srv.url}/v1/a2a/tasks/${id}/stream`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(stream.headers.get('content-type'), 'text/event-stream');
  const text = await stream.text();
  assert.match(text, /"task":/);
  await upstream.control({});
});
