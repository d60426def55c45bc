// LangChain's ChatOpenAI and OpenAIEmbeddings (@langchain/openai), unchanged, pointed at
// brainstem: invoke, stream, tool binding and embeddings, through to the fake upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { startServer, startFakeUpstream, call, newAccount } from './lib/server.mjs';

let upstream, srv, key;
before(async () => {
  upstream = await startFakeUpstream();
  srv = await startServer({ config: `[[models]]\nid = "fixed-model"\nprovider = "openai"\nbase_url = "${upstream.url}/v1"\n` });
  const a = await newAccount(srv.url);
  key = (await call(srv.url, 'POST', '/v1/api-keys', { token: a.token, body: { name: 'langchain' } })).body.data.key;
});
after(async () => { await srv.cleanup(); upstream.stop(); });

const model = () => new ChatOpenAI({ model: 'fixed-model', apiKey: key, configuration: { baseURL: `${srv.url}/v1` }, maxRetries: 0, temperature: 0.1 });

test('ChatOpenAI.invoke answers with usage metadata', async () => {
  await upstream.control({});
  const reply = await model().invoke([['system', 'be brief'], ['human', 'hello langchain']]);
  assert.equal(reply.content, 'echo: hello langchain');
  assert.ok(reply.usage_metadata.input_tokens > 0);
  assert.equal(reply.usage_metadata.total_tokens, reply.usage_metadata.input_tokens + reply.usage_metadata.output_tokens);
});

test('ChatOpenAI.stream yields the reply in chunks', async () => {
  await upstream.control({});
  let text = '';
  let chunks = 0;
  for await (const chunk of await model().stream('stream through langchain')) {
    text += chunk.content;
    chunks++;
  }
  assert.equal(text, 'echo: stream through langchain');
  assert.ok(chunks > 1);
});

test('bindTools: the model\'s tool call comes back as LangChain tool_calls', async () => {
  await upstream.control({ tool_call: { name: 'get_weather', arguments: '{"city":"Cairo"}' } });
  const withTools = model().bindTools([{
    type: 'function',
    function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  }]);
  const reply = await withTools.invoke('What is the weather in Cairo?');
  assert.equal(reply.tool_calls.length, 1);
  assert.equal(reply.tool_calls[0].name, 'get_weather');
  assert.deepEqual(reply.tool_calls[0].args, { city: 'Cairo' });
  await upstream.control({});
});

test('OpenAIEmbeddings embeds documents and queries', async () => {
  const embeddings = new OpenAIEmbeddings({ model: 'fixed-model', apiKey: key, configuration: { baseURL: `${srv.url}/v1` }, maxRetries: 0 });
  const docs = await embeddings.embedDocuments(['first document', 'second document']);
  assert.equal(docs.length, 2);
  assert.ok(docs[0].length > 0);
  const query = await embeddings.embedQuery('a query');
  assert.equal(query.length, docs[0].length);
});
