// Saved progress, with conf: one JSON file (mode 0600, written atomically by conf through
// `atomically`: temp file + fsync + rename), schema version 1:
//   { "version": 1, "runs": { "<working folder>": SavedRun } }
// A corrupted file is set aside (progress.json.corrupt-<timestamp>) and the run starts fresh
// with a notice; a file from a newer registry-setup is refused clearly; a format-0 file (the
// flat, single-run shape of early versions, see isLegacyV0) is migrated, its original kept as
// progress.json.v0.bak. Never stores secrets.
// Runs in different folders share the file: every read-modify-write holds progress.json.lock
// (exclusive create), so two wizards saving at once never lose each other's progress.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Conf from 'conf';
import { UserError } from '../errors.js';
import type { ProgressStore, SavedRun } from '../ports.js';
import { withFileLockSync } from './lock.js';
import { stripSecrets } from '../redact.js';

export const SCHEMA_VERSION = 1;

const CONFIG_NAME = 'progress';

interface StoreFile {
  version: number;
  runs: Record<string, SavedRun>;
}

/**
 * Format 0 (early versions): one run per file, flat, no version (or version 0):
 *   { "project": "p", "location": "l", "repository": "r", "done": ["preflight", …],
 *     "cwd"?: "/folder", "image"?: "app", "updatedAt"?: "…" }
 */
export interface LegacyV0 {
  version?: 0;
  project?: string;
  location?: string;
  repository?: string;
  image?: string;
  cwd?: string;
  updatedAt?: string;
  done: string[];
}

export function isLegacyV0(d: unknown): d is LegacyV0 {
  if (!d || typeof d !== 'object' || Array.isArray(d)) return false;
  const r = d as Record<string, unknown>;
  if (r.version !== undefined && r.version !== 0) return false;
  if ('runs' in r) return false;
  if (!Array.isArray(r.done) || !r.done.every((x) => typeof x === 'string')) return false;
  for (const k of ['project', 'location', 'repository', 'image', 'cwd', 'updatedAt']) {
    if (r[k] !== undefined && typeof r[k] !== 'string') return false;
  }
  return typeof r.project === 'string';
}

/** A format-0 file as the format-1 store: its one run under its folder (or `cwd` when it has none). */
export function migrateV0(d: LegacyV0, cwd: string, now: Date): StoreFile {
  const state: SavedRun['state'] = {};
  if (d.project) state.project = d.project;
  if (d.location) state.location = d.location;
  if (d.repository) state.repository = d.repository;
  if (d.image) state.image = d.image;
  const key = d.project && d.location && d.repository ? `${d.project}/${d.location}/${d.repository}` : '';
  const run: SavedRun = { version: 1, key, updatedAt: d.updatedAt ?? now.toISOString(), done: [...d.done], state };
  return { version: SCHEMA_VERSION, runs: { [d.cwd || cwd]: stripSecrets(run) } };
}

