// Gateway overhead of POST /v1/chat/completions, plain and streamed: a fixed fast upstream
// (nginx returning a canned completion) called directly, through nginx as a plain proxy (the
// floor: one C proxy hop with no auth or JSON), and through brainstem (API key auth, rate
// limiting, request parsing, the provider's upstream call, response rendering, metrics).
// Throughput at saturation (64 connections) and latency unloaded (1 connection); engines
// interleaved round by round; medians.
import { startBrainstem, startNginxFixed, wrk, median, printHeader } from './lib/harness.mjs';
import { completion, sse, words, question } from './lib/chat_fixtures.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);

const plainUpstream = await startNginxFixed(completion);
const streamUpstream = await startNginxFixed(sse, { contentType: 'text/event-stream' });
const plainProxy = await startNginxFixed('', { proxyTo: plainUpstream.url });
const streamProxy = await startNginxFixed('', { proxyTo: streamUpstream.url });
const bs = await startBrainstem({}, `
[[models]]
id = "fixed-model"
provider = "openai"
base_url = "${plainUpstream.url}/v1"

[[models]]
id = "fixed-stream"
provider = "openai"
base_url = "${streamUpstream.url}/v1"
`);

printHeader('brainstem: gateway overhead, POST /v1/chat/completions',
  `wrk -t1, ${rounds} rounds x ${seconds}s at 64 and 1 connections; upstream: nginx 1 worker with a canned reply (${words.length} streamed tokens)`);

const message = question;
const cases = [
  ['plain', 'upstream direct', plainUpstream.url, {}, { model: 'fixed-model', ...message }],
  ['plain', 'nginx proxy (floor)', plainProxy.url, {}, { model: 'fixed-model', ...message }],
  ['plain', 'brainstem', bs.url, { Authorization: `Bearer ${bs.key}` }, { model: 'fixed-model', ...message }],
  ['stream', 'upstream direct', streamUpstream.url, {}, { model: 'fixed-stream', stream: true, ...message }],
  ['stream', 'nginx proxy (floor)', streamProxy.url, {}, { model: 'fixed-stream', stream: true, ...message }],
  ['stream', 'brainstem', bs.url, { Authorization: `Bearer ${bs.key}` }, { model: 'fixed-stream', stream: true, ...message }],
];
const results = new Map(cases.map((c) => [c, { 64: [], 1: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const conns of [64, 1]) {
    for (const c of cases) {
      results.get(c)[conns].push(wrk(`${c[2]}/v1/chat/completions`, { connections: conns, seconds, headers: c[3], body: c[4] }));
    }
  }
}

console.log('mode    engine                 c=64 req/s  p50 ms  p99 ms |  c=1 req/s  p50 ms  p99 ms  non-2xx');
const rows = {};
for (const c of cases) {
  const r = results.get(c);
  const m = (conns, k) => median(r[conns].map((x) => x[k]));
  rows[`${c[0]} ${c[1]}`] = { rps64: m(64, 'rps'), p50_1: m(1, 'p50'), p99_1: m(1, 'p99') };
  const non2xx = [...r[64], ...r[1]].reduce((a, x) => a + x.non2xx, 0);
  console.log(`${c[0].padEnd(7)} ${c[1].padEnd(22)} ${m(64, 'rps').toFixed(0).padStart(10)} ${m(64, 'p50').toFixed(3).padStart(7)} ${m(64, 'p99').toFixed(3).padStart(7)} | ${m(1, 'rps').toFixed(0).padStart(9)} ${m(1, 'p50').toFixed(3).padStart(7)} ${m(1, 'p99').toFixed(3).padStart(7)} ${String(non2xx).padStart(8)}`);
}
for (const mode of ['plain', 'stream']) {
  const d = rows[`${mode} upstream direct`], b = rows[`${mode} brainstem`], n = rows[`${mode} nginx proxy (floor)`];
  console.log(`${mode}: brainstem adds ${(b.p50_1 - d.p50_1).toFixed(3)} ms p50 / ${(b.p99_1 - d.p99_1).toFixed(3)} ms p99 unloaded ` +
    `(nginx proxy adds ${(n.p50_1 - d.p50_1).toFixed(3)} / ${(n.p99_1 - d.p99_1).toFixed(3)}); saturated ${b.rps64.toFixed(0)} req/s vs nginx proxy ${n.rps64.toFixed(0)}`);
}
for (const s of [bs, plainUpstream, streamUpstream, plainProxy, streamProxy]) s.stop();
