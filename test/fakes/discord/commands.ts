/** Application commands: the global and guild sets behind /applications/{app}/…/commands. */
import type { Core } from './core.js';
import { isObj, type Json } from './json.js';
import { errBody, FormErrors, type Reply } from './replies.js';
import { id, type Ctx, type Router } from './router.js';
import type { CommandRecord } from './types.js';

const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const unknownCommand = (): Reply => ({ status: 404, body: errBody('Unknown application command', 10063) });

type Op = 'list' | 'put' | 'post' | 'get' | 'patch' | 'delete';

export class Commands {
  /** Number of PUTs to a commands route (global or guild). */
  puts = 0;
  private readonly global: CommandRecord[] = [];
  private readonly byGuild = new Map<string, CommandRecord[]>();
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly core: Core,
    private readonly applicationId: string,
    /** Whether the bot is in a guild (it can register commands only there). */
    private readonly inGuild: (guildId: string) => boolean,
  ) {}

  install(router: Router): void {
    const G = `/applications/${id('app')}/guilds/${id('guild')}/commands`;
    const A = `/applications/${id('app')}/commands`;
    for (const [base, template] of [
      [A, '/applications/:id/commands'],
      [G, '/applications/:id/guilds/:id/commands'],
    ] as const) {
      const add = (method: string, suffix: string, op: Op): void =>
        router.add(method, `${base}${suffix}`, `${template}${suffix ? '/:id' : ''}`, true, (ctx) => this.route(ctx, op));
      add('GET', '', 'list');
      add('PUT', '', 'put');
      add('POST', '', 'post');
      add('GET', `/${id('command')}`, 'get');
      add('PATCH', `/${id('command')}`, 'patch');
      add('DELETE', `/${id('command')}`, 'delete');
    }
  }

  /** The registered commands: global ones, or a guild's. */
  list(guildId?: string): CommandRecord[] {
    return guildId === undefined ? [...this.global] : [...(this.byGuild.get(guildId) ?? [])];
  }

  /** The command an interaction names: the guild's (none in a DM), else the global one, else an id Discord would have given it. */
  resolve(name: string, guildId: string | undefined): { id: string; guild_id?: string } {
    const guildCmd = guildId === undefined ? undefined : this.byGuild.get(guildId)?.find((c) => c.name === name);
    if (guildCmd) return { id: guildCmd.id, guild_id: guildId };
    const globalCmd = this.global.find((c) => c.name === name);
    if (globalCmd) return { id: globalCmd.id };
    return { id: name ? this.commandId('global', `1:${name}`) : '' };
  }

  private route(ctx: Ctx, op: Op): Reply {
    const { app, guild, command } = ctx.params;
    if (app !== this.applicationId) return { status: 403, body: errBody('Missing Access', 50001) };
    if (guild !== undefined && !this.inGuild(guild)) return { status: 403, body: errBody('Missing Access', 50001) };
    const scope = guild ?? 'global';
    const list = guild === undefined ? this.global : (this.byGuild.get(guild) ?? this.byGuild.set(guild, []).get(guild)!);
    const withLoc = ctx.query.get('with_localizations') === 'true';
    const view = (c: CommandRecord): Json => {
      if (withLoc || op !== 'list') return c;
      const { name_localizations: _n, description_localizations: _d, ...rest } = c;
      return rest;
    };
    switch (op) {
      case 'list':
        return { status: 200, body: list.map(view) };
      case 'get': {
        const c = list.find((x) => x.id === command);
        return c ? { status: 200, body: c } : unknownCommand();
      }
      case 'delete': {
        const i = list.findIndex((x) => x.id === command);
        if (i < 0) return unknownCommand();
        list.splice(i, 1);
        this.core.changed();
        return { status: 204 };
      }
      case 'put': {
        this.puts++;
        if (!Array.isArray(ctx.body)) {
          return { status: 400, body: errBody('Invalid Form Body', 50035, { _errors: [{ code: 'ARRAY_TYPE_CONVERT', message: 'Only iterables may be used in a ListType' }] }) };
        }
        const fe = new FormErrors();
        const seen = new Set<string>();
        ctx.body.forEach((c, i) => {
          this.validateCommand(c, `${i}`, fe);
          const key = isObj(c) ? `${c.type ?? 1}:${String(c.name)}` : '';
          if (seen.has(key)) fe.add(`${i}.name`, 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
          seen.add(key);
        });
        if (fe.any) return fe.reply(); // a rejected PUT does not replace the set
        const next = (ctx.body as Json[]).map((c) => this.commandRecord(c, scope, list.find((x) => x.name === c.name && x.type === (c.type ?? 1))));
        list.splice(0, list.length, ...next);
        this.core.changed();
        return { status: 200, body: next };
      }
      case 'post': {
        const fe = new FormErrors();
        this.validateCommand(ctx.body, '', fe);
        if (fe.any) return fe.reply();
        const body = ctx.body as Json;
        const existing = list.find((x) => x.name === body.name && x.type === (body.type ?? 1));
        const rec = this.commandRecord(body, scope, existing);
        if (existing) list.splice(list.indexOf(existing), 1, rec);
        else list.push(rec);
        this.core.changed();
        return { status: existing ? 200 : 201, body: rec };
      }
      case 'patch': {
        const existing = list.find((x) => x.id === command);
        if (!existing) return unknownCommand();
        const merged = { ...existing, ...(isObj(ctx.body) ? ctx.body : {}) };
        const fe = new FormErrors();
        this.validateCommand(merged, '', fe);
        if (fe.any) return fe.reply();
        const rec = this.commandRecord(merged, scope, existing);
        list.splice(list.indexOf(existing), 1, rec);
        this.core.changed();
        return { status: 200, body: rec };
      }
    }
  }

  private validateCommand(c: unknown, prefix: string, fe: FormErrors): void {
    const p = (k: string): string => (prefix ? `${prefix}.${k}` : k);
    if (!isObj(c)) {
      fe.add(prefix || '_errors', 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      return;
    }
    const type = typeof c.type === 'number' ? c.type : 1;
    const name = typeof c.name === 'string' ? c.name : '';
    if (type === 1) {
      if (!NAME_RE.test(name) || name !== name.toLowerCase()) fe.add(p('name'), 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      const d = typeof c.description === 'string' ? c.description : '';
      if (d.length < 1 || d.length > 100) fe.add(p('description'), 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    } else if (name.length < 1 || name.length > 32) {
      fe.add(p('name'), 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
    }
    const options = Array.isArray(c.options) ? c.options : [];
    if (options.length > 25) fe.add(p('options'), 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    this.validateOptions(options, p('options'), fe);
  }

  private validateOptions(options: unknown[], prefix: string, fe: FormErrors): void {
    let sawOptional = false;
    options.forEach((o, i) => {
      if (!isObj(o)) return;
      const at = `${prefix}.${i}`;
      const name = typeof o.name === 'string' ? o.name : '';
      if (!NAME_RE.test(name) || name !== name.toLowerCase()) fe.add(`${at}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      const d = typeof o.description === 'string' ? o.description : '';
      if (d.length < 1 || d.length > 100) fe.add(`${at}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      if (o.required === true && sawOptional) fe.add(`${at}.required`, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
      if (o.required !== true && o.type !== 1 && o.type !== 2) sawOptional = true;
      if (Array.isArray(o.choices) && o.choices.length > 25) fe.add(`${at}.choices`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      if (Array.isArray(o.options)) this.validateOptions(o.options, `${at}.options`, fe);
    });
  }

  private commandId(scope: string, name: string): string {
    const key = `${scope}:${name}`;
    let id = this.ids.get(key);
    if (!id) {
      id = this.core.snowflake();
      this.ids.set(key, id);
    }
    return id;
  }

  private commandRecord(c: Json, scope: string, existing: CommandRecord | undefined): CommandRecord {
    const type = typeof c.type === 'number' ? c.type : 1;
    const name = String(c.name);
    const stripNull = (o: unknown): unknown => {
      if (Array.isArray(o)) return o.map(stripNull);
      if (!isObj(o)) return o;
      const out: Json = {};
      for (const [k, v] of Object.entries(o)) {
        if (v === null || v === undefined) continue;
        if (k === 'required' && v === false) continue;
        out[k] = stripNull(v);
      }
      return out;
    };
    const options = Array.isArray(c.options) && c.options.length ? (stripNull(c.options) as unknown[]) : undefined;
    const base: Json = {
      id: existing?.id ?? this.commandId(scope, `${type}:${name}`),
      application_id: this.applicationId,
      version: '',
      default_member_permissions: typeof c.default_member_permissions === 'string' ? c.default_member_permissions : null,
      type,
      name,
      ...(isObj(c.name_localizations) ? { name_localizations: c.name_localizations } : {}),
      description: type === 1 ? String(c.description ?? '') : '',
      ...(isObj(c.description_localizations) ? { description_localizations: c.description_localizations } : {}),
      ...(scope !== 'global' ? { guild_id: scope } : { dm_permission: c.dm_permission !== false }),
      contexts: Array.isArray(c.contexts) ? c.contexts : null,
      integration_types: Array.isArray(c.integration_types) ? c.integration_types : [0],
      nsfw: c.nsfw === true,
      ...(options ? { options } : {}),
    };
    const comparable = (x: Json): string => JSON.stringify({ ...x, id: '', version: '' });
    base.version = existing && comparable(existing) === comparable(base) ? existing.version : this.core.snowflake();
    return base as CommandRecord;
  }
}
