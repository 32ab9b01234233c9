import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDigest, buildIfChanged } from '../../scripts/build-stamp.mjs';

let root: string;
const write = (file: string, text: string) => {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), text);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'build-stamp-'));
  write('tsconfig.json', '{}');
  write('tsconfig.build.json', JSON.stringify({ extends: './tsconfig.json', include: ['src', 'commands'] }));
  write('package-lock.json', '{"lockfileVersion":3}');
  write('src/index.ts', 'export {};');
  write('src/deep/a.ts', 'export const a = 1;');
  write('commands/ask.ts', 'export {};');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('buildDigest', () => {
  it('stays the same when nothing changed, even when files are rewritten as they were', () => {
    const before = buildDigest(root);
    write('src/deep/a.ts', 'export const a = 1;');
    write('test/x.test.ts', 'outside the build');
    expect(buildDigest(root)).toBe(before);
  });

  it.each([
    ['a source is edited', () => write('src/deep/a.ts', 'export const a = 2;')],
    ['a source is added', () => write('commands/new.ts', 'export {};')],
    ['a source is removed', () => rmSync(join(root, 'src/deep/a.ts'))],
    ['a source is renamed', () => renameSync(join(root, 'src/deep/a.ts'), join(root, 'src/deep/b.ts'))],
    ['a tsconfig changes', () => write('tsconfig.json', '{"compilerOptions":{}}')],
    ['the dependencies change', () => write('package-lock.json', '{"lockfileVersion":3,"packages":{}}')],
  ])('changes when %s', (_what, change) => {
    const before = buildDigest(root);
    change();
    expect(buildDigest(root)).not.toBe(before);
  });
});

describe('buildIfChanged', () => {
  /** A compiler that writes the entry point (or fails), counting its runs. */
  const compiler = (code = 0) => {
    const runs = { count: 0 };
    const compile = () => {
      runs.count++;
      if (code === 0) write('dist/src/index.js', '');
      return code;
    };
    return { runs, compile };
  };

  it('builds on a clean clone, then not again until a source changes', () => {
    const { runs, compile } = compiler();
    expect(buildIfChanged(root, compile)).toEqual({ code: 0, built: true });
    expect(buildIfChanged(root, compile)).toEqual({ code: 0, built: false });
    write('src/index.ts', 'export const changed = true;');
    expect(buildIfChanged(root, compile)).toEqual({ code: 0, built: true });
    expect(runs.count).toBe(2);
  });

  it('builds again when the output was deleted, whatever the stamp says', () => {
    const { runs, compile } = compiler();
    buildIfChanged(root, compile);
    rmSync(join(root, 'dist/src/index.js'));
    expect(buildIfChanged(root, compile).built).toBe(true);
    expect(runs.count).toBe(2);
  });

  it('passes a failed build on and tries again next time', () => {
    const failing = compiler(2);
    write('dist/src/index.js', 'stale');
    expect(buildIfChanged(root, failing.compile)).toEqual({ code: 2, built: true });
    expect(buildIfChanged(root, failing.compile)).toEqual({ code: 2, built: true });
    expect(failing.runs.count).toBe(2);
  });
});
