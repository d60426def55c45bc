// Cendriix orchestration over HTTP: workflows, runs that wait at a gate and resume when
// approved, a failing step retried, cancel, the run's event stream with Last-Event-ID, and a
// run that survives kill -9 of the server without running a finished step twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

// A loopback receiver for http tool calls: counts requests per path; /hang never answers
// until released; /fail answers 500 until told otherwise.
function startReceiver() {
  const counts = {};
  const hanging = [];
  let failing = true;
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    counts[path] = (counts[path] ?? 0) + 1;
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (path === '/hang') return hanging.push(res);
      if (path === '/fail' && failing) { res.statusCode = 500; return res.end('{"error":"down"}'); }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ path, received: body ? JSON.parse(body) : null }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    heldCount: () => hanging.length,
    recover() { failing = false; },
    releaseAll() { for (const res of hanging.splice(0)) { res.setHeader('Content-Type', 'application/json'); res.end('{"released":true}'); } },
    close() { this.releaseAll(); server.closeAllConnections(); server.close(); },
  })));
}

const config = `
[security]
allow_cidrs = "127.0.0.0/8"
`;

let srv, receiver, account;
before(async () => {
  receiver = await startReceiver();
  srv = await startServer({ config });
  account = await newAccount(srv.url);
});
after(async () => {
  receiver?.close();
  await srv?.cleanup();
});

const api = (method, path, body, base = srv.url) => call(base, method, path, { token: account.token, body });

