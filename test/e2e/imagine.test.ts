/**
 * /imagine on both kinds of image model, end to end: the Image API (several images, seeds, sizes,
 * previews, Stop, SVG, its failures) and the chat path with several requests at once.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction, SlashOption } from '../fakes/discord.js';
import { Gate, replies, type Reply } from '../fakes/openrouter.js';
import { makeImage, type ImageReply } from '../fakes/openrouter-images.js';
import { OPENROUTER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { stopAtPreview } from '../helpers/images.js';
import { FOOTER_OR_NOTICE } from '../helpers/replies.js';
import { openRouterUser } from '../../src/openrouter/user-tag.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

type Value = string | number | boolean;
const TYPES: Record<string, number> = { count: 4, seed: 4, transparent: 5 };
const imagine = (prompt: string, options: Record<string, Value> = {}, extra: { attachments?: Parameters<Harness['discord']['slash']>[0]['attachments'] } = {}) =>
  h.discord.slash({
    channelId: h.discord.defaultChannelId,
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: prompt }, ...Object.entries(options).map(([name, value]): SlashOption => ({ name, type: TYPES[name] ?? 3, value }))],
    ...extra,
  });
/** Final: a footer or a notice, and no progress line any more. */
const isFinal = (content: string) => FOOTER_OR_NOTICE.test(content) && !/^-# 🎨/m.test(content);
const finalOf = (i: FakeInteraction) => h.discord.waitFor(() => (isFinal(i.original()?.content ?? '') ? i.original() : undefined), { what: 'final reply', timeoutMs: 15_000 });
const files = (i: FakeInteraction) => i.original()!.attachments.map((a) => ({ name: a.filename, data: h.discord.attachmentData(a.id)! }));
const MANAGE_CHANNELS = String(1n << 4n);
const solid = (color: string) => makeImage({ width: 64, height: 64, format: 'png', color }).then((m) => m.bytes);

