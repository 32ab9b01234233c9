import { randomUUID } from 'node:crypto';
import type { ImageData } from '../images.js';
import type { Store } from '../storage.js';
import { KeyedLock } from './keyed-lock.js';
import { turnCost, type ImageRef, type Turn } from './turns.js';

/** Exchanges (a question and its answer) kept per channel; far more than any budget sends. */
export const MAX_STORED_EXCHANGES = 500;
/** Images per channel whose bytes are kept; older ones live on as text placeholders only. */
export const MAX_STORED_IMAGES = 4;
/** Exchanges read per round trip when loading from the newest backwards. */
const PAGE = 32;
/** Old exchanges are dropped this many at a time, so a turn at the cap doesn't pay for a delete. */
export const PRUNE_BATCH = 50;

/** Where a channel's exchanges are: `first`..`last` (a gap is an exchange deleted on its own). */
interface Meta {
  v: 2;
  /** New with every history: an address from before a /reset can't name a later exchange. */
  epoch: string;
  first: number;
  last: number;
  /** The images whose bytes are kept, oldest first. */
  images: ImageRef[];
}

interface Exchange {
  turns: Turn[];
}

/** One exchange of a channel's conversation, as buttons under its answer point to it. */
export interface ExchangeAddress {
  epoch: string;
  seq: number;
}

/** Which part of the conversation a load reads. */
export interface LoadWindow {
  /** Only exchanges before this one (the context its question was asked in). */
  before?: ExchangeAddress;
  /** Only exchanges up to this one, itself included. */
  through?: ExchangeAddress;
}

/** A channel's conversation as of one read of its record (see `ChannelHistory.snapshot`). */
export interface HistorySnapshot {
  /** The images whose bytes are still kept, oldest first. */
  images: ImageRef[];
  load(budgetTokens?: number, window?: LoadWindow): Promise<Turn[]>;
}

/** The shape before exchanges had keys of their own: one value with every turn. */
interface LegacyRecord {
  v: 1;
  turns: Turn[];
}

/** Splits turns into exchanges, each starting at a question (a leading answer starts its own). */
export function toExchanges(turns: readonly Turn[]): Turn[][] {
  const out: Turn[][] = [];
  for (const turn of turns) {
    if (turn.role === 'user' || out.length === 0) out.push([turn]);
    else out.at(-1)!.push(turn);
  }
  return out;
}

/**
 * Each channel's conversation (a thread is its own channel). Every exchange is one Keyv value,
 * and a small record says which exist, so a turn costs the same at 10 stored turns as at 1,000:
 * nothing is rewritten but the new exchange and that record. A crash leaves an exchange whole or
 * absent (it is written before the record that makes it visible). Writes to one channel are
 * serialised here; all events of a channel reach one process (Discord shards by guild), so that
 * holds with several processes on one Redis too.
 */
export class ChannelHistory {
  private readonly lock = new KeyedLock();

  constructor(private readonly store: Store) {}

  private metaKey(channelId: string): string {
    return `hist:${channelId}`;
  }

  private exchangeKey(channelId: string, seq: number): string {
    return `hist:${channelId}:${seq}`;
  }

  private legacyKey(channelId: string): string {
    return `history:${channelId}`;
  }

  private imageKey(channelId: string, id: string): string {
    return `image:${channelId}:${id}`;
  }

  /** The channel's record, moving a history stored in the old shape over on first sight. */
  private async meta(channelId: string): Promise<Meta | undefined> {
    const meta = (await this.store.get(this.metaKey(channelId))) as Meta | undefined;
    if (meta) return meta;
    if (!(await this.store.has(this.legacyKey(channelId)))) return undefined;
    return this.lock.run(channelId, () => this.migrate(channelId));
  }

