import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction, SlashOption } from '../fakes/discord.js';
import { replies, text } from '../fakes/openrouter.js';
import { askOptions, startHarness, TestClock, type Harness } from '../helpers/harness.js';
import { FOOTER } from '../helpers/replies.js';

const MANAGE_GUILD = String(1n << 5n);
const DAY = 86_400_000;
const NOON = Math.floor(Date.now() / DAY) * DAY + 12 * 3_600_000;

let h: Harness;
afterEach(async () => {
  await h.close();
});

const other = { id: '123456789012345801', username: 'other' };

async function ask(cost: number, opts: { model?: string; user?: { id: string; username: string } } = {}): Promise<string> {
  h.openrouter.reply({ steps: text('an answer'), usage: { cost } });
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q', opts.model ? { model: opts.model } : {}), ...(opts.user ? { user: opts.user } : {}) });
  const content = await h.discord.waitFor(() => (FOOTER.test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'an answer' });
  await h.bot.idle();
  return content;
}

async function usage(options: SlashOption[] = [], perms?: string): Promise<{ content: string; interaction: FakeInteraction }> {
  const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'usage', options, ...(perms ? { memberPermissions: perms } : {}) });
  const content = await h.discord.waitFor(() => interaction.original()?.content || undefined, { what: '/usage reply' });
  return { content, interaction };
}

/** The footer's cost, as the user sees it. */
const footerCost = (reply: string) => Number(/^-# .* · \$([\d.]+)$/m.exec(reply)![1]);

describe('/usage', () => {
  it('totals equal the sum of the footers’ costs; top models, the budget left, and a chart that decodes as an 800 × 400 PNG, privately', async () => {
    h = await startHarness({ env: { BUDGET_USER_DAILY_USD: '1' } });
    const footers = [await ask(0.00123), await ask(0.0042, { model: 'openai/gpt-5' }), await ask(0.0155), await ask(0.0001)];
    const sum = footers.map(footerCost).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(0.02103, 10);
    await ask(0.5, { user: other });

    const { content, interaction } = await usage();
    const lines = content.split('\n');
    expect(lines[0]).toBe('**Usage · you in this server · the last 7 days** (UTC days)');
    expect(lines[1]).toMatch(/^4 requests · [\d,]+ tokens · \$0\.0210$/);
    expect(Number(/\$([\d.]+)$/.exec(lines[1]!)![1])).toBeCloseTo(Number(sum.toFixed(4)), 10);
    expect(lines[2]).toBe('Top models: `openai/gpt-5-image-mini` $0.0168 (3 requests) · `openai/gpt-5` $0.00420 (1 request)');
    expect(lines[3]).toMatch(/^Your daily budget \(everywhere\): \$0\.0210 of \$1\.00 used, \$0\.9790 left · resets <t:\d+:R>$/);
    expect(interaction.original()!.flags & 64).toBe(64);

    const [file] = interaction.original()!.attachments;
    expect(file!.filename).toBe('usage.png');
    const meta = await sharp(h.discord.attachmentData(file!.id)!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 800, 400]);
    expect(content).toContain('800 × 400 px');
  });

  it('counts each request of an /imagine on a chat model, with its tokens, and totals what its footer says', async () => {
    h = await startHarness();
    h.openrouter.setDefault({ ...replies.image(), usage: { cost: 0.0213, prompt_tokens: 100, completion_tokens: 1290 } });
    const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'three cats' }, { name: 'count', type: 4, value: 3 }] });
    const footer = await h.discord.waitFor(() => (FOOTER.test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'the images' });
    await h.bot.idle();
    expect(footerCost(footer)).toBeCloseTo(0.0639, 10);
    const { content } = await usage([{ name: 'period', type: 3, value: 'today' }]);
    expect(content.split('\n')[1]).toBe('3 requests · 4,170 tokens · $0.0639');
  });

  it('counts UTC days on the bot’s clock: today, the last 7 days', async () => {
    const clock = new TestClock(NOON - DAY);
    h = await startHarness({ clock });
    await ask(0.01);
    clock.time = NOON;
    await ask(0.02);
    expect((await usage([{ name: 'period', type: 3, value: 'today' }])).content.split('\n')[1]).toMatch(/^1 request · .* · \$0\.0200$/);
    expect((await usage([{ name: 'period', type: 3, value: '7d' }])).content.split('\n')[1]).toMatch(/^2 requests · .* · \$0\.0300$/);
    expect((await usage([{ name: 'period', type: 3, value: '30d' }])).content).toMatch(/the last 30 days/);
  });

  it('shows a member’s or the whole server’s usage to Manage Server only, and posts in the channel with public:true', async () => {
    h = await startHarness({ env: { BUDGET_SERVER_DAILY_USD: '5' } });
    await ask(0.01);
    await ask(0.03, { user: other });

    const refused = await usage([{ name: 'user', type: 6, value: other.id }]);
    expect(refused.content).toBe('⚠️ Seeing someone else’s usage, or the whole server’s, needs the **Manage Server** permission. `/usage` alone shows yours.');
    expect((await usage([{ name: 'scope', type: 3, value: 'server' }])).content).toMatch(/needs the \*\*Manage Server\*\* permission/);
    expect(h.logs.lines().filter((l) => l.msg === 'command refused' && l.command === 'usage')).toHaveLength(2);

    const member = await usage([{ name: 'user', type: 6, value: other.id }], MANAGE_GUILD);
    expect(member.content.split('\n').slice(0, 2)).toEqual([`**Usage · <@${other.id}> in this server · the last 7 days** (UTC days)`, expect.stringMatching(/^1 request · .* · \$0\.0300$/)]);
    expect(member.interaction.original()!.mentions).toEqual([]);

    const server = await usage([{ name: 'scope', type: 3, value: 'server' }, { name: 'public', type: 5, value: true }], MANAGE_GUILD);
    expect(server.content.split('\n').slice(0, 2)).toEqual(['**Usage · this server · the last 7 days** (UTC days)', expect.stringMatching(/^2 requests · .* · \$0\.0400$/)]);
    expect(server.content).toMatch(/^The server’s daily budget: \$0\.04 of \$5\.00 used, \$4\.96 left · resets <t:\d+:R>$/m);
    expect(server.interaction.original()!.flags & 64).toBe(0);

    const both = await usage([{ name: 'scope', type: 3, value: 'server' }, { name: 'user', type: 6, value: other.id }], MANAGE_GUILD);
    expect(both.content).toBe('⚠️ Pick one: `user:` for a member, or `scope:server` for the whole server.');
  });

  it('refuses a period it doesn’t know (from a client that skipped the choices), and stays up', async () => {
    h = await startHarness();
    expect((await usage([{ name: 'period', type: 3, value: 'forever' }])).content).toBe('⚠️ `period` must be one of `today`, `7d`, `30d`, `month`.');
    expect(h.logs.lines().find((l) => l.msg === 'command refused' && l.command === 'usage')).toBeDefined();
    expect((await usage()).content).toMatch(/^\*\*Usage · you in this server/);
  });
});
