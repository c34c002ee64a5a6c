// The API library's bundle, loaded with V8's code cache: written by the run that compiled it,
// used by the next one, rewritten when it no longer matches; never in the way when it cannot be.
// Each run is a process of its own, as in use: V8 keeps compiled scripts in memory too, and a
// second load in one process would never look at the file.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cachedBundle, type CachedBundleOptions } from '../../src/adapters/codeCache.js';

let runner: string;
const runnerDir = mkdtempSync(join(tmpdir(), 'code-cache-runner-'));
beforeAll(async () => {
  // The adapter as plain JavaScript, and a script that loads a bundle with it and saves.
  await build({ entryPoints: [fileURLToPath(new URL('../../src/adapters/codeCache.ts', import.meta.url))], outfile: join(runnerDir, 'codeCache.mjs'), bundle: true, platform: 'node', format: 'esm', logLevel: 'error' });
  runner = join(runnerDir, 'run.mjs');
  writeFileSync(
    runner,
    [
      "import { cachedBundle } from './codeCache.mjs';",
      'const b = cachedBundle(JSON.parse(process.argv[2]));',
      'const lib = await b.load();',
      'console.log(JSON.stringify({ lib: { answer: lib.answer, sha: lib.sha, file: lib.file, twice: lib.twice(21) }, saved: b.save() }));',
    ].join('\n'),
  );
});
afterAll(() => rmSync(runnerDir, { recursive: true, force: true }));

const BUNDLE = [
  "const { createHash } = require('node:crypto');",
  'module.exports = { answer: 42, sha: createHash("sha256").update("x").digest("hex").slice(0, 8), file: __filename, twice: (n) => n * 2 };',
].join('\n');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

function world(source = BUNDLE) {
  const dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  dirs.push(dir);
  const file = join(dir, 'api-library-AAAA.cjs');
  writeFileSync(file, source);
  const cacheDir = join(dir, 'cache');
  const opts: CachedBundleOptions = { file, name: 'api-library', cacheDir, runtime: 'v20.0.0 x64' };
  const caches = () => (existsSync(cacheDir) ? readdirSync(cacheDir).sort() : []);
  return { dir, file, cacheDir, opts, caches };
}

interface Lib {
  answer: number;
  sha: string;
  file: string;
  twice(n: number): number;
}
/** One run, in a process of its own (as another user, `as`, when given): what save() said (and the bundle's module, checked). */
async function run(opts: CachedBundleOptions, as?: { uid: number; gid: number }): Promise<string> {
  const r = spawnSync(process.execPath, [runner, JSON.stringify(opts)], { encoding: 'utf8', ...as });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout) as { lib: Omit<Lib, 'twice'> & { twice: number }; saved: string };
  expect(out.lib).toEqual({ answer: 42, sha: '2d711642', file: opts.file, twice: 42 });
  return out.saved;
}

describe('cachedBundle', () => {
  it('the first run compiles the bundle and writes one cache file; the next runs load it and write nothing', async () => {
    const w = world();
    expect(await run(w.opts)).toBe('written');
    const [file] = w.caches();
    expect(w.caches()).toEqual([expect.stringMatching(/^api-library-[0-9a-f]{20}\.v8$/)]);
    const bytes = readFileSync(join(w.cacheDir, file!));
    expect(await run(w.opts)).toBe('kept');
    expect(await run(w.opts)).toBe('kept');
    expect(readFileSync(join(w.cacheDir, file!))).toEqual(bytes);
  });

  it.each([
    ['bytes that are no code cache', (f: string) => writeFileSync(f, 'not a cache')],
    ['an empty file', (f: string) => writeFileSync(f, '')],
    ['a cache cut short', (f: string) => writeFileSync(f, readFileSync(f).subarray(0, 64))],
  ])('a cache V8 rejects (%s): the bundle still runs, and the cache is written again', async (_case, spoil) => {
    const w = world();
    await run(w.opts);
    const [file] = w.caches();
    spoil(join(w.cacheDir, file!));
    expect(await run(w.opts)).toBe('written');
    expect(w.caches()).toEqual([file]);
    expect(await run(w.opts)).toBe('kept');
  });

  it.each([
    ['another Node', (w: ReturnType<typeof world>) => ({ ...w.opts, runtime: 'v22.0.0 x64' })],
    ['a changed bundle (a new build)', (w: ReturnType<typeof world>) => (writeFileSync(w.file, `${BUNDLE}\n// v2`), w.opts)],
  ])('%s: a cache file of its own, which replaces the old one; caches of other names stay', async (_case, change) => {
    const w = world();
    await run(w.opts);
    const [old] = w.caches();
    writeFileSync(join(w.cacheDir, 'other-tool-123.v8'), 'theirs');
    expect(await run(change(w))).toBe('written');
    expect(w.caches()).toHaveLength(2);
    expect(w.caches()).toContain('other-tool-123.v8');
    expect(w.caches()).not.toContain(old);
  });

  it.each([
    ['no cache folder given', (w: ReturnType<typeof world>) => ({ ...w.opts, cacheDir: undefined }), 'no cache'],
    ['a file where the cache folder should be', (w: ReturnType<typeof world>) => (writeFileSync(w.cacheDir, 'x'), w.opts), 'failed'],
  ])('%s: the bundle runs, compiled each time, and nothing is thrown', async (_case, setup, expected) => {
    const w = world();
    const opts = setup(w);
    expect(await run(opts)).toBe(expected);
    expect(await run(opts)).toBe(expected);
  });

  it('a cache folder it may not write to: "failed", nothing thrown, no file left', async () => {
    const w = world();
    await run(w.opts);
    for (const f of w.caches()) rmSync(join(w.cacheDir, f));
    chmodSync(w.cacheDir, 0o555);
    // root writes anywhere: as root, the run is nobody's (who may read the runner and the bundle)
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    if (nobody) for (const d of [runnerDir, w.dir]) chmodSync(d, 0o755);
    expect(await run(w.opts, nobody)).toBe('failed');
    expect(w.caches()).toEqual([]);
  });

  it('leaves no temporary file behind', async () => {
    const w = world();
    await run(w.opts);
    await run({ ...w.opts, runtime: 'other' });
    expect(w.caches().filter((f) => !f.endsWith('.v8'))).toEqual([]);
  });

  it('save() before load(): nothing to save; load() twice: one module', async () => {
    const w = world();
    const b = cachedBundle(w.opts);
    expect(b.save()).toBe('not loaded');
    const [a, c] = await Promise.all([b.load(), b.load()]);
    expect(a).toBe(c);
    expect(w.caches()).toEqual([]);
  });

  it('a bundle that throws while it runs: load() rejects with its error', async () => {
    const w = world("throw new Error('broken bundle');");
    await expect(cachedBundle(w.opts).load()).rejects.toThrow('broken bundle');
  });
});
