import { describe, expect, it } from 'vitest';
import { commandsFor } from '../../commands/index.js';
import { sameCommands } from '../../src/discord/register-commands.js';

const wanted = commandsFor({ maxAnswerTokens: 4000 }).map((c) => c.data as unknown as Record<string, unknown>);

/** What Discord answers for a registered command: our fields plus its own. */
function asDiscordReturns(c: Record<string, unknown>, i: number): Record<string, unknown> {
  return {
    id: `12345678901234567${i}`,
    application_id: '123456789012345678',
    version: '123456789012345679',
    type: 1,
    default_member_permissions: null,
    nsfw: false,
    integration_types: [0],
    contexts: null,
    ...c,
    options: (c.options as Record<string, unknown>[] | undefined)?.map(({ required, ...o }) => (required ? { ...o, required } : o)),
  };
}

describe('sameCommands', () => {
  it('sees no change when Discord has the same commands with its own extra fields', () => {
    expect(sameCommands(wanted.map(asDiscordReturns).reverse(), wanted)).toBe(true);
  });

  it('sees a changed description', () => {
    const registered = wanted.map(asDiscordReturns);
    registered[0] = { ...registered[0]!, description: 'old text' };
    expect(sameCommands(registered, wanted)).toBe(false);
  });

  it('sees an option that became optional, and a missing command', () => {
    const registered = wanted.map(asDiscordReturns);
    const options = (registered[0]!.options as Record<string, unknown>[]).map((o) => ({ ...o, required: true }));
    expect(sameCommands([{ ...registered[0]!, options }, ...registered.slice(1)], wanted)).toBe(false);
    expect(sameCommands(registered.slice(1), wanted)).toBe(false);
  });
});
