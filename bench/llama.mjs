// The model layer beside llama.cpp's own tools, on one random-weight GGUF (written by
// make_test_model; llama-server and llama-bench built by scripts/build-llama-tools.sh from the
// llama.cpp source brainstem links):
//  1. llama-server (SLOTS slots, continuous batching, --ignore-eos) called directly and through
//     brainstem's openai provider: aggregate generated tokens/s of 4 and 16 clients, each
//     sending REQUESTS_PER_CLIENT streamed /v1/chat/completions one after another.
//  2. brainstem's embedded llama provider beside llama-server with the same slots and threads:
//     time to first token and aggregate generated tokens/s of 1, 4 and 16 clients;
//  3. brainstem's embedded llama provider against llama-bench: prompt tokens/s (prompt tokens over
//     time to first token) and generation tokens/s (tokens after the first over the time they
//     took), then aggregate tokens/s of 8 concurrent streams against 1.
// Engines interleaved round by round; medians of rounds.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, renameSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startBrainstem, freePort, median, printHeader } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const maxTokens = Number(process.env.MAX_TOKENS ?? 64);
const promptTokens = Number(process.env.PROMPT_TOKENS ?? 128);
const requestsPerClient = Number(process.env.REQUESTS_PER_CLIENT ?? 2);
// Inference threads for every engine; one core is left to the client and the HTTP servers.
const threads = Number(process.env.THREADS ?? Math.max(1, cpus().length - 1));
const serverSlots = 4;
const localSlots = 8;
const requestTimeoutMs = 300000;

// SHAPE=small (default, ~100M parameters: fits a short run on a few cores) or SHAPE=0.5b
// (Qwen2-0.5B's dimensions). Layer weights are F32, the tied token embedding F16.
const shapes = {
  small: { params: '100M', embd: 512, layers: 8, heads: 8, kvHeads: 2, ff: 1408 },
  '0.5b': { params: '494M', embd: 896, layers: 24, heads: 14, kvHeads: 2, ff: 4864 },
};
const shapeName = process.env.SHAPE ?? 'small';
// PARTS=relay,streams,local (default all): which of the comparisons below to run.
const parts = (process.env.PARTS ?? 'relay,streams,local').split(',');
const shape = shapes[shapeName];
if (!shape) throw new Error(`SHAPE must be one of ${Object.keys(shapes).join(', ')}`);

const lastLine = (out) => out.trim().split('\n').pop();
const script = (name, env = {}) => lastLine(execFileSync(join(ROOT, 'scripts', name), {
  encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env },
}));

// The tools, the tokenizer and the model, each made once and kept in the cache.
const toolsBin = script('build-llama-tools.sh');
const llamaPrefix = script('setup-llama.sh');
const cacheRoot = process.env.BRAINSTEM_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'brainstem');
const modelDir = join(cacheRoot, 'bench-models');
mkdirSync(modelDir, { recursive: true });
const modelPath = join(modelDir, `qwen2-random-${shapeName}.gguf`);
if (!existsSync(modelPath)) {
  const makeModel = process.env.MAKE_TEST_MODEL ?? join(ROOT, 'build/tests/tools/make_test_model');
  execFileSync(makeModel, [
    '--arch', 'qwen2', '--vocab', join(llamaPrefix, 'share/brainstem/vocab/ggml-vocab-qwen2.gguf'), '--out', `${modelPath}.tmp`,
    '--embd', shape.embd, '--layers', shape.layers, '--heads', shape.heads, '--kv-heads', shape.kvHeads, '--ff', shape.ff,
    '--ctx', 4096, '--seed', 7,
  ].map(String), { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(`${modelPath}.tmp`, modelPath);
}
const modelMiB = statSync(modelPath).size / 2 ** 20;
const shapeText = `qwen2 ${shape.params} parameters (embd ${shape.embd}, ${shape.layers} layers, ${shape.heads} heads / ${shape.kvHeads} kv, ff ${shape.ff}, ` +
  `vocab 151936 tied), random weights (${modelMiB.toFixed(0)} MiB GGUF, F32 layers)`;

// fetch, sent again when the kept-alive connection it went out on was closed by the server
// before any response. llama-server closes connections that sat idle (here, while the other
// engine ran), and a client that reuses one sees "other side closed": a keep-alive race, not a
// failed generation. The client's pool may hold several such connections.
async function post(url, init) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      if (e?.cause?.code !== 'UND_ERR_SOCKET' || attempt === 8) throw e;
    }
  }
}

