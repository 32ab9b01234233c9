/**
 * A local, faithful fake of Discord (REST API v10 + gateway) for end-to-end tests.
 *
 * The real discord.js `Client` logs into it with `new Client({ rest: { api: fake.apiUrl } })` and
 * `client.login(fake.token)`. REST runs on node:http and the gateway on `ws`, both on 127.0.0.1 and
 * an ephemeral port. Everything the client sends is recorded (`requests`, `gatewayFrames`) and the
 * resulting Discord state (messages, attachments, commands, interactions) can be inspected.
 *
 * Faithfulness notes (see /work/shared/notes/discord.md):
 * - every REST answer carries X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket headers; buckets
 *   are enforced with the real clock and exhausted buckets answer a real 429;
 * - errors have Discord's `{ message, code }` bodies (and `errors` for 50035 Invalid Form Body);
 * - interaction tokens: 3 s to send the first callback (10062 Unknown interaction afterwards),
 *   webhook routes need an acknowledged interaction (10015 Unknown Webhook) and expire after 15 min
 *   (401, 50027 Invalid Webhook Token);
 * - the first follow-up after a deferred reply replaces the "thinking" message (as Discord does);
 * - the gateway speaks JSON without compression; it keeps sessions so that RESUME (op 6) replays the
 *   dispatches the client missed; a client closing with 1000/1001 ends its session.
 */
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, WebSocket } from 'ws';
import type { RecordedHttp } from './recorded.js';
import { waitUntil } from './wait-until.js';

// ---------------------------------------------------------------------------------------------
// Public types

export interface FakeDiscordOptions {
  /**
   * Rate-limit bucket applied to message edits (PATCH of a message) and message creation, keyed per
   * message for edits (per route+message id) and per webhook/channel for creation.
   * Default { limit: 5, windowMs: 5000 }.
   */
  editBucket?: { limit: number; windowMs: number };
  /** Sent in interactions as attachment_size_limit; larger uploads answer 413 / 40005. Default 10 MiB. */
  attachmentSizeLimit?: number;
  /** Bucket for every other route (keyed per route and major parameter). Default { limit: 50, windowMs: 1000 }. */
  defaultBucket?: { limit: number; windowMs: number };
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
}

const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);

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
  /** Every content state in order, including creation. */
  edits: { at: number; content: string }[];
  deleted: boolean;
  /** performance.now() at creation. */
  createdAt: number;
}

export interface FakeInteraction {
  readonly id: string;
  readonly token: string;
  /** Interaction type: 2 application command, 4 autocomplete. */
  readonly type: number;
  readonly channelId: string;
  /** The INTERACTION_CREATE payload that was dispatched. */
  readonly payload: Record<string, unknown>;
  /** Callback POSTs, in order (including rejected ones). */
  readonly callbacks: RecordedRequest[];
  /** The accepted callback type (4, 5, 6, 7, 8, 9), if acknowledged. */
  acknowledgedWith(): number | undefined;
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

// ---------------------------------------------------------------------------------------------
// Internal types & helpers

type Json = Record<string, unknown>;
type Limit = { limit: number; windowMs: number };

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  rec: RecordedRequest;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: RecordedFile[];
  /** Run after the HTTP answer has been written (gateway dispatches). */
  after: (fn: () => void) => void;
}

interface Route {
  method: string;
  re: RegExp;
  /** Template used for the bucket hash (like discord.js' bucketRoute). */
  template: string;
  auth: boolean;
  /** Custom bucket: returns config + key; default bucket keyed per template + major parameter. */
  bucket?: (params: Record<string, string>) => { limit: Limit; key: string };
  handle: (ctx: Ctx) => Reply | Promise<Reply>;
}

interface StoredRule extends InjectRule {
  remaining: number;
  build?: () => Reply;
}

interface Blob_ {
  data: Buffer;
  contentType: string;
}

interface Session {
  sessionId: string;
  seq: number;
  log: { s: number; t: string; d: unknown }[];
  conn: Conn | undefined;
  intents: number;
  shard: [number, number];
  alive: boolean;
}

interface Conn {
  n: number;
  ws: WebSocket;
  path: string;
  session: Session | undefined;
}

interface InteractionState {
  id: string;
  token: string;
  type: number;
  channelId: string;
  guildId: string;
  user: ApiUser;
  commandName: string;
  createdMs: number;
  ackType: number | undefined;
  ackFlags: number;
  callbacks: RecordedRequest[];
  originalId: string | undefined;
  followupIds: string[];
  payload: Json;
  /** For component interactions: the message the component is on. */
  messageId?: string;
  autocomplete?: { resolve: (v: { choices: { name: string; value: string | number }[] }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
}

export interface CommandRecord extends Json {
  id: string;
  name: string;
  type: number;
}

const DISCORD_EPOCH = 1420070400000n;
const API_PREFIX = /^\/api\/v(\d+)(\/.*)?$/;

const Perm = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  Stream: 1n << 9n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  UseVAD: 1n << 25n,
  ChangeNickname: 1n << 26n,
  UseApplicationCommands: 1n << 31n,
  RequestToSpeak: 1n << 32n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  UseExternalStickers: 1n << 37n,
  SendMessagesInThreads: 1n << 38n,
  UseEmbeddedActivities: 1n << 39n,
  SendVoiceMessages: 1n << 46n,
  SendPolls: 1n << 49n,
  UseExternalApps: 1n << 50n,
} as const;

const EVERYONE_PERMS =
  Perm.CreateInstantInvite | Perm.AddReactions | Perm.Stream | Perm.ViewChannel | Perm.SendMessages |
  Perm.EmbedLinks | Perm.AttachFiles | Perm.ReadMessageHistory | Perm.MentionEveryone | Perm.UseExternalEmojis |
  Perm.Connect | Perm.Speak | Perm.UseVAD | Perm.ChangeNickname | Perm.UseApplicationCommands | Perm.RequestToSpeak |
  Perm.CreatePublicThreads | Perm.CreatePrivateThreads | Perm.UseExternalStickers | Perm.SendMessagesInThreads |
  Perm.UseEmbeddedActivities | Perm.SendVoiceMessages | Perm.SendPolls | Perm.UseExternalApps;
const BOT_ROLE_PERMS = EVERYONE_PERMS | Perm.ManageMessages | Perm.ManageChannels;

/** Gateway intent for message content (privileged). */
const INTENT_MESSAGE_CONTENT = 1 << 15;

const MessageFlag = { Ephemeral: 1 << 6, Loading: 1 << 7 } as const;

const TEXT_CHANNEL_TYPES = new Set([0, 1, 2, 3, 5, 10, 11, 12, 13, 15, 16]);
const THREAD_TYPES = new Set([10, 11, 12]);

function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function iso(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

function errBody(message: string, code: number, errors?: unknown): Json {
  return errors === undefined ? { message, code } : { message, code, errors };
}

function fieldError(code: string, message: string): Json {
  return { _errors: [{ code, message }] };
}

/** Sets a nested `errors` entry from a dotted path ('embeds.0.description'). */
function setPath(target: Json, path: string, value: Json): void {
  const parts = path.split('.');
  let cur = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]!;
    const next = cur[k];
    if (isObj(next)) cur = next;
    else {
      const fresh: Json = {};
      cur[k] = fresh;
      cur = fresh;
    }
  }
  cur[parts[parts.length - 1]!] = value;
}

class FormErrors {
  readonly errors: Json = {};
  any = false;
  add(path: string, code: string, message: string): void {
    setPath(this.errors, path, fieldError(code, message));
    this.any = true;
  }
  reply(): Reply {
    return { status: 400, body: errBody('Invalid Form Body', 50035, this.errors) };
  }
}

const STATUS_DEFAULT_BODY: Record<number, Json> = {
  400: errBody('400: Bad Request', 0),
  401: errBody('401: Unauthorized', 0),
  403: errBody('Missing Permissions', 50013),
  404: errBody('404: Not Found', 0),
  405: errBody('405: Method Not Allowed', 0),
  429: { message: 'You are being rate limited.', retry_after: 1, global: false },
  413: errBody('Request entity too large', 40005),
  500: errBody('500: Internal Server Error', 0),
  502: errBody('502: Bad Gateway', 0),
  503: errBody('503: Service Unavailable', 0),
};

const EXT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  pdf: 'application/pdf',
  zip: 'application/zip',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/x-wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
};

function contentTypeFor(filename: string, declared: string | undefined): string {
  const ext = filename.includes('.') ? filename.split('.').pop()!.toLowerCase() : '';
  const fromExt = EXT_TYPES[ext];
  if (declared && declared !== 'application/octet-stream') {
    if (declared.startsWith('text/') && !declared.includes('charset')) return `${declared}; charset=utf-8`;
    return declared;
  }
  return fromExt ?? declared ?? 'application/octet-stream';
}

