/** The public shapes of the fake: options, what it records, and the views a test reads. */
import type { Buffer } from 'node:buffer';
import type { RecordedHttp } from '../recorded.js';
import type { Json } from './json.js';
import type { PermissionName } from './permissions.js';

export type { Overwrite, PermissionName } from './permissions.js';

export interface FakeDiscordOptions {
  /**
   * Rate-limit bucket applied to message creation and edits, counted as Discord does: per channel
   * for sends and, apart, for edits of any message in it (both answered with one bucket hash); per
   * interaction token for follow-ups and, apart, for edits of any message of that token.
   * Default { limit: 5, windowMs: 5000 }.
   */
  editBucket?: { limit: number; windowMs: number };
  /** Sent in interactions as attachment_size_limit; larger uploads answer 413 / 40005. Default 10 MiB. */
  attachmentSizeLimit?: number;
  /** Bucket for every other route (keyed per route and major parameter). Default { limit: 50, windowMs: 1000 }. */
  defaultBucket?: { limit: number; windowMs: number };
  /**
   * The bot's global limit, over every request with its token; the interaction endpoints (callback
   * and interaction webhooks) are exempt, as Discord documents. Default { limit: 50, windowMs: 1000 }.
   */
  globalLimit?: { limit: number; windowMs: number };
  /** Time an interaction has for its first callback. Default 3000 ms (Discord's 3 s). */
  callbackWindowMs?: number;
  /** Lifetime of an interaction token for webhook routes. Default 15 minutes. */
  tokenLifetimeMs?: number;
  /** Gateway heartbeat interval sent in HELLO. Default 41250. */
  heartbeatIntervalMs?: number;
  /** Whole-request size limit (413 / 40005 above it). Default 25 MiB. */
  maxRequestBytes?: number;
  /**
   * Privileged intents switched on for the application in the Developer Portal (bitmask of
   * GuildPresences 1<<8, GuildMembers 1<<1, MessageContent 1<<15). Asking for another one closes the
   * gateway with 4014 "Disallowed intent(s)". Default: all three.
   */
  privilegedIntents?: number;
  /** Whether the bot is in its guilds. false: READY lists no guild, as before anyone invites it. Default true. */
  botInGuild?: boolean;
  /** The `shards` GET /gateway/bot recommends. Default: one per 1,000 guilds, at least 1 (a guess at Discord's rule). */
  recommendedShards?: number;
  /**
   * session_start_limit.max_concurrency: shards identify in buckets `shard_id % max_concurrency`, one
   * IDENTIFY per bucket per 5 s (more: op 9 INVALID_SESSION). Default 16, so that tests' shards start
   * without waiting; Discord gives most bots 1.
   */
  maxConcurrency?: number;
  /** session_start_limit.total: IDENTIFYs allowed per 24 h, all shards together. Default 1000 (Discord's). */
  sessionStartLimit?: number;
  /** Guilds one shard may serve; an IDENTIFY whose shard would serve more is closed with 4011. Default 2500 (Discord's). */
  maxGuildsPerShard?: number;
}

/** The gateway settings a test may change while the fake runs (read at each request / IDENTIFY). */
export type GatewayLimits = Pick<FakeDiscordOptions, 'recommendedShards' | 'maxConcurrency' | 'sessionStartLimit' | 'maxGuildsPerShard'>;

/** Which sessions a gateway control acts on: those identified as this shard id (and, if given, count); default every connection. */
export interface ShardSelector {
  shard?: number;
  shardCount?: number;
}

/** An IDENTIFY a client sent, and what the gateway did with it. */
export interface IdentifyRecord {
  /** performance.now() when it arrived. */
  at: number;
  connection: number;
  /** The shard as sent ([0, 1] when the client sent none). */
  shard: [number, number];
  /**
   * 'ready': a session started (READY); 'invalid-session': op 9, identified faster than
   * max_concurrency allows; 'closed': the gateway closed the connection with `closeCode`.
   */
  outcome: 'ready' | 'invalid-session' | 'closed';
  closeCode?: number;
  sessionId?: string;
}