// One streamed chat completion (`content`: the user's message, or the whole messages array): when it was sent, when the first and last content arrived (ms),
// and the usage the stream reported (chunks with content where it reported none).
async function streamChat(url, key, model, content, max, onContent = () => {}) {
  const t0 = performance.now();
  const r = await post(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({
      model, stream: true, stream_options: { include_usage: true }, max_tokens: max, temperature: 0,
      messages: Array.isArray(content) ? content : [{ role: 'user', content }],
    }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
  const decoder = new TextDecoder();
  let buffer = '', first = 0, last = 0, chunks = 0, usage;
  for await (const bytes of r.body) {
    buffer += decoder.decode(bytes, { stream: true });
    for (let i; (i = buffer.indexOf('\n\n')) >= 0;) {
      const event = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 2);
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const data = JSON.parse(event.slice(6));
      if (data.error) throw new Error(`${url}: ${JSON.stringify(data.error)}`);
      if (data.usage) usage = data.usage;
      if (data.choices?.[0]?.delta?.content) {
        const now = performance.now();
        if (!first) first = now;
        last = now;
        chunks++;
        onContent(now);
      }
    }
  }
  return { t0, first, last, prompt: usage?.prompt_tokens ?? 0, completion: usage?.completion_tokens ?? chunks };
}

// `n` streams at once: generated tokens over the wall time of the whole burst, and the median
// time to first token.
async function burst(n, url, key, model, contentOf, max) {
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => streamChat(url, key, model, contentOf(i), max)));
  const seconds = (performance.now() - start) / 1000;
  const tokens = results.reduce((a, x) => a + x.completion, 0);
  return { tps: tokens / seconds, tokens, ttft: median(results.map((x) => x.first - x.t0)) };
}

// `n` clients, each sending `perClient` streams one after another: generated tokens over the
// wall time of the whole run, and the median time to first token. After their first request
// the clients drift apart as real ones do, so the figure is the sustained rate at `n` streams
// and does not hinge on where one synchronised burst of arrivals lands in the server's
// batching loop (a request that arrives a fraction of a millisecond after the loop started a
// decode waits for that whole decode).
async function sustained(n, perClient, url, key, model, contentOf, max) {
  const start = performance.now();
  const perClientResults = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const out = [];
    for (let k = 0; k < perClient; k++) out.push(await streamChat(url, key, model, contentOf(i * perClient + k), max));
    return out;
  }));
  const results = perClientResults.flat();
  const seconds = (performance.now() - start) / 1000;
  const tokens = results.reduce((a, x) => a + x.completion, 0);
  return { tps: tokens / seconds, tokens, ttft: median(results.map((x) => x.first - x.t0)) };
}

