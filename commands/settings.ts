import {
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { BotContext } from '../src/context.js';
import type { ModelInfo } from '../src/openrouter/models.js';
import { placeOf } from '../src/place.js';
import { chatParameters } from '../src/settings/chat-parameters.js';
import {
  formatBudget,
  formatValue,
  isSettingName,
  MAX_BUDGET_USD,
  parseBudget,
  parseSettings,
  ROLE_BUDGET_OPTIONS,
  SETTING_NAMES,
  SETTINGS,
  specOf,
  type AnySettingSpec,
  type Limits,
  type PartialSettings,
  type SettingName,
} from '../src/settings/definitions.js';
import { describeSource, valuesOf, type EffectiveSettings } from '../src/settings/resolve.js';
import type { SettingsScope, SettingsTarget } from '../src/settings/store.js';
import { imageModelChoices, routeImageModel } from '../src/imagine/route.js';
import { modelChoices, type SlashCommand } from '../src/slash-command.js';
import { UserError } from '../src/user-error.js';

const SCOPES = [
  { name: 'this channel (default)', value: 'channel' },
  { name: 'this server', value: 'server' },
] as const;

function addSettingOption(sub: SlashCommandSubcommandBuilder, spec: AnySettingSpec, limits: Limits): void {
  const { option } = spec;
  switch (option.type) {
    case 'string':
      sub.addStringOption((o) => {
        o.setName(spec.name).setDescription(spec.description);
        if (option.choices) o.addChoices(...option.choices.map((c) => ({ name: c, value: c })));
        else o.setMaxLength(option.maxLength).setAutocomplete(option.autocomplete ?? false);
        return o;
      });
      break;
    case 'number':
      sub.addNumberOption((o) => o.setName(spec.name).setDescription(spec.description).setMinValue(option.min).setMaxValue(option.max));
      break;
    case 'integer':
      sub.addIntegerOption((o) => {
        o.setName(spec.name).setDescription(spec.description);
        if (option.min !== undefined) o.setMinValue(option.min);
        if (option.max) o.setMaxValue(option.max(limits));
        return o;
      });
      break;
    case 'boolean':
      sub.addBooleanOption((o) => o.setName(spec.name).setDescription(spec.description));
      break;
  }
}

const scopeOption = (sub: SlashCommandSubcommandBuilder) =>
  sub.addStringOption((o) => o.setName('scope').setDescription('Change this channel (default) or the whole server').addChoices(...SCOPES));

function scopeOf(interaction: ChatInputCommandInteraction): SettingsScope {
  return interaction.options.getString('scope') === 'server' ? 'server' : 'channel';
}

const SERVER_ONLY = new Set<string>([...SETTINGS.filter((s) => s.serverOnly).map((s) => s.name), ROLE_BUDGET_OPTIONS.daily]);

/**
 * The bot checks permissions itself: `default_member_permissions` would hide `show` from everyone
 * else too. Budgets are the server's alone: naming one needs `scope:server`.
 */
function targetFor(interaction: ChatInputCommandInteraction, scope: SettingsScope, names: readonly string[]): SettingsTarget {
  const serverOnly = names.filter((n) => SERVER_ONLY.has(n));
  if (serverOnly.length && scope !== 'server') {
    throw new UserError(`${serverOnly.map((n) => `\`${n}\``).join(', ')} ${serverOnly.length === 1 ? 'is a server setting' : 'are server settings'}: add \`scope:server\` (needs **Manage Server**).`);
  }
  if (scope === 'server') {
    if (!interaction.inGuild()) throw new UserError('There’s no server here. In a direct message, settings apply to this conversation: leave `scope` out.');
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
      throw new UserError('Changing this server’s settings needs the **Manage Server** permission. Anyone can see them with `/settings show`.');
    }
    return { scope, id: interaction.guildId };
  }
  if (interaction.inGuild() && !interaction.memberPermissions.has(PermissionFlagsBits.ManageChannels)) {
    throw new UserError('Changing this channel’s settings needs the **Manage Channels** permission. Anyone can see them with `/settings show`.');
  }
  return { scope, id: interaction.channelId };
}

const where = (target: SettingsTarget) => (target.scope === 'server' ? 'this server' : 'this channel');

/** A model setting must name a model that exists and makes the right output; unknown when the list is unreachable. */
async function checkModel(ctx: BotContext, name: 'model' | 'image_model', id: string): Promise<string | undefined> {
  const unreachable = `I couldn’t check \`${id}\` against OpenRouter’s model list (unreachable right now); requests will try it as is.`;
  if (name === 'image_model') {
    // Chat models that draw and Image API models both qualify; /imagine picks the API by the list.
    const [chatModels, imageModels] = await Promise.all([ctx.catalog.list(), ctx.imageCatalog.list()]);
    return routeImageModel(id, chatModels, imageModels).model ? undefined : unreachable;
  }
  const models = await ctx.catalog.list();
  if (models.length === 0) return unreachable;
  const model = models.find((m) => m.id === id);
  if (!model) throw new UserError(`There is no model \`${id}\` on OpenRouter. Pick one from the \`${name}\` option’s list.`);
  if (!model.output.includes('text')) throw new UserError(`\`${id}\` doesn’t write text; \`model\` needs a chat model.`);
  return undefined;
}

