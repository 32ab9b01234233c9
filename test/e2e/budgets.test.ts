import { afterEach, describe, expect, it } from 'vitest';
import { userCounter } from '../../src/costs/ledger.js';
import { toNanos, toUsd } from '../../src/costs/money.js';
import type { FakeInteraction, SlashOption } from '../fakes/discord.js';
import { Gate, text } from '../fakes/openrouter.js';
import { askOptions, startHarness, TestClock, type Harness } from '../helpers/harness.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { FOOTER } from '../helpers/replies.js';

const MANAGE_GUILD = String(1n << 5n);
const MANAGE_CHANNELS = String(1n << 4n);
const DAY = 86_400_000;
/** 20:00 UTC today: four hours from a new budget day. */
const EVENING = Math.floor(Date.now() / DAY) * DAY + 20 * 3_600_000;
const MIDNIGHT_S = (EVENING + 4 * 3_600_000) / 1000;
/** Small caps keep each request's worst cost (its reservation) near a cent at the default model's prices. */
const SMALL = { HISTORY_MAX_TOKENS: '1000', MAX_ANSWER_TOKENS: '1000' };

let h: Harness;
afterEach(async () => {
  await h.close();
});

const settled = (i: FakeInteraction) =>
  h.discord.waitFor(() => (new RegExp(`${FOOTER.source}|^💸|^🔒|^⏳`, 'm').test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'an answer or a refusal' });

/** Asks with an answer that costs `cost` dollars; resolves with the reply once finished. */
async function ask(cost: number, opts: { user?: { id: string; username: string } } = {}): Promise<string> {
  h.openrouter.reply({ steps: text('fine'), usage: { cost } });
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('question'), ...(opts.user ? { user: opts.user } : {}) });
  const content = await settled(i);
  await h.bot.idle();
  return content;
}

async function settings(values: SlashOption[], perms = MANAGE_GUILD): Promise<string> {
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'settings', options: [{ name: 'set', type: 1, options: values }], memberPermissions: perms });
  return h.discord.waitFor(() => i.original()?.content || undefined, { what: '/settings reply' });
}

const alice = { id: '123456789012345701', username: 'alice' };
const bob = { id: '123456789012345702', username: 'bob' };

