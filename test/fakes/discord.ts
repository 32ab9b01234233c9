/**
 * A local, faithful fake of Discord (REST API v10 + gateway) for end-to-end tests.
 *
 * The real discord.js `Client` logs into it with `new Client({ rest: { api: fake.apiUrl } })` and
 * `client.login(fake.token)`. REST runs on node:http and the gateway on `ws`, both on 127.0.0.1 and
 * an ephemeral port. Everything the client sends is recorded (`requests`, `gatewayFrames`) and the
 * resulting Discord state (messages, attachments, commands, interactions) can be inspected.
 *
 * Faithfulness notes (see /work/shared/notes/discord.md):
 * - every REST answer carries X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket headers; buckets
 *   are enforced with the real clock and exhausted buckets answer a real 429;
 * - errors have Discord's `{ message, code }` bodies (and `errors` for 50035 Invalid Form Body);
 * - interaction tokens: 3 s to send the first callback (10062 Unknown interaction afterwards),
 *   webhook routes need an acknowledged interaction (10015 Unknown Webhook) and expire after 15 min
 *   (401, 50027 Invalid Webhook Token);
 * - the first follow-up after a deferred reply replaces the "thinking" message (as Discord does);
 * - permissions are computed per channel with Discord's overwrite algorithm (denyBot writes a real
 *   member overwrite); a bot lacking one gets 50001 / 50013 where Discord refuses;
 * - components get Discord's numeric ids; presses and modal submits are refused in the helper when a
 *   user could not make them; callbacks follow Discord's rules (once, within 3 s, types per kind);
 * - the gateway speaks JSON without compression; it keeps sessions so that RESUME (op 6) replays the
 *   dispatches the client missed; a client closing with 1000/1001 ends its session;
 * - several guilds (addGuild, on a chosen shard) and several clients at once, in any process: IDENTIFY
 *   with `shard: [id, count]` gets only that shard's guilds, guild events go to the shard
 *   `(guild_id >> 22) % count`, DMs to shard 0; 4010 for an invalid shard, 4011 for a shard with too
 *   many guilds, op 9 for an IDENTIFY faster than max_concurrency allows, and GET /gateway/bot's
 *   session_start_limit counts IDENTIFYs (past it, every session ends and the token is reset).
 *
 * The parts live in ./discord/, one concern each (fake-discord.ts wires them); this entry keeps the
 * import path the tests use.
 */
export { FakeDiscord } from './discord/fake-discord.js';
export { shardOf } from './discord/state.js';
export { imageSize } from './discord/media.js';
export type * from './discord/types.js';
