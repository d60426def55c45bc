// Shared pieces of the HTTP benchmarks: a brainstem server with a tenant and key, an nginx
// floor answering a fixed body, wrk runs parsed into numbers, RSS sampling, and the header
// every benchmark prints (LevelDB's db_bench style).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = process.env.BRAINSTEM_BIN ?? join(ROOT, 'build/src/brainstem');

export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function waitFor(url, child, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* not yet */ }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// brainstem with limits off and no access log (both are measured elsewhere), plus a key.
// `bin` is the build to run; `launcher` runs it under a tool (valgrind ...), which may take
// `startTimeoutMs` to come up; `logFile` takes its log (stderr), which is discarded otherwise.
// `dataDir`: serve that data directory (a restart on what an earlier server left) instead of a new one.
export async function startBrainstem(extraEnv = {}, config = '', { bin = BIN, launcher = [], startTimeoutMs = 15000, logFile, dataDir } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'brainstem-bench-'));
  const port = await freePort();
  const data = dataDir ?? join(dir, 'data');
  const args = ['serve', '--data', data, '--listen', `127.0.0.1:${port}`];
  if (config) {
    writeFileSync(join(dir, 'brainstem.toml'), config);
    args.push('--config', join(dir, 'brainstem.toml'));
  }
  const command = [...launcher, bin, ...args];
  const child = spawn(command[0], command.slice(1), {
    env: {
      ...process.env, BRAINSTEM_LOG_ACCESS: 'false', BRAINSTEM_LIMITS_REQUESTS_PER_MINUTE: '0',
      BRAINSTEM_LIMITS_REQUESTS_PER_HOUR: '0', BRAINSTEM_LIMITS_REQUESTS_PER_DAY: '0', ...extraEnv,
    },
    stdio: ['ignore', 'ignore', logFile ? openSync(logFile, 'a') : 'ignore'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, child, 'brainstem', startTimeoutMs);
  const post = (path, body, token) => fetch(url + path, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  }).then((r) => r.json());
  await post('/v1/auth/signup', { email: 'bench@example.com', password: 'bench-password' });
  const { token } = await post('/v1/auth/login', { email: 'bench@example.com', password: 'bench-password' });
  const { rawKey } = await post('/v1/api-keys', { name: 'bench' }, token);
  return {
    url, port, pid: child.pid, key: rawKey, data,
    stop: () => child.kill('SIGTERM'),
    exited: () => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.on('exit', r))),
  };
}

// nginx (one worker) answering `body` on every request: the cost of the plainest C server.
// With `proxyTo`, a plain reverse proxy (keep-alive pool of 64) in front of that URL instead.
export async function startNginxFixed(body, { contentType = 'application/json', proxyTo } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-bench-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  ${proxyTo ? `upstream backend { server ${proxyTo.replace('http://', '')}; keepalive 64; }` : ''}
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / { ${proxyTo ? `proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";`
                             : `default_type ${contentType}; return 200 '${body}';`} }
  }
}`);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, child, 'nginx');
  return { url, pid: child.pid, stop: () => child.kill('SIGQUIT') };
}

const toMs = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit]);

// One wrk run; returns {rps, p50, p99 (ms), non2xx}. With `body`, a POST of that JSON; with
// `unique` also, that string in the body is replaced on every request by a value no earlier
// run has used either (a run prefix and a counter).
export function wrk(url, { connections, seconds, headers = {}, body, unique }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (body !== undefined) {
    const script = join(mkdtempSync(join(tmpdir(), 'wrk-')), 'post.lua');
    const text = JSON.stringify(JSON.stringify(body));
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const perRequest = unique === undefined ? '' : `counter = 0
request = function()
  counter = counter + 1
  local body = string.gsub(wrk.body, ${JSON.stringify(unique)}, "${run}-" .. counter)
  return wrk.format(nil, nil, nil, body)
end
`;
    writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${text}\nwrk.headers["Content-Type"] = "application/json"\n${perRequest}`);
    args.push('-s', script);
  }
  const out = execFileSync('wrk', [...args, url], { encoding: 'utf8' });
  const pct = (p) => { const m = out.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`)); return toMs(m[1], m[2]); };
  return {
    rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50: pct(50), p99: pct(99),
    non2xx: Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0),
  };
}

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

export function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(m[1]);
}

export function printHeader(title, workload) {
  let commit = 'unknown';
  try { commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  let buildType = 'unknown';
  try { buildType = readFileSync(join(ROOT, 'build/CMakeCache.txt'), 'utf8').match(/CMAKE_BUILD_TYPE:STRING=(\S*)/)[1]; } catch { /* no cache */ }
  console.log(`${title}`);
  console.log(`Date:       ${new Date().toISOString()}`);
  console.log(`Commit:     ${commit}`);
  console.log(`CPU:        ${cpus()[0].model} x ${cpus().length}`);
  console.log(`Build:      ${buildType}`);
  if (buildType === 'Debug') console.log('WARNING:    Debug build: figures are not representative');
  console.log(`Workload:   ${workload}`);
  console.log('------------------------------------------------------------------------');
}
