/**
 * A real discord.js Client logged into a fresh FakeDiscord, for the fake's own tests. Each test file
 * calls `cleanup` in afterEach, which destroys the clients and stops the fakes it made.
 */
import { once } from 'node:events';
import { Client, DiscordAPIError, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import { expect } from 'vitest';
import { FakeDiscord, type FakeDiscordOptions } from './discord.js';

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
