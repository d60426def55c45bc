// CELLSTATE memory over HTTP: turn appends (POST /api/v1/turns, a budget check and a store
// write each) and scope reads (GET /api/v1/scopes/{id}, a scope of 100 turns) unloaded (1 connection) and at
// saturation (64 connections), beside nginx answering a canned body of the same size (the
// floor); then artifact search (keywords and vectors) over ARTIFACTS artifacts. Engines are
// interleaved round by round; medians of rounds. BASELINE_BIN=path adds another build's turn
// appends and scope reads to the same rounds.
import { startBrainstem, startNginxFixed, wrk, median, printHeader } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);
const artifacts = Number(process.env.ARTIFACTS ?? 100000);

let seed = 7;
const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const vocabulary = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}`);
const zipf = () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(Math.pow(random(), 3) * vocabulary.length))];
const text = (n) => Array.from({ length: n }, zipf).join(' ');

// A server of `bin` (this build when undefined) with a trajectory, a scope to write turns into
// and a scope of 100 turns to read (its reads cost the same whatever the appends achieved).
async function engine(bin) {
  const bs = await startBrainstem({}, '', bin ? { bin } : {});
  // A pooled connection the server closed while idle (during the wrk runs) is retried once.
  const send = (method, path, body) => fetch(`${bs.url}/api/v1${path}`, {
    method, headers: { 'X-API-Key': bs.key, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  });
  const api = async (method, path, body) => {
    const r = await send(method, path, body).catch(() => send(method, path, body));
    const out = await r.json();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(out)}`);
    return out;
  };
  const trajectory = await api('POST', '/trajectories', { name: 'bench' });
  const scope = await api('POST', '/scopes', { name: 'bench', trajectory_id: trajectory.trajectory_id, token_budget: 2000000000 });
  const readScope = await api('POST', '/scopes', { name: 'read', trajectory_id: trajectory.trajectory_id, token_budget: 100000 });
  for (let i = 0; i < 100; i++) await api('POST', '/turns', { scope_id: readScope.scope_id, role: 'user', content: text(30), token_count: 40 });
  return { bs, api, trajectory, scope, readScope };
}

printHeader('brainstem: CELLSTATE memory',
  `turn append and scope read: wrk -t1, ${rounds} rounds x ${seconds}s; search over ${artifacts} artifacts (synthetic Zipf text, built-in embedder)`);

const { bs, api, trajectory, scope, readScope } = await engine(undefined);
const baseline = process.env.BASELINE_BIN ? await engine(process.env.BASELINE_BIN) : null;
// Each appended turn carries a word of its own (wrk's `unique`): real turns differ, and tens of
// thousands of identical ones would measure the turn index's worst case instead.
const turnOf = (s) => ({ scope_id: s.scope_id, role: 'user', content: `${text(30)} TURN_WORD`, token_count: 40 });
const turn = turnOf(scope);
const turnAnswer = JSON.stringify(await api('POST', '/turns', turn));
const scopeAnswer = JSON.stringify(await api('GET', `/scopes/${readScope.scope_id}`));

