import type { Config } from '../config.js';
import { SETTINGS, type PartialSettings, type SettingName, type SettingValues } from './definitions.js';

/** Where an effective value came from, most specific first. */
export type Source =
  | { kind: 'request' }
  | { kind: 'channel' }
  | { kind: 'parent' }
  | { kind: 'server' }
  | { kind: 'env'; variable: string }
  | { kind: 'default' };

/** What is stored for the place a request comes from. */
export interface SettingLayers {
  /** This channel, or this thread. */
  channel: PartialSettings;
  /** A thread's parent channel. */
  parent?: PartialSettings;
  server?: PartialSettings;
}

export type EffectiveSettings = { [K in SettingName]: { value: SettingValues[K] | undefined; source: Source } };

/** Values every place starts from when nothing is set and the environment says nothing. */
const BUILT_IN: PartialSettings = { threads: false };

/**
 * Precedence: this request's options, then the channel (a thread's own, else its parent's), then
 * the server, then the environment, then the built-in default (unset: the model decides).
 */
export function resolveSettings(layers: SettingLayers, config: Config, overrides: PartialSettings = {}): EffectiveSettings {
  const ordered: [PartialSettings | undefined, Source][] = [
    [overrides, { kind: 'request' }],
    [layers.channel, { kind: 'channel' }],
    [layers.parent, { kind: 'parent' }],
    [layers.server, { kind: 'server' }],
  ];
  const out: Record<string, { value: unknown; source: Source }> = {};
  for (const spec of SETTINGS) {
    const name = spec.name;
    // A budget comes from the server (or the operator) whatever a channel or request says.
    const hit = ordered.find(([layer, source]) => layer?.[name] !== undefined && (!spec.serverOnly || source.kind === 'server'));
    if (hit) {
      out[name] = { value: hit[0]![name], source: hit[1] };
      continue;
    }
    const env = spec.fromEnv?.(config);
    out[name] = env ? { value: env.value, source: { kind: 'env', variable: env.variable } } : { value: BUILT_IN[name], source: { kind: 'default' } };
  }
  return out as EffectiveSettings;
}

/** The effective values alone. */
export function valuesOf(settings: EffectiveSettings): PartialSettings {
  const out: Record<string, unknown> = {};
  for (const [name, { value }] of Object.entries(settings)) if (value !== undefined) out[name] = value;
  return out as PartialSettings;
}

/** The settings with `name` unset for this request, whatever the place says. */
export function withoutSetting(settings: EffectiveSettings, name: SettingName): EffectiveSettings {
  return { ...settings, [name]: { value: undefined, source: { kind: 'request' } } };
}

export function describeSource(source: Source): string {
  switch (source.kind) {
    case 'request':
      return 'this request';
    case 'channel':
      return 'this channel';
    case 'parent':
      return 'the parent channel';
    case 'server':
      return 'this server';
    case 'env':
      return `bot default (\`${source.variable}\`)`;
    case 'default':
      return 'not set';
  }
}