describe('/imagine on the Image API', () => {
  it('count 3 gives three decodable files in one message, with seed, size and cost; the request carries seed, resolution and aspect ratio; the images are remembered', async () => {
    h = await startHarness();
    const i = await imagine('a fox in the snow', { model: 'bytedance-seed/seedream-4.5', count: 3, seed: 1234, resolution: '2K', aspect_ratio: '16:9' });
    const message = await finalOf(i);
    expect(h.openrouter.images.requests()).toEqual([
      { model: 'bytedance-seed/seedream-4.5', prompt: 'a fox in the snow', user: openRouterUser(h.discord.user.id), n: 3, seed: 1234, resolution: '2K', aspect_ratio: '16:9', stream: false },
    ]);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    const attached = files(i);
    expect(attached.map((f) => f.name)).toEqual(['image-1.png', 'image-2.png', 'image-3.png']);
    for (const f of attached) expect(await sharp(f.data).metadata()).toMatchObject({ format: 'png', width: 2048, height: 1152 });
    expect(message!.content).toBe('-# bytedance-seed/seedream-4.5 · seed 1234 · 2048×1152 · $0.1200');
    await h.bot.idle();
    const stored = await h.bot.context.history.load(h.discord.defaultChannelId);
    expect(stored.at(-2)).toMatchObject({ role: 'user', content: 'a fox in the snow' });
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', model: 'bytedance-seed/seedream-4.5', content: '[generated image: image-1.png]\n\n[generated image: image-2.png]\n\n[generated image: image-3.png]' });
    expect(stored.at(-1)!.images).toHaveLength(3);
    const logged = h.logs.lines().find((l) => l.msg === 'answered' && l.kind === 'image-api');
    expect(JSON.stringify(logged)).not.toContain('a fox in the snow');
    expect(logged?.result).toMatchObject({ promptChars: 17, model: 'bytedance-seed/seedream-4.5', kind: 'image-api', seed: 1234, messageId: message!.id, images: [{ file: 'image-1.png' }, { file: 'image-2.png' }, { file: 'image-3.png' }] });

    // A later mention sees them, and a chat image model can edit them.
    h.openrouter.reply({ steps: [{ content: 'Two foxes I made.' }] });
    h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'make the last two winter', mentionsBot: true });
    await h.openrouter.waitFor(() => h.openrouter.chatRequests().length === 1, { what: 'the mention’s request' });
    const parts = h.openrouter.chatRequests()[0].messages.at(-1).content as { type: string; text?: string }[];
    expect(parts.filter((p) => p.type === 'image_url')).toHaveLength(2);
    expect(parts.map((p) => p.text ?? '').join('\n')).toMatch(/an image you made earlier \(image-3\.png\)/);
  });

  it('quality, transparent and aspect ratio reach the request; a transparent image comes back with alpha; a seedless model shows no seed', async () => {
    h = await startHarness();
    const i = await imagine('a logo', { model: 'openai/gpt-image-1', quality: 'high', transparent: true, aspect_ratio: '3:2' });
    const message = await finalOf(i);
    expect(h.openrouter.images.requests()).toEqual([
      { model: 'openai/gpt-image-1', prompt: 'a logo', user: openRouterUser(h.discord.user.id), quality: 'high', background: 'transparent', output_format: 'png', aspect_ratio: '3:2', stream: true },
    ]);
    expect(await sharp(files(i)[0]!.data).metadata()).toMatchObject({ format: 'png', hasAlpha: true, width: 1024, height: 683 });
    expect(message!.content).toMatch(/^-# openai\/gpt-image-1 · 1024×683 · \$0\.00004$/);
  });

  it('sends the image option as input_references', async () => {
    h = await startHarness();
    const source = await solid('green');
    await finalOf(await imagine('as a watercolour', { model: 'openai/gpt-image-1' }, { attachments: [{ option: 'image', filename: 'src.png', contentType: 'image/png', data: source }] }));
    expect(h.openrouter.images.requests()[0].input_references).toEqual([{ type: 'image_url', image_url: { url: `data:image/png;base64,${source.toString('base64')}` } }]);
  });

  it('refuses what the model doesn’t take before any request, saying what it takes', async () => {
    h = await startHarness();
    const message = await finalOf(await imagine('x', { model: 'black-forest-labs/flux.2-pro', count: 2, quality: 'low', transparent: true }));
    expect(message!.content).toBe(
      '⚠️ `black-forest-labs/flux.2-pro` doesn’t take count 2, quality low, transparent. It takes: seed, resolution (1K, 2K, 4K), aspect_ratio (1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 21:9, 9:21), image.',
    );
    const svgOnly = await finalOf(await imagine('x', { model: 'recraft/recraft-v3-svg', seed: 3 }, { attachments: [{ option: 'image', filename: 'a.png', contentType: 'image/png', data: await solid('red') }] }));
    expect(svgOnly!.content).toMatch(/^⚠️ `recraft\/recraft-v3-svg` doesn’t take seed, an image to start from\. It takes: aspect_ratio \(1:1, 4:3, 3:4, 16:9, 9:16\)\.$/);
    const chat = await finalOf(await imagine('x', { quality: 'high' }));
    expect(chat!.content).toMatch(/^⚠️ `openai\/gpt-5-image-mini` \(a chat model\) doesn’t take quality\. It takes: count 1–4, seed, /);
    expect(h.openrouter.images.requests()).toHaveLength(0);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    await h.bot.idle();
    expect(h.logs.lines().filter((l) => l.msg === 'request refused')).toHaveLength(3);
  });

  it('refuses a malformed aspect_ratio or model privately, before the reply is shown and before anything is sent', async () => {
    h = await startHarness();
    for (const [options, refusal] of [[{ aspect_ratio: 'wide' }, /^⚠️ `aspect_ratio` must be one of /], [{ model: 'not a model' }, /^⚠️ `model` must be an OpenRouter model id/]] as const) {
      const bad = await imagine('x', options);
      expect(await h.discord.waitFor(() => bad.original()?.content || undefined, { what: 'refusal' })).toMatch(refusal);
      expect(bad.acceptedCallback()).toMatchObject({ type: 4, data: { flags: 64 } });
    }
    await h.bot.idle();
    expect(h.openrouter.images.requests()).toHaveLength(0);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    expect(h.logs.lines().filter((l) => l.msg === 'command refused')).toHaveLength(2);
  });

  it('shows partial previews as edits, small and newest first, before the final images replace them', async () => {
    h = await startHarness();
    const [first, second] = [new Gate('first'), new Gate('second')];
    const partial = (color: string) => makeImage({ width: 1024, height: 1024, format: 'png', color }).then((m) => m.bytes);
    const final = await makeImage({ width: 1024, height: 1024, format: 'png', color: 'navy' });
    h.openrouter.images.reply({ steps: [{ partial: await partial('gray') }, { gate: first }, { partial: await partial('silver') }, { gate: second }, { image: final.bytes }] });
    const i = await imagine('a ship', { model: 'openai/gpt-image-1' });
    const previewOf = () => {
      const a = i.original()?.attachments.find((x) => x.filename === 'preview.webp');
      return a && h.discord.attachmentData(a.id);
    };
    const one = await h.discord.waitFor(previewOf, { what: 'the first preview' });
    expect(i.original()!.content).toMatch(/^-# 🎨 `openai\/gpt-image-1` is working… \d+ s · preview 1$/);
    expect(await sharp(one).metadata()).toMatchObject({ format: 'webp', width: 384, height: 384 });
    first.open();
    const two = await h.discord.waitFor(() => (previewOf() && !previewOf()!.equals(one) ? previewOf() : undefined), { what: 'the second preview' });
    expect((await sharp(two).stats()).channels[0]!.mean).toBeGreaterThan((await sharp(one).stats()).channels[0]!.mean);
    second.open();
    await finalOf(i);
    await h.bot.idle();
    expect(files(i)).toEqual([{ name: 'image-1.png', data: final.bytes }]);
    // On the wire: the previews went out as edits before the edit with the image.
    const uploads = h.discord.requests.filter((r) => r.path.includes(i.token) && r.files?.length).map((r) => r.files!.map((f) => f.filename).join());
    expect(uploads).toEqual(['preview.webp', 'preview.webp', 'image-1.png']);
    expect(h.logs.lines().find((l) => l.msg === 'answered')).toMatchObject({ partials: 2, images: 1 });
  });

  it('a model whose endpoints don’t stream shows the elapsed time, counting, until its images come', async () => {
    h = await startHarness();
    const gate = new Gate();
    h.openrouter.images.reply({ steps: [{ gate }, { image: await solid('red') }] });
    const i = await imagine('a fox', { model: 'bytedance-seed/seedream-4.5' });
    const seconds = () => {
      const shown = /^-# 🎨 `bytedance-seed\/seedream-4\.5` is working… (\d+) s$/.exec(i.original()?.content ?? '');
      return shown ? Number(shown[1]) : undefined;
    };
    const first = await h.discord.waitFor(() => seconds() !== undefined && { at: seconds()! }, { what: 'the elapsed time' });
    // The reply is held at the gate, so a later count can only come from the ticking progress line.
    await h.discord.waitFor(() => seconds()! > first.at, { what: 'the elapsed time moving on', timeoutMs: 10_000 });
    expect(h.openrouter.images.records()[0]!.response.waitingAt).toBe(gate);
    expect(h.openrouter.images.requests()[0]).toMatchObject({ stream: false });
    expect(i.original()!.attachments).toEqual([]);
    gate.open();
    const message = await finalOf(i);
    expect(message!.content).toMatch(/^-# bytedance-seed\/seedream-4\.5 · seed \d+ · 64×64 · /);
    expect(message!.attachments.map((a) => a.filename)).toEqual(['image-1.png']);
  });

  it('Stop during a streaming generation closes the upstream connection, removes the preview and says it cost nothing', async () => {
    h = await startHarness();
    const shown = new Gate();
    h.openrouter.images.reply({ steps: [{ partial: await solid('gray') }, { gate: shown }, { stall: true }] });
    const i = await imagine('a storm', { model: 'openai/gpt-image-1' });
    await stopAtPreview(h, i);
    await h.openrouter.waitFor(() => h.openrouter.images.records()[0]!.response.state === 'aborted', { what: 'upstream closed' });
    const message = await finalOf(i);
    expect(message!.content).toBe('⏹️ Stopped. Nothing was charged: the Image API bills only finished images.\n-# openai/gpt-image-1');
    expect(message!.attachments).toEqual([]);
    expect(message!.components).toEqual([]);
    shown.open();
  });

  it('the footer shows the seed the provider reports, else the one sent', async () => {
    h = await startHarness();
    const image = await solid('red');
    // Streamed, from a model without a seed option: only the provider's seed can be shown.
    h.openrouter.images.reply({ steps: [{ image, seed: 987654 }] });
    const streamed = await finalOf(await imagine('a', { model: 'openai/gpt-image-1' }));
    expect(h.openrouter.images.requests()[0]).toMatchObject({ stream: true });
    expect(streamed!.content).toMatch(/^-# openai\/gpt-image-1 · seed 987654 · 64×64 · /);
    // Buffered: the reported seed wins over the one sent; each image's own when they differ.
    h.openrouter.images.reply({ steps: [{ image, seed: 4321 }] });
    expect((await finalOf(await imagine('b', { model: 'bytedance-seed/seedream-4.5', seed: 1234 })))!.content).toMatch(/^-# bytedance-seed\/seedream-4\.5 · seed 4321 · /);
    h.openrouter.images.reply({ steps: [{ image, seed: 11 }, { image, seed: 12 }] });
    expect((await finalOf(await imagine('c', { model: 'bytedance-seed/seedream-4.5', seed: 1234, count: 2 })))!.content).toMatch(/ · seeds 11, 12 · /);
    // None reported: the one sent.
    h.openrouter.images.reply({ steps: [{ image }] });
    expect((await finalOf(await imagine('d', { model: 'bytedance-seed/seedream-4.5', seed: 1234 })))!.content).toMatch(/^-# bytedance-seed\/seedream-4\.5 · seed 1234 · /);
    expect(h.openrouter.images.requests().map((r) => r.seed)).toEqual([undefined, 1234, 1234, 1234]);
  });

  it('attaches an SVG with a PNG rendering so Discord shows a preview', async () => {
    h = await startHarness();
    const i = await imagine('a lighthouse icon', { model: 'recraft/recraft-v3-svg', aspect_ratio: '4:3' });
    const message = await finalOf(i);
    const [svg, png] = files(i);
    expect(svg!.name).toBe('image-1.svg');
    expect(svg!.data.toString()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1024" height="768"/);
    expect(png!.name).toBe('image-1.png');
    expect(await sharp(png!.data).metadata()).toMatchObject({ format: 'png', width: 1024, height: 768 });
    expect(message!.content).toBe('-# recraft/recraft-v3-svg · 1024×768 · $0.0800');
  });

  it('takes an Image API model from the channel’s image_model setting, which accepts both kinds', async () => {
    h = await startHarness();
    const set = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'settings', options: [{ name: 'set', type: 1, options: [{ name: 'image_model', type: 3, value: 'black-forest-labs/flux.2-pro' }] }], memberPermissions: MANAGE_CHANNELS });
    await h.discord.waitFor(() => /✅ Set for this channel: `image_model` = `black-forest-labs\/flux\.2-pro`\.$/.test(set.original()?.content ?? ''), { what: 'set' });
    const refused = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'settings', options: [{ name: 'set', type: 1, options: [{ name: 'image_model', type: 3, value: 'nobody/none' }] }], memberPermissions: MANAGE_CHANNELS });
    await h.discord.waitFor(() => /There is no image model `nobody\/none`/.test(refused.original()?.content ?? ''), { what: 'refused' });
    const message = await finalOf(await imagine('a cat'));
    expect(h.openrouter.images.requests()[0]).toMatchObject({ model: 'black-forest-labs/flux.2-pro', prompt: 'a cat' });
    // The model takes a seed: one was sent, and the footer shows it.
    const seed = h.openrouter.images.requests()[0].seed as number;
    expect(Number.isInteger(seed)).toBe(true);
    expect(message!.content).toBe(`-# black-forest-labs/flux.2-pro · seed ${seed} · 1024×1024 · $0.0300`);
  });

  it('autocompletes models of both kinds, marked, and the chosen model’s aspect ratios', async () => {
    h = await startHarness();
    const models = await h.discord.autocomplete({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'model', type: 3, value: 'flux', focused: true }] });
    expect(models.choices).toEqual([{ name: 'Black Forest Labs: FLUX.2 Pro (black-forest-labs/flux.2-pro) · image API', value: 'black-forest-labs/flux.2-pro' }]);
    const ratio = (model: string | undefined, typed: string) =>
      h.discord
        .autocomplete({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [...(model ? [{ name: 'model', type: 3, value: model }] : []), { name: 'aspect_ratio', type: 3, value: typed, focused: true }] })
        .then((r) => r.choices.map((c) => c.value));
    expect(await ratio('openai/gpt-image-1', '')).toEqual(['1:1', '2:3', '3:2', 'auto']);
    expect(await ratio('bytedance-seed/seedream-4.5', '1:')).toEqual(['1:1', '1:2', '1:4', '21:9']);
    expect(await ratio(undefined, '21')).toEqual(['21:9']);
  });
});