async function waitForStatus(runId, status, base = srv.url) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const r = await api('GET', `/v1/runs/${runId}`, undefined, base);
    if (r.status === 200 && r.body.status === status) return r.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${r.body?.status}, not ${status}: ${r.text}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function until(check, what) {
  const deadline = Date.now() + 20000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

// Reads an SSE stream to its end: [{id, event, data}].
async function readStream(path, headers = {}) {
  const r = await fetch(srv.url + path, { headers: { Authorization: `Bearer ${account.token}`, ...headers } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const text = await r.text();
  return text.split('\n\n').filter((block) => block.includes('data:')).map((block) => {
    const field = (name) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
    return { id: field('id'), event: field('event'), data: JSON.parse(field('data')) };
  });
}

test('a workflow is checked, stored, listed, replaced and deleted within its tenant', async () => {
  const bad = await api('POST', '/v1/workflows/validate', { nodes: [{ id: 'a', type: 'noop' }, { id: 'g', type: 'approval_gate' }], edges: [{ from: 'a', to: 'zz' }] });
  assert.equal(bad.status, 200);
  assert.equal(bad.body.valid, false);
  assert.ok(bad.body.errors.some((e) => e.nodeId === 'g' && /way out/.test(e.message)), bad.text);
  assert.ok(bad.body.errors.some((e) => e.nodeId === 'a' && /unknown node "zz"/.test(e.message)), bad.text);

  const refused = await api('POST', '/v1/workflows', { name: 'Broken', nodes: [{ id: 'a', type: 'model_call', config: { promt: 'x' } }] });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'validation_error');

  const created = await api('POST', '/v1/workflows', { name: 'Two steps', nodes: [{ id: 'a', type: 'noop' }, { id: 'b', type: 'noop' }], edges: [{ from: 'a', to: 'b' }] });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id;
  assert.equal((await api('GET', `/v1/workflows/${id}`)).body.nodes.length, 2);
  assert.ok((await api('GET', '/v1/workflows')).body.workflows.some((w) => w.id === id));
  const replaced = await api('PUT', `/v1/workflows/${id}`, { name: 'One step', nodes: [{ id: 'only', type: 'noop' }] });
  assert.equal(replaced.status, 200);
  assert.equal(replaced.body.version, 2);

  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/workflows/${id}`, { token: other.token })).status, 404);
  assert.equal((await call(srv.url, 'DELETE', `/v1/workflows/${id}`, { token: other.token })).status, 404);
  assert.equal((await api('DELETE', `/v1/workflows/${id}`)).status, 204);
  assert.equal((await api('GET', `/v1/workflows/${id}`)).status, 404);

  const templates = await api('GET', '/v1/workflows/templates');
  assert.ok(templates.body.templates.length >= 5);
  const fromTemplate = await api('POST', '/v1/workflows/from-template/support-ticket-triage', { name: 'Triage' });
  assert.equal(fromTemplate.status, 201, fromTemplate.text);
  assert.equal(fromTemplate.body.name, 'Triage');
});

test('a run waits at its gate holding nothing, resumes when approved, and streams every event', async () => {
  const wf = await api('POST', '/v1/workflows', {
    name: 'Gated',
    nodes: [
      { id: 'fetch', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/fetch`, body: { title: '{{input.title}}' } } },
      { id: 'left', type: 'noop', config: { output: { side: 'left' } } },
      { id: 'right', type: 'noop', config: { output: { side: 'right' } } },
      { id: 'review', type: 'approval_gate', config: { message: 'Ship {{input.title}}?' } },
      { id: 'ship', type: 'noop', config: { output: { shipped: '{{nodes.fetch.output.body.received.title}}' } } },
    ],
    edges: [{ from: 'fetch', to: 'left' }, { from: 'fetch', to: 'right' }, { from: 'left', to: 'review' }, { from: 'right', to: 'review' }, { from: 'review', to: 'ship' }],
  });
  assert.equal(wf.status, 201, wf.text);
  const planned = await api('POST', '/v1/runs', { workflowId: wf.body.id, input: { title: 'v2' } });
  assert.equal(planned.status, 201, planned.text);
  assert.equal(planned.body.status, 'planned');
  assert.deepEqual(planned.body.plan.steps.map((s) => s.id), ['fetch', 'left', 'right', 'review', 'ship']);
  assert.deepEqual(planned.body.plan.steps.find((s) => s.id === 'review').dependsOn, ['left', 'right']);
  const runId = planned.body.id;
  assert.equal((await api('POST', `/v1/runs/${runId}/approve`, {})).status, 409, 'nothing to approve yet');

  assert.equal((await api('POST', `/v1/runs/${runId}/advance`)).status, 200);
  const waiting = await waitForStatus(runId, 'awaiting_approval');
  assert.equal(waiting.plan.steps.find((s) => s.id === 'review').status, 'waiting');
  assert.equal(receiver.counts['/fetch'], 1);

  const approved = await api('POST', `/v1/runs/${runId}/approve`, { note: 'LGTM' });
  assert.equal(approved.status, 200, approved.text);
  const done = await waitForStatus(runId, 'merged');
  assert.deepEqual(done.plan.steps.find((s) => s.id === 'ship').output, { shipped: 'v2' });
  assert.equal(done.plan.steps.find((s) => s.id === 'review').output.note, 'LGTM');
  assert.equal(receiver.counts['/fetch'], 1, 'a finished step never runs again');

  const fromLeft = await api('GET', `/v1/workflow-runs/${runId}/blast-radius/left`);
  assert.equal(fromLeft.status, 200, fromLeft.text);
  assert.deepEqual(fromLeft.body.nodes.map((n) => n.id), ['left', 'review', 'ship']);
  assert.equal(fromLeft.body.reversibilityTier, 'reversible');
  const fromFetch = await api('GET', `/v1/workflow-runs/${runId}/blast-radius/fetch`);
  assert.equal(fromFetch.body.reversibilityTier, 'irreversible', 'an outside POST');
  assert.deepEqual(fromFetch.body.endpoints, [receiver.url]);
  assert.deepEqual(fromFetch.body.tools, ['http']);
  assert.equal((await api('GET', `/v1/workflow-runs/${runId}/blast-radius/nowhere`)).status, 404);

  const lifecycle = await api('GET', `/v1/runs/${runId}/lifecycle`);
  assert.deepEqual(lifecycle.body.phases.map((p) => [p.phase, p.reached, p.current]),
    [['planned', true, false], ['running', true, false], ['awaiting_approval', true, false], ['merged', true, true]]);

  const events = await readStream(`/v1/workflow-runs/${runId}/stream`);
  const types = events.map((e) => e.event);
  assert.deepEqual(events.map((e) => Number(e.id)), events.map((_, i) => i + 1), 'numbered from 1 without gaps');
  for (const t of ['NODE_RUN_STARTED', 'NODE_RUN_COMPLETED', 'NODE_RUN_WAITING', 'RUN_AWAITING_APPROVAL', 'RUN_COMPLETED']) {
    assert.ok(types.includes(t), `${t} in ${types}`);
  }
  assert.equal(types.at(-1), 'RUN_COMPLETED');
  const resumeFrom = events.findIndex((e) => e.event === 'RUN_AWAITING_APPROVAL');
  const rest = await readStream(`/v1/workflow-runs/${runId}/stream`, { 'Last-Event-ID': events[resumeFrom].id });
  assert.deepEqual(rest.map((e) => e.id), events.slice(resumeFrom + 1).map((e) => e.id), 'a reconnect gets only what it missed');

  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/runs/${runId}`, { token: other.token })).status, 404);
  assert.equal((await call(srv.url, 'POST', `/v1/runs/${runId}/cancel`, { token: other.token })).status, 404);
});

test('a failing step fails the run; a retry from it runs only that step and what follows', async () => {
  const wf = await api('POST', '/v1/workflows', {
    name: 'Flaky',
    nodes: [
      { id: 'prepare', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/prepare` } },
      { id: 'call', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/fail` } },
      { id: 'finish', type: 'noop' },
    ],
    edges: [{ from: 'prepare', to: 'call' }, { from: 'call', to: 'finish' }],
  });
  const run = await api('POST', '/v1/workflows/execute', { workflowId: wf.body.id, input: {} });
  assert.equal(run.status, 202, run.text);
  const failed = await waitForStatus(run.body.id, 'failed');
  assert.match(failed.reason, /step call failed: the http tool answered 500/);
  assert.equal((await api('POST', `/v1/runs/${run.body.id}/retry`, { fromStepId: 'nope' })).status, 422);
  receiver.recover();
  const retried = await api('POST', `/v1/runs/${run.body.id}/retry`, { fromStepId: 'call' });
  assert.equal(retried.status, 202, retried.text);
  await waitForStatus(run.body.id, 'merged');
  assert.equal(receiver.counts['/prepare'], 1);
  assert.equal(receiver.counts['/fail'], 2);
});

test('cancel stops a hanging tool call at once', async () => {
  const wf = await api('POST', '/v1/workflows', {
    name: 'Hangs',
    nodes: [{ id: 'wait', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/hang`, timeoutMs: 300000 } }, { id: 'next', type: 'noop' }],
    edges: [{ from: 'wait', to: 'next' }],
  });
  const held = receiver.heldCount();  // before the run starts: its call may arrive before the 202
  const run = await api('POST', '/v1/workflows/execute', { workflowId: wf.body.id });
  await until(async () => receiver.heldCount() > held, 'the tool call to arrive');
  const cancelled = await api('POST', `/v1/runs/${run.body.id}/cancel`);
  assert.equal(cancelled.status, 200, cancelled.text);
  const done = await waitForStatus(run.body.id, 'cancelled');
  assert.equal(done.plan.steps.find((s) => s.id === 'wait').status, 'cancelled');
  assert.equal(done.plan.steps.find((s) => s.id === 'next').status, 'pending');
  assert.equal((await api('POST', `/v1/runs/${run.body.id}/advance`)).status, 409);
  receiver.releaseAll();
});

