/** Wall-clock time and pauses, injected so tests can move to tomorrow and skip waits. */
export interface Clock {
  /** Milliseconds since the epoch (UTC days and months are counted from it). */
  now(): number;
  wait(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
