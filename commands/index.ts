import type { Limits } from '../src/settings/definitions.js';
import type { SlashCommand } from '../src/slash-command.js';
import { ask } from './ask.js';
import { imagine } from './imagine.js';
import { reset } from './reset.js';
import { settingsCommand } from './settings.js';
import { usage } from './usage.js';

/** The commands as this bot registers them: some options' bounds come from its configuration. */
export const commandsFor = (limits: Limits): readonly SlashCommand[] => [ask, imagine, reset, settingsCommand(limits), usage];
