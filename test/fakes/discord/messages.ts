/**
 * The message store: creation, edits and deletion as Discord applies them (mentions parsed from
 * content and filtered by allowed_mentions), the REST shape of a message, and its gateway events.
 */
import { performance } from 'node:perf_hooks';
import type { Cdn } from './cdn.js';
import { walk, withIds } from './component-tree.js';
import type { Core } from './core.js';
import type { InteractionRegistry, InteractionState } from './interaction-state.js';
import { isObj, iso, type Json } from './json.js';
import { MessageFlag, normalizeEmbed, validateMessageBody } from './message-validation.js';
import type { Reply } from './replies.js';
import { bodyOf, type Ctx } from './router.js';
import { THREAD_TYPES, type Dispatcher, type GuildState } from './state.js';
import type { ApiUser, FakeAttachment, FakeMessage, UserMessage } from './types.js';

export interface NewMessage {
  channelId: string;
  author: ApiUser;
  type: number;
  body: Json;
  attachments: FakeAttachment[];
  reference?: FakeMessage['message_reference'];
  flags?: number;
  interaction?: InteractionState;
}

export class MessageStore {
  private readonly store = new Map<string, FakeMessage>();
  private readonly byChannel = new Map<string, string[]>();
  private readonly shown = new Map<string, Set<string>>();

  constructor(
    private readonly core: Core,
    private readonly guild: GuildState,
    private readonly cdn: Cdn,
    private readonly events: Dispatcher,
    private readonly interactions: InteractionRegistry,
  ) {}

  get(id: string): FakeMessage | undefined {
    return this.store.get(id);
  }

  /**
   * Messages of a channel in creation order, current state (deleted ones included, flagged). An
   * ephemeral message is not in the channel: only its user sees it, on its interaction.
   */
  list(channelId: string): FakeMessage[] {
    return (this.byChannel.get(channelId) ?? []).map((id) => this.store.get(id)!).filter((m) => !(m.flags & MessageFlag.Ephemeral));
  }

  /** Whether the message ever showed a component with this custom_id (a user's client may still show it). */
  everShown(messageId: string, customId: string): boolean {
    return this.shown.get(messageId)?.has(customId) ?? false;
  }

  private remember(m: FakeMessage): void {
    const ids = this.shown.get(m.id) ?? new Set<string>();
    for (const c of walk(m.components)) if (typeof c.custom_id === 'string') ids.add(c.custom_id);
    this.shown.set(m.id, ids);
  }

  /** A human user posts a message (MESSAGE_CREATE). */
  postAsUser(opts: UserMessage): FakeMessage {
    const g = this.guild;
    if (!g.channels.has(opts.channelId)) throw new Error(`FakeDiscord: unknown channel ${opts.channelId}`);
    const guild = g.guildOf(opts.channelId);
    const author = g.userFor(opts.author ?? g.user, guild);
    let content = opts.content;
    const botMention = new RegExp(`<@!?${g.botUser.id}>`);
    if (opts.mentionsBot && !botMention.test(content)) content = `<@${g.botUser.id}> ${content}`;
    const attachments = (opts.attachments ?? []).map((a) => this.cdn.store(a, `/attachments/${opts.channelId}`, false));
    let reference: FakeMessage['message_reference'];
    if (opts.referenceMessageId) {
      const ref = this.store.get(opts.referenceMessageId);
      if (!ref) throw new Error(`FakeDiscord: unknown referenced message ${opts.referenceMessageId}`);
      reference = { type: 0, message_id: ref.id, channel_id: ref.channel_id, ...(guild ? { guild_id: guild.id } : {}) };
    }
    const msg = this.create({ channelId: opts.channelId, author, type: reference ? 19 : 0, body: { content }, attachments, reference });
    this.dispatch('MESSAGE_CREATE', msg);
    return msg;
  }

