import { describe, expect, it } from 'vitest';
import { type Chunk, splitMarkdown } from '../../src/discord/split.js';

// ---------------------------------------------------------------------------------------------
// Deterministic input generation

/** mulberry32: a small seeded PRNG, so every generated input is reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { int, pick, chance };
}
type Rng = ReturnType<typeof rng>;

const WORDS = ['the', 'model', 'answer', 'streams', 'into', 'Discord', 'a', 'message', 'of', 'text', 'fence', 'limit', 'split'];
const ODD_WORDS = ['😀', '👍🏽', '👨‍👩‍👧', '你好。世界！', 'naïve', '`x`', '**bold**', '_it_', '𝔘𝔫𝔦'];
const LANGS = ['', 'ts', 'python', 'js title="a.js"', 'c++', 'sh'];

function longWord(r: Rng, min: number, max: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789/._-😀';
  let s = '';
  const n = min + r.int(max - min);
  while (s.length < n) s += r.pick([...alphabet]);
  return s;
}

function sentence(r: Rng): string {
  const words: string[] = [];
  const n = 1 + r.int(14);
  for (let i = 0; i < n; i++) {
    if (r.chance(0.08)) words.push(r.pick(ODD_WORDS));
    else if (r.chance(0.02)) words.push(longWord(r, 20, 300));
    else words.push(r.pick(WORDS));
  }
  return words.join(r.chance(0.05) ? '  ' : ' ') + r.pick(['.', '!', '?', '."', '…', ':', '']);
}

function paragraph(r: Rng): string {
  const sentences: string[] = [];
  const n = 1 + r.int(6);
  for (let i = 0; i < n; i++) sentences.push(sentence(r));
  return sentences.join(r.chance(0.2) ? '\n' : ' ');
}

function codeBlock(r: Rng, closed: boolean): string {
  const ch = r.chance(0.7) ? '`' : '~';
  const n = 3 + r.int(3);
  const fence = ch.repeat(n);
  const indent = ' '.repeat(r.chance(0.8) ? 0 : 1 + r.int(3));
  const lines = [`${indent}${fence}${r.pick(LANGS)}`];
  const count = r.int(30);
  for (let i = 0; i < count; i++) {
    const kind = r.int(12);
    if (kind === 0) lines.push('');
    else if (kind === 1) lines.push(`  ${longWord(r, 50, 400)}`);
    else if (kind === 2) lines.push(ch === '~' ? '```' : '~~~'); // the other fence char: content
    else if (kind === 3) lines.push(`${fence} not a close`);
    else if (kind === 4) lines.push(ch.repeat(n - 1)); // too short to close
    else if (kind === 5) lines.push(`    ${fence}`); // indented 4: content
    else lines.push(`${' '.repeat(r.int(8))}const x${i} = ${JSON.stringify(sentence(r))};`);
  }
  if (closed) lines.push(`${' '.repeat(r.int(4))}${ch.repeat(n + r.int(2))}${r.chance(0.2) ? '  ' : ''}`);
  return lines.join('\n');
}

function oddLine(r: Rng): string {
  return r.pick([
    '```js```', // a backtick in the info string: not a fence
    '``` a ` b',
    '    ```', // indented 4: not a fence
    '``',
    '~~',
    '`'.repeat(40 + r.int(300)), // longer than the fence cap for small limits
    '~'.repeat(3 + r.int(300)),
    `${'x'.repeat(r.int(30))} \`\`\`ts inline`,
    '> quoted ```',
    '- [ ] item',
    '# Heading',
  ]);
}

/** A mixed markdown document of at least `size` characters (the last block may be left open). */
function genDoc(seed: number, size: number): string {
  const r = rng(seed);
  const crlf = r.chance(0.25);
  const blocks: string[] = [];
  let length = 0;
  while (length < size) {
    const kind = r.int(10);
    let block: string;
    if (kind < 4) block = paragraph(r);
    else if (kind < 7) block = codeBlock(r, length + 200 < size || r.chance(0.5));
    else if (kind < 8) block = Array.from({ length: 1 + r.int(5) }, () => `- ${sentence(r)}`).join('\n');
    else block = oddLine(r);
    blocks.push(block);
    blocks.push(r.pick(['\n\n', '\n\n', '\n', '\n\n\n']));
    length += block.length + 2;
  }
  if (r.chance(0.5)) blocks.pop();
  const doc = blocks.join('');
  return crlf ? doc.replaceAll('\n', '\r\n') : doc;
}

