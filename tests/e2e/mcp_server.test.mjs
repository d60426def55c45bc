// brainstem as an MCP server, driven by the official MCP TypeScript SDK client over streamable
// HTTP: the workspace's agents and knowledge search as tools, sources as resources, prompt
// templates as prompts; sessions, the Origin check and tenant isolation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let srv, upstream, account, key, otherKey, agent;

before(async () => {
  upstream = await startFakeUpstream();
  srv = await startServer({
    config: `[[models]]\nid = "fixed-model"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\nmax_retries = 0\n`,
  });
  account = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: account.token, body: { name: 'mcp host' } })).body.data.key;
  const other = await newAccount(srv.url);
  otherKey = (await call(srv.url, 'POST', '/v1/api-keys', { token: other.token, body: { name: 'other' } })).body.data.key;
  const created = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'Returns desk', model: 'fixed-model' } });
  assert.equal(created.status, 201, created.text);
  agent = created.body;
});
after(async () => {
  upstream?.stop();
  await srv?.cleanup();
});

async function connect(apiKey = key) {
  const client = new Client({ name: 'e2e-host', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${apiKey}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

const rpc = (body, headers = {}) => fetch(`${srv.url}/mcp`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${key}`, ...headers },
  body: JSON.stringify(body),
});

test('an MCP host lists the agents as tools and asks one', async () => {
  const { client } = await connect();
  assert.equal(client.getServerVersion().name, 'brainstem');
  await client.ping();
  const { tools } = await client.listTools();
  const tool = tools.find((t) => t.name === `agent_${agent.id}`);
  assert.ok(tool, JSON.stringify(tools));
  assert.equal(tool.title, 'Returns desk');
  assert.deepEqual(tool.inputSchema.required, ['message']);
  assert.ok(tools.some((t) => t.name === 'knowledge_search'));

  await upstream.control({ reply: 'Returns are free for thirty days.' });
  const answer = await client.callTool({ name: `agent_${agent.id}`, arguments: { message: 'How do returns work?', customer: 'cust_mcp' } });
  assert.equal(answer.isError, false, JSON.stringify(answer));
  assert.equal(answer.content[0].text, 'Returns are free for thirty days.');
  assert.equal(answer.structuredContent.model, 'fixed-model');
  const sent = (await upstream.stats()).last_request.messages;
  assert.equal(sent.at(-1).content, 'How do returns work?');

  const missing = await client.callTool({ name: `agent_${agent.id}`, arguments: {} });
  assert.equal(missing.isError, true, 'a missing message is a tool error the model can read');
  await assert.rejects(client.callTool({ name: 'agent_00000000-0000-4000-8000-000000000000', arguments: { message: 'hi' } }));

  const search = await client.callTool({ name: 'knowledge_search', arguments: { query: 'returns' } });
  assert.equal(search.isError, false);
  assert.equal(search.content[0].text, 'No passage matches.');
  assert.deepEqual((await client.listResources()).resources, []);
  const { prompts } = await client.listPrompts();
  assert.ok(prompts.some((p) => p.name === `agent_${agent.id}`));
  await client.setLoggingLevel('info');
  await client.close();
  await upstream.control({});
});

test('sessions: required after initialize, unknown ones are 404, a deleted one is gone', async () => {
  const init = await rpc({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  assert.equal(init.status, 200);
  assert.equal((await init.json()).result.protocolVersion, '2025-06-18', 'a supported older version is answered in kind');
  const session = init.headers.get('mcp-session-id');
  assert.ok(session);
  assert.equal((await rpc({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).status, 400, 'no session id');
  assert.equal((await rpc({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'Mcp-Session-Id': 'mcp_unknown' })).status, 404);
  const listed = await rpc({ jsonrpc: '2.0', id: 4, method: 'tools/list' }, { 'Mcp-Session-Id': session });
  assert.equal(listed.status, 200);
  const unknown = await (await rpc({ jsonrpc: '2.0', id: 5, method: 'sampling/createMessage' }, { 'Mcp-Session-Id': session })).json();
  assert.equal(unknown.error.code, -32601);
  assert.equal((await rpc({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'Mcp-Session-Id': session })).status, 202);

  // Another tenant's key cannot use the session.
  assert.equal((await rpc({ jsonrpc: '2.0', id: 6, method: 'tools/list' }, { 'Mcp-Session-Id': session, Authorization: `Bearer ${otherKey}` })).status, 404);
  const ended = await fetch(`${srv.url}/mcp`, { method: 'DELETE', headers: { Authorization: `Bearer ${key}`, 'Mcp-Session-Id': session } });
  assert.equal(ended.status, 204);
  assert.equal((await rpc({ jsonrpc: '2.0', id: 7, method: 'tools/list' }, { 'Mcp-Session-Id': session })).status, 404);
});

test('GET /mcp streams the session\'s notifications: a new agent changes the tools and prompts lists', async () => {
  const init = await rpc({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  assert.equal((await init.json()).result.capabilities.tools.listChanged, true);
  const session = init.headers.get('mcp-session-id');
  assert.equal((await fetch(`${srv.url}/mcp`, { headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream' } })).status, 400, 'no session id');
  const stream = await fetch(`${srv.url}/mcp`, { headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream', 'Mcp-Session-Id': session } });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get('content-type'), 'text/event-stream');
  const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const readUntil = async (pattern) => {
    while (!pattern.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before ${pattern}: ${text}`);
      text += value;
    }
  };
  await readUntil(/retry: \d+/);
  const created = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'Night shift', model: 'fixed-model' } });
  assert.equal(created.status, 201);
  await readUntil(/notifications\/prompts\/list_changed/);
  assert.match(text, /notifications\/tools\/list_changed/);
  assert.match(text, /id: \S+-1\n/, 'events carry ids a host can resume from');
  await fetch(`${srv.url}/mcp`, { method: 'DELETE', headers: { Authorization: `Bearer ${key}`, 'Mcp-Session-Id': session } });
  for (;;) {  // the stream ends with its session
    const { done } = await reader.read();
    if (done) break;
  }
  assert.equal((await call(srv.url, 'DELETE', `/v1/agents/${created.body.id}`, { token: account.token })).status < 300, true);
});

