// The lock files: one wizard per key (createRunLock) and the saved progress file's short
// read-modify-write (withFileLockSync), both taken the same way. A lock is a file made by exclusive
// create (mode 0600) naming its holder: pid, host, start time, key and a random token, so release
// removes only our own. A holder whose process is gone (same host; another host's pid cannot be
// checked), or that is older than the caller allows, is stale: one process at a time (holding
// PATH.takeover) removes it, then everyone competes again.
import { createHash, randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { RunLock, RunLockHandle } from '../ports.js';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  key: string;
  token: string;
}

/** What a lock file says; older lock files may lack all but the pid (no host: this one). */
type Holder = Pick<LockInfo, 'pid'> & Partial<Omit<LockInfo, 'pid'>>;

/** The run lock file for a key: run-<first 16 hex of sha256(key)>.lock. */
export function lockFileName(key: string): string {
  return `run-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.lock`;
}

function parseHolder(text: string): Holder | null {
  try {
    const d = JSON.parse(text) as Partial<Record<keyof LockInfo, unknown>>;
    if (typeof d.pid !== 'number' || !Number.isInteger(d.pid) || d.pid <= 0) return null;
    const h: Holder = { pid: d.pid };
    for (const k of ['host', 'startedAt', 'key', 'token'] as const) if (typeof d[k] === 'string') h[k] = d[k];
    return h;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

const errCode = (e: unknown) => (e as { code?: string }).code;

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** How often a waiting taker looks again. */
const POLL_MS = 5;
/** Its holder writes a lock file in the same call that creates it: one still unreadable after this was left by a killed writer. */
const UNWRITTEN_MS = 500;
/** A takeover file this old was left by a process killed while it removed a stale lock. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * Locks this process holds (path → token). When the process exits without releasing them (a
 * second Ctrl-C exits at once), they are removed on the way out; only kill -9 leaves one behind,
 * and the next taker finds it stale.
 */
const heldHere = new Map<string, string>();
/**
 * Tokens of the lock files this process made. A lock file naming our own pid with another token
 * was left by an earlier process that had our pid (pid reuse): stale.
 */
const ownTokens = new Set<string>();
let exitHooked = false;

/** Remove the lock at `path` if it is still the one with `token`. */
function releaseOwn(path: string, token: string): void {
  if (heldHere.get(path) === token) heldHere.delete(path);
  ownTokens.delete(token);
  try {
    if (parseHolder(readFileSync(path, 'utf8'))?.token === token) unlinkSync(path);
  } catch {
    // gone already (someone removed it by hand): nothing to give back
  }
}

function releaseAllOnExit(): void {
  for (const [path, token] of heldHere) releaseOwn(path, token);
}

function lockIoError(path: string, dir: string, e: unknown): unknown {
  const code = errCode(e);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new UserError(`cannot create the lock file ${path} (${code})`, [`Check the permissions of ${dir}.`], { cause: e });
  }
  return e;
}

/** Create the lock file with our details, or false when one is there. */
function tryCreate(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw lockIoError(path, dirname(path), e);
  }
  try {
    writeSync(fd, JSON.stringify(info) + '\n');
  } catch (e) {
    removeQuietly(path);
    throw e;
  } finally {
    closeSync(fd);
  }
  ownTokens.add(info.token);
  heldHere.set(path, info.token);
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', releaseAllOnExit);
  }
  return true;
}

const ageOf = (path: string): number => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** Why the lock at `path` (read as `text`) is held, or why it is stale. */
type Verdict = { held: Holder } | { starting: true } | { stale: string };

function judge(text: string, age: number, key: string, me: { pid: number; host: string; maxAgeMs: number }): Verdict {
  const h = parseHolder(text);
  if (!h) return age < UNWRITTEN_MS ? { starting: true } : { stale: `A damaged lock file on ${key} was left by a run that crashed` };
  const here = h.host === undefined || h.host === me.host;
  const gone = here && (!pidAlive(h.pid) || (h.pid === me.pid && !(h.token && ownTokens.has(h.token))));
  if (gone || age > me.maxAgeMs) {
    return { stale: `An earlier registry-setup (process ${h.pid}${h.startedAt ? `, started ${h.startedAt}` : ''}) stopped without releasing its lock on ${key}` };
  }
  return { held: h };
}

/**
 * Remove the stale lock `text` at `path`: only the process that creates PATH.takeover may
 * ('busy' for the others), and only if it is still that very lock ('changed' when another
 * process took it over and made a fresh one meanwhile).
 */
function takeOver(path: string, text: string): 'removed' | 'changed' | 'busy' {
  const tk = `${path}.takeover`;
  try {
    closeSync(openSync(tk, 'wx', 0o600));
  } catch (e) {
    if (errCode(e) !== 'EEXIST') throw lockIoError(tk, dirname(path), e);
    if (ageOf(tk) > TAKEOVER_STALE_MS) removeQuietly(tk);
    return 'busy';
  }
  try {
    let now: string | null = null;
    try {
      now = readFileSync(path, 'utf8');
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e;
    }
    if (now !== text) return 'changed';
    removeQuietly(path);
    return 'removed';
  } finally {
    removeQuietly(tk);
  }
}