/** A dispatch (op 0) the gateway assigned to a session. */
export interface DispatchRecord {
  /** performance.now() when it was assigned. */
  at: number;
  event: string;
  seq: number;
  sessionId: string;
  shard: [number, number];
  /** The guild it is about; undefined for DMs and events of no guild (READY, RESUMED). */
  guildId?: string;
  /** Whether it was written to an open connection: at once, or later when the session resumed. */
  delivered: boolean;
  data: unknown;
}

/** A gateway session, as a test sees it. */
export interface SessionView {
  sessionId: string;
  shard: [number, number];
  /** Not ended (a client closing with 1000/1001, or invalidated, ends it); a disconnected live session can resume. */
  alive: boolean;
  /** Whether a connection is open for it now. */
  connected: boolean;
  /** The connection it is on (or was last on). */
  connection: number;
  resumes: number;
}


export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** `path` is without the /api/v10 prefix, e.g. '/webhooks/APP/TOKEN/messages/@original'. */
export interface RecordedRequest extends RecordedHttp {
  /** Parsed JSON body (for multipart: the parsed payload_json). */
  json?: unknown;
  files?: RecordedFile[];
  /** Status the fake answered; 0 while the request is still in flight (or hanging). */
  status: number;
  /** performance.now() when the answer was sent. */
  answeredAt?: number;
  /** The JSON body the fake answered (undefined for 204). */
  response?: unknown;
  /** Response headers, lowercased names. */
  responseHeaders?: Record<string, string>;
  /** True when the answer came from inject() / rateLimitNext(). */
  injected?: boolean;
}

export interface GatewayFrame {
  at: number;
  /** Which connection (1, 2, ...) sent it. */
  connection: number;
  /** The URL path the connection used: '/gateway' (from GET /gateway/bot) or '/resume' (resume_gateway_url). */
  connectionPath: string;
  /** The shard of the connection's session (an IDENTIFY's or RESUME's: of the session it started or resumed; none if it failed). */
  shard?: [number, number];
  op: number;
  d: unknown;
}

export interface ApiUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
  system?: boolean;
  public_flags: number;
  flags?: number;
  banner?: string | null;
  accent_color?: number | null;
  avatar_decoration_data?: null;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type: string;
  width?: number;
  height?: number;
  description?: string;
  title?: string;
  ephemeral?: boolean;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  type: number;
  content: string;
  author: ApiUser;
  attachments: FakeAttachment[];
  embeds: unknown[];
  components: unknown[];
  flags: number;
  tts: boolean;
  pinned: boolean;
  timestamp: string;
  edited_timestamp: string | null;
  mentions: ApiUser[];
  mention_roles: string[];
  mention_everyone: boolean;
  message_reference?: { type: number; message_id: string; channel_id: string; guild_id?: string; fail_if_not_exists?: boolean };
  /** The allowed_mentions the client sent, last value (undefined if it never sent one). */
  allowed_mentions?: unknown;
  nonce?: string | number;
  poll?: unknown;
  sticker_ids?: string[];
  webhook_id?: string;
  application_id?: string;
  /** The interaction this message belongs to (original response or follow-up). */
  interaction_token?: string;
  interaction_id?: string;
  /** The thread started from this message (same id as the message). */
  thread_id?: string;
  /** Every content state in order, including creation. */
  edits: { at: number; content: string }[];
  deleted: boolean;
  /** performance.now() at creation. */
  createdAt: number;
}

