import { randomUUID } from 'node:crypto';
import type { ImageData } from '../images.js';
import type { Store } from '../storage.js';
import { KeyedLock } from './keyed-lock.js';
import type { ImageRef, Turn } from './turns.js';

/** Stored turns per channel beyond which the oldest are dropped; far more than any budget sends. */
export const MAX_STORED_TURNS = 1_000;
/** Images per channel whose bytes are kept; older ones live on as text placeholders only. */
export const MAX_STORED_IMAGES = 4;

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

  /**
   * Appends turns as one unit; concurrent appends to a channel are serialized, never lost. Images
   * beyond the newest few lose their bytes (the turn keeps its text placeholder).
   */
  append(channelId: string, turns: Turn[]): Promise<void> {
    return this.lock.run(channelId, async () => {
      const current = await this.load(channelId);
      const next = current.concat(turns).slice(-MAX_STORED_TURNS);
      const keep = new Set(next.flatMap((t) => t.images ?? []).slice(-MAX_STORED_IMAGES).map((i) => i.id));
      const dropped: string[] = [];
      const pruned = next.map((turn) => {
        if (!turn.images?.some((i) => !keep.has(i.id))) return turn;
        dropped.push(...turn.images.filter((i) => !keep.has(i.id)).map((i) => i.id));
        const images = turn.images.filter((i) => keep.has(i.id));
        const { images: _, ...rest } = turn;
        return images.length ? { ...rest, images } : rest;
      });
      await this.store.set(this.key(channelId), { v: 1, turns: pruned } satisfies Record);
      // After the turns: a crash in between leaves an unreferenced image, never a dangling reference.
      if (dropped.length) await this.store.deleteMany(dropped.map((id) => this.imageKey(channelId, id)));
    });
  }

  reset(channelId: string): Promise<boolean> {
    return this.lock.run(channelId, async () => {
      const images = (await this.load(channelId)).flatMap((t) => t.images ?? []);
      const existed = await this.store.delete(this.key(channelId));
      if (images.length) await this.store.deleteMany(images.map((i) => this.imageKey(channelId, i.id)));
      return existed;
    });
  }

  private imageKey(channelId: string, id: string): string {
    return `image:${channelId}:${id}`;
  }

  /** Keeps an image's bytes for later turns; reference it from a turn to keep it. */
  async saveImage(channelId: string, image: ImageData, ref: Omit<ImageRef, 'id'>): Promise<ImageRef> {
    const id = randomUUID();
    await this.store.set(this.imageKey(channelId, id), { mime: image.mime, data: image.bytes.toString('base64') });
    return { id, ...ref };
  }

  async loadImage(channelId: string, id: string): Promise<ImageData | undefined> {
    const stored = (await this.store.get(this.imageKey(channelId, id))) as { mime: string; data: string } | undefined;
    return stored && { mime: stored.mime, bytes: Buffer.from(stored.data, 'base64') };
  }

  /** Resolves once every queued write has finished (used on shutdown). */
  drain(): Promise<void> {
    return this.lock.idle();
  }
}
