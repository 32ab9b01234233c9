/**
 * What the Dockerfile and compose.yaml build, checked without Docker (no daemon runs here or in
 * CI): the build stage copies every source tree tsconfig.build.json compiles, the runtime stage
 * (which keeps only `dependencies`, after `npm prune --omit=dev`) has every package the compiled
 * code imports, and the commands the image and compose run are the ones package.json runs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(repo, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
const dockerfile = read('Dockerfile');
const buildInclude = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repo, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(repo, path)).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The packages a module loads at run time: bare specifiers of its value imports, by package name. */
function runtimePackages(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return [
    ...new Set(
      specifiers
        .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
        .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/')),
    ),
  ];
}

describe('the container image', () => {
  it('finds the packages a module loads, and not its type-only imports', () => {
    const source = [
      "import { Client } from 'discord.js';",
      "import type { OpenRouter } from '@openrouter/sdk';",
      "import { x } from '@openrouter/sdk/models';",
      "import './side-effect.js';",
      "import { readFileSync } from 'node:fs';",
      "export { thing } from 'zod';",
      "const v = await import('vega');",
    ].join('\n');
    expect(runtimePackages(source).sort()).toEqual(['@openrouter/sdk', 'discord.js', 'vega', 'zod']);
  });

  it('copies every source tree the build compiles into the build stage', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \.\/\S*$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const dir of buildInclude) expect(copied, `the Dockerfile copies ${dir}`).toContain(dir);
  });

  it('has, after pruning dev dependencies, every package the compiled code imports', () => {
    const used = new Set(buildInclude.flatMap(sourceFiles).flatMap((f) => runtimePackages(read(f))));
    expect(used.size).toBeGreaterThan(5);
    const missing = [...used].filter((p) => !(p in pkg.dependencies));
    expect(missing, 'imported by src, commands or components but not in dependencies').toEqual([]);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });

  it('runs, as a user other than root, what `npm start` and `npm run proxy` run', () => {
    const stages = [...dockerfile.matchAll(/^FROM /gm)].length;
    expect(stages).toBeGreaterThanOrEqual(2);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER (?!root\b)\S+/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)![1]!) as string[];
    expect(cmd.join(' ')).toBe(pkg.scripts.start);
    const compose = read('compose.yaml');
    const proxyCommand = JSON.parse(/^\s*command: (\["node", "dist\/src\/proxy[^\]]*\])$/m.exec(compose)![1]!) as string[];
    expect(proxyCommand.join(' ')).toBe(pkg.scripts.proxy);
    // One process keeps its SQLite file in the volume: the default DATABASE_URL is under it.
    const workdir = /^WORKDIR (\S+)$/m.exec(runtime)![1]!;
    const volume = (JSON.parse(/^VOLUME (\[.*\])$/m.exec(runtime)![1]!) as string[])[0]!;
    const defaultFile = /default\('sqlite:\/\/\.\/([^']+)'\)/.exec(read('src/config.ts'))![1]!;
    expect(`${workdir}/${defaultFile}`.startsWith(`${volume}/`)).toBe(true);
    // Several shard processes share the store: compose gives the bot Redis, never the SQLite default.
    expect(compose).toMatch(/DATABASE_URL: redis:\/\/redis:6379/);
  });
});
