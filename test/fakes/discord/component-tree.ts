/**
 * Walking a component tree (action rows, sections, containers, labels) and the numeric `id`s Discord
 * gives components that come without one.
 */
import { isObj, type Json } from './json.js';

/** Every component in document order, parents before their children. */
export function* walk(components: unknown): Generator<Json> {
  if (!Array.isArray(components)) return;
  for (const c of components) {
    if (!isObj(c)) continue;
    yield c;
    yield* walk(c.components);
    if (isObj(c.component)) yield* walk([c.component]);
    if (isObj(c.accessory)) yield* walk([c.accessory]);
  }
}

/**
 * A copy with Discord's ids: "generated sequentially if left empty", skipping ids already used in
 * the message; 0 counts as empty.
 */
export function withIds(components: unknown[]): unknown[] {
  const copy = structuredClone(components);
  const used = new Set<number>();
  for (const c of walk(copy)) if (typeof c.id === 'number' && c.id !== 0) used.add(c.id);
  let next = 1;
  for (const c of walk(copy)) {
    if (typeof c.id === 'number' && c.id !== 0) continue;
    while (used.has(next)) next++;
    c.id = next;
    used.add(next);
  }
  return copy;
}

/** The interactive component with this custom_id, if the tree has one. */
export function findByCustomId(components: unknown, customId: string): Json | undefined {
  for (const c of walk(components)) if (c.custom_id === customId) return c;
  return undefined;
}

/**
 * Refuses a pick the select wouldn't allow: min_values–max_values of them (default 1–1; a select a
 * modal marks not required may stay empty), and for a string select only among its options.
 */
export function checkPicked(select: Json, values: readonly string[]): void {
  const id = String(select.custom_id);
  const min = typeof select.min_values === 'number' ? select.min_values : select.required === false ? 0 : 1;
  const max = typeof select.max_values === 'number' ? select.max_values : 1;
  if (values.length < min || values.length > max) throw new Error(`FakeDiscord: the select '${id}' takes ${min}–${max} values, not ${values.length}`);
  if (select.type !== 3) return;
  const offered = new Set((Array.isArray(select.options) ? select.options : []).filter(isObj).map((o) => o.value));
  const foreign = values.filter((v) => !offered.has(v));
  if (foreign.length) throw new Error(`FakeDiscord: the select '${id}' offers no option ${foreign.join(', ')}`);
}
