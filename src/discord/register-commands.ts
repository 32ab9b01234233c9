import { Routes, type REST } from 'discord.js';
import type { Logger } from '../logger.js';

type Json = Record<string, unknown>;

const OPTION_FIELDS = ['type', 'name', 'description', 'required', 'autocomplete', 'choices', 'min_value', 'max_value', 'min_length', 'max_length', 'channel_types', 'options'];
const COMMAND_FIELDS = ['type', 'name', 'description', 'options', 'default_member_permissions', 'nsfw', 'contexts', 'integration_types', 'name_localizations', 'description_localizations'];
/** What Discord fills in when a field is left out, so "left out" and "the default" compare equal. */
const DEFAULTS: Record<string, unknown> = { type: 1, required: false, autocomplete: false, nsfw: false, integration_types: [0] };

function canonical(value: Json, fields: string[], nested: string[]): Json {
  const out: Json = {};
  for (const field of fields) {
    let v = value[field] ?? DEFAULTS[field];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    if (field === 'options' && Array.isArray(v)) v = (v as Json[]).map((o) => canonical(o, nested, nested));
    out[field] = v;
  }
  return out;
}

/** True when Discord already has exactly these commands (ignoring fields Discord adds itself). */
export function sameCommands(registered: readonly Json[], wanted: readonly Json[]): boolean {
  const norm = (list: readonly Json[]) =>
    JSON.stringify(list.map((c) => canonical(c, COMMAND_FIELDS, OPTION_FIELDS)).sort((a, b) => String(a.name).localeCompare(String(b.name))));
  return norm(registered) === norm(wanted);
}

/**
 * Registers the slash commands (in one guild when `guildId` is set: instant, for development;
 * globally otherwise), and sends nothing when Discord already has them.
 */
export async function syncCommands(rest: REST, applicationId: string, guildId: string | undefined, wanted: readonly object[], logger: Logger): Promise<'unchanged' | 'updated'> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const registered = (await rest.get(route)) as Json[];
  if (sameCommands(registered, wanted as Json[])) {
    logger.info({ scope: guildId ? `guild ${guildId}` : 'global', commands: wanted.length }, 'slash commands unchanged');
    return 'unchanged';
  }
  await rest.put(route, { body: wanted });
  logger.info({ scope: guildId ? `guild ${guildId}` : 'global', commands: (wanted as Json[]).map((c) => c.name) }, 'slash commands registered');
  return 'updated';
}
