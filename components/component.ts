import type { ButtonInteraction, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../src/context.js';

/**
 * One family of buttons or modals. A `custom_id` is `<prefix>:<data>`: the data only points to
 * what the action needs (kept in the store), so a press works after a restart and on another
 * process.
 */
export interface ComponentHandler<T, I> {
  prefix: string;
  /** Turns the data part of a `custom_id` into what `run` needs, or declines it (undefined). */
  parse(data: string): T | undefined;
  run(interaction: I, data: T, ctx: BotContext): Promise<void>;
}

export type ButtonHandler<T> = ComponentHandler<T, ButtonInteraction>;
export type ModalHandler<T> = ComponentHandler<T, ModalSubmitInteraction>;
export type ComponentInteraction = ButtonInteraction | ModalSubmitInteraction;

export function customId(prefix: string, data: string): string {
  return `${prefix}:${data}`;
}

/** Splits a `custom_id` into its prefix and data. */
export function splitCustomId(id: string): { prefix: string; data: string } {
  const colon = id.indexOf(':');
  return colon === -1 ? { prefix: id, data: '' } : { prefix: id.slice(0, colon), data: id.slice(colon + 1) };
}

/** A handler with its data type erased, so handlers of every family sit in one table. */
export interface RegisteredComponent {
  kind: 'button' | 'modal';
  prefix: string;
  /** Runs it, or answers 'declined' when the data doesn't parse (or the interaction is of another kind). */
  handle(interaction: ComponentInteraction, data: string, ctx: BotContext): Promise<'declined' | undefined>;
}

function register<T, I extends ComponentInteraction>(kind: RegisteredComponent['kind'], handler: ComponentHandler<T, I>, accepts: (i: ComponentInteraction) => i is I): RegisteredComponent {
  return {
    kind,
    prefix: handler.prefix,
    async handle(interaction, data, ctx) {
      const parsed = handler.parse(data);
      if (parsed === undefined || !accepts(interaction)) return 'declined';
      await handler.run(interaction, parsed, ctx);
      return undefined;
    },
  };
}

export const registerButton = <T>(handler: ButtonHandler<T>) => register('button', handler, (i): i is ButtonInteraction => i.isButton());
export const registerModal = <T>(handler: ModalHandler<T>) => register('modal', handler, (i): i is ModalSubmitInteraction => i.isModalSubmit());

/** Where a handler sits in the table: buttons and modals apart, each by its prefix. */
export const tableKey = (kind: RegisteredComponent['kind'], prefix: string) => `${kind}:${prefix}`;

/**
 * The table the bot dispatches by. A second handler for a taken prefix would silently take every
 * press of the first: that is a mistake in the table, found when the bot starts.
 */
export function componentTable(registered: readonly RegisteredComponent[]): ReadonlyMap<string, RegisteredComponent> {
  const table = new Map<string, RegisteredComponent>();
  for (const c of registered) {
    if (!c.prefix || c.prefix.includes(':')) throw new Error(`“${c.prefix}” is not a custom_id prefix: it must be non-empty, without “:”`);
    const key = tableKey(c.kind, c.prefix);
    if (table.has(key)) throw new Error(`two ${c.kind} handlers for the custom_id prefix “${c.prefix}”`);
    table.set(key, c);
  }
  return table;
}
