/**
 * Resolves with the predicate's first value that is not undefined, null or false, re-checking it
 * whenever the fake reports a change (event order, not polling). Rejects on timeout with `describe()`.
 */
export function waitUntil<T>(
  predicate: () => T | undefined | null | false,
  opts: {
    /** Calls `check` on every change of the fake's state; returns the unsubscribe function. */
    subscribe: (check: () => void) => () => void;
    timeoutMs: number;
    describe: () => string;
    /** Lets the fake clear the timer when it stops. */
    track?: (timer: NodeJS.Timeout) => () => void;
  },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unsubscribe = () => {};
    let untrack = () => {};
    let timer: NodeJS.Timeout | undefined;
    const cleanup = () => {
      unsubscribe();
      untrack();
      clearTimeout(timer);
    };
    const check = () => {
      let value: T | undefined | null | false;
      try {
        value = predicate();
      } catch (err) {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (value !== undefined && value !== null && value !== false) {
        cleanup();
        resolve(value);
      }
    };
    unsubscribe = opts.subscribe(check);
    timer = setTimeout(() => {
      cleanup();
      reject(new Error(opts.describe()));
    }, opts.timeoutMs);
    untrack = opts.track?.(timer) ?? untrack;
    check();
  });
}