test('a run stops at its token budget before the model call that would pass it; costs and caps say so', async () => {
  const long = 'Explain the refund policy for annual plans in detail. '.repeat(8);
  const wf = await api('POST', '/v1/workflows', {
    name: 'Capped',
    nodes: [
      { id: 'short', type: 'model_call', config: { prompt: 'Say hello', maxTokens: 16 } },
      { id: 'long', type: 'model_call', config: { prompt: long, maxTokens: 64 } },
    ],
    edges: [{ from: 'short', to: 'long' }],
  });
  assert.equal(wf.status, 201, wf.text);
  const run = await api('POST', '/v1/runs', { workflowId: wf.body.id, caps: { tokenBudget: 80 } });
  assert.equal(run.status, 201, run.text);
  assert.deepEqual((await api('GET', `/v1/metering/runs/${run.body.id}/budget`)).body, { runId: run.body.id, tokenBudget: 80, maxCostUsd: null });
  await api('POST', `/v1/runs/${run.body.id}/advance`);
  const failed = await waitForStatus(run.body.id, 'failed');
  assert.equal(failed.reason, 'budget_exceeded');
  const steps = Object.fromEntries(failed.plan.steps.map((s) => [s.id, s]));
  assert.equal(steps.short.status, 'completed');
  assert.equal(steps.long.status, 'failed');
  assert.equal(steps.long.tokens, undefined, 'the refused call spent nothing');

  const costs = await api('GET', `/v1/metering/runs/${run.body.id}/costs`);
  assert.equal(costs.status, 200);
  assert.equal(costs.body.totalTokens, costs.body.steps.reduce((n, s) => n + s.tokens, 0));
  assert.ok(costs.body.totalTokens > 0 && costs.body.totalTokens <= 80, costs.text);
  const cap = await api('GET', `/v1/metering/runs/${run.body.id}/cap-status`);
  assert.equal(cap.body.exceeded, true);
  assert.equal(cap.body.spent.tokens, costs.body.totalTokens);

  // A larger budget and a retry from the refused step: it completes.
  assert.equal((await api('PUT', `/v1/metering/runs/${run.body.id}/budget`, { tokenBudget: 'lots' })).status, 422);
  const raised = await api('PUT', `/v1/metering/runs/${run.body.id}/budget`, { tokenBudget: 100000 });
  assert.equal(raised.status, 200, raised.text);
  assert.equal((await api('POST', `/v1/runs/${run.body.id}/retry`, { fromStepId: 'long' })).status, 202);
  const done = await waitForStatus(run.body.id, 'merged');
  assert.equal(done.plan.steps.find((s) => s.id === 'short').attempts, 1, 'the finished step was not called again');
  assert.equal((await api('PUT', `/v1/metering/runs/${run.body.id}/budget`, { tokenBudget: 5 })).status, 409, 'an ended run keeps its caps');
});

test('decompose costs a plan per step without creating a run; estimate re-costs an edited plan', async () => {
  const upstream = await startFakeUpstream();
  const priced = await startServer({ config: `
[[models]]
id = "priced-model"
provider = "openai"
base_url = "${upstream.url}/v1"
price_in_per_1k = 1.0
price_out_per_1k = 2.0
` });
  try {
    const owner = await newAccount(priced.url);
    const post = (path, body) => call(priced.url, 'POST', path, { token: owner.token, body });
    const decomposed = await post('/v1/orchestrator/decompose', { input: { title: 'Login fails', body: 'Since the update, SSO users cannot log in.' } });
    assert.equal(decomposed.status, 200, decomposed.text);
    const plan = decomposed.body.plan;
    assert.equal(plan.source, 'template:ticket-resolution');
    const steps = Object.fromEntries(plan.steps.map((s) => [s.id, s]));
    assert.equal(steps.understand.model, 'priced-model');
    assert.ok(steps.understand.estimatedCostUsd > 0, decomposed.text);
    assert.equal(steps.review.estimatedCostUsd, 0);
    assert.deepEqual(steps.propose.dependsOn, ['understand']);
    for (const s of plan.steps) {
      assert.ok(['reversible', 'compensable', 'irreversible'].includes(s.reversibilityTier));
      assert.ok(s.confidenceScore > 0 && s.confidenceScore <= 1);
    }
    const sum = plan.steps.reduce((n, s) => n + s.estimatedCostUsd, 0);
    assert.ok(Math.abs(plan.estimatedCostUsd - sum) < 1e-9);
    assert.deepEqual((await call(priced.url, 'GET', '/v1/runs', { token: owner.token })).body.runs, [], 'no run was created');

    // A larger completion for one step costs more; an outside POST is irreversible.
    const edited = structuredClone(plan);
    edited.steps.find((s) => s.id === 'propose').config.maxTokens = 4000;
    edited.steps.push({ id: 'notify', type: 'tool_call', config: { tool: 'http', url: 'https://example.com/hook' }, dependsOn: ['deliver'] });
    delete edited.edges;
    const estimated = await post('/v1/orchestrator/estimate', { plan: edited });
    assert.equal(estimated.status, 200, estimated.text);
    const again = Object.fromEntries(estimated.body.plan.steps.map((s) => [s.id, s]));
    assert.ok(again.propose.estimatedCostUsd > steps.propose.estimatedCostUsd);
    assert.equal(again.notify.reversibilityTier, 'irreversible');
    assert.deepEqual(again.notify.dependsOn, ['deliver']);
    const broken = await post('/v1/orchestrator/estimate', { plan: { steps: [{ id: 'a', type: 'warp' }] } });
    assert.equal(broken.status, 422);
    const huge = await post('/v1/orchestrator/estimate', { plan: { steps: Array.from({ length: 201 }, (_, i) => ({ id: `s${i}`, type: 'noop' })) } });
    assert.equal(huge.status, 422);
    assert.deepEqual(huge.body.error.fieldErrors, { 'plan.steps': ['at most 200 steps'] });
    assert.equal((await upstream.stats()).chat_calls, 0, 'planning calls no model');
  } finally {
    await priced.cleanup();
    upstream.stop();
  }
});

