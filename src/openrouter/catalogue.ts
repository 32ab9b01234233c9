import type { Logger } from '../logger.js';

const REFRESH_MS = 10 * 60_000;
/** After a failed fetch, how long callers use what they have before the list is fetched again. */
const RETRY_MS = 30_000;

export interface Listed {
  id: string;
  name: string;
}

/**
 * A list from OpenRouter, fetched lazily and refreshed every few minutes. When OpenRouter cannot
 * be reached the last good list is kept; with none, callers get an empty list and fall back to
 * not knowing (the request itself then tells whether the model exists).
 */
export class Catalogue<T extends Listed> {
  private items: T[] = [];
  private fetchedAt = -Infinity;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly fetchAll: () => Promise<T[]>,
    private readonly logger: Logger,
    /** Named in the log line when a fetch fails. */
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<T[]> {
    if (this.now() - this.fetchedAt > REFRESH_MS) {
      this.pending ??= this.refresh().finally(() => (this.pending = undefined));
      await this.pending;
    }
    return this.items;
  }

  async get(id: string): Promise<T | undefined> {
    return (await this.list()).find((m) => m.id === id);
  }

  private async refresh(): Promise<void> {
    try {
      this.items = await this.fetchAll();
      this.fetchedAt = this.now();
    } catch (err) {
      // Try again on a later call, but not in a tight loop while OpenRouter is down.
      this.fetchedAt = this.now() - REFRESH_MS + RETRY_MS;
      this.logger.warn({ err }, `could not fetch ${this.what}`);
    }
  }
}

/** Up to `limit` of the models matching what the user typed, best matches first. */
export function rankModels<T extends Listed>(models: readonly T[], query: string, limit = 25): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return models.slice(0, limit);
  const score = (m: T) => {
    const id = m.id.toLowerCase();
    const name = m.name.toLowerCase();
    if (id === q) return 0;
    if (id.startsWith(q) || id.split('/')[1]?.startsWith(q)) return 1;
    if (id.includes(q)) return 2;
    if (name.includes(q)) return 3;
    return Infinity;
  };
  return models
    .map((m) => ({ m, s: score(m) }))
    .filter((x) => x.s !== Infinity)
    .sort((a, b) => a.s - b.s || a.m.id.localeCompare(b.m.id))
    .slice(0, limit)
    .map((x) => x.m);
}
