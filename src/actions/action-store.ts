import { randomUUID } from 'node:crypto';
import { KeyedLock } from '../conversation/keyed-lock.js';
import type { Store } from '../storage.js';

/** What a button under a message needs to act later: kept in the store, pointed to by its custom_id. */
export interface StoredAction<T> {
  id: string;
  /** Who asked: they (or a moderator) may press the buttons. */
  askerId: string;
  createdAt: number;
  /** 'used' once a button that may run only once has run (the answer was regenerated, continued, deleted). */
  state: 'ready' | 'used';
  data: T;
}

export type Claim<T> = { ok: true; action: StoredAction<T> } | { ok: false; reason: 'expired' | 'busy' | 'used' };

/**
 * Actions kept for the lifetime of their buttons. A press that may run once is claimed: a second
 * press while it runs, or after, is told so instead of running again. The claim is held in this
 * process: every press on a message reaches the process of its guild's shard.
 */
export class ActionStore {
  private readonly lock = new KeyedLock();
  private readonly running = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private key(id: string): string {
    return `action:${id}`;
  }

  /** A new action's id, for the custom_ids of buttons shown before the action is saved. */
  newId(): string {
    return randomUUID();
  }

  async save<T>(id: string, askerId: string, data: T): Promise<void> {
    const action: StoredAction<T> = { id, askerId, createdAt: this.now(), state: 'ready', data };
    await this.store.set(this.key(id), action, this.ttlMs);
  }

  async load<T>(id: string): Promise<StoredAction<T> | undefined> {
    return (await this.store.get(this.key(id))) as StoredAction<T> | undefined;
  }

  /**
   * Runs `task` if no other press of this action is running or has run; marks it used when the
   * task says so. The action keeps its original expiry.
   */
  async once<T>(id: string, task: (action: StoredAction<T>) => Promise<'used' | 'ready'>): Promise<Claim<T>> {
    const claimed = await this.lock.run(id, async (): Promise<Claim<T>> => {
      const action = await this.load<T>(id);
      if (!action) return { ok: false, reason: 'expired' };
      if (this.running.has(id)) return { ok: false, reason: 'busy' };
      if (action.state === 'used') return { ok: false, reason: 'used' };
      this.running.add(id);
      return { ok: true, action };
    });
    if (!claimed.ok) return claimed;
    try {
      if ((await task(claimed.action)) === 'used') {
        const left = claimed.action.createdAt + this.ttlMs - this.now();
        if (left > 0) await this.store.set(this.key(id), { ...claimed.action, state: 'used' } satisfies StoredAction<T>, left);
      }
    } finally {
      this.running.delete(id);
    }
    return claimed;
  }
}
