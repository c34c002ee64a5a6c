import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunLock, lockFileName, pidAlive } from '../../src/adapters/lock.js';
import { UserError } from '../../src/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'rs-lock-'));
const KEY = 'demo/us-east1/demo-repo';
const T0 = Date.parse('2026-11-26T10:00:00.000Z');

/** The pid of a process that has exited (a real one, so the check is the real kill(pid, 0)). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  expect(r.status).toBe(0);
  expect(pidAlive(r.pid!)).toBe(false);
  return r.pid!;
}

const holderFile = (pid: number, host: string) => JSON.stringify({ pid, host, startedAt: '2026-11-26T09:00:00.000Z', key: KEY, token: 'abcd' });

describe('run lock on real files', () => {
  it('acquire creates an owner-only file naming pid, host, start time and key; release removes it', async () => {
    const dir = join(tmp(), 'nested');
    const lock = createRunLock({ dir, pid: 4242, hostname: 'box', now: () => T0 });
    const h = await lock.acquire(KEY);
    expect(h.notice).toBeUndefined();
    const path = join(dir, lockFileName(KEY));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: 4242, host: 'box', startedAt: '2026-11-26T10:00:00.000Z', key: KEY });
    await h.release();
    expect(existsSync(path)).toBe(false);
    await h.release(); // twice is fine
    expect(readdirSync(dir)).toEqual([]);
  });

  it('different keys do not block each other', async () => {
    const lock = createRunLock({ dir: tmp() });
    const a = await lock.acquire('p/l/a');
    const b = await lock.acquire('p/l/b');
    expect(readdirSync(lock.dir)).toHaveLength(2);
    await a.release();
    await b.release();
    expect(readdirSync(lock.dir)).toEqual([]);
  });

  interface Case {
    case: string;
    existing: (dir: string, path: string) => void;
    expect: { error: RegExp; fix?: RegExp } | { notice: RegExp };
  }
  const cases: Case[] = [
    {
      case: 'held by a live process on this host',
      existing: (_d, p) => writeFileSync(p, holderFile(process.ppid, 'box')),
      expect: {
        error: new RegExp(`^another registry-setup is already working on demo/us-east1/demo-repo \\(pid ${process.ppid}, started 2026-11-26T09:00:00.000Z\\); wait for it to finish or stop it$`),
        fix: new RegExp(`kill ${process.ppid}[\\s\\S]*delete the lock file .*run-[0-9a-f]{16}\\.lock`),
      },
    },
    {
      case: 'naming our own pid, but not made by us (an earlier process had this pid) → taken over',
      existing: (_d, p) => writeFileSync(p, holderFile(process.pid, 'box')),
      expect: { notice: new RegExp(`^An earlier registry-setup \\(process ${process.pid}, started 2026-11-26T09:00:00.000Z\\) stopped without releasing its lock`) },
    },
    {
      case: 'held on another host (its pid cannot be checked from here)',
      existing: (_d, p) => writeFileSync(p, holderFile(999_999, 'other-box')),
      expect: { error: /already working on demo\/us-east1\/demo-repo \(pid 999999 on other-box, started /, fix: /runs on other-box/ },
    },
    {
      case: 'left by a process that is gone → taken over with a notice',
      existing: (_d, p) => writeFileSync(p, holderFile(deadPid(), 'box')),
      expect: { notice: /^An earlier registry-setup \(process \d+, started 2026-11-26T09:00:00.000Z\) stopped without releasing its lock on demo\/us-east1\/demo-repo: this run takes it over\.$/ },
    },
    {
      case: 'unreadable and fresh (another run is writing it) → refused',
      existing: (_d, p) => writeFileSync(p, ''),
      expect: { error: /another registry-setup is just starting on demo\/us-east1\/demo-repo/ },
    },
    {
      case: 'unreadable and old (a crash mid-write) → taken over',
      existing: (_d, p) => {
        writeFileSync(p, '{"pi');
        const old = new Date(Date.now() - 60_000);
        utimesSync(p, old, old);
      },
      expect: { notice: /^A damaged lock file on demo\/us-east1\/demo-repo was left by a run that crashed: this run takes it over\.$/ },
    },
  ];

  it.each(cases)('existing lock: $case', async (c) => {
    const dir = tmp();
    const path = join(dir, lockFileName(KEY));
    c.existing(dir, path);
    const before = readFileSync(path, 'utf8');
    const lock = createRunLock({ dir, hostname: 'box' });
    if ('error' in c.expect) {
      const err = await lock.acquire(KEY).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(c.expect.error);
      if (c.expect.fix) expect((err as UserError).fix.join('\n')).toMatch(c.expect.fix);
      expect(readFileSync(path, 'utf8')).toBe(before); // never touched
    } else {
      const h = await lock.acquire(KEY);
      expect(h.notice).toMatch(c.expect.notice);
      expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
      expect(readdirSync(dir)).toEqual([lockFileName(KEY)]); // the stale one is not left around
      await h.release();
      expect(existsSync(path)).toBe(false);
    }
  });

  it('release never removes a lock that is not ours any more', async () => {
    const dir = tmp();
    const lock = createRunLock({ dir });
    const h = await lock.acquire(KEY);
    const path = join(dir, lockFileName(KEY));
    writeFileSync(path, holderFile(process.pid, 'someone-else'));
    await h.release();
    expect(readFileSync(path, 'utf8')).toContain('someone-else');
  });

  it('many acquiring at once: exactly one wins, the others are told who has it', async () => {
    const dir = tmp();
    const locks = Array.from({ length: 12 }, (_, i) => createRunLock({ dir, pid: process.pid, hostname: `h` }));
    const results = await Promise.allSettled(locks.map((l) => l.acquire(KEY)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(11);
    for (const l of lost) expect(String(l.reason.message)).toMatch(/already working on|just starting on/);
  });

  it('many taking over the same stale lock at once: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = tmp();
      writeFileSync(join(dir, lockFileName(KEY)), holderFile(deadPid(), 'h'));
      const locks = Array.from({ length: 12 }, () => createRunLock({ dir, hostname: 'h' }));
      const results = await Promise.allSettled(locks.map((l) => l.acquire(KEY)));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won, `round ${round}`).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([lockFileName(KEY)]);
    }
  });

  it('an unwritable folder gives a clear error', async () => {
    const dir = tmp();
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o500);
    try {
      const lock = createRunLock({ dir });
      const err = await lock.acquire(KEY).catch((e) => e);
      // root ignores folder permissions: then it simply works.
      if (err instanceof Error) {
        expect(err).toBeInstanceOf(UserError);
        expect(err.message).toMatch(/cannot create the lock file .* \(EACCES\)/);
      } else {
        expect(existsSync(join(dir, lockFileName(KEY)))).toBe(true);
        await err.release();
      }
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('run lock held by another real process', () => {
  const KEY2 = 'the folder /w/app';
  function holder(dir: string, mode: 'exit' | 'hang') {
    const script = join(dir, 'holder.mts');
    const src = join(import.meta.dirname, '../../src/adapters/lock.ts');
    writeFileSync(
      script,
      `import { createRunLock } from ${JSON.stringify(src)};
const [dir, mode] = process.argv.slice(2);
await createRunLock({ dir }).acquire(${JSON.stringify(KEY2)});
process.stdout.write('held\\n');
if (mode === 'exit') process.exit(130); // like a second Ctrl-C: no release() call
setInterval(() => {}, 1000);
`,
    );
    // node itself (not the tsx wrapper), so the pid in the lock is the child's own
    const child = spawn(process.execPath, ['--import', 'tsx', script, join(dir, 'locks'), mode], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const held = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('held')) resolve();
      });
      child.on('close', (code) => reject(new Error(`holder exited (${code}) before holding: ${err}`)));
    });
    held.catch(() => {});
    const closed = new Promise<number | null>((r) => child.on('close', (code, sig) => r(code ?? (sig ? -1 : null))));
    return { child, held, closed, pid: () => child.pid! };
  }

  it('alive: refused with its pid; after kill -9 its lock is left behind, and the next run takes it over with a notice', async () => {
    const dir = tmp();
    const h = holder(dir, 'hang');
    await h.held;
    const lock = createRunLock({ dir: join(dir, 'locks') });
    const err = await lock.acquire(KEY2).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(new RegExp(`already working on the folder /w/app \\(pid ${h.pid()}, started `));
    h.child.kill('SIGKILL');
    await h.closed;
    expect(readdirSync(join(dir, 'locks'))).toEqual([lockFileName(KEY2)]);
    const got = await lock.acquire(KEY2);
    expect(got.notice).toMatch(new RegExp(`^An earlier registry-setup \\(process ${h.pid()}, started [^)]+\\) stopped without releasing its lock on the folder /w/app: this run takes it over\\.$`));
    await got.release();
    expect(readdirSync(join(dir, 'locks'))).toEqual([]);
  }, 30_000);

  it('a process that exits without releasing (second Ctrl-C) leaves no lock behind', async () => {
    const dir = tmp();
    const h = holder(dir, 'exit');
    await h.held;
    expect(await h.closed).toBe(130);
    expect(readdirSync(join(dir, 'locks'))).toEqual([]);
    const got = await createRunLock({ dir: join(dir, 'locks') }).acquire(KEY2);
    expect(got.notice).toBeUndefined();
    await got.release();
  }, 30_000);
});
