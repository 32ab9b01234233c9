// @ts-check
/** `npm start`'s prestart: compiles only when the sources changed since the last build. */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { buildIfChanged } from './build-stamp.mjs';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { code } = buildIfChanged(process.cwd(), () => {
  process.stderr.write('Sources changed since the last build: compiling…\n');
  return spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' }).status ?? 1;
});
process.exitCode = code;
