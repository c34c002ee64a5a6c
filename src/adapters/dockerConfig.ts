// The user's Docker config file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
// Read strictly (malformed JSON stops us with the position, nothing changed); written
// atomically (temp file in the same folder + fsync + rename), with the original backed up once,
// before our first change, to config.json.registry-setup.bak.
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readFile, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { DockerConfigFile } from '../ports.js';
import { pidAlive } from './lock.js';

export const BACKUP_SUFFIX = '.registry-setup.bak';
/** A temp file this old is no write in progress, whoever wrote it. */
const STALE_TEMP_MS = 60_000;

/** 1-based line and column of a 0-based offset. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(pos, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/**
 * Offset of the first JSON syntax error in `text` (text.length when it ends too early), or -1
 * when it is valid. A small strict scanner: Node 20's JSON.parse does not always say where.
 */
export function findJsonError(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (at: number) => {
    throw at;
  };
  const str = () => {
    if (text[i] !== '"') fail(i);
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail(i);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i + 1);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(i + 1);
      } else i++;
    }
    fail(n);
  };
  /** The members of an object or the elements of an array, each read by `item`, up to `close`. */
  const items = (close: string, item: () => void): void => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === close) return void i++;
      else fail(i);
    }
  };
  const member = (): void => {
    ws();
    str();
    ws();
    if (text[i] !== ':') fail(i);
    i++;
    value();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return items('}', member);
    if (c === '[') return items(']', value);
    if (c === '"') return str();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) return void (i += lit.length);
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m && m[0] !== '' && m[0] !== '-') return void (i += m[0].length);
    fail(i);
  };
  try {
    value();
    ws();
    if (i < n) fail(i);
    return -1;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, n);
    throw at;
  }
}

/** Where JSON.parse failed: from its message ("line L column C", "at position N"), else by scanning. */
export function jsonErrorPosition(text: string, message: string): { line: number; column: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const p = /at position (\d+)/.exec(message);
  if (p) return lineColumn(text, Number(p[1]));
  const at = findJsonError(text);
  return lineColumn(text, at < 0 ? text.length : at);
}

/** V8's message without the echo of the text and the position (we give line and column). */
export function shortJsonMessage(msg: string): string {
  return msg
    .replace(/, "[\s\S]*" is not valid JSON$/, '')
    .replace(/\s*in JSON at position \d+.*$/, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '')
    .trim();
}

/** Parse a Docker config's text; {} for an empty file (as Docker does). */
export function parseDockerConfig(text: string, path: string): Record<string, unknown> {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return {};
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const { line, column } = jsonErrorPosition(body, msg);
    throw new UserError(`${path} is not valid JSON (line ${line}, column ${column}): ${shortJsonMessage(msg)}`, [
      `Fix or move the file (for example: mv ${path} ${path}.broken), then run again.`,
      'Nothing was changed.',
    ]);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError(`${path} does not hold a JSON object`, [`Fix or move the file (for example: mv ${path} ${path}.broken), then run again.`, 'Nothing was changed.']);
  }
  return data as Record<string, unknown>;
}

/** The indentation the file already uses (so our rewrite looks like theirs); Docker's own is a tab. */
export function detectIndent(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : '\t';
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return !!e && typeof e === 'object' && codes.includes((e as { code?: string }).code ?? '');
}

function readOnlyError(what: string, path: string, cause?: unknown): UserError {
  return new UserError(`${what} ${path} is read-only, so the Docker configuration cannot be updated`, [
    `Make it writable (for example: chmod u+w ${path}), then run again.`,
    'Nothing was changed.',
  ], { cause });
}

/** Write `content` to `target` atomically: temp file in the same folder, fsync, rename, fsync the folder. */
async function atomicWrite(target: string, content: string, mode: number, owner?: { uid: number; gid: number }): Promise<void> {
  const dir = dirname(target);
  const tmp = tempName(target);
  let fh;
  try {
    fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  } catch (e) {
    if (isCode(e, 'EACCES', 'EPERM', 'EROFS')) throw readOnlyError('The folder', dir, e);
    throw e;
  }
  try {
    await fh.chmod(mode); // the umask may have narrowed it
    if (owner) await fh.chown(owner.uid, owner.gid).catch(() => undefined);
    await fh.writeFile(content, 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (isCode(e, 'EACCES', 'EPERM', 'EROFS')) throw readOnlyError('The file', target, e);
    throw e;
  }
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh) {
    await dh.sync().catch(() => undefined);
    await dh.close().catch(() => undefined);
  }
}

/** `.config.json.PID-HEX.tmp`: the writer's pid tells a later run whether the writer is gone. */
function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Remove temp files of ours (of config.json and of its backup) that a run killed mid-write left
 * behind: those whose writer is no longer running. One without a pid (older versions) or whose pid
 * was reused is taken once it is older than any write.
 */
async function removeStaleTemps(dir: string, base: string, now = Date.now()): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const esc = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ours = new RegExp(`^\\.${esc}(${BACKUP_SUFFIX.replace(/\./g, '\\.')})?\\.(?:(\\d+)-)?[0-9a-f]{12}\\.tmp$`);
  for (const n of names) {
    const m = ours.exec(n);
    if (!m) continue;
    const pid = m[2] ? Number(m[2]) : undefined;
    if (pid === process.pid) continue;
    const p = join(dir, n);
    const st = await lstat(p).catch(() => undefined);
    if (!st?.isFile()) continue;
    const writerGone = pid !== undefined && !pidAlive(pid);
    if (writerGone || now - st.mtimeMs > STALE_TEMP_MS) await unlink(p).catch(() => undefined);
  }
}

