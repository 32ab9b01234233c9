/**
 * How live a streamed reply looked, computed from what the fakes recorded: when each upstream SSE
 * frame was written, and when each state of the Discord message was applied. Pure functions, so
 * the definitions the report states are the ones unit-tested.
 */

/** A step function: `chars` holds from `at` until the next point. Times in ms, ascending. */
export interface Point {
  at: number;
  chars: number;
}

export interface Upstream {
  text: string;
  /** Cumulative characters of model text after each content frame. */
  points: Point[];
  /** The first frame carrying visible text (not only whitespace). */
  firstToken?: { at: number; text: string };
  /** When the last frame was written: the stream is complete. */
  endAt: number;
}

/** Reads the content deltas out of raw SSE frames (`data: {...}\n\n`) and their write times. */
export function upstreamFrom(frames: readonly string[], frameAt: readonly number[]): Upstream {
  let text = '';
  const points: Point[] = [];
  let firstToken: Upstream['firstToken'];
  frames.forEach((frame, i) => {
    if (!frame.startsWith('data: {')) return;
    const chunk = JSON.parse(frame.slice('data: '.length)) as { choices?: { delta?: { content?: string } }[] };
    const delta = chunk.choices?.[0]?.delta?.content ?? '';
    if (!delta) return;
    text += delta;
    points.push({ at: frameAt[i]!, chars: text.length });
    if (!firstToken && text.trim()) firstToken = { at: frameAt[i]!, text: text.trim() };
  });
  return { text, points, ...(firstToken ? { firstToken } : {}), endAt: frameAt.at(-1) ?? 0 };
}

/** Length of the longest common prefix: how much of the model's text a message shows. */
export function sharedPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** One message's content over time: every state in order, creation first. */
export interface MessageStates {
  edits: readonly { at: number; content: string }[];
}

/** Where in the model's text a message's final state starts (undefined: it shows none of it). */
function startOf(message: MessageStates, upstreamText: string, from: number): number | undefined {
  const head = (message.edits.at(-1)?.content.trimStart() ?? '').split('\n-# ')[0]!.slice(0, 40);
  if (!head) return undefined;
  const at = upstreamText.indexOf(head, from);
  return at < 0 ? undefined : at;
}

/**
 * A reply's states as characters of the model's text shown (footers and status lines don't count),
 * across the messages it took in posting order: follow-ups past 2,000 characters, or a continuation
 * posted when an interaction expired. Each message shows the text from where its final state
 * starts; what is visible is what they cover without a gap from the start (the white space the
 * split drops between messages counts as covered).
 */
export function visibleAcross(messages: readonly MessageStates[], upstreamText: string): Point[] {
  const placed: { edits: MessageStates['edits']; start: number; rest: string; next: number; reach: number }[] = [];
  let from = 0;
  for (const m of messages) {
    const start = startOf(m, upstreamText, from);
    if (start === undefined) continue;
    placed.push({ edits: m.edits, start, rest: upstreamText.slice(start), next: 0, reach: -1 });
    from = start;
  }
  const times = [...new Set(placed.flatMap((p) => p.edits.map((e) => e.at)))].sort((a, b) => a - b);
  return times.map((at) => {
    let covered = 0;
    for (const p of placed) {
      while (p.next < p.edits.length && p.edits[p.next]!.at <= at) p.reach = p.start + sharedPrefix(p.edits[p.next++]!.content.trimStart(), p.rest);
      if (p.reach >= 0 && (p.start <= covered || upstreamText.slice(covered, p.start).trim() === '')) covered = Math.max(covered, p.reach);
    }
    return { at, chars: covered };
  });
}

/** The value of a step function at `t` (0 before its first point). */
export function valueAt(points: readonly Point[], t: number): number {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.at <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? 0 : points[found]!.chars;
}

/** When the upstream first had more than `chars` characters (the oldest character not shown). */
function firstBeyond(points: readonly Point[], chars: number): number | undefined {
  let lo = 0;
  let hi = points.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.chars > chars) {
      found = points[mid]!.at;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found;
}

export interface LagSamples {
  /** Upstream characters not yet visible, at each sample. */
  chars: number[];
  /** Age of the oldest character not yet visible (0 when all is shown), at each sample. */
  ms: number[];
}

/**
 * Samples how far the visible message trails the upstream text, every `stepMs` from `from` to
 * `to` (the first upstream token to the final text landing: the whole reply as a reader sees it).
 */
export function sampleLag(upstream: readonly Point[], visible: readonly Point[], from: number, to: number, stepMs = 10): LagSamples {
  const out: LagSamples = { chars: [], ms: [] };
  for (let t = from; t <= to; t += stepMs) {
    const shown = valueAt(visible, t);
    const behind = valueAt(upstream, t) - shown;
    out.chars.push(Math.max(0, behind));
    const oldest = behind > 0 ? firstBeyond(upstream, shown) : undefined;
    out.ms.push(oldest === undefined ? 0 : t - oldest);
  }
  return out;
}

/**
 * The least mean lag any client can have under a bucket of `limit` edits per `windowMs`: at its
 * sustained rate an edit can go out every windowMs / limit, and text arriving steadily waits on
 * average half of that interval.
 */
export function floorLagMs(bucket: { limit: number; windowMs: number }): number {
  return bucket.windowMs / bucket.limit / 2;
}

/** When the first edit that landed at or after `at` showed all of the text (undefined: never). */
export function completeAt(visible: readonly Point[], totalChars: number): number | undefined {
  return visible.find((p) => p.chars >= totalChars)?.at;
}

/**
 * The earliest time after `t` at which the bucket allowed another request, from the rate-limit
 * headers of the last response answered before `t` (Discord's own account of the bucket).
 */
export function bucketAllowsAt(responses: readonly { answeredAt: number; remaining: number; resetAfterMs: number }[], t: number): number {
  const last = responses.filter((r) => r.answeredAt <= t).at(-1);
  if (!last || last.remaining > 0) return t;
  return Math.max(t, last.answeredAt + last.resetAfterMs);
}
