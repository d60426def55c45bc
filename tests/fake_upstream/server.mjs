// A fake model upstream for tests and load runs, speaking OpenAI's chat completions and
// Anthropic's Messages API (POST /v1/messages): deterministic replies ("echo: <last user
// message>"), settable latency, token rate, failures, broken streams and tool calls. Control
// it over HTTP:
//   POST /_control {latency_ms, tokens_per_s, fail: [{status, retry_after}], break_stream_after,
//                   endless_event_bytes, tool_call: {name, arguments}, reply, replies: [text],
//                   embedding_latency_ms}
//                   (fields are merged; {} resets; each chat call takes the next of `replies`
//                   first, then `reply`)
//   GET  /_stats   {chat_calls, embedding_calls, streams_aborted, last_request, last_headers}
// Usage: node server.mjs [--port N]   (prints "listening PORT" when ready)
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';

const defaults = { latency_ms: 0, tokens_per_s: 0, fail: [], break_stream_after: -1, endless_event_bytes: 0, tool_call: null, reply: null, replies: [], embedding_latency_ms: 0 };
let control = { ...defaults };
const stats = { chat_calls: 0, embedding_calls: 0, streams_aborted: 0, last_request: null, last_headers: null };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
  });
}

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function lastUserText(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const { role, content } = messages[i];
    if (role !== 'user') continue;
    if (typeof content === 'string') return content;
    const text = Array.isArray(content) ? content.filter((b) => b.type === 'text').map((b) => b.text).join('') : '';
    return text || JSON.stringify(content);
  }
  return '';
}

