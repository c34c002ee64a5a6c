import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgressStore, isLegacyV0 } from '../../src/adapters/progress.js';
import { spawn } from 'node:child_process';
import { UserError } from '../../src/errors.js';
import type { SavedRun } from '../../src/ports.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'rs-progress-'));
const run = (over: Partial<SavedRun> = {}): SavedRun => ({
  version: 1,
  key: 'demo/us-east1/demo-repo',
  updatedAt: '2026-01-01T00:00:00.000Z',
  done: ['preflight', 'project'],
  state: { project: 'demo', location: 'us-east1', repository: 'demo-repo' },
  ...over,
});

describe('progress store on real files', () => {
  it('nothing saved → null; save → latest; file is 0600 with schema version 1, keyed by folder', async () => {
    const dir = tmp();
    const s = createProgressStore({ cwd: '/work/app', configDir: dir });
    expect(s.path).toBe(join(dir, 'progress.json'));
    expect(s.notice).toBeUndefined();
    expect(await s.latest()).toBeNull();
    await s.save(run());
    expect(await s.latest()).toEqual(run());
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(s.path, 'utf8'));
    expect(file).toEqual({ version: 1, runs: { '/work/app': run() } });
  });

  it('folders do not see each other; clear removes only this folder', async () => {
    const dir = tmp();
    const a = createProgressStore({ cwd: '/a', configDir: dir });
    const b = createProgressStore({ cwd: '/b.with.dots', configDir: dir });
    await a.save(run({ key: 'A' }));
    await b.save(run({ key: 'B' }));
    expect((await a.latest())?.key).toBe('A');
    expect((await b.latest())?.key).toBe('B');
    await a.clear();
    expect(await a.latest()).toBeNull();
    expect((await createProgressStore({ cwd: '/b.with.dots', configDir: dir }).latest())?.key).toBe('B');
  });

  it.each([
    { case: 'not JSON', text: '{"version":1,"runs":{', problem: /not valid JSON/ },
    { case: 'not an object', text: '[1,2]', problem: /not a JSON object/ },
    { case: 'no version', text: '{"runs":{}}', problem: /no valid format version/ },
    { case: 'runs is not a map', text: '{"version":1,"runs":[]}', problem: /no "runs" map/ },
  ])('damaged file ($case) → set aside, fresh start, notice says so', async ({ text, problem }) => {
    const dir = tmp();
    writeFileSync(join(dir, 'progress.json'), text);
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    expect(s.notice).toMatch(problem);
    expect(s.notice).toMatch(/set aside as .*progress\.json\.corrupt-/);
    const aside = readdirSync(dir).filter((f) => f.startsWith('progress.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(text);
    expect(await s.latest()).toBeNull();
    await s.save(run());
    expect(await s.latest()).toEqual(run());
  });

  it('a file from a newer version is refused clearly, and --restart (clear) sets it aside', async () => {
    const dir = tmp();
    const text = JSON.stringify({ version: 2, things: {} });
    writeFileSync(join(dir, 'progress.json'), text);
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    expect(s.notice).toBeUndefined();
    const err = await s.latest().catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/written by a newer registry-setup \(format 2/);
    expect(err.fix.join('\n')).toMatch(/--restart/);
    await expect(s.save(run())).rejects.toBeInstanceOf(UserError);
    expect(readFileSync(join(dir, 'progress.json'), 'utf8')).toBe(text);
    await s.clear();
    expect(existsSync(join(dir, 'progress.json'))).toBe(false);
    expect(readdirSync(dir).some((f) => f.startsWith('progress.json.newer-'))).toBe(true);
    expect(s.notice).toMatch(/set aside/);
  });

  it('never stores secrets', async () => {
    const dir = tmp();
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    const sneaky = run({ state: { project: 'demo', warnings: ['token was ya29.abcdefghijklmnop'], ...({ accessToken: 'ya29.zzzzzzzzzzzzzzzz', nested: { password: 'p' } } as object) } });
    await s.save(sneaky);
    const text = readFileSync(s.path, 'utf8');
    expect(text).not.toContain('ya29.');
    expect(text).not.toContain('accessToken');
    expect(text).not.toContain('password');
    expect((await s.latest())?.state.project).toBe('demo');
  });

  it('writes are atomic: a reader between every two of 60 saves always sees complete JSON; no temp files left', async () => {
    const dir = tmp();
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    const big = run({ state: { project: 'demo', warnings: Array.from({ length: 300 }, (_, i) => `warning number ${i} with some text`) } });
    await s.save(big);
    let stop = false;
    let reads = 0;
    // The writer waits for a read after each save, so reads and writes interleave on any machine.
    let readDone: () => void = () => undefined;
    const nextRead = () => new Promise<void>((r) => (readDone = r));
    const bad: string[] = [];
    let waiting = nextRead();
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(s.path, 'utf8');
        try {
          JSON.parse(text);
        } catch {
          bad.push(text.slice(-30));
        }
        reads++;
        readDone();
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 60; i++) {
      await s.save({ ...big, done: [String(i)] });
      await waiting;
      waiting = nextRead();
    }
    stop = true;
    await reader;
    expect(reads).toBeGreaterThanOrEqual(60);
    expect(bad).toEqual([]);
    expect((await s.latest())?.done).toEqual(['59']);
    expect(readdirSync(dir)).toEqual(['progress.json']);
  });

  it('a temp file of a write that was killed is removed by the next save; other files stay', async () => {
    const dir = tmp();
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    await s.save(run());
    writeFileSync(join(dir, 'progress.json.tmp-1764558000abcdef'), '{"version":1,"ru');
    writeFileSync(join(dir, 'progress.json.v0.bak'), '{"done":[]}');
    await s.save(run({ done: ['preflight', 'project'] }));
    expect(readdirSync(dir).sort()).toEqual(['progress.json', 'progress.json.v0.bak']);
    expect((await s.latest())?.done).toEqual(['preflight', 'project']);
  });

  it('default place: $XDG_CONFIG_HOME/registry-setup/progress.json, folder 0700', async () => {
    const xdg = tmp();
    const saved = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = xdg;
    try {
      const s = createProgressStore({ cwd: '/x' });
      expect(s.path).toBe(join(xdg, 'registry-setup', 'progress.json'));
      await s.save(run());
      expect(statSync(join(xdg, 'registry-setup')).mode & 0o777).toBe(0o700);
      expect(statSync(s.path).mode & 0o777).toBe(0o600);
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    }
  });
});


