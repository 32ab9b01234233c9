/** REST routes for a channel's messages: list, fetch, send (with replies), edit and delete. */
import type { Cdn } from './cdn.js';
import { INTENT_MESSAGE_CONTENT, withoutContent } from './content-intent.js';
import type { Core } from './core.js';
import { isObj, type Json } from './json.js';
import { MessageFlag, validateMessageBody } from './message-validation.js';
import type { MessageStore } from './messages.js';
import { requirePerms, type PermissionName } from './permissions.js';
import { bucketHash } from './rate-limits.js';
import { errBody, FormErrors, unknownChannel, unknownMessage, type Reply } from './replies.js';
import { bodyOf, editBucket, id, type Ctx, type Router } from './router.js';
import { TEXT_CHANNEL_TYPES, THREAD_TYPES, type GuildState } from './state.js';
import type { FakeMessage } from './types.js';

const CHANNEL = `/channels/${id('channel')}/messages`;
const MESSAGE = `${CHANNEL}/${id('message')}`;
/**
 * Discord answers sending and editing with the same X-RateLimit-Bucket, yet counts them apart
 * (discord/discord-api-docs#1442, #8073): one counter per channel for sends, one for edits.
 */
const MESSAGES_HASH = bucketHash('POST', '/channels/:id/messages');

export class ChannelMessages {
  constructor(
    private readonly core: Core,
    private readonly guild: GuildState,
    private readonly messages: MessageStore,
    private readonly cdn: Cdn,
  ) {}

  install(router: Router): void {
    const limit = () => this.core.opts.editBucket;
    router.add('GET', CHANNEL, '/channels/:id/messages', true, (ctx) => this.list(ctx));
    router.add('GET', MESSAGE, '/channels/:id/messages/:id', true, ({ params }) => {
      const r = this.find(params);
      if ('reply' in r) return r.reply;
      return r.msg.flags & MessageFlag.Ephemeral ? unknownMessage() : { status: 200, body: this.readable(r.msg) };
    });
    router.add('POST', CHANNEL, '/channels/:id/messages', true, (ctx) => this.create(ctx), editBucket(limit, 'send', MESSAGES_HASH, (p) => p.channel!));
    router.add(
      'PATCH',
      MESSAGE,
      '/channels/:id/messages/:id',
      true,
      (ctx) => {
        const r = this.find(ctx.params);
        if ('reply' in r) return r.reply;
        if (r.msg.author.id !== this.guild.botUser.id) return { status: 403, body: errBody('Cannot edit a message authored by another user', 50005) };
        return this.messages.edit(ctx, r.msg);
      },
      editBucket(limit, 'edit', MESSAGES_HASH, (p) => p.channel!),
    );
    router.add('DELETE', MESSAGE, '/channels/:id/messages/:id', true, ({ params, after }) => {
      const r = this.find(params);
      if ('reply' in r) return r.reply;
      // Deleting someone else's message takes Manage Messages.
      const denied = r.msg.author.id === this.guild.botUser.id ? undefined : this.botLacks(params.channel!, 'ManageMessages');
      if (denied) return denied;
      this.messages.delete(r.msg, after);
      return { status: 204 };
    });
  }

  private botLacks(channelId: string, ...needed: PermissionName[]): Reply | undefined {
    return requirePerms(this.guild.botPerms(channelId), ...needed);
  }

  /** The message a route names, or Discord's 10003 / 50001 / 10008. */
  private find(params: Record<string, string>): { msg: FakeMessage } | { reply: Reply } {
    if (!this.guild.channels.has(params.channel!)) return { reply: unknownChannel() };
    const denied = this.botLacks(params.channel!);
    if (denied) return { reply: denied };
    const msg = this.messages.get(params.message!);
    if (!msg || msg.deleted || msg.channel_id !== params.channel) return { reply: unknownMessage() };
    return { msg };
  }