  /**
   * The channel's record, from the old shape if need be. Runs under the channel's lock; idempotent:
   * a crash half-way leaves the old value to start again from.
   */
  private async migrate(channelId: string): Promise<Meta | undefined> {
    const done = (await this.store.get(this.metaKey(channelId))) as Meta | undefined;
    if (done) return done;
    const legacy = (await this.store.get(this.legacyKey(channelId))) as LegacyRecord | undefined;
    if (!legacy) return undefined;
    const exchanges = toExchanges(legacy.turns);
    await this.store.setMany(exchanges.map((turns, i) => ({ key: this.exchangeKey(channelId, i + 1), value: { turns } satisfies Exchange })));
    const meta: Meta = { v: 2, epoch: randomUUID(), first: 1, last: exchanges.length, images: legacy.turns.flatMap((t) => t.images ?? []).slice(-MAX_STORED_IMAGES) };
    await this.store.set(this.metaKey(channelId), meta);
    await this.store.delete(this.legacyKey(channelId));
    return meta;
  }

  /**
   * The newest turns that fit in `budgetTokens` (all of them by default), oldest first, within
   * `window`. Reads from the newest exchange backwards and stops once the budget is spent, so the
   * cost follows the budget, not the length of the history. A window from before a /reset reads
   * nothing.
   */
  async load(channelId: string, budgetTokens = Infinity, window: LoadWindow = {}): Promise<Turn[]> {
    return (await this.snapshot(channelId)).load(budgetTokens, window);
  }

  /**
   * The channel's conversation as its record says now, read once: the images whose bytes are
   * kept, and its turns (as `load` reads them) for a budget decided after seeing the images.
   */
  async snapshot(channelId: string): Promise<HistorySnapshot> {
    const meta = await this.meta(channelId);
    return { images: meta?.images ?? [], load: (budgetTokens = Infinity, window = {}) => this.turnsOf(channelId, meta, budgetTokens, window) };
  }

  private async turnsOf(channelId: string, meta: Meta | undefined, budgetTokens: number, window: LoadWindow): Promise<Turn[]> {
    if (!meta) return [];
    const bound = window.before ?? window.through;
    if (bound && bound.epoch !== meta.epoch) return [];
    const newest = window.before ? window.before.seq - 1 : window.through ? window.through.seq : meta.last;
    const newestFirst: Turn[][] = [];
    let used = 0;
    for (let top = Math.min(newest, meta.last); top >= meta.first && used <= budgetTokens; top -= PAGE) {
      const seqs = Array.from({ length: Math.min(PAGE, top - meta.first + 1) }, (_, i) => top - i);
      const records = (await this.store.getMany(seqs.map((seq) => this.exchangeKey(channelId, seq)))) as (Exchange | undefined)[];
      for (const record of records) {
        if (!record) continue;
        newestFirst.push(record.turns);
        used += record.turns.reduce((n, t) => n + turnCost(t), 0);
        if (used > budgetTokens) break;
      }
    }
    return newestFirst.reverse().flat();
  }

  /** One exchange's turns, or undefined when it is gone (deleted, pruned, or from before a /reset). */
  async exchange(channelId: string, at: ExchangeAddress): Promise<Turn[] | undefined> {
    const meta = await this.meta(channelId);
    if (!holds(meta, at)) return undefined;
    return ((await this.store.get(this.exchangeKey(channelId, at.seq))) as Exchange | undefined)?.turns;
  }

  /**
   * Rewrites one exchange (a regenerated or continued answer); false when it is gone. Images the
   * new turns drop lose their bytes; new ones join the kept images.
   */
  replace(channelId: string, at: ExchangeAddress, turns: Turn[]): Promise<boolean> {
    return this.rewrite(channelId, at, turns);
  }

  /** Removes one exchange and its images; false when it was already gone. */
  remove(channelId: string, at: ExchangeAddress): Promise<boolean> {
    return this.rewrite(channelId, at, undefined);
  }