test('the security policy blocks a tool call before it is made, warns on another, and a scan finds a leaked key', async () => {
  const bad = await api('PUT', '/v1/security/policy', { rules: [{ name: 'x', action: 'deny' }] });
  assert.equal(bad.status, 422);
  const policy = await api('PUT', '/v1/security/policy', { rules: [
    { name: 'no-admin', condition: { tool: 'http', urlContains: '/admin' }, action: 'block' },
    { name: 'audit-deletes', condition: { method: 'DELETE' }, action: 'warn' },
  ] });
  assert.equal(policy.status, 200, policy.text);
  assert.equal((await api('GET', '/v1/security/policy')).body.rules.length, 2);
  const verdict = await api('POST', '/v1/security/evaluate', { tool: 'http', url: `${receiver.url}/admin/users`, method: 'POST' });
  assert.deepEqual(verdict.body, { allowed: false, violations: [{ rule: 'no-admin', action: 'block' }] });

  const wf = await api('POST', '/v1/workflows', {
    name: 'Guarded',
    nodes: [
      { id: 'leak', type: 'noop', config: { output: { note: 'key AKIAIOSFODNN7EXAMPLE' } } },
      { id: 'cleanup', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/cleanup`, method: 'DELETE' } },
      { id: 'admin', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/admin/reset` } },
    ],
    edges: [{ from: 'leak', to: 'cleanup' }, { from: 'cleanup', to: 'admin' }],
  });
  const run = await api('POST', '/v1/workflows/execute', { workflowId: wf.body.id });
  const failed = await waitForStatus(run.body.id, 'failed');
  assert.equal(failed.reason, 'step admin failed: blocked by security rule no-admin');
  assert.equal(receiver.counts['/admin/reset'], undefined, 'the blocked call never left');
  assert.equal(receiver.counts['/cleanup'], 1);
  const events = await readStream(`/v1/workflow-runs/${run.body.id}/stream`);
  const cleanup = events.find((e) => e.event === 'NODE_RUN_COMPLETED' && e.data.nodeId === 'cleanup');
  assert.deepEqual(cleanup.data.warnings, ['audit-deletes']);

  const scan = await api('POST', '/v1/security/scans', { runId: run.body.id, types: ['secrets', 'sast'] });
  assert.equal(scan.status, 201, scan.text);
  assert.deepEqual(scan.body.results.secrets.findings.map((f) => [f.stepId, f.kind]), [['leak', 'aws_access_key'], ['leak', 'aws_access_key']]);
  assert.ok(!scan.text.includes('AKIAIOSFODNN7EXAMPLE'), 'findings are redacted');
  assert.equal(scan.body.results.sast.status, 'unsupported');
  const listed = await api('GET', `/v1/security/scans/run/${run.body.id}`);
  assert.deepEqual(listed.body.scans.map((s) => s.id), [scan.body.id]);
  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/security/scans/run/${run.body.id}`, { token: other.token })).status, 404);
  assert.equal((await call(srv.url, 'GET', '/v1/security/policy', { token: other.token })).body.rules.length, 0);
  await api('PUT', '/v1/security/policy', { rules: [] });
});

test('entities are checked by kind, published as immutable versions, forked, linked, and a merged run becomes a playbook', async () => {
  const refused = await api('POST', '/v1/entities', { kind: 'plugin', name: 'Bad', spec: { endpoint: 'ftp://x' } });
  assert.equal(refused.status, 422);
  const skill = await api('POST', '/v1/entities', { kind: 'skill', name: 'Refund helper', spec: { instructions: 'Check the order, then refund.' } });
  assert.equal(skill.status, 201, skill.text);
  assert.equal(skill.body.origin, 'user');
  const id = skill.body.id;
  await api('POST', '/v1/entities', { kind: 'guardrail', name: 'No deletes', spec: { condition: { method: 'DELETE' }, action: 'block' } });
  assert.deepEqual((await api('GET', '/v1/entities?kind=skill')).body.entities.map((e) => e.id), [id]);
  assert.deepEqual((await api('GET', '/v1/entities?q=REFUND')).body.entities.map((e) => e.id), [id]);

  assert.equal((await api('PATCH', `/v1/entities/${id}`, { spec: { instructions: '' } })).status, 422);
  assert.equal((await api('GET', `/v1/entities/${id}`)).body.spec.instructions, 'Check the order, then refund.', 'a refused change changes nothing');
  const v1 = await api('POST', `/v1/entities/${id}/publish`);
  assert.equal(v1.status, 201, v1.text);
  assert.equal(v1.body.version, 1);
  assert.equal((await api('PATCH', `/v1/entities/${id}`, { spec: { instructions: 'Refund at once.' } })).status, 200);
  assert.equal((await api('POST', `/v1/entities/${id}/publish`)).body.version, 2);
  const versions = (await api('GET', `/v1/entities/${id}/versions`)).body.versions;
  assert.deepEqual(versions.map((v) => [v.version, v.spec.instructions]), [[2, 'Refund at once.'], [1, 'Check the order, then refund.']]);
  assert.deepEqual((await api('POST', `/v1/entities/${id}/validate`)).body, { valid: true, errors: [] });

  const fork = await api('POST', `/v1/entities/${id}/fork`, { name: 'Refund helper EU' });
  assert.equal(fork.status, 201, fork.text);
  assert.equal(fork.body.origin, 'fork');
  assert.equal(fork.body.source, id);
  const linkage = await api('GET', `/v1/entities/${id}/linkage`);
  assert.deepEqual(linkage.body.forks, [fork.body.id]);
  assert.equal((await api('GET', `/v1/entities/${fork.body.id}/linkage`)).body.forkedFrom, id);

  const wf = await api('POST', '/v1/workflows', { name: 'Promotable', nodes: [{ id: 'only', type: 'noop' }] });
  const planned = await api('POST', '/v1/runs', { workflowId: wf.body.id, input: { x: 1 } });
  assert.equal((await api('POST', `/v1/runs/${planned.body.id}/promote-playbook`)).status, 409, 'only a merged run');
  await api('POST', `/v1/runs/${planned.body.id}/advance`);
  await waitForStatus(planned.body.id, 'merged');
  const promoted = await api('POST', `/v1/runs/${planned.body.id}/promote-playbook`, { name: 'One step' });
  assert.equal(promoted.status, 201, promoted.text);
  assert.equal(promoted.body.playbook.kind, 'playbook');
  assert.deepEqual(promoted.body.playbook.spec.workflow.nodes.map((n) => n.id), ['only']);
  assert.equal((await api('GET', `/v1/entities/${promoted.body.playbook.id}/linkage`)).body.fromRun, planned.body.id);

  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/entities/${id}`, { token: other.token })).status, 404);
  assert.equal((await call(srv.url, 'POST', `/v1/entities/${id}/publish`, { token: other.token })).status, 404);
  assert.equal((await api('DELETE', `/v1/entities/${id}`)).status, 204);
  assert.equal((await api('GET', `/v1/entities/${id}`)).status, 404);
});