describe('budgets', () => {
  it('refuses a user over the daily budget, saying which budget, how much is used and when it resets; a new day starts afresh', async () => {
    const clock = new TestClock(EVENING);
    h = await startHarness({ env: { ...SMALL, BUDGET_USER_DAILY_USD: '0.02' }, clock });
    expect(await ask(0.015)).toMatch(/\$0\.0150$/m);
    // $0.015 used: under the limit, so the next one may start (and overshoot by its own cost).
    expect(await ask(0.015)).toMatch(FOOTER);
    const refused = await ask(0.015);
    expect(refused).toBe(`💸 You’ve used $0.03 of your $0.02 daily budget. It resets <t:${MIDNIGHT_S}:R>.`);
    expect(h.openrouter.chatRequests()).toHaveLength(2);
    expect(h.logs.lines().find((l) => l.msg === 'request refused by a budget')).toMatchObject({ budget: 'user-daily', usedUsd: 0.03, limitUsd: 0.02, user: h.discord.user.id });

    clock.time = EVENING + 4 * 3_600_000;
    expect(await ask(0.015)).toMatch(FOOTER);
    expect(h.openrouter.chatRequests()).toHaveLength(3);
  });

  it('applies a server budget to everyone in the server; the stricter of the operator’s and the server’s wins', async () => {
    h = await startHarness({ env: { ...SMALL, BUDGET_SERVER_DAILY_USD: '1' }, clock: new TestClock(EVENING) });
    expect(await settings([{ name: 'budget_server_daily', type: 10, value: 0.01 }])).toMatch(/budget_server_daily` is a server setting: add `scope:server`/);
    expect(await settings([{ name: 'budget_server_daily', type: 10, value: 0.01 }, { name: 'scope', type: 3, value: 'server' }])).toMatch(/^✅ Set for this server: `budget_server_daily` = \$0\.01\./);
    expect(await ask(0.015, { user: alice })).toMatch(FOOTER);
    expect(await ask(0.015, { user: bob })).toBe(`💸 This server has used $0.0150 of its $0.01 daily budget. It resets <t:${MIDNIGHT_S}:R>.`);
    expect(h.openrouter.chatRequests()).toHaveLength(1);
  });

  it('refuses on the server’s monthly budget, set only with Manage Server, across days, until the 1st of next month', async () => {
    const now = new Date();
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    /** Noon on the month's last day, and the day before it. */
    const lastDay = nextMonth - DAY / 2;
    const clock = new TestClock(lastDay - DAY);
    h = await startHarness({ env: { ...SMALL }, clock });
    const monthly = [{ name: 'budget_server_monthly', type: 10, value: 0.02 }, { name: 'scope', type: 3, value: 'server' }];
    expect(await settings(monthly, MANAGE_CHANNELS)).toBe('⚠️ Changing this server’s settings needs the **Manage Server** permission. Anyone can see them with `/settings show`.');
    expect(await settings(monthly)).toMatch(/^✅ Set for this server: `budget_server_monthly` = \$0\.02\./);
    expect(await ask(0.015, { user: alice })).toMatch(FOOTER);
    clock.time = lastDay;
    expect(await ask(0.015, { user: bob })).toMatch(FOOTER);
    expect(await ask(0.015, { user: alice })).toBe(`💸 This server has used $0.03 of its $0.02 monthly budget. It resets <t:${nextMonth / 1000}:R>.`);
    expect(h.logs.lines().find((l) => l.msg === 'request refused by a budget')).toMatchObject({ budget: 'server-monthly', usedUsd: 0.03, limitUsd: 0.02 });
    clock.time = nextMonth;
    expect(await ask(0.015, { user: alice })).toMatch(FOOTER);
    expect(h.openrouter.chatRequests()).toHaveLength(3);
  });

  it('gives members of a role their own daily budget in the server, for mentions as for commands', async () => {
    let roleId = '';
    h = await startHarness({
      env: (discord) => {
        discord.addUser(alice);
        roleId = discord.addRole('Supporters', [alice.id]);
        return { ...SMALL };
      },
      clock: new TestClock(EVENING),
    });
    const set = await settings([
      { name: 'budget_user_daily', type: 10, value: 0.01 },
      { name: 'budget_role', type: 8, value: roleId },
      { name: 'budget_role_daily', type: 10, value: 0.05 },
      { name: 'scope', type: 3, value: 'server' },
    ]);
    expect(set).toBe(`✅ Set for this server: \`budget_user_daily\` = $0.01, \`budget_role_daily\` for <@&${roleId}> = $0.05.`);
    const half = await settings([{ name: 'budget_role', type: 8, value: roleId }, { name: 'scope', type: 3, value: 'server' }]);
    expect(half).toMatch(/A role budget needs both `budget_role` \(the role\) and `budget_role_daily`/);

    expect(await ask(0.015, { user: bob })).toMatch(FOOTER);
    expect(await ask(0.015, { user: bob })).toBe(`💸 You’ve used $0.0150 of your $0.01 daily budget in this server. It resets <t:${MIDNIGHT_S}:R>.`);
    for (let i = 0; i < 4; i++) expect(await ask(0.015, { user: alice })).toMatch(FOOTER);
    // A mention goes through the same checks.
    const mention = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'one more?', mentionsBot: true, author: alice });
    const reply = await h.discord.waitFor(() => h.discord.messages(h.discord.defaultChannelId).find((m) => m.message_reference?.message_id === mention.id && m.content.startsWith('💸')), { what: 'the refusal of the mention' });
    expect(reply.content).toBe(`💸 You’ve used $0.06 of your $0.05 daily budget in this server (the <@&${roleId}> budget). It resets <t:${MIDNIGHT_S}:R>.`);
    expect(reply.mention_roles).toEqual([]);
    expect(h.openrouter.chatRequests()).toHaveLength(5);

    const shown = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'settings', options: [{ name: 'show', type: 1 }] });
    const content = await h.discord.waitFor(() => shown.original()?.content || undefined, { what: '/settings show' });
    expect(content).toContain('`budget_user_daily`: $0.01 · this server');
    expect(content).toContain('`budget_server_monthly`: unlimited');
    expect(content).toContain(`\`budget_role_daily\`: <@&${roleId}> $0.05 · this server`);

    // Without its role budget, alice is back on the server's per-user budget.
    const reset = await h.discord.slash({
      channelId: h.discord.defaultChannelId,
      name: 'settings',
      options: [{ name: 'reset', type: 1, options: [{ name: 'setting', type: 3, value: 'budget_role_daily' }, { name: 'scope', type: 3, value: 'server' }] }],
      memberPermissions: MANAGE_GUILD,
    });
    expect(await h.discord.waitFor(() => reset.original()?.content || undefined, { what: '/settings reset' })).toBe(
      `✅ Reset for this server: \`budget_role_daily\` for <@&${roleId}>. It comes from the next level again (see \`/settings show\`).`,
    );
    expect(await ask(0.015, { user: alice })).toMatch(/^💸 You’ve used \$0\.06 of your \$0\.01 daily budget in this server\./);
  });
});

