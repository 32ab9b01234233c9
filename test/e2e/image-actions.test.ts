/**
 * The buttons under images, end to end: Reroll, Vary (V1–V4), Edit (a modal) and Delete, on the
 * Image API and on chat models that draw.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction, FakeMessage, SlashOption } from '../fakes/discord.js';
import { Gate, text } from '../fakes/openrouter.js';
import { makeImage } from '../fakes/openrouter-images.js';
import { askOptions, pressTwice, startHarness, TestClock, type Harness } from '../helpers/harness.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { FOOTER_OR_NOTICE, hasFooter, messageWrites } from '../helpers/replies.js';

const redis = await redisAvailable('image buttons on another process sharing Redis');

let h: Harness;
afterEach(async () => {
  await h.close();
});

const stranger = { id: '123456789012345021', username: 'stranger' };
const moderator = { id: '123456789012345022', username: 'mod' };
const MANAGE_MESSAGES = String(1n << 13n);
type Value = string | number | boolean;
const TYPES: Record<string, number> = { count: 4, seed: 4, transparent: 5 };
const imagine = (prompt: string, options: Record<string, Value> = {}) =>
  h.discord.slash({
    channelId: h.discord.defaultChannelId,
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: prompt }, ...Object.entries(options).map(([name, value]): SlashOption => ({ name, type: TYPES[name] ?? 3, value }))],
  });
const isFinal = (content: string | undefined) => FOOTER_OR_NOTICE.test(content ?? '') && !/^-# 🎨/m.test(content ?? '');
const finished = (i: FakeInteraction) => h.discord.waitFor(() => (isFinal(i.original()?.content) ? i.original() : undefined), { what: 'images shown', timeoutMs: 15_000 });

type Button = { label: string; custom_id: string; emoji?: { name: string } };
const rows = (m: FakeMessage) => (m.components as { components: Button[] }[]).map((r) => r.components.map((b) => b.label));
const emojis = (m: FakeMessage) => (m.components as { components: Button[] }[]).map((r) => r.components.map((b) => b.emoji?.name));
const button = (m: FakeMessage, label: string) => {
  const found = (m.components as { components: Button[] }[]).flatMap((r) => r.components).find((b) => b.label === label);
  if (!found) throw new Error(`no ${label} button: ${JSON.stringify(rows(m))}`);
  return found.custom_id;
};
async function press(m: FakeMessage, label: string, user?: { id: string; username: string }): Promise<FakeInteraction> {
  const pressed = await h.discord.component({ messageId: m.id, customId: button(m, label), ...(user ? { user, memberPermissions: '0' } : {}) });
  await h.discord.waitFor(() => pressed.acknowledgedWith(), { what: `${label} acknowledged` });
  return pressed;
}
const attachedBytes = (m: FakeMessage) => m.attachments.map((a) => h.discord.attachmentData(a.id)!);
const dataUrl = (bytes: Buffer, mime = 'image/png') => `data:${mime};base64,${bytes.toString('base64')}`;

describe('buttons under /imagine on the Image API', () => {
  it('Reroll asks again with the same prompt and options and a new seed; the new images carry the same buttons', async () => {
    h = await startHarness();
    const first = await finished(await imagine('a fox in the snow', { model: 'bytedance-seed/seedream-4.5', count: 2, seed: 1234, resolution: '2K', aspect_ratio: '16:9' }));
    expect(rows(first)).toEqual([['Reroll', 'Edit', 'Delete'], ['V1', 'V2']]);
    expect(emojis(first)).toEqual([['🔄', '✏️', '🗑️'], [undefined, undefined]]);
    await h.bot.idle();

    const pressed = await press(first, 'Reroll');
    const again = await finished(pressed);
    const [original, rerolled] = h.openrouter.images.requests();
    expect(rerolled).toMatchObject({ model: 'bytedance-seed/seedream-4.5', prompt: 'a fox in the snow', n: 2, resolution: '2K', aspect_ratio: '16:9' });
    expect(rerolled.seed).toEqual(expect.any(Number));
    expect(rerolled.seed).not.toBe(original.seed);
    expect(again.content).toContain(`seed ${rerolled.seed}`);
    expect(rows(again)).toEqual([['Reroll', 'Edit', 'Delete'], ['V1', 'V2']]);
    // The first images keep their buttons: Reroll may be pressed again.
    expect(rows(h.discord.message(first.id)!)).toEqual([['Reroll', 'Edit', 'Delete'], ['V1', 'V2']]);
    await h.bot.idle();
    await finished(await press(first, 'Reroll'));
    expect(h.openrouter.images.requests()).toHaveLength(3);
  });

  it('Reroll and Vary send a new seed each press, not the channel’s seed setting', async () => {
    h = await startHarness();
    await h.bot.context.settings.set({ scope: 'channel', id: h.discord.defaultChannelId }, { seed: 42 });
    const first = await finished(await imagine('a fox', { model: 'bytedance-seed/seedream-4.5' }));
    expect(h.openrouter.images.requests()[0].seed).toBe(42);
    await h.bot.idle();
    const rerolls = [];
    for (const label of ['Reroll', 'Reroll', 'Vary']) {
      rerolls.push(await finished(await press(first, label)));
      await h.bot.idle();
    }
    const seeds = h.openrouter.images.requests().slice(1).map((r) => r.seed as number);
    expect(seeds).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
    expect(new Set([42, ...seeds]).size).toBe(4);
    rerolls.forEach((m, i) => expect(m.content).toContain(`seed ${seeds[i]}`));
  });

  it('V2 sends that image, as it is on Discord, as the reference with the same prompt', async () => {
    h = await startHarness();
    const first = await finished(await imagine('a lighthouse', { model: 'bytedance-seed/seedream-4.5', count: 2 }));
    await h.bot.idle();
    const second = attachedBytes(first)[1]!;
    await finished(await press(first, 'V2'));
    const varied = h.openrouter.images.requests().at(-1);
    expect(varied).toMatchObject({ prompt: 'a lighthouse', n: 2, input_references: [{ type: 'image_url', image_url: { url: dataUrl(second) } }] });
  });

  it('Edit opens a modal; what is typed edits the chosen image, with its seed, as the reference', async () => {
    h = await startHarness();
    const first = await finished(await imagine('a cabin in a forest', { model: 'bytedance-seed/seedream-4.5', count: 2, seed: 77 }));
    await h.bot.idle();
    const opened = await press(first, 'Edit');
    expect(opened.acknowledgedWith()).toBe(9);
    const modal = opened.modal()!;
    expect(modal.title).toBe('Edit the image');
    const inputs = (modal.components as { components: { custom_id: string; label: string }[] }[]).flatMap((r) => r.components);
    expect(inputs.map((i) => [i.custom_id, i.label])).toEqual([['change', 'What should change?'], ['which', 'Which image (1–2)?']]);
    const submitted = await h.discord.submitModal({ interaction: opened, values: { change: 'make it night-time, with snow', which: '2' } });
    const edited = await finished(submitted);
    const request = h.openrouter.images.requests().at(-1);
    expect(request).toMatchObject({ prompt: 'make it night-time, with snow', seed: 77, input_references: [{ type: 'image_url', image_url: { url: dataUrl(attachedBytes(first)[1]!) } }] });
    expect(request.n).toBeUndefined();
    expect(rows(edited)).toEqual([['Reroll', 'Vary', 'Edit', 'Delete']]);

    // A number that is no image is refused, privately, and nothing is sent.
    const again = await press(first, 'Edit');
    const wrong = await h.discord.submitModal({ interaction: again, values: { change: 'brighter', which: '7' } });
    expect(await h.discord.waitFor(() => wrong.original()?.content || undefined, { what: 'refusal' })).toBe('Which image: a number from 1 to 2.');
    expect(wrong.original()!.flags & 64).toBe(64);
    expect(h.openrouter.images.requests()).toHaveLength(2);
  });

  it('Delete removes the images and their exchange; strangers are refused; it works after a restart', async () => {
    h = await startHarness();
    const kept = await finished(await imagine('keep this one', { model: 'bytedance-seed/seedream-4.5' }));
    const gone = await finished(await imagine('remove this one', { model: 'bytedance-seed/seedream-4.5' }));
    await h.bot.idle();
    const refused = await press(gone, 'Delete', stranger);
    expect(refused.original()!.content).toBe('Only the person who asked (or someone with Manage Messages) can use this button.');
    expect(h.discord.message(gone.id)!.deleted).toBe(false);

    await h.restart();
    await press(gone, 'Delete');
    await h.bot.idle();
    expect(h.discord.message(gone.id)!.deleted).toBe(true);
    expect(h.discord.message(kept.id)!.deleted).toBe(false);
    const stored = (await h.bot.context.history.load(h.discord.defaultChannelId)).map((t) => t.content);
    expect(stored).toEqual(['keep this one', '[generated image: image-1.png]']);
  });

  it('Reroll pressed twice quickly draws once and tells the second press; nothing the flow sent may ping anyone', async () => {
    h = await startHarness();
    const first = await finished(await imagine('a fox for @everyone', { model: 'bytedance-seed/seedream-4.5' }));
    await h.bot.idle();
    const gate = new Gate('rerolled image');
    h.openrouter.images.reply({ steps: [{ gate }, { image: (await makeImage({ width: 32, height: 32, format: 'png', color: 'orange' })).bytes }] });
    const { first: one, second: two } = await pressTwice(h.discord, { messageId: first.id, customId: button(first, 'Reroll') }, gate);
    expect(two.original()!.content).toBe('Already on it: these images’ buttons are running.');
    expect(two.original()!.flags & 64).toBe(64);
    gate.open();
    await finished(one);
    await h.bot.idle();
    expect(h.openrouter.images.requests()).toHaveLength(2);
    // Done, not used: Reroll may be pressed again.
    await finished(await press(first, 'Reroll'));
    expect(h.openrouter.images.requests()).toHaveLength(3);

    const writes = messageWrites(h.discord.requests);
    expect(writes.length).toBeGreaterThan(5);
    for (const w of writes) expect(w.body.allowed_mentions?.parse, w.what).toEqual([]);
  });

  it('a moderator (Manage Messages) may press the buttons under someone else’s images', async () => {
    h = await startHarness();
    const first = await finished(await imagine('a fox', { model: 'bytedance-seed/seedream-4.5' }));
    await h.bot.idle();
    const pressed = await h.discord.component({ messageId: first.id, customId: button(first, 'Reroll'), user: moderator, memberPermissions: MANAGE_MESSAGES });
    await finished(pressed);
    await h.bot.idle();
    expect(h.openrouter.images.requests()).toHaveLength(2);
    await h.discord.component({ messageId: first.id, customId: button(first, 'Delete'), user: moderator, memberPermissions: MANAGE_MESSAGES });
    await h.discord.waitFor(() => h.discord.message(first.id)!.deleted || undefined, { what: 'deleted by the moderator' });
  });

  it('Reroll, Vary and Edit say privately there is nothing to redo after /reset; Delete still removes the images', async () => {
    h = await startHarness();
    const first = await finished(await imagine('a fox', { model: 'bytedance-seed/seedream-4.5' }));
    await h.bot.idle();
    const openedBefore = await press(first, 'Edit');
    const reset = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'reset' });
    await h.discord.waitFor(() => reset.original()?.content.includes('forgotten'), { what: 'reset' });
    for (const label of ['Reroll', 'Vary', 'Edit']) {
      const pressed = await press(first, label);
      expect(pressed.acknowledgedWith()).toBe(4);
      expect(pressed.original()!.content).toMatch(/^There’s nothing to redo/);
      expect(pressed.original()!.flags & 64).toBe(64);
    }
    const submitted = await h.discord.submitModal({ interaction: openedBefore, values: { change: 'at night' } });
    expect(await h.discord.waitFor(() => submitted.original()?.content || undefined, { what: 'edit refused' })).toMatch(/^There’s nothing to redo/);
    await h.bot.idle();
    expect(h.openrouter.images.requests()).toHaveLength(1);
    await press(first, 'Delete');
    await h.bot.idle();
    expect(h.discord.message(first.id)!.deleted).toBe(true);
  });

  it('say clearly that they expired after BUTTON_TTL_HOURS, and an Edit form sent after that too', async () => {
    const clock = new TestClock(Date.now());
    h = await startHarness({ clock });
    const first = await finished(await imagine('a fox', { model: 'bytedance-seed/seedream-4.5' }));
    await h.bot.idle();
    const opened = await press(first, 'Edit');
    clock.time! += 24 * 3_600_000 + 1_000;
    const expired = 'These buttons have expired: they work for 24 h after the images.';
    for (const label of ['Reroll', 'Vary', 'Edit', 'Delete']) {
      const late = await press(first, label);
      expect(late.original()!.content).toBe(expired);
      expect(late.original()!.flags & 64).toBe(64);
    }
    const submitted = await h.discord.submitModal({ interaction: opened, values: { change: 'at night' } });
    expect(await h.discord.waitFor(() => submitted.original()?.content || undefined, { what: 'expired edit' })).toBe(expired);
    await h.bot.idle();
    expect(h.openrouter.images.requests()).toHaveLength(1);
    expect(h.discord.message(first.id)!.deleted).toBe(false);
  });

  it.skipIf(!redis)('Reroll works on another bot process sharing the store', async () => {
    h = await startHarness({ env: { DATABASE_URL: REDIS_URL }, storeNamespace: `image-actions-${process.pid}-${Date.now()}` });
    const first = await finished(await imagine('a heron', { model: 'bytedance-seed/seedream-4.5', resolution: '2K' }));
    await h.bot.idle();
    const second = await h.another();
    await h.bot.stop();
    h.bot = second;
    const again = await finished(await press(first, 'Reroll'));
    expect(h.openrouter.images.requests().at(-1)).toMatchObject({ prompt: 'a heron', resolution: '2K' });
    expect(rows(again)).toEqual([['Reroll', 'Vary', 'Edit', 'Delete']]);
    await h.bot.context.history.reset(h.discord.defaultChannelId);
  });
});

describe('the limits on image buttons', () => {
  const refusal = (i: FakeInteraction) => h.discord.waitFor(() => (/^(⏳|💸)/.test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'refusal' });

  it('Reroll is refused while the asker already has as many answers running as USER_MAX_CONCURRENT', async () => {
    h = await startHarness({ env: { USER_MAX_CONCURRENT: '1' } });
    const first = await finished(await imagine('a fox', { model: 'bytedance-seed/seedream-4.5' }));
    await h.bot.idle();
    const gate = new Gate('an answer meanwhile');
    h.openrouter.reply({ steps: [{ gate }, ...text('Slow.')] });
    const slow = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('slow') });
    await gate.reached;
    const refused = await h.discord.component({ messageId: first.id, customId: button(first, 'Reroll') });
    expect(await refusal(refused)).toMatch(/^⏳ You already have 1 answer in progress/);
    gate.open();
    await h.discord.waitFor(() => hasFooter(slow.original()?.content), { what: 'slow answer' });
    await h.bot.idle();
    expect(h.openrouter.images.requests()).toHaveLength(1);
  });

  it('Reroll is refused by a budget the asker has used up, and nothing is drawn', async () => {
    const DAY = 86_400_000;
    // 20:00 UTC: the budget day doesn't turn while the test runs.
    h = await startHarness({ env: { BUDGET_USER_DAILY_USD: '0.03' }, clock: new TestClock(Math.floor(Date.now() / DAY) * DAY + 20 * 3_600_000) });
    // One Seedream image: $0.04.
    const first = await finished(await imagine('a fox', { model: 'bytedance-seed/seedream-4.5' }));
    await h.bot.idle();
    expect(await refusal(await press(first, 'Reroll'))).toMatch(/^💸 You’ve used \$0\.04 of your \$0\.03 daily budget/);
    await h.bot.idle();
    expect(h.openrouter.images.requests()).toHaveLength(1);
  });
});

describe('buttons under images from chat models', () => {
  it('Vary on /imagine with a chat model asks for a variation of that image, in the conversation', async () => {
    h = await startHarness();
    const fox = await sharp({ create: { width: 40, height: 40, channels: 3, background: 'red' } }).png().toBuffer();
    h.openrouter.reply({ steps: [{ images: [dataUrl(fox)] }, { content: 'A red fox.' }] });
    const first = await finished(await imagine('a red fox'));
    expect(rows(first)).toEqual([['Reroll', 'Vary', 'Edit', 'Delete']]);
    expect(emojis(first)).toEqual([['🔄', '🎲', '✏️', '🗑️']]);
    await h.bot.idle();
    const variation = (await makeImage({ width: 40, height: 40, format: 'png', color: 'orange' })).bytes;
    h.openrouter.reply({ steps: [{ images: [dataUrl(variation)] }, { content: 'Another fox.' }] });
    const varied = await finished(await press(first, 'Vary'));
    expect(attachedBytes(varied)[0]!.equals(variation)).toBe(true);
    const last = h.openrouter.chatRequests().at(-1) as { messages: { role: string; content: { type: string; text?: string; image_url?: { url: string } }[] }[] };
    const asked = last.messages.at(-1)!.content;
    expect(asked[0]!.text).toMatch(/Make a variation of this image\. It was made for: “a red fox”$/);
    expect(asked.find((p) => p.type === 'image_url')!.image_url!.url).toBe(dataUrl(fox));
    // The conversation came along: a chat model that draws sees what it made before.
    expect(JSON.stringify(last.messages)).toContain('[generated image: image-1.png]');
  });

  it('an answer to a mention that drew shows its seed and carries Reroll (in Regenerate’s place) and Delete, then Vary and Edit', async () => {
    h = await startHarness();
    await h.bot.context.settings.set({ scope: 'channel', id: h.discord.defaultChannelId }, { seed: 42 });
    const cat = await sharp({ create: { width: 30, height: 30, channels: 3, background: 'gray' } }).png().toBuffer();
    h.openrouter.reply({ steps: [{ images: [dataUrl(cat)] }, ...text('Here is a cat.')] });
    const asked = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'draw me a cat', mentionsBot: true });
    const answer = await h.discord.waitFor(() => h.discord.messages(h.discord.defaultChannelId).find((m) => m.message_reference?.message_id === asked.id && hasFooter(m.content)), { what: 'answer' });
    expect(rows(answer)).toEqual([['Reroll', 'Delete'], ['Vary', 'Edit']]);
    expect(emojis(answer)).toEqual([['🔄', '🗑️'], ['🎲', '✏️']]);
    // The channel's seed, sent and shown.
    expect((h.openrouter.chatRequests()[0] as { seed: number }).seed).toBe(42);
    expect(answer.content).toMatch(/\n-# openai\/gpt-5-image-mini · seed 42 · /);
    await h.bot.idle();

    const opened = await press(answer, 'Edit');
    expect(opened.modal()!.components).toHaveLength(1);
    const edit = (await makeImage({ width: 30, height: 30, format: 'png', color: 'black' })).bytes;
    h.openrouter.reply({ steps: [{ images: [dataUrl(edit)] }, { content: 'Now black.' }] });
    const edited = await finished(await h.discord.submitModal({ interaction: opened, values: { change: 'make the cat black' } }));
    expect(attachedBytes(edited)[0]!.equals(edit)).toBe(true);
    const sent = (h.openrouter.chatRequests().at(-1) as { model: string; messages: { content: { type: string; text?: string; image_url?: { url: string } }[] }[] });
    expect(sent.model).toBe('openai/gpt-5-image-mini');
    expect(sent.messages.at(-1)!.content[0]!.text).toMatch(/make the cat black$/);
    expect(sent.messages.at(-1)!.content.find((p) => p.type === 'image_url')!.image_url!.url).toBe(dataUrl(cat));
    await h.bot.idle();

    // Reroll: the same question with a new seed, replacing the answer as Regenerate does.
    const before = (await h.bot.context.history.load(h.discord.defaultChannelId)).length;
    h.openrouter.reply({ steps: [{ images: [dataUrl(edit)] }, ...text('Another cat.')] });
    const pressed = await press(answer, 'Reroll');
    const rerolled = await h.discord.waitFor(() => (hasFooter(pressed.original()?.content) ? pressed.original() : undefined), { what: 'rerolled answer' });
    await h.bot.idle();
    const again = h.openrouter.chatRequests().at(-1) as { seed: number; messages: { role: string; content: unknown }[] };
    expect(again.seed).toEqual(expect.any(Number));
    expect(again.seed).not.toBe(42);
    expect(JSON.stringify(again.messages.at(-1)!.content)).toContain('draw me a cat');
    expect(rerolled.content).toContain(`· seed ${again.seed} · `);
    expect(rows(rerolled)).toEqual([['Reroll', 'Delete'], ['Vary', 'Edit']]);
    expect(h.discord.message(answer.id)!.components).toEqual([]);
    expect(h.discord.message(answer.id)!.content).toMatch(/\n-# 🔄 Rerolled: \[the new answer\]/);
    const history = (await h.bot.context.history.load(h.discord.defaultChannelId)).map((t) => t.content);
    expect(history).toHaveLength(before);
    expect(history.filter((c) => /Here is a cat/.test(c))).toEqual([]);
    expect(history.filter((c) => /Another cat/.test(c))).toHaveLength(1);
  });

  it('an answer with one SVG has one Vary (its PNG rendering is not a second image); one with six has V1–V4 beside Edit in one row', async () => {
    h = await startHarness();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="red"/></svg>');
    h.openrouter.reply({ steps: [{ images: [`data:image/svg+xml;base64,${svg.toString('base64')}`] }, ...text('A square.')] });
    const first = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'draw a square', mentionsBot: true });
    const square = await h.discord.waitFor(() => h.discord.messages(h.discord.defaultChannelId).find((m) => m.message_reference?.message_id === first.id && hasFooter(m.content)), { what: 'the square' });
    expect(square.attachments.map((a) => a.filename)).toEqual(['image-1.svg', 'image-1.png']);
    expect(rows(square)).toEqual([['Reroll', 'Delete'], ['Vary', 'Edit']]);

    const cats = await Promise.all(['red', 'green', 'blue', 'white', 'black', 'gray'].map((color) => makeImage({ width: 20, height: 20, format: 'png', color }).then((m) => dataUrl(m.bytes))));
    h.openrouter.reply({ steps: [{ images: cats }, ...text('Six cats.')] });
    const second = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'draw six cats', mentionsBot: true });
    const six = await h.discord.waitFor(() => h.discord.messages(h.discord.defaultChannelId).find((m) => m.message_reference?.message_id === second.id && hasFooter(m.content)), { what: 'six cats' });
    expect(six.attachments).toHaveLength(6);
    expect(rows(six)).toEqual([['Reroll', 'Delete'], ['V1', 'V2', 'V3', 'V4', 'Edit']]);
  });

  it('an answer that drew nothing keeps Regenerate and shows no seed', async () => {
    h = await startHarness();
    h.openrouter.reply({ steps: text('Just words.') });
    const asked = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'say something', mentionsBot: true });
    const answer = await h.discord.waitFor(() => h.discord.messages(h.discord.defaultChannelId).find((m) => m.message_reference?.message_id === asked.id && hasFooter(m.content)), { what: 'answer' });
    expect(rows(answer)).toEqual([['Regenerate', 'Delete']]);
    expect(answer.content).not.toMatch(/seed/);
  });
});
