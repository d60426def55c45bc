// The knowledge base end to end: real files (a PDF written by pdfkit, a DOCX zipped by JSZip,
// HTML with scripts and navigation, a web page fetched over HTTP) ingested through the API,
// searched with citations, and answered from by an agent with no model configured. Hostile
// files and paths fail clearly while the server and other sources carry on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { mkdir, writeFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import JSZip from 'jszip';
import { startServer, startFakeUpstream, call, newAccount, cli } from './lib/server.mjs';

let srv;
let account;
let key;
let pageServer;

const CONFIG = `
[security]
# The page server listens on 127.0.0.2: URLs there may be fetched, the server's own address not.
allow_cidrs = "127.0.0.2/32"
[knowledge]
max_file_mb = 8
`;

function pdf(pages) {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ info: { Title: 'Warranty Guide' } });
    const chunks = [];
    doc.on('data', (c) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    pages.forEach((text, i) => {
      if (i > 0) doc.addPage();
      doc.fontSize(12).text(text);
    });
    doc.end();
  });
}

// Entries carry a fixed date, so the same content makes the same bytes (JSZip stamps the
// current time otherwise, and re-uploading identical content must be recognised).
// The index fills from the store after start-up; searches meanwhile see part of it.
async function indexLoaded(url) {
  for (let i = 0; i < 500; i++) {
    const health = await call(url, 'GET', '/health/detailed');
    if (health.body.checks.knowledge_index === 'ok') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('the knowledge index did not finish loading');
}

const fixedDate = { date: new Date('2024-01-01T00:00:00Z') };

async function docx(paragraphs) {
  const zip = new JSZip();
  const body = paragraphs.map(([style, text]) =>
    `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t>${text}</w:t></w:r></w:p>`).join('');
  zip.file('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>', fixedDate);
  zip.file('word/document.xml', `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`, fixedDate);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function xlsx(sheetName, rows) {
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const zip = new JSZip();
  zip.file('xl/workbook.xml', `<workbook ${ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${sheetName}" sheetId="1" r:id="rId1"/></sheets></workbook>`, fixedDate);
  zip.file('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>', fixedDate);
  const cells = rows.map((row, r) => `<row r="${r + 1}">${row.map((v) => `<c t="inlineStr"><is><t>${v}</t></is></c>`).join('')}</row>`).join('');
  zip.file('xl/worksheets/sheet1.xml', `<worksheet ${ns}><sheetData>${cells}</sheetData></worksheet>`, fixedDate);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function upload(fields, file, name, type = 'application/octet-stream') {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([file], { type }), name);
  const r = await fetch(`${srv.url}/v1/knowledge/ingest/file`, { method: 'POST', headers: { 'X-API-Key': key }, body: form });
  const text = await r.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body, text };
}

// Writes `request` on a fresh connection and resolves everything the server sends back.
function rawExchange(port, request) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (d) => { answer += d; });
    socket.on('end', () => resolve(answer));
    socket.on('error', (e) => (answer ? resolve(answer) : reject(e)));
    socket.setTimeout(10000, () => { socket.destroy(); resolve(answer); });
  });
}

const search = (body, apiKey = key) => call(srv.url, 'POST', '/v1/knowledge/search', { apiKey, body });

