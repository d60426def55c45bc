// The canned upstream replies of the chat benchmarks: one plain completion, and the same answer
// streamed as OpenAI chunks (a role chunk, one chunk per word, a finish chunk, [DONE]).
const answer = 'Our business hours are 9am to 5pm, Monday to Friday.';

export const completion = JSON.stringify({
  id: 'chatcmpl-fixed', object: 'chat.completion', created: 1700000000, model: 'fixed-model',
  choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 14, total_tokens: 26 },
});

export const words = answer.split(/(?<= )/);
const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'chatcmpl-fixed', object: 'chat.completion.chunk', created: 1700000000, model: 'fixed-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
export const sse = chunk({ role: 'assistant', content: '' }) + words.map((w) => chunk({ content: w })).join('') + chunk({}, 'stop') + 'data: [DONE]\n\n';

export const question = { messages: [{ role: 'user', content: 'What are your business hours?' }] };