// ---------------------------------------------------------------------------------------------
// An independent reference for what the chunks must be

interface RefFence {
  line: string;
  ch: string;
  n: number;
}

const fenceCap = (limit: number) => Math.max(3, Math.floor(limit / 8));

/** CommonMark top-level fences, line by line; the text's last line counts even if unterminated. */
function fenceAfter(text: string, open: RefFence | null, cap: number): RefFence | null {
  let state = open;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[ \t\r]+$/, '');
    if (state === null) {
      const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
      if (m && m[1]!.length <= cap && !(m[1]![0] === '`' && m[2]!.includes('`'))) {
        state = { line, ch: m[1]![0]!, n: m[1]!.length };
      }
    } else {
      const m = /^ {0,3}(`+|~+)[ \t\r]*$/.exec(line);
      if (m && m[1]![0] === state.ch && m[1]!.length >= state.n) state = null;
    }
  }
  return state;
}

function parseFence(line: string): RefFence {
  const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
  if (!m) throw new Error(`not a fence: ${line}`);
  return { line, ch: m[1]![0]!, n: m[1]!.length };
}

/**
 * Checks every documented property of `chunks` against `doc`: tiling, the limit, exact text
 * (source plus only the added fence lines), balanced fences, and the openFence chain.
 * Returns the violations found (plain comparisons: this runs on many thousands of chunks).
 */
function violations(doc: string, chunks: Chunk[], limit: number, openFence: string | null = null): string[] {
  const cap = fenceCap(limit);
  const out: string[] = [];
  if (doc === '') return chunks.length === 0 ? [] : ['chunks for empty text'];
  if (chunks.length === 0) return ['no chunks'];
  if (chunks[0]!.start !== 0) out.push('first chunk does not start at 0');
  if (chunks.at(-1)!.end !== doc.length) out.push('last chunk does not end at the end');
  if (chunks[0]!.openFence !== openFence) out.push(`first openFence ${chunks[0]!.openFence}`);
  for (const [i, chunk] of chunks.entries()) {
    const where = `chunk ${i} [${chunk.start}, ${chunk.end}) of ${JSON.stringify(doc.slice(0, 40))}… (limit ${limit})`;
    if (chunk.end <= chunk.start) out.push(`${where}: empty`);
    if (i > 0 && chunk.start !== chunks[i - 1]!.end) out.push(`${where}: does not start where the last ended`);
    if (chunk.text.length > limit) out.push(`${where}: ${chunk.text.length} characters`);

    const source = doc.slice(chunk.start, chunk.end);
    let head = '';
    let open: RefFence | null = null;
    if (chunk.openFence !== null) {
      open = parseFence(chunk.openFence);
      const full = `${chunk.openFence}\n`;
      const short = `${open.ch.repeat(open.n)}\n`;
      head = chunk.text.startsWith(full) ? full : short;
    }
    const after = fenceAfter(source, open, cap);
    const tail = after === null ? '' : `${source.endsWith('\n') ? '' : '\n'}${after.ch.repeat(after.n)}`;
    if (chunk.text !== head + source + tail) {
      out.push(`${where}: text ${JSON.stringify(chunk.text)} is not ${JSON.stringify(head + source + tail)}`);
    }
    // Rendered on its own, the chunk opens and closes every block it has.
    if (fenceAfter(chunk.text, null, cap) !== null) out.push(`${where}: leaves a block open`);
    const nextOpen = chunks[i + 1]?.openFence;
    if (nextOpen !== undefined && nextOpen !== (after?.line ?? null)) out.push(`${where}: next openFence ${nextOpen}`);
    // Never inside a surrogate pair or a CRLF.
    const at = chunk.end;
    if (at < doc.length) {
      if (/[\uD800-\uDBFF]/.test(doc[at - 1]!) && /[\uDC00-\uDFFF]/.test(doc[at]!)) out.push(`${where}: splits a surrogate pair`);
      if (doc[at - 1] === '\r' && doc[at] === '\n') out.push(`${where}: splits a CRLF`);
    }
  }
  return out;
}

function checkChunks(doc: string, chunks: Chunk[], limit: number, openFence: string | null = null): void {
  expect(violations(doc, chunks, limit, openFence)).toEqual([]);
}

const countFenceLines = (text: string) => text.split('\n').filter((l) => /^ {0,3}(```|~~~)/.test(l)).length;