  private list({ params, query }: Ctx): Reply {
    if (!this.guild.channels.has(params.channel!)) return unknownChannel();
    const denied = this.botLacks(params.channel!);
    if (denied) return denied;
    // Discord: without Read Message History the list is empty, not an error.
    if (this.botLacks(params.channel!, 'ReadMessageHistory')) return { status: 200, body: [] };
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 50)));
    let list = this.messages.list(params.channel!).filter((m) => !m.deleted && !(m.flags & MessageFlag.Ephemeral));
    const before = query.get('before');
    const afterId = query.get('after');
    if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
    if (afterId) list = list.filter((m) => BigInt(m.id) > BigInt(afterId));
    const out = afterId ? list.slice(0, limit) : list.slice(-limit);
    return { status: 200, body: out.reverse().map((m) => this.readable(m)) };
  }

  /** A message as the app may read it over REST: its content only with the Message Content intent enabled. */
  private readable(m: FakeMessage): Json {
    const json = this.messages.json(m);
    if (this.core.opts.privilegedIntents & INTENT_MESSAGE_CONTENT) return json;
    // REST messages carry no guild_id: the channel tells a DM.
    return withoutContent(json, this.guild.botUser.id, this.guild.channels.get(m.channel_id)?.type === 1);
  }

  private create(ctx: Ctx): Reply {
    const channelId = ctx.params.channel!;
    const channel = this.guild.channels.get(channelId);
    if (!channel) return unknownChannel();
    if (!TEXT_CHANNEL_TYPES.has(channel.type as number)) return { status: 400, body: errBody('Cannot send messages in a non-text channel', 50008) };
    const body = bodyOf(ctx);
    const denied = this.botLacks(channelId, ...this.neededToSend(channel.type as number, body, ctx.files.length > 0));
    if (denied) return denied;
    const invalid = validateMessageBody(body, ctx.files, true);
    if (invalid) return invalid;
    const reference = this.reference(body.message_reference, channelId);
    if (reference && 'reply' in reference) return reference.reply;
    const attachments = this.cdn.fromRequest(body, ctx.files, [], channelId);
    const msg = this.messages.create({ channelId, author: this.guild.botUser, type: reference ? 19 : 0, body, attachments, reference: reference?.ref });
    ctx.after(() => this.messages.dispatch('MESSAGE_CREATE', msg));
    return { status: 200, body: this.messages.json(msg) };
  }

  /** Sending takes SendMessages, in a thread SendMessagesInThreads instead (SendMessages has no effect there). */
  private neededToSend(channelType: number, body: Record<string, unknown>, files: boolean): PermissionName[] {
    const needed: PermissionName[] = [THREAD_TYPES.has(channelType) ? 'SendMessagesInThreads' : 'SendMessages'];
    if (body.tts === true) needed.push('SendTTSMessages');
    if (files) needed.push('AttachFiles');
    return needed;
  }

  /** A reply's message_reference; an unknown target fails the send unless fail_if_not_exists is false. */
  private reference(ref: unknown, channelId: string): { ref: NonNullable<FakeMessage['message_reference']> } | { reply: Reply } | undefined {
    if (!isObj(ref) || typeof ref.message_id !== 'string') return undefined;
    if (this.botLacks(channelId, 'ReadMessageHistory')) return { reply: { status: 403, body: errBody('Cannot reply without permission to read message history', 160002) } };
    const target = this.messages.get(ref.message_id);
    const refChannel = typeof ref.channel_id === 'string' ? ref.channel_id : channelId;
    if (!target || target.deleted || target.channel_id !== refChannel) {
      if (ref.fail_if_not_exists === false) return undefined;
      const fe = new FormErrors();
      fe.add('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      return { reply: fe.reply() };
    }
    return { ref: { type: typeof ref.type === 'number' ? ref.type : 0, message_id: target.id, channel_id: target.channel_id, ...(target.guild_id ? { guild_id: target.guild_id } : {}) } };
  }
}
