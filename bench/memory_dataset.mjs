// Writes a long-conversation memory benchmark in the public LoCoMo JSON layout: a list of
// samples, each {sample_id, conversation: {speaker_a, speaker_b, session_N: [{speaker, dia_id,
// text}], session_N_date_time}, qa: [{question, answer, evidence: [dia_id], category}]}.
//
// Each conversation is two friends catching up over SESSIONS dated sessions. Each session
// carries a few life events told by one of them (from a bank of event kinds, each with its
// details drawn at random), wrapped in small talk, reactions and follow-up questions that reuse
// the same everyday words, so that plain keyword overlap is not enough. Questions come in five
// categories, as LoCoMo's:
//   1 single-hop   a detail of one event ("What instrument did Caroline take up?")
//   2 multi-hop    two events of the same person in different sessions
//   3 temporal     when an event happened (the answer is the session's date)
//   4 open-domain  an inference from an event ("Would Caroline enjoy a concert?")
//   5 adversarial  an event kind the person never told of; no evidence, nothing to find
// Questions are worded as people ask them: by name, in the third person, often with other
// words than the telling ("adopt" for "brought home from the shelter").
//
// Usage: node bench/memory_dataset.mjs [--conversations N] [--sessions N] [--seed N] [--out FILE]
// Deterministic for a seed; grow the set with more conversations or sessions.
import { writeFileSync } from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));
const CONVERSATIONS = Number(args.conversations ?? 10);
const SESSIONS = Number(args.sessions ?? 20);
let seed = Number(args.seed ?? 42);

const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (list) => list[Math.floor(random() * list.length)];
const shuffle = (list) => list.map((x) => [random(), x]).sort((a, b) => a[0] - b[0]).map(([, x]) => x);

const NAMES = ['Caroline', 'Melanie', 'Jon', 'Gina', 'Tom', 'Priya', 'Omar', 'Lena', 'Marco', 'Aiko', 'Sam', 'Nadia',
  'Felix', 'Rosa', 'Ivan', 'Chloe', 'Diego', 'Hana', 'Leo', 'Maya'];

