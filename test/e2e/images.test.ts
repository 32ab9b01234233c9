import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction, FakeMessage } from '../fakes/discord.js';
import { Gate } from '../fakes/openrouter.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pngDeclaring } from '../helpers/png.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const solid = (width: number, height: number, color = 'orange') => sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
const noise = (width: number, height: number) => sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toBuffer();
const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

/** Final: the footer (a subtext line that is not the progress line) or a warning. */
const isFinal = (m: FakeMessage | undefined) => m && /(^|\n)-# (?!🎨)|⚠️/.test(m.content);
const finalOf = (interaction: FakeInteraction) => h.discord.waitFor(() => (isFinal(interaction.all().at(-1)) ? interaction.all() : undefined), { what: 'final reply', timeoutMs: 15_000 });
/** The bot's reply to a message, once it is final. */
const replyTo = (message: FakeMessage) =>
  h.discord.waitFor(() => {
    const reply = h.discord.messages(message.channel_id).find((m) => m.message_reference?.message_id === message.id && m.author.id === h.discord.botUser.id);
    return reply && isFinal(reply) ? reply : undefined;
  }, { what: `reply to ${message.content}`, timeoutMs: 15_000 });

type Part = { type: string; text?: string; image_url?: { url: string } };
const lastUserParts = (): Part[] => {
  const body = h.openrouter.chatRequests().at(-1) as { messages: { role: string; content: string | Part[] }[] };
  const content = body.messages.at(-1)!.content;
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
};
const imageInputs = () => lastUserParts().filter((p) => p.type === 'image_url').map((p) => p.image_url!.url);

describe('/imagine', () => {
  it('asks for an image in the given aspect ratio and attaches the real PNG with the model’s caption', async () => {
    h = await startHarness();
    const png = await solid(64, 36);
    h.openrouter.reply({ steps: [{ content: 'A fox, ' }, { images: [dataUrl(png)] }, { content: 'in orange.' }] });
    const interaction = await h.discord.slash({
      channelId: h.discord.defaultChannelId,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a fox' },
        { name: 'aspect_ratio', type: 3, value: '16:9' },
      ],
    });
    const [message] = await finalOf(interaction);
    const request = h.openrouter.chatRequests().at(-1) as { model: string; modalities: string[]; image_config: Record<string, string> };
    expect(request.model).toBe('openai/gpt-5-image-mini');
    expect(request.modalities).toEqual(['image', 'text']);
    expect(request.image_config).toEqual({ aspect_ratio: '16:9' });
    expect(message!.content).toMatch(/^A fox, in orange\.\n-# openai\/gpt-5-image-mini · /);
    expect(message!.attachments).toHaveLength(1);
    const uploaded = h.discord.attachmentData(message!.attachments[0]!.id)!;
    expect(await sharp(uploaded).metadata()).toMatchObject({ width: 64, height: 36, format: 'png' });
  });

  it('sends the image option to the model as the source image to change', async () => {
    h = await startHarness();
    const source = await solid(24, 24, 'blue');
    h.openrouter.reply({ steps: [{ images: [dataUrl(await solid(24, 24, 'navy'))] }] });
    const interaction = await h.discord.slash({
      channelId: h.discord.defaultChannelId,
      name: 'imagine',
      options: [{ name: 'prompt', type: 3, value: 'make it darker' }],
      attachments: [{ option: 'image', filename: 'src.png', contentType: 'image/png', data: source }],
    });
    const [message] = await finalOf(interaction);
    expect(imageInputs()).toEqual([dataUrl(source)]);
    expect(message!.attachments).toHaveLength(1);
  });

  it('shows progress with the elapsed time while the image is being made', async () => {
    h = await startHarness();
    const gate = new Gate();
    const captioned = new Gate();
    h.openrouter.reply({ steps: [{ gate }, { content: 'Sketching' }, { gate: captioned }, { images: [dataUrl(await solid(8, 8))] }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'x' }] });
    await h.discord.waitFor(() => /^-# 🎨 `openai\/gpt-5-image-mini` is working… \d+ s$/.test(interaction.original()?.content ?? ''), { what: 'progress line' });
    gate.open();
    await h.discord.waitFor(() => /^Sketching\n-# 🎨 .* is working… \d+ s$/.test(interaction.original()?.content ?? ''), { what: 'caption with the progress line' });
    captioned.open();
    const [message] = await finalOf(interaction);
    expect(message!.content).not.toMatch(/is working/);
  });

  it('shrinks an image larger than the upload limit, and says so', async () => {
    h = await startHarness({ discord: { attachmentSizeLimit: 100 * 1024 } });
    const big = await noise(400, 400);
    expect(big.length).toBeGreaterThan(100 * 1024);
    h.openrouter.reply({ steps: [{ images: [dataUrl(big)] }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'static' }] });
    const [message] = await finalOf(interaction);
    const file = message!.attachments[0]!;
    expect(h.discord.attachmentData(file.id)!.length).toBeLessThanOrEqual(100 * 1024);
    expect(message!.content).toMatch(/ℹ️ Image 1 was (re-encoded as JPEG|scaled down to \d+×\d+ JPEG) to fit Discord’s 100 KB upload limit/);
  });

  it('autocompletes only models that can make images', async () => {
    h = await startHarness();
    const result = await h.discord.autocomplete({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'model', type: 3, value: 'gpt-5', focused: true }] });
    expect(result.choices.map((c) => c.value).sort()).toEqual(['openai/gpt-5-image', 'openai/gpt-5-image-mini', 'openai/gpt-5.4-image-2']);
  });

  it('refuses a model that cannot make images, and says when no image came back', async () => {
    h = await startHarness();
    const refused = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'x' }, { name: 'model', type: 3, value: 'openai/gpt-5' }] });
    expect((await finalOf(refused))[0]!.content).toMatch(/`openai\/gpt-5` can’t make images/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    h.openrouter.reply({ steps: [{ content: 'I would rather not.' }] });
    const empty = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'x' }] });
    expect((await finalOf(empty))[0]!.content).toMatch(/^I would rather not\.\n\n⚠️ The model didn’t return an image this time/);
  });
});

