/**
 * The gateway: JSON over `ws` without compression. It keeps sessions so that RESUME (op 6) replays
 * the dispatches a client missed; a client closing with 1000/1001 ends its session.
 *
 * Sharding as Discord does it (docs: Gateway → Sharding): IDENTIFY carries `shard: [id, count]`; a
 * guild's events go to the sessions whose shard is `(guild_id >> 22) % count`, events of no guild
 * (DMs) to shard 0. Any number of clients, in any process, may hold sessions at once, with any shard
 * counts. An invalid shard is closed with 4010, a shard that would serve too many guilds with 4011,
 * and IDENTIFYs beyond the session start limits are refused (./session-starts.ts).
 */
import type { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, WebSocket } from 'ws';
import { INTENT_MESSAGE_CONTENT, withoutContent } from './content-intent.js';
import { PRIVILEGED_INTENTS, type Core } from './core.js';
import type { Guild } from './guild.js';
import { isObj } from './json.js';
import { guildObject } from './payloads.js';
import { SessionStarts } from './session-starts.js';
import { shardOf, type Dispatcher, type GuildState } from './state.js';
import type { DispatchRecord, GatewayFrame, IdentifyRecord, SessionView, ShardSelector } from './types.js';

const TRACE = ['["fake-gateway",{"micros":0}]'];

interface Session {
  sessionId: string;
  seq: number;
  log: DispatchRecord[];
  conn: Conn | undefined;
  /** The connection it was last on. */
  lastConn: number;
  intents: number;
  shard: [number, number];
  alive: boolean;
  resumes: number;
}

interface Conn {
  n: number;
  ws: WebSocket;
  path: string;
  session: Session | undefined;
}

/** The shard an IDENTIFY names, as sent ([0, 1] when absent); NaN where it is not a number. */
function shardOfIdentify(raw: unknown): [number, number] {
  if (raw === undefined || raw === null) return [0, 1];
  if (!Array.isArray(raw) || raw.length !== 2) return [Number.NaN, Number.NaN];
  return [Number(raw[0]), Number(raw[1])];
}

const validShard = ([id, count]: [number, number]): boolean => Number.isInteger(id) && Number.isInteger(count) && count >= 1 && id >= 0 && id < count;

export class Gateway implements Dispatcher {
  /** Every frame received from clients. */
  readonly frames: GatewayFrame[] = [];
  /** Every dispatch assigned to a session, with its shard. */
  readonly dispatches: DispatchRecord[] = [];
  private readonly starts: SessionStarts;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions: Session[] = [];
  private readonly conns = new Set<Conn>();
  private connCounter = 0;

  /** `guild` is read lazily: the guilds' own constructor already asks this gateway about sessions. */
  constructor(
    private readonly core: Core,
    private readonly guild: () => GuildState,
  ) {
    this.starts = new SessionStarts(core);
  }

  /** Every IDENTIFY received, with what the gateway did with it. */
  get identifies(): IdentifyRecord[] {
    return this.starts.identifies;
  }

  get hasSessions(): boolean {
    return this.sessions.length > 0;
  }

  /** Whether a live session would receive the events of this guild (undefined: of no guild, i.e. shard 0's). */
  hasLiveSessionFor(guildId: string | undefined): boolean {
    return this.sessions.some((s) => s.alive && this.sessionOwns(s, guildId));
  }

  get openConnections(): number {
    return [...this.conns].filter((c) => c.ws.readyState === WebSocket.OPEN).length;
  }

  sessionViews(): SessionView[] {
    return this.sessions.map((s) => ({ sessionId: s.sessionId, shard: s.shard, alive: s.alive, connected: s.conn?.ws.readyState === WebSocket.OPEN, connection: s.lastConn, resumes: s.resumes }));
  }

  /** GET /gateway/bot's `shards`: as configured, else one per 1,000 guilds. */
  recommendedShards(): number {
    return this.core.opts.recommendedShards ?? Math.max(1, Math.ceil(this.guild().guilds.size / 1000));
  }

  sessionStartLimit(): ReturnType<SessionStarts['limit']> {
    return this.starts.limit();
  }

  /**
   * Raw gateway dispatch to every live session (connected, or disconnected but resumable: those get
   * it on RESUME). Guild events (`guildId`, by default the data's guild_id) go to the shard owning the
   * guild, the rest to shard 0.
   */
  dispatch(event: string, data: unknown, guildId = isObj(data) && typeof data.guild_id === 'string' ? data.guild_id : undefined): void {
    for (const s of this.sessions) {
      if (!s.alive) continue;
      if (!this.sessionOwns(s, guildId)) continue;
      this.send(s, event, this.forSession(s, event, data), guildId);
    }
    this.core.changed();
  }

