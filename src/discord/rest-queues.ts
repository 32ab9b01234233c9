/**
 * What @discordjs/rest keys its request queues on, typed by shape: the proxy loads the ES module
 * build and the bot discord.js's CommonJS copy, and this module loads neither.
 */
interface Queues {
  readonly hashes: { set(key: string, data: { value: string; lastAccess: number }): unknown };
}

/** discord.js's key for a channel's sends (its method and generalised route). */
const CHANNEL_SENDS = 'POST:/channels/:id/messages';
const SENDS_SUFFIX = '+sends';

/**
 * Gives a channel's sends a queue of their own in @discordjs/rest. Discord counts a channel's sends
 * and its edits apart but names both buckets with one hash, and discord.js queues requests by hash:
 * once it has seen that hash, a post waits behind the channel's edit in flight and, when the edit
 * counter has run dry, for that counter's reset (a second long at 5 edits / 5 s), though the send
 * counter has room. An answer running into a follow-up posts it just when its edits have spent the
 * window, so its text stopped for the rest of it. The answers' buckets (shared-bucket.ts) pace each
 * counter from its own headers; discord.js only has to keep them apart.
 */
export function sendsApartFromEdits<R extends Queues>(rest: R): R {
  const hashes = rest.hashes;
  const set = hashes.set.bind(hashes);
  hashes.set = (key, data) => set(key, key === CHANNEL_SENDS && !data.value.endsWith(SENDS_SUFFIX) ? { ...data, value: `${data.value}${SENDS_SUFFIX}` } : data);
  return rest;
}