export interface FakeInteraction {
  readonly id: string;
  readonly token: string;
  /** Interaction type: 2 application command, 3 message component, 4 autocomplete, 5 modal submit. */
  readonly type: number;
  readonly channelId: string;
  /** The INTERACTION_CREATE payload that was dispatched. */
  readonly payload: Record<string, unknown>;
  /** Callback POSTs, in order (including rejected ones). */
  readonly callbacks: RecordedRequest[];
  /** The accepted callback type (4, 5, 6, 7, 8, 9), if acknowledged. */
  acknowledgedWith(): number | undefined;
  /** The accepted callback's body (type and data as the bot sent them), if acknowledged. */
  acceptedCallback(): { type: number; data?: Record<string, unknown> } | undefined;
  /** The modal a type-9 callback showed, with the component ids Discord gave it. */
  modal(): FakeModal | undefined;
  original(): FakeMessage | undefined;
  followups(): FakeMessage[];
  /** Original then follow-ups, in order. */
  all(): FakeMessage[];
}

export interface SlashOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  /** Sub-command (1) / sub-command group (2) options. */
  options?: SlashOption[];
  focused?: boolean;
}

export interface UploadSpec {
  /** Option name (for slash) — ignored by postUserMessage. */
  option?: string;
  filename: string;
  contentType?: string;
  data: Buffer;
  /** Size to announce instead of data.length (to simulate huge files without the bytes). */
  declaredSize?: number;
  description?: string;
}

export interface InjectRule {
  method?: string;
  path?: RegExp;
  /** How many requests this applies to; default 1. */
  times?: number;
  /** Status to answer. If omitted, the request is handled normally after delayMs. */
  status?: number;
  /** JSON body; default a Discord-shaped `{ message, code }` for the status. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (the client's timeout aborts it). */
  hang?: boolean;
}

export interface CommandRecord extends Json {
  id: string;
  name: string;
  type: number;
}

/** A user pressing a button or picking from a select menu on a message. */
export interface ComponentPress {
  messageId: string;
  customId: string;
  /** Checked against the component when given: 2 button, 3 string select, 5 user select, ... */
  componentType?: number;
  /** For select menus: what the user picked. */
  values?: string[];
  user?: { id: string; username: string };
  /** The member's permissions as Discord sends them (a decimal string); default: computed in the channel. */
  memberPermissions?: string;
  /**
   * The user's client still showed a component the bot has since removed (they pressed as the edit
   * landed): the press is sent although the message no longer has it. It must have been on the message.
   */
  stale?: boolean;
}

/** A modal as the bot showed it (callback type 9). */
export interface FakeModal {
  custom_id: string;
  title: string;
  components: unknown[];
}

/** A user submitting the modal an interaction showed. */
export interface ModalSubmission {
  /** The interaction (or its id or token) that answered with the modal. */
  interaction: FakeInteraction | string;
  /** What the user entered, by custom_id: a string for a text input, the picked values for a select. */
  values?: Record<string, string | string[]>;
  /** The member's permissions as Discord sends them; default: computed in the channel. */
  memberPermissions?: string;
}

/** A message a human user posts in a channel. */
export interface UserMessage {
  channelId: string;
  content: string;
  author?: { id: string; username: string };
  attachments?: UploadSpec[];
  mentionsBot?: boolean;
  referenceMessageId?: string;
}

/** A user running a slash command. */
export interface SlashInvocation {
  channelId: string;
  name: string;
  options?: SlashOption[];
  attachments?: UploadSpec[];
  user?: { id: string; username: string };
  memberPermissions?: string;
}

/** A user typing into an autocompleted option (the focused one). */
export interface AutocompleteInvocation {
  channelId: string;
  name: string;
  options: SlashOption[];
  user?: { id: string; username: string };
}

/** A channel to create in a guild. */
export interface ChannelSpec {
  /** The guild (default: the default guild; a thread: its parent's). */
  guildId?: string;
  name?: string;
  /** 0 text (default), 2 voice, 4 category, 5 announcement, 10/11/12 threads, 15 forum, 16 media. */
  type?: number;
  parentId?: string;
  topic?: string;
  /** Permissions a member overwrite denies the bot in this channel (not for threads: they take their parent's). */
  botDeny?: PermissionName[];
}