  /** Closes the selected client websockets with `code` (default 4000, which discord.js answers with RESUME). */
  drop(code = 4000, sel: ShardSelector = {}): void {
    for (const c of this.selected(sel)) {
      if (c.ws.readyState === WebSocket.OPEN) c.ws.close(code, 'fake: dropped');
      else c.ws.terminate();
    }
  }

  /** Sends op 7 RECONNECT: the client closes and resumes on resume_gateway_url. */
  requestReconnect(sel: ShardSelector = {}): void {
    for (const c of this.selected(sel)) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ op: 7, d: null }));
  }

  /** Sends op 9 INVALID_SESSION (d = resumable) to the selected connected clients and kills non-resumable sessions. */
  invalidateSessions(resumable = false, sel: ShardSelector = {}): void {
    for (const c of this.selected(sel)) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (!resumable && c.session) c.session.alive = false;
      c.ws.send(JSON.stringify({ op: 9, d: resumable }));
    }
  }

  /** A guild the bot joined while clients are connected: its shard gets GUILD_CREATE. */
  announceGuild(guild: Guild): void {
    if (this.hasSessions && this.core.opts.botInGuild) this.dispatch('GUILD_CREATE', guildObject(guild, true), guild.id);
  }

  onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.core.origin);
    if (url.pathname !== '/gateway' && url.pathname !== '/resume') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** The connections a control acts on: all, or those whose session has the shard. */
  private selected(sel: ShardSelector): Conn[] {
    return [...this.conns].filter((c) => {
      if (sel.shard === undefined && sel.shardCount === undefined) return true;
      const shard = c.session?.shard;
      return shard !== undefined && (sel.shard === undefined || shard[0] === sel.shard) && (sel.shardCount === undefined || shard[1] === sel.shardCount);
    });
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
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.core.opts.heartbeatIntervalMs, _trace: TRACE }, s: null, t: null }));
    this.core.changed();
  }

  private onClose(conn: Conn, code: number): void {
    this.conns.delete(conn);
    const s = conn.session;
    if (s && s.conn === conn) {
      s.conn = undefined;
      // A client closing with 1000/1001 ends its session (it can't be resumed).
      if (code === 1000 || code === 1001) s.alive = false;
    }
    this.core.changed();
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
    const rec: GatewayFrame = { at: performance.now(), connection: conn.n, connectionPath: conn.path, op: frame.op, d: frame.d };
    this.frames.push(rec);
    switch (frame.op) {
      case 1: // heartbeat
        conn.ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        break;
      case 2:
        this.identify(conn, frame.d);
        break;
      case 6:
        this.resume(conn, frame.d);
        break;
      case 3: // presence update
      case 4: // voice state update
        if (!conn.session) conn.ws.close(4003, 'Not authenticated.');
        break;
      case 8:
        this.requestGuildMembers(conn, frame.d);
        break;
      default:
        conn.ws.close(4001, 'Unknown opcode.');
    }
    // An IDENTIFY or RESUME is counted to the session it started or resumed.
    if (conn.session) rec.shard = conn.session.shard;
    this.core.changed();
  }

  private identify(conn: Conn, d: unknown): void {
    if (conn.session) {
      conn.ws.close(4005, 'Already authenticated.');
      return;
    }
    const at = performance.now();
    const shard = shardOfIdentify(isObj(d) ? d.shard : undefined);
    const close = (code: number, reason: string): void => {
      this.starts.record({ at, connection: conn.n, shard, outcome: 'closed', closeCode: code });
      conn.ws.close(code, reason);
    };
    const w = this.guild();
    if (!isObj(d) || typeof d.token !== 'string' || d.token !== w.token) return close(4004, 'Authentication failed.');
    if (!this.starts.take(at)) return this.exceedSessionStarts(conn, at, shard);
    if (typeof d.intents !== 'number') return close(4013, 'Invalid intent(s).');
    if (d.intents & PRIVILEGED_INTENTS & ~this.core.opts.privilegedIntents) return close(4014, 'Disallowed intent(s).');
    if (!validShard(shard)) return close(4010, 'Invalid shard.');
    if (!this.starts.admit(shard[0], at)) {
      // Discord: "If your app exceeds this limit, Discord will respond with an Invalid Session (opcode 9)".
      this.starts.record({ at, connection: conn.n, shard, outcome: 'invalid-session' });
      conn.ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
      return;
    }
    const guilds = this.core.opts.botInGuild ? [...w.guilds.values()].filter((g) => shardOf(g.id, shard[1]) === shard[0]) : [];
    if (guilds.length > this.core.opts.maxGuildsPerShard) return close(4011, 'Sharding required.');

    const session: Session = { sessionId: randomBytes(16).toString('hex'), seq: 0, log: [], conn, lastConn: conn.n, intents: d.intents, shard, alive: true, resumes: 0 };
    conn.session = session;
    this.sessions.push(session);
    this.starts.record({ at, connection: conn.n, shard, outcome: 'ready', sessionId: session.sessionId });
    this.send(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...w.botUser, verified: true, mfa_enabled: false, email: null },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.sessionId,
      session_type: 'normal',
      resume_gateway_url: this.core.resumeGatewayUrl,
      shard,
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['us-east', 'us-central'],
      auth: {},
      application: { id: w.applicationId, flags: 0 },
      _trace: TRACE,
    });
    for (const g of guilds) this.send(session, 'GUILD_CREATE', guildObject(g, true), g.id);
  }

  /**
   * Past the daily limit Discord ends every session of the app and resets its token (docs: Gateway →
   * Identifying): every connection closes with 4004, and the old token no longer authenticates.
   */
  private exceedSessionStarts(conn: Conn, at: number, shard: [number, number]): void {
    this.starts.record({ at, connection: conn.n, shard, outcome: 'closed', closeCode: 4004 });
    const w = this.guild();
    w.token = w.newToken();
    for (const s of this.sessions) s.alive = false;
    for (const c of this.conns) if (c.ws.readyState === WebSocket.OPEN) c.ws.close(4004, 'Authentication failed.');
  }

  private resume(conn: Conn, d: unknown): void {
    if (!isObj(d) || typeof d.session_id !== 'string') {
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    const session = this.sessions.find((s) => s.sessionId === d.session_id && s.alive);
    if (!session) {
      conn.ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
      return;
    }
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    if (session.conn && session.conn !== conn) session.conn.ws.close(4000, 'fake: session resumed elsewhere');
    session.conn = conn;
    session.lastConn = conn.n;
    session.resumes++;
    conn.session = session;
    for (const entry of session.log) {
      if (entry.seq <= seq) continue;
      conn.ws.send(JSON.stringify({ op: 0, t: entry.event, s: entry.seq, d: entry.data }));
      entry.delivered = true;
    }
    this.send(session, 'RESUMED', { _trace: TRACE });
  }

  /** GUILD_MEMBERS_CHUNK for each guild asked for that the session's shard serves. */
  private requestGuildMembers(conn: Conn, d: unknown): void {
    const session = conn.session;
    if (!session) {
      conn.ws.close(4003, 'Not authenticated.');
      return;
    }
    const asked = isObj(d) ? d.guild_id : undefined;
    const ids = (Array.isArray(asked) ? asked : [asked]).filter((id): id is string => typeof id === 'string');
    const nonce = isObj(d) ? d.nonce : undefined;
    for (const id of ids) {
      const guild = this.guild().guilds.get(id);
      if (!guild || !this.sessionOwns(session, id)) continue;
      this.send(
        session,
        'GUILD_MEMBERS_CHUNK',
        {
          guild_id: guild.id,
          members: [...guild.members.keys()].map((uid) => guild.memberObject(uid)),
          chunk_index: 0,
          chunk_count: 1,
          not_found: [],
          ...(nonce !== undefined ? { nonce } : {}),
        },
        guild.id,
      );
    }
  }

  private sessionOwns(s: Session, guildId: string | undefined): boolean {
    if (guildId !== undefined && !this.core.opts.botInGuild) return false;
    if (guildId === undefined) return s.shard[0] === 0;
    return shardOf(guildId, s.shard[1]) === s.shard[0];
  }

  /** What a session receives: without the MessageContent intent, content/embeds/attachments/components are emptied (except DMs, mentions of the bot, and the bot's own messages). */
  private forSession(s: Session, event: string, data: unknown): unknown {
    if ((event !== 'MESSAGE_CREATE' && event !== 'MESSAGE_UPDATE') || s.intents & INTENT_MESSAGE_CONTENT || !isObj(data)) return data;
    // Gateway events carry guild_id; a DM's don't.
    return withoutContent(data, this.guild().botUser.id, !data.guild_id);
  }

  private send(s: Session, t: string, d: unknown, guildId?: string): void {
    s.seq++;
    const ws = s.conn?.ws;
    const open = ws !== undefined && ws.readyState === WebSocket.OPEN;
    const rec: DispatchRecord = { at: performance.now(), event: t, seq: s.seq, sessionId: s.sessionId, shard: s.shard, ...(guildId !== undefined ? { guildId } : {}), delivered: open, data: d };
    this.dispatches.push(rec);
    s.log.push(rec);
    if (s.log.length > 2000) s.log.splice(0, s.log.length - 2000);
    if (open) ws.send(JSON.stringify({ op: 0, t, s: rec.seq, d }));
  }
}
