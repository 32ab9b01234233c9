/** JSON helpers every part of the fake shares. */
export type Json = Record<string, unknown>;

export function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Discord's timestamp format (ISO 8601 with an explicit +00:00 offset). */
export function iso(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
