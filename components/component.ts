import type { ButtonInteraction } from 'discord.js';
import type { BotContext } from '../src/context.js';

/**
 * One family of buttons. A button's `custom_id` is `<prefix>:<data>`: the data only points to
 * what the action needs (kept in the store), so a press works after a restart and on another
 * process.
 */
export interface ButtonHandler<T> {
  prefix: string;
  /** Turns the data part of a `custom_id` into what `run` needs, or declines it (undefined). */
  parse(data: string): T | undefined;
  run(interaction: ButtonInteraction, data: T, ctx: BotContext): Promise<void>;
}

export function customId(prefix: string, data: string): string {
  return `${prefix}:${data}`;
}

/** Splits a `custom_id` into its prefix and data. */
export function splitCustomId(id: string): { prefix: string; data: string } {
  const colon = id.indexOf(':');
  return colon === -1 ? { prefix: id, data: '' } : { prefix: id.slice(0, colon), data: id.slice(colon + 1) };
}

/** A handler with its data type erased, so handlers of every family sit in one table. */
export interface RegisteredButton {
  prefix: string;
  /** Runs the press, or answers 'declined' when the data doesn't parse. */
  handle(interaction: ButtonInteraction, data: string, ctx: BotContext): Promise<'declined' | undefined>;
}

export function registerButton<T>(handler: ButtonHandler<T>): RegisteredButton {
  return {
    prefix: handler.prefix,
    async handle(interaction, data, ctx) {
      const parsed = handler.parse(data);
      if (parsed === undefined) return 'declined';
      await handler.run(interaction, parsed, ctx);
      return undefined;
    },
  };
}
