// MCP connectors over HTTP: a tenant registers the reference MCP "everything" server (streamable
// HTTP), lists and calls its tools, keeps calling them after that server restarts, keeps its
// credentials out of every answer, and cannot point a connector outside the allowed network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { connect } from 'node:net';
import { startServer, startFakeUpstream, call, newAccount, freePort } from './lib/server.mjs';

const EVERYTHING = new URL('./node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url).pathname;

// Resolves true once something accepts a TCP connection on host:port.
function accepts(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

// Starts the everything server on the given port and waits until it accepts connections. A
// child that exits before that (the port not yet free after a restart) is started again.
async function startEverything(port) {
  const deadline = Date.now() + 20000;
  let output = '';
  for (;;) {
    const child = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (;;) {
      if (child.exitCode === null && child.signalCode === null && await accepts(port)) {
        return {
          url: `http://127.0.0.1:${port}/mcp`,
          logs: () => output,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        };
      }
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (Date.now() > deadline) { child.kill('SIGKILL'); break; }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (Date.now() > deadline) throw new Error(`the everything server did not start on ${port}:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const config = (upstreamUrl) => `[security]
allow_cidrs = "127.0.0.1/32"

[[models]]
id = "tool-model"
provider = "openai"
base_url = "${upstreamUrl}/v1"
max_retries = 0
`;
const SECRET = `mcp-secret-${process.pid}-do-not-echo`;

let srv, everything, upstream, mcpPort, account, key, otherKey, mainId;
before(async () => {
  mcpPort = await freePort();
  everything = await startEverything(mcpPort);
  upstream = await startFakeUpstream();
  srv = await startServer({ config: config(upstream.url) });
  account = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: account.token, body: { name: 'mcp' } })).body.data.key;
  const other = await newAccount(srv.url);
  otherKey = (await call(srv.url, 'POST', '/v1/api-keys', { token: other.token, body: { name: 'other' } })).body.data.key;
  const created = await api('POST', '/v1/connectors', { name: 'Everything', endpointUrl: everything.url, authType: 'api_key', credentials: { apiKey: SECRET } });
  assert.equal(created.status, 201, created.text);
  mainId = created.body.id;
});
after(async () => {
  await everything?.stop();
  await upstream?.stop?.();
  await srv?.cleanup();
});

// A Cendriix call with the tenant's API key as a bearer token.
const api = (method, path, body, apiKey = key) => call(srv.url, method, path, { token: apiKey, body });
const execute = (connectorId, toolName, input, apiKey = key) => api('POST', '/v1/mcp/execute', { connectorId, toolName, input }, apiKey);

function assertNoCredentials(r, secret) {
  assert.ok(!r.text.includes(secret), `the secret leaked: ${r.text}`);
  const connectors = r.body.connectors ?? [r.body];
  for (const c of connectors) assert.ok(!('credentials' in c), `credentials returned: ${JSON.stringify(c)}`);
}

test('connectors are created, listed newest first without credentials, and deleted within their tenant', async () => {
  const oauthSecret = `oauth-${SECRET}`;
  const first = await api('POST', '/v1/connectors', { name: 'First', endpointUrl: everything.url, authType: 'oauth', credentials: { accessToken: oauthSecret } });
  assert.equal(first.status, 201, first.text);
  assertNoCredentials(first, oauthSecret);
  assert.equal(first.body.name, 'First');
  assert.equal(first.body.endpointUrl, everything.url);
  assert.equal(first.body.authType, 'oauth');
  for (const field of ['id', 'createdAt', 'updatedAt']) assert.ok(first.body[field], `${field} in ${first.text}`);

  const second = await api('POST', '/v1/connectors', { name: 'Second', endpointUrl: everything.url, authType: 'none', credentials: {} });
  assert.equal(second.status, 201, second.text);
  assert.equal(second.body.authType, 'none');

  const list = await api('GET', '/v1/connectors');
  assert.equal(list.status, 200, list.text);
  assertNoCredentials(list, SECRET);
  assertNoCredentials(list, oauthSecret);
  const ids = list.body.connectors.map((c) => c.id);
  assert.ok(ids.includes(mainId) && ids.includes(first.body.id) && ids.includes(second.body.id), list.text);
  assert.ok(ids.indexOf(second.body.id) < ids.indexOf(first.body.id), 'newest first');
  assert.ok(ids.indexOf(first.body.id) < ids.indexOf(mainId), 'newest first');

  // Another tenant neither sees nor deletes them.
  const theirs = await api('GET', '/v1/connectors', undefined, otherKey);
  assert.equal(theirs.status, 200, theirs.text);
  assert.ok(!theirs.body.connectors.some((c) => ids.includes(c.id)), theirs.text);
  assert.equal((await api('DELETE', `/v1/connectors/${first.body.id}`, undefined, otherKey)).status, 404);

  assert.equal((await api('DELETE', `/v1/connectors/${first.body.id}`)).status, 204);
  assert.equal((await api('DELETE', `/v1/connectors/${first.body.id}`)).status, 404, 'already gone');
  assert.equal((await api('DELETE', '/v1/connectors/no-such-connector')).status, 404);
  assert.ok(!(await api('GET', '/v1/connectors')).body.connectors.some((c) => c.id === first.body.id));
  assert.equal((await execute(first.body.id, 'echo', { message: 'x' })).status, 404, 'a deleted connector cannot be called');
  assert.equal((await api('DELETE', `/v1/connectors/${second.body.id}`)).status, 204);
});

test('invalid connectors are refused', async () => {
  const valid = { name: 'Bad', endpointUrl: everything.url, authType: 'none', credentials: {} };
  const cases = [
    ['no name', { ...valid, name: undefined }],
    ['an endpoint that is not http(s)', { ...valid, endpointUrl: 'ftp://127.0.0.1/mcp' }],
    ['an endpoint that is not a URL', { ...valid, endpointUrl: 'not a url' }],
    ['an unknown auth type', { ...valid, authType: 'basic' }],
  ];
  for (const [what, body] of cases) {
    const r = await api('POST', '/v1/connectors', body);
    assert.equal(r.status, 422, `${what}: ${r.text}`);
    assert.ok(r.body.error, `${what}: ${r.text}`);
  }
  const badJson = await call(srv.url, 'POST', '/v1/connectors', { token: key, raw: '{"name":', headers: { 'Content-Type': 'application/json' } });
  assert.equal(badJson.status, 400, badJson.text);
  assert.ok(badJson.body.error, badJson.text);
  assert.ok(!(await api('GET', '/v1/connectors')).body.connectors.some((c) => c.name === 'Bad'));
});

test('tools are listed from the MCP server across connectors, per connector, and again on refresh', async () => {
  const all = await api('GET', '/v1/mcp/tools');
  assert.equal(all.status, 200, all.text);
  const mine = all.body.tools.filter((t) => t.connectorId === mainId);
  const echo = mine.find((t) => t.name === 'echo');
  assert.ok(echo, all.text);
  assert.equal(echo.description, 'Echoes back the input string');
  assert.equal(echo.inputSchema.type, 'object');
  assert.equal(echo.inputSchema.properties.message.type, 'string');
  const sum = mine.find((t) => t.name === 'get-sum');
  assert.equal(sum.description, 'Returns the sum of two numbers');
  assert.deepEqual([...sum.inputSchema.required].sort(), ['a', 'b']);
  assert.ok(mine.some((t) => t.name === 'trigger-long-running-operation'));

  const extra = await api('POST', '/v1/connectors', { name: 'Second copy', endpointUrl: everything.url, authType: 'none', credentials: {} });
  assert.equal(extra.status, 201, extra.text);
  const one = await api('GET', `/v1/mcp/tools?connectorId=${encodeURIComponent(extra.body.id)}`);
  assert.equal(one.status, 200, one.text);
  assert.ok(one.body.tools.length > 0);
  assert.ok(one.body.tools.every((t) => t.connectorId === extra.body.id), one.text);
  assert.deepEqual(one.body.tools.map((t) => t.name).sort(), mine.map((t) => t.name).sort(), 'the same server, the same tools');

  const refreshed = await api('GET', `/v1/mcp/tools?connectorId=${encodeURIComponent(mainId)}&refresh=true`);
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.ok(refreshed.body.tools.every((t) => t.connectorId === mainId));
  assert.ok(refreshed.body.tools.some((t) => t.name === 'echo'));
  assert.ok(!refreshed.text.includes(SECRET));

  const theirs = await api('GET', '/v1/mcp/tools', undefined, otherKey);
  assert.equal(theirs.status, 200, theirs.text);
  assert.ok(!theirs.body.tools.some((t) => t.connectorId === mainId || t.connectorId === extra.body.id), theirs.text);
  assert.equal((await api('DELETE', `/v1/connectors/${extra.body.id}`)).status, 204);
});

test('tools are called and their content comes back', async () => {
  const echo = await execute(mainId, 'echo', { message: 'hello' });
  assert.equal(echo.status, 200, echo.text);
  assert.deepEqual(echo.body.output, [{ type: 'text', text: 'Echo: hello' }]);
  assert.equal(echo.body.isError, false);
  assert.equal(typeof echo.body.latencyMs, 'number');
  assert.ok(echo.body.latencyMs >= 0);
  assert.ok(!echo.text.includes(SECRET));

  const sum = await execute(mainId, 'get-sum', { a: 2, b: 3 });
  assert.equal(sum.status, 200, sum.text);
  assert.deepEqual(sum.body.output, [{ type: 'text', text: 'The sum of 2 and 3 is 5.' }]);
  assert.equal(sum.body.isError, false);

  const weather = await execute(mainId, 'get-structured-content', { location: 'Chicago' });
  assert.equal(weather.status, 200, weather.text);
  const chicago = { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 };
  assert.deepEqual(weather.body.structuredContent, chicago);
  assert.deepEqual(JSON.parse(weather.body.output[0].text), chicago);
  assert.equal(weather.body.isError, false);
});

test('a tool that fails answers with isError; unknown tools and connectors are 404', async () => {
  // The server validates arguments itself and answers with a tool result marked isError (not a
  // JSON-RPC error), so the call succeeds and says the tool failed.
  const bad = await execute(mainId, 'get-sum', { a: 'two', b: 3 });
  assert.equal(bad.status, 200, bad.text);
  assert.equal(bad.body.isError, true);
  assert.equal(bad.body.output[0].type, 'text');
  assert.match(bad.body.output[0].text, /Input validation error: Invalid arguments for tool get-sum/);

  const noTool = await execute(mainId, 'no-such-tool', {});
  assert.equal(noTool.status, 404, noTool.text);
  assert.ok(noTool.body.error, noTool.text);
  assert.equal((await execute('no-such-connector', 'echo', { message: 'x' })).status, 404);
  assert.equal((await execute(mainId, 'echo', { message: 'x' }, otherKey)).status, 404, "another tenant's connector");
  const peek = await api('GET', `/v1/mcp/tools?connectorId=${encodeURIComponent(mainId)}`, undefined, otherKey);
  assert.equal(peek.status, 404, `another tenant's connector is unknown to it: ${peek.text}`);
});

test('a key limited to some tools sees and calls only those; the policy blocks calls; calls are metered and audited', async () => {
  const limited = (await call(srv.url, 'POST', '/v1/api-keys', { token: account.token, body: { name: 'echo only', scopes: [`mcp:${mainId}/echo`] } })).body.data.key;
  const listed = await api('GET', `/v1/mcp/tools?connectorId=${encodeURIComponent(mainId)}`, undefined, limited);
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.body.tools.map((t) => t.name), ['echo'], 'a tool the key may not use is absent from the list');
  assert.equal((await execute(mainId, 'echo', { message: 'allowed' }, limited)).status, 200);
  const refused = await execute(mainId, 'get-sum', { a: 1, b: 2 }, limited);
  assert.equal(refused.status, 403, refused.text);

  const policy = await api('PUT', '/v1/security/policy', { rules: [{ name: 'no-secrets-to-tools', condition: { tool: 'mcp', bodyContains: 'password' }, action: 'block' }] });
  assert.equal(policy.status, 200, policy.text);
  const blocked = await execute(mainId, 'echo', { message: 'my password is hunter2' });
  assert.equal(blocked.status, 403, blocked.text);
  assert.match(blocked.text, /no-secrets-to-tools/);
  assert.equal((await execute(mainId, 'echo', { message: 'harmless' })).status, 200, 'other calls go through');
  assert.equal((await api('PUT', '/v1/security/policy', { rules: [] })).status, 200);

  const usage = await api('GET', '/v1/metering/usage');
  assert.equal(usage.status, 200, usage.text);
  const echoRow = usage.body.usage.byModel[`mcp:${mainId}/echo`];
  assert.ok(echoRow && echoRow.requests >= 3, JSON.stringify(usage.body.usage.byModel));
  const audit = await api('GET', '/v1/audit/logs?eventType=mcp.tool_called&limit=100');
  assert.equal(audit.status, 200, audit.text);
  const entries = audit.body.logs ?? audit.body.entries ?? audit.body.data ?? [];
  const outcomes = entries.map((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : (e.payload ?? e.details)).outcome);
  assert.ok(outcomes.includes('ok') && outcomes.includes('refused'), JSON.stringify(entries.slice(0, 3)));
});

test('a tool that reports progress runs to its result', async () => {
  const r = await execute(mainId, 'trigger-long-running-operation', { duration: 1, steps: 2 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.isError, false);
  assert.deepEqual(r.body.output, [{ type: 'text', text: 'Long running operation completed. Duration: 1 seconds, Steps: 2.' }]);
  assert.ok(r.body.latencyMs >= 900, `latencyMs ${r.body.latencyMs}`);
  // The server's progress notifications, in order, come back with the result.
  assert.deepEqual(r.body.progress.map((p) => p.progress), [1, 2], r.text);
  assert.ok(r.body.progress.every((p) => p.total === 2), r.text);
});

test('calls keep working after the MCP server restarts and forgets its sessions', async () => {
  const first = await execute(mainId, 'echo', { message: 'before restart' });
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.body.output, [{ type: 'text', text: 'Echo: before restart' }]);

  await everything.stop();
  everything = await startEverything(mcpPort);

  const afterRestart = await execute(mainId, 'echo', { message: 'after restart' });
  assert.equal(afterRestart.status, 200, afterRestart.text);
  assert.deepEqual(afterRestart.body.output, [{ type: 'text', text: 'Echo: after restart' }]);
  assert.equal(afterRestart.body.isError, false);
  const listed = await api('GET', `/v1/mcp/tools?connectorId=${encodeURIComponent(mainId)}&refresh=true`);
  assert.equal(listed.status, 200, listed.text);
  assert.ok(listed.body.tools.some((t) => t.name === 'echo'));
});

test('a connector outside the allowed network is never contacted', async () => {
  let hits = 0;
  const outside = http.createServer((req, res) => { hits++; res.statusCode = 500; res.end(); });
  await new Promise((resolve, reject) => { outside.once('error', reject); outside.listen(0, '127.0.0.2', resolve); });
  try {
    const port = outside.address().port;
    const created = await api('POST', '/v1/connectors', { name: 'Outside', endpointUrl: `http://127.0.0.2:${port}/mcp`, authType: 'none', credentials: {} });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;

    const run = await execute(id, 'echo', { message: 'x' });
    assert.equal(run.status, 403, run.text);
    assert.ok(run.body.error, run.text);
    const tools = await api('GET', `/v1/mcp/tools?connectorId=${encodeURIComponent(id)}`);
    assert.equal(tools.status, 403, tools.text);
    const refreshed = await api('GET', `/v1/mcp/tools?connectorId=${encodeURIComponent(id)}&refresh=true`);
    assert.equal(refreshed.status, 403, refreshed.text);
    assert.equal(hits, 0, 'no request reached 127.0.0.2');
    assert.equal((await api('DELETE', `/v1/connectors/${id}`)).status, 204);
  } finally {
    outside.closeAllConnections();
    await new Promise((resolve) => outside.close(resolve));
  }
});

test("an agent that allows a connector offers its tools to the model and runs the one it calls", async () => {
  const created = await call(srv.url, 'POST', '/v1/agents', {
    token: account.token, body: { name: 'Tool user', model: 'tool-model', allowed_connector_ids: [mainId] },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.body.allowed_connector_ids ?? created.body.config?.allowed_connector_ids, [mainId], created.text);
  const toolName = `${mainId}__echo`;
  await upstream.control({ tool_call: { name: toolName, arguments: JSON.stringify({ message: 'from the agent' }) } });
  const r = await call(srv.url, 'POST', '/v1/chat', {
    headers: { Authorization: `Bearer ${key}` },
    body: { company_id: account.tenantId, agent_id: created.body.id, conversation_id: `mcp-${Date.now()}`, customer_id: 'cust_mcp', message: 'Please echo something' },
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.actions_executed, [toolName]);
  assert.equal(r.body.step_timings.tool_call_rounds, 1);
  const sent = (await upstream.stats()).last_request;
  assert.ok(sent.tools.some((t) => t.function.name === `${mainId}__get-sum`), 'the connector\'s other tools are offered too');
  const toolMessage = sent.messages.find((m) => m.role === 'tool');
  assert.ok(toolMessage, 'the tool result went back to the model');
  const result = JSON.parse(toolMessage.content);
  assert.equal(result.isError, false);
  assert.equal(result.content[0].text, 'Echo: from the agent');
  await upstream.control({});
});

test('an agent step that allows a connector calls its tools until the model answers', async () => {
  const toolName = `${mainId}__get-sum`;
  await upstream.control({ tool_call: { name: toolName, arguments: JSON.stringify({ a: 2, b: 3 }) }, reply: 'The sum is 5.' });
  const r = await api('POST', '/v1/agent/steps', { runId: 'run-mcp', name: 'adder', prompt: 'Add 2 and 3', allowedConnectorIds: [mainId], policy: { maxIterations: 3 } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.stopReason, 'completed', r.text);
  assert.deepEqual(r.body.allowedConnectorIds, [mainId]);
  const tool = r.body.turns.find((t) => t.role === 'tool');
  assert.equal(tool.name, toolName, r.text);
  assert.equal(JSON.parse(tool.content).content[0].text, 'The sum of 2 and 3 is 5.');
  assert.equal(r.body.turns.at(-1).role, 'assistant');
  assert.equal(r.body.turns.at(-1).content, 'The sum is 5.');

  // One iteration allowed: the model's tool call ends the step.
  const capped = await api('POST', '/v1/agent/steps', { runId: 'run-mcp', prompt: 'Add 2 and 3', allowedConnectorIds: [mainId], policy: { maxIterations: 1 } });
  assert.equal(capped.status, 201, capped.text);
  assert.equal(capped.body.turns.filter((t) => t.role === 'tool').length, 0, 'no tools offered on the last iteration');

  const unknown = await api('POST', '/v1/agent/steps', { runId: 'run-mcp', prompt: 'p', allowedConnectorIds: ['conn_missing'] });
  assert.equal(unknown.status, 422, unknown.text);
  assert.match(unknown.text, /no connector conn_missing/);
  await upstream.control({});
});
