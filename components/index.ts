import { answerActions } from './answer-actions.js';
import { registerButton, type RegisteredButton } from './component.js';
import { reasoning } from './reasoning.js';
import { stop } from './stop.js';

/** Every button family the bot answers, dispatched by `custom_id` prefix. */
export const buttons: readonly RegisteredButton[] = [registerButton(stop), registerButton(answerActions), registerButton(reasoning)];
