import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseConfig, readEnvironment, type ConfigResult } from '../config.js';
import { checkDiscordToken, checkOpenRouterKey, type Verdict } from './credentials.js';
import { setEnvValues } from './env-file.js';
import { askHidden } from './hidden-input.js';

interface Credential {
  name: string;
  /** What it is and where to get it. */
  help: string;
  check(value: string): Promise<Verdict>;
}

/** A value was refused every time it was asked for. */
export class SetupFailed extends Error {}

const TRIES = 3;
/** Discord tokens and OpenRouter keys are letters, digits, dots, dashes and underscores. */
const PLAUSIBLE = /^[\w.-]+$/;

/**
 * Asks for each credential, hidden, until its service accepts one (or can't be reached to say:
 * then it is taken unchecked), and saves each as soon as it is settled. Throws `Cancelled` on
 * Ctrl-C or the end of input, `SetupFailed` after three refused tries.
 */
async function askForCredentials(
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
  credentials: Credential[],
  save: (name: string, value: string) => void,
): Promise<void> {
  const say = (line: string) => io.output.write(`${line}\n`);
  for (const credential of credentials) {
    say(`\n${credential.name} is not set. ${credential.help}`);
    for (let tries = 1; ; tries++) {
      const value = (await askHidden(io.input, io.output, `${credential.name} (not shown as you type): `)).trim();
      const verdict: Verdict = !value
        ? { kind: 'rejected', why: 'nothing was entered' }
        : !PLAUSIBLE.test(value)
          ? { kind: 'rejected', why: 'it has characters no token or key has (spaces, quotes, …)' }
          : await credential.check(value);
      if (verdict.kind !== 'rejected') {
        save(credential.name, value);
        say(verdict.kind === 'accepted' ? `✓ ${credential.name} works: ${verdict.who}. Saved in .env.` : `! ${credential.name} could not be checked: ${verdict.why}. Saved in .env unchecked.`);
        break;
      }
      say(`✗ That ${credential.name} is not right: ${verdict.why}.`);
      if (tries === TRIES) throw new SetupFailed(`${credential.name} was refused ${TRIES} times; nothing was saved for it.`);
    }
  }
}

const REQUIRED = ['DISCORD_TOKEN', 'OPENROUTER_API_KEY'] as const;

function credentialsFor(names: string[], urls: { discordApiUrl: string; openRouterBaseUrl: string }): Credential[] {
  const all: Credential[] = [
    {
      name: 'DISCORD_TOKEN',
      help: 'Paste the bot token (Discord Developer Portal → your application → Bot → Reset Token).',
      check: (token) => checkDiscordToken(token, urls.discordApiUrl),
    },
    {
      name: 'OPENROUTER_API_KEY',
      help: 'Paste an OpenRouter API key (openrouter.ai → Keys); every answer is paid from it.',
      check: (key) => checkOpenRouterKey(key, urls.openRouterBaseUrl),
    },
  ];
  return all.filter((c) => names.includes(c.name));
}

/**
 * The configuration from the environment and `.env`. At a terminal, when the only problem is a
 * missing token or key, it first asks for them, checks them and writes them into `.env` (made from
 * `.env.example` when there is none). Without a terminal it asks nothing.
 */
export async function configure(
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; isTTY: boolean },
  env: NodeJS.ProcessEnv = process.env,
  files = { env: '.env', example: '.env.example' },
): Promise<ConfigResult> {
  const merged = readEnvironment(env, files.env);
  const result = parseConfig(merged);
  const missing = REQUIRED.filter((name) => !merged[name]?.trim());
  if (result.ok || !io.isTTY || missing.length === 0) return result;
  // With placeholders for what is missing, anything still wrong must be fixed by hand first.
  const rest = parseConfig({ ...merged, ...Object.fromEntries(missing.map((name) => [name, 'placeholder'])) });
  if (!rest.ok) return result;
  await askForCredentials(io, credentialsFor(missing, rest.config), (name, value) => {
    const text = existsSync(files.env) ? readFileSync(files.env, 'utf8') : existsSync(files.example) ? readFileSync(files.example, 'utf8') : '';
    writeFileSync(files.env, setEnvValues(text, { [name]: value }), { mode: 0o600 });
    merged[name] = value;
  });
  return parseConfig(merged);
}