const appendFloor = await startNginxFixed(turnAnswer);
const readFloor = await startNginxFixed(scopeAnswer);
const headers = { 'X-API-Key': bs.key };
const cases = [
  [`nginx, canned ${turnAnswer.length} B answer (POST)`, appendFloor.url, {}, turn],
  ['brainstem POST /api/v1/turns', `${bs.url}/api/v1/turns`, headers, turn],
  [`nginx, canned ${scopeAnswer.length} B answer (GET)`, readFloor.url, {}, undefined],
  ['brainstem GET /api/v1/scopes/{id}', `${bs.url}/api/v1/scopes/${readScope.scope_id}`, headers, undefined],
  ...(baseline ? [
    ['baseline POST /api/v1/turns', `${baseline.bs.url}/api/v1/turns`, { 'X-API-Key': baseline.bs.key }, turnOf(baseline.scope)],
    ['baseline GET /api/v1/scopes/{id}', `${baseline.bs.url}/api/v1/scopes/${baseline.readScope.scope_id}`, { 'X-API-Key': baseline.bs.key }, undefined],
  ] : []),
];
// Every run starts once both servers have indexed the turns written so far (a backlog left by
// a run at 64 connections would otherwise load the next run's machine). A build without the
// `turn_index` check counts as settled.
const servers = [bs, ...(baseline ? [baseline.bs] : [])];
async function settled() {
  for (const server of servers) {
    for (;;) {
      const health = await (await fetch(`${server.url}/health/detailed`)).json();
      if ((health.checks.turn_index ?? 'ok') === 'ok') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
const results = new Map(cases.map((c) => [c, { c1: [], c64: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    await settled();
    results.get(c).c1.push(wrk(c[1], { connections: 1, seconds, headers: c[2], body: c[3], unique: 'TURN_WORD' }));
    await settled();
    results.get(c).c64.push(wrk(c[1], { connections: 64, seconds, headers: c[2], body: c[3], unique: 'TURN_WORD' }));
  }
}
console.log('turns and scopes                          c=1 p50 ms  c=1 p99 ms  c=64 req/s  non-2xx');
const table = (list, rows) => {
  for (const c of list) {
    const { c1, c64 } = rows.get(c);
    const non2xx = [...c1, ...c64].reduce((a, x) => a + x.non2xx, 0);
    console.log(`${c[0].padEnd(41)} ${median(c1.map((x) => x.p50)).toFixed(3).padStart(10)} ${median(c1.map((x) => x.p99)).toFixed(3).padStart(11)} ${median(c64.map((x) => x.rps)).toFixed(0).padStart(11)} ${String(non2xx).padStart(8)}`);
  }
};
table(cases, results);
const turnsNow = await api('GET', `/scopes/${scope.scope_id}`);
console.log(`(the scope holds ${turnsNow.tokens_used / 40} turns after the runs)`);

// Artifacts, written 32 at a time (into the baseline too, when there is one).
async function writeArtifacts({ api, trajectory }) {
  const started = process.hrtime.bigint();
  const artifactScope = await api('POST', '/scopes', { name: 'artifacts', trajectory_id: trajectory.trajectory_id, token_budget: 1 });
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < artifacts) {
      next++;
      await api('POST', '/artifacts', {
        trajectory_id: trajectory.trajectory_id, scope_id: artifactScope.scope_id, source_turn: 0, extraction_method: 'explicit',
        artifact_type: 'fact', name: text(4), content: text(40), ttl: 'persistent',
      });
    }
  }));
  return Number(process.hrtime.bigint() - started) / 1e9;
}
const writeS = await writeArtifacts({ api, trajectory });
console.log(`\n${artifacts} artifacts written in ${writeS.toFixed(1)} s (${(artifacts / writeS).toFixed(0)} artifacts/s, 32 concurrent)`);
if (baseline) {
  const baselineS = await writeArtifacts(baseline);
  console.log(`baseline: ${artifacts} artifacts written in ${baselineS.toFixed(1)} s (${(artifacts / baselineS).toFixed(0)} artifacts/s, 32 concurrent)`);
}

const keyword = { query: `${vocabulary[7]} ${vocabulary[120]} ${vocabulary[900]}`, entity_types: ['artifact'], filters: [], limit: 10 };
const vector = { ...keyword, use_vector_search: true };
const sample = await (await fetch(`${bs.url}/api/v1/artifacts/search`, {
  method: 'POST', body: JSON.stringify(keyword), headers: { 'Content-Type': 'application/json', 'X-API-Key': bs.key },
})).text();
const searchFloor = await startNginxFixed(sample.slice(0, 3500));
const searches = [
  [`nginx, canned ${Math.min(sample.length, 3500)} B answer`, searchFloor.url, {}, keyword],
  ['brainstem artifacts/search (keywords)', `${bs.url}/api/v1/artifacts/search`, headers, keyword],
  ['brainstem artifacts/search (vectors)', `${bs.url}/api/v1/artifacts/search`, headers, vector],
];
const searchResults = new Map(searches.map((c) => [c, { c1: [], c64: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const c of searches) {
    searchResults.get(c).c1.push(wrk(c[1], { connections: 1, seconds, headers: c[2], body: c[3] }));
    searchResults.get(c).c64.push(wrk(c[1], { connections: 64, seconds, headers: c[2], body: c[3] }));
  }
}
console.log(`\nsearch over ${artifacts} artifacts, top 10          c=1 p50 ms  c=1 p99 ms  c=64 req/s  non-2xx`);
table(searches, searchResults);
for (const s of [bs, appendFloor, readFloor, searchFloor, ...(baseline ? [baseline.bs] : [])]) s.stop();
