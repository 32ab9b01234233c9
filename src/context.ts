import type { ActionStore } from './actions/action-store.js';
import type { Clock } from './clock.js';
import type { ConversationServices } from './conversation/conversation.js';
import type { Ledger } from './costs/ledger.js';
import type { BotRest } from './discord/rest.js';
import type { KeyWatch } from './openrouter/key-watch.js';
import type { Precondition } from './preconditions.js';
import type { RunningAnswers } from './running-answers.js';
import type { SettingsStore } from './settings/store.js';

/** The services every command, button and mention handler gets. */
export interface BotContext extends ConversationServices {
  /** REST for answers: the bot's client, the interaction webhooks' client, the buckets they share. */
  rest: BotRest;
  /** Answers being streamed: stopped by their Stop button, or all at shutdown. */
  answers: RunningAnswers;
  /** Channel and server settings. */
  settings: SettingsStore;
  /** What the buttons under answers need, kept for their lifetime. */
  actions: ActionStore;
  /** What every request cost, in totals per user, server, channel and model per day. */
  ledger: Ledger;
  /** The OpenRouter key's own limit. */
  keyWatch: KeyWatch;
  /** Every request passes these before anything is spent (see run-answer.ts). */
  preconditions: readonly Precondition[];
  clock: Clock;
}
