// Memory that recalls, end to end over HTTP: CELLSTATE turns and the pipeline's conversation
// turns are searchable through POST /api/v1/search (keyword, vector and hybrid modes, filters,
// tenant isolation, after a restart), and the pipeline recalls a customer's earlier sessions
// into the prompt (the fake upstream shows what the model was sent).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, startFakeUpstream, call, newAccount, cli } from './lib/server.mjs';

let upstream, srv, account, key, otherKey;
const retired = [];  // stopped servers whose data directory the restarted one still uses

function config() {
  return `
[[models]]
id = "fixed-model"
provider = "openai"
base_url = "${upstream.url}/v1"
max_retries = 0
`;
}

const api = (method, path, body, apiKey = key) => call(srv.url, method, `/api/v1${path}`, { apiKey, body });
const search = (body, apiKey = key) => api('POST', '/search', body, apiKey);

// Polls `check` until it returns something truthy, or fails after `timeoutMs`: turns are
// indexed off the request path, milliseconds after they are written.
async function until(check, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function keyFor(acct, base = srv.url) {
  return (await call(base, 'POST', '/portal/api/keys', { token: acct.token, body: { name: 'k' } })).body.key;
}

async function createAgent(body) {
  const r = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

function chat(body) {
  return call(srv.url, 'POST', '/v1/chat', { apiKey: key, body: { company_id: account.tenantId, ...body } });
}

before(async () => {
  upstream = await startFakeUpstream();
  srv = await startServer({ config: config() });
  account = await newAccount(srv.url);
  key = await keyFor(account);
  otherKey = await keyFor(await newAccount(srv.url, 'Other'));
});

after(async () => {
  await srv?.cleanup();
  for (const s of retired) await s.cleanup();
  upstream?.stop();
});

let scopeId, trajectoryId;

test('CELLSTATE turns are searchable by keyword, vector and hybrid, with their scope, trajectory, role, sequence and time', async () => {
  const t = await api('POST', '/trajectories', { name: 'family chat' });
  assert.equal(t.status, 201, t.text);
  trajectoryId = t.body.trajectory_id;
  const s = await api('POST', '/scopes', { name: 'session 1', trajectory_id: trajectoryId, token_budget: 100000 });
  assert.equal(s.status, 201, s.text);
  scopeId = s.body.scope_id;
  const said = [
    ['user', 'Caroline', 'I went to a pottery workshop with my kids last Saturday'],
    ['assistant', 'Melanie', 'That sounds lovely! What did you make?'],
    ['user', 'Caroline', 'We made a bowl painted with sunflowers'],
  ];
  for (const [role, speaker, content] of said) {
    const r = await api('POST', '/turns', { scope_id: scopeId, role, content, metadata: { speaker, session_date: '8 May 2023' } });
    assert.equal(r.status, 201, r.text);
  }

  // /health/detailed tells when every written turn is searchable.
  await until(async () => (await call(srv.url, 'GET', '/health/detailed')).body.checks.turn_index === 'ok',
    'the turns to be indexed');
  const searched = await search({ query: 'pottery workshop', entity_types: ['turn'] });
  assert.equal(searched.status, 200, searched.text);
  const found = searched.body;
  assert.ok(found.total > 0, searched.text);
  const hit = found.results[0];
  assert.equal(hit.entity_type, 'turn');
  assert.match(hit.snippet, /pottery workshop/);
  assert.equal(hit.scope_id, scopeId);
  assert.equal(hit.trajectory_id, trajectoryId);
  assert.equal(hit.role, 'user');
  assert.equal(hit.sequence, 0);
  assert.match(hit.created_at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(hit.metadata.speaker, 'Caroline');
  assert.ok(hit.score > 0);
  const turn = await api('GET', `/turns/${hit.entity_id}`);
  assert.equal(turn.status, 200, turn.text);
  assert.equal(turn.body.content, 'I went to a pottery workshop with my kids last Saturday');

  // The speaker named in the metadata makes a turn findable by name.
  const byName = await until(async () => {
    const r = await search({ query: 'what did Caroline paint', entity_types: ['turn'], search_mode: 'keyword' });
    return r.body.total >= 2 && r.body;
  }, 'the later turns to be indexed');
  assert.match(byName.results[0].snippet, /sunflowers/);

  // Wording, not words: a misspelling misses by keyword and is found by vector and hybrid.
  const misspelt = { query: 'potery worksop', entity_types: ['turn'] };
  assert.equal((await search({ ...misspelt, search_mode: 'keyword' })).body.total, 0);
  const byVector = await search({ ...misspelt, use_vector_search: true, limit: 1 });
  assert.match(byVector.body.results[0].snippet, /pottery workshop/);
  const hybrid = await search({ ...misspelt, limit: 1 });
  assert.match(hybrid.body.results[0].snippet, /pottery workshop/);

  // Filters on the turn's fields.
  const assistantOnly = await search({
    query: 'pottery sunflowers lovely make', entity_types: ['turn'], search_mode: 'keyword',
    filters: [{ field: 'role', op: 'eq', value: 'assistant' }],
  });
  assert.equal(assistantOnly.status, 200, assistantOnly.text);
  assert.equal(assistantOnly.body.total, 1);
  assert.match(assistantOnly.body.results[0].snippet, /What did you make/);
  const elsewhere = await search({
    query: 'pottery', entity_types: ['turn'], filters: [{ field: 'scope_id', op: 'eq', value: '00000000-0000-4000-8000-000000000000' }],
  });
  assert.equal(elsewhere.body.total, 0);

  // Hostile input gets the family's validation error.
  const badMode = await search({ query: 'pottery', entity_types: ['turn'], search_mode: 'psychic' });
  assert.equal(badMode.status, 422, badMode.text);
  assert.equal(badMode.body.code, 'VALIDATION_ERROR');
  assert.equal(badMode.body.details.field, 'search_mode');

  // The other stored types are searchable by the words of their fields: the event DAG by kind.
  const events = await search({ query: 'trajectory_created', entity_types: ['event', 'goal'] });
  assert.equal(events.status, 200, events.text);
  assert.ok(events.body.results.some((r) => r.entity_type === 'event' && r.name === 'TRAJECTORY_CREATED'), events.text);
  assert.ok(events.body.results.every((r) => r.entity_type === 'event'), 'a type brainstem does not store adds nothing');

  // Another tenant finds nothing of it.
  const foreign = await search({ query: 'pottery workshop', entity_types: ['turn'] }, otherKey);
  assert.equal(foreign.status, 200, foreign.text);
  assert.equal(foreign.body.total, 0);
});

test("the pipeline's conversation turns are searchable too", async () => {
  const agent = await createAgent({ name: 'Searchable' });
  await upstream.control({});
  const r = await chat({ agent_id: agent.id, conversation_id: 'conv-search', customer_id: 'cust_s', message: 'My parcel to Lisbon arrived damaged' });
  assert.equal(r.status, 200, r.text);
  const found = await until(async () => {
    const s = await search({ query: 'damaged parcel Lisbon', entity_types: ['turn'] });
    return s.body.total > 0 && s.body;
  }, 'the pipeline turn to be indexed');
  assert.equal(found.results[0].scope_id, 'conv-search');
  assert.equal(found.results[0].trajectory_id, null);  // a conversation, not a CELLSTATE scope
  assert.equal(found.results[0].role, 'user');
});

test('a customer\'s earlier session is recalled into the prompt; another customer\'s is not', async () => {
  const agent = await createAgent({ name: 'Recaller' });
  await upstream.control({});
  const first = await chat({ agent_id: agent.id, conversation_id: 'recall-a', customer_id: 'cust_r', message: 'I ordered the walnut bookshelf in oak finish for my study' });
  assert.equal(first.status, 200, first.text);
  await chat({ agent_id: agent.id, conversation_id: 'recall-x', customer_id: 'cust_other', message: 'I want to return the walnut bookshelf I bought' });
  await until(async () => (await search({ query: 'walnut bookshelf', entity_types: ['turn'], search_mode: 'keyword' })).body.total >= 2,
    'both turns to be indexed');

  const second = await chat({ agent_id: agent.id, conversation_id: 'recall-b', customer_id: 'cust_r', message: 'Has the walnut bookshelf shipped yet?' });
  assert.equal(second.status, 200, second.text);
  const system = (await upstream.stats()).last_request.messages[0].content;
  assert.match(system, /From earlier conversations with this customer:/);
  assert.match(system, /customer: I ordered the walnut bookshelf in oak finish for my study/);
  assert.doesNotMatch(system, /return the walnut bookshelf/, 'another customer\'s turn stays out');
  assert.equal(typeof second.body.step_timings.turn_recall, 'number');

  // The same question again is answered from the cache, which skips the recall.
  const cached = await chat({ agent_id: agent.id, conversation_id: 'recall-d', customer_id: 'cust_r', message: 'Has the walnut bookshelf shipped yet?' });
  assert.equal(cached.body.cached, true, cached.text);
  assert.equal(cached.body.step_timings.turn_recall, undefined, 'a cache hit skips the recall');
  assert.equal(typeof cached.body.step_timings.cache_check, 'number');

  // Nothing is recalled for a message unrelated to what was said before.
  await chat({ agent_id: agent.id, conversation_id: 'recall-c', customer_id: 'cust_r', message: 'What is the capital of Peru?' });
  assert.doesNotMatch((await upstream.stats()).last_request.messages[0].content, /From earlier conversations/);

  // A recalled turn that does not fit the agent's token budget stays out, counted as cut.
  const tight = await createAgent({ name: 'Tight', token_budget: 256 });
  const story = `The lighthouse keeper ${'told a very long story about storms and ships and the old harbour '.repeat(30)}`;
  await chat({ agent_id: tight.id, conversation_id: 't-a', customer_id: 'cust_t', message: story });
  await until(async () => (await search({ query: 'lighthouse keeper', entity_types: ['turn'] })).body.total > 0, 'the long turn to be indexed');
  const squeezed = await chat({ agent_id: tight.id, conversation_id: 't-b', customer_id: 'cust_t', message: 'What did the lighthouse keeper say about storms?' });
  assert.equal(squeezed.status, 200, squeezed.text);
  assert.doesNotMatch((await upstream.stats()).last_request.messages[0].content, /From earlier conversations/);
  const { before_compression: before, after_compression: after } = squeezed.body.context_tokens;
  assert.ok(before - after > 256, `the recalled turn is counted as cut: ${before} -> ${after}`);

  // An agent that turns recall off sees only the session.
  const forgetful = await createAgent({ name: 'Forgetful', recall_turns: 0 });
  await chat({ agent_id: forgetful.id, conversation_id: 'f-a', customer_id: 'cust_f', message: 'The spare key is under the blue flowerpot' });
  await until(async () => (await search({ query: 'blue flowerpot', entity_types: ['turn'] })).body.total > 0, 'the turn to be indexed');
  await chat({ agent_id: forgetful.id, conversation_id: 'f-b', customer_id: 'cust_f', message: 'Where is the spare key?' });
  assert.doesNotMatch((await upstream.stats()).last_request.messages[0].content, /flowerpot/);
});

test('facts stay true: a repeat refreshes, a move supersedes and stays as history, never recalled as current', async () => {
  const agent = await createAgent({ name: 'Facts' });
  await upstream.control({});
  const customer = 'cust_move';
  const memory = (body = {}) => call(srv.url, 'POST', `/v1/memory/${customer}`, { apiKey: key, body: { company_id: account.tenantId, ...body } });
  await chat({ agent_id: agent.id, conversation_id: 'move-a', customer_id: customer, message: 'I live in Lisbon and I prefer email over phone calls.' });
  const first = await memory();
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.body.facts.map((f) => f.fact).sort(), ['Lives in Lisbon', 'Prefers email over phone calls']);
  const lisbon = first.body.facts.find((f) => f.fact === 'Lives in Lisbon');
  assert.equal(lisbon.subject, 'residence');
  assert.equal(lisbon.superseded_by, null);

  // Said again in other words: refreshed, not copied.
  const again = await call(srv.url, 'POST', `/v1/memory/${customer}/save`, {
    apiKey: key, body: { company_id: account.tenantId, fact: 'prefers email over phone calls.', confidence: 0.7 },
  });
  assert.equal(again.status, 200, again.text);
  assert.equal((await memory()).body.fact_count, 2);

  // Moved: the new address supersedes the old one.
  await chat({ agent_id: agent.id, conversation_id: 'move-b', customer_id: customer, message: 'I live in Porto now.' });
  const now = await memory();
  assert.deepEqual(now.body.facts.map((f) => f.fact).sort(), ['Lives in Porto', 'Prefers email over phone calls']);
  const porto = now.body.facts.find((f) => f.fact === 'Lives in Porto');
  const history = await memory({ include_history: true });
  assert.equal(history.body.fact_count, 3);
  assert.equal(history.body.facts.find((f) => f.fact === 'Lives in Lisbon').superseded_by, porto.id);

  // The next session's prompt knows the current address only.
  await chat({ agent_id: agent.id, conversation_id: 'move-c', customer_id: customer, message: 'Where do you deliver?' });
  const system = (await upstream.stats()).last_request.messages[0].content;
  assert.match(system, /- Lives in Porto/);
  assert.doesNotMatch(system, /- Lives in Lisbon/);

  const bad = await memory({ include_history: 'yes' });
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.body.detail[0].loc[1], 'include_history');
});

test('the turn index is rebuilt from the store at start', async () => {
  await srv.stop();
  retired.push(srv);
  srv = await startServer({ config: config(), dataDir: srv.data });
  const r = await search({ query: 'sunflowers bowl', entity_types: ['turn'], search_mode: 'keyword' });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.body.total >= 1, r.text);
  assert.match(r.body.results[0].snippet, /sunflowers/);
  assert.equal(r.body.results[0].scope_id, scopeId);
});