test('an agent step answers within its policy and is recorded with its turns under its run id', async () => {
  const step = await api('POST', '/v1/agent/steps', {
    runId: 'run-agent-1', name: 'summarise', prompt: 'Summarise: the refund was approved and sent on Monday.',
    systemPrompt: 'Be brief.', policy: { maxIterations: 3, tokenBudget: 5000, taskType: 'summarisation', maxTokensPerCall: 64 },
  });
  assert.equal(step.status, 201, step.text);
  assert.equal(step.body.stopReason, 'completed');
  assert.equal(step.body.status, 'completed');
  assert.deepEqual(step.body.turns.map((t) => t.role), ['system', 'user', 'assistant']);
  assert.ok(step.body.totalTokens > 0);

  const starved = await api('POST', '/v1/agent/steps', { runId: 'run-agent-1', prompt: 'x'.repeat(400), policy: { tokenBudget: 10 } });
  assert.equal(starved.status, 201, starved.text);
  assert.equal(starved.body.stopReason, 'token_budget');
  assert.equal(starved.body.totalTokens, 0);
  assert.deepEqual(starved.body.turns.map((t) => t.role), ['user'], 'no model call was made');

  assert.equal((await api('POST', '/v1/agent/steps', { runId: 'r', prompt: 'p', policy: { maxIterations: 0 } })).status, 422);
  const connector = await api('POST', '/v1/agent/steps', { runId: 'r', prompt: 'p', allowedConnectorIds: ['github'] });
  assert.equal(connector.status, 422);
  assert.match(connector.body.error.message, /no connector github/);

  assert.deepEqual((await api('GET', `/v1/agent/steps/${step.body.id}`)).body, step.body);
  const listed = await api('GET', '/v1/agent/runs/run-agent-1/steps');
  assert.deepEqual(listed.body.steps.map((s) => s.id), [starved.body.id, step.body.id]);
  const other = await newAccount(srv.url);
  assert.equal((await call(srv.url, 'GET', `/v1/agent/steps/${step.body.id}`, { token: other.token })).status, 404);
  assert.deepEqual((await call(srv.url, 'GET', '/v1/agent/runs/run-agent-1/steps', { token: other.token })).body.steps, []);
});

test('a workflow\'s caps (from-template costCapUsd, or caps) bound its runs unless a run names its own', async () => {
  const capped = await api('POST', '/v1/workflows/from-template/research-and-summarise', { name: 'Capped research', costCapUsd: 0.25 });
  assert.equal(capped.status, 201, capped.text);
  assert.deepEqual(capped.body.caps, { maxCostUsd: 0.25 });
  const run = await api('POST', '/v1/runs', { workflowId: capped.body.id, input: { topic: 'tides' } });
  assert.equal(run.status, 201, run.text);
  assert.deepEqual(run.body.caps, { maxCostUsd: 0.25 }, 'the run carries the workflow\'s cap');
  const own = await api('POST', '/v1/runs', { workflowId: capped.body.id, caps: { tokenBudget: 500 } });
  assert.deepEqual(own.body.caps, { tokenBudget: 500 }, 'a run\'s own caps replace the workflow\'s');
  assert.equal((await api('POST', '/v1/workflows/from-template/research-and-summarise', { costCapUsd: -1 })).status, 422);

  const wf = await api('POST', '/v1/workflows', { name: 'Tokens', nodes: [{ id: 'a', type: 'noop' }], caps: { tokenBudget: 40 } });
  assert.equal(wf.status, 201, wf.text);
  assert.deepEqual((await api('GET', `/v1/workflows/${wf.body.id}`)).body.caps, { tokenBudget: 40 });
  const executed = await api('POST', '/v1/workflows/execute', { workflowId: wf.body.id });
  assert.deepEqual(executed.body.caps, { tokenBudget: 40 });
  const bad = await api('POST', '/v1/workflows', { name: 'Bad', nodes: [{ id: 'a', type: 'noop' }], caps: { tokenBudget: 'lots' } });
  assert.equal(bad.status, 422, bad.text);
  assert.deepEqual(Object.keys(bad.body.error.fieldErrors), ['caps.tokenBudget']);
});

