// Authenticated GET /v1/rate-limits under wrk: throughput at saturation (64 connections) and
// latency unloaded (1 connection), with nginx answering the same body as the floor; engines
// interleaved round by round, medians reported. Also RSS idle and under load.
import { startBrainstem, startNginxFixed, wrk, median, rssKiB, printHeader } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);

const bs = await startBrainstem();
const sample = await (await fetch(`${bs.url}/v1/rate-limits`, { headers: { 'X-API-Key': bs.key } })).text();
const ngx = await startNginxFixed(sample);
const idleRss = rssKiB(bs.pid);

printHeader('brainstem: authenticated GET /v1/rate-limits',
  `wrk -t1, ${rounds} rounds x ${seconds}s, 64 and 1 connections, API key in X-API-Key; floor: nginx 1 worker returning the same body`);

const results = { brainstem: { 64: [], 1: [] }, nginx: { 64: [], 1: [] } };
let peakRss = idleRss;
for (let r = 0; r < rounds; r++) {
  for (const conns of [64, 1]) {
    const sampler = setInterval(() => { peakRss = Math.max(peakRss, rssKiB(bs.pid)); }, 100);
    results.brainstem[conns].push(wrk(`${bs.url}/v1/rate-limits`, { connections: conns, seconds, headers: { 'X-API-Key': bs.key } }));
    clearInterval(sampler);
    results.nginx[conns].push(wrk(`${ngx.url}/v1/rate-limits`, { connections: conns, seconds }));
  }
}
peakRss = Math.max(peakRss, rssKiB(bs.pid));

console.log('case                              req/s      p50 ms    p99 ms   non-2xx');
for (const engine of ['brainstem', 'nginx']) {
  for (const conns of [64, 1]) {
    const runs = results[engine][conns];
    const row = [
      `${engine === 'nginx' ? 'nginx fixed body (floor)' : 'brainstem /v1/rate-limits'}, c=${conns}`.padEnd(32),
      median(runs.map((x) => x.rps)).toFixed(0).padStart(8),
      median(runs.map((x) => x.p50)).toFixed(3).padStart(10),
      median(runs.map((x) => x.p99)).toFixed(3).padStart(9),
      String(runs.reduce((a, x) => a + x.non2xx, 0)).padStart(9),
    ];
    console.log(row.join(' '));
  }
}
console.log(`brainstem RSS idle: ${(idleRss / 1024).toFixed(1)} MiB; max sampled under load: ${(peakRss / 1024).toFixed(1)} MiB`);
bs.stop();
ngx.stop();