function isSavedRun(x: unknown): x is SavedRun {
  if (!x || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  return r.version === 1 && typeof r.key === 'string' && Array.isArray(r.done) && r.done.every((d) => typeof d === 'string') && !!r.state && typeof r.state === 'object';
}

/** What is wrong with the file's content, or null when it is a usable store (any version). */
function problemWith(text: string): string | null {
  if (text.trim() === '') return null; // an empty file is just a fresh store
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${e instanceof Error ? e.message.replace(/, "[\s\S]*" is not valid JSON$/, '') : String(e)})`;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return 'not a JSON object';
  const d = data as Record<string, unknown>;
  if (Object.keys(d).length === 0) return null;
  if (isLegacyV0(d)) return null; // migrated when the store opens
  if (typeof d.version !== 'number' || !Number.isInteger(d.version) || d.version < 1) return 'no valid format version';
  if (d.version === SCHEMA_VERSION && (!d.runs || typeof d.runs !== 'object' || Array.isArray(d.runs))) return 'no "runs" map';
  return null;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

function openConf(configDir: string | undefined): Conf<StoreFile> {
  return new Conf<StoreFile>({
    projectName: 'registry-setup',
    projectSuffix: '',
    ...(configDir ? { cwd: configDir } : {}),
    configName: CONFIG_NAME,
    configFileMode: 0o600,
    // conf reads the file as it starts; with this it does not throw on a damaged file (and does
    // not change it either): we detect damage ourselves (checkFile) and set the file aside.
    clearInvalidConfig: true,
    accessPropertiesByDotNotation: false,
  } as ConstructorParameters<typeof Conf<StoreFile>>[0]);
}

/** Hold progress.json.lock around a read-modify-write (other folders' runs share the file). */
function withFileLock<T>(path: string, fn: () => T): T {
  return withFileLockSync(`${path}.lock`, `the saved progress file ${path}`, fn);
}

/** The file's text as the store opens; null when there is none or it cannot be read. */
function firstRead(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Missing, or unreadable (permissions): the latter is reported by the first read, not here.
    return null;
  }
}

function isLegacyText(text: string): boolean {
  try {
    return isLegacyV0(JSON.parse(text));
  } catch {
    return false; // damaged: checkFile sets it aside
  }
}

/** Convert a format-0 file in place, keeping the original as .v0.bak; the notice for the user. */
function convertV0(conf: Conf<StoreFile>, cwd: string): string | undefined {
  const path = conf.path;
  const bak = `${path}.v0.bak`;
  try {
    const converted = withFileLock(path, () => {
      // Another registry-setup may have converted it while we waited: look again under the lock.
      let now: unknown;
      try {
        now = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        return false;
      }
      if (!isLegacyV0(now)) return false;
      copyFileSync(path, bak);
      chmodSync(bak, 0o600);
      conf.store = migrateV0(now, cwd, new Date());
      return true;
    });
    return converted
      ? `Saved progress from an older registry-setup (format 0) was converted to the current format; the original is kept as ${bak}.`
      : undefined;
  } catch (e) {
    return `Saved progress from an older registry-setup (format 0) could not be converted (${(e as Error).message}); this run starts fresh.`;
  }
}

/** Rename a damaged file out of the way so the run starts fresh; the notice for the user. */
function setAsideDamaged(path: string, problem: string): string | undefined {
  const aside = `${path}.corrupt-${stamp(new Date())}`;
  try {
    // Under the file lock, and only if it is still damaged: another registry-setup starting at
    // the same moment may have set it aside (and saved a fresh one) already.
    const moved = withFileLock(path, () => {
      let cur: string;
      try {
        cur = readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return false;
        throw e;
      }
      if (!problemWith(cur)) return false;
      renameSync(path, aside);
      return true;
    });
    return moved ? `The saved progress file ${path} was damaged (${problem}). It was set aside as ${aside}, and this run starts fresh.` : undefined;
  } catch (e) {
    return `The saved progress file ${path} is damaged (${problem}) and could not be set aside (${(e as Error).message}); progress will not be saved this run.`;
  }
}

/** Look at the file once, as the store opens, so a format-0 or corrupted one is dealt with before anything reads it. */
function checkFile(conf: Conf<StoreFile>, cwd: string): string | undefined {
  const text = firstRead(conf.path);
  if (text === null) return undefined;
  if (text.trim() !== '' && isLegacyText(text)) return convertV0(conf, cwd);
  const problem = problemWith(text);
  return problem ? setAsideDamaged(conf.path, problem) : undefined;
}

function read(path: string): StoreFile {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return { version: SCHEMA_VERSION, runs: {} };
    if (code === 'EACCES' || code === 'EPERM') {
      throw new UserError(`cannot read the saved progress file ${path} (permission denied)`, [`Check who owns it: ls -l ${path}`, 'Or start over with --restart.'], { cause: e });
    }
    throw e;
  }
  const problem = problemWith(raw);
  if (problem) {
    throw new UserError(`the saved progress file ${path} is damaged (${problem})`, ['Run again with --restart to start over.']);
  }
  const data = (raw.trim() ? JSON.parse(raw) : {}) as Partial<StoreFile>;
  if (data.version !== undefined && data.version > SCHEMA_VERSION) {
    throw new UserError(
      `the saved progress file ${path} was written by a newer registry-setup (format ${data.version}; this one reads format ${SCHEMA_VERSION})`,
      ['Update registry-setup (npx registry-setup@latest), or run with --restart to discard the saved progress.'],
    );
  }
  return { version: SCHEMA_VERSION, runs: data.runs && typeof data.runs === 'object' ? { ...data.runs } : {} };
}

/**
 * conf writes through a temp file (progress.json.tmp-…) renamed over the file. Every write holds
 * the file lock, so one found while we hold it was left by a writer that was killed.
 */
function removeTemps(path: string): void {
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    try {
      unlinkSync(join(dirname(path), n));
    } catch {
      // gone already
    }
  }
}

function write(conf: Conf<StoreFile>, next: StoreFile): void {
  const path = conf.path;
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    conf.store = next;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new UserError(`cannot write the saved progress file ${path} (${code})`, [`Check the permissions of ${join(path, '..')}.`], { cause: e });
    }
    throw e;
  }
}

export function createProgressStore(deps: { cwd: string; configDir?: string }): ProgressStore {
  const conf = openConf(deps.configDir);
  const path = conf.path;

  // conf may just have created our own folder (~/.config/registry-setup) with the default mode:
  // keep it owner-only. A folder the caller chose is left as it is.
  if (!deps.configDir) {
    try {
      chmodSync(dirname(path), 0o700);
    } catch {
      // not there yet, or not ours to change: the file itself is 0600 anyway
    }
  }
  const notice = checkFile(conf, deps.cwd);

  const store: ProgressStore = {
    path,
    async latest() {
      const run = read(path).runs[deps.cwd];
      return isSavedRun(run) ? (JSON.parse(JSON.stringify(run)) as SavedRun) : null;
    },
    async save(run) {
      const clean = stripSecrets({ ...run, version: 1 as const, updatedAt: run.updatedAt || new Date().toISOString() });
      withFileLock(path, () => {
        removeTemps(path);
        const cur = read(path);
        cur.runs[deps.cwd] = clean;
        write(conf, cur);
      });
    },
    async clear() {
      let cur: StoreFile;
      try {
        cur = read(path);
      } catch (e) {
        // --restart means "discard": set a file we cannot use (newer or damaged) aside, kept for the user.
        if (e instanceof UserError && /newer registry-setup|is damaged/.test(e.message)) {
          const aside = `${path}.${/newer/.test(e.message) ? 'newer' : 'corrupt'}-${stamp(new Date())}`;
          renameSync(path, aside);
          store.notice = `The saved progress file was set aside as ${aside}.`;
          return;
        }
        throw e;
      }
      if (!(deps.cwd in cur.runs)) return;
      withFileLock(path, () => {
        const fresh = read(path);
        delete fresh.runs[deps.cwd];
        write(conf, fresh);
      });
    },
  };
  if (notice) store.notice = notice;
  return store;
}