// ---------------------------------------------------------------------------------------------

describe('splitMarkdown basics', () => {
  it('returns [] for empty text and a single unchanged chunk for short text', () => {
    expect(splitMarkdown('', { limit: 2000 })).toEqual([]);
    const text = 'Hello **world**.\n\n```ts\nconst x = 1;\n```\n';
    expect(splitMarkdown(text, { limit: 2000 })).toEqual([{ text, start: 0, end: text.length, openFence: null }]);
    const exact = 'x'.repeat(2000);
    expect(splitMarkdown(exact, { limit: 2000 })).toEqual([{ text: exact, start: 0, end: 2000, openFence: null }]);
  });

  it('rejects a limit that cannot hold a reopened block and an unparseable openFence', () => {
    expect(() => splitMarkdown('abc', { limit: 9 })).toThrow(RangeError);
    expect(() => splitMarkdown('abc', { limit: 12.5 })).toThrow(RangeError);
    expect(() => splitMarkdown('abc', { limit: 100, openFence: 'ts' })).toThrow(RangeError);
    expect(() => splitMarkdown('abc', { limit: 100, openFence: '```a`b' })).toThrow(RangeError);
    expect(splitMarkdown('abc', { limit: 10 })).toHaveLength(1);
  });

  it('splits long prose at paragraph ends', () => {
    const r = rng(1);
    const paragraphs = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}. ${Array.from({ length: 30 }, () => r.pick(WORDS)).join(' ')}.`);
    const doc = paragraphs.join('\n\n');
    const chunks = splitMarkdown(doc, { limit: 1000 });
    checkChunks(doc, chunks, 1000);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.text.endsWith('.\n\n')).toBe(true);
      expect(chunk.text.length).toBeGreaterThan(500); // in the latter half of the window
    }
    for (const chunk of chunks) expect(chunk.text).toMatch(/^Paragraph \d+\./);
  });

  it('falls back to line ends, then sentence ends, then spaces, then a hard cut', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i} with some words in it`).join('\n');
    for (const chunk of splitMarkdown(lines, { limit: 200 }).slice(0, -1)) expect(chunk.text).toMatch(/in it\n$/);

    const prose = Array.from({ length: 80 }, (_, i) => `Sentence number ${i} is here, then more words follow`).join('. ');
    const proseChunks = splitMarkdown(prose, { limit: 300 });
    checkChunks(prose, proseChunks, 300);
    for (const chunk of proseChunks.slice(0, -1)) expect(chunk.text).toMatch(/follow\. $/);

    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    for (const chunk of splitMarkdown(words, { limit: 100 }).slice(0, -1)) expect(chunk.text).toMatch(/word\d+ $/);

    const blob = 'a'.repeat(1000);
    const blobChunks = splitMarkdown(blob, { limit: 300 });
    expect(blobChunks.map((c) => c.text.length)).toEqual([300, 300, 300, 100]);
  });

  it('never splits a surrogate pair, even in a hard cut', () => {
    const doc = '😀'.repeat(300); // 600 code units, no other cut points
    for (const limit of [11, 101, 2000]) {
      const chunks = splitMarkdown(doc, { limit });
      checkChunks(doc, chunks, limit);
      for (const chunk of chunks) expect(chunk.text.length % 2).toBe(0);
      if (limit === 101) expect(chunks[0]!.text.length).toBe(100);
    }
  });

  it('closes a code block that spans the limit and reopens it with the same fence line', () => {
    const code = Array.from({ length: 80 }, (_, i) => `  console.log(${i}); // line ${i}`).join('\n');
    const doc = `Intro text.\n\n\`\`\`ts\n${code}\n\`\`\`\n\nAfter the code.`;
    const chunks = splitMarkdown(doc, { limit: 500 });
    checkChunks(doc, chunks, 500);
    expect(chunks.length).toBeGreaterThan(3);
    const inner = chunks.filter((c) => c.openFence !== null);
    expect(inner.length).toBeGreaterThan(1);
    for (const chunk of inner) {
      expect(chunk.openFence).toBe('```ts');
      expect(chunk.text.startsWith('```ts\n')).toBe(true);
    }
    for (const chunk of chunks) {
      expect(countFenceLines(chunk.text) % 2, chunk.text).toBe(0);
      expect(chunk.text.length).toBeLessThanOrEqual(500);
    }
    // Inside the block, cuts are at line ends and the close follows the last full line.
    for (const [i, chunk] of chunks.entries()) {
      if (chunks[i + 1]?.openFence) expect(chunk.text).toMatch(/\/\/ line \d+\n```$/);
    }
    // A short intro shares the first chunk with the start of the block...
    expect(chunks[0]!.text.startsWith('Intro text.\n\n```ts\n')).toBe(true);
    // ...but given a paragraph end in the latter half of the window, the cut is before the block.
    const intro = `${'Long intro. '.repeat(25)}\n\n`;
    const [first] = splitMarkdown(intro + doc.slice('Intro text.\n\n'.length), { limit: 500 });
    expect(first!.text).toBe(intro);
  });

  it('keeps ``` lines inside a ~~~~ block as content and closes with ~~~~', () => {
    const body = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? '```' : i % 7 === 0 ? '~~~' : `row ${i} ${'z'.repeat(i)}`));
    const doc = `~~~~markdown\n${body.join('\n')}\n~~~~\ndone`;
    const chunks = splitMarkdown(doc, { limit: 200 });
    checkChunks(doc, chunks, 200);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.openFence === null || chunk.openFence === '~~~~markdown').toBe(true);
      expect(chunk.text).toMatch(/\n~~~~$/);
    }
    expect(chunks.at(-1)!.text.endsWith('~~~~\ndone')).toBe(true);
  });

  it('closes a block that is still open at the end of the text', () => {
    const [only] = splitMarkdown('Look:\n```py\nprint(1)', { limit: 2000 });
    expect(only!.text).toBe('Look:\n```py\nprint(1)\n```');
    const [atLineStart] = splitMarkdown('```py\nprint(1)\n', { limit: 2000 });
    expect(atLineStart!.text).toBe('```py\nprint(1)\n```');
    const [justOpened] = splitMarkdown('Look:\n~~~', { limit: 2000 });
    expect(justOpened!.text).toBe('Look:\n~~~\n~~~');
    const [notAFence] = splitMarkdown('Look:\n```js```', { limit: 2000 });
    expect(notAFence!.text).toBe('Look:\n```js```');
  });

  it('starts inside a block given openFence', () => {
    const chunks = splitMarkdown('x = 1\n```\nafter', { limit: 2000, openFence: '```py' });
    expect(chunks).toEqual([{ text: '```py\nx = 1\n```\nafter', start: 0, end: 15, openFence: '```py' }]);
    const open = splitMarkdown('x = 1\n', { limit: 2000, openFence: '~~~~' });
    expect(open[0]!.text).toBe('~~~~\nx = 1\n~~~~');
  });

  it('reopens with the bare fence when the opening line is too long', () => {
    const info = 'i'.repeat(80);
    const doc = `\`\`\`${info}\n${Array.from({ length: 40 }, (_, i) => `code ${i}`).join('\n')}\n\`\`\``;
    const chunks = splitMarkdown(doc, { limit: 160 });
    checkChunks(doc, chunks, 160);
    expect(chunks[1]!.openFence).toBe(`\`\`\`${info}`);
    expect(chunks[1]!.text.startsWith('```\ncode')).toBe(true);
  });
});

