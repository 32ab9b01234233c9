import type { ActionStore } from './actions/action-store.js';
import type { ConversationServices } from './conversation/conversation.js';
import type { BotRest } from './discord/rest.js';
import type { RunningAnswers } from './running-answers.js';
import type { SettingsStore } from './settings/store.js';
import type { UserLimiter } from './user-limiter.js';

/** The services every command, button and mention handler gets. */
export interface BotContext extends ConversationServices {
  /** REST for answers: the bot's client, the interaction webhooks' client, the buckets they share. */
  rest: BotRest;
  /** Answers being streamed: stopped by their Stop button, or all at shutdown. */
  answers: RunningAnswers;
  /** Per-user rate limit and concurrency cap. */
  limiter: UserLimiter;
  /** Channel and server settings. */
  settings: SettingsStore;
  /** What the buttons under answers need, kept for their lifetime. */
  actions: ActionStore;
}
