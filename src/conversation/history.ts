import type { Store } from '../storage.js';
import { KeyedLock } from './keyed-lock.js';
import type { Turn } from './turns.js';

/** Stored turns per channel beyond which the oldest are dropped; far more than any budget sends. */
export const MAX_STORED_TURNS = 1_000;

interface Record {
  v: 1;
  turns: Turn[];
}

/**
 * Each channel's conversation (a thread is its own channel), kept as one Keyv value so a write
 * is atomic on every adapter: after a crash a turn is either stored whole or absent.
 */
export class ChannelHistory {
  private readonly lock = new KeyedLock();

  constructor(private readonly store: Store) {}

  private key(channelId: string): string {
    return `history:${channelId}`;
  }

  async load(channelId: string): Promise<Turn[]> {
    const record = (await this.store.get(this.key(channelId))) as Record | undefined;
    return record?.turns ?? [];
  }

  /** Appends turns as one unit; concurrent appends to a channel are serialized, never lost. */
  append(channelId: string, turns: Turn[]): Promise<void> {
    return this.lock.run(channelId, async () => {
      const current = await this.load(channelId);
      const next = current.concat(turns).slice(-MAX_STORED_TURNS);
      await this.store.set(this.key(channelId), { v: 1, turns: next } satisfies Record);
    });
  }

  reset(channelId: string): Promise<boolean> {
    return this.lock.run(channelId, () => this.store.delete(this.key(channelId)));
  }

  /** Resolves once every queued write has finished (used on shutdown). */
  drain(): Promise<void> {
    return this.lock.idle();
  }
}