describe('format 0 (early versions: one flat run per file) is migrated', () => {
  const cases: { case: string; v0: Record<string, unknown>; cwd: string; want: { folder: string; run: Partial<SavedRun> } }[] = [
    {
      case: 'flat project/location/repository/done → the run of this folder',
      v0: { project: 'demo', location: 'us-east1', repository: 'demo-repo', done: ['preflight', 'project', 'region'] },
      cwd: '/work/app',
      want: { folder: '/work/app', run: { version: 1, key: 'demo/us-east1/demo-repo', done: ['preflight', 'project', 'region'], state: { project: 'demo', location: 'us-east1', repository: 'demo-repo' } } },
    },
    {
      case: 'explicit version 0 with its own folder and image, partly known',
      v0: { version: 0, project: 'demo', location: 'us-east1', image: 'api', cwd: '/elsewhere', done: ['preflight'], updatedAt: '2025-05-05T00:00:00.000Z' },
      cwd: '/work/app',
      want: { folder: '/elsewhere', run: { version: 1, key: '', updatedAt: '2025-05-05T00:00:00.000Z', done: ['preflight'], state: { project: 'demo', location: 'us-east1', image: 'api' } } },
    },
    {
      case: 'a token that an old version kept is dropped',
      v0: { project: 'demo', done: [], accessToken: 'ya29.abcdefghijklmnopqrstu' },
      cwd: '/w',
      want: { folder: '/w', run: { key: '', done: [], state: { project: 'demo' } } },
    },
  ];
  it.each(cases)('$case', async ({ v0, cwd, want }) => {
    const dir = tmp();
    const p = join(dir, 'progress.json');
    const text = JSON.stringify(v0);
    writeFileSync(p, text, { mode: 0o644 });
    const s = createProgressStore({ cwd, configDir: dir });
    expect(s.notice).toMatch(/^Saved progress from an older registry-setup \(format 0\) was converted to the current format; the original is kept as .*progress\.json\.v0\.bak\.$/);
    const file = JSON.parse(readFileSync(p, 'utf8'));
    expect(file.version).toBe(1);
    expect(Object.keys(file.runs)).toEqual([want.folder]);
    expect(file.runs[want.folder]).toMatchObject(want.run);
    expect(readFileSync(p, 'utf8')).not.toContain('ya29');
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'progress.json.v0.bak'), 'utf8')).toBe(text);
    expect(statSync(join(dir, 'progress.json.v0.bak')).mode & 0o777).toBe(0o600);
    if (want.folder === cwd) expect((await s.latest())?.done).toEqual(want.run.done);
    // opening it again: already format 1, no notice
    expect(createProgressStore({ cwd, configDir: dir }).notice).toBeUndefined();
  });

  it.each([
    [{ project: 'p', done: ['a'] }, true],
    [{ version: 0, project: 'p', done: [] }, true],
    [{ project: 'p' }, false], // no done list
    [{ project: 'p', done: 'preflight' }, false],
    [{ project: 'p', done: [1] }, false],
    [{ done: ['a'] }, false], // no project: nothing worth keeping
    [{ version: 1, project: 'p', done: [] }, false],
    [{ project: 'p', done: [], runs: {} }, false],
    [{ project: 7, done: [] }, false],
  ])('isLegacyV0(%j) → %s', (d, want) => {
    expect(isLegacyV0(d)).toBe(want);
  });

  it('a v0 look-alike that is not one is treated as damaged: set aside, fresh start', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'progress.json'), JSON.stringify({ project: 'p', done: 'x' }));
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    expect(s.notice).toMatch(/damaged \(no valid format version\)/);
    expect(existsSync(join(dir, 'progress.json.v0.bak'))).toBe(false);
  });
});

