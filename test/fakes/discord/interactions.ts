/**
 * Interactions the fake dispatches as INTERACTION_CREATE (slash commands, autocomplete, and the
 * base every other kind builds on), and the view a test reads of each.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Cdn } from './cdn.js';
import type { Commands } from './commands.js';
import type { Core } from './core.js';
import type { Gateway } from './gateway.js';
import type { InteractionRegistry, InteractionState } from './interaction-state.js';
import type { Guild } from './guild.js';
import type { Json } from './json.js';
import type { MessageStore } from './messages.js';
import { resolveChannel, resolveRole, resolveUser } from './resolved.js';
import type { GuildState } from './state.js';
import type { AutocompleteInvocation, FakeInteraction, FakeModal, SlashInvocation, SlashOption } from './types.js';

type Choices = { choices: { name: string; value: string | number }[] };

export class Interactions {
  constructor(
    private readonly core: Core,
    private readonly guild: GuildState,
    private readonly registry: InteractionRegistry,
    private readonly messages: MessageStore,
    private readonly cdn: Cdn,
    private readonly commands: Commands,
    private readonly gateway: Gateway,
  ) {}

  async slash(opts: SlashInvocation): Promise<FakeInteraction> {
    const resolved: Json = {};
    const guild = this.guild.guildOf(opts.channelId);
    const options: Json[] = (opts.options ?? []).map((o) => this.optionJson(o, resolved, guild));
    if (opts.attachments?.length) {
      const atts: Json = {};
      for (const a of opts.attachments) {
        const att = this.cdn.store(a, `/ephemeral-attachments/${this.guild.applicationId}`, true);
        atts[att.id] = att;
        options.push({ name: a.option ?? 'file', type: 11, value: att.id });
      }
      resolved.attachments = atts;
    }
    const st = this.create(2, opts.channelId, opts.name, opts.user, opts.memberPermissions, (cmd) => ({
      id: cmd.id,
      name: opts.name,
      type: 1,
      ...(options.length ? { options } : {}),
      ...(Object.keys(resolved).length ? { resolved } : {}),
      ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
    }));
    this.gateway.dispatch('INTERACTION_CREATE', st.payload);
    return this.view(st);
  }

  /** Dispatches an autocomplete interaction and resolves with the choices of the type-8 callback. */
  async autocomplete(opts: AutocompleteInvocation): Promise<Choices> {
    const options = opts.options.map((o) => this.optionJson(o, {}, this.guild.guildOf(opts.channelId)));
    const st = this.create(4, opts.channelId, opts.name, opts.user, undefined, (cmd) => ({
      id: cmd.id,
      name: opts.name,
      type: 1,
      options,
      ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
    }));
    const result = new Promise<Choices>((resolve, reject) => {
      const timer = this.core.later(this.core.opts.callbackWindowMs + 50, () =>
        reject(new Error(`autocomplete '${opts.name}' got no type-8 callback within ${this.core.opts.callbackWindowMs} ms${this.core.recentSummary()}`)),
      );
      st.autocomplete = { resolve, reject, timer };
    });
    this.gateway.dispatch('INTERACTION_CREATE', st.payload);
    return result;
  }

  /** An option as Discord sends it; users, roles and channels it names go into `resolved` (members and roles from the channel's guild). */
  private optionJson(o: SlashOption, resolved: Json, guild: Guild | undefined): Json {
    const out: Json = { name: o.name, type: o.type };
    if (o.value !== undefined) out.value = o.value;
    if (o.focused) out.focused = true;
    if (o.options) out.options = o.options.map((x) => this.optionJson(x, resolved, guild));
    const id = typeof o.value === 'string' ? o.value : undefined;
    if (id && (o.type === 6 || o.type === 9)) resolveUser(this.guild, guild, resolved, id);
    if (id && o.type === 7) resolveChannel(this.guild, resolved, id, this.guild.user.id);
    if (id && (o.type === 8 || o.type === 9)) resolveRole(guild, resolved, id);
    return out;
  }

  /**
   * Registers an interaction of `type` in a channel, with Discord's INTERACTION_CREATE payload. In a
   * DM there is no guild and no member: the user is at the top level.
   */
  create(
    type: number,
    channelId: string,
    name: string,
    who: { id: string; username: string } | undefined,
    memberPermissions: string | undefined,
    data: (cmd: { id: string; guild_id?: string }) => Json,
  ): InteractionState {
    const w = this.guild;
    const channel = w.channels.get(channelId);
    if (!channel) throw new Error(`FakeDiscord: unknown channel ${channelId}`);
    const guild = w.guildOf(channelId);
    if (!this.gateway.hasLiveSessionFor(guild?.id)) {
      const where = guild ? `guild ${guild.id}'s shard` : 'shard 0 (DMs)';
      throw new Error(`FakeDiscord: no gateway session for ${where} to dispatch the interaction to (is a client logged in and ready?)`);
    }
    const user = who ? w.userFor(who, guild) : w.user;
    const cmd = this.commands.resolve(name, guild?.id);
    const id = this.core.snowflake();
    // Real tokens are base64 of 'interaction:<id>:<secret>'.
    const token = Buffer.from(`interaction:${id}:${randomBytes(96).toString('base64url')}`).toString('base64url');
    // Discord sends permissions as computed in the channel (overwrites applied).
    const perms = memberPermissions ?? w.channelPerms(user.id, channelId).toString();
    const payload: Json = {
      app_permissions: w.channelPerms(w.botUser.id, channelId).toString(),
      application_id: w.applicationId,
      attachment_size_limit: this.core.opts.attachmentSizeLimit,
      authorizing_integration_owners: { '0': guild?.id ?? '0' },
      channel: { ...channel, permissions: perms },
      channel_id: channelId,
      context: 0,
      data: data(cmd),
      entitlement_sku_ids: [],
      entitlements: [],
      id,
      locale: 'en-US',
      token,
      type,
      version: 1,
    };
    if (guild) {
      Object.assign(payload, { guild: { features: [], id: guild.id, locale: 'en-US' }, guild_id: guild.id, guild_locale: 'en-US', member: { ...guild.memberObject(user.id), permissions: perms } });
    } else {
      // A bot DM: no guild, no member; the user at the top level (context 1 = BOT_DM).
      Object.assign(payload, { user, context: 1, channel: { ...channel } });
    }
    const st: InteractionState = {
      id,
      token,
      type,
      channelId,
      guildId: guild?.id,
      user,
      commandName: name,
      createdMs: Date.now(),
      ackType: undefined,
      ackFlags: 0,
      callbacks: [],
      originalId: undefined,
      followupIds: [],
      payload,
    };
    this.registry.add(st);
    return st;
  }

  view(st: InteractionState): FakeInteraction {
    const self = this;
    return {
      id: st.id,
      token: st.token,
      type: st.type,
      channelId: st.channelId,
      payload: st.payload,
      callbacks: st.callbacks,
      acknowledgedWith: () => st.ackType,
      acceptedCallback: () => {
        const accepted = st.ackType === undefined ? undefined : st.callbacks.find((c) => c.status >= 200 && c.status < 300);
        return accepted?.json as { type: number; data?: Record<string, unknown> } | undefined;
      },
      modal: () => st.modal as FakeModal | undefined,
      original: () => (st.originalId ? self.messages.get(st.originalId) : undefined),
      followups: () => st.followupIds.map((id) => self.messages.get(id)!),
      all: () => [...(st.originalId ? [self.messages.get(st.originalId)!] : []), ...st.followupIds.map((id) => self.messages.get(id)!)],
    };
  }

  interaction(idOrToken: string): FakeInteraction | undefined {
    const st = this.registry.find(idOrToken);
    return st && this.view(st);
  }

  /** Makes an interaction's token as old as Discord's 15-minute lifetime: webhook routes answer 401 / 50027. */
  expireToken(idOrToken: string): void {
    const st = this.registry.find(idOrToken);
    if (!st) throw new Error(`FakeDiscord: unknown interaction ${idOrToken}`);
    st.createdMs = Date.now() - this.core.opts.tokenLifetimeMs - 1;
  }

  /** Rejects the autocomplete calls still waiting for their callback. */
  stop(): void {
    for (const st of this.registry.all()) st.autocomplete?.reject(new Error('FakeDiscord stopped'));
  }
}
