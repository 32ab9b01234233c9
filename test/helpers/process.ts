import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitUntil } from '../fakes/wait-until.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  /** The directory it runs in (its .env and SQLite file live there). */
  dir: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves when stdout or stderr so far matches (re-checked whenever the process prints). */
  printed(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  /** Kills it (and, for a `command`, everything it started) if still running and removes its directory. */
  cleanup(): void;
}

export interface SpawnOptions {
  dotenv?: string;
  /** A TypeScript file to run instead of the bot's entry point. */
  script?: string;
  nodeArgs?: string[];
  /**
   * Runs this command in `cwd` instead of a TypeScript file in the fresh directory (the benchmark
   * runs the real `npm start`). It gets its own process group, so cleanup also ends its children.
   */
  command?: { file: string; args: string[]; cwd: string };
  /**
   * Runs the file in a pseudo-terminal (util-linux `script`), with stdin a pipe to type into, as a
   * person at a terminal runs it. See `hasTerminalRunner`.
   */
  terminal?: boolean;
}

/** Whether `terminal: true` works here: util-linux's `script` (BSD's takes other arguments). */
export function hasTerminalRunner(what: string): boolean {
  const ok = /util-linux/.test(spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout ?? '');
  if (!ok) console.warn(`\n*** SKIPPED: ${what} — no util-linux \`script\` to give the bot a terminal ***\n`);
  return ok;
}

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Runs a TypeScript file (by default the bot's real entry point) as its own process, in a fresh directory, with only the given environment. */
export function spawnBot(env: Record<string, string> | ((dir: string) => Record<string, string>), opts: SpawnOptions = {}): BotProcess {
  const dir = mkdtempSync(join(tmpdir(), 'bot-process-'));
  if (opts.dotenv !== undefined) writeFileSync(join(dir, '.env'), opts.dotenv);
  const variables = { PATH: process.env.PATH ?? '', ...(typeof env === 'function' ? env(dir) : env) };
  const node = [process.execPath, ...(opts.nodeArgs ?? []), '--import', tsx, opts.script ?? entry];
  const command = opts.command ?? (opts.terminal ? { file: 'script', args: ['-qfec', node.map(shellQuote).join(' '), '/dev/null'], cwd: dir } : undefined);
  const child = command
    ? spawn(command.file, command.args, { cwd: command.cwd, env: variables, stdio: [opts.terminal ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true })
    : spawn(node[0]!, node.slice(1), { cwd: dir, env: variables, stdio: ['ignore', 'pipe', 'pipe'] });
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
    printed: (re, timeoutMs) =>
      waitUntil(() => re.exec(output), {
        subscribe: (check) => {
          child.stdout!.on('data', check);
          child.stderr!.on('data', check);
          return () => {
            child.stdout!.off('data', check);
            child.stderr!.off('data', check);
          };
        },
        timeoutMs,
        describe: () => `no ${re} from the process within ${timeoutMs} ms:\n${output.slice(-2000)}`,
      }),
    exited,
    cleanup() {
      if (command) signalGroup(child, 'SIGKILL');
      else child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signals a `command`'s whole process group (npm, its shell and the bot under them). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group has already exited.
  }
}