// A small benchmark from the repo's generator: 2 conversations of 4 sessions.
async function smallBenchmark() {
  const dir = await mkdtemp(join(tmpdir(), 'brainstem-eval-'));
  const file = join(dir, 'bench.json');
  const generator = new URL('../../bench/memory_dataset.mjs', import.meta.url).pathname;
  await promisify(execFile)(process.execPath, [generator, '--conversations', '2', '--sessions', '4', '--out', file]);
  return { dir, file };
}

function checkReport(report) {
  assert.equal(report.conversations, 2);
  assert.ok(report.turns > 0 && report.questions > 0);
  const modes = new Set(report.results.map((r) => r.mode));
  assert.deepEqual([...modes].sort(), ['bm25', 'default', 'hybrid', 'keyword', 'vector']);
  for (const r of report.results) {
    for (const key of ['recall_at_5_any', 'recall_at_5_all', 'recall_at_10_any', 'recall_at_10_all', 'mrr_at_10']) {
      assert.ok(r[key] >= 0 && r[key] <= 1, `${r.mode}/${r.category} ${key}`);
    }
    assert.ok(r.recall_at_10_any >= r.recall_at_5_any && r.recall_at_5_any >= r.recall_at_5_all);
    if (r.category === 'adversarial') assert.equal(r.scored, 0, 'questions never answered are counted, not scored');
  }
  const all = Object.fromEntries(report.results.filter((r) => r.category === 'all').map((r) => [r.mode, r]));
  assert.equal(all.default.questions, report.questions);
  assert.ok(all.default.recall_at_10_any > 0, 'the evidence of some questions is found');
}

