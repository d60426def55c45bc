// The knowledge base over HTTP: ingestion throughput (MB/s and chunks/s) of Markdown and HTML
// documents uploaded as multipart, then POST /v1/knowledge/search latency unloaded
// (1 connection) and requests/s at saturation (64 connections), beside nginx answering a
// search-sized canned body (the floor). Engines interleaved round by round; medians.
import { startBrainstem, startNginxFixed, wrk, median, printHeader } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);
const documents = Number(process.env.DOCUMENTS ?? 8);
const sectionsPerDocument = Number(process.env.SECTIONS ?? 400);

// A synthetic help-centre corpus: Zipf-distributed words from a fixed vocabulary, seeded.
let seed = 42;
const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const vocabulary = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}`);
const zipf = () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(Math.pow(random(), 3) * vocabulary.length))];
const sentence = () => Array.from({ length: 8 + Math.floor(random() * 12) }, zipf).join(' ') + '.';
const paragraph = () => Array.from({ length: 3 + Math.floor(random() * 4) }, sentence).join(' ');
function markdown(n) {
  const parts = [`# Manual ${n}`];
  for (let s = 0; s < sectionsPerDocument; s++) parts.push(`## Section ${n}.${s}`, paragraph(), paragraph());
  return parts.join('\n\n');
}
function html(n) {
  const parts = [`<html><head><title>Guide ${n}</title><script>var x = 1;</script></head><body><nav>Home</nav><h1>Guide ${n}</h1>`];
  for (let s = 0; s < sectionsPerDocument; s++) parts.push(`<h2>Topic ${n}.${s}</h2><p>${paragraph()}</p><p>${paragraph()}</p>`);
  return parts.join('\n') + '</body></html>';
}

const bs = await startBrainstem({ BRAINSTEM_KNOWLEDGE_MAX_FILE_MB: '64' });
const files = Array.from({ length: documents }, (_, i) => (i % 2 === 0
  ? { name: `manual-${i}.md`, bytes: Buffer.from(markdown(i)) }
  : { name: `guide-${i}.html`, bytes: Buffer.from(html(i)) }));
const totalBytes = files.reduce((a, f) => a + f.bytes.length, 0);

printHeader('brainstem: knowledge ingestion and search',
  `${documents} documents (Markdown and HTML, ${(totalBytes / 1048576).toFixed(1)} MB, synthetic Zipf text), built-in embedder; ` +
  `search: wrk -t1, ${rounds} rounds x ${seconds}s`);

let chunks = 0;
const started = process.hrtime.bigint();
for (const [i, f] of files.entries()) {
  const form = new FormData();
  form.append('source_id', `bench-${i}`);
  form.append('file', new Blob([f.bytes]), f.name);
  const r = await fetch(`${bs.url}/v1/knowledge/ingest/file`, { method: 'POST', headers: { 'X-API-Key': bs.key }, body: form });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`ingest ${f.name}: ${r.status} ${JSON.stringify(body)}`);
  chunks += body.chunks_created;
}
const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
console.log('ingestion                      MB      chunks   seconds    MB/s   chunks/s');
console.log(`${'upload, sequential'.padEnd(28)} ${(totalBytes / 1048576).toFixed(1).padStart(6)} ${String(chunks).padStart(9)} ${elapsedS.toFixed(2).padStart(9)} ${(totalBytes / 1048576 / elapsedS).toFixed(2).padStart(7)} ${(chunks / elapsedS).toFixed(0).padStart(9)}`);

const query = { query: `${vocabulary[7]} ${vocabulary[120]} ${vocabulary[900]}`, limit: 5 };
const sample = await (await fetch(`${bs.url}/v1/knowledge/search`, {
  method: 'POST', body: JSON.stringify(query), headers: { 'Content-Type': 'application/json', 'X-API-Key': bs.key },
})).text();
// The floor answers a body of the same size, up to the 4 KB an nginx config string may hold.
const floorBytes = Math.min(sample.length, 3500);
const floor = await startNginxFixed(JSON.stringify({ results: 'x'.repeat(floorBytes - 15) }));
const cases = [
  [`nginx, canned ${floorBytes} B answer`, floor.url, {}],
  ['brainstem /v1/knowledge/search', `${bs.url}/v1/knowledge/search`, { 'X-API-Key': bs.key }],
];
const results = new Map(cases.map((c) => [c, { c1: [], c64: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    results.get(c).c1.push(wrk(c[1], { connections: 1, seconds, headers: c[2], body: query }));
    results.get(c).c64.push(wrk(c[1], { connections: 64, seconds, headers: c[2], body: query }));
  }
}
console.log(`\nsearch over ${chunks} chunks (${sample.length} B answer), top 5   c=1 p50 ms  c=1 p99 ms  c=64 req/s  non-2xx`);
for (const c of cases) {
  const { c1, c64 } = results.get(c);
  const non2xx = [...c1, ...c64].reduce((a, x) => a + x.non2xx, 0);
  console.log(`${c[0].padEnd(38)} ${median(c1.map((x) => x.p50)).toFixed(3).padStart(10)} ${median(c1.map((x) => x.p99)).toFixed(3).padStart(11)} ${median(c64.map((x) => x.rps)).toFixed(0).padStart(11)} ${String(non2xx).padStart(8)}`);
}
for (const s of [bs, floor]) s.stop();
