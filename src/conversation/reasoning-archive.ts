import { randomUUID } from 'node:crypto';
import type { Store } from '../storage.js';

export interface ArchivedReasoning {
  text: string;
  model: string;
  thinkingMs: number | undefined;
}

/**
 * The full reasoning of recent answers, for their Reasoning button. In the store with a lifetime,
 * so the button works after a restart and on another process, and old ones disappear on their own.
 */
export class ReasoningArchive {
  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
  ) {}

  async save(reasoning: ArchivedReasoning): Promise<string> {
    const id = randomUUID();
    await this.store.set(`reasoning:${id}`, reasoning, this.ttlMs);
    return id;
  }

  async load(id: string): Promise<ArchivedReasoning | undefined> {
    return (await this.store.get(`reasoning:${id}`)) as ArchivedReasoning | undefined;
  }
}
