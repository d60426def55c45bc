// Starts the real brainstem binary on a free loopback port with a fresh data directory,
// and stops it. Every e2e test file uses this.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const BIN = process.env.BRAINSTEM_BIN ?? new URL('../../../build/src/brainstem', import.meta.url).pathname;

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Runs a brainstem CLI command to completion; resolves {code, stdout, stderr}.
export async function cli(args, env = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(BIN, args, { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export async function startServer({ config = '', env = {}, dataDir, args: extraArgs = [] } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'brainstem-e2e-'));
  const data = dataDir ?? join(dir, 'data');
  const port = await freePort();
  const args = ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, ...extraArgs];
  if (config) {
    await writeFile(join(dir, 'brainstem.toml'), config);
    args.push('--config', join(dir, 'brainstem.toml'));
  }
  const child = spawn(BIN, args, {
    env: { ...process.env, BRAINSTEM_LOG_ACCESS: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null) throw new Error(`brainstem exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`brainstem did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url, port, dir, data, child, exited,
    logs: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async cleanup() {
      await this.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// fetch + JSON: resolves {status, headers, body} where body is parsed JSON when possible.
export async function call(base, method, path, { body, token, apiKey, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (apiKey) h['X-API-Key'] = apiKey;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, body: parsed, text };
}

let counter = 0;
// Signs up a fresh user and logs in; returns {email, password, token, tenantId, userId}.
export async function newAccount(base, name = 'Test User') {
  const email = `user${process.pid}_${Date.now()}_${counter++}@example.com`;
  const password = 'correct horse battery';
  const s = await call(base, 'POST', '/v1/auth/signup', { body: { email, password, name } });
  if (s.status !== 201) throw new Error(`signup failed: ${s.status} ${s.text}`);
  const l = await call(base, 'POST', '/v1/auth/login', { body: { email, password } });
  if (l.status !== 200) throw new Error(`login failed: ${l.status} ${l.text}`);
  return { email, password, token: l.body.data.token, tenantId: l.body.data.user.tenantId, userId: s.body.data.userId };
}

// Starts tests/fake_upstream/server.mjs; resolves {url, port, control(obj), stats(), stop()}.
export async function startFakeUpstream() {
  const script = new URL('../../fake_upstream/server.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { const m = String(d).match(/listening (\d+)/); if (m) resolve(Number(m[1])); });
    child.once('exit', () => reject(new Error('fake upstream exited')));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url, port,
    async control(obj) { await fetch(`${url}/_control`, { method: 'POST', body: JSON.stringify(obj) }); },
    async stats() { return (await fetch(`${url}/_stats`)).json(); },
    stop() { child.kill(); },
  };
}
