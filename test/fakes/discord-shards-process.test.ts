/**
 * The fake Discord serves shards in other processes: two child processes, one shard each (as a
 * ShardingManager runs them), each answer only their guilds' commands; one is killed and a new one
 * identifies for its shard while the other keeps answering.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBot, type BotProcess } from '../helpers/process.js';
import { cleanup, onCleanup } from './discord-client.js';
import { FakeDiscord } from './discord.js';

afterEach(cleanup);

const script = fileURLToPath(new URL('../fixtures/shard-client-child.ts', import.meta.url));

async function startShard(fake: FakeDiscord, shard: number): Promise<BotProcess> {
  const child = spawnBot({ DISCORD_API_URL: fake.apiUrl, DISCORD_TOKEN: fake.token, SHARDS: String(shard), SHARD_COUNT: '2' }, { script });
  onCleanup(() => child.cleanup());
  await child.printed(new RegExp(`ready shard ${shard}`), 15_000);
  return child;
}

describe('fake Discord: shards in child processes', () => {
  it('each process answers only its guilds; a killed shard’s replacement takes over its guilds', { timeout: 40_000 }, async () => {
    const fake = await FakeDiscord.start();
    onCleanup(() => fake.stop());
    const guilds = [fake.addGuild({ shard: [0, 2] }), fake.addGuild({ shard: [1, 2] })];
    const children = await Promise.all([startShard(fake, 0), startShard(fake, 1)]);

    const ask = async (shard: number): Promise<string> => {
      const i = await fake.slash({ channelId: guilds[shard]!.defaultChannelId, name: 'ask' });
      await fake.waitFor(() => i.original(), { what: `the answer in shard ${shard}'s guild`, timeoutMs: 5000 });
      // Delivered to one open connection, of the guild's shard.
      expect(fake.dispatches.filter((d) => d.event === 'INTERACTION_CREATE' && (d.data as { id: string }).id === i.id && d.delivered).map((d) => d.shard)).toEqual([[shard, 2]]);
      return i.original()!.content;
    };
    expect(await ask(0)).toBe(`shard 0 pid ${children[0]!.child.pid}`);
    expect(await ask(1)).toBe(`shard 1 pid ${children[1]!.child.pid}`);

    children[1]!.child.kill('SIGKILL');
    await children[1]!.exited;
    await fake.waitFor(() => fake.sessions().find((s) => s.shard[0] === 1 && !s.connected), { what: "shard 1's connection gone" });
    expect(await ask(0)).toBe(`shard 0 pid ${children[0]!.child.pid}`);

    const replacement = await startShard(fake, 1);
    expect(await ask(1)).toBe(`shard 1 pid ${replacement.child.pid}`);
    expect(await ask(0)).toBe(`shard 0 pid ${children[0]!.child.pid}`);
    const started = fake.identifies.filter((i) => i.outcome === 'ready');
    expect(started.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
      [1, 2],
    ]);
    // A replacement identifying within 5 s of its shard's first IDENTIFY (same max_concurrency
    // bucket) is refused with op 9 and identifies again after 5 s, as Discord would do it.
    for (const refused of fake.identifies.filter((i) => i.outcome !== 'ready')) expect([refused.shard, refused.outcome]).toEqual([[1, 2], 'invalid-session']);
  });
});
