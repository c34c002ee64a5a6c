import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgressStore, stripSecrets } from '../../src/adapters/progress.js';
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

  it('writes are atomic: a reader polling during 60 saves always sees complete JSON; no temp files left', async () => {
    const dir = tmp();
    const s = createProgressStore({ cwd: '/x', configDir: dir });
    const big = run({ state: { project: 'demo', warnings: Array.from({ length: 300 }, (_, i) => `warning number ${i} with some text`) } });
    await s.save(big);
    let stop = false;
    let reads = 0;
    const bad: string[] = [];
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(s.path, 'utf8');
        try {
          JSON.parse(text);
        } catch {
          bad.push(text.slice(-30));
        }
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 60; i++) {
      await s.save({ ...big, done: [String(i)] });
      await new Promise((r) => setImmediate(r));
    }
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(10);
    expect(bad).toEqual([]);
    expect((await s.latest())?.done).toEqual(['59']);
    expect(readdirSync(dir)).toEqual(['progress.json']);
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

  it('stripSecrets', () => {
    expect(stripSecrets({ a: 'x', token: 't', list: ['Bearer abc', 'ok'], deep: { Secret: 's', keep: 1 } })).toEqual({ a: 'x', list: ['[redacted]', 'ok'], deep: { keep: 1 } });
  });
});