test("a page from another origin is refused; another tenant sees only its own agents; no key, no entry", async () => {
  // A browser page (DNS rebinding included) is refused unless the key names its origin.
  const rebound = await rpc({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { Origin: 'http://attacker.example' });
  assert.equal(rebound.status, 403);
  assert.equal(rebound.headers.get('mcp-session-id'), null);

  const { client } = await connect(otherKey);
  const { tools } = await client.listTools();
  assert.ok(!tools.some((t) => t.name === `agent_${agent.id}`), 'another tenant does not see the agent');
  await assert.rejects(client.callTool({ name: `agent_${agent.id}`, arguments: { message: 'hi' } }));
  await client.close();

  const anonymous = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize"}' });
  assert.equal(anonymous.status, 401);
});

test('a host that cannot send a header puts the key in the URL, which the access log masks', async () => {
  const url = `${srv.url}/mcp?key=${encodeURIComponent(key)}`;
  const init = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'url', version: '1' } } }) });
  assert.equal(init.status, 200);
  assert.ok(init.headers.get('mcp-session-id'));
  const wrong = await fetch(`${srv.url}/mcp?key=bsk_wrong`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize"}' });
  assert.equal(wrong.status, 401);
  // Other routes do not take a key from the URL.
  assert.equal((await fetch(`${srv.url}/v1/connectors?key=${encodeURIComponent(key)}`)).status, 401);
  const logged = await (async () => {
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (srv.logs().includes('/mcp?key=***')) return srv.logs();
      await new Promise((r) => setTimeout(r, 50));
    }
    return srv.logs();
  })();
  assert.ok(logged.includes('/mcp?key=***'), 'the access log shows the masked key');
  assert.ok(!logged.includes(key), 'the key itself never reaches the log');
});
