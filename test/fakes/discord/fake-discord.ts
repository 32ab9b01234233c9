/**
 * FakeDiscord: wires the parts of the fake together and is the API tests use. See ../discord.ts for
 * what it is faithful to.
 */
import type { Buffer } from 'node:buffer';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Callbacks } from './callbacks.js';
import { Cdn } from './cdn.js';
import { ChannelMessages } from './channel-messages.js';
import { Commands } from './commands.js';
import { Components } from './components.js';
import { Core } from './core.js';
import { Faults } from './faults.js';
import { Gateway } from './gateway.js';
import { installGuildRoutes } from './guild-routes.js';
import { RestServer } from './http.js';
import { InteractionRegistry } from './interaction-state.js';
import { Interactions } from './interactions.js';
import type { Json } from './json.js';
import { MessageStore } from './messages.js';
import { Modals } from './modals.js';
import { errBody } from './replies.js';
import { Router } from './router.js';
import { Threads } from './threads.js';
import { GuildState, shardOf } from './state.js';
import type {
  ApiUser,
  AutocompleteInvocation,
  ChannelSpec,
  CommandRecord,
  ComponentPress,
  DispatchRecord,
  FakeDiscordOptions,
  FakeInteraction,
  FakeMessage,
  GatewayFrame,
  GatewayLimits,
  IdentifyRecord,
  InjectRule,
  ModalSubmission,
  PermissionName,
  RecordedRequest,
  SessionView,
  ShardSelector,
  SlashInvocation,
  UserMessage,
} from './types.js';
import { Webhooks } from './webhooks.js';

export class FakeDiscord {
  readonly origin: string;
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly resumeGatewayUrl: string;
  readonly applicationId: string;
  readonly botUser: ApiUser;
  /** The default guild (there from the start; more with addGuild). */
  readonly guildId: string;
  /** The default guild's default text channel ('general'). */
  readonly defaultChannelId: string;
  /** The default human user that invokes commands and posts messages; a member of every guild. */
  readonly user: ApiUser;
  readonly requests: RecordedRequest[];
  /** GETs of attachment URLs (CDN), kept apart from REST requests. */
  readonly downloads: { at: number; path: string; status: number }[];
  /** Every frame received from clients on the gateway (with the shard of its session). */
  readonly gatewayFrames: GatewayFrame[];
  /** Every IDENTIFY, with its shard and what the gateway did with it (READY, op 9, a close code). */
  readonly identifies: IdentifyRecord[];
  /** Every dispatch (op 0) the gateway assigned to a session, with the session's shard and the event's guild. */
  readonly dispatches: DispatchRecord[];

  private readonly core: Core;
  private readonly gateway: Gateway;
  private readonly guild: GuildState;
  private readonly cdn: Cdn;
  private readonly messageStore: MessageStore;
  private readonly commandSet: Commands;
  private readonly interactions: Interactions;
  private readonly components: Components;
  private readonly modals: Modals;
  private readonly faults = new Faults();
  private readonly rest: RestServer;
  private readonly sockets = new Set<Socket>();

  private constructor(
    opts: FakeDiscordOptions,
    private readonly server: http.Server,
    port: number,
  ) {
    const core = (this.core = new Core(opts, port));
    this.gateway = new Gateway(core, () => this.guild);
    const guild = (this.guild = new GuildState(core, this.gateway));
    this.cdn = new Cdn(core);
    const registry = new InteractionRegistry();
    this.messageStore = new MessageStore(core, guild, this.cdn, this.gateway, registry);
    this.commandSet = new Commands(core, guild.applicationId, (id) => guild.guilds.has(id));
    this.interactions = new Interactions(core, guild, registry, this.messageStore, this.cdn, this.commandSet, this.gateway);
    this.components = new Components(guild, this.interactions, this.messageStore, this.gateway);
    this.modals = new Modals(registry, this.interactions, this.messageStore, this.gateway);

    const router = new Router();
    installGuildRoutes(router, core, guild, this.gateway);
    new ChannelMessages(core, guild, this.messageStore, this.cdn).install(router);
    new Threads(core, guild, this.messageStore, this.gateway).install(router);
    new Callbacks(core, registry, this.messageStore, this.cdn).install(router);
    new Webhooks(core, guild.applicationId, registry, this.messageStore, this.cdn).install(router);
    this.commandSet.install(router);
    this.rest = new RestServer(core, this.cdn, router, this.faults, () => guild.token);

    ({ origin: this.origin, apiUrl: this.apiUrl, gatewayUrl: this.gatewayUrl, resumeGatewayUrl: this.resumeGatewayUrl, requests: this.requests } = core);
    ({ applicationId: this.applicationId, botUser: this.botUser, user: this.user } = guild);
    ({ id: this.guildId, defaultChannelId: this.defaultChannelId } = guild.defaultGuild);
    this.downloads = this.cdn.downloads;
    this.gatewayFrames = this.gateway.frames;
    this.identifies = this.gateway.identifies;
    this.dispatches = this.gateway.dispatches;
  }

