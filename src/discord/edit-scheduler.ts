import type { Outcome, Release, SharedBucket, Turn } from './shared-bucket.js';

export interface EditSchedulerOptions<P> {
  /** The newest payload. Pulled only when an edit can go out, so bursts of tokens cost nothing. */
  read(): P;
  /** True when sending `next` after `sent` would change nothing. */
  same(next: P, sent: P): boolean;
  /** Sends a payload; 'unsent' when there was nothing Discord would take. */
  send(payload: P): Promise<Outcome>;
  /** The bucket the next request spends from (a message's post and its edits count apart). */
  bucket(): SharedBucket;
  /**
   * Since when what the reader sees has been going stale, on the bucket's clock: of the urgent
   * changes waiting for a bucket, the stalest goes first (the bucket's now by default).
   */
  since?(): number;
  /**
   * Requests of the bucket that edits before `flush()` leave unspent, so that the final edit
   * never has to wait for the bucket to reset (image previews must not delay the images).
   */
  reserve?: number;
}

/**
 * Keeps one request in flight for one message and sends the newest payload whenever its bucket
 * gives it a turn: the bucket paces the message (and the other messages sharing it) from Discord's
 * headers. `flush()` (the final text) is urgent: it only waits when the bucket is actually empty.
 */
export class EditScheduler<P> {
  private sent: { payload: P } | undefined;
  private dirty = false;
  private inFlight = false;
  private final = false;
  /** The next edit skips the even spread (it still waits for an empty bucket). */
  private urgent = false;
  private failure: { error: unknown } | undefined;
  private turn: Turn | undefined;
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly options: EditSchedulerOptions<P>) {}

  /**
   * The payload changed; an edit will carry it at the even pace, or, when `urgent`, as soon as the
   * bucket has room.
   */
  markDirty(urgent = false): void {
    this.dirty = true;
    if (urgent) this.urgent = true;
    this.pump();
  }

  /** Sends the newest payload as soon as the bucket allows and resolves when it has landed. */
  flush(): Promise<void> {
    this.final = true;
    this.dirty = true;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.pump();
    return done;
  }

  get error(): unknown {
    return this.failure?.error;
  }

  private pump(): void {
    if (this.inFlight) return;
    if (this.failure || !this.dirty) return this.settle();
    const urgent = this.final || this.urgent;
    if (this.turn) {
      if (urgent) this.turn.hurry();
      return;
    }
    let granted = false;
    const turn = this.options.bucket().wait(
      urgent,
      (release) => {
        granted = true;
        this.turn = undefined;
        this.go(release);
      },
      this.options.reserve ?? 0,
      this.options.since?.(),
    );
    if (!granted) this.turn = turn;
  }

  private go(release: Release): void {
    this.dirty = false;
    this.urgent = false;
    const payload = this.options.read();
    if (this.sent && this.options.same(payload, this.sent.payload)) {
      release('unsent');
      return this.settle();
    }
    this.inFlight = true;
    this.options.send(payload).then(
      (outcome) => {
        if (outcome !== 'unsent') this.sent = { payload };
        release(outcome);
        this.inFlight = false;
        this.pump();
      },
      (error: unknown) => {
        this.failure = { error };
        release(undefined);
        this.inFlight = false;
        this.pump();
      },
    );
  }

  private settle(): void {
    if (!this.final || this.inFlight || (this.dirty && !this.failure)) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure) w.reject(this.failure.error);
      else w.resolve();
    }
  }
}
