import { AttachmentBuilder, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction, type GuildMember } from 'discord.js';
import type { BotContext } from '../src/context.js';
import { budgetsFor, describeBudget, NO_SERVER_BUDGETS, type Budget, type BudgetName } from '../src/costs/budgets.js';
import { dayPeriod, type Dimension } from '../src/costs/ledger.js';
import { formatUsd } from '../src/costs/money.js';
import { CHART_HEIGHT, CHART_WIDTH, costChart } from '../src/costs/usage-chart.js';
import { formatUsage, PERIOD_NAMES, summarize } from '../src/costs/usage-report.js';
import { periodDays, USAGE_PERIODS, type UsagePeriod } from '../src/costs/periods.js';
import { placeOf } from '../src/place.js';
import type { SlashCommand } from '../src/slash-command.js';
import { UserError } from '../src/user-error.js';

/** Whose usage: a counter dimension and id, how to name it, and which budgets to show. */
interface Subject {
  dim: Dimension;
  id: string;
  name: string;
  budgets: BudgetName[];
  userId?: string;
  roleIds?: readonly string[];
}

const NEEDS_MANAGE_SERVER = 'Seeing someone else’s usage, or the whole server’s, needs the **Manage Server** permission. `/usage` alone shows yours.';

function subjectOf(interaction: ChatInputCommandInteraction): Subject {
  const scope = interaction.options.getString('scope');
  const user = interaction.options.getUser('user');
  if (scope === 'server' && user) throw new UserError('Pick one: `user:` for a member, or `scope:server` for the whole server.');
  const self = !user || user.id === interaction.user.id;
  if (!interaction.inGuild()) {
    if (!self || scope === 'server') throw new UserError('There’s no server here: in a direct message, `/usage` shows your own usage only.');
    return { dim: 'user', id: interaction.user.id, name: 'you, everywhere', budgets: ['user-daily'], userId: interaction.user.id, roleIds: [] };
  }
  if ((scope === 'server' || !self) && !interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) throw new UserError(NEEDS_MANAGE_SERVER);
  if (scope === 'server') return { dim: 'server', id: interaction.guildId, name: 'this server', budgets: ['server-daily', 'server-monthly'] };
  const userId = user?.id ?? interaction.user.id;
  // Another member's roles come with the option (resolved), one's own with the interaction.
  const member = interaction.options.getMember('user') as GuildMember | { roles: string[] } | null;
  const roleIds = !user ? placeOf(interaction).roleIds : !member ? [] : Array.isArray(member.roles) ? member.roles : [...(member as GuildMember).roles.cache.keys()];
  return { dim: 'member', id: `${interaction.guildId}:${userId}`, name: self ? 'you in this server' : `<@${userId}> in this server`, budgets: ['user-daily', 'member-daily'], userId, roleIds };
}

/** The budgets that apply to the subject today, with how much of each is used. */
async function budgetLines(interaction: ChatInputCommandInteraction, ctx: BotContext, subject: Subject): Promise<string[]> {
  const now = ctx.clock.now();
  const guildId = interaction.guildId;
  const server = guildId ? await ctx.settings.serverBudgets(guildId, subject.roleIds ?? []) : NO_SERVER_BUDGETS;
  const budgets: Budget[] = budgetsFor({ userId: subject.userId ?? '', guildId, channelId: interaction.channelId }, ctx.config.budgets, server, now).filter((b) => subject.budgets.includes(b.name));
  if (budgets.length === 0) return ['-# No budget applies: spending here is unlimited.'];
  const totals = await ctx.ledger.read(budgets.map((b) => b.key));
  return budgets.map((b, i) => describeBudget(b, totals[i]!));
}

/** For server admins: what is left of the OpenRouter key's own limit. */
function keyLine(ctx: BotContext): string[] {
  const limit = ctx.keyWatch.limit;
  if (!limit || limit.limit === null || limit.remaining === null) return [];
  return [`-# The bot’s OpenRouter key: ${formatUsd(Math.max(0, limit.remaining))} of its ${formatUsd(limit.limit)} limit left.`];
}

export const usage: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('usage')
    .setDescription('What you (or a member, or the server) spent: requests, tokens, dollars, budgets, a chart')
    .addUserOption((o) => o.setName('user').setDescription('A member’s usage in this server (Manage Server)'))
    .addStringOption((o) =>
      o
        .setName('scope')
        .setDescription('Yours (default) or the whole server’s (Manage Server)')
        .addChoices({ name: 'me', value: 'me' }, { name: 'server', value: 'server' }),
    )
    .addStringOption((o) =>
      o
        .setName('period')
        .setDescription('Which UTC days (default: the last 7)')
        .addChoices(...USAGE_PERIODS.map((p) => ({ name: p, value: p }))),
    )
    .addBooleanOption((o) => o.setName('public').setDescription('Post it in the channel instead of only to you'))
    .toJSON(),

  async execute(interaction, ctx) {
    const shown = interaction.options.getBoolean('public') ?? false;
    await interaction.deferReply(shown ? {} : { flags: MessageFlags.Ephemeral });
    const subject = subjectOf(interaction);
    const raw = interaction.options.getString('period') ?? '7d';
    if (!(USAGE_PERIODS as readonly string[]).includes(raw)) throw new UserError(`\`period\` must be one of ${USAGE_PERIODS.map((p) => `\`${p}\``).join(', ')}.`);
    const period = raw as UsagePeriod;
    const days = periodDays(period, ctx.clock.now());
    const summary = summarize(days, await ctx.ledger.read(days.map((day) => ({ period: dayPeriod(Date.parse(`${day}T00:00:00Z`)), dim: subject.dim, id: subject.id }))));
    const lines = [...(await budgetLines(interaction, ctx, subject)), ...(subject.dim === 'server' ? keyLine(ctx) : [])];
    const chart = await costChart(summary.perDay, `Cost per UTC day · ${subject.name.replace(/<@\d+>/, 'member')} · ${PERIOD_NAMES[period]}`);
    const content = `${formatUsage(subject.name, period, summary, lines)}\n-# Chart: cost per day, ${CHART_WIDTH} × ${CHART_HEIGHT} px.`;
    ctx.logger.info({ user: interaction.user.id, dim: subject.dim, period, public: shown }, 'usage shown');
    await interaction.editReply({ content, files: [new AttachmentBuilder(chart, { name: 'usage.png' })], allowedMentions: { parse: [] } });
  },
};