describe('/imagine previews and the edit bucket', () => {
  it('previews leave the bucket’s last request to the final images, which never wait for a reset', async () => {
    // Three edits per window: the progress line and two previews could empty it, and without a
    // request kept back the final images would then wait for the window's reset.
    h = await startHarness({ discord: { editBucket: { limit: 3, windowMs: 3000 } } });
    const colors = ['#202020', '#808080'];
    const gates = colors.map((c) => new Gate(c));
    const partials = await Promise.all(colors.map((color) => makeImage({ width: 256, height: 256, format: 'png', color }).then((m) => m.bytes)));
    h.openrouter.images.reply({ steps: [...partials.flatMap((partial, k) => [{ partial }, { gate: gates[k]! }]), { image: await solid('navy') }] });
    const i = await imagine('a ship', { model: 'openai/gpt-image-1' });
    const edits = () => h.discord.requests.filter((r) => r.method === 'PATCH' && r.path.includes(i.token));
    const previewsAnswered = () => edits().filter((r) => r.status > 0 && r.files?.some((f) => f.filename === 'preview.webp')).length;
    // Each partial comes once the one before it is on Discord, so previews keep the bucket busy.
    for (const [k, gate] of gates.entries()) {
      await h.discord.waitFor(() => previewsAnswered() > k, { what: `preview ${k + 1} on Discord`, timeoutMs: 10_000 });
      gate.open();
    }
    await finalOf(i);
    await h.bot.idle();
    const all = edits();
    const finalAt = all.findIndex((r) => r.files?.some((f) => f.filename === 'image-1.png'));
    const remaining = (r: (typeof all)[number]) => Number(r.responseHeaders?.['x-ratelimit-remaining']);
    const before = all.slice(0, finalAt);
    expect(before.filter((r) => r.files?.some((f) => f.filename === 'preview.webp'))).toHaveLength(2);
    // No edit while it drew emptied the window: one request was always kept back…
    expect(before.map(remaining).every((n) => n >= 1)).toBe(true);
    // …and the final images spent it in that same window rather than waiting for the next one.
    expect(all[finalAt]!.status).toBe(200);
    expect(remaining(all[finalAt]!)).toBe(remaining(before.at(-1)!) - 1);
  });
});

