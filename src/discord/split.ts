/**
 * Splits a (possibly still growing) markdown text into chunks that each fit in one Discord
 * message, keeping code fences balanced in every chunk.
 *
 * Properties the streaming renderer relies on:
 * - every `chunk.text.length <= limit` (UTF-16 code units, counting the fence lines added here);
 * - chunks tile the input, and each chunk's text is its source with at most a reopening fence line
 *   in front and a closing fence behind;
 * - prefix stability: every chunk but the last is decided only from the characters of its own
 *   window, so appending text never changes a chunk that already had a successor;
 * - resumability: `splitMarkdown(text.slice(c.start), { limit, openFence: c.openFence })` yields
 *   the same chunks as splitting from the start (shifted by `c.start`);
 * - O(length) per call.
 *
 * Fences follow CommonMark at the top level: a line of up to 3 spaces, then 3+ backticks or
 * tildes (a backtick fence's info string may not contain a backtick) opens a block; a line of up
 * to 3 spaces, then at least as many of the same character, then only spaces closes it. A cut
 * inside a line acts as a line break for this purpose (each chunk is rendered on its own), and a
 * run longer than `max(3, floor(limit / 8))` does not open a block: such a block could not be
 * closed and reopened within the limit.
 */

export interface SplitOptions {
  /** Max characters (UTF-16 code units) per chunk, including fence lines the splitter adds. An integer ≥ 10. */
  limit: number;
  /** If the text starts inside a code block, its opening fence line, e.g. '```ts' (as given by `Chunk.openFence`). */
  openFence?: string | undefined;
}

export interface Chunk {
  /** Message content: ≤ limit characters, code fences balanced. */
  text: string;
  /** Offset in the input where this chunk's source starts. */
  start: number;
  /** Offset where this chunk's source ends (exclusive); the next chunk starts here. */
  end: number;
  /** Opening fence line of the code block open at `start`, or null. */
  openFence: string | null;
}

/** The smallest limit for which fences can always be closed and reopened while making progress. */
const MIN_SPLIT_LIMIT = 10;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const BACKTICK = 96;
const TILDE = 126;

interface Fence {
  /** The opening line, without line terminator or trailing whitespace. */
  readonly line: string;
  /** Char code of the fence character. */
  readonly ch: number;
  /** Length of the opening run; a closing run must be at least this long. */
  readonly n: number;
}

// What the (partial) current line does to the fence state.
const KEEPS = 0;
const OPENS = 1;
const CLOSES = 2;

// Where the current line is in the fence grammar.
const PH_INDENT = 0; // only spaces so far (at most 3)
const PH_RUN = 1; // inside the run of fence characters
const PH_AFTER = 2; // after the run
const PH_NONE = 3; // cannot be a fence line

// Cut preferences, best first. Only cuts in the latter half of the window get a tier.
const T_PARA = 0; // after a blank line or a closing fence line, outside code
const T_LINE_OUT = 1; // after a line end, outside code
const T_LINE_IN = 2; // after a line end, inside code
const T_SENTENCE_OUT = 3; // after a sentence end and whitespace, outside code
const T_SPACE_OUT = 4; // after whitespace, outside code
const T_SPACE_IN = 5; // after whitespace, inside code
const T_HARD_CLEAN = 6; // inside a word, where neither side of the cut looks like a fence
const T_HARD = 7; // anywhere else (not inside a surrogate pair or CRLF)
const TIERS = 8;

/** Incremental fence-state scanner over the lines of one chunk. */
class Scanner {
  /** Start of the current line. */
  ls: number;
  /** Block open at the start of the current line. */
  open: Fence | null;
  /** Run length of the current line's fence-like prefix. */
  run = 0;
  /** Whether the line completed last was blank / a closing fence. */
  prevBlank = false;
  prevClose = false;
  private spaces = 0;
  private fc = 0;
  private phase = PH_INDENT;
  private tickAfter = false;
  private textAfter = false;
  private blank = true;

  constructor(
    private readonly text: string,
    private readonly cap: number,
    pos: number,
    open: Fence | null,
  ) {
    this.ls = pos;
    this.open = open;
  }