/** Width/height of PNG, GIF, JPEG and WebP images, as Discord reports them on attachments. */
export function imageSize(b: Buffer): { width: number; height: number } | undefined {
  try {
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('ascii', 12, 16) === 'IHDR') {
      return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
    }
    if (b.length >= 10 && b.toString('ascii', 0, 3) === 'GIF') {
      return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
    }
    if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
      let i = 2;
      while (i + 9 < b.length) {
        if (b[i] !== 0xff) {
          i++;
          continue;
        }
        const marker = b[i + 1]!;
        if (marker === 0xff) {
          i++;
          continue;
        }
        if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
          i += 2;
          continue;
        }
        const len = b.readUInt16BE(i + 2);
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
        }
        i += 2 + len;
      }
      return undefined;
    }
    if (b.length >= 30 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WEBP') {
      const chunk = b.toString('ascii', 12, 16);
      if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
      if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
      if (chunk === 'VP8L') {
        const bits = b.readUInt32LE(21);
        return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function bucketHash(method: string, template: string): string {
  return createHash('sha1').update(`${method} ${template}`).digest('hex').slice(0, 32);
}

/** The major parameter discord.js keys its handlers on. */
function majorParameter(path: string): string {
  const m = /^\/webhooks\/(\d{17,19}\/[^/?]+)|^\/(?:channels|guilds|webhooks)\/(\d{17,19})/.exec(path);
  return m?.[2] ?? m?.[1] ?? 'global';
}

const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

// ---------------------------------------------------------------------------------------------

export class FakeDiscord {
  readonly origin: string;
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly resumeGatewayUrl: string;
  readonly applicationId: string;
  readonly botUser: ApiUser;
  readonly guildId: string;
  /** The default text channel ('general'). */
  readonly defaultChannelId: string;
  /** The default human user that invokes commands and posts messages. */
  readonly user: ApiUser;
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  /** GETs of attachment URLs (CDN), kept apart from REST requests. */
  readonly downloads: { at: number; path: string; status: number }[] = [];
  /** Every frame received from clients on the gateway. */
  readonly gatewayFrames: GatewayFrame[] = [];
  /** Number of PUTs to a commands route (global or guild). */
  commandPuts = 0;

  private readonly opts: Required<FakeDiscordOptions>;
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly routes: Route[] = [];
  private readonly rules: StoredRule[] = [];
  private readonly buckets = new Map<string, { count: number; resetAt: number }>();
  private readonly users = new Map<string, ApiUser>();
  private readonly members = new Map<string, { roles: string[]; joined_at: string; nick: string | null }>();
  private readonly channels = new Map<string, Json>();
  private readonly roles: Json[] = [];
  private readonly botRoleId: string;
  private readonly ownerId: string;
  private readonly store = new Map<string, FakeMessage>();
  private readonly byChannel = new Map<string, string[]>();
  private readonly blobs = new Map<string, Blob_>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly interactionsByToken = new Map<string, InteractionState>();
  private readonly globalCommands: CommandRecord[] = [];
  private readonly guildCommands = new Map<string, CommandRecord[]>();
  private readonly commandIds = new Map<string, string>();
  private readonly sessions: Session[] = [];
  private readonly conns = new Set<Conn>();
  private connCounter = 0;
  private readonly waiters = new Set<() => void>();
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<http.ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private snowInc = 0;
  private snowLastTs = 0n;
  private stopped = false;
  private holdNotify = 0;
  private pendingNotify = false;

  private constructor(opts: FakeDiscordOptions, server: http.Server, port: number) {
    this.opts = {
      editBucket: opts.editBucket ?? { limit: 5, windowMs: 5000 },
      attachmentSizeLimit: opts.attachmentSizeLimit ?? 10 * 1024 * 1024,
      defaultBucket: opts.defaultBucket ?? { limit: 50, windowMs: 1000 },
      callbackWindowMs: opts.callbackWindowMs ?? 3000,
      tokenLifetimeMs: opts.tokenLifetimeMs ?? 15 * 60 * 1000,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41250,
      maxRequestBytes: opts.maxRequestBytes ?? 25 * 1024 * 1024,
      privilegedIntents: opts.privilegedIntents ?? PRIVILEGED_INTENTS,
    };
    this.server = server;
    this.origin = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.origin}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    this.resumeGatewayUrl = `ws://127.0.0.1:${port}/resume`;

    this.applicationId = this.snowflake();
    this.botUser = {
      id: this.applicationId,
      username: 'FakeBot',
      discriminator: '4821',
      global_name: null,
      avatar: null,
      bot: true,
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
    };
    this.users.set(this.botUser.id, this.botUser);
    this.token = `${Buffer.from(this.applicationId).toString('base64').replace(/=+$/, '')}.${randomBytes(4).toString('base64url').slice(0, 6)}.${randomBytes(29).toString('base64url').slice(0, 38)}`;

    this.guildId = this.snowflake();
    this.user = this.addUser({ username: 'tester' });
    const owner = this.addUser({ username: 'owner' });
    this.ownerId = owner.id;
    this.botRoleId = this.snowflake();
    this.roles.push(this.role(this.guildId, '@everyone', EVERYONE_PERMS, 0));
    this.roles.push({ ...this.role(this.botRoleId, 'FakeBot', BOT_ROLE_PERMS, 1), managed: true, tags: { bot_id: this.applicationId } });
    this.members.set(this.botUser.id, { roles: [this.botRoleId], joined_at: iso(), nick: null });

    const category = this.createChannel({ name: 'Text Channels', type: 4 });
    this.defaultChannelId = this.createChannel({ name: 'general', type: 0, parentId: category });

    this.wss = new WebSocketServer({ noServer: true });
    this.installRoutes();
  }

  static async start(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeDiscord(opts, server, port);
    server.on('connection', (s) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    server.on('request', (req, res) => {
      fake.onHttp(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(errBody(`500: Internal Server Error (fake: ${String(err)})`, 0)));
        }
      });
    });
    server.on('upgrade', (req, socket, head) => fake.onUpgrade(req, socket as Socket, head));
    return fake;
  }

  // -------------------------------------------------------------------------------------------
  // State helpers (public)

  /** A fresh snowflake with the current timestamp (19 digits). */
  snowflake(): string {
    let ts = BigInt(Date.now()) - DISCORD_EPOCH;
    if (ts <= this.snowLastTs) ts = this.snowLastTs;
    if (ts === this.snowLastTs) {
      this.snowInc++;
      if (this.snowInc > 0xfff) {
        ts++;
        this.snowInc = 0;
      }
    } else this.snowInc = 0;
    this.snowLastTs = ts;
    return ((ts << 22n) | (1n << 17n) | (1n << 12n) | BigInt(this.snowInc)).toString();
  }

  /** Adds a (human) guild member. If a client is connected, dispatches GUILD_MEMBER_ADD. */
  addUser(opts: { id?: string; username: string; globalName?: string; bot?: boolean }): ApiUser {
    const id = opts.id ?? this.snowflake();
    const user: ApiUser = {
      id,
      username: opts.username,
      discriminator: opts.bot ? '0001' : '0',
      global_name: opts.bot ? null : (opts.globalName ?? opts.username),
      avatar: null,
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      ...(opts.bot ? { bot: true } : {}),
    };
    const isNew = !this.users.has(id);
    this.users.set(id, user);
    if (!this.members.has(id)) this.members.set(id, { roles: [], joined_at: iso(), nick: null });
    if (isNew && this.sessions.length > 0) {
      this.dispatch('GUILD_MEMBER_ADD', { ...this.memberObject(id), guild_id: this.guildId });
    }
    return user;
  }

  /** Adds a role without permissions, held by `userIds` (guild members). Dispatches GUILD_ROLE_CREATE to connected clients. */
  addRole(name: string, userIds: string[] = []): string {
    const role = this.role(this.snowflake(), name, 0n, this.roles.length);
    this.roles.push(role);
    for (const userId of userIds) this.members.get(userId)?.roles.push(role.id as string);
    if (this.sessions.length > 0) this.dispatch('GUILD_ROLE_CREATE', { guild_id: this.guildId, role });
    return role.id as string;
  }

  /** Creates a channel in the guild; dispatches CHANNEL_CREATE (threads: THREAD_CREATE) to connected clients. */
  /** A direct-message channel between the bot and a user (no guild). Known to the client only through interactions. */
  createDmChannel(user: ApiUser = this.user): string {
    const id = this.snowflake();
    this.channels.set(id, { id, type: 1, last_message_id: null, flags: 0, recipients: [user] });
    return id;
  }

  createChannel(opts: { name?: string; type?: number; parentId?: string; topic?: string } = {}): string {
    const id = this.snowflake();
    const type = opts.type ?? 0;
    const position = [...this.channels.values()].filter((c) => c.type === type).length;
    let channel: Json;
    if (THREAD_TYPES.has(type)) {
      const parentId = opts.parentId ?? this.defaultChannelId;
      channel = {
        id,
        type,
        guild_id: this.guildId,
        name: opts.name ?? `thread-${position}`,
        parent_id: parentId,
        owner_id: this.user.id,
        last_message_id: null,
        rate_limit_per_user: 0,
        flags: 0,
        member_count: 1,
        message_count: 0,
        total_message_sent: 0,
        thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: iso(), locked: false, create_timestamp: iso(), ...(type === 12 ? { invitable: true } : {}) },
      };
    } else {
      channel = {
        id,
        type,
        guild_id: this.guildId,
        name: opts.name ?? `channel-${position}`,
        position,
        permission_overwrites: [],
        parent_id: opts.parentId ?? null,
        nsfw: false,
        flags: 0,
        ...(type === 4
          ? {}
          : { topic: opts.topic ?? null, last_message_id: null, rate_limit_per_user: 0 }),
      };
    }
    this.channels.set(id, channel);
    this.byChannel.set(id, []);
    if (this.sessions.length > 0) {
      if (THREAD_TYPES.has(type)) this.dispatch('THREAD_CREATE', { ...channel, newly_created: true });
      else this.dispatch('CHANNEL_CREATE', channel);
    }
    this.changed();
    return id;
  }

  channel(id: string): Json | undefined {
    return this.channels.get(id);
  }

  /** Messages of a channel in creation order, current state (deleted ones included, flagged). */
  messages(channelId: string): FakeMessage[] {
    return (this.byChannel.get(channelId) ?? []).map((id) => this.store.get(id)!);
  }

  message(id: string): FakeMessage | undefined {
    return this.store.get(id);
  }

  /** The registered commands: global ones, or a guild's. */
  commands(guildId?: string): CommandRecord[] {
    return guildId === undefined ? [...this.globalCommands] : [...(this.guildCommands.get(guildId) ?? [])];
  }

  /** Bytes of an uploaded attachment (by attachment id). */
  attachmentData(attachmentId: string): Buffer | undefined {
    return this.blobs.get(attachmentId)?.data;
  }

  /** The CDN stops serving an attachment (its signed link expired, or it was deleted): 404 from then on. */
  expireAttachment(attachmentId: string): void {
    this.blobs.delete(attachmentId);
  }

  /**
   * A user clicks a button / picks from a select menu on a message (INTERACTION_CREATE type 3).
   * Callbacks 6 (deferUpdate) and 7 (update) make that message the interaction's original.
   */
  async component(opts: {
    messageId: string;
    customId: string;
    /** 2 button (default), 3 string select, 5 user select, ... */
    componentType?: number;
    values?: string[];
    user?: { id: string; username: string };
    memberPermissions?: string;
  }): Promise<FakeInteraction> {
    const msg = this.store.get(opts.messageId);
    if (!msg || msg.deleted) throw new Error(`FakeDiscord: unknown message ${opts.messageId}`);
    const st = this.newInteraction(3, msg.channel_id, '', opts.user, opts.memberPermissions, () => ({
      custom_id: opts.customId,
      component_type: opts.componentType ?? 2,
      ...(opts.values ? { values: opts.values } : {}),
    }));
    st.messageId = msg.id;
    st.payload.message = this.messageJson(msg);
    this.dispatch('INTERACTION_CREATE', st.payload);
    return this.interactionView(st);
  }

  /** Makes an interaction's token as old as Discord's 15-minute lifetime: webhook routes answer 401 / 50027. */
  expireInteractionToken(idOrToken: string): void {
    const st = this.interactions.get(idOrToken) ?? this.interactionsByToken.get(idOrToken);
    if (!st) throw new Error(`FakeDiscord: unknown interaction ${idOrToken}`);
    st.createdMs = Date.now() - this.opts.tokenLifetimeMs - 1;
  }

  interaction(idOrToken: string): FakeInteraction | undefined {
    const st = this.interactions.get(idOrToken) ?? this.interactionsByToken.get(idOrToken);
    return st && this.interactionView(st);
  }

  /** Changes the edit bucket for requests from now on (a benchmark runs several buckets against one client). */
  setEditBucket(bucket: { limit: number; windowMs: number }): void {
    this.opts.editBucket = bucket;
  }

  /** Number of gateway connections currently open. */
  get openConnections(): number {
    return [...this.conns].filter((c) => c.ws.readyState === WebSocket.OPEN).length;
  }

  // -------------------------------------------------------------------------------------------
  // Interactions

  async slash(opts: {
    channelId: string;
    name: string;
    options?: SlashOption[];
    attachments?: UploadSpec[];
    user?: { id: string; username: string };
    memberPermissions?: string;
  }): Promise<FakeInteraction> {
    const resolved: Json = {};
    const options: Json[] = (opts.options ?? []).map((o) => this.optionJson(o, resolved));
    if (opts.attachments?.length) {
      const atts: Json = {};
      for (const a of opts.attachments) {
        const att = this.storeUpload(a, `/ephemeral-attachments/${this.applicationId}`, true);
        atts[att.id] = att;
        options.push({ name: a.option ?? 'file', type: 11, value: att.id });
      }
      resolved.attachments = atts;
    }
    const st = this.newInteraction(2, opts.channelId, opts.name, opts.user, opts.memberPermissions, (cmd) => ({
      id: cmd.id,
      name: opts.name,
      type: 1,
      ...(options.length ? { options } : {}),
      ...(Object.keys(resolved).length ? { resolved } : {}),
      ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
    }));
    this.dispatch('INTERACTION_CREATE', st.payload);
    return this.interactionView(st);
  }

  /** Dispatches an autocomplete interaction and resolves with the choices of the type-8 callback. */
  async autocomplete(opts: {
    channelId: string;
    name: string;
    options: SlashOption[];
    user?: { id: string; username: string };
  }): Promise<{ choices: { name: string; value: string | number }[] }> {
    const options = opts.options.map((o) => this.optionJson(o, {}));
    const st = this.newInteraction(4, opts.channelId, opts.name, opts.user, undefined, (cmd) => ({
      id: cmd.id,
      name: opts.name,
      type: 1,
      options,
      ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
    }));
    const result = new Promise<{ choices: { name: string; value: string | number }[] }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        reject(new Error(`autocomplete '${opts.name}' got no type-8 callback within ${this.opts.callbackWindowMs} ms${this.recentSummary()}`));
      }, this.opts.callbackWindowMs + 50);
      this.timers.add(timer);
      st.autocomplete = { resolve, reject, timer };
    });
    this.dispatch('INTERACTION_CREATE', st.payload);
    return result;
  }

  private optionJson(o: SlashOption, resolved: Json): Json {
    const out: Json = { name: o.name, type: o.type };
    if (o.value !== undefined) out.value = o.value;
    if (o.focused) out.focused = true;
    if (o.options) out.options = o.options.map((x) => this.optionJson(x, resolved));
    const id = typeof o.value === 'string' ? o.value : undefined;
    if (id && (o.type === 6 || o.type === 9) && this.users.has(id)) {
      const users = (resolved.users ??= {}) as Json;
      const members = (resolved.members ??= {}) as Json;
      users[id] = this.users.get(id);
      const { user: _u, ...member } = this.memberObject(id);
      members[id] = { ...member, permissions: this.memberPerms(id).toString() };
    }
    if (id && o.type === 7 && this.channels.has(id)) {
      const ch = this.channels.get(id)!;
      ((resolved.channels ??= {}) as Json)[id] = { ...ch, permissions: this.memberPerms(this.user.id).toString() };
    }
    if (id && (o.type === 8 || o.type === 9)) {
      const role = this.roles.find((r) => r.id === id);
      if (role) ((resolved.roles ??= {}) as Json)[id] = role;
    }
    return out;
  }

  private newInteraction(
    type: number,
    channelId: string,
    name: string,
    who: { id: string; username: string } | undefined,
    memberPermissions: string | undefined,
    data: (cmd: { id: string; guild_id?: string }) => Json,
  ): InteractionState {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`FakeDiscord: unknown channel ${channelId}`);
    if (!this.sessions.some((s) => s.alive)) {
      throw new Error('FakeDiscord: no gateway session to dispatch the interaction to (is a client logged in and ready?)');
    }
    let user = this.user;
    if (who) user = this.users.get(who.id) ?? this.addUser({ id: who.id, username: who.username });
    const guildCmd = this.guildCommands.get(this.guildId)?.find((c) => c.name === name);
    const globalCmd = this.globalCommands.find((c) => c.name === name);
    const cmd = guildCmd
      ? { id: guildCmd.id, guild_id: this.guildId }
      : globalCmd
        ? { id: globalCmd.id }
        : { id: name ? this.commandId('global', `1:${name}`) : '' };
    const id = this.snowflake();
    // Real tokens are base64 of 'interaction:<id>:<secret>'.
    const token = Buffer.from(`interaction:${id}:${randomBytes(96).toString('base64url')}`).toString('base64url');
    const perms = memberPermissions ?? this.memberPerms(user.id).toString();
    const dm = channel.type === 1;
    const payload: Json = {
      app_permissions: this.memberPerms(this.botUser.id).toString(),
      application_id: this.applicationId,
      attachment_size_limit: this.opts.attachmentSizeLimit,
      authorizing_integration_owners: { '0': this.guildId },
      channel: { ...channel, permissions: perms },
      channel_id: channelId,
      context: 0,
      data: data(cmd),
      entitlement_sku_ids: [],
      entitlements: [],
      guild: { features: [], id: this.guildId, locale: 'en-US' },
      guild_id: this.guildId,
      guild_locale: 'en-US',
      id,
      locale: 'en-US',
      member: { ...this.memberObject(user.id), permissions: perms },
      token,
      type,
      version: 1,
    };
    if (dm) {
      // A bot DM: no guild, no member; the user at the top level (context 1 = BOT_DM).
      for (const key of ['guild', 'guild_id', 'guild_locale', 'member']) delete payload[key];
      Object.assign(payload, { user, context: 1, authorizing_integration_owners: { '0': '0' }, channel: { ...channel } });
    }
    const st: InteractionState = {
      id,
      token,
      type,
      channelId,
      guildId: this.guildId,
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
    this.interactions.set(id, st);
    this.interactionsByToken.set(token, st);
    return st;
  }

  private interactionView(st: InteractionState): FakeInteraction {
    const self = this;
    return {
      id: st.id,
      token: st.token,
      type: st.type,
      channelId: st.channelId,
      payload: st.payload,
      callbacks: st.callbacks,
      acknowledgedWith: () => st.ackType,
      original: () => (st.originalId ? self.store.get(st.originalId) : undefined),
      followups: () => st.followupIds.map((id) => self.store.get(id)!),
      all: () => [...(st.originalId ? [self.store.get(st.originalId)!] : []), ...st.followupIds.map((id) => self.store.get(id)!)],
    };
  }

  // -------------------------------------------------------------------------------------------
  // User messages

  postUserMessage(opts: {
    channelId: string;
    content: string;
    author?: { id: string; username: string };
    attachments?: UploadSpec[];
    mentionsBot?: boolean;
    referenceMessageId?: string;
  }): FakeMessage {
    const channel = this.channels.get(opts.channelId);
    if (!channel) throw new Error(`FakeDiscord: unknown channel ${opts.channelId}`);
    const author = opts.author ? (this.users.get(opts.author.id) ?? this.addUser(opts.author)) : this.user;
    let content = opts.content;
    const botMention = new RegExp(`<@!?${this.botUser.id}>`);
    if (opts.mentionsBot && !botMention.test(content)) content = `<@${this.botUser.id}> ${content}`;
    const attachments = (opts.attachments ?? []).map((a) => this.storeUpload(a, `/attachments/${opts.channelId}`, false));
    let reference: FakeMessage['message_reference'];
    if (opts.referenceMessageId) {
      const ref = this.store.get(opts.referenceMessageId);
      if (!ref) throw new Error(`FakeDiscord: unknown referenced message ${opts.referenceMessageId}`);
      reference = { type: 0, message_id: ref.id, channel_id: ref.channel_id, guild_id: this.guildId };
    }
    const msg = this.createMessage({
      channelId: opts.channelId,
      author,
      type: reference ? 19 : 0,
      body: { content },
      attachments,
      reference,
    });
    this.dispatchMessage('MESSAGE_CREATE', msg);
    return msg;
  }

  // -------------------------------------------------------------------------------------------
  // Gateway control

  /**
   * Raw gateway dispatch to every live session (connected, or disconnected but resumable: those get
   * it on RESUME). Guild events go to the shard owning the guild.
   */
  dispatch(event: string, data: unknown): void {
    const guildId = isObj(data) && typeof data.guild_id === 'string' ? data.guild_id : undefined;
    for (const s of this.sessions) {
      if (!s.alive) continue;
      if (!this.sessionOwns(s, guildId)) continue;
      this.send(s, event, this.forSession(s, event, data));
    }
    this.changed();
  }

  /** Closes every client websocket with `code` (default 4000, which discord.js answers with RESUME). */
  dropGateway(code = 4000): void {
    for (const c of this.conns) {
      if (c.ws.readyState === WebSocket.OPEN) c.ws.close(code, 'fake: dropped');
      else c.ws.terminate();
    }
  }

  /** Sends op 7 RECONNECT: the client closes and resumes on resume_gateway_url. */
  requestReconnect(): void {
    for (const c of this.conns) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ op: 7, d: null }));
  }

  /** Sends op 9 INVALID_SESSION (d = resumable) to every connected client and kills non-resumable sessions. */
  invalidateSessions(resumable = false): void {
    for (const c of this.conns) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (!resumable && c.session) c.session.alive = false;
      c.ws.send(JSON.stringify({ op: 9, d: resumable }));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Fault injection

  inject(rule: InjectRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  rateLimitNext(opts: { method?: string; path?: RegExp; times?: number; retryAfterSec: number; global?: boolean; scope?: 'user' | 'shared' }): void {
    const rule: StoredRule = {
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.path ? { path: opts.path } : {}),
      remaining: opts.times ?? 1,
      status: 429,
    };
    rule.build = () => {
      const retry = opts.retryAfterSec;
      const headers: Record<string, string> = {
        'Retry-After': String(Math.max(1, Math.ceil(retry))),
      };
      if (opts.global) {
        headers['X-RateLimit-Global'] = 'true';
        headers['X-RateLimit-Scope'] = 'global';
      } else {
        headers['X-RateLimit-Scope'] = opts.scope ?? 'user';
        headers['X-RateLimit-Remaining'] = '0';
        headers['X-RateLimit-Reset-After'] = retry.toFixed(3);
        headers['X-RateLimit-Reset'] = ((Date.now() + retry * 1000) / 1000).toFixed(3);
      }
      return { status: 429, headers, body: { message: 'You are being rate limited.', retry_after: Number(retry.toFixed(3)), global: Boolean(opts.global) } };
    };
    this.rules.push(rule);
  }

  // -------------------------------------------------------------------------------------------
  // Waiting

  /**
   * Resolves with the predicate's first truthy value. Re-evaluated after every request and every
   * state change (no polling). Rejects after timeoutMs (default 10 s) with `what` and the recent requests.
   */
  waitFor<T>(predicate: () => T | undefined | false | null, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return waitUntil(predicate, {
      timeoutMs,
      subscribe: (check) => {
        this.waiters.add(check);
        return () => this.waiters.delete(check);
      },
      track: (timer) => {
        this.timers.add(timer);
        return () => this.timers.delete(timer);
      },
      describe: () => `FakeDiscord.waitFor(${opts.what ?? 'condition'}) timed out after ${timeoutMs} ms${this.recentSummary()}`,
    });
  }

  /**
   * Re-evaluates waitFor predicates. While a REST request is being handled, notifications are held
   * until its answer is written, so a predicate never sees state whose request is still unanswered.
   */
  private changed(): void {
    if (this.holdNotify > 0) {
      this.pendingNotify = true;
      return;
    }
    this.pendingNotify = false;
    for (const w of [...this.waiters]) w();
  }

  recentSummary(n = 15): string {
    const recent = this.requests.slice(-n);
    if (recent.length === 0) return '\n  (no REST requests received)';
    return `\n  last ${recent.length} of ${this.requests.length} requests:\n${recent
      .map((r) => `    ${r.method} ${r.path} -> ${r.status || 'pending'}${r.injected ? ' (injected)' : ''}`)
      .join('\n')}`;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const st of this.interactions.values()) st.autocomplete?.reject(new Error('FakeDiscord stopped'));
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------
  // HTTP plumbing

  private async onHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', this.origin);
    const rawPath = url.pathname;

    if (req.method === 'GET' && /^\/(media\/)?(ephemeral-)?attachments\//.test(rawPath)) {
      const m = /^\/(?:media\/)?(?:ephemeral-)?attachments\/\d+\/(\d+)\//.exec(rawPath);
      const blob = m ? this.blobs.get(m[1]!) : undefined;
      this.downloads.push({ at, path: rawPath, status: blob ? 200 : 404 });
      if (!blob) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('Not Found');
      } else {
        res.writeHead(200, { 'Content-Type': blob.contentType, 'Content-Length': String(blob.data.length) });
        res.end(blob.data);
      }
      this.changed();
      return;
    }

    const api = API_PREFIX.exec(rawPath);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = api ? decodeURIComponent(api[2] ?? '/') : decodeURIComponent(rawPath);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const rec: RecordedRequest = { at, method, path, query, headers, status: 0 };
    this.requests.push(rec);

    // Body
    const chunks: Buffer[] = [];
    let total = 0;
    let tooLarge = false;
    for await (const chunk of req) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > this.opts.maxRequestBytes + 1024 * 1024) tooLarge = true;
      if (!tooLarge) chunks.push(b);
    }
    const raw = Buffer.concat(chunks);
    this.changed();

    const answer = (reply: Reply, injected = false): void => this.answer(res, rec, reply, injected);

    if (!api || (api[1] !== '10' && api[1] !== '9')) {
      answer({ status: 404, body: errBody('404: Not Found', 0) });
      return;
    }

    // Parse body
    let body: unknown;
    let files: RecordedFile[] = [];
    const ct = headers['content-type'] ?? '';
    if (raw.length > 0) {
      if (ct.startsWith('multipart/form-data')) {
        try {
          const form = await new Request(url, { method: 'POST', headers: { 'content-type': ct }, body: raw }).formData();
          const fields: Json = {};
          for (const [field, value] of form.entries()) {
            if (typeof value === 'string') {
              if (field === 'payload_json') {
                body = JSON.parse(value);
              } else fields[field] = value;
            } else {
              files.push({
                field,
                filename: value.name,
                contentType: value.type,
                data: Buffer.from(await value.arrayBuffer()),
              });
            }
          }
          if (body === undefined && Object.keys(fields).length) body = fields;
        } catch {
          answer({ status: 400, body: errBody('The request body contains invalid JSON.', 50109) });
          return;
        }
        rec.files = files;
      } else {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          answer({ status: 400, body: errBody('The request body contains invalid JSON.', 50109) });
          return;
        }
      }
      rec.json = body;
    }

    // Fault injection
    const rule = this.rules.find((r) => r.remaining > 0 && (!r.method || r.method.toUpperCase() === method) && (!r.path || r.path.test(path)));
    if (rule) {
      rule.remaining--;
      if (rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
      if (rule.hang) {
        rec.injected = true;
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        this.changed();
        return;
      }
      if (rule.delayMs) {
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            this.timers.delete(t);
            r();
          }, rule.delayMs);
          this.timers.add(t);
        });
        if (this.stopped) return;
      }
      if (rule.build || rule.status !== undefined) {
        const reply = rule.build
          ? rule.build()
          : { status: rule.status!, body: rule.body ?? STATUS_DEFAULT_BODY[rule.status!] ?? errBody(`${rule.status}: Error`, 0), ...(rule.headers ? { headers: rule.headers } : {}) };
        if (rule.build) {
          const route = this.routes.find((r) => r.method === method && r.re.test(path));
          reply.headers = { 'X-RateLimit-Bucket': bucketHash(method, route?.template ?? path), 'X-RateLimit-Limit': String(this.opts.defaultBucket.limit), ...reply.headers };
        }
        answer(reply, true);
        return;
      }
    }

    // Routing
    let route: Route | undefined;
    let params: Record<string, string> = {};
    let pathKnown = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (r.method !== method) continue;
      route = r;
      params = { ...(m.groups ?? {}) };
      break;
    }
    if (!route) {
      const reply: Reply = pathKnown
        ? { status: 405, body: errBody('405: Method Not Allowed', 0) }
        : { status: 404, body: errBody('404: Not Found', 0) };
      answer(this.withBucket(reply, { limit: this.opts.defaultBucket, key: `unknown:${method}:${majorParameter(path)}` }, bucketHash(method, 'unknown'), at));
      return;
    }

    const bucket = route.bucket?.(params) ?? { limit: this.opts.defaultBucket, key: `${bucketHash(method, route.template)}:${majorParameter(path)}` };
    const hash = bucketHash(method, route.template);

    if (route.auth) {
      const auth = headers.authorization ?? '';
      if (!/^Bot \S+/.test(auth)) {
        answer({ status: 401, body: errBody('401: Unauthorized', 0) });
        return;
      }
    }

    // Rate limit
    const limited = this.consume(bucket, at);
    if (limited) {
      answer(this.rateLimited(bucket, hash, limited));
      return;
    }

    if (tooLarge || total > this.opts.maxRequestBytes || files.some((f) => f.data.length > this.opts.attachmentSizeLimit)) {
      answer(this.withBucket({ status: 413, body: errBody('Request entity too large', 40005) }, bucket, hash, at));
      return;
    }

    const afters: (() => void)[] = [];
    const ctx: Ctx = { rec, params, query: url.searchParams, body, files, after: (fn) => afters.push(fn) };
    this.holdNotify++;
    let reply: Reply;
    try {
      reply = await route.handle(ctx);
    } catch (err) {
      reply = { status: 500, body: errBody(`500: Internal Server Error (fake: ${String(err)})`, 0) };
    } finally {
      this.holdNotify--;
    }
    answer(this.withBucket(reply, bucket, hash, at));
    if (this.pendingNotify) this.changed();
    for (const fn of afters) setImmediate(() => fn());
  }

  private answer(res: http.ServerResponse, rec: RecordedRequest, reply: Reply, injected: boolean): void {
    if (this.stopped || res.destroyed) return;
    const headers: Record<string, string> = { Date: new Date().toUTCString(), Via: '1.1 google', ...reply.headers };
    let payload: string | undefined;
    if (reply.status !== 204 && reply.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(reply.body);
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
    rec.status = reply.status;
    rec.answeredAt = performance.now();
    rec.response = reply.body;
    rec.responseHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    if (injected) rec.injected = true;
    this.changed();
  }

  /** Consumes one request from a bucket; returns ms until reset if it is exhausted. */
  private consume(bucket: { limit: Limit; key: string }, now: number): number | undefined {
    let st = this.buckets.get(bucket.key);
    if (!st || now >= st.resetAt) {
      st = { count: 0, resetAt: now + bucket.limit.windowMs };
      this.buckets.set(bucket.key, st);
    }
    if (st.count >= bucket.limit.limit) return Math.max(1, st.resetAt - now);
    st.count++;
    return undefined;
  }

  private withBucket(reply: Reply, bucket: { limit: Limit; key: string }, hash: string, arrival: number): Reply {
    const st = this.buckets.get(bucket.key) ?? { count: 0, resetAt: arrival + bucket.limit.windowMs };
    const resetAfterMs = Math.max(0, Math.ceil(st.resetAt - performance.now()));
    return {
      ...reply,
      headers: {
        'X-RateLimit-Bucket': hash,
        'X-RateLimit-Limit': String(bucket.limit.limit),
        'X-RateLimit-Remaining': String(Math.max(0, bucket.limit.limit - st.count)),
        'X-RateLimit-Reset': ((Date.now() + resetAfterMs) / 1000).toFixed(3),
        'X-RateLimit-Reset-After': (resetAfterMs / 1000).toFixed(3),
        ...reply.headers,
      },
    };
  }

  private rateLimited(bucket: { limit: Limit; key: string }, hash: string, msLeft: number): Reply {
    const sec = msLeft / 1000;
    return {
      status: 429,
      headers: {
        'Retry-After': String(Math.ceil(sec)),
        'X-RateLimit-Bucket': hash,
        'X-RateLimit-Limit': String(bucket.limit.limit),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': ((Date.now() + msLeft) / 1000).toFixed(3),
        'X-RateLimit-Reset-After': sec.toFixed(3),
        'X-RateLimit-Scope': 'user',
      },
      body: { message: 'You are being rate limited.', retry_after: Number(sec.toFixed(3)), global: false },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Routes

  private installRoutes(): void {
    const S = '(?<%s>\\d{17,19})';
    const id = (n: string): string => S.replace('%s', n);
    const add = (method: string, pattern: string, template: string, auth: boolean, handle: Route['handle'], bucket?: Route['bucket']): void => {
      this.routes.push({ method, re: new RegExp(`^${pattern}$`), template, auth, handle, ...(bucket ? { bucket } : {}) });
    };
    const editBucketFor = (method: string, template: string) => (key: (p: Record<string, string>) => string) => (p: Record<string, string>) => ({
      limit: this.opts.editBucket,
      key: `${bucketHash(method, template)}:${key(p)}`,
    });

    // --- gateway / users / applications
    add('GET', '/gateway', '/gateway', false, () => ({ status: 200, body: { url: this.gatewayUrl } }));
    add('GET', '/gateway/bot', '/gateway/bot', true, () => ({
      status: 200,
      body: {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 16 },
      },
    }));
    add('GET', '/users/@me', '/users/@me', true, () => ({
      status: 200,
      body: { ...this.botUser, verified: true, mfa_enabled: false, locale: 'en-US', email: null, premium_type: 0 },
    }));
    add('GET', `/users/${id('user')}`, '/users/:id', true, ({ params }) => {
      const u = this.users.get(params.user!);
      return u ? { status: 200, body: u } : { status: 404, body: errBody('Unknown User', 10013) };
    });
    add('GET', '/applications/@me', '/applications/@me', true, () => ({ status: 200, body: this.applicationObject() }));
    add('GET', '/oauth2/applications/@me', '/oauth2/applications/@me', true, () => ({ status: 200, body: this.applicationObject() }));

    // --- guild / channels
    add('GET', `/guilds/${id('guild')}`, '/guilds/:id', true, ({ params }) =>
      params.guild === this.guildId ? { status: 200, body: this.guildObject(false) } : { status: 404, body: errBody('Unknown Guild', 10004) });
    add('GET', `/guilds/${id('guild')}/channels`, '/guilds/:id/channels', true, ({ params }) =>
      params.guild === this.guildId
        ? { status: 200, body: [...this.channels.values()].filter((c) => !THREAD_TYPES.has(c.type as number)) }
        : { status: 404, body: errBody('Unknown Guild', 10004) });
    add('GET', `/guilds/${id('guild')}/members/${id('user')}`, '/guilds/:id/members/:id', true, ({ params }) => {
      if (params.guild !== this.guildId) return { status: 404, body: errBody('Unknown Guild', 10004) };
      return this.members.has(params.user!) ? { status: 200, body: this.memberObject(params.user!) } : { status: 404, body: errBody('Unknown Member', 10007) };
    });
    add('GET', `/guilds/${id('guild')}/roles`, '/guilds/:id/roles', true, ({ params }) =>
      params.guild === this.guildId ? { status: 200, body: this.roles } : { status: 404, body: errBody('Unknown Guild', 10004) });
    add('GET', `/channels/${id('channel')}`, '/channels/:id', true, ({ params }) => {
      const ch = this.channels.get(params.channel!);
      return ch ? { status: 200, body: ch } : { status: 404, body: errBody('Unknown Channel', 10003) };
    });
    add('POST', `/channels/${id('channel')}/typing`, '/channels/:id/typing', true, ({ params, after }) => {
      if (!this.channels.has(params.channel!)) return { status: 404, body: errBody('Unknown Channel', 10003) };
      after(() =>
        this.dispatch('TYPING_START', {
          channel_id: params.channel,
          guild_id: this.guildId,
          user_id: this.botUser.id,
          timestamp: Math.floor(Date.now() / 1000),
          member: this.memberObject(this.botUser.id),
        }),
      );
      return { status: 204 };
    });

    // --- channel messages
    add('GET', `/channels/${id('channel')}/messages`, '/channels/:id/messages', true, ({ params, query }) => {
      if (!this.channels.has(params.channel!)) return { status: 404, body: errBody('Unknown Channel', 10003) };
      const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 50)));
      let list = this.messages(params.channel!).filter((m) => !m.deleted && !(m.flags & MessageFlag.Ephemeral));
      const before = query.get('before');
      const afterId = query.get('after');
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (afterId) list = list.filter((m) => BigInt(m.id) > BigInt(afterId));
      const out = afterId ? list.slice(0, limit) : list.slice(-limit);
      return { status: 200, body: out.reverse().map((m) => this.messageJson(m)) };
    });
    add('GET', `/channels/${id('channel')}/messages/${id('message')}`, '/channels/:id/messages/:id', true, ({ params }) => {
      if (!this.channels.has(params.channel!)) return { status: 404, body: errBody('Unknown Channel', 10003) };
      const m = this.store.get(params.message!);
      if (!m || m.deleted || m.channel_id !== params.channel || m.flags & MessageFlag.Ephemeral) return { status: 404, body: errBody('Unknown Message', 10008) };
      return { status: 200, body: this.messageJson(m) };
    });
    add(
      'POST',
      `/channels/${id('channel')}/messages`,
      '/channels/:id/messages',
      true,
      (ctx) => this.channelCreateMessage(ctx),
      editBucketFor('POST', '/channels/:id/messages')((p) => p.channel!),
    );
    add(
      'PATCH',
      `/channels/${id('channel')}/messages/${id('message')}`,
      '/channels/:id/messages/:id',
      true,
      (ctx) => {
        if (!this.channels.has(ctx.params.channel!)) return { status: 404, body: errBody('Unknown Channel', 10003) };
        const m = this.store.get(ctx.params.message!);
        if (!m || m.deleted || m.channel_id !== ctx.params.channel) return { status: 404, body: errBody('Unknown Message', 10008) };
        if (m.author.id !== this.botUser.id) return { status: 403, body: errBody('Cannot edit a message authored by another user', 50005) };
        return this.editMessage(ctx, m);
      },
      editBucketFor('PATCH', '/channels/:id/messages/:id')((p) => p.message!),
    );
    add('DELETE', `/channels/${id('channel')}/messages/${id('message')}`, '/channels/:id/messages/:id', true, ({ params, after }) => {
      if (!this.channels.has(params.channel!)) return { status: 404, body: errBody('Unknown Channel', 10003) };
      const m = this.store.get(params.message!);
      if (!m || m.deleted || m.channel_id !== params.channel) return { status: 404, body: errBody('Unknown Message', 10008) };
      this.deleteMessage(m, after);
      return { status: 204 };
    });

    // --- interaction callback
    // Discord puts no per-route limit on callbacks worth modelling: one bucket per interaction.
    add('POST', `/interactions/${id('interaction')}/(?<token>[^/]+)/callback`, '/interactions/:id/:token/callback', false, (ctx) => this.callback(ctx), (p) => ({
      limit: this.opts.defaultBucket,
      key: `callback:${p.interaction}`,
    }));

    // --- interaction webhooks
    const W = `/webhooks/${id('app')}/(?<token>[^/]+)`;
    const webhookMsgTemplate = '/webhooks/:id/:token/messages/:message';
    const messageKey = (p: Record<string, string>): string => {
      if (p.message === '@original') return this.interactionsByToken.get(p.token!)?.originalId ?? `@original:${p.token}`;
      return p.message!;
    };
    add('POST', W, '/webhooks/:id/:token', false, (ctx) => this.webhookCreate(ctx), editBucketFor('POST', '/webhooks/:id/:token')((p) => `${p.app}/${p.token}`));
    add('GET', `${W}/messages/(?<message>@original|\\d{17,19})`, webhookMsgTemplate, false, (ctx) => {
      const r = this.webhookMessage(ctx);
      return 'reply' in r ? r.reply : { status: 200, body: this.messageJson(r.msg) };
    });
    add(
      'PATCH',
      `${W}/messages/(?<message>@original|\\d{17,19})`,
      webhookMsgTemplate,
      false,
      (ctx) => {
        const r = this.webhookMessage(ctx);
        return 'reply' in r ? r.reply : this.editMessage(ctx, r.msg);
      },
      editBucketFor('PATCH', webhookMsgTemplate)(messageKey),
    );
    add('DELETE', `${W}/messages/(?<message>@original|\\d{17,19})`, webhookMsgTemplate, false, (ctx) => {
      const r = this.webhookMessage(ctx);
      if ('reply' in r) return r.reply;
      this.deleteMessage(r.msg, ctx.after);
      return { status: 204 };
    });

    // --- application commands
    const G = `/applications/${id('app')}/guilds/${id('guild')}/commands`;
    const A = `/applications/${id('app')}/commands`;
    for (const [base, template] of [
      [A, '/applications/:id/commands'],
      [G, '/applications/:id/guilds/:id/commands'],
    ] as const) {
      add('GET', base, template, true, (ctx) => this.commandsRoute(ctx, 'list'));
      add('PUT', base, template, true, (ctx) => this.commandsRoute(ctx, 'put'));
      add('POST', base, template, true, (ctx) => this.commandsRoute(ctx, 'post'));
      add('GET', `${base}/${id('command')}`, `${template}/:id`, true, (ctx) => this.commandsRoute(ctx, 'get'));
      add('PATCH', `${base}/${id('command')}`, `${template}/:id`, true, (ctx) => this.commandsRoute(ctx, 'patch'));
      add('DELETE', `${base}/${id('command')}`, `${template}/:id`, true, (ctx) => this.commandsRoute(ctx, 'delete'));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Route handlers

  private channelCreateMessage(ctx: Ctx): Reply {
    const channelId = ctx.params.channel!;
    const channel = this.channels.get(channelId);
    if (!channel) return { status: 404, body: errBody('Unknown Channel', 10003) };
    if (!TEXT_CHANNEL_TYPES.has(channel.type as number)) return { status: 400, body: errBody('Cannot send messages in a non-text channel', 50008) };
    const body = isObj(ctx.body) ? ctx.body : {};
    const invalid = this.validateMessageBody(body, ctx.files, true);
    if (invalid) return invalid;

    let reference: FakeMessage['message_reference'];
    const ref = body.message_reference;
    if (isObj(ref) && typeof ref.message_id === 'string') {
      const target = this.store.get(ref.message_id);
      const refChannel = typeof ref.channel_id === 'string' ? ref.channel_id : channelId;
      if (!target || target.deleted || target.channel_id !== refChannel) {
        if (ref.fail_if_not_exists !== false) {
          const fe = new FormErrors();
          fe.add('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
          return fe.reply();
        }
      } else {
        reference = { type: typeof ref.type === 'number' ? ref.type : 0, message_id: target.id, channel_id: target.channel_id, guild_id: this.guildId };
      }
    }
    const attachments = this.attachmentsFromRequest(body, ctx.files, [], channelId);
    const msg = this.createMessage({ channelId, author: this.botUser, type: reference ? 19 : 0, body, attachments, reference });
    ctx.after(() => this.dispatchMessage('MESSAGE_CREATE', msg));
    return { status: 200, body: this.messageJson(msg) };
  }

  private editMessage(ctx: Ctx, m: FakeMessage): Reply {
    const body = isObj(ctx.body) ? ctx.body : {};
    const invalid = this.validateMessageBody(body, ctx.files, false, m);
    if (invalid) return invalid;
    const now = performance.now();
    if ('content' in body) {
      m.content = typeof body.content === 'string' ? body.content : '';
      m.edits.push({ at: now, content: m.content });
    }
    if ('embeds' in body) m.embeds = Array.isArray(body.embeds) ? body.embeds.map((e) => this.normalizeEmbed(e)) : [];
    if ('components' in body) m.components = Array.isArray(body.components) ? body.components : [];
    if ('allowed_mentions' in body) m.allowed_mentions = body.allowed_mentions;
    if ('flags' in body && typeof body.flags === 'number') {
      // Only SUPPRESS_EMBEDS can be toggled on edit; the rest is kept.
      m.flags = (m.flags & ~4) | (body.flags & 4);
    }
    if ('attachments' in body || ctx.files.length) {
      m.attachments = this.attachmentsFromRequest(body, ctx.files, m.attachments, m.channel_id);
    }
    // Completing a deferred ("thinking") reply is not shown as an edit.
    if (m.flags & MessageFlag.Loading) m.flags &= ~MessageFlag.Loading;
    else m.edited_timestamp = iso();
    this.recomputeMentions(m, false);
    ctx.after(() => this.dispatchMessage('MESSAGE_UPDATE', m));
    this.changed();
    return { status: 200, body: this.messageJson(m) };
  }

  private deleteMessage(m: FakeMessage, after: (fn: () => void) => void): void {
    m.deleted = true;
    this.changed();
    if (!(m.flags & MessageFlag.Ephemeral)) {
      after(() => this.dispatch('MESSAGE_DELETE', { id: m.id, channel_id: m.channel_id, guild_id: this.guildId }));
    }
  }

  private callback(ctx: Ctx): Reply {
    const st = this.interactions.get(ctx.params.interaction!);
    const rec = ctx.rec;
    if (!st || st.token !== ctx.params.token) return { status: 404, body: errBody('Unknown interaction', 10062) };
    st.callbacks.push(rec);
    if (st.ackType !== undefined) return { status: 400, body: errBody('Interaction has already been acknowledged.', 40060) };
    if (Date.now() - st.createdMs > this.opts.callbackWindowMs) return { status: 404, body: errBody('Unknown interaction', 10062) };
    const body = isObj(ctx.body) ? ctx.body : {};
    const type = body.type;
    const allowed: Record<number, number[]> = { 2: [4, 5, 9, 12], 3: [4, 5, 6, 7, 9, 12], 4: [8], 5: [4, 5, 6, 7] };
    if (typeof type !== 'number' || !(allowed[st.type] ?? []).includes(type)) {
      const fe = new FormErrors();
      fe.add('type', 'INTERACTION_CALLBACK_TYPE_INVALID', 'Value must be one of {4, 5, 6, 7, 8, 9, 10, 12}.');
      return fe.reply();
    }
    const data = isObj(body.data) ? body.data : {};
    let message: FakeMessage | undefined;
    switch (type) {
      case 4: {
        const invalid = this.validateMessageBody(data, ctx.files, true);
        if (invalid) return invalid;
        message = this.createInteractionMessage(st, data, this.attachmentsFromRequest(data, ctx.files, [], st.channelId), false);
        st.originalId = message.id;
        break;
      }
      case 5: {
        const flags = typeof data.flags === 'number' ? data.flags & MessageFlag.Ephemeral : 0;
        message = this.createInteractionMessage(st, { content: '', flags }, [], true);
        st.originalId = message.id;
        break;
      }
      case 6:
        if (st.messageId) st.originalId = st.messageId;
        break;
      case 7: {
        const target = st.messageId ? this.store.get(st.messageId) : undefined;
        if (!target || target.deleted) return { status: 404, body: errBody('Unknown Message', 10008) };
        const res = this.editMessage({ ...ctx, body: data }, target);
        if (res.status !== 200) return res;
        st.originalId = target.id;
        message = target;
        break;
      }
      case 8: {
        const choices = Array.isArray(data.choices) ? data.choices : undefined;
        if (!choices || choices.length > 25) {
          const fe = new FormErrors();
          fe.add('data.choices', choices ? 'BASE_TYPE_MAX_LENGTH' : 'BASE_TYPE_REQUIRED', choices ? 'Must be 25 or fewer in length.' : 'This field is required');
          return fe.reply();
        }
        st.ackType = 8;
        if (st.autocomplete) {
          clearTimeout(st.autocomplete.timer);
          this.timers.delete(st.autocomplete.timer);
          const resolve = st.autocomplete.resolve;
          ctx.after(() => resolve({ choices: choices as { name: string; value: string | number }[] }));
        }
        break;
      }
      default:
        break;
    }
    st.ackType = type;
    st.ackFlags = message?.flags ?? 0;
    if (message && (type === 4 || type === 5) && !(message.flags & MessageFlag.Ephemeral)) {
      const msg = message;
      ctx.after(() => this.dispatchMessage('MESSAGE_CREATE', msg));
    }
    this.changed();
    if (ctx.query.get('with_response') !== 'true') return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: st.id,
          type: st.type,
          ...(message
            ? {
                response_message_id: message.id,
                response_message_loading: type === 5,
                response_message_ephemeral: (message.flags & MessageFlag.Ephemeral) !== 0,
              }
            : {}),
        },
        resource: { type, ...(message && (type === 4 || type === 7) ? { message: this.messageJson(message) } : {}) },
      },
    };
  }

  /** Resolves the interaction of a webhook route; answers Discord's errors for bad/expired tokens. */
  private webhookInteraction(ctx: Ctx): { st: InteractionState } | { reply: Reply } {
    const st = this.interactionsByToken.get(ctx.params.token!);
    if (!st || ctx.params.app !== this.applicationId) return { reply: { status: 404, body: errBody('Unknown Webhook', 10015) } };
    if (Date.now() - st.createdMs > this.opts.tokenLifetimeMs) return { reply: { status: 401, body: errBody('Invalid Webhook Token', 50027) } };
    if (st.ackType === undefined) return { reply: { status: 404, body: errBody('Unknown Webhook', 10015) } };
    return { st };
  }

  private webhookMessage(ctx: Ctx): { msg: FakeMessage; st: InteractionState } | { reply: Reply } {
    const r = this.webhookInteraction(ctx);
    if ('reply' in r) return r;
    const st = r.st;
    const mid = ctx.params.message === '@original' ? st.originalId : ctx.params.message;
    const msg = mid ? this.store.get(mid) : undefined;
    if (!msg || msg.deleted || (msg.id !== st.originalId && !st.followupIds.includes(msg.id))) {
      return { reply: { status: 404, body: errBody('Unknown Message', 10008) } };
    }
    return { msg, st };
  }

  private webhookCreate(ctx: Ctx): Reply {
    const r = this.webhookInteraction(ctx);
    if ('reply' in r) return r.reply;
    const st = r.st;
    const body = isObj(ctx.body) ? ctx.body : {};
    const invalid = this.validateMessageBody(body, ctx.files, true);
    if (invalid) return invalid;
    const original = st.originalId ? this.store.get(st.originalId) : undefined;
    let msg: FakeMessage;
    if (original && !original.deleted && original.flags & MessageFlag.Loading) {
      // Discord: the first follow-up after a deferred reply replaces the "thinking" message,
      // keeping the ephemeral setting chosen when deferring.
      const res = this.editMessage(ctx, original);
      if (res.status !== 200) return res;
      msg = original;
    } else {
      msg = this.createInteractionMessage(st, body, this.attachmentsFromRequest(body, ctx.files, [], st.channelId), false);
      st.followupIds.push(msg.id);
      if (!(msg.flags & MessageFlag.Ephemeral)) ctx.after(() => this.dispatchMessage('MESSAGE_CREATE', msg));
    }
    this.changed();
    if (ctx.query.get('wait') !== 'true') return { status: 204 };
    return { status: 200, body: this.messageJson(msg) };
  }

  private commandsRoute(ctx: Ctx, op: 'list' | 'put' | 'post' | 'get' | 'patch' | 'delete'): Reply {
    const { app, guild, command } = ctx.params;
    if (app !== this.applicationId) return { status: 403, body: errBody('Missing Access', 50001) };
    if (guild !== undefined && guild !== this.guildId) return { status: 403, body: errBody('Missing Access', 50001) };
    const scope = guild ?? 'global';
    const list = guild === undefined ? this.globalCommands : (this.guildCommands.get(guild) ?? this.guildCommands.set(guild, []).get(guild)!);
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
        return c ? { status: 200, body: c } : { status: 404, body: errBody('Unknown application command', 10063) };
      }
      case 'delete': {
        const i = list.findIndex((x) => x.id === command);
        if (i < 0) return { status: 404, body: errBody('Unknown application command', 10063) };
        list.splice(i, 1);
        this.changed();
        return { status: 204 };
      }
      case 'put': {
        this.commandPuts++;
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
        this.changed();
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
        this.changed();
        return { status: existing ? 200 : 201, body: rec };
      }
      case 'patch': {
        const existing = list.find((x) => x.id === command);
        if (!existing) return { status: 404, body: errBody('Unknown application command', 10063) };
        const merged = { ...existing, ...(isObj(ctx.body) ? ctx.body : {}) };
        const fe = new FormErrors();
        this.validateCommand(merged, '', fe);
        if (fe.any) return fe.reply();
        const rec = this.commandRecord(merged, scope, existing);
        list.splice(list.indexOf(existing), 1, rec);
        this.changed();
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
    let id = this.commandIds.get(key);
    if (!id) {
      id = this.snowflake();
      this.commandIds.set(key, id);
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
    base.version = existing && comparable(existing) === comparable(base) ? existing.version : this.snowflake();
    return base as CommandRecord;
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  /** Discord's checks on a message body; returns the error reply or undefined. */
  private validateMessageBody(body: Json, files: RecordedFile[], creating: boolean, existing?: FakeMessage): Reply | undefined {
    const fe = new FormErrors();
    const content = body.content;
    if (content !== undefined && content !== null && typeof content !== 'string') fe.add('content', 'STRING_TYPE_CONVERT', 'Could not interpret "{}" as string.');
    if (typeof content === 'string' && content.length > 2000) fe.add('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    if (embeds.length > 10) fe.add('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    let total = 0;
    embeds.forEach((e, i) => {
      if (!isObj(e)) return;
      const check = (field: string, value: unknown, max: number): void => {
        if (typeof value !== 'string') return;
        total += value.length;
        if (value.length > max) fe.add(`embeds.${i}.${field}`, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
      };
      check('title', e.title, 256);
      check('description', e.description, 4096);
      if (isObj(e.footer)) check('footer.text', e.footer.text, 2048);
      if (isObj(e.author)) check('author.name', e.author.name, 256);
      const fields = Array.isArray(e.fields) ? e.fields : [];
      if (fields.length > 25) fe.add(`embeds.${i}.fields`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      fields.forEach((f, j) => {
        if (!isObj(f)) return;
        check(`fields.${j}.name`, f.name, 256);
        check(`fields.${j}.value`, f.value, 1024);
      });
    });
    if (total > 6000) fe.add('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
    const attachmentsCount = (Array.isArray(body.attachments) ? body.attachments.length : 0) || files.length;
    if (attachmentsCount > 10) fe.add('attachments', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    if (fe.any) return fe.reply();
    const hasContent = typeof content === 'string' && content.length > 0;
    const hasOther = embeds.length > 0 || files.length > 0 || (Array.isArray(body.components) && body.components.length > 0) || (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0) || isObj(body.poll);
    if (creating && !hasContent && !hasOther) return { status: 400, body: errBody('Cannot send an empty message', 50006) };
    if (!creating && existing) {
      const keepsContent = 'content' in body ? hasContent : existing.content.length > 0;
      const keepsEmbeds = 'embeds' in body ? embeds.length > 0 : existing.embeds.length > 0;
      const keepsFiles = 'attachments' in body ? (Array.isArray(body.attachments) && body.attachments.length > 0) || files.length > 0 : existing.attachments.length > 0 || files.length > 0;
      const keepsComponents = 'components' in body ? Array.isArray(body.components) && body.components.length > 0 : existing.components.length > 0;
      if (!keepsContent && !keepsEmbeds && !keepsFiles && !keepsComponents && !existing.poll && !(existing.flags & MessageFlag.Loading)) {
        return { status: 400, body: errBody('Cannot send an empty message', 50006) };
      }
    }
    return undefined;
  }

  private normalizeEmbed(e: unknown): unknown {
    if (!isObj(e)) return e;
    return { type: 'rich', ...e, content_scan_version: 0 };
  }

  /**
   * The attachment list after a request: with `attachments` in the body, exactly those (existing ids
   * kept, new ones referencing files[n]); without it, the existing ones plus every uploaded file.
   */
  private attachmentsFromRequest(body: Json, files: RecordedFile[], existing: FakeAttachment[], channelId: string): FakeAttachment[] {
    const byIndex = new Map<string, RecordedFile>();
    files.forEach((f, i) => {
      const m = /^files\[(\d+)\]$/.exec(f.field) ?? /^file(\d*)$/.exec(f.field);
      byIndex.set(m && m[1] !== '' ? m[1]! : String(i), f);
    });
    const upload = (f: RecordedFile, meta: Json): FakeAttachment =>
      this.storeUpload(
        {
          filename: typeof meta.filename === 'string' ? meta.filename : f.filename,
          contentType: f.contentType,
          data: f.data,
          ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
        },
        `/attachments/${channelId}`,
        false,
      );
    if (!Array.isArray(body.attachments)) {
      return [...existing, ...[...byIndex.values()].map((f) => upload(f, {}))];
    }
    const out: FakeAttachment[] = [];
    for (const a of body.attachments) {
      if (!isObj(a)) continue;
      const aid = String(a.id);
      const keep = existing.find((x) => x.id === aid);
      if (keep) out.push(keep);
      else {
        const f = byIndex.get(aid);
        if (f) out.push(upload(f, a));
      }
    }
    return out;
  }

  private storeUpload(a: UploadSpec, prefix: string, ephemeral: boolean): FakeAttachment {
    const id = this.snowflake();
    const filename = a.filename.replace(/[^\w.-]/g, '_');
    const contentType = contentTypeFor(filename, a.contentType);
    this.blobs.set(id, { data: a.data, contentType });
    const ex = Math.floor(Date.now() / 1000 + 86400).toString(16);
    const is = Math.floor(Date.now() / 1000).toString(16);
    const hm = createHash('sha256').update(`${id}:${ex}`).digest('hex');
    const qs = `?ex=${ex}&is=${is}&hm=${hm}&`;
    const size = imageSize(a.data);
    return {
      id,
      filename,
      size: a.declaredSize ?? a.data.length,
      url: `${this.origin}${prefix}/${id}/${filename}${qs}`,
      proxy_url: `${this.origin}/media${prefix}/${id}/${filename}${qs}`,
      content_type: contentType,
      ...(size ? { width: size.width, height: size.height } : {}),
      ...(a.description ? { description: a.description } : {}),
      ...(ephemeral ? { ephemeral: true } : {}),
    };
  }

  private createMessage(o: {
    channelId: string;
    author: ApiUser;
    type: number;
    body: Json;
    attachments: FakeAttachment[];
    reference?: FakeMessage['message_reference'];
    flags?: number;
    interaction?: InteractionState;
  }): FakeMessage {
    const id = this.snowflake();
    const now = performance.now();
    const content = typeof o.body.content === 'string' ? o.body.content : '';
    const flags = o.flags ?? (typeof o.body.flags === 'number' ? o.body.flags & (4 | 4096 | 8192 | 32768) : 0);
    const msg: FakeMessage = {
      id,
      channel_id: o.channelId,
      guild_id: this.guildId,
      type: o.type,
      content,
      author: o.author,
      attachments: o.attachments,
      embeds: Array.isArray(o.body.embeds) ? o.body.embeds.map((e) => this.normalizeEmbed(e)) : [],
      components: Array.isArray(o.body.components) ? o.body.components : [],
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
      ...(o.interaction ? { webhook_id: this.applicationId, application_id: this.applicationId, interaction_token: o.interaction.token, interaction_id: o.interaction.id } : {}),
      edits: [{ at: now, content }],
      deleted: false,
      createdAt: now,
    };
    this.recomputeMentions(msg, true);
    this.store.set(id, msg);
    const list = this.byChannel.get(o.channelId) ?? [];
    list.push(id);
    this.byChannel.set(o.channelId, list);
    const ch = this.channels.get(o.channelId);
    if (ch && !(flags & MessageFlag.Ephemeral)) {
      ch.last_message_id = id;
      if (THREAD_TYPES.has(ch.type as number)) {
        ch.message_count = (ch.message_count as number) + 1;
        ch.total_message_sent = (ch.total_message_sent as number) + 1;
      }
    }
    this.changed();
    return msg;
  }

  private createInteractionMessage(st: InteractionState, body: Json, attachments: FakeAttachment[], loading: boolean): FakeMessage {
    let flags = typeof body.flags === 'number' ? body.flags & (MessageFlag.Ephemeral | 4 | 4096 | 32768) : 0;
    if (loading) flags |= MessageFlag.Loading;
    return this.createMessage({ channelId: st.channelId, author: this.botUser, type: 20, body, attachments, flags, interaction: st });
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
      if (this.users.has(uid)) ids.add(uid);
    }
    const roleIds: string[] = [];
    const allowRoles = !am || parse?.includes('roles') || Array.isArray(am.roles);
    for (const match of m.content.matchAll(/<@&(\d{17,19})>/g)) {
      if (allowRoles && this.roles.some((r) => r.id === match[1])) roleIds.push(match[1]!);
    }
    const everyone = /@(everyone|here)/.test(m.content) && (!am || parse?.includes('everyone') === true);
    if (creating && m.message_reference && (!am || am.replied_user !== false)) {
      const ref = this.store.get(m.message_reference.message_id);
      if (ref) ids.add(ref.author.id);
    }
    if (!creating) {
      // Edits never add pings for the replied-to user; keep it if it was there.
      const replied = m.mentions.find((u) => m.message_reference && this.store.get(m.message_reference.message_id)?.author.id === u.id);
      if (replied) ids.add(replied.id);
    }
    m.mentions = [...ids].map((uid) => this.users.get(uid)!);
    m.mention_roles = roleIds;
    m.mention_everyone = everyone;
  }

  /** The REST (API) shape of a message. */
  private messageJson(m: FakeMessage, depth = 0): Json {
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
      const st = this.interactions.get(m.interaction_id);
      if (st) {
        out.interaction_metadata = {
          id: st.id,
          type: st.type,
          user: st.user,
          authorizing_integration_owners: { '0': this.guildId },
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
      if (depth === 0) out.referenced_message = ref && !ref.deleted ? this.messageJson(ref, 1) : null;
    }
    if (m.type === 19 && !m.message_reference) out.referenced_message = null;
    return out;
  }

  /** MESSAGE_CREATE / MESSAGE_UPDATE payload for the gateway (adds guild_id and member). */
  private dispatchMessage(event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', m: FakeMessage): void {
    if (m.flags & MessageFlag.Ephemeral) return;
    const json = this.messageJson(m);
    const { user: _u, ...member } = this.memberObject(m.author.id);
    const data: Json = {
      ...json,
      guild_id: this.guildId,
      ...(m.webhook_id ? {} : { member }),
      mentions: m.mentions.map((u) => {
        const { user: _mu, ...mm } = this.memberObject(u.id);
        return { ...u, member: mm };
      }),
    };
    this.dispatch(event, data);
  }

  // -------------------------------------------------------------------------------------------
  // Shapes

  private role(id: string, name: string, perms: bigint, position: number): Json {
    return {
      id,
      name,
      description: null,
      permissions: perms.toString(),
      position,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      managed: false,
      mentionable: false,
      icon: null,
      unicode_emoji: null,
      flags: 0,
    };
  }

  private memberPerms(userId: string): bigint {
    if (userId === this.ownerId) return (1n << 51n) - 1n;
    let perms = EVERYONE_PERMS;
    for (const rid of this.members.get(userId)?.roles ?? []) {
      const r = this.roles.find((x) => x.id === rid);
      if (r) perms |= BigInt(r.permissions as string);
    }
    return perms;
  }

  private memberObject(userId: string): Json & { user: ApiUser } {
    const m = this.members.get(userId) ?? { roles: [], joined_at: iso(), nick: null };
    return {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      deaf: false,
      flags: 0,
      joined_at: m.joined_at,
      mute: false,
      nick: m.nick,
      pending: false,
      premium_since: null,
      roles: m.roles,
      unusual_dm_activity_until: null,
      user: this.users.get(userId)!,
    };
  }

  private applicationObject(): Json {
    const owner = this.users.get(this.ownerId)!;
    return {
      id: this.applicationId,
      name: this.botUser.username,
      icon: null,
      description: '',
      summary: '',
      type: null,
      hook: true,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: createHash('sha256').update(this.applicationId).digest('hex'),
      flags: 0,
      owner,
      team: null,
      bot: this.botUser,
      approximate_guild_count: 1,
      approximate_user_install_count: 0,
      redirect_uris: [],
      interactions_endpoint_url: null,
      integration_types_config: { '0': {} },
      tags: [],
    };
  }

  private guildObject(forGateway: boolean): Json {
    const base: Json = {
      id: this.guildId,
      name: 'Fake Guild',
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: this.ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 1,
      explicit_content_filter: 0,
      roles: this.roles,
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: this.defaultChannelId,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_presences: null,
      max_members: 500000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      nsfw: false,
      premium_progress_bar_enabled: false,
      incidents_data: null,
      home_header: null,
      hub_type: null,
      latest_onboarding_question_id: null,
      inventory_settings: null,
    };
    if (!forGateway) return base;
    const channels = [...this.channels.values()].filter((c) => !THREAD_TYPES.has(c.type as number)).map(({ guild_id: _g, ...c }) => c);
    const threads = [...this.channels.values()].filter((c) => THREAD_TYPES.has(c.type as number));
    return {
      ...base,
      joined_at: this.members.get(this.botUser.id)!.joined_at,
      large: false,
      unavailable: false,
      member_count: this.members.size,
      voice_states: [],
      members: [...this.members.keys()].map((uid) => this.memberObject(uid)),
      channels,
      threads,
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
      application_command_counts: {},
      lazy: true,
      version: Date.now(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Gateway

  private onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin);
    if (url.pathname !== '/gateway' && url.pathname !== '/resume') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
  }

  private onConnection(ws: WebSocket, url: URL): void {
    const conn: Conn = { n: ++this.connCounter, ws, path: url.pathname, session: undefined };
    this.conns.add(conn);
    const v = url.searchParams.get('v');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', () => undefined);
    if (v !== null && v !== '10' && v !== '9') {
      ws.close(4012, 'Invalid API version');
      return;
    }
    if (encoding !== 'json') {
      ws.close(4002, 'Error while decoding payload.');
      return;
    }
    if (url.searchParams.has('compress')) {
      // zlib-stream is not spoken by this fake (don't install zlib-sync in tests).
      ws.close(4000, 'fake: compression not supported');
      return;
    }
    ws.on('message', (raw, isBinary) => this.onFrame(conn, raw.toString(), isBinary));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.opts.heartbeatIntervalMs, _trace: ['["fake-gateway",{"micros":0}]'] }, s: null, t: null }));
    this.changed();
  }

  private onClose(conn: Conn, code: number): void {
    this.conns.delete(conn);
    const s = conn.session;
    if (s && s.conn === conn) {
      s.conn = undefined;
      // A client closing with 1000/1001 ends its session (it can't be resumed).
      if (code === 1000 || code === 1001) s.alive = false;
    }
    this.changed();
  }

  private onFrame(conn: Conn, text: string, isBinary: boolean): void {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(text);
    } catch {
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    if (!isObj(frame) || typeof frame.op !== 'number') {
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    this.gatewayFrames.push({ at: performance.now(), connection: conn.n, connectionPath: conn.path, op: frame.op, d: frame.d });
    const d = frame.d;
    switch (frame.op) {
      case 1: // heartbeat
        conn.ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        break;
      case 2: {
        // identify
        if (conn.session) {
          conn.ws.close(4005, 'Already authenticated.');
          break;
        }
        if (!isObj(d) || typeof d.token !== 'string' || d.token.length === 0) {
          conn.ws.close(4004, 'Authentication failed.');
          break;
        }
        if (typeof d.intents !== 'number') {
          conn.ws.close(4013, 'Invalid intent(s).');
          break;
        }
        if (d.intents & PRIVILEGED_INTENTS & ~this.opts.privilegedIntents) {
          conn.ws.close(4014, 'Disallowed intent(s).');
          break;
        }
        const shardIn = Array.isArray(d.shard) ? d.shard : [0, 1];
        const shard: [number, number] = [Number(shardIn[0] ?? 0), Number(shardIn[1] ?? 1)];
        if (shard[0] >= shard[1]) {
          conn.ws.close(4010, 'Invalid shard.');
          break;
        }
        const session: Session = { sessionId: randomBytes(16).toString('hex'), seq: 0, log: [], conn, intents: d.intents, shard, alive: true };
        conn.session = session;
        this.sessions.push(session);
        const ownsGuild = this.sessionOwns(session, this.guildId);
        this.send(session, 'READY', {
          v: 10,
          user_settings: {},
          user: { ...this.botUser, verified: true, mfa_enabled: false, email: null },
          guilds: ownsGuild ? [{ id: this.guildId, unavailable: true }] : [],
          session_id: session.sessionId,
          session_type: 'normal',
          resume_gateway_url: this.resumeGatewayUrl,
          shard,
          private_channels: [],
          presences: [],
          relationships: [],
          guild_join_requests: [],
          geo_ordered_rtc_regions: ['us-east', 'us-central'],
          auth: {},
          application: { id: this.applicationId, flags: 0 },
          _trace: ['["fake-gateway",{"micros":0}]'],
        });
        if (ownsGuild) this.send(session, 'GUILD_CREATE', this.guildObject(true));
        break;
      }
      case 6: {
        // resume
        if (!isObj(d) || typeof d.session_id !== 'string') {
          conn.ws.close(4002, 'Error while decoding payload.');
          break;
        }
        const session = this.sessions.find((s) => s.sessionId === d.session_id && s.alive);
        if (!session) {
          conn.ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
          break;
        }
        const seq = typeof d.seq === 'number' ? d.seq : 0;
        if (session.conn && session.conn !== conn) session.conn.ws.close(4000, 'fake: session resumed elsewhere');
        session.conn = conn;
        conn.session = session;
        for (const entry of session.log) {
          if (entry.s > seq) conn.ws.send(JSON.stringify({ op: 0, t: entry.t, s: entry.s, d: entry.d }));
        }
        this.send(session, 'RESUMED', { _trace: ['["fake-gateway",{"micros":0}]'] });
        break;
      }
      case 3: // presence update
      case 4: // voice state update
        if (!conn.session) conn.ws.close(4003, 'Not authenticated.');
        break;
      case 8: {
        // request guild members
        if (!conn.session) {
          conn.ws.close(4003, 'Not authenticated.');
          break;
        }
        const nonce = isObj(d) ? d.nonce : undefined;
        this.send(conn.session, 'GUILD_MEMBERS_CHUNK', {
          guild_id: this.guildId,
          members: [...this.members.keys()].map((uid) => this.memberObject(uid)),
          chunk_index: 0,
          chunk_count: 1,
          not_found: [],
          ...(nonce !== undefined ? { nonce } : {}),
        });
        break;
      }
      default:
        conn.ws.close(4001, 'Unknown opcode.');
    }
    this.changed();
  }

  private sessionOwns(s: Session, guildId: string | undefined): boolean {
    if (guildId === undefined) return s.shard[0] === 0;
    return Number((BigInt(guildId) >> 22n) % BigInt(s.shard[1])) === s.shard[0];
  }

  /** What a session receives: without the MessageContent intent, content/embeds/attachments/components are emptied (except DMs, mentions of the bot, and the bot's own messages). */
  private forSession(s: Session, event: string, data: unknown): unknown {
    if ((event !== 'MESSAGE_CREATE' && event !== 'MESSAGE_UPDATE') || s.intents & INTENT_MESSAGE_CONTENT || !isObj(data)) return data;
    const author = isObj(data.author) ? data.author : undefined;
    const mentions = Array.isArray(data.mentions) ? data.mentions : [];
    if (author?.id === this.botUser.id || !data.guild_id || mentions.some((u) => isObj(u) && u.id === this.botUser.id)) return data;
    return { ...data, content: '', embeds: [], attachments: [], components: [] };
  }

  private send(s: Session, t: string, d: unknown): void {
    s.seq++;
    const entry = { s: s.seq, t, d };
    s.log.push(entry);
    if (s.log.length > 2000) s.log.splice(0, s.log.length - 2000);
    const ws = s.conn?.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ op: 0, ...entry }));
  }
}