  private rewrite(channelId: string, at: ExchangeAddress, turns: Turn[] | undefined): Promise<boolean> {
    return this.lock.run(channelId, async () => {
      const meta = await this.migrate(channelId);
      if (!holds(meta, at)) return false;
      const key = this.exchangeKey(channelId, at.seq);
      const before = (await this.store.get(key)) as Exchange | undefined;
      if (!before) return false;
      const after = new Set((turns ?? []).flatMap((t) => t.images ?? []).map((i) => i.id));
      const gone = before.turns.flatMap((t) => t.images ?? []).filter((i) => !after.has(i.id));
      const added = (turns ?? []).flatMap((t) => t.images ?? []).filter((i) => !meta.images.some((k) => k.id === i.id));
      if (turns) await this.store.set(key, { turns } satisfies Exchange);
      else await this.store.delete(key);
      const images = [...meta.images.filter((i) => !gone.some((g) => g.id === i.id)), ...added];
      const kept = images.slice(-MAX_STORED_IMAGES);
      await this.store.set(this.metaKey(channelId), { ...meta, images: kept } satisfies Meta);
      const dropped = [...gone, ...images.slice(0, images.length - kept.length)].map((i) => this.imageKey(channelId, i.id));
      if (dropped.length) await this.store.deleteMany(dropped);
      return true;
    });
  }

  /**
   * Appends turns (one exchange per question) as one unit, and resolves with where the last of
   * them is; concurrent appends to a channel are
   * serialised, never lost. Images beyond the newest few lose their bytes (their turns keep the
   * text placeholder), and exchanges beyond the newest MAX_STORED_EXCHANGES are dropped (in
   * batches: up to PRUNE_BATCH more may wait their turn).
   */
  append(channelId: string, turns: Turn[]): Promise<ExchangeAddress> {
    return this.lock.run(channelId, async () => {
      const meta = (await this.migrate(channelId)) ?? { v: 2, epoch: randomUUID(), first: 1, last: 0, images: [] };
      const exchanges = toExchanges(turns);
      const last = meta.last + exchanges.length;
      await this.store.setMany(exchanges.map((t, i) => ({ key: this.exchangeKey(channelId, meta.last + 1 + i), value: { turns: t } satisfies Exchange })));
      const images = [...meta.images, ...turns.flatMap((t) => t.images ?? [])];
      const keptImages = images.slice(-MAX_STORED_IMAGES);
      const first = last - meta.first + 1 > MAX_STORED_EXCHANGES + PRUNE_BATCH ? last - MAX_STORED_EXCHANGES + 1 : meta.first;
      await this.store.set(this.metaKey(channelId), { v: 2, epoch: meta.epoch, first, last, images: keptImages } satisfies Meta);
      // After the record: a crash in between leaves unreferenced values, never a dangling record.
      const dropped = [
        ...images.slice(0, images.length - keptImages.length).map((ref) => this.imageKey(channelId, ref.id)),
        ...Array.from({ length: first - meta.first }, (_, i) => this.exchangeKey(channelId, meta.first + i)),
      ];
      if (dropped.length) await this.store.deleteMany(dropped);
      return { epoch: meta.epoch, seq: last };
    });
  }

  reset(channelId: string): Promise<boolean> {
    return this.lock.run(channelId, async () => {
      const meta = await this.migrate(channelId);
      if (!meta) return false;
      const keys = [
        ...Array.from({ length: meta.last - meta.first + 1 }, (_, i) => this.exchangeKey(channelId, meta.first + i)),
        ...meta.images.map((ref) => this.imageKey(channelId, ref.id)),
      ];
      // The record goes first: from then on the channel is empty, whatever else a crash leaves.
      await this.store.delete(this.metaKey(channelId));
      for (let i = 0; i < keys.length; i += 500) await this.store.deleteMany(keys.slice(i, i + 500));
      return true;
    });
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

/** Whether the history still has the exchange at `at`: the same history (no /reset since), and not pruned. */
function holds(meta: Meta | undefined, at: ExchangeAddress): meta is Meta {
  return meta !== undefined && meta.epoch === at.epoch && at.seq >= meta.first && at.seq <= meta.last;
}
