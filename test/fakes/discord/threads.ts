/**
 * Start Thread from Message (POST /channels/{channel}/messages/{message}/threads): a public thread
 * (announcement thread from an announcement channel) whose id is the message's. Discord answers 201
 * with the thread and fires THREAD_CREATE and MESSAGE_UPDATE (the message gains HAS_THREAD and `thread`).
 */
import type { Core } from './core.js';
import { checkInt, checkString } from './form-checks.js';
import type { Gateway } from './gateway.js';
import type { Json } from './json.js';
import { MessageFlag } from './message-validation.js';
import type { MessageStore } from './messages.js';
import { requirePerms } from './permissions.js';
import { errBody, FormErrors, unknownChannel, unknownMessage, type Reply } from './replies.js';
import { bodyOf, id, type Ctx, type Router } from './router.js';
import type { GuildState } from './state.js';
import type { FakeMessage } from './types.js';

/** The thread type each parent type starts: text → public thread, announcement → announcement thread. */
const THREAD_TYPE_FOR: Record<number, number> = { 0: 11, 5: 10 };
const ARCHIVE_DURATIONS = [60, 1440, 4320, 10080];
/** Assumed when the request names none (Discord does not document its default). */
const DEFAULT_ARCHIVE_DURATION = 4320;

export class Threads {
  constructor(
    private readonly core: Core,
    private readonly guild: GuildState,
    private readonly messages: MessageStore,
    private readonly gateway: Gateway,
  ) {}

  install(router: Router): void {
    router.add('POST', `/channels/${id('channel')}/messages/${id('message')}/threads`, '/channels/:id/messages/:id/threads', true, (ctx) => this.startFromMessage(ctx));
  }

  private startFromMessage(ctx: Ctx): Reply {
    const g = this.guild;
    const channel = g.channels.get(ctx.params.channel!);
    if (!channel) return unknownChannel();
    const botPerms = g.botPerms(channel.id as string);
    const noAccess = requirePerms(botPerms);
    if (noAccess) return noAccess;
    const threadType = THREAD_TYPE_FOR[channel.type as number];
    if (threadType === undefined) return { status: 400, body: errBody('Cannot execute action on this channel type', 50024) };
    const msg = this.messages.get(ctx.params.message!);
    if (!msg || msg.deleted || msg.channel_id !== channel.id || msg.flags & MessageFlag.Ephemeral) return unknownMessage();
    const body = bodyOf(ctx);
    const invalid = validateThreadBody(body);
    if (invalid) return invalid;
    const denied = requirePerms(botPerms, 'CreatePublicThreads');
    if (denied) return denied;
    if (msg.thread_id || g.channels.has(msg.id)) return { status: 400, body: errBody('A thread has already been created for this message', 160004) };

    const guild = g.guildOf(channel.id as string)!;
    const thread = guild.threadChannel({
      id: msg.id,
      type: threadType,
      name: body.name as string,
      parentId: channel.id as string,
      ownerId: g.botUser.id,
      autoArchiveDuration: typeof body.auto_archive_duration === 'number' ? body.auto_archive_duration : DEFAULT_ARCHIVE_DURATION,
      rateLimitPerUser: typeof body.rate_limit_per_user === 'number' ? body.rate_limit_per_user : 0,
    });
    g.channels.set(msg.id, thread);
    g.joinThread(msg.id);
    this.markStarted(msg, thread);
    const json = { ...thread, member: g.threadMember(msg.id) };
    ctx.after(() => {
      this.gateway.dispatch('THREAD_CREATE', { ...json, newly_created: true });
      this.messages.dispatch('MESSAGE_UPDATE', msg);
    });
    this.core.changed();
    return { status: 201, body: json };
  }

  /**
   * The start message gains HAS_THREAD and its thread; the thread opens with a THREAD_STARTER_MESSAGE
   * (type 21) pointing back at it, which message_count leaves out.
   */
  private markStarted(msg: FakeMessage, thread: Json): void {
    msg.thread_id = thread.id as string;
    msg.flags |= MessageFlag.HasThread;
    this.messages.create({
      channelId: msg.id,
      author: this.guild.botUser,
      type: 21,
      body: {},
      attachments: [],
      reference: { type: 0, message_id: msg.id, channel_id: msg.channel_id, guild_id: thread.guild_id as string },
    });
  }
}

/** Discord's checks on the JSON params: name 1–100, auto_archive_duration one of four, rate_limit_per_user 0–21600. */
function validateThreadBody(body: Json): Reply | undefined {
  const fe = new FormErrors();
  checkString(fe, 'name', body.name, 1, 100);
  const archive = body.auto_archive_duration;
  if (archive !== undefined && archive !== null && !ARCHIVE_DURATIONS.includes(archive as number)) {
    fe.add('auto_archive_duration', 'BASE_TYPE_CHOICES', `Value must be one of {${ARCHIVE_DURATIONS.join(', ')}}.`);
  }
  checkInt(fe, 'rate_limit_per_user', body.rate_limit_per_user, 0, 21600);
  return fe.any ? fe.reply() : undefined;
}