  /** The bot token (Discord resets it when the daily IDENTIFY limit is exceeded). */
  get token(): string {
    return this.guild.token;
  }

  static async start(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // As deep an accept queue as the kernel allows, as Discord's own servers have: hundreds of
      // answers connecting at once while the benchmark's process is busy must queue, not be dropped
      // (a dropped connection is retried a second, then three, then seven later…).
      server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeDiscord(opts, server, port);
    server.on('connection', (s) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    server.on('request', (req, res) => {
      fake.rest.onHttp(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(errBody(`500: Internal Server Error (fake: ${String(err)})`, 0)));
        }
      });
    });
    server.on('upgrade', (req, socket, head: Buffer) => fake.gateway.onUpgrade(req, socket as Socket, head));
    return fake;
  }

  // -------------------------------------------------------------------------------------------
  // State

  /** A fresh snowflake with the current timestamp (19 digits). */
  snowflake(): string {
    return this.core.snowflake();
  }

  /** Number of PUTs to a commands route (global or guild). */
  get commandPuts(): number {
    return this.commandSet.puts;
  }

  /**
   * Adds a guild the bot is in, with its own owner, roles and #general (the default user is a member).
   * `shard: [id, count]` picks an id that `(guild_id >> 22) % count` routes to shard `id`. Clients
   * already connected get GUILD_CREATE on that shard.
   *   const { guildId, defaultChannelId } = fake.addGuild({ name: 'Second', shard: [1, 2] });
   */
  addGuild(opts: { name?: string; shard?: [number, number] } = {}): { guildId: string; defaultChannelId: string; ownerId: string } {
    const id = opts.shard ? this.core.snowflakeOnShard(opts.shard[0], opts.shard[1]) : this.core.snowflake();
    const guild = this.guild.addGuild({ id, ...(opts.name !== undefined ? { name: opts.name } : {}) });
    this.gateway.announceGuild(guild);
    return { guildId: guild.id, defaultChannelId: guild.defaultChannelId, ownerId: guild.ownerId };
  }

  /** The ids of the guilds the bot is in, the default one first. */
  guildIds(): string[] {
    return [...this.guild.guilds.keys()];
  }

  /** Discord's routing: the shard of `shardCount` that gets a guild's events, `(guild_id >> 22) % shardCount`. */
  shardOf(guildId: string, shardCount: number): number {
    return shardOf(guildId, shardCount);
  }

  /** Adds a (human) member to a guild (default: the default guild). If a client is connected, its shard gets GUILD_MEMBER_ADD. */
  addUser(opts: { id?: string; username: string; globalName?: string; bot?: boolean; guildId?: string }): ApiUser {
    return this.guild.addUser(opts);
  }

  /** A direct-message channel between the bot and a user (no guild). Known to the client only through interactions. */
  createDmChannel(user: ApiUser = this.user): string {
    return this.guild.createDmChannel(user);
  }

  /** Adds a role without permissions, held by `userIds` (members of the guild, default the default guild). */
  addRole(name: string, userIds: string[] = [], guildId?: string): string {
    return this.guild.guild(guildId ?? this.guildId).addRole(name, userIds);
  }

  /** Creates a channel in a guild (`guildId`, default the default guild); its shard gets CHANNEL_CREATE (threads: THREAD_CREATE). */
  createChannel(opts: ChannelSpec = {}): string {
    return this.guild.createChannel(opts);
  }

  /**
   * Denies the bot permissions in one channel (a member overwrite in its permission_overwrites, as
   * Discord stores it); connected clients get CHANNEL_UPDATE, so discord.js computes the same.
   */
  denyBot(channelId: string, ...perms: PermissionName[]): void {
    this.guild.denyBot(channelId, perms);
  }

  channel(id: string): Json | undefined {
    return this.guild.channels.get(id);
  }

  /** Messages of a channel in creation order, current state (deleted ones included, flagged). */
  messages(channelId: string): FakeMessage[] {
    return this.messageStore.list(channelId);
  }

  message(id: string): FakeMessage | undefined {
    return this.messageStore.get(id);
  }

  /** The registered commands: global ones, or a guild's. */
  commands(guildId?: string): CommandRecord[] {
    return this.commandSet.list(guildId);
  }

  /** Bytes of an uploaded attachment (by attachment id). */
  attachmentData(attachmentId: string): Buffer | undefined {
    return this.cdn.data(attachmentId);
  }

  /** The CDN stops serving an attachment (its signed link expired, or it was deleted): 404 from then on. */
  expireAttachment(attachmentId: string): void {
    this.cdn.expire(attachmentId);
  }

  /**
   * Changes what GET /gateway/bot answers and the gateway enforces, from the next request on.
   *   fake.configureGateway({ recommendedShards: 4, maxConcurrency: 1 });
   */
  configureGateway(limits: GatewayLimits): void {
    Object.assign(this.core.opts, Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)));
  }

  /**
   * Changes the edit bucket for requests from now on (a benchmark runs several buckets against one
   * client). A window already begun keeps the length it began with: see `bucketsRestAt`.
   */
  setEditBucket(bucket: { limit: number; windowMs: number }): void {
    this.core.opts.editBucket = bucket;
  }

  /** When (performance.now() clock) the window of every bucket spent from so far has ended. */
  get bucketsRestAt(): number {
    return this.rest.bucketsRestAt;
  }

  // -------------------------------------------------------------------------------------------
  // Users acting

  async slash(opts: SlashInvocation): Promise<FakeInteraction> {
    return this.interactions.slash(opts);
  }

  /** Dispatches an autocomplete interaction and resolves with the choices of the type-8 callback. */
  autocomplete(opts: AutocompleteInvocation): Promise<{ choices: { name: string; value: string | number }[] }> {
    return this.interactions.autocomplete(opts);
  }

  /**
   * A user clicks a button / picks from a select menu on a message (INTERACTION_CREATE type 3).
   * Throws for what a user can't press (no such custom_id, disabled, a link button). Callbacks 6
   * (deferUpdate) and 7 (update) make that message the interaction's original.
   */
  async component(opts: ComponentPress): Promise<FakeInteraction> {
    return this.components.press(opts);
  }

  /**
   * The user submits the modal an interaction showed (INTERACTION_CREATE type 5), with `values` by
   * input custom_id; carries `message` when the modal was opened from a component on one.
   */
  async submitModal(opts: ModalSubmission): Promise<FakeInteraction> {
    return this.modals.submit(opts);
  }

  postUserMessage(opts: UserMessage): FakeMessage {
    return this.messageStore.postAsUser(opts);
  }

  interaction(idOrToken: string): FakeInteraction | undefined {
    return this.interactions.interaction(idOrToken);
  }

  /** Makes an interaction's token as old as Discord's 15-minute lifetime: webhook routes answer 401 / 50027. */
  expireInteractionToken(idOrToken: string): void {
    this.interactions.expireToken(idOrToken);
  }

  // -------------------------------------------------------------------------------------------
  // Gateway control

  /**
   * Raw gateway dispatch to every live session (connected, or disconnected but resumable: those get
   * it on RESUME). Guild events (data.guild_id) go to the shard owning the guild, others to shard 0.
   */
  dispatch(event: string, data: unknown): void {
    this.gateway.dispatch(event, data);
  }

  /**
   * Closes client websockets with `code` (default 4000, which discord.js answers with RESUME): every
   * one, or only those of a shard's sessions.
   *   fake.dropGateway(4000, { shard: 1 });
   */
  dropGateway(code = 4000, sel: ShardSelector = {}): void {
    this.gateway.drop(code, sel);
  }

  /** Sends op 7 RECONNECT (to every client, or a shard's): the client closes and resumes on resume_gateway_url. */
  requestReconnect(sel: ShardSelector = {}): void {
    this.gateway.requestReconnect(sel);
  }

  /** Sends op 9 INVALID_SESSION (d = resumable) to every connected client (or a shard's) and kills non-resumable sessions. */
  invalidateSessions(resumable = false, sel: ShardSelector = {}): void {
    this.gateway.invalidateSessions(resumable, sel);
  }

  /** The gateway sessions so far: shard, whether alive and connected, how often resumed. */
  sessions(): SessionView[] {
    return this.gateway.sessionViews();
  }

  /**
   * The shards (as "id/count") the gateway sent `event`s to, matching `match` if given, e.g. which
   * shards got an interaction: fake.shardsThatGot('INTERACTION_CREATE', (d) => d.id === i.id).
   */
  shardsThatGot(event: string, match: (data: Record<string, unknown>) => boolean = () => true): string[] {
    const shards = this.gateway.dispatches
      .filter((r) => r.event === event && match((r.data ?? {}) as Record<string, unknown>))
      .map((r) => `${r.shard[0]}/${r.shard[1]}`);
    return [...new Set(shards)];
  }

  /** Number of gateway connections currently open. */
  get openConnections(): number {
    return this.gateway.openConnections;
  }

  // -------------------------------------------------------------------------------------------
  // Fault injection

  inject(rule: InjectRule): void {
    this.faults.inject(rule);
  }

  rateLimitNext(opts: { method?: string; path?: RegExp; times?: number; retryAfterSec: number; global?: boolean; scope?: 'user' | 'shared' }): void {
    this.faults.rateLimitNext(opts);
  }

  // -------------------------------------------------------------------------------------------
  // Waiting and stopping

  /**
   * Resolves with the predicate's first truthy value. Re-evaluated after every request and every
   * state change (no polling). Rejects after timeoutMs (default 10 s) with `what` and the recent requests.
   */
  waitFor<T>(predicate: () => T | undefined | false | null, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
    return this.core.waitFor(predicate, opts);
  }

  recentSummary(n = 15): string {
    return this.core.recentSummary(n);
  }

  async stop(): Promise<void> {
    if (this.core.stopped) return;
    this.core.stopTimers();
    this.interactions.stop();
    this.rest.stop();
    await this.gateway.stop();
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