// Deterministic unit vector of 8 dimensions from the text.
function embedding(text) {
  const h = createHash('sha256').update(text).digest();
  const v = Array.from({ length: 8 }, (_, i) => (h[i] - 127.5) / 127.5);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

// Answers the next queued failure, if any, with the API's error body; true when it did.
function injectFailure(res, errorBody) {
  const failure = control.fail.shift();
  if (!failure) return false;
  const headers = failure.retry_after !== undefined ? { 'Retry-After': String(failure.retry_after) } : {};
  json(res, failure.status, errorBody(failure.status), headers);
  return true;
}

async function chat(req, res, body) {
  stats.chat_calls++;
  stats.last_request = body;
  stats.last_headers = req.headers;
  if (control.latency_ms) await sleep(control.latency_ms);
  if (injectFailure(res, (status) => ({ error: { message: `injected ${status}`, type: 'fake_error' } }))) return;
  const model = body.model;
  const text = control.replies.shift() ?? control.reply ?? `echo: ${lastUserText(body.messages ?? [])}`;
  const words = text.split(/(?<= )/);
  const promptTokens = JSON.stringify(body.messages ?? []).split(/\s+/).length;
  const toolCall = control.tool_call && (body.tools?.length ?? 0) > 0 && body.messages.at(-1)?.role !== 'tool' ? control.tool_call : null;
  const usage = { prompt_tokens: promptTokens, completion_tokens: toolCall ? 5 : words.length, total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const id = `chatcmpl-fake${stats.chat_calls}`;
  const created = Math.floor(Date.now() / 1000);

  if (!body.stream) {
    const message = toolCall
      ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake1', type: 'function', function: toolCall }] }
      : { role: 'assistant', content: text };
    return json(res, 200, {
      id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message, finish_reason: toolCall ? 'tool_calls' : 'stop' }], usage,
    });
  }

  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let aborted = false;
  res.on('close', () => { if (!res.writableFinished) { aborted = true; stats.streams_aborted++; } });
  const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  const chunk = (delta, finish = null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  if (control.endless_event_bytes) {  // one event that never ends: up to that many bytes, then the stream breaks
    res.write('data: ');
    const piece = 'x'.repeat(64 << 10);
    for (let sent = 0; sent < control.endless_event_bytes && !aborted; sent += piece.length) {
      if (!res.write(piece)) await new Promise((r) => res.once('drain', r).once('close', r));
    }
    res.destroy();
    return;
  }
  send(chunk({ role: 'assistant', content: '' }));
  if (toolCall) {
    send(chunk({ tool_calls: [{ index: 0, id: 'call_fake1', type: 'function', function: { name: toolCall.name, arguments: '' } }] }));
    const half = Math.floor(toolCall.arguments.length / 2);
    send(chunk({ tool_calls: [{ index: 0, function: { arguments: toolCall.arguments.slice(0, half) } }] }));
    send(chunk({ tool_calls: [{ index: 0, function: { arguments: toolCall.arguments.slice(half) } }] }));
    send(chunk({}, 'tool_calls'));
  } else {
    for (let i = 0; i < words.length; i++) {
      if (aborted) return;
      if (control.break_stream_after >= 0 && i >= control.break_stream_after) {
        await sleep(50);  // let what was written reach the client first
        res.destroy();
        return;
      }
      send(chunk({ content: words[i] }));
      if (control.tokens_per_s) await sleep(1000 / control.tokens_per_s);
    }
    send(chunk({}, 'stop'));
  }
  if (body.stream_options?.include_usage) send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
  res.write('data: [DONE]\n\n');
  res.end();
}

// Anthropic's Messages API: the same replies, tool calls and failures, in its wire format.
async function messages(req, res, body) {
  stats.chat_calls++;
  stats.last_request = body;
  stats.last_headers = req.headers;
  if (control.latency_ms) await sleep(control.latency_ms);
  if (injectFailure(res, (status) => ({ type: 'error', error: { type: 'api_error', message: `injected ${status}` } }))) return;
  const text = control.replies.shift() ?? control.reply ?? `echo: ${lastUserText(body.messages ?? [])}`;
  const words = text.split(/(?<= )/);
  const last = body.messages?.at(-1);
  const answersTool = Array.isArray(last?.content) && last.content.some((b) => b.type === 'tool_result');
  const toolCall = control.tool_call && (body.tools?.length ?? 0) > 0 && !answersTool ? control.tool_call : null;
  const usage = { input_tokens: JSON.stringify([body.system ?? '', body.messages ?? []]).split(/\s+/).length, output_tokens: toolCall ? 5 : words.length };
  const id = `msg_fake${stats.chat_calls}`;
  const toolBlock = toolCall && { type: 'tool_use', id: 'toolu_fake1', name: toolCall.name, input: JSON.parse(toolCall.arguments) };
  const stopReason = toolCall ? 'tool_use' : 'end_turn';

  if (!body.stream) {
    return json(res, 200, {
      id, type: 'message', role: 'assistant', model: body.model,
      content: toolCall ? [toolBlock] : [{ type: 'text', text }], stop_reason: stopReason, stop_sequence: null, usage,
    });
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let aborted = false;
  res.on('close', () => { if (!res.writableFinished) { aborted = true; stats.streams_aborted++; } });
  const send = (obj) => res.write(`event: ${obj.type}\ndata: ${JSON.stringify(obj)}\n\n`);
  send({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } });
  send({ type: 'ping' });
  if (toolCall) {
    send({ type: 'content_block_start', index: 0, content_block: { ...toolBlock, input: {} } });
    const half = Math.floor(toolCall.arguments.length / 2);
    send({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: toolCall.arguments.slice(0, half) } });
    send({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: toolCall.arguments.slice(half) } });
  } else {
    send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (let i = 0; i < words.length; i++) {
      if (aborted) return;
      if (control.break_stream_after >= 0 && i >= control.break_stream_after) {
        await sleep(50);
        res.destroy();
        return;
      }
      send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: words[i] } });
      if (control.tokens_per_s) await sleep(1000 / control.tokens_per_s);
    }
  }
  send({ type: 'content_block_stop', index: 0 });
  send({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  send({ type: 'message_stop' });
  res.end();
}

const server = createServer(async (req, res) => {
  const raw = await readBody(req);
  let body = {};
  try { body = raw ? JSON.parse(raw) : {}; } catch { return json(res, 400, { error: { message: 'bad json' } }); }
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path === '/_control') {
    control = Object.keys(body).length === 0 ? { ...defaults, fail: [], replies: [] }
      : { ...control, ...body, fail: [...(body.fail ?? control.fail)], replies: [...(body.replies ?? control.replies)] };
    return json(res, 200, control);
  }
  if (req.method === 'GET' && path === '/_stats') return json(res, 200, stats);
  if (req.method === 'POST' && path === '/v1/chat/completions') return chat(req, res, body);
  if (req.method === 'POST' && path === '/v1/messages') return messages(req, res, body);
  if (req.method === 'POST' && path === '/v1/embeddings') {
    stats.embedding_calls++;
    if (control.embedding_latency_ms) await sleep(control.embedding_latency_ms);
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    return json(res, 200, {
      object: 'list', model: body.model,
      data: inputs.map((t, i) => ({ object: 'embedding', index: i, embedding: embedding(t) })),
      usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 },
    });
  }
  if (req.method === 'GET' && path === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'fake', object: 'model' }] });
  return json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
});

const portArg = process.argv.indexOf('--port');
server.keepAliveTimeout = 60000;
server.listen(portArg > 0 ? Number(process.argv[portArg + 1]) : 0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