  create(o: NewMessage): FakeMessage {
    const id = this.core.snowflake();
    const now = performance.now();
    const content = typeof o.body.content === 'string' ? o.body.content : '';
    const flags = o.flags ?? (typeof o.body.flags === 'number' ? o.body.flags & (4 | 4096 | 8192 | 32768) : 0);
    const guildId = this.guild.guildOf(o.channelId)?.id;
    const msg: FakeMessage = {
      id,
      channel_id: o.channelId,
      ...(guildId ? { guild_id: guildId } : {}),
      type: o.type,
      content,
      author: o.author,
      attachments: o.attachments,
      embeds: Array.isArray(o.body.embeds) ? o.body.embeds.map((e) => normalizeEmbed(e)) : [],
      components: Array.isArray(o.body.components) ? withIds(o.body.components) : [],
      flags,
      tts: o.body.tts === true,
      pinned: false,
      timestamp: iso(),
      edited_timestamp: null,
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      ...(o.reference ? { message_reference: o.reference } : {}),
      ...('allowed_mentions' in o.body ? { allowed_mentions: o.body.allowed_mentions } : {}),
      ...(typeof o.body.nonce === 'string' || typeof o.body.nonce === 'number' ? { nonce: o.body.nonce } : {}),
      ...(isObj(o.body.poll) ? { poll: o.body.poll } : {}),
      ...(Array.isArray(o.body.sticker_ids) ? { sticker_ids: o.body.sticker_ids as string[] } : {}),
      ...(o.interaction ? { webhook_id: this.guild.applicationId, application_id: this.guild.applicationId, interaction_token: o.interaction.token, interaction_id: o.interaction.id } : {}),
      edits: [{ at: now, content }],
      deleted: false,
      createdAt: now,
    };
    this.recomputeMentions(msg, true);
    this.store.set(id, msg);
    this.remember(msg);
    const list = this.byChannel.get(o.channelId) ?? [];
    list.push(id);
    this.byChannel.set(o.channelId, list);
    const ch = this.guild.channels.get(o.channelId);
    if (ch && !(flags & MessageFlag.Ephemeral)) {
      ch.last_message_id = id;
      // A thread's message_count leaves out its starter message (type 21).
      if (THREAD_TYPES.has(ch.type as number) && o.type !== 21) {
        ch.message_count = (ch.message_count as number) + 1;
        ch.total_message_sent = (ch.total_message_sent as number) + 1;
      }
    }
    this.core.changed();
    return msg;
  }

  createForInteraction(st: InteractionState, body: Json, attachments: FakeAttachment[], loading: boolean): FakeMessage {
    let flags = typeof body.flags === 'number' ? body.flags & (MessageFlag.Ephemeral | 4 | 4096 | 32768) : 0;
    if (loading) flags |= MessageFlag.Loading;
    return this.create({ channelId: st.channelId, author: this.guild.botUser, type: 20, body, attachments, flags, interaction: st });
  }

  edit(ctx: Pick<Ctx, 'body' | 'files' | 'after'>, m: FakeMessage): Reply {
    const body = bodyOf(ctx);
    const invalid = validateMessageBody(body, ctx.files, false, m);
    if (invalid) return invalid;
    const now = performance.now();
    if ('content' in body) {
      m.content = typeof body.content === 'string' ? body.content : '';
      m.edits.push({ at: now, content: m.content });
    }
    if ('embeds' in body) m.embeds = Array.isArray(body.embeds) ? body.embeds.map((e) => normalizeEmbed(e)) : [];
    if ('components' in body) {
      m.components = Array.isArray(body.components) ? withIds(body.components) : [];
      this.remember(m);
    }
    if ('allowed_mentions' in body) m.allowed_mentions = body.allowed_mentions;
    if ('flags' in body && typeof body.flags === 'number') {
      // Only SUPPRESS_EMBEDS can be toggled on edit; the rest is kept.
      m.flags = (m.flags & ~4) | (body.flags & 4);
    }
    if ('attachments' in body || ctx.files.length) {
      m.attachments = this.cdn.fromRequest(body, ctx.files, m.attachments, m.channel_id);
    }
    // Completing a deferred ("thinking") reply is not shown as an edit.
    if (m.flags & MessageFlag.Loading) m.flags &= ~MessageFlag.Loading;
    else m.edited_timestamp = iso();
    this.recomputeMentions(m, false);
    ctx.after(() => this.dispatch('MESSAGE_UPDATE', m));
    this.core.changed();
    return { status: 200, body: this.json(m) };
  }

  delete(m: FakeMessage, after: (fn: () => void) => void): void {
    m.deleted = true;
    const ch = this.guild.channels.get(m.channel_id);
    // message_count goes down on deletes; total_message_sent does not.
    if (ch && THREAD_TYPES.has(ch.type as number) && m.type !== 21 && !(m.flags & MessageFlag.Ephemeral)) {
      ch.message_count = Math.max(0, (ch.message_count as number) - 1);
    }
    this.core.changed();
    if (!(m.flags & MessageFlag.Ephemeral)) {
      after(() => this.events.dispatch('MESSAGE_DELETE', { id: m.id, channel_id: m.channel_id, ...(m.guild_id ? { guild_id: m.guild_id } : {}) }));
    }
  }