async function waitReady(url, child, what, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { if ((await fetch(url)).status === 200) return; } catch { /* not yet */ }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// llama-server on the bench model with SLOTS slots of 1,024 tokens and the bench's threads,
// generating to max_tokens (--ignore-eos); resolves once it answers /health.
async function startLlamaServer() {
  const port = await freePort();
  const server = spawn(join(toolsBin, 'llama-server'), [
    '-m', modelPath, '--host', '127.0.0.1', '--port', String(port), '-np', String(serverSlots),
    '-c', String(serverSlots * 1024), '-t', String(threads), '-tb', String(threads), '--ignore-eos', '--no-webui',
  ], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/health`, server, 'llama-server');
  } catch (e) {
    server.kill('SIGTERM');
    throw e;
  }
  return { server, url };
}

const words = 'the quick brown fox jumps over a lazy dog while seven wizards quietly hex bold jumbo plans'.split(' ');
const sentence = (i, n) => `Request ${i}: ${Array.from({ length: n }, (_, k) => words[(k + i) % words.length]).join(' ')}`;
const shortPrompt = (i) => sentence(i, 24);
// An agent's request: the same system prompt every time, then a message never sent before.
const agentSystem = 'You are the support agent of a furniture shop. Answer briefly and politely, in the language of the ' +
  'customer. Orders ship within three working days; returns are free for thirty days; a refund reaches the card within ' +
  'five working days. Never promise a delivery date you cannot see in the order. Ask for the order number when it is missing.';
let agentRequests = 0;
const agentPrompt = () => [{ role: 'system', content: agentSystem }, { role: 'user', content: sentence(++agentRequests, 24) }];
const columns = `${'clients'.padStart(7)} ${'gen tok/s'.padStart(10)} ${'TTFT p50 ms'.padStart(12)} ${'tokens/run'.padStart(13)}`;

printHeader('brainstem: model layer beside llama.cpp (llama-server, llama-bench)',
  `${shapeText}; ${threads} inference thread${threads === 1 ? '' : 's'}; ${maxTokens} generated tokens per request, temperature 0; ` +
  `${requestsPerClient} requests per client through llama-server; ${rounds} rounds, medians`);

// ---------------------------------------------------------------------------------------------
// 1. brainstem's openai provider in front of llama-server.
if (parts.includes('relay')) {
  const { server, url: serverUrl } = await startLlamaServer();
  let bs;
  try {
    bs = await startBrainstem({}, `
  [[models]]
  id = "served"
  provider = "openai"
  base_url = "${serverUrl}/v1"
  `);
    const engines = [
      ['llama-server direct', serverUrl, undefined],
      ['brainstem -> llama-server', bs.url, bs.key],
    ];
    const clients = [4, 16];
    const results = new Map(engines.map((e) => [e, Object.fromEntries(clients.map((c) => [c, []]))]));
    for (const e of engines) await burst(serverSlots, e[1], e[2], 'served', shortPrompt, 8);  // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const c of clients) {
        const order = r % 2 ? [...engines].reverse() : engines;
        for (const e of order) {
          results.get(e)[c].push(await sustained(c, requestsPerClient, e[1], e[2], 'served', (i) => shortPrompt(r * 100 + i), maxTokens));
        }
      }
    }
    console.log(`${`llama-server -np ${serverSlots}, streamed`.padEnd(34)} ${columns}`);
    const tps = {};
    for (const e of engines) {
      for (const c of clients) {
        const runs = results.get(e)[c];
        tps[`${e[0]} ${c}`] = median(runs.map((x) => x.tps));
        console.log(`${e[0].padEnd(34)} ${String(c).padStart(7)} ${median(runs.map((x) => x.tps)).toFixed(1).padStart(10)} ` +
          `${median(runs.map((x) => x.ttft)).toFixed(0).padStart(12)} ${String(median(runs.map((x) => x.tokens))).padStart(13)}`);
      }
    }
    console.log(`brainstem / direct: ${clients.map((c) => `${c} clients ${(tps[`${engines[1][0]} ${c}`] / tps[`${engines[0][0]} ${c}`]).toFixed(3)}`).join(', ')} (target >= 0.95)`);
  } finally {
    bs?.stop();
    server.kill('SIGTERM');
  }
  console.log('');
}

// ---------------------------------------------------------------------------------------------
// 2. brainstem's embedded llama provider beside llama-server, the same slots and threads, both
//    keeping prompts in their slots' caches: an agent's requests (one system prompt, messages
//    never sent before).
if (parts.includes('streams')) {
  const { server, url: serverUrl } = await startLlamaServer();
  let bs;
  try {
    bs = await startBrainstem({}, `
  [[models]]
  id = "local"
  provider = "llama"
  path = "${modelPath}"
  slots = ${serverSlots}
  threads = ${threads}
  context_size = ${serverSlots * 1024}
  `);
    const engines = [
      ['llama-server', serverUrl, undefined, 'served'],
      ['brainstem llama provider', bs.url, bs.key, 'local'],
    ];
    const clients = [1, 4, 16];
    const results = new Map(engines.map((e) => [e, Object.fromEntries(clients.map((c) => [c, []]))]));
    for (const e of engines) await burst(serverSlots, e[1], e[2], e[3], agentPrompt, 8);  // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const c of clients) {
        const order = r % 2 ? [...engines].reverse() : engines;
        for (const e of order) {
          results.get(e)[c].push(await sustained(c, requestsPerClient, e[1], e[2], e[3], agentPrompt, maxTokens));
        }
      }
    }
    console.log(`${`${serverSlots} slots each, agent requests`.padEnd(34)} ${columns}`);
    const m = (e, c, k) => median(results.get(e)[c].map((x) => x[k]));
    for (const e of engines) {
      for (const c of clients) {
        console.log(`${e[0].padEnd(34)} ${String(c).padStart(7)} ${m(e, c, 'tps').toFixed(1).padStart(10)} ` +
          `${m(e, c, 'ttft').toFixed(0).padStart(12)} ${String(m(e, c, 'tokens')).padStart(13)}`);
      }
    }
    // A long prompt (about 700 tokens) arriving while a stream generates: the longest pause
    // between that stream's tokens while the prompt is read.
    const longStall = async (e) => {
      const times = [];
      let sent = 0;
      const running = streamChat(e[1], e[2], e[3], agentPrompt(), 48, (t) => times.push(t));
      while (times.length < 4) await new Promise((r) => setTimeout(r, 5));
      sent = performance.now();
      const long = await streamChat(e[1], e[2], e[3], sentence(++agentRequests, 680), 4);
      await running;
      const during = times.filter((t) => t >= sent);
      let gap = 0;
      for (let i = 1; i < during.length && during[i - 1] < long.first; i++) gap = Math.max(gap, during[i] - during[i - 1]);
      return { gap, prefill: long.first - long.t0, prompt: long.prompt };
    };
    const stalls = new Map(engines.map((e) => [e, []]));
    for (let r = 0; r < rounds; r++) for (const e of r % 2 ? [...engines].reverse() : engines) stalls.get(e).push(await longStall(e));
    for (const e of engines) {
      const runs = stalls.get(e);
      console.log(`${e[0].padEnd(34)} long prompt (${runs[0].prompt} tokens) read in ${median(runs.map((x) => x.prefill)).toFixed(0)} ms; ` +
        `a running stream's longest pause meanwhile ${median(runs.map((x) => x.gap)).toFixed(0)} ms`);
    }
    const [server_, local_] = engines;
    console.log(`brainstem / llama-server: ${clients.map((c) => `${c} clients: TTFT ${(m(local_, c, 'ttft') / m(server_, c, 'ttft')).toFixed(2)}x ` +
      `(target <= 1.2), tokens/s ${(m(local_, c, 'tps') / m(server_, c, 'tps')).toFixed(2)}x`).join('; ')}`);
  } finally {
    bs?.stop();
    server.kill('SIGTERM');
  }
  console.log('');
}