before(async () => {
  srv = await startServer({ config: CONFIG });
  account = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/portal/api/keys', { token: account.token, body: { name: 'k' } })).body.key;
  pageServer = await new Promise((resolve) => {
    const hits = [];
    const server = createServer((req, res) => {
      hits.push(req.url);
      if (req.url === '/moved') { res.writeHead(302, { Location: '/help' }); res.end(); return; }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<html><head><title>Help centre</title><script>var tracking = "SCRIPT-NOISE";</script></head>
<body><nav>Home | Products | NAV-NOISE</nav><h1>Help centre</h1><h2>Lost cards</h2>
<p>To block a lost card, call the 24-hour hotline on 0800 123 456.</p><footer>FOOTER-NOISE</footer></body></html>`);
    });
    server.listen(0, '127.0.0.2', () => resolve({ server, hits, url: `http://127.0.0.2:${server.address().port}` }));
  });
});

const retired = [];  // stopped servers whose data directory a restarted one still uses
after(async () => {
  await srv?.cleanup();
  for (const s of retired) await s.cleanup();
  pageServer?.server.close();
});

test('a PDF and a DOCX uploaded, then found with citations (page, heading path)', async () => {
  const pdfUp = await upload({ source_id: 'warranty-pdf' }, await pdf([
    'Our products come with a standard warranty.',
    'Batteries are covered for eighteen months from the date of purchase.',
  ]), 'warranty.pdf', 'application/pdf');
  assert.equal(pdfUp.status, 200, pdfUp.text);
  assert.equal(pdfUp.body.status, 'completed');
  assert.ok(pdfUp.body.chunks_created >= 1);
  assert.equal(pdfUp.body.chunks_embedded, pdfUp.body.chunks_created);

  const docUp = await upload({ source_id: 'returns-docx' }, await docx([
    ['Heading1', 'Returns policy'],
    ['Heading2', 'Refunds'],
    ['', 'Refunds are paid to the original card within 14 days.'],
  ]), 'returns.docx');
  assert.equal(docUp.status, 200, docUp.text);

  const battery = await search({ query: 'how long are batteries covered', source_ids: ['warranty-pdf', 'returns-docx'] });
  assert.equal(battery.status, 200, battery.text);
  const top = battery.body.results[0];
  assert.match(top.text, /eighteen months/);
  assert.equal(top.citation.page, 2);
  assert.equal(top.citation.source_name, 'warranty.pdf');
  assert.ok(top.score > 0 && top.score <= 1);

  const refund = await search({ query: 'refund to card', source_ids: ['returns-docx'] });
  assert.match(refund.body.results[0].text, /14 days/);
  assert.equal(refund.body.results[0].citation.heading_path, 'Returns policy > Refunds');

  const sheet = await upload({ source_id: 'prices-xlsx' }, await xlsx('Prices', [['Plan', 'Monthly price'], ['Basic', '9 EUR'], ['Premium', '29 EUR']]), 'prices.xlsx');
  assert.equal(sheet.status, 200, sheet.text);
  const price = await search({ query: 'premium plan monthly price', source_ids: ['prices-xlsx'] });
  assert.match(price.body.results[0].text, /\| Premium \| 29 EUR \|/);
  assert.equal(price.body.results[0].citation.heading_path, 'Prices');
  assert.equal(price.body.results[0].citation.page, 1);

  // Identical content again: nothing to do.
  const again = await upload({ source_id: 'returns-docx' }, await docx([
    ['Heading1', 'Returns policy'], ['Heading2', 'Refunds'], ['', 'Refunds are paid to the original card within 14 days.'],
  ]), 'returns.docx');
  assert.equal(again.status, 200);
  assert.equal(again.body.unchanged, true);
  assert.equal(again.body.chunks_created, 0);
});

test('an agent with no model answers from its sources, citing them (extractive)', async () => {
  const agent = await call(srv.url, 'POST', '/v1/agents', {
    token: account.token, body: { name: 'Support', knowledge_source_ids: ['warranty-pdf', 'returns-docx'] },
  });
  assert.equal(agent.status, 201, agent.text);
  const r = await call(srv.url, 'POST', '/v1/chat', {
    apiKey: key,
    body: { company_id: account.tenantId, agent_id: agent.body.id, conversation_id: 'c1', customer_id: 'cust_1',
            message: 'When are refunds paid?' },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.model_used, 'extractive');
  assert.match(r.body.reply, /14 days/);
  assert.match(r.body.reply, /Source: returns\.docx — Returns policy > Refunds/);

  const viaAgent = await search({ query: 'battery warranty', agent_id: agent.body.id });
  assert.ok(viaAgent.body.results.some((h) => h.source_id === 'warranty-pdf'));
});

test('a file in the upload directory is ingested; paths out of it are refused', async () => {
  const uploads = join(srv.data, 'uploads');
  await mkdir(join(uploads, 'site'), { recursive: true });
  await writeFile(join(uploads, 'site', 'opening.html'), `<html><head><style>.x{}</style><script>alert("SCRIPT-NOISE")</script></head>
<body><nav>NAV-NOISE</nav><h1>Opening hours</h1><p>The shop opens at 9am and closes at 6pm on weekdays.</p></body></html>`);
  await writeFile(join(srv.dir, 'outside.txt'), 'secret outside the upload directory');
  await symlink(join(srv.dir, 'outside.txt'), join(uploads, 'escape.txt'));

  const ok = await call(srv.url, 'POST', '/v1/knowledge/ingest/file', { apiKey: key, body: { source_id: 'hours', file_path: 'site/opening.html', user_id: 'u1' } });
  assert.equal(ok.status, 200, ok.text);
  const hits = await search({ query: 'when does the shop open', source_ids: ['hours'] });
  const text = hits.body.results.map((h) => h.text).join(' ');
  assert.match(text, /9am/);
  assert.doesNotMatch(text, /NOISE/);

  for (const path of ['../outside.txt', join(srv.dir, 'outside.txt'), 'escape.txt', '/etc/passwd']) {
    const r = await call(srv.url, 'POST', '/v1/knowledge/ingest/file', { apiKey: key, body: { source_id: 'bad-path', file_path: path, user_id: 'u1' } });
    assert.equal(r.status, 403, `${path}: ${r.text}`);
  }
  const missing = await call(srv.url, 'POST', '/v1/knowledge/ingest/file', { apiKey: key, body: { source_id: 'bad-path', file_path: 'none.pdf', user_id: 'u1' } });
  assert.equal(missing.status, 404, missing.text);
});

test('a web page is fetched through redirects with its navigation and scripts stripped; private addresses are refused', async () => {
  const r = await call(srv.url, 'POST', '/v1/knowledge/ingest/url', { apiKey: key, body: { source_id: 'help-page', url: `${pageServer.url}/moved`, user_id: 'u1' } });
  assert.equal(r.status, 200, r.text);
  const hits = await search({ query: 'lost card hotline', source_ids: ['help-page'] });
  assert.match(hits.body.results[0].text, /0800 123 456/);
  assert.doesNotMatch(hits.body.results.map((h) => h.text).join(' '), /NOISE/);

  // The server's own loopback address and the metadata address are not allow-listed.
  const before = pageServer.hits.length;
  for (const url of [`${srv.url}/health`, 'http://169.254.169.254/latest/meta-data/', `http://127.0.0.1:${pageServer.server.address().port}/help`]) {
    const refused = await call(srv.url, 'POST', '/v1/knowledge/ingest/url', { apiKey: key, body: { source_id: 'ssrf', url, user_id: 'u1' } });
    assert.equal(refused.status, 403, `${url}: ${refused.text}`);
  }
  assert.equal(pageServer.hits.length, before, 'nothing reached the page server through a refused address');
  const source = await call(srv.url, 'GET', '/v1/knowledge/sources/ssrf', { apiKey: key });
  assert.equal(source.body.status, 'failed');
});

test('hostile files fail clearly; the server stays up and other sources are unaffected', async () => {
  const good = await pdf(['Kept knowledge: the lighthouse is painted red.']);
  const truncated = await upload({ source_id: 'broken-pdf' }, good.subarray(0, Math.floor(good.length / 2)), 'broken.pdf');
  assert.equal(truncated.status, 400, truncated.text);
  assert.match(truncated.body.detail, /PDF/);

  const invalidUtf8 = await upload({ source_id: 'bad-text' }, Buffer.from([0x63, 0x61, 0x66, 0xc3, 0x28, 0xff]), 'notes.txt');
  assert.equal(invalidUtf8.status, 400, invalidUtf8.text);
  assert.match(invalidUtf8.body.detail, /UTF-8/);

  const bomb = new JSZip();
  bomb.file('[Content_Types].xml', '<Types/>');
  bomb.file('word/document.xml', `<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>${' '.repeat(140 << 20)}</w:t></w:r></w:p></w:body></w:document>`);
  const bombBytes = await bomb.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  assert.ok(bombBytes.length < 1 << 20);
  const bombed = await upload({ source_id: 'zip-bomb' }, bombBytes, 'bomb.docx');
  assert.equal(bombed.status, 400, bombed.text);
  assert.match(bombed.body.detail, /limit/);

  // A 50 MB text upload is refused from its declared length, before its body is read.
  const huge = await rawExchange(srv.port, [
    'POST /v1/knowledge/ingest/file HTTP/1.1', 'Host: 127.0.0.1', `X-API-Key: ${key}`,
    'Content-Type: multipart/form-data; boundary=x', `Content-Length: ${50 << 20}`, '', '',
  ].join('\r\n') + '--x\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\nxxxx');
  assert.match(huge, /^HTTP\/1\.1 413 /);
  assert.match(huge, /exceeds/);

  const health = await call(srv.url, 'GET', '/health');
  assert.equal(health.status, 200);
  const still = await search({ query: 'refund to card', source_ids: ['returns-docx'] });
  assert.match(still.body.results[0].text, /14 days/);
  const failed = await call(srv.url, 'GET', '/v1/knowledge/sources/broken-pdf', { apiKey: key });
  assert.equal(failed.body.status, 'failed');
  assert.ok(failed.body.error);
});

test('async ingestion reports progress; sources are listed, scoped to the company and deleted with their chunks', async () => {
  const long = Array.from({ length: 60 }, (_, i) => `## Section ${i}\n\nParagraph ${i} talks about topic number ${i} in some detail.`).join('\n\n');
  const started = await upload({ source_id: 'long-md', async: 'true' }, Buffer.from(long), 'long.md');
  assert.equal(started.status, 202, started.text);
  assert.equal(started.body.status, 'processing');
  let source;
  for (let i = 0; i < 100; i++) {
    source = (await call(srv.url, 'GET', '/v1/knowledge/sources/long-md', { apiKey: key })).body;
    if (source.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(source.status, 'completed');
  assert.equal(source.chunk_count, 60);
  assert.equal(source.progress, null);

  const list = await call(srv.url, 'GET', '/v1/knowledge/sources', { apiKey: key });
  assert.ok(list.body.sources.some((s) => s.id === 'long-md'));

  const other = await newAccount(srv.url);
  const otherKey = (await call(srv.url, 'POST', '/portal/api/keys', { token: other.token, body: { name: 'k' } })).body.key;
  assert.equal((await call(srv.url, 'GET', '/v1/knowledge/sources/long-md', { apiKey: otherKey })).status, 404);
  assert.equal((await search({ query: 'topic number 7', source_ids: ['long-md'] }, otherKey)).body.results.length, 0);
  assert.equal((await call(srv.url, 'DELETE', '/v1/knowledge/sources/long-md', { apiKey: otherKey })).status, 404);
  const hijack = await call(srv.url, 'POST', '/v1/knowledge/ingest/documents', { apiKey: otherKey, body: { agent_id: 'nope', documents: [{ content: 'x' }] } });
  assert.equal(hijack.status, 404, hijack.text);

  const del = await call(srv.url, 'DELETE', '/v1/knowledge/sources/long-md', { apiKey: key });
  assert.equal(del.status, 200, del.text);
  assert.equal((await search({ query: 'topic number 7', source_ids: ['long-md'] })).body.results.length, 0);
});

test('brainstem ingest FILE --agent ID uploads, draws progress and attaches the source to the agent', async () => {
  const agent = await call(srv.url, 'POST', '/v1/agents', { token: account.token, body: { name: 'CLI agent' } });
  const file = join(srv.dir, 'manual.md');
  const sections = Array.from({ length: 40 }, (_, i) => `## Part ${i}\n\nPart ${i} of the manual explains step ${i}.`);
  await writeFile(file, `# Manual\n\n${sections.join('\n\n')}\n\n## Reset\n\nHold the power button for ten seconds to reset the router.\n`);
  const r = await cli(['ingest', file, '--agent', agent.body.id, '--server', srv.url, '--source', 'cli-manual'], { BRAINSTEM_API_KEY: key });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[#{30}\] 41\/41 chunks/);
  assert.match(r.stdout, /source cli-manual: 41 chunks, attached to agent/);

  const config = await call(srv.url, 'GET', `/v1/agents/${agent.body.id}/config`, { token: account.token });
  assert.deepEqual(config.body.knowledge_source_ids, ['cli-manual']);
  const chat = await call(srv.url, 'POST', '/v1/chat', {
    apiKey: key,
    body: { company_id: account.tenantId, agent_id: agent.body.id, conversation_id: 'c2', customer_id: 'cust_2', message: 'How do I reset the router?' },
  });
  assert.match(chat.body.reply, /ten seconds/);

  const noKey = await cli(['ingest', file, '--server', srv.url], { BRAINSTEM_API_KEY: '' });
  assert.notEqual(noKey.code, 0);
  assert.match(noKey.stderr, /API key/);
});

test("an agent's documents are ingested into its own source; the index survives a restart", async () => {
  const agent = await call(srv.url, 'POST', '/v1/agents', {
    token: account.token,
    body: { name: 'Docs agent', scenarios: [{ name: 'Damaged parcel', triggers: ['damaged'], instructions: 'Ask for a photo of the damaged parcel and offer a replacement.' }] },
  });
  assert.equal(agent.status, 201, agent.text);
  const r = await call(srv.url, 'POST', '/v1/knowledge/ingest/documents', {
    apiKey: key,
    body: { agent_id: agent.body.id, company_id: account.tenantId, user_id: 'u1', documents: [{ title: 'Loyalty', content: 'Members earn one point per euro spent.' }] },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.documents_processed, 2);
  assert.ok(r.body.chunks_created >= 1);

  await srv.stop();
  retired.push(srv);
  srv = await startServer({ config: CONFIG, dataDir: srv.data });
  await indexLoaded(srv.url);
  const hits = await search({ query: 'how many points per euro', agent_id: agent.body.id });
  assert.equal(hits.status, 200, hits.text);
  assert.match(hits.body.results[0].text, /one point per euro/);
  const still = await search({ query: 'batteries covered', source_ids: ['warranty-pdf'] });
  assert.match(still.body.results[0].text, /eighteen months/);
});

test('an OpenAI-compatible embedding model re-embeds a source in batches and embeds the queries', async () => {
  const upstream = await startFakeUpstream();
  const modelSrv = await startServer({ config: `
[[models]]
id = "remote-embedder"
provider = "openai"
base_url = "${upstream.url}/v1"
max_retries = 0
` });
  try {
    const acct = await newAccount(modelSrv.url);
    const k = (await call(modelSrv.url, 'POST', '/portal/api/keys', { token: acct.token, body: { name: 'k' } })).body.key;
    const sections = Array.from({ length: 70 }, (_, i) => `## Item ${i}\n\nItem ${i} is stocked in aisle ${i}.`).join('\n\n');
    const form = new FormData();
    form.append('source_id', 'catalogue');
    form.append('file', new Blob([`# Catalogue\n\n${sections}`]), 'catalogue.md');
    const ingested = await (await fetch(`${modelSrv.url}/v1/knowledge/ingest/file`, { method: 'POST', headers: { 'X-API-Key': k }, body: form })).json();
    assert.equal(ingested.chunks_created, 70);
    assert.equal((await upstream.stats()).embedding_calls, 0, 'the built-in embedder needs no model');

    const unknown = await call(modelSrv.url, 'POST', '/v1/knowledge/reembed', { apiKey: k, body: { source_id: 'catalogue', embedding_model: 'bge-m3' } });
    assert.equal(unknown.status, 422, unknown.text);
    const r = await call(modelSrv.url, 'POST', '/v1/knowledge/reembed', { apiKey: k, body: { source_id: 'catalogue', embedding_model: 'remote-embedder' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.chunks_embedded, 70);
    assert.equal((await upstream.stats()).embedding_calls, 2, '70 chunks in batches of 64');
    const source = await call(modelSrv.url, 'GET', '/v1/knowledge/sources/catalogue', { apiKey: k });
    assert.equal(source.body.embedding_model, 'remote-embedder');

    const hits = await call(modelSrv.url, 'POST', '/v1/knowledge/search', { apiKey: k, body: { query: 'aisle of item 42', source_ids: ['catalogue'] } });
    // The fake model's vectors carry no meaning, so only their use is checked, not the ranking.
    assert.equal(hits.body.results.length, 5);
    assert.ok(hits.body.results.some((h) => h.similarity !== 0), 'vectors of the remote model were searched');
    assert.equal((await upstream.stats()).embedding_calls, 3, 'the query is embedded by the same model');
  } finally {
    await modelSrv.cleanup();
    upstream.stop();
  }
});

test('a server killed mid-ingestion shows no half-indexed source after restart', async () => {
  // A slow embedding model keeps the ingestion running long enough for the kill to land in it.
  const upstream = await startFakeUpstream();
  await upstream.control({ embedding_latency_ms: 200 });
  const config = `
[[models]]
id = "slow-embedder"
provider = "openai"
base_url = "${upstream.url}/v1"
max_retries = 0
`;
  const crashSrv = await startServer({ config });
  const acct = await newAccount(crashSrv.url);
  const k = (await call(crashSrv.url, 'POST', '/portal/api/keys', { token: acct.token, body: { name: 'k' } })).body.key;
  const sections = Array.from({ length: 2000 }, (_, i) => `## Part ${i}\n\nPart ${i} covers subject ${i}.`).join('\n\n');
  const form = new FormData();
  form.append('source_id', 'big');
  form.append('async', 'true');
  form.append('embedding_model', 'slow-embedder');
  form.append('file', new Blob([sections]), 'big.md');
  const started = await fetch(`${crashSrv.url}/v1/knowledge/ingest/file`, { method: 'POST', headers: { 'X-API-Key': k }, body: form });
  assert.equal(started.status, 202);
  let seen;
  for (let i = 0; i < 200; i++) {
    seen = (await call(crashSrv.url, 'GET', '/v1/knowledge/sources/big', { apiKey: k })).body;
    if (seen.progress?.chunks_done > 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(seen.status, 'processing');
  assert.ok(seen.progress.chunks_done < seen.progress.chunks_total);
  await crashSrv.stop('SIGKILL');

  const again = await startServer({ config, dataDir: crashSrv.data });
  try {
    await indexLoaded(again.url);
    const source = (await call(again.url, 'GET', '/v1/knowledge/sources/big', { apiKey: k })).body;
    assert.equal(source.status, 'failed');
    assert.match(source.error, /interrupted/);
    assert.equal(source.chunk_count, 0);
    const hits = await call(again.url, 'POST', '/v1/knowledge/search', { apiKey: k, body: { query: 'subject 7', source_ids: ['big'] } });
    assert.equal(hits.body.results.length, 0);
  } finally {
    await again.cleanup();
    await crashSrv.cleanup();
    upstream.stop();
  }
});