interface TakeOptions {
  key: string;
  /** How long to keep trying while the lock is held (or being written, or taken over). */
  waitMs: number;
  /** A lock older than this is stale even when its process lives. */
  maxAgeMs: number;
  pid: number;
  host: string;
  startedAt: string;
}

type Taken = { taken: true; release(): void; notice?: string };
type Refused = { taken: false; why: Exclude<Verdict, { stale: string }> | { busy: true } };

/** Taking the lock at `path`, step by step: yields how long to wait before trying again. */
function* take(path: string, o: TakeOptions): Generator<number, Taken | Refused, void> {
  const deadline = Date.now() + o.waitMs;
  const mine: LockInfo = { pid: o.pid, host: o.host, startedAt: o.startedAt, key: o.key, token: randomBytes(8).toString('hex') };
  let notice: string | undefined;
  for (;;) {
    if (tryCreate(path, mine)) return { taken: true, release: () => releaseOwn(path, mine.token), ...(notice ? { notice } : {}) };
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') continue; // released meanwhile: try again at once
      throw e;
    }
    const v = judge(text, ageOf(path), o.key, o);
    let why: Refused['why'];
    if ('stale' in v) {
      const t = takeOver(path, text);
      if (t === 'removed') notice = `${v.stale}: this run takes it over.`;
      if (t !== 'busy') continue;
      why = { busy: true };
    } else why = v;
    if (Date.now() >= deadline) return { taken: false, why };
    yield POLL_MS;
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

function takeSync(path: string, o: TakeOptions): Taken | Refused {
  const steps = take(path, o);
  for (let s = steps.next(); ; s = steps.next()) {
    if (s.done) return s.value;
    Atomics.wait(SLEEPER, 0, 0, s.value);
  }
}

async function takeAsync(path: string, o: TakeOptions): Promise<Taken | Refused> {
  const steps = take(path, o);
  for (let s = steps.next(); ; s = steps.next()) {
    if (s.done) return s.value;
    await new Promise((r) => setTimeout(r, s.value));
  }
}

/** How long a progress save waits for another process's; a save lock older than 10 s is a crash. */
const SAVE_WAIT_MS = 3000;
const SAVE_STALE_MS = 10_000;

/** Run `fn` holding the lock file `path` around a short read-modify-write of `what` (a file processes share). */
export function withFileLockSync<T>(path: string, what: string, fn: () => T): T {
  const r = takeSync(path, { key: what, waitMs: SAVE_WAIT_MS, maxAgeMs: SAVE_STALE_MS, pid: process.pid, host: osHostname(), startedAt: new Date().toISOString() });
  if (!r.taken) throw new UserError(`${what} stayed locked by another registry-setup`, [`If none is running, delete ${path}.`]);
  try {
    return fn();
  } finally {
    r.release();
  }
}

/** How long a run waits for its lock: a live run keeps it for minutes, so only while a holder writes its file. */
const RUN_WAIT_MS = 100;

export function createRunLock(deps: { dir: string; pid?: number; hostname?: string; now?: () => number }): RunLock {
  const pid = deps.pid ?? process.pid;
  const host = deps.hostname ?? osHostname();
  const now = deps.now ?? Date.now;

  function describe(h: Holder): string {
    const where = h.host && h.host !== host ? ` on ${h.host}` : '';
    return `pid ${h.pid}${where}${h.startedAt ? `, started ${h.startedAt}` : ''}`;
  }

  function refusal(key: string, path: string, why: Refused['why']): UserError {
    if ('held' in why) {
      const h = why.held;
      const elsewhere = h.host && h.host !== host;
      return new UserError(`another registry-setup is already working on ${key} (${describe(h)}); wait for it to finish or stop it`, [
        elsewhere ? `It runs on ${h.host}: let it finish there, or stop it.` : `It runs as process ${h.pid}: let it finish, or stop it (Ctrl-C in its terminal, or kill ${h.pid}).`,
        `If no registry-setup is running any more, delete the lock file ${path} and run again.`,
      ]);
    }
    if ('starting' in why) return new UserError(`another registry-setup is just starting on ${key}`, [`Wait for it to finish, or, if none is running, delete ${path}.`]);
    return new UserError(`could not take the lock on ${key}: other registry-setup runs keep taking it`, ['Wait for them to finish, then run again.']);
  }

  return {
    dir: deps.dir,
    async acquire(key: string): Promise<RunLockHandle> {
      const path = join(deps.dir, lockFileName(key));
      const r = await takeAsync(path, { key, waitMs: RUN_WAIT_MS, maxAgeMs: Infinity, pid, host, startedAt: new Date(now()).toISOString() });
      if (!r.taken) throw refusal(key, path, r.why);
      let released = false;
      return {
        ...(r.notice ? { notice: r.notice } : {}),
        async release() {
          if (released) return;
          released = true;
          r.release();
        },
      };
    },
  };
}