// Event kinds: how a person tells it (first person), what is asked about it (third person),
// the answer, and an inference for open-domain questions.
const EVENTS = [
  { kind: 'instrument', detail: ['cello', 'violin', 'piano', 'ukulele', 'saxophone'],
    tell: (d) => `Guess what, I finally signed up for ${d} lessons, first one was on Tuesday and my fingers hurt!`,
    ask: (n) => `What instrument did ${n} start learning?`,
    infer: (n) => `Would ${n} likely enjoy going to a classical music concert?`, inferAnswer: 'Yes, since they are learning an instrument' },
  { kind: 'pet', detail: ['beagle puppy', 'grey kitten', 'rescue greyhound', 'parrot'],
    tell: (d) => `We brought home a ${d} from the shelter this weekend, the kids are over the moon.`,
    ask: (n) => `What pet did ${n} adopt?`,
    infer: (n) => `Does ${n} have responsibilities for an animal at home?`, inferAnswer: 'Yes, a pet from the shelter' },
  { kind: 'race', detail: ['charity 5k', 'half marathon', '10k trail run', 'sprint triathlon'],
    tell: (d) => `I did the ${d} on Sunday morning, finished it without walking once!`,
    ask: (n) => `What running event did ${n} take part in?`,
    infer: (n) => `Is ${n} someone who keeps physically fit?`, inferAnswer: 'Yes, they run races' },
  { kind: 'job', detail: ['school counselor', 'nurse at the children\'s hospital', 'data analyst', 'bakery manager'],
    tell: (d) => `Big news: I got the offer, I'm starting as a ${d} next month.`,
    ask: (n) => `What new job did ${n} get?`,
    infer: (n) => `Did ${n} change careers during the conversations?`, inferAnswer: 'Yes, they took a new job' },
  { kind: 'trip', detail: ['Lisbon', 'Kyoto', 'the Scottish Highlands', 'Patagonia', 'Iceland'],
    tell: (d) => `Just got back from ${d}, the views were unreal and the food even better.`,
    ask: (n) => `Where did ${n} travel to?`,
    infer: (n) => `Does ${n} like to travel abroad?`, inferAnswer: 'Yes, they took a trip' },
  { kind: 'class', detail: ['pottery', 'watercolor painting', 'salsa dancing', 'sourdough baking'],
    tell: (d) => `I joined a ${d} workshop at the community center, made something wonky but I love it.`,
    ask: (n) => `What kind of workshop did ${n} join?`,
    infer: (n) => `Does ${n} enjoy creative hobbies?`, inferAnswer: 'Yes, they joined a workshop' },
  { kind: 'move', detail: ['a flat near the river', 'a small house with a garden', 'an apartment downtown'],
    tell: (d) => `We finally moved into ${d}, boxes everywhere still.`,
    ask: (n) => `Where did ${n} move to?`,
    infer: (n) => `Did ${n} change homes recently?`, inferAnswer: 'Yes, they moved' },
  { kind: 'book', detail: ['a memoir about a mountain rescue team', 'a sci-fi novel about a generation ship', 'a cookbook of Lebanese food'],
    tell: (d) => `Couldn't put down ${d}, stayed up till 2am reading it.`,
    ask: (n) => `What book was ${n} reading?`,
    infer: (n) => `Is ${n} a reader?`, inferAnswer: 'Yes, they read a book late into the night' },
  { kind: 'volunteer', detail: ['the food bank', 'an animal rescue', 'a literacy program for adults', 'the youth center'],
    tell: (d) => `I've started helping out at ${d} on Saturdays, it feels really good.`,
    ask: (n) => `Where does ${n} volunteer?`,
    infer: (n) => `Does ${n} give time to the community?`, inferAnswer: 'Yes, they volunteer on Saturdays' },
  { kind: 'injury', detail: ['sprained ankle', 'broken wrist', 'pulled back muscle'],
    tell: (d) => `Ugh, I'm stuck on the couch with a ${d}, the doctor says two weeks of rest.`,
    ask: (n) => `What injury did ${n} have?`,
    infer: (n) => `Was ${n} laid up for a while?`, inferAnswer: 'Yes, they had to rest for two weeks' },
  { kind: 'garden', detail: ['tomatoes', 'sunflowers', 'strawberries', 'herbs'],
    tell: (d) => `My ${d} are finally coming up in the backyard beds, so proud.`,
    ask: (n) => `What is ${n} growing in the garden?`,
    infer: (n) => `Does ${n} have a garden?`, inferAnswer: 'Yes, a backyard with beds' },
  { kind: 'concert', detail: ['a jazz quartet', 'an indie folk band', 'the city orchestra'],
    tell: (d) => `Went to see ${d} last night with my sister, amazing evening.`,
    ask: (n) => `Who did ${n} see perform live?`,
    infer: (n) => `Does ${n} go out to hear live music?`, inferAnswer: 'Yes, they went to a show' },
];

// Said in every session around the events, by either friend; they share words with the
// questions ("start", "new", "weekend") without answering them.
const SMALL_TALK = [
  'Hey! How have you been? Feels like ages.', 'Same old, work has been busy but good.',
  'That sounds amazing, tell me more!', 'Haha, I know that feeling.', 'How are the kids doing?',
  'Weekend plans? I might just sleep in.', 'I need a new hobby honestly, something to start fresh.',
  'Did you see the weather this week? So much rain.', 'Work started a new project, lots of meetings.',
  'We should grab coffee soon.', 'Oh wow, congrats!', 'That must have been exhausting.',
  'I keep meaning to take a trip somewhere but never do.', 'My sister says hi by the way.',
  'I read somewhere that walking every day helps a lot.', 'Anyway, I should get going, talk soon!',
];
const FOLLOW_UPS = ['How did it go?', 'Wait, really? Since when?', 'Send me pictures!', 'How do you feel about it?'];
const REACTIONS = ['It went better than I expected.', 'Honestly a bit nervous but excited.', 'Will do, I took loads.',
  'Still sinking in, to be honest.'];

function sessionDate(start, index) {
  const d = new Date(start.getTime() + index * 13 * 86400000 + Math.floor(random() * 5) * 86400000);
  const hour = 9 + Math.floor(random() * 10);
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
    'November', 'December'];
  return { date: d, text: `${hour % 12 || 12}:${String(Math.floor(random() * 60)).padStart(2, '0')} ${hour < 12 ? 'am' : 'pm'} on ${d.getUTCDate()} ${months[d.getUTCMonth()]}, ${d.getUTCFullYear()}`,
    day: `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}` };
}

