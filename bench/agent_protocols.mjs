// The agent protocols under wrk, each beside its floor in the same run, engines interleaved
// round by round, medians of ROUNDS rounds:
//   - an MCP tool call (the reference "everything" server's echo, streamable HTTP) through
//     brainstem's POST /v1/mcp/execute, against the same JSON-RPC tools/call sent straight to
//     that server in one session: latency unloaded (1 connection) and calls/s at 32;
//   - an A2A SendMessage (blocking: the task created, run through the pipeline with the
//     extractive model, stored as completed) beside POST /v1/chat of the same agent for a new
//     customer and conversation each time (the pipeline, which records the customer and
//     session too): latency unloaded and messages/s at 16.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { startBrainstem, freePort, wrk, median, printHeader, ROOT } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);
const EVERYTHING = `${ROOT}tests/e2e/node_modules/@modelcontextprotocol/server-everything/dist/index.js`;

function accepts(port) {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

async function startEverything() {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  const deadline = Date.now() + 20000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the everything server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}/mcp`, stop: () => child.kill('SIGKILL') };
}

// An initialized MCP session with the server; returns its id.
async function mcpSession(url) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  const init = await fetch(url, {
    method: 'POST', headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
  });
  const session = init.headers.get('mcp-session-id');
  await init.text();
  await (await fetch(url, { method: 'POST', headers: { ...headers, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return session;
}

const everything = await startEverything();
const bs = await startBrainstem({}, '[security]\nallow_cidrs = "127.0.0.1/32"\n');
const auth = { Authorization: `Bearer ${bs.key}` };
const api = async (path, body, headers = auth) => {
  const r = await fetch(bs.url + path, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const out = await r.json();
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(out)}`);
  return out;
};
const { token } = await (await fetch(`${bs.url}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password' }) })).json();
const connector = await api('/v1/connectors', { name: 'everything', endpointUrl: everything.url, authType: 'none' });
const agent = await api('/v1/agents', { name: 'Desk' }, { Authorization: `Bearer ${token}` });
const session = await mcpSession(everything.url);

const execute = { connectorId: connector.id, toolName: 'echo', input: { message: 'hi' } };
const direct = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } };
const directHeaders = { Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' };
const send = { jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'MSGID', role: 'ROLE_USER', parts: [{ text: 'What are your opening hours?' }], metadata: { agentId: agent.id } } } };
const me = await (await fetch(`${bs.url}/v1/auth/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
const tenantId = me.tenant_id ?? me.tenantId ?? me.data?.tenant_id ?? me.data?.tenantId ?? me.user?.tenantId;
const chat = { company_id: tenantId, agent_id: agent.id, customer_id: 'CONV', conversation_id: 'CONV', message: 'What are your opening hours?' };

// Warm both paths (the connector's session and tool list, the agent's parsed configuration).
await api('/v1/mcp/execute', execute);
await api('/v1/a2a/jsonrpc', { ...send, params: { message: { ...send.params.message, messageId: 'warm' } } }, { ...auth, 'A2A-Version': '1.0' });

printHeader('brainstem: agent protocols (MCP tool calls, A2A messages)',
  `wrk -t1, ${rounds} rounds x ${seconds}s; MCP: echo via /v1/mcp/execute vs tools/call straight to the everything server (Node), 1 and 32 connections; A2A: SendMessage vs /v1/chat, extractive model, 1 and 16 connections`);

const cases = {
  'mcp via brainstem': (c) => wrk(`${bs.url}/v1/mcp/execute`, { connections: c, seconds, headers: auth, body: execute }),
  'mcp direct': (c) => wrk(everything.url, { connections: c, seconds, headers: directHeaders, body: direct }),
  'a2a SendMessage': (c) => wrk(`${bs.url}/v1/a2a/jsonrpc`, { connections: c, seconds, headers: { ...auth, 'A2A-Version': '1.0' }, body: send, unique: 'MSGID' }),
  'chat, new customer': (c) => wrk(`${bs.url}/v1/chat`, { connections: c, seconds, headers: auth, body: chat, unique: 'CONV' }),
};
const loads = { 'mcp via brainstem': 32, 'mcp direct': 32, 'a2a SendMessage': 16, 'chat, new customer': 16 };
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, { 1: [], load: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(cases)) {
    results[name][1].push(run(1));
    results[name].load.push(run(loads[name]));
  }
}

console.log('case                      conns      req/s    p50 ms    p99 ms   non-2xx');
for (const [name, byLoad] of Object.entries(results)) {
  for (const [label, runs] of [['1', byLoad[1]], [String(loads[name]), byLoad.load]]) {
    const row = { rps: median(runs.map((x) => x.rps)), p50: median(runs.map((x) => x.p50)), p99: median(runs.map((x) => x.p99)), non2xx: runs.reduce((a, x) => a + x.non2xx, 0) };
    console.log(`${name.padEnd(26)}${label.padStart(5)}${row.rps.toFixed(0).padStart(11)}${row.p50.toFixed(3).padStart(10)}${row.p99.toFixed(3).padStart(10)}${String(row.non2xx).padStart(10)}`);
  }
}
const p50 = (name) => median(results[name][1].map((x) => x.p50));
console.log(`MCP overhead, unloaded p50: ${(p50('mcp via brainstem') - p50('mcp direct')).toFixed(3)} ms`);

bs.stop();
everything.stop();
await bs.exited();
process.exit(0);
