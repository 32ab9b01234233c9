/**
 * A real discord.js Client logged into a fresh FakeDiscord, for the fake's own tests. Each test file
 * calls `cleanup` in afterEach, which destroys the clients and stops the fakes it made.
 */
import { once } from 'node:events';
import { Client, DiscordAPIError, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { FakeDiscord, type FakeDiscordOptions } from './discord.js';
import { waitUntil } from './wait-until.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];

export async function cleanup(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

/** Stops the fake (or anything else) at the end of the test. */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

/** `prepare` runs before the client logs in (to shape what GUILD_CREATE carries, or listen to it). */
export async function setup(
  opts?: FakeDiscordOptions,
  rest?: { timeout?: number; retries?: number },
  prepare?: (fake: FakeDiscord, client: Client) => void,
) {
  const fake = await FakeDiscord.start(opts);
  onCleanup(() => fake.stop());
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api: fake.apiUrl, ...rest },
  });
  onCleanup(() => client.destroy());
  prepare?.(fake, client);
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  return { fake, client };
}

/**
 * Runs `fn` as the bot's handler for the next interaction; the returned promise settles with the
 * handler (so a failing handler fails the test instead of becoming an unhandled rejection).
 */
export function handleNext<T>(client: Client, fn: (i: Interaction) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client.once(Events.InteractionCreate, (i) => {
      fn(i).then(resolve, reject);
    });
  });
}

export function nextInteraction(client: Client): Promise<Interaction> {
  return within(new Promise((resolve) => client.once(Events.InteractionCreate, resolve)), 5000, 'interactionCreate');
}

/** Fails fast (instead of at the test timeout) when a client-side event never comes. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The error a rejected call settles with (DiscordAPIError for REST), for asserting status and code. */
export function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
}

/** Asserts a DiscordAPIError with this status and code (and message, when given). */
export function expectApiError(err: unknown, status: number, code: number, message?: string): void {
  expect(err).toBeInstanceOf(DiscordAPIError);
  const e = err as DiscordAPIError;
  expect([e.status, e.code]).toEqual([status, code]);
  if (message) expect(e.message).toContain(message);
}

/**
 * A real discord.js Client logged into an existing fake as some shards of `shardCount` (default:
 * unsharded), resolved when ready; destroyed at cleanup. Each Client has its own identify throttler,
 * as each process of a sharded bot has.
 */
export async function connectShards(fake: FakeDiscord, opts: { shards?: number[]; shardCount?: number } = {}): Promise<Client> {
  const client = shardClient(fake, opts);
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  return client;
}

/** The Client connectShards logs in, not logged in yet (to see a login fail); destroyed at cleanup. */
export function shardClient(fake: FakeDiscord, opts: { shards?: number[]; shardCount?: number } = {}): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
    rest: { api: fake.apiUrl },
    ...(opts.shards ? { shards: opts.shards } : {}),
    ...(opts.shardCount ? { shardCount: opts.shardCount } : {}),
  });
  onCleanup(() => client.destroy());
  return client;
}

export interface RawFrame {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}

/** A bare gateway connection (the `ws` package), for sending what discord.js would not. Closed at cleanup. */
export interface RawGateway {
  frames: RawFrame[];
  /** Resolves with the close code once the gateway closed the connection. */
  closed: Promise<number>;
  send(op: number, d: unknown): void;
  /** The first frame (so far or to come) matching. */
  next(match: (f: RawFrame) => boolean, what: string): Promise<RawFrame>;
  /** Sends IDENTIFY with the fake's token (or `token`), a minimal intent and `shard` (none: unsharded). */
  identify(shard?: unknown, token?: string): void;
}

export async function rawGateway(fake: FakeDiscord): Promise<RawGateway> {
  const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
  onCleanup(() => ws.terminate());
  const frames: RawFrame[] = [];
  ws.on('message', (raw: Buffer) => frames.push(JSON.parse(raw.toString()) as RawFrame));
  const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
  await once(ws, 'open');
  const raw: RawGateway = {
    frames,
    closed,
    send: (op, d) => ws.send(JSON.stringify({ op, d })),
    next: (match, what) =>
      waitUntil(() => frames.find(match), {
        subscribe: (check) => {
          ws.on('message', check);
          return () => ws.off('message', check);
        },
        timeoutMs: 5000,
        describe: () => `raw gateway: no ${what} within 5000 ms (got ops ${frames.map((f) => f.t ?? f.op).join(', ')})`,
      }),
    identify: (shard, token = fake.token) =>
      raw.send(2, { token, intents: GatewayIntentBits.Guilds, properties: { os: 'linux', browser: 'raw', device: 'raw' }, ...(shard === undefined ? {} : { shard }) }),
  };
  await raw.next((f) => f.op === 10, 'HELLO');
  return raw;
}
