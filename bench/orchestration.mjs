// Durable orchestration over HTTP (Cendriix workflows and runs), every step stored as it starts
// and ends (SQLite, WAL):
//   - end-to-end time of a 3-step no-op workflow, one run at a time: from POST
//     /v1/workflows/execute to the run read back as merged (polled back to back);
//   - scheduling time per node: a 100-node chain and a 100-node fan-out (one wave), per node;
//   - runs started per second (POST /v1/workflows/execute answered 202) at CONCURRENCY;
//   - durable no-op steps per second: RUNS runs of a 10-step chain at once, until all merged.
// Medians of ROUNDS rounds. BASELINE_BIN=path runs the same against another build, interleaved.
import { startBrainstem, median, printHeader } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const concurrency = Number(process.env.CONCURRENCY ?? 16);
const runsPerRound = Number(process.env.RUNS ?? 200);

const chain = (n) => ({
  nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, type: 'noop', config: { output: { i } } })),
  edges: Array.from({ length: n - 1 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` })),
});
const fanOut = (n) => ({
  nodes: [{ id: 'start', type: 'noop' }, ...Array.from({ length: n - 1 }, (_, i) => ({ id: `n${i}`, type: 'noop' }))],
  edges: Array.from({ length: n - 1 }, (_, i) => ({ from: 'start', to: `n${i}` })),
});

async function engine(bin) {
  const bs = await startBrainstem({}, '', bin ? { bin } : {});
  const api = async (method, path, body) => {
    const r = await fetch(bs.url + path, {
      method, headers: { 'X-API-Key': bs.key, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
    });
    const out = await r.json();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(out)}`);
    return out;
  };
  const workflow = async (name, definition) => (await api('POST', '/v1/workflows', { name, ...definition })).id;
  return {
    bs, api,
    three: await workflow('three', chain(3)),
    ten: await workflow('ten', chain(10)),
    chain100: await workflow('chain100', chain(100)),
    fan100: await workflow('fan100', fanOut(100)),
  };
}

// Starts a run and reads it back until it is merged; resolves the elapsed milliseconds.
async function runToEnd(e, workflowId) {
  const started = performance.now();
  const run = await e.api('POST', '/v1/workflows/execute', { workflowId });
  for (;;) {
    const state = await e.api('GET', `/v1/runs/${run.id}`);
    if (state.status === 'merged') return performance.now() - started;
    if (state.status === 'failed') throw new Error(`run failed: ${state.reason}`);
  }
}

// Waits until every run is merged (polling the list).
async function allMerged(e, ids) {
  const pending = new Set(ids);
  while (pending.size) {
    const { runs } = await e.api('GET', '/v1/runs');
    for (const r of runs) if (r.status === 'merged') pending.delete(r.id);
    if (pending.size) await new Promise((res) => setTimeout(res, 5));
  }
}

async function measure(e) {
  const out = {};
  const e2e = [];
  for (let i = 0; i < 20; i++) e2e.push(await runToEnd(e, e.three));
  out.threeStepMs = median(e2e);
  out.chainPerNodeMs = (await runToEnd(e, e.chain100)) / 100;
  out.fanPerNodeMs = (await runToEnd(e, e.fan100)) / 100;

  // Runs started per second: executes answered 202, CONCURRENCY at a time.
  const ids = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < runsPerRound) {
      next++;
      ids.push((await e.api('POST', '/v1/workflows/execute', { workflowId: e.ten })).id);
    }
  }));
  out.startsPerSecond = runsPerRound / ((performance.now() - t0) / 1000);
  // Those runs are 10-step chains: every step of all of them, stored, per second.
  await allMerged(e, ids);
  out.stepsPerSecond = (runsPerRound * 10) / ((performance.now() - t0) / 1000);
  return out;
}

printHeader('brainstem: durable orchestration',
  `noop workflows; ${rounds} rounds; ${runsPerRound} runs of a 10-step chain per round, started ${concurrency} at a time`);
const engines = [['this build', await engine(undefined)]];
if (process.env.BASELINE_BIN) engines.push(['baseline', await engine(process.env.BASELINE_BIN)]);
const results = new Map(engines.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, e] of engines) results.get(name).push(await measure(e));
}
const rows = [
  ['3-step no-op workflow, end to end (ms, p50)', 'threeStepMs', 2],
  ['scheduling per node, 100-node chain (ms)', 'chainPerNodeMs', 3],
  ['scheduling per node, 100-node fan-out (ms)', 'fanPerNodeMs', 3],
  ['runs started per second', 'startsPerSecond', 0],
  ['durable no-op steps per second', 'stepsPerSecond', 0],
];
for (const [name] of engines) {
  console.log(`\n${name}`);
  for (const [label, key, digits] of rows) {
    console.log(`  ${label.padEnd(48)} ${median(results.get(name).map((x) => x[key])).toFixed(digits)}`);
  }
}
for (const [, e] of engines) e.bs.stop();