  /** Discord parses mentions from content, filtered by allowed_mentions (absent = everything). */
  private recomputeMentions(m: FakeMessage, creating: boolean): void {
    const am = isObj(m.allowed_mentions) ? m.allowed_mentions : undefined;
    const parse = am && Array.isArray(am.parse) ? (am.parse as string[]) : undefined;
    const allowUsers = !am || parse?.includes('users') || Array.isArray(am.users);
    const explicitUsers = am && Array.isArray(am.users) ? (am.users as string[]) : undefined;
    const ids = new Set<string>();
    for (const match of m.content.matchAll(/<@!?(\d{17,19})>/g)) {
      const uid = match[1]!;
      if (!allowUsers) continue;
      if (explicitUsers && !parse?.includes('users') && !explicitUsers.includes(uid)) continue;
      if (this.guild.users.has(uid)) ids.add(uid);
    }
    const roleIds: string[] = [];
    const allowRoles = !am || parse?.includes('roles') || Array.isArray(am.roles);
    const roles = (m.guild_id ? this.guild.guilds.get(m.guild_id)?.roles : undefined) ?? [];
    for (const match of m.content.matchAll(/<@&(\d{17,19})>/g)) {
      if (allowRoles && roles.some((r) => r.id === match[1])) roleIds.push(match[1]!);
    }
    const everyone = /@(everyone|here)/.test(m.content) && (!am || parse?.includes('everyone') === true);
    if (creating && m.type === 19 && m.message_reference && (!am || am.replied_user !== false)) {
      const ref = this.store.get(m.message_reference.message_id);
      if (ref) ids.add(ref.author.id);
    }
    if (!creating) {
      // Edits never add pings for the replied-to user; keep it if it was there.
      const replied = m.mentions.find((u) => m.message_reference && this.store.get(m.message_reference.message_id)?.author.id === u.id);
      if (replied) ids.add(replied.id);
    }
    m.mentions = [...ids].map((uid) => this.guild.users.get(uid)!);
    m.mention_roles = roleIds;
    m.mention_everyone = everyone;
  }

  /** The REST (API) shape of a message. */
  json(m: FakeMessage, depth = 0): Json {
    const out: Json = {
      type: m.type,
      content: m.content,
      mentions: m.mentions,
      mention_roles: m.mention_roles,
      attachments: m.attachments,
      embeds: m.embeds,
      timestamp: m.timestamp,
      edited_timestamp: m.edited_timestamp,
      flags: m.flags,
      components: m.components,
      id: m.id,
      channel_id: m.channel_id,
      author: m.author,
      pinned: m.pinned,
      mention_everyone: m.mention_everyone,
      tts: m.tts,
    };
    if (m.nonce !== undefined) out.nonce = m.nonce;
    if (m.poll !== undefined) out.poll = m.poll;
    if (m.webhook_id) out.webhook_id = m.webhook_id;
    if (m.application_id) out.application_id = m.application_id;
    if (m.interaction_id) {
      const st = this.interactions.byId(m.interaction_id);
      if (st) {
        out.interaction_metadata = {
          id: st.id,
          type: st.type,
          user: st.user,
          authorizing_integration_owners: { '0': st.guildId ?? '0' },
          ...(st.type === 2 ? { name: st.commandName, command_type: 1 } : {}),
          ...(st.type === 3 && st.messageId ? { interacted_message_id: st.messageId } : {}),
          ...(m.id !== st.originalId ? { original_response_message_id: st.originalId } : {}),
        };
        out.interaction = { id: st.id, type: st.type, name: st.commandName, user: st.user };
      }
    }
    if (m.message_reference) {
      out.message_reference = m.message_reference;
      const ref = this.store.get(m.message_reference.message_id);
      if (depth === 0) out.referenced_message = ref && !ref.deleted ? this.json(ref, 1) : null;
    }
    if (m.type === 19 && !m.message_reference) out.referenced_message = null;
    if (m.thread_id) {
      const thread = this.guild.channels.get(m.thread_id);
      if (thread) out.thread = { ...thread, member: this.guild.threadMember(m.thread_id) };
    }
    return out;
  }

  /** MESSAGE_CREATE / MESSAGE_UPDATE payload for the gateway: in a guild it adds guild_id and members (a DM's has neither). */
  dispatch(event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', m: FakeMessage): void {
    if (m.flags & MessageFlag.Ephemeral) return;
    const json = this.json(m);
    const guild = m.guild_id ? this.guild.guilds.get(m.guild_id) : undefined;
    if (!guild) {
      this.events.dispatch(event, json);
      return;
    }
    const data: Json = {
      ...json,
      guild_id: guild.id,
      ...(m.webhook_id ? {} : { member: guild.partialMember(m.author.id) }),
      mentions: m.mentions.map((u) => ({ ...u, member: guild.partialMember(u.id) })),
    };
    this.events.dispatch(event, data);
  }
}
