/**
 * The /imagine options as Discord registers them. Discord enforces these limits itself (the fake
 * Discord does not check invocations against the schema), so they are only as right as this data.
 */
import { ApplicationCommandOptionType as T } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { imagine } from '../../commands/imagine.js';

type Option = { name: string; type: number; required?: boolean; min_value?: number; max_value?: number; choices?: { name: string; value: string }[]; autocomplete?: boolean };
const options = imagine.data.options as Option[];
const option = (name: string) => {
  const found = options.find((o) => o.name === name);
  if (!found) throw new Error(`no option ${name}`);
  return found;
};

describe('/imagine command data', () => {
  it('keeps prompt, image, aspect_ratio and model, and adds count, seed, resolution, quality and transparent', () => {
    expect(options.map((o) => [o.name, o.type])).toEqual([
      ['prompt', T.String],
      ['image', T.Attachment],
      ['aspect_ratio', T.String],
      ['model', T.String],
      ['count', T.Integer],
      ['seed', T.Integer],
      ['resolution', T.String],
      ['quality', T.String],
      ['transparent', T.Boolean],
    ]);
    expect(option('prompt').required).toBe(true);
    expect(options.filter((o) => o.required).map((o) => o.name)).toEqual(['prompt']);
    // Both take typed text checked by the command, with the model's values offered as you type.
    expect(option('aspect_ratio').autocomplete).toBe(true);
    expect(option('model').autocomplete).toBe(true);
  });

  it('count is a whole number from 1 to 4', () => {
    expect(option('count')).toMatchObject({ type: T.Integer, min_value: 1, max_value: 4 });
  });

  it('resolution and quality are choices, so nothing else can be sent', () => {
    expect(option('resolution').choices).toEqual(['512', '1K', '2K', '4K'].map((v) => ({ name: v, value: v })));
    expect(option('quality').choices).toEqual(['low', 'medium', 'high'].map((v) => ({ name: v, value: v })));
    expect(option('resolution').autocomplete).toBeFalsy();
    expect(option('quality').autocomplete).toBeFalsy();
  });

  it('seed is a whole number, never negative; transparent is a yes or no', () => {
    expect(option('seed').type).toBe(T.Integer);
    expect(option('seed').min_value).toBe(0);
    expect(option('transparent').type).toBe(T.Boolean);
  });
});