test('an agent_step node runs as a step of the run and is recorded under the run id', async () => {
  const wf = await api('POST', '/v1/workflows', {
    name: 'Drafted reply',
    nodes: [
      { id: 'draft', type: 'agent_step', config: { prompt: 'Draft a reply about {{input.title}}', system: 'Be brief.', maxTokensPerCall: 64 } },
      { id: 'send', type: 'noop', config: { output: { reply: '{{nodes.draft.output.text}}' } } },
    ],
    edges: [{ from: 'draft', to: 'send' }],
  });
  assert.equal(wf.status, 201, wf.text);
  const bad = await api('POST', '/v1/workflows/validate', { nodes: [{ id: 'a', type: 'agent_step', config: { promt: 'x' } }] });
  assert.deepEqual(bad.body.errors.map((e) => e.message).sort(), ['config.prompt: field required', 'config.promt: unknown field for a agent_step node']);

  const run = await api('POST', '/v1/workflows/execute', { workflowId: wf.body.id, input: { title: 'a late parcel' } });
  assert.equal(run.status, 202, run.text);
  const done = await waitForStatus(run.body.id, 'merged');
  const steps = Object.fromEntries(done.plan.steps.map((s) => [s.id, s]));
  const draft = steps.draft.output;
  assert.equal(draft.stopReason, 'completed');
  assert.ok(draft.text.length > 0);
  assert.equal(steps.send.output.reply, draft.text, 'the next node read the step\'s answer');
  assert.ok(draft.totalTokens > 0);
  assert.equal(steps.draft.tokens, draft.totalTokens, 'the run meters what the step spent');

  const recorded = await api('GET', `/v1/agent/runs/${run.body.id}/steps`);
  assert.deepEqual(recorded.body.steps.map((s) => s.id), [draft.stepId]);
  const turns = recorded.body.steps[0].turns;
  assert.deepEqual(turns.map((t) => t.role), ['system', 'user', 'assistant']);
  assert.equal(turns[1].content, 'Draft a reply about a late parcel', 'the input reached the agent step');
  assert.equal(turns[2].content, draft.text);
});

test('compose proposes a workflow from the workspace\'s playbooks, skills and the templates; approve saves it', async () => {
  const owner = await newAccount(srv.url);
  const post = (path, body, token = owner.token) => call(srv.url, 'POST', path, { token, body });
  assert.deepEqual((await post('/v1/workflows/compose', { intent: 'bake sourdough bread loaves' })).body,
    { proposal: null, emptyState: 'no_entities' });
  assert.equal((await post('/v1/workflows/compose', {})).status, 422);
  assert.equal((await post('/v1/workflows/compose', { intent: 'x'.repeat(4001) })).status, 422);

  const research = await post('/v1/workflows/compose', { intent: 'research a topic on the web and summarise it' });
  assert.equal(research.status, 200, research.text);
  assert.equal(research.body.proposal.composedBy, 'rules');
  assert.equal(research.body.proposal.basedOn[0].kind, 'template');
  assert.match(research.body.proposal.basedOn[0].name, /[Rr]esearch/);

  const skill = await post('/v1/entities', { kind: 'skill', name: 'Sourdough baker', spec: { instructions: 'Plan bread baking: sourdough starter, dough hydration, oven heat.' } });
  assert.equal(skill.status, 201, skill.text);
  const composed = await post('/v1/workflows/compose', { intent: 'bake sourdough bread loaves' });
  const proposal = composed.body.proposal;
  assert.deepEqual(proposal.basedOn, [{ kind: 'skill', id: skill.body.id, name: 'Sourdough baker' }]);
  assert.deepEqual(proposal.nodes.map((n) => n.type), ['agent_step']);
  assert.match(proposal.nodes[0].config.system, /sourdough starter/);
  assert.deepEqual((await post('/v1/workflows/compose', { intent: 'knit a woollen scarf' })).body, { proposal: null, emptyState: 'no_match' });
  const stranger = await newAccount(srv.url);
  assert.equal((await post('/v1/workflows/compose', { intent: 'bake sourdough bread loaves' }, stranger.token)).body.emptyState,
    'no_entities', 'another workspace\'s skills are not offered');

  const saved = await post('/v1/workflows/compose/approve', { proposal, name: 'Bake day' });
  assert.equal(saved.status, 201, saved.text);
  const stored = await call(srv.url, 'GET', `/v1/workflows/${saved.body.id}`, { token: owner.token });
  assert.equal(stored.body.name, 'Bake day');
  assert.deepEqual(stored.body.nodes.map((n) => n.id), proposal.nodes.map((n) => n.id));
  const broken = await post('/v1/workflows/compose/approve', { proposal: { name: 'x', nodes: [{ id: 'a', type: 'warp' }] } });
  assert.equal(broken.status, 422, broken.text);
  assert.equal((await post('/v1/workflows/compose/approve', {})).status, 422);
  assert.equal((await call(srv.url, 'GET', '/v1/workflows', { token: owner.token })).body.workflows.length, 1, 'only the approved one');
});

