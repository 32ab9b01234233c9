import { answerActions } from './answer-actions.js';
import { componentTable, registerButton, registerModal, type RegisteredComponent } from './component.js';
import { imageActions, imageEdit } from './image-actions.js';
import { reasoning } from './reasoning.js';
import { stop } from './stop.js';

/** Every button and modal family the bot answers. */
export const registered: readonly RegisteredComponent[] = [
  registerButton(stop),
  registerButton(answerActions),
  registerButton(imageActions),
  registerModal(imageEdit),
  registerButton(reasoning),
];

/** The same, dispatched by kind and `custom_id` prefix. */
export const components = componentTable(registered);
