import { withCallContext, type BodyFormat } from './client.js';

/** Why a call ended before the model finished. What arrived is kept either way. */
export type Interruption =
  | { kind: 'upstream-error'; code: number | string | undefined; message: string }
  | { kind: 'idle'; afterMs: number }
  | { kind: 'dropped'; message: string }
  | { kind: 'aborted'; reason: string };

/** Raised when the request fails before any of the answer arrived (HTTP error, refused, …). */
export class RequestFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('OpenRouter request failed', { cause });
  }
}

/**
 * One upstream call's lifetime: it ends when the caller's signal aborts (Stop, shutdown) or when
 * nothing arrives for `idleTimeoutMs`, and the first reason is kept. One timer for the whole call:
 * each sign of life only notes the time, and the timer re-arms itself for what is left, so a fast
 * stream costs no timer churn per event.
 */
export class CallGuard {
  private readonly controller = new AbortController();
  private why: Interruption | undefined;
  private lastActivity: number;
  private idle: NodeJS.Timeout | undefined;
  private readonly onOuterAbort = () => this.abort({ kind: 'aborted', reason: String(this.outer?.reason ?? 'stopped') });

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly idleTimeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (outer?.aborted) this.onOuterAbort();
    outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.lastActivity = now();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interruption(): Interruption | undefined {
    return this.why;
  }

  abort(why: Interruption): void {
    this.why ??= why;
    this.controller.abort();
  }

  /** Something arrived (bytes, a keepalive). */
  readonly alive = (): void => {
    this.lastActivity = this.now();
    this.idle ??= setTimeout(this.onIdleTimer, this.idleTimeoutMs);
  };

  /** Between retries the SDK is waiting, not the model: that time is bounded by the retry budget. */
  private readonly pause = (): void => {
    clearTimeout(this.idle);
    this.idle = undefined;
  };

  /** For the client: the timer runs while an attempt waits for its answer, not between attempts. */
  readonly attempt = { sent: this.alive, answered: this.pause };

  private readonly onIdleTimer = (): void => {
    const quietFor = this.now() - this.lastActivity;
    if (quietFor >= this.idleTimeoutMs) this.abort({ kind: 'idle', afterMs: this.idleTimeoutMs });
    else this.idle = setTimeout(this.onIdleTimer, this.idleTimeoutMs - quietFor);
  };

  dispose(): void {
    clearTimeout(this.idle);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

export interface TakenBody {
  body: ReadableStream<Uint8Array>;
  format: BodyFormat;
}

/**
 * Makes an SDK call whose successful answer the bot reads itself (see client.ts) and returns that
 * body; undefined when the guard ended the call first. A failure before the body throws
 * `RequestFailed`.
 */
async function openBody(
  guard: CallGuard,
  call: (headers: Record<string, string>) => Promise<unknown>,
  { json = false }: { json?: boolean } = {},
): Promise<TakenBody | undefined> {
  let taken: TakenBody | undefined;
  try {
    await withCallContext({ signal: guard.signal, json, attempt: guard.attempt, takeBody: (body, format) => (taken = { body, format }) }, call);
    if (!taken) throw new Error('OpenRouter answered without a body the bot can read');
    // From here the body is the model's answer: silence in it is the model's.
    guard.alive();
    return taken;
  } catch (error) {
    // A body taken before the failure would otherwise hold its connection open.
    await taken?.body.cancel().catch(() => undefined);
    if (guard.interruption) return undefined;
    throw new RequestFailed(error);
  }
}

/**
 * Makes the call and reads its answer with `read`, which gives the upstream's own error (an error
 * chunk or event) when it sent one. Whatever ended it early comes back as the interruption; the
 * guard is disposed of either way. A failure before the answer throws `RequestFailed`.
 */
export async function callAndRead(
  guard: CallGuard,
  call: (headers: Record<string, string>) => Promise<unknown>,
  read: (taken: TakenBody) => Promise<Interruption | undefined>,
  options: { json?: boolean } = {},
): Promise<Interruption | undefined> {
  try {
    const taken = await openBody(guard, call, options);
    if (!taken) return guard.interruption;
    try {
      return (await read(taken)) ?? guard.interruption;
    } catch (error) {
      return guard.interruption ?? describeReadFailure(error);
    }
  } finally {
    guard.dispose();
  }
}

/** What a broken read of the answer means for the user. */
export function describeReadFailure(error: unknown): Interruption {
  if (error instanceof SyntaxError) return { kind: 'upstream-error', code: undefined, message: 'the provider sent a malformed chunk' };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'dropped', message };
}