test('brainstem eval memory loads a LoCoMo-layout benchmark through the API and scores every mode beside BM25', async () => {
  const { dir, file } = await smallBenchmark();
  try {
    // An embedded server, a new account per conversation.
    const embedded = await cli(['eval', 'memory', file, '--json']);
    assert.equal(embedded.code, 0, embedded.stderr);
    const first = JSON.parse(embedded.stdout);
    checkReport(first);

    // A running server and one key: the conversations share its tenant, one trajectory each.
    const unlimited = await startServer({ config: '[limits]\nrequests_per_minute = 0\n' });
    retired.push(unlimited);
    const evalKey = await keyFor(await newAccount(unlimited.url, 'Eval'), unlimited.url);
    const shared = await cli(['eval', 'memory', file, '--json', '--server', unlimited.url, '--key', evalKey]);
    assert.equal(shared.code, 0, shared.stderr);
    checkReport(JSON.parse(shared.stdout));

    const table = await cli(['eval', 'memory', file, '--mode', 'keyword', '--server', unlimited.url, '--key', evalKey]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /2 conversations, \d+ turns, \d+ questions/);
    assert.match(table.stdout, /^keyword\s+all\s+\d+/m);
    assert.doesNotMatch(table.stdout, /^vector/m);

    const broken = join(dir, 'broken.json');
    await promisify(execFile)('sh', ['-c', `echo '{"not": "a list"}' > ${broken}`]);
    const refused = await cli(['eval', 'memory', broken]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /not a JSON list of samples/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});


test('with --model, eval memory answers each question from the recalled turns and scores token F1', async () => {
  const { dir, file } = await smallBenchmark();
  try {
    await upstream.control({ reply: 'Not mentioned in the conversation.' });
    const r = await cli(['eval', 'memory', file, '--json', '--mode', 'hybrid', '--server', srv.url, '--model', 'fixed-model']);
    assert.equal(r.code, 0, r.stderr);
    const answers = JSON.parse(r.stdout).results.filter((x) => x.mode === 'answer');
    const of = (category) => answers.find((x) => x.category === category);
    assert.equal(of('adversarial').f1, 1, 'the gold answer of a question never answered, word for word');
    assert.ok(of('single-hop').f1 < 1);
    assert.ok(of('all').questions > 0 && of('all').tokens_per_question > 0);
    const sent = (await upstream.stats()).last_request.messages;
    assert.match(sent[1].content, /^Excerpts:\n\[[^\]]+\] \w+: /);
    assert.match(sent[1].content, /\nQuestion: .+\?$/);
  } finally {
    await upstream.control({});
    await rm(dir, { recursive: true, force: true });
  }
});
