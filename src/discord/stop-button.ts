import { randomUUID } from 'node:crypto';
import { ButtonStyle, ComponentType, MessageFlags, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import { runTurn, type TurnInput } from '../conversation/conversation.js';
import type { BotContext } from '../slash-command.js';
import { explainRefusal } from '../user-limiter.js';

const PREFIX = 'stop:';
export const STOPPED_BY_USER = 'stopped by user';

/** Answers being streamed, each stoppable by its asker, and all of them at shutdown. */
export class RunningAnswers {
  private readonly entries = new Map<string, { askerId: string; controller: AbortController }>();

  start(askerId: string): { id: string; signal: AbortSignal; done: () => void } {
    const id = randomUUID();
    const controller = new AbortController();
    this.entries.set(id, { askerId, controller });
    return { id, signal: controller.signal, done: () => this.entries.delete(id) };
  }

  stop(id: string, by: { userId: string; canManageMessages: boolean }): 'stopped' | 'not allowed' | 'finished' {
    const entry = this.entries.get(id);
    if (!entry) return 'finished';
    if (entry.askerId !== by.userId && !by.canManageMessages) return 'not allowed';
    entry.controller.abort(STOPPED_BY_USER);
    return 'stopped';
  }

  abortAll(reason: string): void {
    for (const entry of this.entries.values()) entry.controller.abort(reason);
  }

}

export function stopButton(id: string): object[] {
  return [
    {
      type: ComponentType.ActionRow,
      components: [{ type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Stop', emoji: { name: '⏹️' }, custom_id: `${PREFIX}${id}` }],
    },
  ];
}

/**
 * Streams a turn with a Stop button under it, which only the asker (or a moderator) can press,
 * once the asker's rate limit and concurrency cap let it start.
 */
export async function runStoppable(ctx: BotContext, input: Omit<TurnInput, 'signal' | 'controls'>): Promise<void> {
  const admission = ctx.limiter.admit(input.author.id);
  if (!admission.ok) {
    ctx.logger.info({ user: input.author.id, channel: input.channelId, reason: admission.reason }, 'request refused by the user limits');
    await input.surface.post({ content: explainRefusal(admission) });
    return;
  }
  const run = ctx.answers.start(input.author.id);
  try {
    await runTurn(ctx, { ...input, signal: run.signal, controls: stopButton(run.id) });
  } finally {
    run.done();
    admission.release();
  }
}

export function isStopButton(interaction: ButtonInteraction): boolean {
  return interaction.customId.startsWith(PREFIX);
}

export async function pressStop(interaction: ButtonInteraction, ctx: BotContext): Promise<void> {
  const result = ctx.answers.stop(interaction.customId.slice(PREFIX.length), {
    userId: interaction.user.id,
    canManageMessages: interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false,
  });
  if (result === 'stopped') {
    // The answer's own final edit replaces the message; acknowledging is all that's left.
    await interaction.deferUpdate();
    return;
  }
  await interaction.reply({
    content: result === 'not allowed' ? 'Only the person who asked (or someone with Manage Messages) can stop this answer.' : 'This answer has already finished.',
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
}