// ---------------------------------------------------------------------------------------------
// 3. brainstem's embedded llama provider beside llama-bench.
if (parts.includes('local')) {
  const local = await startBrainstem({}, `
  [[models]]
  id = "local"
  provider = "llama"
  path = "${modelPath}"
  slots = ${localSlots}
  threads = ${threads}
  context_size = ${localSlots * 1024}
  `);
  try {
    // A prompt of about PROMPT_TOKENS tokens once templated: measured, then padded by words.
    const calibrate = async (n) => (await streamChat(local.url, local.key, 'local', sentence(0, n), 1)).prompt;
    let n = promptTokens;
    n = Math.max(1, n + promptTokens - await calibrate(n));
    n = Math.max(1, n + promptTokens - await calibrate(n));
    // A prompt of that length no slot has seen: its words start elsewhere every time, so no
    // slot's prompt cache holds more than the chat template's first tokens.
    let runs = 0;
    const longPrompt = () => sentence(1000 + ++runs, n);
    const benchArgs = ['-m', modelPath, '-p', String(promptTokens), '-n', String(maxTokens), '-t', String(threads),
      '-b', '512', '-ub', '512', '-r', '1', '-o', 'json'];
    const runBench = () => {
      const out = JSON.parse(execFileSync(join(toolsBin, 'llama-bench'), benchArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      return { pp: out.find((x) => x.n_prompt > 0 && x.n_gen === 0).avg_ts, tg: out.find((x) => x.n_gen > 0).avg_ts };
    };
    const runLocal = async () => {
      const x = await streamChat(local.url, local.key, 'local', longPrompt(), maxTokens + 1);
      return { pp: x.prompt / ((x.first - x.t0) / 1000), tg: (x.completion - 1) / ((x.last - x.first) / 1000), prompt: x.prompt, completion: x.completion };
    };
    await runLocal();  // warm-up (llama-bench warms up on its own)
    const bench = [], single = [], c1 = [], c8 = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2) { single.push(await runLocal()); bench.push(runBench()); } else { bench.push(runBench()); single.push(await runLocal()); }
      c1.push(await burst(1, local.url, local.key, 'local', (i) => shortPrompt(r * 100 + i), maxTokens));
      c8.push(await burst(localSlots, local.url, local.key, 'local', (i) => shortPrompt(r * 100 + i), maxTokens));
    }
    const m = (xs, k) => median(xs.map((x) => x[k]));
    console.log(`${`single stream, pp${promptTokens} tg${maxTokens}`.padEnd(40)} ${'prompt tok/s'.padStart(12)} ${'gen tok/s'.padStart(11)}`);
    console.log(`${'llama-bench'.padEnd(40)} ${m(bench, 'pp').toFixed(1).padStart(12)} ${m(bench, 'tg').toFixed(1).padStart(11)}`);
    console.log(`${`brainstem llama provider (${m(single, 'prompt')} prompt tok)`.padEnd(40)} ${m(single, 'pp').toFixed(1).padStart(12)} ${m(single, 'tg').toFixed(1).padStart(11)}`);
    console.log(`brainstem / llama-bench: prompt ${(m(single, 'pp') / m(bench, 'pp')).toFixed(3)}, generation ${(m(single, 'tg') / m(bench, 'tg')).toFixed(3)} (target >= 0.95)`);
    console.log(`${`brainstem llama provider, ${localSlots} slots`.padEnd(34)} ${columns}`);
    for (const [c, runs] of [[1, c1], [localSlots, c8]]) {
      console.log(`${'brainstem llama provider'.padEnd(34)} ${String(c).padStart(7)} ${m(runs, 'tps').toFixed(1).padStart(10)} ${m(runs, 'ttft').toFixed(0).padStart(12)} ${String(m(runs, 'tokens')).padStart(13)}`);
    }
    console.log(`${localSlots} streams / 1 stream: ${(m(c8, 'tps') / m(c1, 'tps')).toFixed(2)}x aggregate tokens/s`);
  } finally {
    local.stop();
  }
}
