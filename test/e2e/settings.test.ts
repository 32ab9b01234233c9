import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction, SlashOption } from '../fakes/discord.js';
import { text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { hasFooter } from '../helpers/replies.js';

const MANAGE_CHANNELS = String(1n << 4n);
const MANAGE_GUILD = String(1n << 5n);
const ADMIN = String(1n << 3n);

let h: Harness;
afterEach(async () => {
  await h.close();
});

type Value = string | number | boolean;
const OPTION_TYPES: Record<string, number> = { string: 3, number: 10, boolean: 5 };
const INTEGER_OPTIONS = new Set(['seed', 'max_tokens']);
function options(values: Record<string, Value>): SlashOption[] {
  return Object.entries(values).map(([name, value]) => ({ name, value, type: INTEGER_OPTIONS.has(name) ? 4 : OPTION_TYPES[typeof value]! }));
}

/** Runs `/settings <sub>` and resolves with its private reply. */
async function settings(sub: 'show' | 'set' | 'reset', values: Record<string, Value> = {}, opts: { channelId?: string; perms?: string } = {}): Promise<{ content: string; interaction: FakeInteraction }> {
  const interaction = await h.discord.slash({
    channelId: opts.channelId ?? h.discord.defaultChannelId,
    name: 'settings',
    options: [{ name: sub, type: 1, options: options(values) }],
    ...(opts.perms ? { memberPermissions: opts.perms } : {}),
  });
  const content = await h.discord.waitFor(() => {
    const c = interaction.original()?.content;
    return c ? c : undefined;
  }, { what: `/settings ${sub} reply` });
  expect(interaction.original()!.flags & 64).toBe(64);
  return { content, interaction };
}

/** Asks in a channel and resolves with the request body and the final reply. */
async function ask(prompt: string, opts: { channelId?: string; extra?: SlashOption[]; answer?: string } = {}) {
  h.openrouter.reply({ steps: text(opts.answer ?? `answer to ${prompt}`) });
  const before = h.openrouter.chatRequests().length;
  const interaction = await h.discord.slash({ channelId: opts.channelId ?? h.discord.defaultChannelId, name: 'ask', options: [...askOptions(prompt), ...(opts.extra ?? [])] });
  const content = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original()!.content : undefined), { what: `answer to ${prompt}` });
  await h.bot.idle();
  expect(h.openrouter.chatRequests()).toHaveLength(before + 1);
  return { body: h.openrouter.chatRequests().at(-1), content };
}

const SAMPLING = ['temperature', 'top_p', 'frequency_penalty', 'presence_penalty', 'seed', 'stop', 'reasoning'];
const sampling = (body: Record<string, unknown>) => Object.fromEntries(SAMPLING.filter((k) => k in body).map((k) => [k, body[k]]));
/** A model that draws gets a seed whatever is set (its images can be made again): a new one when none is. */
const OWN_SEED = { seed: expect.any(Number) };

