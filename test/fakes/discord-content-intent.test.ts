import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from './discord.js';

let fake: FakeDiscord;
afterEach(async () => {
  await fake.stop();
});

const get = async (path: string) => (await (await fetch(`${fake.apiUrl}/v10${path}`, { headers: { Authorization: `Bot ${fake.token}` } })).json()) as { content: string; attachments: unknown[] };

describe('fake Discord: the Message Content intent over REST', () => {
  it('empties other people’s messages for an app without the intent, except mentions of it, DMs and its own', async () => {
    fake = await FakeDiscord.start({ privilegedIntents: 0 });
    const alice = { id: '123456789012345678', username: 'alice' };
    const ch = fake.defaultChannelId;
    const theirs = fake.postUserMessage({ channelId: ch, content: 'secret words', author: alice, attachments: [{ filename: 'a.txt', data: Buffer.from('x') }] });
    const mention = fake.postUserMessage({ channelId: ch, content: 'hey bot', author: alice, mentionsBot: true });
    const dm = fake.createDmChannel();
    const inDm = fake.postUserMessage({ channelId: dm, content: 'private words' });

    expect(await get(`/channels/${ch}/messages/${theirs.id}`)).toMatchObject({ content: '', attachments: [] });
    expect((await get(`/channels/${ch}/messages/${mention.id}`)).content).toMatch(/hey bot$/);
    expect((await get(`/channels/${dm}/messages/${inDm.id}`)).content).toBe('private words');
  });

  it('shows everything to an app with the intent', async () => {
    fake = await FakeDiscord.start();
    const theirs = fake.postUserMessage({ channelId: fake.defaultChannelId, content: 'plain words', author: { id: '123456789012345678', username: 'alice' } });
    expect((await get(`/channels/${fake.defaultChannelId}/messages/${theirs.id}`)).content).toBe('plain words');
  });
});