  /** Consumes the character at index i, the next one. */
  push(i: number, ch: number): void {
    if (ch === LF) {
      const t = this.transition();
      if (t === OPENS) this.open = { line: trimLine(this.text.slice(this.ls, i)), ch: this.fc, n: this.run };
      else if (t === CLOSES) this.open = null;
      this.prevBlank = this.blank;
      this.prevClose = t === CLOSES;
      this.ls = i + 1;
      this.spaces = 0;
      this.fc = 0;
      this.run = 0;
      this.phase = PH_INDENT;
      this.tickAfter = false;
      this.textAfter = false;
      this.blank = true;
      return;
    }
    if (ch !== SPACE && ch !== TAB && ch !== CR) this.blank = false;
    switch (this.phase) {
      case PH_INDENT:
        if (ch === SPACE) {
          if (++this.spaces > 3) this.phase = PH_NONE;
        } else if (ch === BACKTICK || ch === TILDE) {
          this.fc = ch;
          this.run = 1;
          this.phase = PH_RUN;
        } else {
          this.phase = PH_NONE;
        }
        return;
      case PH_RUN:
        if (ch === this.fc) {
          this.run++;
          return;
        }
        this.phase = PH_AFTER;
        this.after(ch);
        return;
      case PH_AFTER:
        this.after(ch);
        return;
      default:
        return;
    }
  }

  private after(ch: number): void {
    if (ch === BACKTICK) this.tickAfter = true;
    if (ch !== SPACE && ch !== TAB && ch !== CR) this.textAfter = true;
  }

  /** What the current line so far, taken as a whole line, does to the fence state. */
  transition(): number {
    if (this.phase !== PH_RUN && this.phase !== PH_AFTER) return KEEPS;
    const open = this.open;
    if (open === null) {
      const opens = this.run >= 3 && this.run <= this.cap && !(this.fc === BACKTICK && this.tickAfter);
      return opens ? OPENS : KEEPS;
    }
    return this.fc === open.ch && this.run >= open.n && !this.textAfter ? CLOSES : KEEPS;
  }

  /** The block open at position `at`, the position after the last pushed character. */
  stateAt(at: number): Fence | null {
    if (at === this.ls) return this.open;
    const t = this.transition();
    if (t === OPENS) return { line: trimLine(this.text.slice(this.ls, at)), ch: this.fc, n: this.run };
    return t === CLOSES ? null : this.open;
  }
}

function trimLine(line: string): string {
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== SPACE && c !== TAB && c !== CR) break;
    end--;
  }
  return line.slice(0, end);
}

function fenceChars(f: Fence): string {
  return String.fromCharCode(f.ch).repeat(f.n);
}

/** The line that reopens `f` at the top of a chunk: the original line unless it is too long. */
function reopenLine(f: Fence, limit: number): string {
  return f.line.length + 1 + 1 + f.n <= Math.floor(limit / 2) ? f.line : fenceChars(f);
}

/** What closes `f` at the end of a chunk whose source ends at a line start or not. */
function closing(f: Fence | null, atLineStart: boolean): string {
  if (f === null) return '';
  return atLineStart ? fenceChars(f) : `\n${fenceChars(f)}`;
}

function isWhitespace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

function isSentenceEnd(c: number): boolean {
  return c === 0x2e /* . */ || c === 0x21 /* ! */ || c === 0x3f /* ? */ || c === 0x2026 /* … */;
}

function isCloser(c: number): boolean {
  // " ' ) ] * _ ” ’
  return c === 0x22 || c === 0x27 || c === 0x29 || c === 0x5d || c === 0x2a || c === 0x5f || c === 0x201d || c === 0x2019;
}

function isCjkStop(c: number): boolean {
  return c === 0x3002 /* 。 */ || c === 0xff01 /* ！ */ || c === 0xff1f /* ？ */;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function parseOpenFence(value: string, cap: number): Fence {
  const line = trimLine(value);
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === SPACE) i++;
  const ch = line.charCodeAt(i);
  let j = i;
  while (j < line.length && line.charCodeAt(j) === ch) j++;
  const n = j - i;
  const valid =
    !line.includes('\n') &&
    i <= 3 &&
    (ch === BACKTICK || ch === TILDE) &&
    n >= 3 &&
    n <= cap &&
    !(ch === BACKTICK && line.includes('`', j));
  if (!valid) throw new RangeError(`splitMarkdown: openFence is not an opening code fence line: ${JSON.stringify(value)}`);
  return { line, ch, n };
}

interface Cut {
  end: number;
  text: string;
  next: Fence | null;
}

