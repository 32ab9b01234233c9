import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  /** The directory it runs in (its .env and SQLite file live there). */
  dir: string;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  /** Kills it if still running and removes its directory. */
  cleanup(): void;
}

/** Runs a TypeScript file (by default the bot's real entry point) as its own process, in a fresh directory, with only the given environment. */
export function spawnBot(
  env: Record<string, string> | ((dir: string) => Record<string, string>),
  opts: { dotenv?: string; script?: string; nodeArgs?: string[] } = {},
): BotProcess {
  const dir = mkdtempSync(join(tmpdir(), 'bot-process-'));
  if (opts.dotenv !== undefined) writeFileSync(join(dir, '.env'), opts.dotenv);
  const variables = typeof env === 'function' ? env(dir) : env;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', tsx, opts.script ?? entry], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...variables }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return {
    child,
    dir,
    output: () => output,
    exited,
    cleanup() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
