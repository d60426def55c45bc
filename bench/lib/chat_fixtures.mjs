// The canned upstream replies of the chat benchmarks: one plain completion, the same answer
// streamed as OpenAI chunks (a role chunk, one chunk per word, a finish chunk, [DONE]), and as
// an Anthropic Messages stream.
const answer = 'Our business hours are 9am to 5pm, Monday to Friday.';

export const completion = JSON.stringify({
  id: 'chatcmpl-fixed', object: 'chat.completion', created: 1700000000, model: 'fixed-model',
  choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 14, total_tokens: 26 },
});

export const words = answer.split(/(?<= )/);
const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'chatcmpl-fixed', object: 'chat.completion.chunk', created: 1700000000, model: 'fixed-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
export const sse = chunk({ role: 'assistant', content: '' }) + words.map((w) => chunk({ content: w })).join('') + chunk({}, 'stop') + 'data: [DONE]\n\n';

// The same answer as an Anthropic Messages stream.
const event = (obj) => `event: ${obj.type}\ndata: ${JSON.stringify(obj)}\n\n`;
export const anthropicSse = event({ type: 'message_start', message: { id: 'msg_fixed', type: 'message', role: 'assistant', model: 'fixed-model', content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } })
  + event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
  + words.map((w) => event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } })).join('')
  + event({ type: 'content_block_stop', index: 0 })
  + event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 14 } })
  + event({ type: 'message_stop' });

export const question = { messages: [{ role: 'user', content: 'What are your business hours?' }] };