describe('mentions and replies to images', () => {
  it('answers a mention as a streamed reply, with the attached photo as an image input', async () => {
    h = await startHarness();
    const photo = await solid(20, 10, 'brown');
    h.openrouter.reply({ steps: [{ content: 'A dachshund.' }] });
    const asked = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'what breed is this?', mentionsBot: true, attachments: [{ filename: 'dog.png', contentType: 'image/png', data: photo }] });
    const reply = await replyTo(asked);
    expect(reply.content).toMatch(/^A dachshund\.\n-# /);
    expect(reply.allowed_mentions).toMatchObject({ parse: [] });
    expect(imageInputs()).toEqual([dataUrl(photo)]);
    expect(lastUserParts()[0]!.text).toMatch(/what breed is this\?$/);
  });

  it('sends the image of the message replied to (someone else’s) to the model', async () => {
    h = await startHarness();
    const photo = await solid(30, 30, 'gray');
    const shared = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'look at my cat', author: { id: '123456789012345999', username: 'alice' }, attachments: [{ filename: 'cat.png', contentType: 'image/png', data: photo }] });
    await h.bot.idle();
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    h.openrouter.reply({ steps: [{ content: 'A grey cat.' }] });
    const asked = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'what is this?', mentionsBot: true, referenceMessageId: shared.id });
    await replyTo(asked);
    expect(imageInputs()).toEqual([dataUrl(photo)]);
    expect(lastUserParts()[0]!.text).toMatch(/Replying to alice: “look at my cat”/);
  });

  it('edits across turns: /imagine, then a reply “make it winter” brings back an edited image', async () => {
    h = await startHarness();
    const fox = await solid(40, 40, 'red');
    const winterFox = await solid(40, 40, 'white');
    h.openrouter.reply({ steps: [{ images: [dataUrl(fox)] }, { content: 'A red fox.' }] });
    const made = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a red fox' }] });
    const [foxMessage] = await finalOf(made);
    await h.bot.idle();

    h.openrouter.reply({ steps: [{ images: [dataUrl(winterFox)] }, { content: 'Now in winter.' }] });
    const edit = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'make it winter', mentionsBot: true, referenceMessageId: foxMessage!.id });
    const reply = await replyTo(edit);
    // The fox reached the model once (from the reply), not again from the conversation's memory.
    expect(imageInputs()).toEqual([dataUrl(fox)]);
    const body = h.openrouter.chatRequests().at(-1) as { modalities: string[]; messages: { role: string; content: unknown }[] };
    expect(body.modalities).toEqual(['image', 'text']);
    expect(JSON.stringify(body.messages)).toContain('[generated image: image-1.png]');
    expect(reply.attachments).toHaveLength(1);
    expect(h.discord.attachmentData(reply.attachments[0]!.id)!.equals(winterFox)).toBe(true);
    await h.bot.idle();

    // A later turn with no reply still sees the newest images, labelled, as inputs.
    h.openrouter.reply({ steps: [{ content: 'Snowy.' }] });
    await replyTo(h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'describe the last one', mentionsBot: true }));
    const parts = lastUserParts();
    expect(imageInputs()).toHaveLength(2);
    expect(parts.filter((p) => p.type === 'text').map((p) => p.text).join('\n')).toMatch(/an image you made earlier \(image-1\.png\)/);
  });

  it('says clearly what is wrong with oversize, wrong-type, too-many-pixel and expired images, and calls no model', async () => {
    h = await startHarness({ env: { MAX_ATTACHMENT_MB: '1' } });
    const photo = await solid(10, 10);
    const oversize = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'what is this', mentionsBot: true, attachments: [{ filename: 'huge.png', contentType: 'image/png', data: photo, declaredSize: 30 * 1024 * 1024 }] });
    expect((await replyTo(oversize)).content).toMatch(/⚠️ \*\*huge\.png\*\* is 30\.0 MB; the limit is 1\.0 MB/);
    const wrongType = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'and this', mentionsBot: true, attachments: [{ filename: 'clip.mp4', contentType: 'video/mp4', data: Buffer.from('not really a video') }] });
    expect((await replyTo(wrongType)).content).toMatch(/⚠️ I can’t read \*\*clip\.mp4\*\*/);
    const bomb = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'and this one', mentionsBot: true, attachments: [{ filename: 'bomb.png', contentType: 'image/png', data: await pngDeclaring(30_000, 30_000) }] });
    expect((await replyTo(bomb)).content).toMatch(/⚠️ \*\*bomb\.png\*\* is 30,000 × 30,000 pixels; the limit is 100 megapixels/);
    const shared = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'old photo', attachments: [{ filename: 'old.png', contentType: 'image/png', data: photo }] });
    h.discord.expireAttachment(shared.attachments[0]!.id);
    const expired = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'what was this?', mentionsBot: true, referenceMessageId: shared.id });
    expect((await replyTo(expired)).content).toMatch(/⚠️ I couldn’t download \*\*old\.png\*\* from Discord \(HTTP 404\)/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });
});
