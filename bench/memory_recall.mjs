// Memory that recalls, measured:
//  1. recall quality: `brainstem eval memory --json` on bench/data/memory_eval.json (written by
//     bench/memory_dataset.mjs): evidence recall@10 and MRR of each search mode beside plain BM25;
//  2. turn search at scale: TURNS turns of one tenant (synthetic Zipf text over 5,000 words, 1,000
//     customers) written into the store of a stopped server, the server started again (the turn
//     index load timed), then POST /api/v1/search over turns unloaded (1 connection, p50/p99) and
//     at saturation (64 connections, req/s), beside nginx answering the same body (the floor);
//  3. the pipeline's recall across sessions at that size: the `turn_recall` step of /v1/chat
//     for a customer with 100 earlier turns, an agent that recalls beside one that does not;
//  4. turn writes (POST /api/v1/turns, 64 connections) with memory.turn_search on and off.
// Engines interleaved round by round; medians of ROUNDS.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, startBrainstem, startNginxFixed, wrk, median, printHeader } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);
const TURNS = Number(process.env.TURNS ?? 100000);
const MESSAGES = Number(process.env.MESSAGES ?? 200);

let seed = 11;
const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const vocabulary = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}`);
const zipf = () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(Math.pow(random(), 3) * vocabulary.length))];
const text = (n) => Array.from({ length: n }, zipf).join(' ');

printHeader('brainstem: memory recall',
  `eval on bench/data/memory_eval.json; ${TURNS} turns in one tenant; wrk -t1, ${rounds} rounds x ${seconds}s`);

// 1. Recall quality.
const report = JSON.parse(execFileSync(BIN, ['eval', 'memory', join(ROOT, 'bench/data/memory_eval.json'), '--json'],
  { encoding: 'utf8', maxBuffer: 1 << 26 }));
console.log(`\nrecall on ${report.conversations} conversations, ${report.turns} turns, ${report.questions} questions`);
console.log('mode       R@10 any  R@10 all   MRR@10  search p50 ms');
for (const r of report.results.filter((x) => x.category === 'all')) {
  console.log(`${r.mode.padEnd(10)} ${r.recall_at_10_any.toFixed(3).padStart(8)} ${r.recall_at_10_all.toFixed(3).padStart(9)} ${r.mrr_at_10.toFixed(3).padStart(8)} ${r.p50_ms.toFixed(2).padStart(13)}`);
}

// 2. A tenant of TURNS turns, written into the store of a stopped server.
const first = await startBrainstem();
const api = async (bs, method, path, body, auth = { 'X-API-Key': bs.key }) => {
  // A pooled connection the server closed while idle (during the wrk runs) is retried once.
  const send = () => fetch(bs.url + path, { method, headers: { 'Content-Type': 'application/json', ...auth }, body: body && JSON.stringify(body) });
  const r = await send().catch(send);
  const out = await r.json();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(out)}`);
  return out;
};
const login = await api(first, 'POST', '/v1/auth/login', { email: 'bench@example.com', password: 'bench-password' }, {});
const jwt = { Authorization: `Bearer ${login.data?.token ?? login.token}` };
const tenant = login.data?.user?.tenantId ?? login.user?.tenantId;
const recaller = await api(first, 'POST', '/v1/agents', { name: 'recaller' }, jwt);
const forgetful = await api(first, 'POST', '/v1/agents', { name: 'forgetful', recall_turns: 0 }, jwt);
first.stop();
await first.exited();
const sqlFile = join(mkdtempSync(join(tmpdir(), 'turns-')), 'turns.sql');
const rows = ['BEGIN;'];
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
for (let i = 0; i < TURNS; i++) {
  const agent = i % 2 ? recaller.id : forgetful.id;
  rows.push(`INSERT INTO turns(id, tenant_id, agent_id, session_id, seq, role, content, customer_id, tokens, metadata, created_at) VALUES (${quote(`turn_b${i}`)}, ${quote(tenant)}, ${quote(agent)}, ${quote(`sess_${i % 5000}`)}, ${Math.floor(i / 5000) + 1}, ${quote(i % 2 ? 'assistant' : 'user')}, ${quote(text(20))}, ${quote(`cust_${i % 1000}`)}, 30, '{}', ${1700000000000 + i});`);
}
rows.push('COMMIT;');
writeFileSync(sqlFile, rows.join('\n'));
execFileSync('sqlite3', [join(first.data, 'brainstem.db'), `.read ${sqlFile}`]);
const started = Date.now();
const bs = await startBrainstem({}, '', { dataDir: first.data, startTimeoutMs: 600000 });
console.log(`\nturn index load at start: ${TURNS} turns in ${((Date.now() - started) / 1000).toFixed(1)} s (start to ready)`);

