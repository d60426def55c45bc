// Instructions a proxied chat request costs brainstem's own code (user space: the kernel's
// socket work is not counted), plain and streamed (from an OpenAI-compatible upstream and from
// an Anthropic one), counted by valgrind's callgrind over a fixed load. Unlike requests per
// second this does not drift with the machine's speed, so two builds compare exactly:
// BASELINE_BIN=path/to/other/brainstem runs that build beside this one.
// Instrumentation is switched on only for the measured requests (not for start-up or warm-up).
import { BIN, startBrainstem, startNginxFixed, printHeader } from './lib/harness.mjs';
import { anthropicSse, completion, sse, words, question } from './lib/chat_fixtures.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.env.SECONDS_PER_RUN ?? 6);
const builds = [['this build', BIN], ...(process.env.BASELINE_BIN ? [['baseline', process.env.BASELINE_BIN]] : [])];

// wrk at 8 connections for `secs`; the number of completed requests and of failed ones.
function load(url, key, body, secs) {
  const script = join(mkdtempSync(join(tmpdir(), 'wrk-')), 'post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify(body))}\nwrk.headers["Content-Type"] = "application/json"\n`);
  const out = execFileSync('wrk', ['-t1', '-c8', `-d${secs}s`, '-H', `Authorization: Bearer ${key}`, '-s', script, `${url}/v1/chat/completions`], { encoding: 'utf8' });
  return { requests: Number(out.match(/(\d+) requests in/)[1]), failed: Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0) };
}

async function measure(bin, upstream, provider, stream) {
  const callgrindOut = join(mkdtempSync(join(tmpdir(), 'callgrind-')), 'callgrind.out');
  const launcher = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${callgrindOut}`];
  const bs = await startBrainstem({}, `[[models]]\nid = "fixed-model"\nprovider = "${provider}"\nbase_url = "${upstream.url}/v1"\n`,
    { bin, launcher, startTimeoutMs: 120000 });
  const body = { model: 'fixed-model', ...question, ...(stream ? { stream: true } : {}) };
  load(bs.url, bs.key, body, 2);  // warm-up: pools, caches, allocator
  execFileSync('callgrind_control', ['--instr=on', String(bs.pid)], { stdio: 'ignore' });
  const run = load(bs.url, bs.key, body, seconds);
  execFileSync('callgrind_control', ['--instr=off', String(bs.pid)], { stdio: 'ignore' });
  bs.stop();
  await bs.exited();
  const dir = join(callgrindOut, '..');
  let instructions = 0;
  for (const f of readdirSync(dir)) {
    const totals = readFileSync(join(dir, f), 'utf8').match(/^totals: (\d+)/m);
    if (totals) instructions += Number(totals[1]);
  }
  return { perRequest: instructions / run.requests, requests: run.requests, failed: run.failed };
}

const plainUpstream = await startNginxFixed(completion);
const streamUpstream = await startNginxFixed(sse, { contentType: 'text/event-stream' });
const anthropicUpstream = await startNginxFixed(anthropicSse, { contentType: 'text/event-stream' });
printHeader('brainstem: instructions per proxied POST /v1/chat/completions (user space, callgrind)',
  `wrk -t1 -c8 for ${seconds}s per build and mode; upstream: nginx with a canned reply (${words.length} streamed tokens)`);
console.log('mode                        build        instructions/request  requests  non-2xx');
const modes = [
  ['plain', plainUpstream, 'openai', false],
  ['stream', streamUpstream, 'openai', true],
  ['stream, Anthropic upstream', anthropicUpstream, 'anthropic', true],
];
for (const [mode, upstream, provider, stream] of modes) {
  for (const [name, bin] of builds) {
    const r = await measure(bin, upstream, provider, stream);
    console.log(`${mode.padEnd(27)} ${name.padEnd(12)} ${r.perRequest.toFixed(0).padStart(20)} ${String(r.requests).padStart(9)} ${String(r.failed).padStart(8)}`);
  }
}
for (const u of [plainUpstream, streamUpstream, anthropicUpstream]) u.stop();
