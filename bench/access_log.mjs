// What the access log costs: POST /v1/chat/completions through brainstem with log.access off
// and on (the default), the log written to a file, at saturation (64 connections), side by
// side and interleaved round by round; medians. BASELINE_BIN=path adds another build (e.g. the
// previous commit's) with the log off and on, measured in the same rounds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startBrainstem, startNginxFixed, wrk, median, printHeader } from './lib/harness.mjs';
import { completion, question } from './lib/chat_fixtures.mjs';

const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);
const logDir = mkdtempSync(join(tmpdir(), 'brainstem-access-log-'));

const upstream = await startNginxFixed(completion);
const config = `
[[models]]
id = "fixed-model"
provider = "openai"
base_url = "${upstream.url}/v1"
`;
const builds = [['brainstem', BIN]];
if (process.env.BASELINE_BIN) builds.push(['baseline', process.env.BASELINE_BIN]);
const engines = [];
for (const [name, bin] of builds) {
  for (const log of ['false', 'true']) {
    const logFile = join(logDir, `${name}-${log}.log`);
    const server = await startBrainstem({ BRAINSTEM_LOG_ACCESS: log }, config, { bin, logFile });
    engines.push({ name: `${name} log.access=${log}`, build: name, log, server, rps: [] });
  }
}

printHeader('brainstem: access log cost, POST /v1/chat/completions',
  `wrk -t1 -c64, ${rounds} rounds x ${seconds}s, engines interleaved; log written to a file in ${logDir}`);
const body = { model: 'fixed-model', ...question };
for (let r = 0; r < rounds; r++) {
  for (const e of engines) {
    e.rps.push(wrk(`${e.server.url}/v1/chat/completions`, { connections: 64, seconds, headers: { Authorization: `Bearer ${e.server.key}` }, body }).rps);
  }
}
console.log('engine                         req/s (median)   vs log off');
for (const e of engines) {
  const off = engines.find((o) => o.build === e.build && o.log === 'false');
  console.log(`${e.name.padEnd(30)} ${median(e.rps).toFixed(0).padStart(14)}   ${(median(e.rps) / median(off.rps)).toFixed(3).padStart(10)}`);
}
for (const e of engines) e.server.stop();
upstream.stop();