describe('a save lock left behind by a killed run', () => {
  // A run killed between creating progress.json.lock and writing its pid into it leaves an empty
  // lock file. Found by `npm run test:faults` (kill right after a step): every save of the next
  // run waited 3 s and failed, and the finished run was not recorded as complete.
  it.each([
    { case: 'empty (killed before writing its pid)', content: '', ageMs: 2_000, saved: true },
    { case: 'half-written JSON', content: '{"pid":', ageMs: 2_000, saved: true },
    { case: 'holder pid is gone', content: JSON.stringify({ pid: 2 ** 22 + 12345, at: '2026-01-01T00:00:00Z' }), ageMs: 0, saved: true },
    { case: 'held far longer than any save (a hung or reused pid)', content: JSON.stringify({ pid: process.ppid, at: '2026-01-01T00:00:00Z' }), ageMs: 60_000, saved: true },
  ])('$case → cleared, the save goes through at once', async (c) => {
    const dir = tmp();
    const s = createProgressStore({ cwd: '/work/app', configDir: dir });
    const lock = join(dir, 'progress.json.lock');
    writeFileSync(lock, c.content);
    const then = new Date(Date.now() - c.ageMs);
    utimesSync(lock, then, then);
    const t0 = Date.now();
    await s.save(run());
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(await s.latest()).toEqual(run());
    expect(existsSync(lock)).toBe(false);
  });

  it('a live holder (the test runner\'s parent process) is waited for, then the save fails clearly, the lock kept', async () => {
    const dir = tmp();
    const s = createProgressStore({ cwd: '/work/app', configDir: dir });
    const lock = join(dir, 'progress.json.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, at: new Date().toISOString() }));
    await expect(s.save(run())).rejects.toBeInstanceOf(UserError);
    expect(existsSync(lock)).toBe(true);
  });
});

describe('several processes saving at once (runs in different folders share the file)', () => {
  it('no process loses another one\'s progress; the file is valid JSON, 0600, no lock left', async () => {
    const dir = tmp();
    const script = join(dir, 'saver.mts');
    const src = join(import.meta.dirname, '../../src/adapters/progress.ts');
    writeFileSync(
      script,
      `import { createProgressStore } from ${JSON.stringify(src)};
const [dir, cwd, n] = process.argv.slice(2);
const s = createProgressStore({ cwd, configDir: dir });
for (let i = 0; i < Number(n); i++) {
  await s.save({ version: 1, key: '', updatedAt: new Date().toISOString(), done: [String(i)], state: { project: cwd.slice(1) } });
}
`,
    );
    const tsx = join(import.meta.dirname, '../../node_modules/.bin/tsx');
    const N = 40;
    const folders = ['/a', '/b', '/c', '/d'];
    const results = await Promise.all(
      folders.map(
        (f) =>
          new Promise<{ code: number | null; err: string }>((resolve) => {
            const c = spawn(tsx, [script, dir, f, String(N)], { stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            c.stderr.on('data', (d) => (err += d));
            c.on('close', (code) => resolve({ code, err }));
          }),
      ),
    );
    for (const r of results) expect(r.err).toBe('');
    for (const r of results) expect(r.code).toBe(0);
    const file = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8'));
    expect(Object.keys(file.runs).sort()).toEqual(folders);
    for (const f of folders) expect(file.runs[f].done).toEqual([String(N - 1)]);
    expect(statSync(join(dir, 'progress.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['progress.json', 'saver.mts']);
  }, 60_000);
});


describe('file mode', () => {
  it.each([0o644, 0o666, 0o600, 0o640])('an existing progress file with mode %o is 0600 after the next save', async (m) => {
    const dir = tmp();
    const p = join(dir, 'progress.json');
    writeFileSync(p, JSON.stringify({ version: 1, runs: {} }));
    const { chmodSync } = await import('node:fs');
    chmodSync(p, m);
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    await s.save(run());
    expect(statSync(p).mode & 0o777).toBe(0o600);
    await s.clear();
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });
});


describe('several processes opening a damaged or format-0 file at once', () => {
  const cases = [
    { case: 'damaged', text: '{"version":1,"runs":{"/a":', notice: /was damaged/, aside: /^progress\.json\.corrupt-/ },
    { case: 'format 0', text: JSON.stringify({ project: 'old-proj', done: ['preflight'], cwd: '/old' }), notice: /format 0\) was converted/, aside: /^progress\.json\.v0\.bak$/ },
  ];
  it.each(cases)('$case: set aside / converted once, one notice, nobody loses a save', async ({ text, notice, aside }) => {
    const dir = tmp();
    writeFileSync(join(dir, 'progress.json'), text);
    const script = join(dir, 'opener.mts');
    const src = join(import.meta.dirname, '../../src/adapters/progress.ts');
    writeFileSync(
      script,
      `import { createProgressStore } from ${JSON.stringify(src)};
const [dir, cwd] = process.argv.slice(2);
const s = createProgressStore({ cwd, configDir: dir });
process.stdout.write(s.notice ?? '');
await s.save({ version: 1, key: '', updatedAt: new Date().toISOString(), done: ['x'], state: { project: cwd.slice(1) } });
`,
    );
    const folders = ['/a', '/b', '/c', '/d'];
    const outs = await Promise.all(
      folders.map(
        (f) =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const c = spawn(process.execPath, ['--import', 'tsx', script, dir, f], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            c.stdout.on('data', (d) => (out += d));
            c.stderr.on('data', (d) => (err += d));
            c.on('close', (code) => resolve({ code, out, err }));
          }),
      ),
    );
    for (const o of outs) expect(o.err).toBe('');
    expect(outs.filter((o) => notice.test(o.out))).toHaveLength(1);
    expect(outs.filter((o) => o.out !== '' && !notice.test(o.out))).toEqual([]);
    const files = readdirSync(dir);
    expect(files.filter((f) => aside.test(f))).toHaveLength(1);
    const file = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8'));
    for (const f of folders) expect(file.runs[f]?.done).toEqual(['x']);
  }, 60_000);
});