describe('/settings', () => {
  it('sends every setting to OpenRouter under its own field name, the system prompt filled in per request', async () => {
    h = await startHarness();
    const { content } = await settings(
      'set',
      {
        model: 'openai/gpt-5-image',
        system_prompt: 'You help {user} in {channel} of {server}. Today is {date}.',
        temperature: 0.7,
        top_p: 0.9,
        frequency_penalty: 0.5,
        presence_penalty: -0.5,
        seed: 42,
        stop: 'END | STOP',
        max_tokens: 321,
        reasoning: 'high',
      },
      { perms: MANAGE_CHANNELS },
    );
    expect(content).toMatch(/^✅ Set for this channel: `model` = `openai\/gpt-5-image`, `system_prompt` = “You help/);
    const { body } = await ask('hello');
    expect(body.model).toBe('openai/gpt-5-image');
    expect(sampling(body)).toEqual({ temperature: 0.7, top_p: 0.9, frequency_penalty: 0.5, presence_penalty: -0.5, seed: 42, stop: ['END', 'STOP'], reasoning: { effort: 'high' } });
    expect(body.max_completion_tokens).toBe(321);
    const today = new Date().toISOString().slice(0, 10);
    expect(body.messages[0]).toEqual({ role: 'system', content: `You help tester in #general of Fake Guild. Today is ${today}.` });
  });

  it('takes the channel over the server over the environment; a thread uses its own, else its parent’s', async () => {
    h = await startHarness({ env: { CHAT_MODEL: 'openai/gpt-5-image-mini' } });
    const thread = h.discord.createChannel({ name: 'a thread', type: 11, parentId: h.discord.defaultChannelId });
    await settings('set', { temperature: 0.3, stop: 'SERVER', scope: 'server' }, { perms: MANAGE_GUILD });
    await settings('set', { temperature: 0.1 }, { perms: MANAGE_CHANNELS });

    expect(sampling((await ask('in the channel')).body)).toEqual({ temperature: 0.1, stop: ['SERVER'], ...OWN_SEED });
    expect(sampling((await ask('in the thread', { channelId: thread })).body)).toEqual({ temperature: 0.1, stop: ['SERVER'], ...OWN_SEED });

    await settings('set', { temperature: 1.2 }, { channelId: thread, perms: MANAGE_CHANNELS });
    expect(sampling((await ask('thread again', { channelId: thread })).body)).toEqual({ temperature: 1.2, stop: ['SERVER'], ...OWN_SEED });
    expect(sampling((await ask('channel again')).body)).toEqual({ temperature: 0.1, stop: ['SERVER'], ...OWN_SEED });

    const shown = (await settings('show', {}, { channelId: thread })).content;
    expect(shown).toContain('`temperature`: 1.2 · this channel');
    expect(shown).toContain('`stop`: `SERVER` · this server');
    expect(shown).toContain('`model`: `openai/gpt-5-image-mini` · bot default (`CHAT_MODEL`)');
    expect(shown).toContain('`top_p`: not set (the model’s default)');
    await settings('reset', { setting: 'temperature' }, { channelId: thread, perms: MANAGE_CHANNELS });
    expect((await settings('show', {}, { channelId: thread })).content).toContain('`temperature`: 0.1 · the parent channel');

    expect((await settings('reset', { setting: 'temperature' }, { perms: MANAGE_CHANNELS })).content).toMatch(/^✅ Reset for this channel: `temperature`/);
    expect(sampling((await ask('after the channel reset')).body)).toEqual({ temperature: 0.3, stop: ['SERVER'], ...OWN_SEED });
    expect((await settings('reset', { setting: 'all', scope: 'server' }, { perms: MANAGE_GUILD })).content).toMatch(/`stop`, `temperature`|`temperature`, `stop`/);
    expect(sampling((await ask('after the server reset')).body)).toEqual(OWN_SEED);
    expect((await settings('reset', { setting: 'all', scope: 'server' }, { perms: MANAGE_GUILD })).content).toMatch(/^Nothing to reset/);
  });

  it('refuses people without the permission privately, names the permission, and changes nothing', async () => {
    h = await startHarness();
    const asMember = await settings('set', { temperature: 1.9 });
    expect(asMember.content).toMatch(/needs the \*\*Manage Channels\*\* permission/);
    const serverWithChannelPerms = await settings('set', { temperature: 1.9, scope: 'server' }, { perms: MANAGE_CHANNELS });
    expect(serverWithChannelPerms.content).toMatch(/needs the \*\*Manage Server\*\* permission/);
    expect((await settings('reset', { setting: 'all' })).content).toMatch(/Manage Channels/);
    // An administrator has every permission.
    expect((await settings('set', { seed: 5, scope: 'server' }, { perms: ADMIN })).content).toMatch(/^✅ Set for this server/);
    expect(sampling((await ask('hi')).body)).toEqual({ seed: 5 });
    expect(h.logs.lines().filter((l) => l.msg === 'command refused')).toHaveLength(3);
    // Anyone may look.
    expect((await settings('show')).content).toContain('`temperature`: not set');
  });

  it('refuses bad values with the allowed range or limit, stores none of a refused set, and keeps answering', async () => {
    h = await startHarness();
    const refused = async (values: Record<string, Value>) => (await settings('set', { seed: 1, ...values }, { perms: MANAGE_CHANNELS })).content;
    expect(await refused({ temperature: 2.5 })).toBe('⚠️ `temperature` must be a number from 0 to 2; you gave `2.5`.');
    expect(await refused({ top_p: 1.5 })).toMatch(/`top_p` must be a number from 0 to 1/);
    expect(await refused({ presence_penalty: -3 })).toMatch(/from -2 to 2/);
    expect(await refused({ max_tokens: 5000 })).toMatch(/`max_tokens` must be a number from 1 to 4000/);
    expect(await refused({ stop: 'a|b|c|d|e' })).toMatch(/up to 4 sequences separated by `\|`; you gave 5/);
    expect(await refused({ system_prompt: 'x'.repeat(4001) })).toMatch(/4,001 characters; the limit is 4,000/);
    expect(await refused({ model: 'nope/not-a-model' })).toMatch(/There is no model `nope\/not-a-model` on OpenRouter/);
    expect(await refused({ image_model: 'openai/gpt-5' })).toMatch(/can’t make images/);
    expect((await settings('set', {}, { perms: MANAGE_CHANNELS })).content).toMatch(/at least one setting/);
    // `seed` came with every refused set: none of it was stored.
    expect((await settings('show')).content).toContain('`seed`: not set');
    expect(sampling((await ask('still here?')).body)).toEqual(OWN_SEED);
    expect(h.logs.lines().filter((l) => l.msg === 'command refused')).toHaveLength(9);
  });

  it('leaves out a parameter the model does not take and says so in the footer and in /settings show', async () => {
    h = await startHarness();
    const set = await settings('set', { model: 'openai/gpt-5', temperature: 0.5, seed: 9 }, { perms: MANAGE_CHANNELS });
    expect(set.content).toMatch(/`openai\/gpt-5` doesn’t take `temperature`: it is not sent/);
    const { body, content } = await ask('what is 2+2');
    expect(body.model).toBe('openai/gpt-5');
    expect(sampling(body)).toEqual({ seed: 9 });
    expect(content).toMatch(/\n-# temperature not supported by this model$/);
    expect((await settings('show')).content).toContain('doesn’t take `temperature`');
  });

  it('sends what is set, unchecked, when the model list is unreachable', async () => {
    h = await startHarness({ env: { OPENROUTER_RETRY_MAX_MS: '1' }, openrouter: (fake) => (fake.modelsStatus = 503) });
    const set = await settings('set', { model: 'openai/gpt-5', temperature: 0.5 }, { perms: MANAGE_CHANNELS });
    expect(set.content).toMatch(/couldn’t check `openai\/gpt-5`/);
    const { body, content } = await ask('hi');
    expect(sampling(body)).toEqual({ temperature: 0.5 });
    expect(content).not.toMatch(/not supported/);
  });

  it('overrides reasoning and temperature for one /ask only', async () => {
    h = await startHarness();
    await settings('set', { temperature: 0.2 }, { perms: MANAGE_CHANNELS });
    const once = await ask('think hard', { extra: [{ name: 'reasoning', type: 3, value: 'xhigh' }, { name: 'temperature', type: 10, value: 1.1 }] });
    expect(sampling(once.body)).toEqual({ temperature: 1.1, reasoning: { effort: 'xhigh' }, ...OWN_SEED });
    const off = await ask('quick', { extra: [{ name: 'reasoning', type: 3, value: 'off' }] });
    expect(sampling(off.body)).toEqual({ temperature: 0.2, reasoning: { effort: 'none' }, ...OWN_SEED });
    expect(sampling((await ask('normal')).body)).toEqual({ temperature: 0.2, ...OWN_SEED });
    // The bot checks the override itself, whatever Discord's client let through.
    const bad = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: [...askOptions('x'), { name: 'temperature', type: 10, value: 7 }] });
    expect(await h.discord.waitFor(() => bad.original()?.content || undefined, { what: 'refusal' })).toMatch(/^⚠️ `temperature` must be a number from 0 to 2/);
  });

  it('declares the option ranges to Discord and registers /settings with its subcommands', async () => {
    h = await startHarness();
    const command = h.discord.commands(h.discord.guildId).find((c) => c.name === 'settings') as unknown as { options: { name: string; options?: Record<string, unknown>[] }[] };
    expect(command.options.map((o) => o.name)).toEqual(['show', 'set', 'reset']);
    const set = command.options[1]!.options!;
    const option = (name: string) => set.find((o) => o.name === name)!;
    expect(option('temperature')).toMatchObject({ type: 10, min_value: 0, max_value: 2 });
    expect(option('top_p')).toMatchObject({ min_value: 0, max_value: 1 });
    expect(option('presence_penalty')).toMatchObject({ min_value: -2, max_value: 2 });
    expect(option('system_prompt')).toMatchObject({ type: 3, max_length: 4000 });
    expect(option('max_tokens')).toMatchObject({ type: 4, min_value: 1 });
    expect(option('model')).toMatchObject({ autocomplete: true });
    expect(set.map((o) => o.name)).toEqual(['model', 'image_model', 'system_prompt', 'temperature', 'top_p', 'frequency_penalty', 'presence_penalty', 'seed', 'stop', 'max_tokens', 'reasoning', 'show_reasoning', 'threads', 'budget_user_daily', 'budget_server_daily', 'budget_server_monthly', 'budget_role', 'budget_role_daily', 'scope']);
    expect(option('budget_server_monthly')).toMatchObject({ type: 10, min_value: 0 });
    expect(option('budget_role')).toMatchObject({ type: 8 });
    const choices = await h.discord.autocomplete({ channelId: h.discord.defaultChannelId, name: 'settings', options: [{ name: 'set', type: 1, options: [{ name: 'image_model', type: 3, value: 'gpt', focused: true }] }] });
    // Both kinds of image model, each marked with the API it goes through.
    expect(choices.choices.map((c) => c.value)).toEqual(['openai/gpt-5-image', 'openai/gpt-5-image-mini', 'openai/gpt-5.4-image-2', 'openai/gpt-image-1']);
    expect(choices.choices.map((c) => c.name.split(' · ')[1])).toEqual(['chat', 'chat', 'chat', 'image API']);
  });
});

for (const backend of ['SQLite', 'Redis'] as const) {
  const available = backend === 'SQLite' || (await redisAvailable('the settings-restart test on Redis'));
  describe.skipIf(!available)(`/settings on ${backend}`, () => {
    it('survives a restart', async () => {
      h = await startHarness(backend === 'Redis' ? { env: { DATABASE_URL: REDIS_URL }, storeNamespace: `settings-${process.pid}-${Date.now()}` } : {});
      await settings('set', { temperature: 0.4, system_prompt: 'Speak like a pirate.' }, { perms: MANAGE_CHANNELS });
      await settings('set', { seed: 77, scope: 'server' }, { perms: MANAGE_GUILD });
      await h.restart();
      const { body } = await ask('ahoy');
      expect(sampling(body)).toEqual({ temperature: 0.4, seed: 77 });
      expect(body.messages[0].content).toBe('Speak like a pirate.');
      await settings('reset', { setting: 'all' }, { perms: MANAGE_CHANNELS });
      await settings('reset', { setting: 'all', scope: 'server' }, { perms: MANAGE_GUILD });
    });
  });
}
