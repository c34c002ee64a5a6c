// One wizard at a time: a lock file per key (the working folder; PROJECT/LOCATION/REPOSITORY),
// next to the saved progress file. Taken by exclusive create (O_CREAT|O_EXCL, mode 0600), holding
// who has it: pid, host, start time, key and a random token (so release only removes our own).
// A lock whose process is gone (same host, pid not alive) is stale: it is removed (by one run at a
// time, holding LOCK.takeover) and taken over, with a notice. A lock from another host is never
// judged stale (we cannot see its pid).
import { createHash, randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { RunLock, RunLockHandle } from '../ports.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  key: string;
  token: string;
}

/** The lock file for a key: run-<first 16 hex of sha256(key)>.lock. */
export function lockFileName(key: string): string {
  return `run-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.lock`;
}

function parseInfo(text: string): LockInfo | null {
  try {
    const d = JSON.parse(text) as Partial<LockInfo>;
    if (typeof d.pid === 'number' && Number.isInteger(d.pid) && d.pid > 0 && typeof d.host === 'string' && typeof d.startedAt === 'string') {
      return { pid: d.pid, host: d.host, startedAt: d.startedAt, key: typeof d.key === 'string' ? d.key : '', token: typeof d.token === 'string' ? d.token : '' };
    }
  } catch {
    // fall through
  }
  return null;
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock file that cannot be parsed this long after it was made is left over from a crash mid-write. */
const UNREADABLE_STALE_MS = 10_000;

/**
 * Locks this process holds (path → token). When the process exits without releasing them (a
 * second Ctrl-C exits at once), they are removed on the way out; only kill -9 leaves one behind,
 * and the next run takes that over.
 */
const heldHere = new Map<string, string>();
/**
 * Tokens of the lock files this process made (or is making). A lock file naming our own pid with
 * a token not in here was left by an earlier process whose pid we now have (pid reuse): stale.
 */
const ownTokens = new Set<string>();
let exitHooked = false;
function releaseAllOnExit(): void {
  for (const [path, token] of heldHere) {
    try {
      if (parseInfo(readFileSync(path, 'utf8'))?.token === token) unlinkSync(path);
    } catch {
      // gone already
    }
  }
  heldHere.clear();
}

export function createRunLock(deps: { dir: string; pid?: number; hostname?: string; now?: () => number }): RunLock {
  const pid = deps.pid ?? process.pid;
  const host = deps.hostname ?? osHostname();
  const now = deps.now ?? Date.now;

  async function tryCreate(path: string, info: LockInfo): Promise<boolean> {
    let fh;
    try {
      fh = await open(path, 'wx', 0o600);
    } catch (e) {
      if (errCode(e) === 'EEXIST') return false;
      throw lockIoError(path, e);
    }
    try {
      await fh.writeFile(JSON.stringify(info) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  }

  function lockIoError(path: string, e: unknown): Error {
    const code = errCode(e);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new UserError(`cannot create the lock file ${path} (${code})`, [`Check the permissions of ${deps.dir}.`], { cause: e });
    }
    return e as Error;
  }

  /** The holder of an existing lock file (and the file's text), or 'gone' when it vanished. */
  async function holder(path: string): Promise<{ info: LockInfo | 'unreadable'; text: string } | 'gone'> {
    // The holder writes its details right after creating the file: give it a moment.
    let text = '';
    for (let i = 0; i < 5; i++) {
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if (errCode(e) === 'ENOENT') return 'gone';
        throw e;
      }
      const info = parseInfo(text);
      if (info) return { info, text };
      await sleep(20);
    }
    return { info: 'unreadable', text };
  }

  function describe(info: LockInfo): string {
    const where = info.host === host ? '' : ` on ${info.host}`;
    return `pid ${info.pid}${where}, started ${info.startedAt}`;
  }

  return {
    dir: deps.dir,
    async acquire(key: string): Promise<RunLockHandle> {
      await mkdir(deps.dir, { recursive: true, mode: 0o700 }).catch((e) => {
        throw lockIoError(deps.dir, e);
      });
      const path = join(deps.dir, lockFileName(key));
      const mine: LockInfo = { pid, host, startedAt: new Date(now()).toISOString(), key, token: randomBytes(8).toString('hex') };
      let notice: string | undefined;
      for (let attempt = 0; attempt < 100; attempt++) {
        ownTokens.add(mine.token);
        let created: boolean;
        try {
          created = await tryCreate(path, mine);
        } catch (e) {
          ownTokens.delete(mine.token);
          throw e;
        }
        if (!created) ownTokens.delete(mine.token);
        if (created) {
          heldHere.set(path, mine.token);
          if (!exitHooked) {
            exitHooked = true;
            process.once('exit', releaseAllOnExit);
          }
          let released = false;
          return {
            ...(notice ? { notice } : {}),
            async release() {
              if (released) return;
              released = true;
              if (heldHere.get(path) === mine.token) heldHere.delete(path);
              ownTokens.delete(mine.token);
              try {
                const cur = parseInfo(await readFile(path, 'utf8'));
                if (cur && cur.token === mine.token) await unlink(path);
              } catch {
                // already gone (someone removed it by hand): nothing to give back
              }
            },
          };
        }
        const seen = await holder(path);
        if (seen === 'gone') continue;
        const h = seen.info;
        let stale: string;
        if (h === 'unreadable') {
          const age = await stat(path).then(
            (s) => Date.now() - s.mtimeMs,
            () => 0,
          );
          if (age < UNREADABLE_STALE_MS) {
            throw new UserError(`another registry-setup is just starting on ${key}`, [`Wait for it to finish, or, if none is running, delete ${path}.`]);
          }
          stale = `A damaged lock file on ${key} was left by a run that crashed`;
        } else if (h.host !== host || (pidAlive(h.pid) && !(h.pid === pid && !ownTokens.has(h.token)))) {
          throw new UserError(
            `another registry-setup is already working on ${key} (${describe(h)}); wait for it to finish or stop it`,
            [
              h.host === host ? `It runs as process ${h.pid}: let it finish, or stop it (Ctrl-C in its terminal, or kill ${h.pid}).` : `It runs on ${h.host}: let it finish there, or stop it.`,
              `If no registry-setup is running any more, delete the lock file ${path} and run again.`,
            ],
          );
        } else {
          stale = `An earlier registry-setup (process ${h.pid}, started ${h.startedAt}) stopped without releasing its lock on ${key}`;
        }
        // Stale. Only one run at a time may remove it: the one that creates PATH.takeover. It
        // removes the lock only if it is still the very one judged stale (another run may have
        // taken it over and made a fresh one meanwhile), then competes for it like everyone.
        const tk = `${path}.takeover`;
        try {
          await (await open(tk, 'wx', 0o600)).close();
        } catch (e) {
          if (errCode(e) !== 'EEXIST') throw lockIoError(tk, e);
          // Someone else is taking it over; a takeover file left by a crash is cleared after a while.
          const age = await stat(tk).then(
            (s) => Date.now() - s.mtimeMs,
            () => 0,
          );
          if (age > UNREADABLE_STALE_MS) await unlink(tk).catch(() => {});
          await sleep(10);
          continue;
        }
        try {
          const again = await readFile(path, 'utf8').catch((e) => {
            if (errCode(e) === 'ENOENT') return null;
            throw e;
          });
          if (again === seen.text) {
            await unlink(path);
            notice = `${stale}: this run takes it over.`;
          }
        } finally {
          await unlink(tk).catch(() => {});
        }
      }
      throw new UserError(`could not take the lock on ${key}: other registry-setup runs keep taking it`, [`Wait for them to finish, then run again.`]);
    },
  };
}