/** The sampling settings the channel's chat model won't take, said where people look at settings. */
function unsupportedLine(settings: EffectiveSettings, model: ModelInfo | undefined): string | undefined {
  if (!model) return undefined;
  const { unsupported } = chatParameters(valuesOf(settings), model.supportedParameters, Number.MAX_SAFE_INTEGER);
  if (!unsupported.length) return undefined;
  return `-# \`${model.id}\` doesn’t take ${unsupported.map((n) => `\`${n}\``).join(', ')}: ${unsupported.length === 1 ? 'it is' : 'they are'} not sent while it is the model here.`;
}

/** The guild's roles with a budget, and the operator's own per-user budget, for `/settings show`. */
async function budgetLines(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<string[]> {
  const lines: string[] = [];
  if (interaction.guildId && interaction.guild) {
    const { roles } = await ctx.settings.serverBudgets(interaction.guildId, [...interaction.guild.roles.cache.keys()]);
    if (roles.size) lines.push(`\`${ROLE_BUDGET_OPTIONS.daily}\`: ${[...roles].map(([id, usd]) => `<@&${id}> ${formatBudget(usd)}`).join(', ')} · this server (replaces \`budget_user_daily\` for members with the role; the largest wins)`);
  }
  const operator = ctx.config.budgets.userDaily;
  if (operator !== undefined) lines.push(`-# The bot also limits each user to ${formatBudget(operator)} a day everywhere (\`BUDGET_USER_DAILY_USD\`); server budgets set here apply as well, the stricter wins.`);
  return lines;
}

async function show(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<string> {
  const settings = await ctx.settings.effective(placeOf(interaction));
  const lines = SETTINGS.map((spec) => {
    const { value, source } = settings[spec.name];
    const shown = value === undefined ? (spec.unset ?? 'not set (the model’s default)') : formatValue(spec.name, value as never);
    return `\`${spec.name}\`: ${shown}${value === undefined ? '' : ` · ${describeSource(source)}`}`;
  });
  const model = await ctx.catalog.get(settings.model.value ?? ctx.config.chatModel);
  return [
    `**Settings here** (this channel, else the server, else the bot’s defaults)`,
    ...lines,
    ...(await budgetLines(interaction, ctx)),
    ...[unsupportedLine(settings, model)].filter(Boolean),
    '-# Change them with `/settings set` (Manage Channels; Manage Server for `scope:server`), undo with `/settings reset`.',
  ].join('\n');
}

async function set(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<string> {
  const raw: Partial<Record<SettingName, string | number | boolean>> = {};
  for (const name of SETTING_NAMES) {
    const value = interaction.options.get(name)?.value;
    if (value !== undefined) raw[name] = value;
  }
  const role = interaction.options.getRole(ROLE_BUDGET_OPTIONS.role);
  const roleDaily = interaction.options.get(ROLE_BUDGET_OPTIONS.daily)?.value;
  if (Object.keys(raw).length === 0 && !role && roleDaily === undefined) throw new UserError('Give at least one setting to change, e.g. `/settings set temperature:0.7`.');
  if (Boolean(role) !== (roleDaily !== undefined)) {
    throw new UserError(`A role budget needs both \`${ROLE_BUDGET_OPTIONS.role}\` (the role) and \`${ROLE_BUDGET_OPTIONS.daily}\` (US$ a day, 0 to ${MAX_BUDGET_USD.toLocaleString('en')}).`);
  }
  const target = targetFor(interaction, scopeOf(interaction), [...Object.keys(raw), ...(role ? [ROLE_BUDGET_OPTIONS.daily] : [])]);
  const values: PartialSettings = parseSettings(raw, { maxAnswerTokens: ctx.config.maxAnswerTokens });
  const roleBudget = role && roleDaily !== undefined ? { roleId: role.id, usd: parseBudget(ROLE_BUDGET_OPTIONS.daily, roleDaily) } : undefined;
  const notes: string[] = [];
  for (const name of ['model', 'image_model'] as const) {
    const id = values[name];
    const note = id === undefined ? undefined : await checkModel(ctx, name, id);
    if (note) notes.push(`-# ${note}`);
  }
  await ctx.settings.set(target, values);
  if (roleBudget) await ctx.settings.setRoleBudget(target.id, roleBudget.roleId, roleBudget.usd);
  const changed = Object.keys(values) as SettingName[];
  ctx.logger.info({ user: interaction.user.id, scope: target.scope, target: target.id, settings: changed, roleBudget: roleBudget?.roleId }, 'settings changed');

  const after = await ctx.settings.effective(placeOf(interaction));
  const overshadowed = changed.filter((name) => target.scope === 'server' && after[name].source.kind !== 'server');
  if (overshadowed.length) notes.push(`-# This channel has its own ${overshadowed.map((n) => `\`${n}\``).join(', ')}, which ${overshadowed.length === 1 ? 'wins' : 'win'} here.`);
  const unsupported = unsupportedLine(after, await ctx.catalog.get(after.model.value ?? ctx.config.chatModel));
  if (unsupported) notes.push(unsupported);
  const list = [
    ...changed.map((name) => `\`${name}\` = ${formatValue(name, values[name] as never)}`),
    ...(roleBudget ? [`\`${ROLE_BUDGET_OPTIONS.daily}\` for <@&${roleBudget.roleId}> = ${formatBudget(roleBudget.usd)}`] : []),
  ].join(', ');
  return [`✅ Set for ${where(target)}: ${list}.`, ...notes].join('\n');
}

