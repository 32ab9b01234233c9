/** The model's side of the benchmark: a realistic answer, streamed at a model's pace. */
import { text, type Step } from '../test/fakes/openrouter.js';

const WORDS = (
  'the a of to and in is that for it as with on be by this are from or at an which can your you more when its model image ' +
  'stream message request answer history token discord channel faster light shadow colour night window street river mountain ' +
  'quickly carefully because however although usually different important example simple result'
).split(' ');

/** A deterministic markdown answer of about `chars` characters: headings, paragraphs, lists, bold, code spans. */
export function answerText(chars: number, seed = 1): string {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const sentence = () => {
    const words = Array.from({ length: 6 + next(10) }, () => WORDS[next(WORDS.length)]!);
    if (next(4) === 0) words[1] = `**${words[1]}**`;
    if (next(6) === 0) words[3] = `\`${words[3]}\``;
    const s = words.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  let out = '';
  let section = 1;
  while (out.length < chars) {
    const kind = next(3);
    if (kind === 0) out += `## Part ${section++}\n\n`;
    if (kind === 1) out += `${Array.from({ length: 3 }, () => `- ${sentence()}`).join('\n')}\n\n`;
    else out += `${Array.from({ length: 2 + next(3) }, sentence).join(' ')}\n\n`;
  }
  return out.slice(0, chars).trimEnd();
}

export interface Pace {
  /** Time from the request to the first token. */
  firstTokenMs: number;
  tokensPerSecond: number;
}

/** English text averages about four characters per token. */
const tokens = (answer: string) => text(answer, { chunkSize: 4 });

/** The answer as token-sized SSE chunks, each due at its own time from the start of the response. */
export function pacedSteps(answer: string, pace: Pace): Step[] {
  return tokens(answer).flatMap((step, i) => [{ atMs: pace.firstTokenMs + (i * 1000) / pace.tokensPerSecond }, step]);
}

export const tokenCount = (answer: string): number => tokens(answer).length;