test('a planning model writes plans: a bad plan is sent back once, two bad plans fall back to the template', async () => {
  const upstream = await startFakeUpstream();
  const planned = await startServer({ config: `
[[models]]
id = "planner"
provider = "openai"
base_url = "${upstream.url}/v1"

[orchestration]
planner_model = "planner"
` });
  try {
    const owner = await newAccount(planned.url);
    const post = (path, body) => call(planned.url, 'POST', path, { token: owner.token, body });
    const good = '```json\n' + JSON.stringify({
      nodes: [
        { id: 'look', type: 'model_call', config: { prompt: 'Look into {{input.title}}' } },
        { id: 'ok', type: 'approval_gate', config: { message: 'Fix it?' } },
        { id: 'fix', type: 'tool_call', config: { tool: 'noop' } },
      ],
      edges: [{ from: 'look', to: 'ok' }, { from: 'ok', to: 'fix' }],
    }) + '\n```';
    await upstream.control({ replies: ['I would start by looking at the logs.', good] });
    const decomposed = await post('/v1/orchestrator/decompose', { input: { title: 'Login fails', body: 'SSO users cannot log in.' } });
    assert.equal(decomposed.status, 200, decomposed.text);
    assert.equal(decomposed.body.plan.source, 'model:planner');
    assert.deepEqual(decomposed.body.plan.steps.map((s) => s.id), ['look', 'ok', 'fix']);
    assert.deepEqual(decomposed.body.plan.steps.find((s) => s.id === 'fix').dependsOn, ['ok']);
    const stats = await upstream.stats();
    assert.equal(stats.chat_calls, 2, 'one retry after the bad plan');
    const retried = stats.last_request.messages;
    assert.match(retried[1].content, /Login fails/, 'the model was given the input');
    assert.match(retried.at(-1).content, /not valid: the reply holds no JSON object/);

    await upstream.control({ replies: ['{"nodes":[{"id":"a","type":"warp"}]}', 'still no plan'] });
    const fallback = await post('/v1/orchestrator/decompose', { input: { title: 'Login fails' } });
    assert.equal(fallback.body.plan.source, 'template:ticket-resolution');
    assert.match(fallback.body.plan.note, /not valid twice/);
    assert.equal((await upstream.stats()).chat_calls, 4);

    await upstream.control({ replies: [good] });
    const run = await post('/v1/runs', { input: { title: 'Printer offline' } });
    assert.equal(run.status, 201, run.text);
    assert.equal(run.body.plan.source, 'model:planner');
    assert.deepEqual(run.body.plan.steps.map((s) => s.id), ['look', 'ok', 'fix']);

    await upstream.control({ replies: [good] });
    const composed = await post('/v1/workflows/compose', { intent: 'fix login problems' });
    assert.equal(composed.body.proposal.composedBy, 'model:planner');
    assert.deepEqual(composed.body.proposal.nodes.map((n) => n.id), ['look', 'ok', 'fix']);
  } finally {
    await planned.cleanup();
    upstream.stop();
  }
});

test('notifications: a run waiting, failing and completing notifies the workspace; read, read-all and preferences', async () => {
  const owner = await newAccount(srv.url);
  const as = (method, path, body, token = owner.token) => call(srv.url, method, path, { token, body });
  assert.deepEqual((await as('GET', '/v1/notifications')).body, { notifications: [], unread: 0 });

  const gated = await as('POST', '/v1/workflows', {
    name: 'Gated', nodes: [{ id: 'ask', type: 'approval_gate', config: { message: 'ok?' } }, { id: 'done', type: 'noop' }],
    edges: [{ from: 'ask', to: 'done' }],
  });
  const waiting = await as('POST', '/v1/workflows/execute', { workflowId: gated.body.id });
  await until(async () => (await as('GET', `/v1/runs/${waiting.body.id}`)).body.status === 'awaiting_approval', 'the gate');
  const broken = await as('POST', '/v1/workflows', { name: 'Broken', nodes: [{ id: 'x', type: 'model_call', config: { prompt: 'p', model: 'no-such-model' } }] });
  const failing = await as('POST', '/v1/workflows/execute', { workflowId: broken.body.id });
  await until(async () => (await as('GET', `/v1/runs/${failing.body.id}`)).body.status === 'failed', 'the failure');

  const listed = (await as('GET', '/v1/notifications')).body;
  assert.equal(listed.unread, 2);
  assert.deepEqual(listed.notifications.map((n) => [n.type, n.runId, n.read]).sort(),
    [['approval_required', waiting.body.id, false], ['run_failed', failing.body.id, false]]);
  const approval = listed.notifications.find((n) => n.type === 'approval_required');
  assert.match(listed.notifications.find((n) => n.type === 'run_failed').body, /no-such-model/);

  const read = await as('POST', `/v1/notifications/${approval.id}/read`);
  assert.equal(read.status, 200, read.text);
  assert.equal(read.body.read, true);
  assert.deepEqual((await as('GET', '/v1/notifications?unread=true')).body.notifications.map((n) => n.type), ['run_failed']);
  assert.equal((await as('POST', '/v1/notifications/ntf_nothing_1/read')).status, 404);
  const stranger = await newAccount(srv.url);
  assert.equal((await as('POST', `/v1/notifications/${approval.id}/read`, undefined, stranger.token)).status, 404);
  assert.deepEqual((await as('GET', '/v1/notifications', undefined, stranger.token)).body.notifications, []);

  await as('POST', `/v1/runs/${waiting.body.id}/approve`, { note: 'fine' });
  await until(async () => (await as('GET', `/v1/runs/${waiting.body.id}`)).body.status === 'merged', 'the merge');
  const after = (await as('GET', '/v1/notifications')).body;
  assert.deepEqual(after.notifications.map((n) => n.type).sort(), ['run_completed', 'run_failed'], 'the approved run notifies anew');
  assert.equal(after.unread, 2);

  assert.deepEqual((await as('GET', '/v1/notifications/preferences')).body,
    { inApp: true, email: false, types: { approval_required: true, run_failed: true, run_completed: true } });
  const quiet = await as('PUT', '/v1/notifications/preferences', { types: { run_completed: false } });
  assert.equal(quiet.status, 200, quiet.text);
  assert.equal(quiet.body.types.run_completed, false);
  assert.equal(quiet.body.types.run_failed, true, 'the other types are kept');
  assert.deepEqual((await as('GET', '/v1/notifications')).body.notifications.map((n) => n.type), ['run_failed']);
  for (const bad of [{ types: { nope: true } }, { inApp: 'yes' }, { bogus: 1 }, { types: { run_failed: 1 } }]) {
    assert.equal((await as('PUT', '/v1/notifications/preferences', bad)).status, 422, JSON.stringify(bad));
  }
  assert.equal((await as('GET', '/v1/notifications/preferences')).body.types.run_completed, false, 'a refused change changes nothing');

  assert.deepEqual((await as('POST', '/v1/notifications/read-all')).body, { marked: 1 });
  assert.equal((await as('GET', '/v1/notifications')).body.unread, 0);
});

