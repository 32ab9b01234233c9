import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/discord.js';
import { text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { hasFooter } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const MESSAGE_CONTENT = 1 << 15;
const photo = () => sharp({ create: { width: 20, height: 20, channels: 3, background: 'teal' } }).png().toBuffer();
const replyTo = (message: FakeMessage) =>
  h.discord.waitFor(() => h.discord.messages(message.channel_id).find((m) => m.message_reference?.message_id === message.id && (hasFooter(m.content) || m.content.startsWith('⚠️'))), { what: `reply to ${message.content}` });
const imageInputs = () => JSON.stringify(h.openrouter.chatRequests().at(-1).messages).match(/data:image\//g)?.length ?? 0;

describe('MESSAGE_CONTENT_INTENT=false', () => {
  /** An application whose Message Content intent is off in the Developer Portal. */
  const start = () => startHarness({ env: { MESSAGE_CONTENT_INTENT: 'false' }, discord: { privilegedIntents: 0 } });

  it('connects without the intent; slash commands, mentions and replies to the bot’s own messages work', async () => {
    h = await start();
    const identify = h.discord.gatewayFrames.find((f) => f.op === 2)!.d as { intents: number };
    expect(identify.intents & MESSAGE_CONTENT).toBe(0);

    h.openrouter.reply({ steps: text('Slash works.') });
    const asked = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => hasFooter(asked.original()?.content), { what: 'slash answer' });

    h.openrouter.reply({ steps: text('Mentions work.') });
    const mention = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'are you there?', mentionsBot: true, attachments: [{ filename: 'mine.png', contentType: 'image/png', data: await photo() }] });
    const answer = await replyTo(mention);
    expect(answer.content).toMatch(/^Mentions work\./);
    // A message that mentions the bot arrives whole: its own image reaches the model.
    expect(imageInputs()).toBe(1);
    expect(h.openrouter.chatRequests().at(-1).messages.at(-1).content[0].text).toMatch(/are you there\?$/);

    h.openrouter.reply({ steps: text('Still me.') });
    const followUp = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'and this?', mentionsBot: true, referenceMessageId: answer.id });
    expect((await replyTo(followUp)).content).toMatch(/^Still me\.\n-# openai\/[^\n]+$/);
    expect(h.openrouter.chatRequests().at(-1).messages.at(-1).content[0].text).toMatch(/Replying to FakeBot: “Mentions work\./);
  });

  it('says it can’t see someone else’s message that a mention replies to, and what to do', async () => {
    h = await start();
    const theirs = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'my cat', author: { id: '123456789012345777', username: 'alice' }, attachments: [{ filename: 'cat.png', contentType: 'image/png', data: await photo() }] });
    h.openrouter.reply({ steps: text('I see only your words.') });
    const asked = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'what breed?', mentionsBot: true, referenceMessageId: theirs.id });
    const answer = await replyTo(asked);
    expect(answer.content).toMatch(/\n-# 🖼️ I can’t see the images \(or text\) of the message you replied to: this bot runs without Discord’s Message Content intent\. Attach the image to your own message instead\.$/);
    expect(imageInputs()).toBe(0);

    // With nothing of its own to ask, the mention gets the explanation instead of an answer.
    const bare = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: '', mentionsBot: true, referenceMessageId: theirs.id });
    expect((await replyTo(bare)).content).toMatch(/^⚠️ I can’t see the images/);
    expect(h.openrouter.chatRequests()).toHaveLength(1);
  });
});