/** Copy `src` to `dest` only if `dest` does not exist yet; never leaves a partial `dest`. Returns whether it copied. */
async function copyOnce(src: string, dest: string, mode: number): Promise<boolean> {
  const dir = dirname(dest);
  const tmp = tempName(dest);
  const data = await readFile(src);
  const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, dest); // atomic and exclusive: fails with EEXIST if a backup is already there
    return true;
  } catch (e) {
    if (isCode(e, 'EEXIST')) return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Under sudo (SUDO_USER set to another user), the config we change is root's: Docker run by that
 * user without sudo reads their own ~/.docker/config.json and will not see it.
 */
export function sudoWarning(env: NodeJS.ProcessEnv, path: string): string | undefined {
  const user = env.SUDO_USER;
  if (!user || user === 'root') return undefined;
  return (
    `registry-setup is running through sudo, so it sets up root's Docker config (${path}) with root's gcloud login, not ${user}'s: ` +
    `docker commands ${user} runs without sudo will not use it. Run registry-setup as ${user}, without sudo, unless root is who will push.`
  );
}

/**
 * The hosts DOCKER_AUTH_CONFIG gives a login for ({"auths": {HOST: {"auth": …}}}), keys only;
 * undefined when it is unset or not a JSON object (Docker then ignores it too).
 */
export function envAuthHosts(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  try {
    const auths = (JSON.parse(value) as { auths?: unknown }).auths;
    return auths && typeof auths === 'object' && !Array.isArray(auths) ? Object.keys(auths) : undefined;
  } catch {
    return undefined;
  }
}

export function createDockerConfigFile(deps: { env: NodeJS.ProcessEnv; homedir: string }): DockerConfigFile {
  const dir = deps.env.DOCKER_CONFIG || join(deps.homedir, '.docker');
  const path = join(dir, 'config.json');
  const sudo = sudoWarning(deps.env, path);
  const envHosts = envAuthHosts(deps.env.DOCKER_AUTH_CONFIG);

  async function readText(): Promise<string | null> {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if (isCode(e, 'ENOENT')) return null;
      if (isCode(e, 'EACCES', 'EPERM')) {
        throw new UserError(`cannot read ${path} (permission denied)`, [
          `Check who owns it: ls -l ${path}`,
          'If it belongs to root (e.g. after using sudo), give it back: sudo chown $USER ' + path,
        ], { cause: e });
      }
      if (isCode(e, 'EISDIR')) throw new UserError(`${path} is a folder, not a file`, ['Move it away, then run again.']);
      throw e;
    }
  }

  return {
    dir,
    path,
    ...(sudo ? { sudoWarning: sudo, sudoUser: deps.env.SUDO_USER } : {}),
    ...(envHosts ? { envAuthHosts: envHosts } : {}),

    async read() {
      const text = await readText();
      return text === null ? {} : parseDockerConfig(text, path);
    },

    async write(next) {
      // Create the folder with owner-only permissions when it is missing.
      await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e) => {
        if (isCode(e, 'EACCES', 'EPERM', 'EROFS')) throw readOnlyError('The folder', dirname(dir), e);
        throw e;
      });
      // Write through a symlink to its target (dotfile managers link config.json).
      let target = path;
      try {
        if ((await lstat(path)).isSymbolicLink()) target = await realpath(path);
      } catch (e) {
        if (!isCode(e, 'ENOENT')) throw e;
      }
      let st: import("node:fs").Stats | undefined;
      try {
        st = await stat(target);
      } catch (e) {
        if (!isCode(e, 'ENOENT')) throw e;
      }
      const dirStat = await stat(dirname(target));
      if ((dirStat.mode & 0o222) === 0) throw readOnlyError('The folder', dirname(target));
      await removeStaleTemps(dir, basename(path));
      if (dirname(target) !== dir) await removeStaleTemps(dirname(target), basename(target));
      let backupPath: string | undefined;
      let indent = '\t';
      if (st) {
        if ((st.mode & 0o222) === 0) throw readOnlyError('The file', path);
        const text = await readText();
        if (text !== null) {
          parseDockerConfig(text, path); // never replace a file we could not read (the caller should have read it first)
          indent = detectIndent(text);
        }
        const bak = path + BACKUP_SUFFIX;
        await copyOnce(target, bak, st.mode & 0o777).catch((e) => {
          if (isCode(e, 'EACCES', 'EPERM', 'EROFS')) throw readOnlyError('The folder', dir, e);
          throw e;
        });
        backupPath = bak;
      } else {
        // An earlier run may have backed up a file that is gone now; still report it.
        const bak = path + BACKUP_SUFFIX;
        if (await stat(bak).then(() => true, () => false)) backupPath = bak;
      }
      const mode = st ? st.mode & 0o777 : 0o600;
      const owner = st ? { uid: st.uid, gid: st.gid } : undefined;
      await atomicWrite(target, JSON.stringify(next, null, indent), mode, owner);
      if (!st) await chmod(target, 0o600).catch(() => undefined);
      return backupPath ? { backupPath } : {};
    },
  };
}
