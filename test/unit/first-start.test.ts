import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configure, SetupFailed } from '../../src/setup/first-start.js';
import { Cancelled } from '../../src/setup/hidden-input.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeOpenRouter } from '../fakes/openrouter.js';
import { waitUntil } from '../fakes/wait-until.js';
import { OPENROUTER_KEY } from '../helpers/harness.js';

const example = fileURLToPath(new URL('../../.env.example', import.meta.url));

/** A terminal as the prompt sees it: keys go in, what it shows comes out. */
function terminal(isTTY = true) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  const waitShown = (re: RegExp, times = 1) =>
    waitUntil(() => (shown.match(new RegExp(re.source, 'g'))?.length ?? 0) >= times, {
      subscribe: (check) => {
        output.on('data', check);
        return () => output.off('data', check);
      },
      timeoutMs: 10_000,
      describe: () => `the terminal never showed ${re} ${times} time(s):\n${shown}`,
    });
  return {
    io: { input, output, isTTY },
    shown: () => shown,
    waitShown,
    /** Types a line once the n-th prompt for `name` is showing (Enter is a carriage return, as a terminal in raw mode sends it). */
    async type(name: string, nth: number, keys: string) {
      await waitShown(new RegExp(`${name} \\(not shown as you type\\): `), nth);
      input.write(`${keys}\r`);
    },
  };
}

let discord: FakeDiscord;
let openrouter: FakeOpenRouter;
let dir: string;
let files: { env: string; example: string };
beforeEach(async () => {
  [discord, openrouter] = await Promise.all([FakeDiscord.start(), FakeOpenRouter.start({ apiKey: OPENROUTER_KEY })]);
  dir = mkdtempSync(join(tmpdir(), 'first-start-'));
  files = { env: join(dir, '.env'), example };
});
afterEach(async () => {
  await Promise.all([discord.stop(), openrouter.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const urls = () => ({ DISCORD_API_URL: discord.apiUrl, OPENROUTER_BASE_URL: openrouter.baseUrl });

describe('first start at a terminal', () => {
  it('asks for both, hidden, names a wrong token, saves what the services accept and keeps the rest of .env', async () => {
    writeFileSync(files.env, '# mine\nCHAT_MODEL=openai/gpt-5\nDISCORD_TOKEN=\n');
    const t = terminal();
    const done = configure(t.io, urls(), files);
    await t.type('DISCORD_TOKEN', 1, 'MTIz.wrong.token');
    await t.waitShown(/✗ That DISCORD_TOKEN is not right: Discord says it is wrong \(HTTP 401\)\./);
    await t.type('DISCORD_TOKEN', 2, discord.token);
    await t.type('OPENROUTER_API_KEY', 1, OPENROUTER_KEY);
    const result = await done;

    expect(result.ok && result.config).toMatchObject({ discordToken: discord.token, openRouterApiKey: OPENROUTER_KEY, chatModel: 'openai/gpt-5' });
    expect(t.shown()).toMatch(new RegExp(`✓ DISCORD_TOKEN works: the bot FakeBot#4821 \\(application ${discord.applicationId}\\)\\. Saved in \\.env\\.`));
    expect(t.shown()).toMatch(/✓ OPENROUTER_API_KEY works: the key \(no spending limit\)\. Saved in \.env\./);
    expect(readFileSync(files.env, 'utf8')).toBe(`# mine\nCHAT_MODEL=openai/gpt-5\nDISCORD_TOKEN=${discord.token}\nOPENROUTER_API_KEY=${OPENROUTER_KEY}\n`);
    // Nothing typed is shown: not the wrong token, not the right ones.
    for (const secret of ['MTIz.wrong.token', discord.token, OPENROUTER_KEY]) expect(t.shown()).not.toContain(secret);
  });

  it('names a wrong key, says an unreachable service could not check a value (not that it is wrong), and makes .env from .env.example', async () => {
    openrouter.account.limit = 2.5;
    const t = terminal();
    const port = await closedPort();
    const done = configure(t.io, { ...urls(), DISCORD_API_URL: `http://127.0.0.1:${port}/api` }, files);
    await t.type('DISCORD_TOKEN', 1, discord.token);
    await t.waitShown(new RegExp(`! DISCORD_TOKEN could not be checked: Discord could not be reached at http://127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED [^)]+\\)\\. Saved in \\.env unchecked\\.`));
    await t.type('OPENROUTER_API_KEY', 1, 'sk-or-v1-not-this-one');
    await t.waitShown(/✗ That OPENROUTER_API_KEY is not right: OpenRouter says it is wrong \(HTTP 401\)\./);
    await t.type('OPENROUTER_API_KEY', 2, OPENROUTER_KEY);
    expect((await done).ok).toBe(true);
    expect(t.shown()).toMatch(/✓ OPENROUTER_API_KEY works: the key \(\$2\.50 left of its \$2\.50 limit\)/);
    expect(t.shown()).not.toMatch(/DISCORD_TOKEN is not right/);
    const written = readFileSync(files.env, 'utf8');
    expect(written).toBe(readFileSync(example, 'utf8').replace(/^DISCORD_TOKEN=$/m, `DISCORD_TOKEN=${discord.token}`).replace(/^OPENROUTER_API_KEY=$/m, `OPENROUTER_API_KEY=${OPENROUTER_KEY}`));
  });

  it('gives up after three refusals, naming the variable, and Ctrl-C cancels', async () => {
    const t = terminal();
    const refused = configure(t.io, urls(), files);
    await t.type('DISCORD_TOKEN', 1, '');
    await t.type('DISCORD_TOKEN', 2, 'has spaces in it');
    await t.type('DISCORD_TOKEN', 3, 'MTIz.still.wrong');
    await expect(refused).rejects.toThrow(new SetupFailed('DISCORD_TOKEN was refused 3 times; nothing was saved for it.'));
    expect(t.shown()).toMatch(/nothing was entered[\s\S]*characters no token or key has[\s\S]*says it is wrong/);
    expect(existsSync(files.env)).toBe(false);

    const c = terminal();
    const cancelled = configure(c.io, urls(), files);
    await c.waitShown(/DISCORD_TOKEN \(not shown as you type\): /);
    c.io.input.write('\x03');
    await expect(cancelled).rejects.toBeInstanceOf(Cancelled);
  });
});

describe('first start without a terminal, or with other problems', () => {
  it('asks nothing and writes nothing without a terminal', async () => {
    const t = terminal(false);
    const result = await configure(t.io, urls(), files);
    expect(!result.ok && result.problems).toEqual(['DISCORD_TOKEN: is required', 'OPENROUTER_API_KEY: is required']);
    expect(t.shown()).toBe('');
    expect(existsSync(files.env)).toBe(false);
  });

  it('asks nothing when another variable is wrong too, and reports them all', async () => {
    const t = terminal();
    const result = await configure(t.io, { ...urls(), STREAM_IDLE_TIMEOUT_MS: 'soon' }, files);
    expect(!result.ok && result.problems).toEqual(['DISCORD_TOKEN: is required', 'OPENROUTER_API_KEY: is required', 'STREAM_IDLE_TIMEOUT_MS: must be a number']);
    expect(t.shown()).toBe('');
  });
});