function conversation(index) {
  const [a, b] = shuffle(NAMES).slice(0, 2);
  const start = new Date(Date.UTC(2023, Math.floor(random() * 6), 1 + Math.floor(random() * 27)));
  const conv = { speaker_a: a, speaker_b: b };
  const qa = [];
  const told = { [a]: [], [b]: [] };  // {event, detail, dia_id, session, day}
  // Each person tells of a shuffled subset of event kinds, some twice (a second class, a new pet).
  const plan = [];
  for (const person of [a, b]) {
    for (const event of shuffle(EVENTS).slice(0, 8)) plan.push({ person, event });
  }
  const schedule = shuffle(plan);
  for (let s = 1; s <= SESSIONS; ++s) {
    const when = sessionDate(start, s - 1);
    const turns = [];
    const say = (speaker, text) => {
      const dia = `D${s}:${turns.length + 1}`;
      turns.push({ speaker, dia_id: dia, text });
      return dia;
    };
    say(s % 2 ? a : b, pick(SMALL_TALK));
    say(s % 2 ? b : a, pick(SMALL_TALK));
    const events = schedule.splice(0, Math.min(schedule.length, s === SESSIONS ? schedule.length : 1 + Math.floor(random() * 2)));
    for (const { person, event } of events) {
      const other = person === a ? b : a;
      const detail = pick(event.detail);
      const dia = say(person, event.tell(detail));
      say(other, pick(FOLLOW_UPS));
      say(person, pick(REACTIONS));
      told[person].push({ event, detail, dia, session: s, day: when.day });
    }
    say(s % 2 ? a : b, pick(SMALL_TALK));
    say(s % 2 ? b : a, pick(SMALL_TALK));
    conv[`session_${s}`] = turns;
    conv[`session_${s}_date_time`] = when.text;
  }
  for (const person of [a, b]) {
    const events = told[person];
    for (const e of events) {
      qa.push({ question: e.event.ask(person), answer: e.detail, evidence: [e.dia], category: 1 });
      qa.push({ question: `When did ${person} ${whenPhrase(e.event.kind)}?`, answer: e.day, evidence: [e.dia], category: 3 });
    }
    for (let i = 0; i + 1 < events.length; i += 2) {
      const [x, y] = [events[i], events[i + 1]];
      qa.push({ question: `What did ${person} do first: ${verb(x.event.kind)} or ${verb(y.event.kind)}?`,
        answer: x.session <= y.session ? verb(x.event.kind) : verb(y.event.kind), evidence: [x.dia, y.dia], category: 2 });
    }
    for (const e of events.slice(0, 3)) {
      qa.push({ question: e.event.infer(person), answer: e.event.inferAnswer, evidence: [e.dia], category: 4 });
    }
    const untold = EVENTS.filter((ev) => !events.some((e) => e.event.kind === ev.kind));
    for (const ev of untold.slice(0, 2)) {
      qa.push({ question: ev.ask(person), answer: 'Not mentioned in the conversation', evidence: [], category: 5 });
    }
  }
  return { sample_id: `conv-${index + 1}`, conversation: conv, qa };
}

function whenPhrase(kind) {
  return { instrument: 'start music lessons', pet: 'adopt a pet', race: 'run the race', job: 'get the job offer',
    trip: 'get back from the trip', class: 'join the workshop', move: 'move house', book: 'stay up reading',
    volunteer: 'start volunteering', injury: 'get injured', garden: 'see the garden come up', concert: 'go to the show' }[kind];
}
function verb(kind) {
  return { instrument: 'start lessons', pet: 'adopt a pet', race: 'run a race', job: 'get a new job', trip: 'travel',
    class: 'join a workshop', move: 'move house', book: 'read a book', volunteer: 'volunteer', injury: 'get injured',
    garden: 'grow a garden', concert: 'see a concert' }[kind];
}

const samples = Array.from({ length: CONVERSATIONS }, (_, i) => conversation(i));
const out = args.out ?? 'bench/data/memory_eval.json';
writeFileSync(out, JSON.stringify(samples, null, 1));
const questions = samples.reduce((n, s) => n + s.qa.length, 0);
const turns = samples.reduce((n, s) => n + Object.keys(s.conversation).filter((k) => /^session_\d+$/.test(k))
  .reduce((m, k) => m + s.conversation[k].length, 0), 0);
console.log(`${out}: ${samples.length} conversations, ${turns} turns, ${questions} questions`);
