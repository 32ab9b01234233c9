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

/** A chat-completions model that draws but writes no text (as OpenRouter lists FLUX). */
const withImageOnlyModel = { openrouter: (fake: Harness['openrouter']) => void fake.models.push({ id: 'black-forest-labs/flux.2-flex', name: 'FLUX.2 Flex', input_modalities: ['text', 'image'], output_modalities: ['image'] }) };

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

    // A mention in the channel goes out with the same settings.
    h.openrouter.reply({ steps: text('hi again') });
    const mention = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'and by mention?', mentionsBot: true });
    await h.discord.waitFor(() => h.discord.messages(mention.channel_id).find((m) => m.message_reference?.message_id === mention.id && hasFooter(m.content)), { what: 'the mention answered' });
    const byMention = h.openrouter.chatRequests().at(-1);
    expect([byMention.model, sampling(byMention), byMention.max_completion_tokens, byMention.messages[0]]).toEqual([body.model, sampling(body), 321, body.messages[0]]);
  });

  it('takes the channel over the server over the environment; a thread uses its own, else its parent’s', async () => {
    h = await startHarness({ env: { CHAT_MODEL: 'openai/gpt-5-image-mini' } });
    const thread = h.discord.createChannel({ name: 'a thread', type: 11, parentId: h.discord.defaultChannelId });
    await settings('set', { temperature: 0.3, stop: 'SERVER', model: 'openai/gpt-5-image', scope: 'server' }, { perms: MANAGE_GUILD });
    await settings('set', { temperature: 0.1 }, { perms: MANAGE_CHANNELS });

    const inChannel = (await ask('in the channel')).body;
    expect(sampling(inChannel)).toEqual({ temperature: 0.1, stop: ['SERVER'], ...OWN_SEED });
    // The server's model over CHAT_MODEL.
    expect(inChannel.model).toBe('openai/gpt-5-image');
    expect(sampling((await ask('in the thread', { channelId: thread })).body)).toEqual({ temperature: 0.1, stop: ['SERVER'], ...OWN_SEED });

    await settings('set', { temperature: 1.2 }, { channelId: thread, perms: MANAGE_CHANNELS });
    expect(sampling((await ask('thread again', { channelId: thread })).body)).toEqual({ temperature: 1.2, stop: ['SERVER'], ...OWN_SEED });
    expect(sampling((await ask('channel again')).body)).toEqual({ temperature: 0.1, stop: ['SERVER'], ...OWN_SEED });

    const shown = (await settings('show', {}, { channelId: thread })).content;
    expect(shown).toContain('`temperature`: 1.2 · this channel');
    expect(shown).toContain('`stop`: `SERVER` · this server');
    expect(shown).toContain('`model`: `openai/gpt-5-image` · this server');
    expect(shown).toContain('`top_p`: not set (the model’s default)');
    await settings('reset', { setting: 'temperature' }, { channelId: thread, perms: MANAGE_CHANNELS });
    expect((await settings('show', {}, { channelId: thread })).content).toContain('`temperature`: 0.1 · the parent channel');

    expect((await settings('reset', { setting: 'temperature' }, { perms: MANAGE_CHANNELS })).content).toMatch(/^✅ Reset for this channel: `temperature`/);
    expect(sampling((await ask('after the channel reset')).body)).toEqual({ temperature: 0.3, stop: ['SERVER'], ...OWN_SEED });
    expect((await settings('reset', { setting: 'all', scope: 'server' }, { perms: MANAGE_GUILD })).content).toMatch(/^✅ Reset for this server: `model`, `temperature`, `stop`\./);
    const afterReset = (await ask('after the server reset')).body;
    expect([afterReset.model, sampling(afterReset)]).toEqual(['openai/gpt-5-image-mini', OWN_SEED]);
    expect((await settings('reset', { setting: 'all', scope: 'server' }, { perms: MANAGE_GUILD })).content).toMatch(/^Nothing to reset/);
  });

  it('refuses people without the permission privately, names the permission, and changes nothing', async () => {
    h = await startHarness();
    const asMember = await settings('set', { temperature: 1.9 });
    expect(asMember.content).toMatch(/needs the \*\*Manage Channels\*\* permission/);
    const serverWithChannelPerms = await settings('set', { temperature: 1.9, scope: 'server' }, { perms: MANAGE_CHANNELS });
    expect(serverWithChannelPerms.content).toMatch(/needs the \*\*Manage Server\*\* permission/);
    // An administrator has every permission.
    expect((await settings('set', { seed: 5, scope: 'server' }, { perms: ADMIN })).content).toMatch(/^✅ Set for this server/);
    expect((await settings('set', { top_p: 0.5 }, { perms: ADMIN })).content).toMatch(/^✅ Set for this channel/);
    expect((await settings('reset', { setting: 'all' })).content).toMatch(/Manage Channels/);
    expect((await settings('reset', { setting: 'seed', scope: 'server' }, { perms: MANAGE_CHANNELS })).content).toMatch(/Manage Server/);
    expect(sampling((await ask('hi')).body)).toEqual({ seed: 5, top_p: 0.5 });
    expect(h.logs.lines().filter((l) => l.msg === 'command refused')).toHaveLength(4);
    // Anyone may look.
    expect((await settings('show')).content).toContain('`temperature`: not set');
  });

  it('refuses bad values with the allowed range or limit, stores none of a refused set, and keeps answering', async () => {
    h = await startHarness(withImageOnlyModel);
    const refused = async (values: Record<string, Value>) => (await settings('set', { seed: 1, ...values }, { perms: MANAGE_CHANNELS })).content;
    expect(await refused({ temperature: 2.5 })).toBe('⚠️ `temperature` must be a number from 0 to 2; you gave `2.5`.');
    expect(await refused({ top_p: 1.5 })).toMatch(/`top_p` must be a number from 0 to 1/);
    expect(await refused({ presence_penalty: -3 })).toMatch(/from -2 to 2/);
    expect(await refused({ max_tokens: 5000 })).toMatch(/`max_tokens` must be a number from 1 to 4000/);
    expect(await refused({ stop: 'a|b|c|d|e' })).toMatch(/up to 4 sequences separated by `\|`; you gave 5/);
    expect(await refused({ system_prompt: 'x'.repeat(4001) })).toMatch(/4,001 characters; the limit is 4,000/);
    expect(await refused({ model: 'nope/not-a-model' })).toMatch(/There is no model `nope\/not-a-model` on OpenRouter/);
    expect(await refused({ image_model: 'openai/gpt-5' })).toMatch(/can’t make images/);
    expect(await refused({ model: 'black-forest-labs/flux.2-flex' })).toBe('⚠️ `black-forest-labs/flux.2-flex` doesn’t write text; `model` needs a chat model.');
    expect((await settings('set', {}, { perms: MANAGE_CHANNELS })).content).toMatch(/at least one setting/);
    // `seed` came with every refused set: none of it was stored.
    expect((await settings('show')).content).toContain('`seed`: not set');
    expect(sampling((await ask('still here?')).body)).toEqual(OWN_SEED);
    expect(h.logs.lines().filter((l) => l.msg === 'command refused')).toHaveLength(10);
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
    // The bot checks the overrides itself, whatever Discord's client let through: privately, before anything is shown or sent.
    const sent = h.openrouter.chatRequests().length;
    for (const [option, refusal] of [[{ name: 'temperature', type: 10, value: 7 }, /^⚠️ `temperature` must be a number from 0 to 2/], [{ name: 'model', type: 3, value: 'not a model' }, /^⚠️ `model` must be an OpenRouter model id/]] as const) {
      const bad = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: [...askOptions('x'), option] });
      expect(await h.discord.waitFor(() => bad.original()?.content || undefined, { what: 'refusal' })).toMatch(refusal);
      expect(bad.acceptedCallback()).toMatchObject({ type: 4, data: { flags: 64 } });
      expect(bad.original()!.flags & 64).toBe(64);
    }
    await h.bot.idle();
    expect(h.openrouter.chatRequests()).toHaveLength(sent);
    expect(h.logs.lines().filter((l) => l.msg === 'command refused')).toHaveLength(2);
  });

  it('declares the option ranges to Discord and registers /settings with its subcommands', async () => {
    h = await startHarness({ env: { MAX_ANSWER_TOKENS: '1234' }, ...withImageOnlyModel });
    type Options = ({ name: string; options?: Record<string, unknown>[] } & Record<string, unknown>)[];
    const registered = (name: string) => (h.discord.commands(h.discord.guildId).find((c) => c.name === name) as unknown as { options: Options }).options;
    const subcommands = registered('settings');
    expect(subcommands.map((o) => o.name)).toEqual(['show', 'set', 'reset']);
    const set = subcommands[1]!.options!;
    const option = (name: string) => set.find((o) => o.name === name)!;
    const range = (o: Record<string, unknown>) => [o.type, o.min_value, o.max_value];
    const numeric = Object.fromEntries(set.filter((o) => o.type === 4 || o.type === 10).map((o) => [o.name, range(o)]));
    expect(numeric).toEqual({
      temperature: [10, 0, 2],
      top_p: [10, 0, 1],
      frequency_penalty: [10, -2, 2],
      presence_penalty: [10, -2, 2],
      seed: [4, undefined, undefined],
      // The bot's own MAX_ANSWER_TOKENS, so Discord's client refuses more before it is sent.
      max_tokens: [4, 1, 1234],
      budget_user_daily: [10, 0, 1_000_000],
      budget_server_daily: [10, 0, 1_000_000],
      budget_server_monthly: [10, 0, 1_000_000],
      budget_role_daily: [10, 0, 1_000_000],
    });
    expect(option('system_prompt')).toMatchObject({ type: 3, max_length: 4000 });
    expect(option('model')).toMatchObject({ autocomplete: true });
    const ask = registered('ask');
    expect(ask.map((o) => o.name)).toEqual(['prompt', 'attachment', 'model', 'reasoning', 'temperature', 'thread']);
    expect(range(ask.find((o) => o.name === 'temperature')!)).toEqual([10, 0, 2]);
    expect((ask.find((o) => o.name === 'reasoning')!.choices as { value: string }[]).map((c) => c.value)).toEqual(['off', 'minimal', 'low', 'medium', 'high', 'xhigh']);
    expect(set.map((o) => o.name)).toEqual(['model', 'image_model', 'system_prompt', 'temperature', 'top_p', 'frequency_penalty', 'presence_penalty', 'seed', 'stop', 'max_tokens', 'reasoning', 'show_reasoning', 'threads', 'budget_user_daily', 'budget_server_daily', 'budget_server_monthly', 'budget_role', 'budget_role_daily', 'scope']);
    expect(option('budget_role')).toMatchObject({ type: 8 });
    const choices = await h.discord.autocomplete({ channelId: h.discord.defaultChannelId, name: 'settings', options: [{ name: 'set', type: 1, options: [{ name: 'image_model', type: 3, value: 'gpt', focused: true }] }] });
    // Both kinds of image model, each marked with the API it goes through.
    expect(choices.choices.map((c) => c.value)).toEqual(['openai/gpt-5-image', 'openai/gpt-5-image-mini', 'openai/gpt-5.4-image-2', 'openai/gpt-image-1']);
    expect(choices.choices.map((c) => c.name.split(' · ')[1])).toEqual(['chat', 'chat', 'chat', 'image API']);
    // `model` offers the models that write text: not the one that only draws.
    const models = await h.discord.autocomplete({ channelId: h.discord.defaultChannelId, name: 'settings', options: [{ name: 'set', type: 1, options: [{ name: 'model', type: 3, value: '', focused: true }] }] });
    expect(models.choices.map((c) => c.value).sort()).toEqual(['google/gemini-3-pro-image-preview', 'openai/gpt-5', 'openai/gpt-5-image', 'openai/gpt-5-image-mini', 'openai/gpt-5.4-image-2']);
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