test('projects: an idea planned as a run at once, its detail with concerns and cost, and a lifecycle that refuses jumps', async () => {
  const owner = await newAccount(srv.url);
  const as = (method, path, body, token = owner.token) => call(srv.url, method, path, { token, body });
  const created = await as('POST', '/v1/projects', { name: 'Status page', idea: 'A public page that shows our uptime', tags: ['web'] });
  assert.equal(created.status, 201, created.text);
  const project = created.body;
  assert.equal(project.status, 'idea');
  assert.deepEqual([project.cloud, project.region, project.tags], ['cendriix-managed', 'us-east-1', ['web']]);
  assert.equal(project.run.status, 'planned');
  assert.match(project.concerns[0], /has not started/);
  const run = await as('GET', `/v1/runs/${project.runId}`);
  assert.deepEqual(run.body.input, { title: 'Status page', body: 'A public page that shows our uptime' }, 'the idea is the run\'s input');
  assert.equal((await as('POST', '/v1/projects', { name: 'No idea' })).status, 422);

  assert.equal((await as('PATCH', `/v1/projects/${project.id}/status`, { status: 'live' })).status, 409, 'no jumping ahead');
  assert.equal((await as('PATCH', `/v1/projects/${project.id}/status`, { status: 'sunset' })).status, 422);
  for (const status of ['provisioning', 'building', 'live', 'paused', 'live', 'building']) {
    const moved = await as('PATCH', `/v1/projects/${project.id}/status`, { status });
    assert.equal(moved.status, 200, `${status}: ${moved.text}`);
    assert.equal(moved.body.status, status);
  }
  assert.equal((await as('PATCH', `/v1/projects/${project.id}/status`, { status: 'archived' })).status, 200);
  assert.equal((await as('PATCH', `/v1/projects/${project.id}/status`, { status: 'idea' })).status, 409, 'archived is the end');

  assert.deepEqual((await as('GET', '/v1/projects')).body.projects.map((p) => [p.id, p.status]), [[project.id, 'archived']]);
  const detail = await as('GET', `/v1/projects/${project.id}`);
  assert.equal(detail.body.costUsd, 0);
  const stranger = await newAccount(srv.url);
  assert.equal((await as('GET', `/v1/projects/${project.id}`, undefined, stranger.token)).status, 404);
  assert.equal((await as('PATCH', `/v1/projects/${project.id}/status`, { status: 'building' }, stranger.token)).status, 404);
  assert.deepEqual((await as('GET', '/v1/projects', undefined, stranger.token)).body.projects, []);
});

test('kill -9 mid-run: the restarted server resumes the run without running a finished step twice', async () => {
  const crash = await startServer({ config });
  try {
    const owner = await newAccount(crash.url);
    const post = (path, body) => call(crash.url, 'POST', path, { token: owner.token, body });
    const wf = await post('/v1/workflows', {
      name: 'Durable',
      nodes: [
        { id: 'first', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/first` } },
        { id: 'slow', type: 'tool_call', idempotent: true, config: { tool: 'http', url: `${receiver.url}/hang` } },
        { id: 'last', type: 'tool_call', config: { tool: 'http', url: `${receiver.url}/last` } },
      ],
      edges: [{ from: 'first', to: 'slow' }, { from: 'slow', to: 'last' }],
    });
    const held = receiver.heldCount();  // before the run starts: its call may arrive before the 202
    const run = await post('/v1/workflows/execute', { workflowId: wf.body.id });
    assert.equal(run.status, 202, run.text);
    await until(async () => receiver.heldCount() > held, 'the slow step to be under way');
    crash.child.kill('SIGKILL');
    await crash.exited;
    receiver.releaseAll();
    const firstCalls = receiver.counts['/first'];
    const slowCalls = receiver.counts['/hang'];

    const again = await startServer({ config, dataDir: crash.data });
    try {
      const login = await call(again.url, 'POST', '/v1/auth/login', { body: { email: owner.email, password: owner.password } });
      const token = login.body.data.token;
      const deadline = Date.now() + 20000;
      let state;
      for (;;) {
        state = await call(again.url, 'GET', `/v1/runs/${run.body.id}`, { token });
        if (state.body.status === 'merged' || Date.now() > deadline) break;
        if (receiver.heldCount() > 0) receiver.releaseAll();
        await new Promise((res) => setTimeout(res, 20));
      }
      assert.equal(state.body.status, 'merged', state.text);
      assert.equal(receiver.counts['/first'], firstCalls, 'the finished step did not run again');
      assert.equal(receiver.counts['/hang'], slowCalls + 1, 'the interrupted idempotent step ran again');
      assert.equal(receiver.counts['/last'], 1);
      assert.equal(state.body.plan.steps.find((s) => s.id === 'slow').attempts, 2);
    } finally {
      await again.cleanup();
    }
  } finally {
    await crash.cleanup();
  }
});