const query = { query: `${vocabulary[3]} ${vocabulary[40]} ${vocabulary[400]}`, entity_types: ['turn'], limit: 10 };
const answer = JSON.stringify(await api(bs, 'POST', '/api/v1/search', query));
const floor = await startNginxFixed(answer);
const searchCases = [
  [`nginx, canned ${answer.length} B answer`, floor.url, {}],
  [`brainstem POST /api/v1/search (turns, ${TURNS})`, `${bs.url}/api/v1/search`, { 'X-API-Key': bs.key }],
];
const searches = new Map(searchCases.map((c) => [c, { c1: [], c64: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const c of searchCases) {
    searches.get(c).c1.push(wrk(c[1], { connections: 1, seconds, headers: c[2], body: query }));
    searches.get(c).c64.push(wrk(c[1], { connections: 64, seconds, headers: c[2], body: query }));
  }
}
console.log('turn search                                c=1 p50 ms  c=1 p99 ms  c=64 req/s  non-2xx');
for (const c of searchCases) {
  const { c1, c64 } = searches.get(c);
  const non2xx = [...c1, ...c64].reduce((a, x) => a + x.non2xx, 0);
  console.log(`${c[0].padEnd(42)} ${median(c1.map((x) => x.p50)).toFixed(3).padStart(10)} ${median(c1.map((x) => x.p99)).toFixed(3).padStart(11)} ${median(c64.map((x) => x.rps)).toFixed(0).padStart(11)} ${String(non2xx).padStart(8)}`);
}

// 3. The memory stage with and without recall, customer cust_7 (100 earlier turns of the tenant).
const timings = { recaller: [], forgetful: [] };
for (let i = 0; i < MESSAGES; i++) {
  for (const [name, agent] of [['recaller', recaller], ['forgetful', forgetful]]) {
    const r = await api(bs, 'POST', '/v1/chat', {
      company_id: tenant, agent_id: agent.id, conversation_id: `bench-${name}-${i}`, customer_id: 'cust_7', message: text(8),
    }, { Authorization: `Bearer ${bs.key}` });
    timings[name].push(r.step_timings.turn_recall ?? 0);
  }
}
console.log(`\n/v1/chat turn_recall step, customer with 100 earlier turns of ${TURNS}: p50 ${median(timings.recaller).toFixed(3)} ms with recall, ${median(timings.forgetful).toFixed(3)} ms without (recall_turns 0); ${MESSAGES} messages each`);
bs.stop();
floor.stop();

// 4. Turn writes with the turn index on and off.
async function writer(on) {
  const server = await startBrainstem({ BRAINSTEM_MEMORY_TURN_SEARCH: on ? 'true' : 'false' });
  const trajectory = await api(server, 'POST', '/api/v1/trajectories', { name: 'bench' });
  const scope = await api(server, 'POST', '/api/v1/scopes', { name: 'bench', trajectory_id: trajectory.trajectory_id, token_budget: 2000000000 });
  return { server, body: { scope_id: scope.scope_id, role: 'user', content: text(30), token_count: 40 } };
}
const writers = [['indexing on', await writer(true)], ['indexing off', await writer(false)]];
const writes = new Map(writers.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, w] of writers) {
    writes.get(name).push(wrk(`${w.server.url}/api/v1/turns`, { connections: 64, seconds, headers: { 'X-API-Key': w.server.key }, body: w.body }).rps);
  }
}
console.log(`\nPOST /api/v1/turns at 64 connections: ${writers.map(([name]) => `${name} ${median(writes.get(name)).toFixed(0)} req/s`).join(', ')}`);
for (const [, w] of writers) w.server.stop();
process.exit(0);
