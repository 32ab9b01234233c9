/**
 * The gateway: JSON over `ws` without compression. It keeps sessions so that RESUME (op 6) replays
 * the dispatches a client missed; a client closing with 1000/1001 ends its session. Guild events go
 * to the shard that owns the guild, as Discord routes them.
 */
import type { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, WebSocket } from 'ws';
import { PRIVILEGED_INTENTS, type Core } from './core.js';
import { isObj } from './json.js';
import { guildObject } from './payloads.js';
import type { Dispatcher, GuildState } from './state.js';
import type { GatewayFrame } from './types.js';
import { INTENT_MESSAGE_CONTENT, withoutContent } from './content-intent.js';

/** Gateway intent for message content (privileged). */
const TRACE = ['["fake-gateway",{"micros":0}]'];

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

export class Gateway implements Dispatcher {
  /** Every frame received from clients. */
  readonly frames: GatewayFrame[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions: Session[] = [];
  private readonly conns = new Set<Conn>();
  private connCounter = 0;

  /** `guild` is read lazily: the guild's own constructor already dispatches through this gateway. */
  constructor(
    private readonly core: Core,
    private readonly guild: () => GuildState,
  ) {}

  get hasSessions(): boolean {
    return this.sessions.length > 0;
  }

  get hasLiveSession(): boolean {
    return this.sessions.some((s) => s.alive);
  }

  get openConnections(): number {
    return [...this.conns].filter((c) => c.ws.readyState === WebSocket.OPEN).length;
  }

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
    this.core.changed();
  }

  /** Closes every client websocket with `code` (default 4000, which discord.js answers with RESUME). */
  drop(code = 4000): void {
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
    this.frames.push({ at: performance.now(), connection: conn.n, connectionPath: conn.path, op: frame.op, d: frame.d });
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
    this.core.changed();
  }

  private identify(conn: Conn, d: unknown): void {
    if (conn.session) {
      conn.ws.close(4005, 'Already authenticated.');
      return;
    }
    if (!isObj(d) || typeof d.token !== 'string' || d.token.length === 0) {
      conn.ws.close(4004, 'Authentication failed.');
      return;
    }
    if (typeof d.intents !== 'number') {
      conn.ws.close(4013, 'Invalid intent(s).');
      return;
    }
    if (d.intents & PRIVILEGED_INTENTS & ~this.core.opts.privilegedIntents) {
      conn.ws.close(4014, 'Disallowed intent(s).');
      return;
    }
    const shardIn = Array.isArray(d.shard) ? d.shard : [0, 1];
    const shard: [number, number] = [Number(shardIn[0] ?? 0), Number(shardIn[1] ?? 1)];
    if (shard[0] >= shard[1]) {
      conn.ws.close(4010, 'Invalid shard.');
      return;
    }
    const session: Session = { sessionId: randomBytes(16).toString('hex'), seq: 0, log: [], conn, intents: d.intents, shard, alive: true };
    conn.session = session;
    this.sessions.push(session);
    const guild = this.guild();
    const ownsGuild = this.sessionOwns(session, guild.guildId);
    this.send(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...guild.botUser, verified: true, mfa_enabled: false, email: null },
      guilds: ownsGuild ? [{ id: guild.guildId, unavailable: true }] : [],
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
      application: { id: guild.applicationId, flags: 0 },
      _trace: TRACE,
    });
    if (ownsGuild) this.send(session, 'GUILD_CREATE', guildObject(guild, true));
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
    conn.session = session;
    for (const entry of session.log) {
      if (entry.s > seq) conn.ws.send(JSON.stringify({ op: 0, t: entry.t, s: entry.s, d: entry.d }));
    }
    this.send(session, 'RESUMED', { _trace: TRACE });
  }

  private requestGuildMembers(conn: Conn, d: unknown): void {
    if (!conn.session) {
      conn.ws.close(4003, 'Not authenticated.');
      return;
    }
    const guild = this.guild();
    const nonce = isObj(d) ? d.nonce : undefined;
    this.send(conn.session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: guild.guildId,
      members: [...guild.members.keys()].map((uid) => guild.memberObject(uid)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: [],
      ...(nonce !== undefined ? { nonce } : {}),
    });
  }

  private sessionOwns(s: Session, guildId: string | undefined): boolean {
    if (guildId !== undefined && !this.core.opts.botInGuild) return false;
    if (guildId === undefined) return s.shard[0] === 0;
    return Number((BigInt(guildId) >> 22n) % BigInt(s.shard[1])) === s.shard[0];
  }

  /** What a session receives: without the MessageContent intent, content/embeds/attachments/components are emptied (except DMs, mentions of the bot, and the bot's own messages). */
  private forSession(s: Session, event: string, data: unknown): unknown {
    if ((event !== 'MESSAGE_CREATE' && event !== 'MESSAGE_UPDATE') || s.intents & INTENT_MESSAGE_CONTENT || !isObj(data)) return data;
    // Gateway events carry guild_id; a DM's don't.
    return withoutContent(data, this.guild().botUser.id, !data.guild_id);
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
