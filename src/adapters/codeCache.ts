// A CommonJS bundle loaded with V8's code cache (Node 20 keeps none for modules): the first run
// compiles it and, when it ends, writes the compiled code next to the user's other caches; later
// runs load that instead of compiling again. The bundle is the API library (scripts/build.mjs), the
// biggest part of a run's CPU while gcloud works beside it.
//
// The cache file is named by a hash of the bundle and of this Node (V8 checks its version and
// flags too, and rejects a cache that does not match: then it is written again). A cache that
// cannot be read or written changes nothing but the time.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

export interface CachedBundle {
  /** Compile (from the cache when it matches) and run the bundle, once; its module.exports. */
  load(): Promise<unknown>;
  /**
   * Write the cache if this run compiled the bundle without one (synchronous: for the process's
   * exit, when the lazily compiled functions the run used are compiled too). Never throws.
   * Returns what it did, for the tests and --debug.
   */
  save(): 'written' | 'kept' | 'no cache' | 'not loaded' | 'failed';
}

export interface CachedBundleOptions {
  /** The bundle (CommonJS, requiring only Node's own modules). */
  file: string;
  /** Its cache files are NAME-HASH.v8 (one at a time: a new build's replaces the old one's). */
  name: string;
  /** Folder of the cache files; undefined: no cache (compiled each time). */
  cacheDir: string | undefined;
  /** What else a cache must match (Node's version and architecture). */
  runtime: string;
}

const WRAP = ['(function (exports, require, module, __filename, __dirname) {', '\n})'] as const;

export function cachedBundle(o: CachedBundleOptions): CachedBundle {
  const prefix = `${o.name}-`;
  let loaded: Promise<unknown> | undefined;
  let script: vm.Script | undefined;
  let cacheFile: string | undefined;
  let needsSave = false;

  const load = async (): Promise<unknown> => {
    const source = readFileSync(o.file, 'utf8');
    const hash = createHash('sha256').update(o.runtime).update('\0').update(source).digest('hex').slice(0, 20);
    cacheFile = o.cacheDir ? join(o.cacheDir, `${prefix}${hash}.v8`) : undefined;
    let cachedData: Buffer | undefined;
    try {
      if (cacheFile) cachedData = readFileSync(cacheFile);
    } catch {
      // none yet (or unreadable): compiled below, written at exit
    }
    script = new vm.Script(`${WRAP[0]}${source}${WRAP[1]}`, { filename: o.file, ...(cachedData ? { cachedData } : {}) });
    needsSave = !!cacheFile && (!cachedData || script.cachedDataRejected === true);
    const module = { exports: {} as unknown };
    (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(o.file), module, o.file, dirname(o.file));
    return module.exports;
  };

  return {
    load: () => (loaded ??= load()),
    save() {
      if (!script) return 'not loaded';
      if (!cacheFile) return 'no cache';
      if (!needsSave) return 'kept';
      try {
        const data = script.createCachedData();
        mkdirSync(dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${randomBytes(6).toString('hex')}.tmp`;
        writeFileSync(tmp, data);
        renameSync(tmp, cacheFile); // whole or not at all: another run may be reading it
        needsSave = false;
        // Caches of other builds (or Nodes) of this bundle are of no more use.
        for (const f of readdirSync(dirname(cacheFile))) {
          if (f.startsWith(prefix) && f.endsWith('.v8') && f !== basename(cacheFile)) rmSync(join(dirname(cacheFile), f), { force: true });
        }
        return 'written';
      } catch {
        return 'failed';
      }
    },
  };
}