describe('/imagine on a chat image model', () => {
  it('count 2 runs two requests at once, each with its own seed and the image config; both images in one message', async () => {
    h = await startHarness();
    const colors = ['red', 'blue'];
    const gate = new Gate('both asked');
    const reply = async (body: { seed: number }): Promise<Reply> => ({ steps: [{ gate }, { images: [`data:image/png;base64,${(await solid(colors[body.seed - 5]!)).toString('base64')}`] }] });
    const made = await Promise.all([reply({ seed: 5 }), reply({ seed: 6 })]);
    h.openrouter.setDefault((body: { seed: number }) => made[body.seed - 5]!);
    const i = await imagine('two foxes', { count: 2, seed: 5, aspect_ratio: '21:9', resolution: '2K' });
    // At once: both requests are open together while neither has been answered.
    await h.openrouter.waitFor(() => h.openrouter.chatRecords().filter((r) => r.response.waitingAt === gate).length === 2, { what: 'both requests held at the gate' });
    expect(h.openrouter.inFlight()).toBe(2);
    gate.open();
    const message = await finalOf(i);
    const bodies = h.openrouter.chatRequests() as { seed: number; modalities: string[]; image_config: unknown }[];
    expect(bodies.map((b) => b.seed).sort()).toEqual([5, 6]);
    for (const b of bodies) expect(b).toMatchObject({ modalities: ['image', 'text'], image_config: { aspect_ratio: '21:9', image_size: '2K' } });
    expect(files(i).map((f) => f.name)).toEqual(['image-1.png', 'image-2.png']);
    // In request order, whichever finished first.
    const [first] = files(i);
    expect((await sharp(first!.data).stats()).channels[0]!.mean).toBeGreaterThan(200);
    expect(message!.content).toMatch(/^-# openai\/gpt-5-image-mini · seeds 5, 6 · 64×64 · \$\d/);
  });

  it('shows what did come when one of several requests fails', async () => {
    h = await startHarness({ env: { OPENROUTER_RETRY_MAX_MS: '1' } });
    h.openrouter.setDefault((body: { seed: number }) => (body.seed === 11 ? replies.noCredits() : { steps: [{ images: [`data:image/png;base64,${'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='}`] }] }));
    const message = await finalOf(await imagine('x', { count: 2, seed: 10 }));
    expect(message!.attachments).toHaveLength(1);
    expect(message!.content).toMatch(/^⚠️ 1 of 2 requests failed: The bot’s OpenRouter account is out of credits\./m);
  });
});

describe('Image API failures', () => {
  const failure = (status: number, message: string, metadata?: Record<string, unknown>): ImageReply => ({ status, error: { message, ...(metadata ? { metadata } : {}) } });
  const cases: [string, ImageReply, RegExp][] = [
    ['402 out of credits', replies.noCredits() as ImageReply, /^⚠️ The bot’s OpenRouter account is out of credits\. A server admin needs to add credits/],
    ['403 moderation', replies.moderation(['violence']) as ImageReply, /^⚠️ The image model’s moderation blocked this prompt \(flagged: violence\)\. Rephrase it and try again\./],
    ['429 rate limited', replies.rateLimited(9) as ImageReply, /^⚠️ The model is rate-limited right now\. Try again in 9 s, or pick another model\./],
    ['502 generation failed', failure(502, 'Generation failed'), /^⚠️ The provider couldn’t make the image this time \(OpenRouter said: Generation failed\)\. Nothing was charged; try again, or pick another model\./],
  ];

  it.each(cases)('%s: a message to act on, a log line, and the bot keeps answering', async (_name, reply, expected) => {
    h = await startHarness({ env: { OPENROUTER_RETRY_MAX_MS: '1' } });
    h.openrouter.images.reply(reply);
    const message = await finalOf(await imagine('x', { model: 'bytedance-seed/seedream-4.5' }));
    expect(message!.content).toMatch(expected);
    expect(message!.content).not.toMatch(/[{}]|\bat \S+:\d+/);
    await h.bot.idle();
    expect(h.logs.lines().some((l) => l.msg === 'openrouter request failed')).toBe(true);
    expect(h.logs.raw()).not.toContain(OPENROUTER_KEY);
    expect(h.openrouter.images.requests()).toHaveLength(1);
    expect((await finalOf(await imagine('y', { model: 'bytedance-seed/seedream-4.5' })))!.attachments).toHaveLength(1);
  });

  it('400 for a value the model refuses (the model list unreachable, so it was sent): OpenRouter’s reason, and what to do', async () => {
    h = await startHarness({ env: { OPENROUTER_RETRY_MAX_MS: '1' }, openrouter: (fake) => (fake.images.modelsStatus = 503) });
    const message = await finalOf(await imagine('x', { model: 'bytedance-seed/seedream-4.5', quality: 'high' }));
    expect(h.openrouter.images.requests()[0]).toMatchObject({ quality: 'high' });
    expect(message!.content).toMatch(/^⚠️ `bytedance-seed\/seedream-4\.5` refused this request \(OpenRouter said: Parameter "quality" is not supported by bytedance-seed\/seedream-4\.5\)\. Check the options/);
    expect(h.logs.lines().some((l) => l.msg === 'could not fetch the OpenRouter image model list')).toBe(true);
  });

  it('both model lists unreachable: an option only the Image API has goes there, the rest to chat, nothing refused', async () => {
    h = await startHarness({
      env: { OPENROUTER_RETRY_MAX_MS: '1' },
      openrouter: (fake) => {
        fake.modelsStatus = 503;
        fake.images.modelsStatus = 503;
      },
    });
    const message = await finalOf(await imagine('a logo', { model: 'openai/gpt-image-1', quality: 'high' }));
    expect(h.openrouter.images.requests()).toEqual([{ model: 'openai/gpt-image-1', prompt: 'a logo', user: openRouterUser(h.discord.user.id), quality: 'high', stream: false }]);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    expect(message!.attachments.map((a) => a.filename)).toEqual(['image-1.png']);
    expect(message!.content).toBe('-# openai/gpt-image-1 · 1024×1024 · $0.00004');

    // Options both paths take: chat, as before there was an Image API.
    h.openrouter.setDefault({ steps: [{ images: [`data:image/png;base64,${(await solid('red')).toString('base64')}`] }] });
    const chat = await finalOf(await imagine('two foxes', { count: 2, seed: 5 }));
    expect((h.openrouter.chatRequests() as { seed: number }[]).map((b) => b.seed).sort()).toEqual([5, 6]);
    expect(chat!.attachments).toHaveLength(2);
    expect(h.openrouter.images.requests()).toHaveLength(1);
    await h.bot.idle();
    expect(h.logs.lines().filter((l) => l.msg === 'request refused')).toHaveLength(0);
  });

  it('an error event mid-stream keeps no preview and says it cost nothing', async () => {
    h = await startHarness();
    h.openrouter.images.reply({ steps: [{ partial: await solid('gray') }, { error: { message: 'Generation failed', code: 'server_error' } }] });
    const message = await finalOf(await imagine('x', { model: 'openai/gpt-image-1' }));
    expect(message!.content).toBe('⚠️ The model stopped with an error: Generation failed. Nothing was charged: the Image API bills only finished images. Try again, or pick another model.\n-# openai/gpt-image-1');
    expect(message!.attachments).toEqual([]);
  });

  it('a stall: stops waiting after IMAGE_IDLE_TIMEOUT_MS, closes the connection and says it cost nothing', async () => {
    h = await startHarness({ env: { IMAGE_IDLE_TIMEOUT_MS: '300' } });
    h.openrouter.images.reply({ steps: [{ stall: true }] });
    const message = await finalOf(await imagine('x', { model: 'bytedance-seed/seedream-4.5' }));
    expect(message!.content).toMatch(/^⚠️ The model sent nothing for 300 ms, so the bot stopped waiting\. Nothing was charged/);
    await h.openrouter.waitFor(() => h.openrouter.images.records()[0]!.response.state === 'aborted', { what: 'upstream closed' });
  });

  it('storage failing: the images are shown all the same, then a follow-up says they were not remembered', async () => {
    h = await startHarness();
    h.bot.context.history.saveImage = async () => {
      throw new Error('disk full');
    };
    const i = await imagine('x', { model: 'bytedance-seed/seedream-4.5', count: 2 });
    const followUp = await h.discord.waitFor(() => i.followups()[0], { what: 'the follow-up' });
    expect(followUp.content).toBe('⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.');
    expect(i.original()!.attachments).toHaveLength(2);
    expect(h.logs.lines().some((l) => l.msg === 'could not store the conversation' && l.level === 50)).toBe(true);
  });

  it('an answer with no image says so', async () => {
    h = await startHarness();
    h.openrouter.images.reply({ steps: [] });
    const message = await finalOf(await imagine('x', { model: 'bytedance-seed/seedream-4.5' }));
    expect(message!.content).toMatch(/^⚠️ The model didn’t return an image this time\./);
  });
});
