import { randomUUID } from 'node:crypto';

export const STOPPED_BY_USER = 'stopped by user';

/** No answer (or button action) runs longer: the idle timeout and Discord's 15-minute token see to that. */
export const LONGEST_RUN_MS = 20 * 60_000;

/** Answers being streamed, each stoppable by its asker, and all of them at shutdown. */
export class RunningAnswers {
  private readonly entries = new Map<string, { askerId: string; controller: AbortController }>();

  start(askerId: string): { id: string; signal: AbortSignal; done: () => void } {
    const id = randomUUID();
    const controller = new AbortController();
    this.entries.set(id, { askerId, controller });
    return { id, signal: controller.signal, done: () => this.entries.delete(id) };
  }

  /** Stops an answer if `allowed` says the one pressing may act on the asker's answer. */
  stop(id: string, allowed: (askerId: string) => boolean): 'stopped' | 'not allowed' | 'finished' {
    const entry = this.entries.get(id);
    if (!entry) return 'finished';
    if (!allowed(entry.askerId)) return 'not allowed';
    entry.controller.abort(STOPPED_BY_USER);
    return 'stopped';
  }

  abortAll(reason: string): void {
    for (const entry of this.entries.values()) entry.controller.abort(reason);
  }
}
