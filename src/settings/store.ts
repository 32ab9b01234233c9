import type { Config } from '../config.js';
import type { Store } from '../storage.js';
import { SETTING_NAMES, type PartialSettings, type SettingName } from './definitions.js';
import { resolveSettings, type EffectiveSettings, type SettingLayers } from './resolve.js';
import type { ServerBudgets } from '../costs/budgets.js';

/** Where a request comes from, as far as settings are concerned. */
export interface SettingsPlace {
  guildId: string | null;
  /** The channel, thread or DM. */
  channelId: string;
  /** For a thread: its parent channel. */
  parentId?: string | null | undefined;
}

export type SettingsScope = 'channel' | 'server';

export interface SettingsTarget {
  scope: SettingsScope;
  id: string;
}

/**
 * Channel and server settings in the shared store, one key per setting: two admins changing
 * different settings at once, from different processes, can't overwrite each other's change.
 */
export class SettingsStore {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
  ) {}

  private key({ scope, id }: SettingsTarget, name: SettingName): string {
    return `settings:${scope}:${id}:${name}`;
  }

  /** Everything stored for a place, in one read. */
  async layers(place: SettingsPlace): Promise<SettingLayers> {
    const targets: SettingsTarget[] = [{ scope: 'channel', id: place.channelId }];
    if (place.parentId) targets.push({ scope: 'channel', id: place.parentId });
    if (place.guildId) targets.push({ scope: 'server', id: place.guildId });
    const keys = targets.flatMap((t) => SETTING_NAMES.map((name) => this.key(t, name)));
    const values = await this.store.getMany(keys);
    const layer = (i: number): PartialSettings => {
      const out: Record<string, unknown> = {};
      SETTING_NAMES.forEach((name, j) => {
        const value = values[i * SETTING_NAMES.length + j];
        if (value !== undefined && value !== null) out[name] = value;
      });
      return out as PartialSettings;
    };
    let next = 0;
    const channel = layer(next++);
    const parent = place.parentId ? layer(next++) : undefined;
    const server = place.guildId ? layer(next++) : undefined;
    return { channel, ...(parent ? { parent } : {}), ...(server ? { server } : {}) };
  }

  /** The effective settings of a place: stored layers over the environment, with this request's overrides on top. */
  async effective(place: SettingsPlace, overrides: PartialSettings = {}): Promise<EffectiveSettings> {
    return resolveSettings(await this.layers(place), this.config, overrides);
  }

  async set(target: SettingsTarget, values: PartialSettings): Promise<void> {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined);
    await Promise.all(entries.map(([name, value]) => this.store.set(this.key(target, name as SettingName), value)));
  }

  private roleBudgetKey(guildId: string, roleId: string): string {
    return `settings:server:${guildId}:role_budget:${roleId}`;
  }

  /**
   * The budgets a server set, with the daily budgets of those of `roleIds` that have one (one key
   * per role, read by the asker's roles: no list to keep in step).
   */
  async serverBudgets(guildId: string, roleIds: readonly string[]): Promise<ServerBudgets> {
    const names = ['budget_user_daily', 'budget_server_daily', 'budget_server_monthly'] as const;
    const target: SettingsTarget = { scope: 'server', id: guildId };
    const values = (await this.store.getMany([...names.map((n) => this.key(target, n)), ...roleIds.map((r) => this.roleBudgetKey(guildId, r))])) as (number | undefined | null)[];
    const roles = new Map<string, number>();
    roleIds.forEach((roleId, i) => {
      const usd = values[names.length + i];
      if (typeof usd === 'number') roles.set(roleId, usd);
    });
    const at = (i: number) => (typeof values[i] === 'number' ? (values[i] as number) : undefined);
    return { userDaily: at(0), serverDaily: at(1), serverMonthly: at(2), roles };
  }

  setRoleBudget(guildId: string, roleId: string, usd: number): Promise<unknown> {
    return this.store.set(this.roleBudgetKey(guildId, roleId), usd);
  }

  /** Removes the role budgets of `roleIds`; resolves with the roles that had one. */
  async resetRoleBudgets(guildId: string, roleIds: readonly string[]): Promise<string[]> {
    const had = [...(await this.serverBudgets(guildId, roleIds)).roles.keys()];
    if (had.length) await this.store.deleteMany(had.map((r) => this.roleBudgetKey(guildId, r)));
    return had;
  }

  /** Removes the named settings; resolves with the ones that had a value. */
  async reset(target: SettingsTarget, names: readonly SettingName[]): Promise<SettingName[]> {
    const keys = names.map((name) => this.key(target, name));
    const before = await this.store.getMany(keys);
    const had = names.filter((_, i) => before[i] !== undefined && before[i] !== null);
    if (had.length) await this.store.deleteMany(had.map((name) => this.key(target, name)));
    return had;
  }
}
