// The message pipeline (POST /v1/chat): requests/s of semantic cache hits and of misses that
// call a fixed fast upstream (nginx with a canned completion), beside the same upstream
// through brainstem's plain OpenAI route and called directly; then each stage's own time
// (p50/p99 of step_timings over sequential requests, 1 connection). Engines interleaved
// round by round; medians.
import { startBrainstem, startNginxFixed, wrk, median, printHeader } from './lib/harness.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_RUN ?? 5);
const samples = Number(process.env.STAGE_SAMPLES ?? 300);

const completion = JSON.stringify({
  id: 'chatcmpl-fixed', object: 'chat.completion', created: 1700000000, model: 'fixed-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Our business hours are 9am to 5pm, Monday to Friday.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 120, completion_tokens: 14, total_tokens: 134 },
});
const upstream = await startNginxFixed(completion);
// One brainstem build with its agents: a cached one (its answer warmed) and an uncached one.
async function engine(bin) {
  const bs = await startBrainstem({}, `
[[models]]
id = "fixed-model"
provider = "openai"
base_url = "${upstream.url}/v1"
price_in_per_1k = 0.15
price_out_per_1k = 0.6
`, { bin });

  // One retry: a pooled idle connection may have been closed by the server's idle timeout while
  // wrk ran.
  const api = async (method, path, body, token, retried = false) => {
    try {
      const r = await fetch(bs.url + path, {
        method, body: body && JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      });
      return await r.json();
    } catch (e) {
      if (retried) throw e;
      return api(method, path, body, token, true);
    }
  };
  const { token } = await api('POST', '/v1/auth/login', { email: 'bench@example.com', password: 'bench-password' });
  const me = await api('GET', '/v1/auth/me', undefined, token);
  const company = me.data?.tenantId ?? me.tenantId ?? me.data?.tenant?.id;
  const faqs = [
    { question: 'What are your business hours?', answer: 'Sunday to Thursday, 9 AM to 6 PM.' },
    { question: 'Where are you located?', answer: '123 Business St, Cairo.' },
    { question: 'Do you deliver on weekends?', answer: 'Yes, on Saturdays.' },
  ];
  const cached = await api('POST', '/v1/agents', { name: 'Cached agent', faqs, system_prompt: 'You are {{ agent.name }}.' }, token);
  const uncached = await api('POST', '/v1/agents', { name: 'Uncached agent', faqs, cache: { enabled: false } }, token);
  await api('POST', '/v1/cache/warm', { company_id: company, agent_id: cached.id, pairs: [{ question: 'What are your business hours?', answer: 'Sunday to Thursday, 9 AM to 6 PM.' }] }, bs.key);
  return { bs, api, company, cached, uncached };
}
const { bs, api, company, cached, uncached } = await engine(undefined);
// BASELINE_BIN=path adds another build's cache hits and misses to the same rounds.
const baseline = process.env.BASELINE_BIN ? await engine(process.env.BASELINE_BIN) : null;

printHeader('brainstem: message pipeline, POST /v1/chat',
  `wrk -t1, ${rounds} rounds x ${seconds}s at 64 connections; upstream: nginx 1 worker with a canned completion`);

// Every request opens a new conversation (wrk numbers CONV), as a customer's first question does.
const chatBody = (agentId, tenant = company) => ({ company_id: tenant, agent_id: agentId, conversation_id: 'conv-CONV', customer_id: 'cust_bench', message: 'What are your business hours?' });
const auth = { Authorization: `Bearer ${bs.key}` };
const cases = [
  ['upstream direct', `${upstream.url}/v1/chat/completions`, {}, { model: 'fixed-model', messages: [{ role: 'user', content: 'hi' }] }],
  ['brainstem /v1/chat/completions', `${bs.url}/v1/chat/completions`, auth, { model: 'fixed-model', messages: [{ role: 'user', content: 'What are your business hours?' }] }],
  ['pipeline, cache hit', `${bs.url}/v1/chat`, auth, chatBody(cached.id)],
  ['pipeline, cache miss (model call)', `${bs.url}/v1/chat`, auth, chatBody(uncached.id)],
  ...(baseline ? [
    ['baseline: pipeline, cache hit', `${baseline.bs.url}/v1/chat`, { Authorization: `Bearer ${baseline.bs.key}` }, chatBody(baseline.cached.id, baseline.company)],
    ['baseline: cache miss (model call)', `${baseline.bs.url}/v1/chat`, { Authorization: `Bearer ${baseline.bs.key}` }, chatBody(baseline.uncached.id, baseline.company)],
  ] : []),
];
const results = new Map(cases.map((c) => [c, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of cases) results.get(c).push(wrk(c[1], { connections: 64, seconds, headers: c[2], body: c[3], unique: 'CONV' }));
}
console.log('case                                  c=64 req/s  p50 ms  p99 ms  non-2xx');
for (const c of cases) {
  const r = results.get(c);
  const m = (k) => median(r.map((x) => x[k]));
  const non2xx = r.reduce((a, x) => a + x.non2xx, 0);
  console.log(`${c[0].padEnd(36)} ${m('rps').toFixed(0).padStart(10)} ${m('p50').toFixed(3).padStart(7)} ${m('p99').toFixed(3).padStart(7)} ${String(non2xx).padStart(8)}`);
}

// Each stage's own time, from the responses' step_timings (ms), sequential requests.
async function stageTimes(agentId, label) {
  const byStage = {};
  for (let i = 0; i < samples; i++) {
    const r = await api('POST', '/v1/chat', { ...chatBody(agentId), conversation_id: `stages-${label}-${i}` }, bs.key);
    for (const [k, v] of Object.entries(r.step_timings)) if (k !== 'tool_call_rounds') (byStage[k] ??= []).push(v);
    (byStage.total ??= []).push(r.latency_ms);
  }
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  console.log(`\nstage timings, ${label} (${samples} sequential requests), ms`);
  console.log('stage              p50      p99');
  for (const [k, xs] of Object.entries(byStage)) console.log(`${k.padEnd(16)} ${pct(xs, 0.5).toFixed(3).padStart(7)} ${pct(xs, 0.99).toFixed(3).padStart(8)}`);
}
await stageTimes(cached.id, 'cache hit');
await stageTimes(uncached.id, 'cache miss');
for (const s of [bs, upstream, ...(baseline ? [baseline.bs] : [])]) s.stop();
