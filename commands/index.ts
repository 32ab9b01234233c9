import type { SlashCommand } from '../src/slash-command.js';
import { ask } from './ask.js';
import { imagine } from './imagine.js';
import { reset } from './reset.js';
import { settings } from './settings.js';
import { usage } from './usage.js';

export const commands: readonly SlashCommand[] = [ask, imagine, reset, settings, usage];