describe('splitMarkdown on generated documents', () => {
  const LIMITS = [10, 16, 37, 64, 100, 257, 2000];

  it('respects the limit, loses no text and balances fences', () => {
    let multi = 0;
    let reopened = 0;
    const problems: string[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const doc = genDoc(seed, 200 + (seed % 7) * 900);
      for (const limit of LIMITS) {
        const chunks = splitMarkdown(doc, { limit });
        problems.push(...violations(doc, chunks, limit));
        if (chunks.length > 1) multi++;
        reopened += chunks.filter((c) => c.openFence !== null).length;
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // The inputs did exercise splitting and reopening.
    expect(multi).toBeGreaterThan(500);
    expect(reopened).toBeGreaterThan(1000);
  });

  it('handles pathological inputs', () => {
    const docs = [
      'x'.repeat(5000),
      '`'.repeat(5000),
      '~'.repeat(3000) + '\n' + 'y'.repeat(3000),
      '\n'.repeat(3000),
      '\r\n'.repeat(3000),
      ' '.repeat(3000),
      '```\n' + '`'.repeat(5000),
      '```\n' + ' '.repeat(5000) + '```',
      '~~~\n' + '~~'.repeat(2000) + '\n~~~',
      '😀'.repeat(2000) + 'a' + '😀'.repeat(2000),
      '\uD83D'.repeat(500) + '\uDE00'.repeat(500), // unpaired surrogates
      '```' + 'ts'.repeat(2000) + '\ncode\n```',
      Array.from({ length: 500 }, () => '```\n').join(''),
      Array.from({ length: 500 }, (_, i) => `${'`'.repeat(3 + (i % 30))}\n`).join(''),
    ];
    const problems: string[] = [];
    for (const doc of docs) {
      for (const limit of LIMITS) problems.push(...violations(doc, splitMarkdown(doc, { limit }), limit));
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('is prefix-stable: appending text never changes a chunk that is not the last', () => {
    const cases: { doc: string; limit: number }[] = [
      { doc: genDoc(1001, 5000), limit: 100 },
      { doc: genDoc(1002, 5000), limit: 37 },
      { doc: genDoc(1003, 9000), limit: 300 },
      { doc: genDoc(1004, 3000), limit: 16 },
      { doc: genDoc(1005, 3000), limit: 10 },
    ];
    // Extensions that turn an opening fence into a non-fence, or a non-fence into a close.
    for (let k = 20; k < 60; k++) {
      cases.push({ doc: `${'x'.repeat(k)}\n\`\`\`ts\` a b\n${'y '.repeat(40)}`, limit: 40 });
      cases.push({ doc: `${'x'.repeat(k)}\n${'`'.repeat(8)}\nmore text here\n\nand more`, limit: 40 });
      cases.push({ doc: `\`\`\`\n${'x'.repeat(k)}\n\`\`\`\nafter the block, more prose`, limit: 40 });
      cases.push({ doc: `~~~~~\n${'x '.repeat(k)}\n   ~~~~~~  \n${'z'.repeat(k)}`, limit: 45 });
    }
    let compared = 0;
    const problems: string[] = [];
    for (const { doc, limit } of cases) {
      const full = splitMarkdown(doc, { limit });
      for (let n = 0; n <= doc.length; n++) {
        const partial = splitMarkdown(doc.slice(0, n), { limit });
        for (let i = 0; i < partial.length - 1; i++) {
          const a = partial[i]!;
          const b = full[i];
          compared++;
          if (!b || a.text !== b.text || a.start !== b.start || a.end !== b.end || a.openFence !== b.openFence) {
            problems.push(`limit ${limit}, prefix ${n} of ${JSON.stringify(doc.slice(0, 30))}…, chunk ${i}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
          }
        }
        // The prefixes themselves are split correctly (checked fully on a sample, it is slow).
        if (n % 97 === 0) problems.push(...violations(doc.slice(0, n), partial, limit));
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(100_000);
  });

  it('resumes from any chunk start with its openFence', () => {
    let resumed = 0;
    for (let seed = 2001; seed <= 2025; seed++) {
      const doc = genDoc(seed, 3000);
      for (const limit of [16, 64, 257]) {
        const chunks = splitMarkdown(doc, { limit });
        for (const [i, chunk] of chunks.entries()) {
          const again = splitMarkdown(doc.slice(chunk.start), {
            limit,
            ...(chunk.openFence === null ? {} : { openFence: chunk.openFence }),
          });
          const shifted = again.map((c) => ({ ...c, start: c.start + chunk.start, end: c.end + chunk.start }));
          expect(shifted, `seed ${seed}, limit ${limit}, chunk ${i}`).toEqual(chunks.slice(i));
          if (chunk.openFence !== null) resumed++;
        }
      }
    }
    expect(resumed).toBeGreaterThan(100);
  });

  it('takes linear time', () => {
    const doc = genDoc(3001, 1_000_000);
    const blob = 'x'.repeat(1_000_000);
    const started = performance.now();
    const chunks = splitMarkdown(doc, { limit: 2000 });
    splitMarkdown(blob, { limit: 2000 });
    splitMarkdown('`'.repeat(1_000_000), { limit: 2000 });
    const elapsed = performance.now() - started;
    expect(chunks.length).toBeGreaterThan(500);
    // A quadratic splitter (rescanning to the end of the text per chunk) takes minutes here.
    expect(elapsed).toBeLessThan(5000);
  });
});
