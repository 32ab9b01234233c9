// @ts-check
// Plain JavaScript, type-checked: `npm start` runs it with node alone, not through tsx, whose
// loader took most of a second of every start.
/**
 * Whether the compiled bot in dist/ is up to date: a digest of everything tsc's output depends on
 * (the sources tsconfig.build.json includes, both tsconfigs, and the lock file, which pins the
 * compiler and the types), kept beside the output after each successful build.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
export const STAMP = join('dist', '.build-digest');
/** What `npm start` runs: without it the build is not there, whatever the stamp says. */
const ENTRY = join('dist', 'src', 'index.js');

/** @param {string} dir @returns {string[]} */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Changes whenever a build input is edited, added, removed or renamed.
 * @param {string} root
 * @returns {string}
 */
export function buildDigest(root) {
  /** @type {{ include: string[] }} */
  const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
  const include = config.include;
  const files = [...CONFIGS.map((f) => join(root, f)).filter(existsSync), ...include.flatMap((dir) => filesUnder(join(root, dir)))];
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(root, f)).sort()) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  return hash.digest('hex');
}

/**
 * Runs `compile` unless the last successful build had the same inputs; records them after a
 * successful one. Returns the exit code for the prestart script.
 * @param {string} root
 * @param {() => number} compile
 * @returns {{ code: number; built: boolean }}
 */
export function buildIfChanged(root, compile) {
  const digest = buildDigest(root);
  const stamp = join(root, STAMP);
  if (existsSync(join(root, ENTRY)) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return { code: 0, built: false };
  const code = compile();
  if (code === 0) writeFileSync(stamp, digest);
  return { code, built: true };
}