for (const backend of ['SQLite', 'Redis'] as const) {
  const available = backend === 'SQLite' || (await redisAvailable('the budget burst test on Redis'));
  describe.skipIf(!available)(`twenty requests at once at the edge of a budget, on ${backend}`, () => {
    it('overspend by no more than the reservation of the one request that crossed the limit', async () => {
      h = await startHarness({
        env: { ...SMALL, BUDGET_USER_DAILY_USD: '0.1', USER_MAX_CONCURRENT: '20', USER_RATE_LIMIT: '100', ...(backend === 'Redis' ? { DATABASE_URL: REDIS_URL } : {}) },
        ...(backend === 'Redis' ? { storeNamespace: `budget-burst-${process.pid}-${Date.now()}` } : {}),
      });
      expect(await ask(0.09)).toMatch(FOOTER);
      const gate = new Gate();
      h.openrouter.setDefault({ steps: [{ gate }, ...text('burst')], usage: { cost: 0.009 } });
      const burst = await Promise.all(Array.from({ length: 20 }, () => h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('burst') })));
      const refusedCount = () => burst.filter((i) => i.original()?.content.startsWith('💸')).length;
      await h.discord.waitFor(() => h.openrouter.chatRequests().length - 1 + refusedCount() === 20, { what: 'every request admitted or refused' });
      const admitted = h.openrouter.chatRequests().length - 1;
      const user = userCounter({ userId: h.discord.user.id, guildId: null, channelId: '' }, Date.now());
      const [inFlight] = await h.bot.context.ledger.read([user]);
      const reservation = inFlight!.reserved / admitted;
      // Each was admitted while spent + reserved was under the limit: the last one crossed it.
      expect(admitted).toBe(Math.floor((toNanos(0.1) - toNanos(0.09)) / reservation) + 1);
      expect(admitted).toBeLessThan(20);
      gate.open();
      await Promise.all(burst.map(settled));
      await h.bot.idle();
      const [after] = await h.bot.context.ledger.read([user]);
      expect(after).toMatchObject({ requests: 1 + admitted, reserved: 0 });
      expect(after!.cost).toBe(toNanos(0.09) + admitted * toNanos(0.009));
      expect(after!.cost - toNanos(0.1)).toBeLessThanOrEqual(reservation);
      expect(toUsd(reservation)).toBeGreaterThan(0.009);
    });
  });
}

describe('budgets for the Image API', () => {
  it('reserve what an Image API request can cost, so a burst at the edge overspends by one request at most', async () => {
    h = await startHarness({ env: { BUDGET_USER_DAILY_USD: '0.1', USER_MAX_CONCURRENT: '20', USER_RATE_LIMIT: '100' } });
    const imagine = (count: number) =>
      h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a kite' }, { name: 'model', type: 3, value: 'bytedance-seed/seedream-4.5' }, { name: 'count', type: 4, value: count }] });
    const imageSettled = (i: FakeInteraction) => h.discord.waitFor(() => (/^-# bytedance|^💸/m.test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'images or a refusal', timeoutMs: 15_000 });
    // $0.04 an image at Seedream's one endpoint: $0.08 of the $0.10 spent.
    expect(await imageSettled(await imagine(2))).toMatch(/\$0\.0800$/);
    await h.bot.idle();
    const gate = new Gate('images in flight');
    h.openrouter.images.setDefault({ steps: [{ gate }, { image: await solidPng() }] });
    const burst = await Promise.all(Array.from({ length: 5 }, () => imagine(1)));
    const refused = () => burst.filter((i) => i.original()?.content.startsWith('💸')).length;
    await h.discord.waitFor(() => h.openrouter.images.requests().length - 1 + refused() === 5, { what: 'every request admitted or refused' });
    // $0.08 spent + one $0.04 reservation reaches the limit: the other four are refused before anything is sent.
    expect(h.openrouter.images.requests()).toHaveLength(2);
    expect(refused()).toBe(4);
    gate.open();
    await Promise.all(burst.map(imageSettled));
    await h.bot.idle();
    const [after] = await h.bot.context.ledger.read([userCounter({ userId: h.discord.user.id, guildId: null, channelId: '' }, Date.now())]);
    expect(after).toMatchObject({ requests: 2, reserved: 0, cost: toNanos(0.12) });
  });
});

describe('budgets with both model lists unreachable', () => {
  it('an option only the Image API has reserves at the Image API’s endpoint prices, the path the request takes', async () => {
    h = await startHarness({
      env: { BUDGET_USER_DAILY_USD: '1', OPENROUTER_RETRY_MAX_MS: '1' },
      openrouter: (fake) => {
        fake.modelsStatus = 503;
        fake.images.modelsStatus = 503;
      },
    });
    const gate = new Gate('image held');
    h.openrouter.images.reply({ steps: [{ gate }, { image: await solidPng() }] });
    const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a kite' }, { name: 'model', type: 3, value: 'openai/gpt-image-1' }, { name: 'quality', type: 3, value: 'high' }] });
    await h.openrouter.waitFor(() => h.openrouter.images.records()[0]?.response.waitingAt === gate, { what: 'the image request held' });
    const user = userCounter({ userId: h.discord.user.id, guildId: null, channelId: '' }, Date.now());
    const [held] = await h.bot.context.ledger.read([user]);
    expect(held!.reserved).toBeGreaterThan(0);
    gate.open();
    await h.discord.waitFor(() => (/^-# openai\/gpt-image-1/m.test(i.original()?.content ?? '') ? true : undefined), { what: 'the image', timeoutMs: 15_000 });
    await h.bot.idle();
    const [after] = await h.bot.context.ledger.read([user]);
    expect(after).toMatchObject({ requests: 1, reserved: 0 });
  });
});

const solidPng = async () => (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: 'teal' } }).png().toBuffer();

