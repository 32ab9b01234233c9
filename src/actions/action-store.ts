import { randomUUID } from 'node:crypto';
import { LONGEST_RUN_MS } from '../running-answers.js';
import { storeConnection, type Store } from '../storage.js';
import { openClaims, type Claims } from './claims.js';

/** What a button under a message needs to act later: kept in the store, pointed to by its custom_id. */
export interface StoredAction<T> {
  id: string;
  /** Who asked: they (or a moderator) may press the buttons. */
  askerId: string;
  createdAt: number;
  data: T;
}

export type Claim<T> = { ok: true; action: StoredAction<T> } | { ok: false; reason: 'expired' | 'busy' | 'used' };

/**
 * Actions kept for the lifetime of their buttons. A press that may run once claims its action in
 * the store before running it, in one atomic step, so a second press (on this process or any
 * other sharing the store) while it runs, or after it was used, is told so instead of running
 * again.
 */
export class ActionStore {
  private constructor(
    private readonly store: Store,
    private readonly claims: Claims,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  static async open(store: Store, ttlMs: number, now: () => number = Date.now): Promise<ActionStore> {
    return new ActionStore(store, await openClaims(await storeConnection(store), now), ttlMs, now);
  }

  private key(id: string): string {
    return `action:${id}`;
  }

  /** A new action's id, for the custom_ids of buttons shown before the action is saved. */
  newId(): string {
    return randomUUID();
  }

  async save<T>(id: string, askerId: string, data: T): Promise<void> {
    const action: StoredAction<T> = { id, askerId, createdAt: this.now(), data };
    await this.store.set(this.key(id), action, this.ttlMs);
  }

  /** The action, while it lives: by the bot's clock, which stamped it, whenever the store forgets it. */
  async load<T>(id: string): Promise<StoredAction<T> | undefined> {
    const action = (await this.store.get(this.key(id))) as StoredAction<T> | undefined;
    return action && this.now() < action.createdAt + this.ttlMs ? action : undefined;
  }

  /**
   * Runs `task` if no other press of this action is running or has used it; when the task says
   * it used the action, it stays used for the rest of the action's life. A task that fails, or
   * leaves the action ready, lets the next press run.
   */
  async once<T>(id: string, task: (action: StoredAction<T>) => Promise<'used' | 'ready'>): Promise<Claim<T>> {
    const action = await this.load<T>(id);
    if (!action) return { ok: false, reason: 'expired' };
    // No press runs longer than an answer may stream: a claim its process never ended lapses then.
    const claim = await this.claims.take(id, LONGEST_RUN_MS);
    if (claim === 'running') return { ok: false, reason: 'busy' };
    if (claim === 'used') return { ok: false, reason: 'used' };
    let used = false;
    try {
      used = (await task(action)) === 'used';
    } finally {
      const left = action.createdAt + this.ttlMs - this.now();
      await (used && left > 0 ? claim.used(left) : claim.release());
    }
    return { ok: true, action };
  }
}
