// Memory soak: a million authenticated requests in chunks, RSS after each chunk. After the
// warm-up chunk RSS should stay flat; the last line says by how much it moved.
import { startBrainstem, wrk, rssKiB, printHeader } from './lib/harness.mjs';

const total = Number(process.env.REQUESTS ?? 1_000_000);
const chunk = Number(process.env.CHUNK_SECONDS ?? 5);
const bs = await startBrainstem();
printHeader('brainstem: memory soak', `GET /v1/rate-limits with an API key, wrk -t1 -c64 in ${chunk}s chunks until ${total} requests`);
console.log('requests        RSS MiB');
let done = 0;
const samples = [];
while (done < total) {
  const r = wrk(`${bs.url}/v1/rate-limits`, { connections: 64, seconds: chunk, headers: { 'X-API-Key': bs.key } });
  done += Math.round(r.rps * chunk);
  const rss = rssKiB(bs.pid);
  samples.push(rss);
  console.log(`${String(done).padStart(9)}   ${(rss / 1024).toFixed(1).padStart(10)}`);
}
const afterWarmup = samples.slice(1);
const growth = afterWarmup.at(-1) - afterWarmup[0];
console.log(`RSS change after warm-up: ${(growth / 1024).toFixed(1)} MiB over ${done} requests (max ${(Math.max(...afterWarmup) / 1024).toFixed(1)} MiB)`);
bs.stop();