async function reset(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<string> {
  const which = interaction.options.getString('setting', true);
  const roleBudgets = which === ROLE_BUDGET_OPTIONS.daily;
  if (which !== 'all' && !roleBudgets && !isSettingName(which)) throw new UserError(`There is no setting \`${which.slice(0, 50)}\`. Pick one from the list.`);
  const scope = scopeOf(interaction);
  const target = targetFor(interaction, scope, which === 'all' ? [] : [which]);
  const names = which === 'all' ? SETTING_NAMES.filter((n) => scope === 'server' || !specOf(n).serverOnly) : roleBudgets ? [] : [which as SettingName];
  const had = (await ctx.settings.reset(target, names)).map((n) => `\`${n}\``);
  if (target.scope === 'server' && (roleBudgets || which === 'all')) {
    const role = interaction.options.getRole(ROLE_BUDGET_OPTIONS.role);
    const roles = await ctx.settings.resetRoleBudgets(target.id, role ? [role.id] : [...(interaction.guild?.roles.cache.keys() ?? [])]);
    had.push(...roles.map((id) => `\`${ROLE_BUDGET_OPTIONS.daily}\` for <@&${id}>`));
  }
  ctx.logger.info({ user: interaction.user.id, scope: target.scope, target: target.id, settings: had }, 'settings reset');
  if (had.length === 0) return `Nothing to reset: ${which === 'all' ? 'no setting was' : `\`${which}\` wasn’t`} set for ${where(target)}.`;
  return `✅ Reset for ${where(target)}: ${had.join(', ')}. ${had.length === 1 ? 'It comes' : 'They come'} from the next level again (see \`/settings show\`).`;
}

/** Built from the bot's limits: `max_tokens` declares MAX_ANSWER_TOKENS as its upper bound. */
export const settingsCommand = (limits: Limits): SlashCommand => ({
  data: new SlashCommandBuilder()
    .setName('settings')
    .setDescription('See or change this channel’s or server’s model, persona and parameters')
    .addSubcommand((s) => s.setName('show').setDescription('The settings in effect here, and where each one comes from'))
    .addSubcommand((s) => {
      s.setName('set').setDescription('Change settings for this channel (Manage Channels) or the server (Manage Server)');
      for (const spec of SETTINGS) addSettingOption(s, spec, limits);
      s.addRoleOption((o) => o.setName(ROLE_BUDGET_OPTIONS.role).setDescription('A role whose members get their own daily budget (with budget_role_daily)'));
      s.addNumberOption((o) => o.setName(ROLE_BUDGET_OPTIONS.daily).setDescription('US$ a member with budget_role may spend here per UTC day (server only)').setMinValue(0).setMaxValue(MAX_BUDGET_USD));
      return scopeOption(s);
    })
    .addSubcommand((s) =>
      scopeOption(
        s
          .setName('reset')
          .setDescription('Go back to the server’s or the bot’s default')
          .addStringOption((o) =>
            o
              .setName('setting')
              .setDescription('Which setting, or all')
              .setRequired(true)
              .addChoices(...[...SETTING_NAMES, ROLE_BUDGET_OPTIONS.daily].map((n) => ({ name: n, value: n })), { name: 'all', value: 'all' }),
          )
          .addRoleOption((o) => o.setName(ROLE_BUDGET_OPTIONS.role).setDescription('With budget_role_daily: only this role’s budget (default: every role’s)')),
      ),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const sub = interaction.options.getSubcommand();
    const content = sub === 'show' ? await show(interaction, ctx) : sub === 'set' ? await set(interaction, ctx) : await reset(interaction, ctx);
    await interaction.editReply({ content, allowedMentions: { parse: [] } });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === 'image_model') {
      const [chatModels, imageModels] = await Promise.all([ctx.catalog.list(), ctx.imageCatalog.list()]);
      return interaction.respond(imageModelChoices(chatModels, imageModels, String(focused.value)));
    }
    await interaction.respond(await modelChoices(ctx, String(focused.value), 'text'));
  },
});