/** Decides the chunk that starts at `pos` with `open` the block open there. */
function cutAt(text: string, pos: number, open: Fence | null, limit: number, cap: number): Cut {
  const length = text.length;
  // The whole rest fits and no fence can open in it (that takes three backticks or tildes in a
  // row): nothing to scan, as for most edits of most answers.
  if (open === null && length - pos <= limit && text.indexOf('```', pos) === -1 && text.indexOf('~~~', pos) === -1) return { end: length, text: text.slice(pos), next: null };
  const head = open === null ? '' : `${reopenLine(open, limit)}\n`;
  const room = limit - head.length;
  const stop = Math.min(length, pos + room);
  const half = pos + (room >> 1);
  const scanner = new Scanner(text, cap, pos, open);
  const best: number[] = new Array<number>(TIERS).fill(-1);
  let lastValid = -1;
  // `reserve` bounds the closing fence a cut here needs, and never drops by more than one per
  // character. Cutting on it (not on the exact need) keeps the decision monotone: text appended
  // later (e.g. a backtick that turns '```ts' into a non-fence) can never make a cut that did
  // not fit earlier fit now, which is what makes the earlier chunks prefix-stable.
  let reserve = open === null ? 0 : open.n;

  for (let i = pos; i < stop; i++) {
    const ch = text.charCodeAt(i);
    scanner.push(i, ch);
    const c = i + 1;
    const t = ch === LF ? KEEPS : scanner.transition();
    let inside: boolean;
    let need: number;
    if (ch === LF) {
      inside = scanner.open !== null;
      need = scanner.open === null ? 0 : scanner.open.n;
    } else if (t === OPENS) {
      inside = true;
      need = 1 + scanner.run;
    } else if (t === CLOSES) {
      inside = false;
      need = 0;
    } else {
      inside = scanner.open !== null;
      need = scanner.open === null ? 0 : 1 + scanner.open.n;
    }
    reserve = Math.max(need, reserve - 1);
    if (c >= length) break; // the end of the text: see below
    if (head.length + (c - pos) + reserve > limit) continue;
    const next = text.charCodeAt(c);
    if (ch === CR && next === LF) continue;
    if (isHighSurrogate(ch) && isLowSurrogate(next)) continue;
    lastValid = c;
    if (c < half) continue;

    let tier: number;
    if (ch === LF) {
      tier = inside ? T_LINE_IN : scanner.prevBlank || scanner.prevClose ? T_PARA : T_LINE_OUT;
    } else if (t !== KEEPS || isWhitespace(next) || next === BACKTICK || next === TILDE) {
      // The head would end in a fence line the full line is not (or may not be), or the tail
      // could start with one.
      tier = T_HARD;
    } else if (ch === SPACE || ch === TAB || isCjkStop(ch)) {
      if (inside) {
        tier = T_SPACE_IN;
      } else {
        const p = c - 2;
        const prev = p >= pos ? text.charCodeAt(p) : 0;
        const sentence =
          isCjkStop(ch) || isSentenceEnd(prev) || (isCloser(prev) && p - 1 >= pos && isSentenceEnd(text.charCodeAt(p - 1)));
        tier = sentence ? T_SENTENCE_OUT : T_SPACE_OUT;
      }
    } else {
      tier = T_HARD_CLEAN;
    }
    best[tier] = c;
  }

  if (stop === length && head.length + (length - pos) + reserve <= limit) {
    const last = scanner.stateAt(length);
    return { end: length, text: head + text.slice(pos) + closing(last, scanner.ls === length), next: last };
  }

  let end = lastValid;
  for (const c of best) {
    if (c >= 0) {
      end = c;
      break;
    }
  }
  if (end <= pos) throw new Error('splitMarkdown: no cut point fits (internal error)');

  const rescan = new Scanner(text, cap, pos, open);
  for (let i = pos; i < end; i++) rescan.push(i, text.charCodeAt(i));
  const next = rescan.stateAt(end);
  return { end, text: head + text.slice(pos, end) + closing(next, rescan.ls === end), next };
}

/**
 * Splits `text` into chunks of at most `opts.limit` characters with balanced code fences.
 * Returns [] for ''.
 */
export function splitMarkdown(text: string, opts: SplitOptions): Chunk[] {
  const { limit } = opts;
  if (!Number.isInteger(limit) || limit < MIN_SPLIT_LIMIT) {
    throw new RangeError(`splitMarkdown: limit must be an integer ≥ ${MIN_SPLIT_LIMIT}, got ${limit}`);
  }
  const cap = Math.max(3, Math.floor(limit / 8));
  let open = opts.openFence ? parseOpenFence(opts.openFence, cap) : null;
  const chunks: Chunk[] = [];
  let pos = 0;
  while (pos < text.length) {
    const cut = cutAt(text, pos, open, limit, cap);
    chunks.push({ text: cut.text, start: pos, end: cut.end, openFence: open === null ? null : open.line });
    pos = cut.end;
    open = cut.next;
  }
  return chunks;
}
