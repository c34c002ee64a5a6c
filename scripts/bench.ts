// The benchmark (issue 5): `npm run bench` (or `npm run bench -- --quick`, or BENCH_QUICK=1, for CI).
// Measures, in one run, and prints one table (median, min, max, and the ratio to a baseline):
//  (a) time to the first frame of the built CLI in a real pseudo-terminal, with node itself as the floor;
//      plus when the Artifact Registry client starts loading (it must be after the first frame);
//  (b) a full --yes run on the lab (new repository, verification image pushed as latest + git sha)
//      against the guide's manual commands as a bash script on the same lab and the same image;
//  (c) a re-run on the completed setup, each right after config-helper alone (with the moment its
//      answer is whole, which the wizard takes: gcloud ends a while later), and followed by node
//      that only starts config-helper and waits for it to end; when the
//      environment sets NODE_EXTRA_CA_CERTS (Node 20 then builds its CA store as it starts, in every
//      node process), the re-run again without it, and in (a) node's own start without it;
//  (d) peak RSS of the wizard process (VmHWM from /proc, polled while it runs), and its CPU time;
//  (e) packaging: npm pack size, installed size of the package (it has no dependencies), npx of the tarball
//      from a clean npm cache;
//  (g) what the API library's code cache buys: the CPU time of loading the library's bundle and making
//      a client (as the adapter does), compiled (a first run) and from the cache (later runs).
// Also counted per run: gcloud processes (a counting shim on PATH, in this script only) and API calls
// seen by the lab's emulator.
//
// Parts can be left out: --no-frame, --no-lab, --no-pack; --runs N sets the lab runs per row.
// It is not a test: it never fails on a number. Exit 0 when it measured; 1 when a part could not run
// (the table is still printed, with that part marked).
import { spawn as ptySpawn } from 'node-pty';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { djangoProject } from '../test/lab/project.js';
import { SAMPLE_LOCAL_REF } from '../src/sampleImage.js'; // what --source sample loads

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'registry-setup.js');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const QUICK = process.argv.includes('--quick') || !!process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0';
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : NaN; // --runs N: lab runs per row
const N_FRAME = QUICK ? 3 : 15;
const N_FULL = Number.isInteger(RUNS) && RUNS > 0 ? RUNS : QUICK ? 1 : 5;
const N_RERUN = N_FULL;
const SKIP_LAB = process.argv.includes('--no-lab');
const SKIP_PACK = process.argv.includes('--no-pack');
const SKIP_FRAME = process.argv.includes('--no-frame');
/** The environment sets NODE_EXTRA_CA_CERTS: every node process pays for it as it starts (rows (a) and (c)). */
const EXTRA_CA = !!process.env.NODE_EXTRA_CA_CERTS;

const PROJECT = 'mycoolproject-prod';
const LOCATION = 'southamerica-east1';
const HOST = `${LOCATION}-docker.pkg.dev`;
const IMAGE = 'app';

const WORK = mkdtempSync(join(tmpdir(), 'rs-bench-'));
const METAFILE = join(WORK, 'metafile.json');
const problems: string[] = [];
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

// ---------------------------------------------------------------- numbers and the table

interface Row {
  name: string;
  unit: 'ms' | 's' | 'MB' | 'KB' | 'n' | '';
  values: number[];
  /** Median of the baseline row, and its name. */
  baseline?: { name: string; median: number };
  target?: string;
  /** Whether the target is met (computed by the caller). */
  met?: boolean;
  note?: string;
}
const rows: Row[] = [];

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function fmt(v: number | undefined, unit: Row['unit']): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  if (unit === 'ms') return `${v.toFixed(0)} ms`;
  if (unit === 's') return `${(v / 1000).toFixed(2)} s`;
  if (unit === 'MB') return `${(v / 1e6).toFixed(1)} MB`;
  if (unit === 'KB') return `${(v / 1e3).toFixed(0)} KB`;
  return String(Math.round(v * 10) / 10);
}
function printTable(): void {
  const head = ['measure', 'n', 'median', 'min', 'max', 'ratio', 'target', 'met'];
  const body = rows.map((r) => {
    const has = r.values.length > 0;
    const med = has ? median(r.values) : undefined;
    const ratio = has && r.baseline && r.baseline.median > 0 ? `${(med! / r.baseline.median).toFixed(2)}× ${r.baseline.name}` : '';
    return [
      r.name + (r.note ? ` (${r.note})` : ''),
      has ? String(r.values.length) : '0',
      has ? fmt(med, r.unit) : 'not measured',
      has ? fmt(Math.min(...r.values), r.unit) : '',
      has ? fmt(Math.max(...r.values), r.unit) : '',
      ratio,
      r.target ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  const out = [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)];
  process.stdout.write(`\nregistry-setup ${PKG.version} bench${QUICK ? ' (quick)' : ''}, node ${process.version}, ${new Date().toISOString()}\n`);
  process.stdout.write(out.join('\n') + '\n');
  if (problems.length) process.stdout.write(`\nCould not measure:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
}

// ---------------------------------------------------------------- processes in a pseudo-terminal

const ANSI = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)|\u001B[@-Z\\-_]/g;
const strip = (s: string) => s.replace(ANSI, '').replace(/\r/g, '');

interface PtyResult {
  /** ms from spawn to the first output matching `until` (or to exit without `until`). */
  ms: number;
  exitCode: number | null;
  output: string;
  /** Peak RSS (VmHWM) of the spawned process, bytes, if polled. */
  peakRss?: number;
  /** CPU time of the spawned process itself (all its threads, not its children), ms, if polled: the last poll before it exited. */
  cpuMs?: number;
  /** Date.now() when `until` matched. */
  matchedAt?: number;
  /** ms from spawn to the first output matching `mark` (the process goes on). */
  markMs?: number;
}

/** Runs a command in a pty. With `until`, stops (SIGKILL to its whole process group) at the first match. */
function inPty(
  file: string,
  args: string[],
  o: { cwd: string; env: Record<string, string>; until?: RegExp; mark?: RegExp; afterMatchMs?: number; pollRss?: boolean; timeoutMs?: number },
): Promise<PtyResult> {
  return new Promise((res) => {
    const t0 = performance.now();
    const p = ptySpawn(file, args, { name: 'xterm-256color', cols: 110, rows: 40, cwd: o.cwd, env: { TERM: 'xterm-256color', ...o.env } });
    let raw = '';
    let ms: number | undefined;
    let matchedAt: number | undefined;
    let markMs: number | undefined;
    let peak = 0;
    let cpu = 0;
    const killGroup = () => {
      try {
        process.kill(-p.pid, 'SIGKILL'); // node-pty's child leads its own session and process group
      } catch {
        try {
          p.kill('SIGKILL');
        } catch {
          /* gone */
        }
      }
    };
    const readRss = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
        // utime and stime: the 12th and 13th fields after the command name, in clock ticks.
        const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu = Math.max(cpu, ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS);
      } catch {
        /* exited */
      }
    };
    const poll = o.pollRss ? setInterval(readRss, 20) : undefined;
    const timer = setTimeout(() => {
      raw += '\n[bench: timed out]\n';
      killGroup();
    }, o.timeoutMs ?? 120_000);
    p.onData((d) => {
      raw += d;
      if (o.mark && markMs === undefined && o.mark.test(strip(raw))) markMs = performance.now() - t0;
      if (o.until && ms === undefined && o.until.test(strip(raw))) {
        ms = performance.now() - t0;
        matchedAt = Date.now();
        if (o.afterMatchMs) setTimeout(killGroup, o.afterMatchMs);
        else killGroup();
      }
    });
    p.onExit(({ exitCode }) => {
      const end = performance.now() - t0;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      res({ ms: ms ?? end, exitCode: o.until ? (ms === undefined ? exitCode : null) : exitCode, output: strip(raw), peakRss: o.pollRss ? peak : undefined, cpuMs: o.pollRss ? cpu : undefined, matchedAt, markMs });
    });
  });
}

/** Clock ticks per second of /proc/PID/stat's times. */
const CLOCK_TICKS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout) > 0 ? Number(r.stdout) : 100;
})();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The API library's bundle (its own build: src/adapters/artifactRegistryLibrary.ts), from the build's metafile. */
function apiLibraryBundle(): string {
  const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as { outputs: Record<string, { entryPoint?: string }> };
  const file = Object.keys(meta.outputs).find((f) => (meta.outputs[f]!.entryPoint ?? '').endsWith('src/adapters/artifactRegistryLibrary.ts'));
  if (!file) throw new Error('no output of the build holds the API library');
  return file;
}

// ---------------------------------------------------------------- (a) first frame

/** The process env without gcloud/Docker/lab settings, plus `extra`. */
function cleanEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(CLOUDSDK_|DOCKER_|LAB_|BENCH_)/.test(k) || k === 'CI' || k === 'NODE_OPTIONS') continue;
    out[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

async function firstFrame(): Promise<void> {
  log(`(a) first frame: ${N_FRAME} runs each, alternating with the floor`);
  const dir = join(WORK, 'first-frame');
  mkdirSync(join(dir, 'cwd'), { recursive: true });
  // A world of its own: nothing saved, an empty gcloud config (the probes started after the first
  // frame are killed with the process group anyway).
  const env = cleanEnv({
    XDG_CONFIG_HOME: join(dir, 'xdg'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    CLOUDSDK_CONFIG: join(dir, 'gcloud'),
    DOCKER_CONFIG: join(dir, 'docker'),
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
  });
  const { NODE_EXTRA_CA_CERTS: _, ...envNoCa } = env;
  const cwd = join(dir, 'cwd');
  const exitOnly: number[] = [];
  // An environment that sets NODE_EXTRA_CA_CERTS (a proxy's CA, say) makes Node 20 build its CA
  // store as it starts, in every node process, before any of the wizard's code; config-helper
  // (Python) does not pay it. Node's start without it: what a machine that does not set it pays.
  const exitNoCa: number[] = [];
  const floor: number[] = [];
  const frame: number[] = [];
  const live: number[] = [];
  // Warm the file cache once (not counted).
  await inPty(process.execPath, [BIN], { cwd, env, until: /registry-setup/ });
  for (let i = 0; i < N_FRAME; i++) {
    exitOnly.push((await inPty(process.execPath, ['-e', '0'], { cwd, env })).ms);
    if (EXTRA_CA) exitNoCa.push((await inPty(process.execPath, ['-e', '0'], { cwd, env: envNoCa })).ms);
    floor.push((await inPty(process.execPath, ['-e', 'process.stdout.write("ready\\n")'], { cwd, env, until: /ready/ })).ms);
    const r = await inPty(process.execPath, [BIN], { cwd, env, until: /registry-setup/ });
    if (r.matchedAt === undefined) {
      problems.push(`(a) the CLI never drew its header: ${r.output.slice(-300)}`);
      return;
    }
    frame.push(r.ms);
    await sleep(50);
    // The header is written before Ink loads; the live area (Ink's first frame) follows it.
    const l = await inPty(process.execPath, [BIN], { cwd, env, until: /Starting: looking at your gcloud/ });
    if (l.matchedAt !== undefined) live.push(l.ms);
    await sleep(50);
  }
  if (EXTRA_CA) {
    rows.push({ name: '(a) node -e 0, spawn to exit, as this environment has it: NODE_EXTRA_CA_CERTS set', unit: 'ms', values: exitOnly, baseline: { name: 'without it', median: median(exitNoCa) } });
    rows.push({ name: '(a) node -e 0, spawn to exit, NODE_EXTRA_CA_CERTS unset', unit: 'ms', values: exitNoCa });
  } else rows.push({ name: '(a) node -e 0, spawn to exit', unit: 'ms', values: exitOnly });
  const floorRow: Row = { name: '(a) floor: node prints a line, spawn to output', unit: 'ms', values: floor };
  rows.push(floorRow);
  const fm = median(frame);
  const fl = median(floor);
  rows.push({
    name: '(a) first frame (header drawn), spawn to output',
    unit: 'ms',
    values: frame,
    baseline: { name: 'floor', median: fl },
    target: '≤1.5× floor',
    met: fm <= 1.5 * fl,
  });
  if (live.length) rows.push({ name: '(a) live area drawn below it (Ink loaded), spawn to output', unit: 'ms', values: live });
  else problems.push('(a) the CLI never drew its live area');

  // When does the Artifact Registry client start loading? It is a bundle of its own (the output
  // whose entry point is src/adapters/artifactRegistryLibrary.ts, from the build's metafile), read
  // from disk when it loads; a preload (this run only) records the wall-clock time of that read.
  // Compare with the moment the header appeared.
  const hookDir = join(dir, 'hook');
  mkdirSync(hookDir, { recursive: true });
  const logFile = join(hookDir, 'imports.log');
  const apiBundle = apiLibraryBundle();
  writeFileSync(
    join(hookDir, 'watch.cjs'),
    `const fs = require('node:fs');\n` +
      `const read = fs.readFileSync;\n` +
      `fs.readFileSync = function (p, ...rest) {\n` +
      `  if (String(p) === ${JSON.stringify(join(ROOT, apiBundle))}) fs.appendFileSync(${JSON.stringify(logFile)}, Date.now() + ' ' + p + '\\n');\n` +
      `  return read.call(this, p, ...rest);\n};\n` +
      `require('node:module').syncBuiltinESMExports();\n`,
  );
  const r = await inPty(process.execPath, ['--require', join(hookDir, 'watch.cjs'), BIN], {
    cwd,
    env,
    until: /registry-setup/,
    afterMatchMs: 3000,
  });
  const first = existsSync(logFile) ? Number(readFileSync(logFile, 'utf8').split('\n')[0]?.split(' ')[0]) : NaN;
  if (r.matchedAt !== undefined && Number.isFinite(first)) {
    const after = first - r.matchedAt;
    rows.push({ name: '(a) AR client import starts, after the first frame', unit: 'ms', values: [after], target: '> 0 (after the frame)', met: after > 0 });
  } else {
    problems.push('(a) could not see when the Artifact Registry client is imported');
  }
}

// ---------------------------------------------------------------- (g) code cache

async function codeCache(): Promise<void> {
  const bundle = apiLibraryBundle();
  const dir = join(WORK, 'code-cache');
  mkdirSync(dir, { recursive: true });
  // The loader and the API adapter, as plain JavaScript (the adapter without the library, which the
  // runner loads from the bundle); the runner makes a client as the adapter prepares one (no
  // request is sent).
  const { build } = await import('esbuild');
  for (const [src, out] of [['codeCache.ts', 'codeCache.mjs'], ['artifactRegistry.ts', 'artifactRegistry.mjs']]) {
    await build({
      entryPoints: [join(ROOT, 'src', 'adapters', src)],
      outfile: join(dir, out),
      bundle: true,
      platform: 'node',
      format: 'esm',
      define: { __API_LIBRARY__: '"bundled"' },
      // CommonJS modules bundled into ESM (cross-spawn) call require, as in the build.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
    });
  }
  const runner = join(dir, 'run.mjs');
  writeFileSync(
    runner,
    [
      "import { cachedBundle } from './codeCache.mjs';",
      "import { parseEndpoint, prepare, toLib } from './artifactRegistry.mjs';",
      'const [file, cacheDir] = process.argv.slice(2);',
      "const b = cachedBundle({ file, name: 'api-library', cacheDir, runtime: `${process.version} ${process.arch}` });",
      'const t = process.cpuUsage();',
      "const { client } = prepare(toLib(await b.load()), parseEndpoint('http://127.0.0.1:9/'));",
      'await Promise.all([client.initialize(), client.locationsClient.initialize()]);',
      'const u = process.cpuUsage(t);',
      'console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, saved: b.save() }));',
    ].join('\n'),
  );
  const once = (cacheDir: string) => {
    const r = spawnSync(process.execPath, [runner, join(ROOT, bundle), cacheDir], { encoding: 'utf8' });
    if (r.status !== 0) {
      const lines = r.stderr.trim().split('\n');
      throw new Error(`the code cache runner failed: ${lines.find((l) => /Error\b/.test(l)) ?? lines.pop()}`);
    }
    return JSON.parse(r.stdout) as { cpuMs: number; saved: string };
  };
  const warmDir = join(dir, 'warm');
  once(warmDir); // writes the cache the warm runs load
  const cold: number[] = [];
  const warm: number[] = [];
  const n = QUICK ? 3 : 9;
  for (let i = 0; i < n; i++) {
    log(`(g) run ${i + 1}/${n}: the API library compiled, then from its code cache`);
    const c = once(join(dir, `cold-${i}`));
    const w = once(warmDir);
    if (c.saved !== 'written' || w.saved !== 'kept') throw new Error(`the code cache did not behave: first run ${c.saved}, later run ${w.saved}`);
    cold.push(c.cpuMs);
    warm.push(w.cpuMs);
  }
  rows.push({ name: '(g) API library loaded and a client made, CPU: compiled (a first run)', unit: 'ms', values: cold });
  rows.push({ name: '(g) the same, from its code cache (later runs)', unit: 'ms', values: warm, baseline: { name: 'compiled', median: median(cold) } });
}

// ---------------------------------------------------------------- (e) packaging

async function packaging(): Promise<void> {
  log('(e) packaging: build, npm pack, install of the tarball, npx from a clean cache');
  const dir = join(WORK, 'pack');
  mkdirSync(dir, { recursive: true });
  const npm = (args: string[], cwd: string, env: Record<string, string | undefined> = {}) =>
    spawnSync('npm', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  const packed = npm(['pack', '--json', '--pack-destination', dir], ROOT);
  if (packed.status !== 0) {
    problems.push(`(e) npm pack failed: ${packed.stderr.slice(-300)}`);
    return;
  }
  const info = (JSON.parse(packed.stdout) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>)[0];
  const tarball = join(dir, info.filename);
  rows.push({ name: '(e) npm pack: tarball size', unit: 'KB', values: [info.size], note: `${info.entryCount} files, ${fmt(info.unpackedSize, 'KB')} unpacked` });

  const inst = join(dir, 'install');
  mkdirSync(inst, { recursive: true });
  writeFileSync(join(inst, 'package.json'), '{ "name": "bench-install", "private": true }\n');
  const t0 = performance.now();
  const installed = npm(['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], inst);
  const installMs = performance.now() - t0;
  if (installed.status !== 0) {
    problems.push(`(e) npm install of the tarball failed: ${installed.stderr.slice(-300)}`);
  } else {
    const du = execFileSync('du', ['-sb', join(inst, 'node_modules')], { encoding: 'utf8' });
    const count = execFileSync('sh', ['-c', 'ls -d node_modules/*/ node_modules/@*/*/ 2>/dev/null | grep -v "/@[^/]*/$" | wc -l'], { cwd: inst, encoding: 'utf8' });
    rows.push({ name: '(e) installed size, the package (it has no dependencies)', unit: 'MB', values: [Number(du.split('\t')[0])], note: `${count.trim()} top-level packages` });
    rows.push({ name: '(e) npm install of the tarball (npm cache first, then the registry)', unit: 's', values: [installMs] });
    const v = spawnSync(join(inst, 'node_modules', '.bin', 'registry-setup'), ['--version'], { encoding: 'utf8' });
    if (v.stdout.trim() !== PKG.version) problems.push(`(e) the installed bin printed ${JSON.stringify(v.stdout.trim())}, not ${PKG.version}`);
  }

  // npx from a clean cache: the tarball plus the npm registry (a truly empty cache cannot be offline).
  const cache = mkdtempSync(join(tmpdir(), 'rs-bench-npm-cache-'));
  const t1 = performance.now();
  const npx = spawnSync('npx', ['--yes', `./${info.filename}`, '--version'], {
    cwd: dir,
    env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const npxMs = performance.now() - t1;
  rmSync(cache, { recursive: true, force: true });
  const ok = npx.status === 0 && npx.stdout.trim() === PKG.version;
  rows.push({ name: '(e) npx <tarball> --version, clean npm cache (registry reachable)', unit: 's', values: [npxMs], target: 'works', met: ok, note: ok ? 'printed the version' : 'FAILED' });
  if (!ok) problems.push(`(e) npx of the tarball from a clean cache: exit ${npx.status}: ${(npx.stderr || npx.stdout).slice(-300)}`);
}

// ---------------------------------------------------------------- (b) (c) (d) on the lab

type LabModule = typeof import('../test/lab/lab.js');
type Lab = Awaited<ReturnType<LabModule['labAcquire']>>;

interface RunStats {
  ms: number;
  exitCode: number | null;
  gcloud: string[];
  api: { gcloud: number; node: number; other: number };
  peakRss?: number;
  cpuMs?: number;
  markMs?: number;
  output: string;
}

function which(cmd: string, path: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { env: { ...process.env, PATH: path }, encoding: 'utf8' });
  const p = r.stdout.trim();
  if (r.status !== 0 || !p) throw new Error(`${cmd} is not on PATH`);
  return p;
}

/** A PATH dir whose gcloud and docker-credential-gcloud log each launch (a line per process) and exec the real one. */
function countingShims(dir: string, path: string): string {
  mkdirSync(dir, { recursive: true });
  for (const cmd of ['gcloud', 'docker-credential-gcloud']) {
    const real = which(cmd, path);
    const f = join(dir, cmd);
    writeFileSync(f, `#!/bin/sh\necho "${cmd} $1 $2 $3" >> "$BENCH_COUNT_FILE"\nexec ${JSON.stringify(real)} "$@"\n`);
    chmodSync(f, 0o755);
  }
  return dir;
}

async function onLab(): Promise<void> {
  let labMod: LabModule;
  try {
    labMod = await import('../test/lab/lab.js');
  } catch (e) {
    problems.push(`(b)(c)(d) the lab module did not load: ${(e as Error).message}`);
    return;
  }
  const missing = labMod.labPrerequisites();
  if (missing.length) {
    problems.push(`(b)(c)(d) the lab cannot run here: ${missing.join('; ')}`);
    return;
  }
  log('lab: acquiring (brings it up if needed)');
  let lab: Lab;
  try {
    lab = await labMod.labAcquire({ log: (l) => log(`lab: ${l}`) });
  } catch (e) {
    problems.push(`(b)(c)(d) the lab did not come up: ${(e as Error).message}`);
    return;
  }
  try {
    await labRuns(lab);
  } catch (e) {
    problems.push(`(b)(c)(d) ${(e as Error).stack ?? String(e)}`);
  } finally {
    const stopped = await labMod.labRelease().catch(() => false);
    log(`lab: released${stopped ? ' (stopped: this run started it)' : ''}`);
  }
}

async function labRuns(lab: Lab): Promise<void> {
  const dir = join(WORK, 'lab');
  mkdirSync(dir, { recursive: true });
  await lab.setWorld({ projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true }] });

  // The user's app folder: a git repository (the second tag is its short sha).
  const { dir: app, sha } = await djangoProject(dir, 'mycoolproject');

  const basePath = lab.toolEnv().PATH ?? process.env.PATH ?? '';
  const shims = countingShims(join(dir, 'shims'), basePath);
  let runNo = 0;

  const lastSeq = async () => {
    const r = await lab.requests(0);
    return r.length ? r[r.length - 1].seq : 0;
  };

  async function measured(kind: string, file: string, args: string[], extra: Record<string, string | undefined>, pollRss: boolean, mark?: RegExp): Promise<RunStats> {
    const countFile = join(dir, `count-${++runNo}-${kind}.log`);
    writeFileSync(countFile, '');
    const env = lab.toolEnv({ CI: undefined, ...extra, PATH: `${shims}:${basePath}`, BENCH_COUNT_FILE: countFile });
    const since = await lastSeq();
    const r = await inPty(file, args, { cwd: app, env, pollRss, mark, timeoutMs: 180_000 });
    const reqs = await lab.requests(since);
    const api = { gcloud: 0, node: 0, other: 0 };
    for (const q of reqs) if (!q.path.startsWith('/__lab')) api[q.client] += 1;
    return { ms: r.ms, exitCode: r.exitCode, gcloud: readFileSync(countFile, 'utf8').split('\n').filter(Boolean), api, peakRss: r.peakRss, cpuMs: r.cpuMs, markMs: r.markMs, output: r.output };
  }

  const wizard = (repo: string, xdg: string, dockerConfig: string, extra: Record<string, string | undefined> = {}) =>
    measured(
      'wizard',
      process.execPath,
      [BIN, '--yes', '--project', PROJECT, '--region', LOCATION, '--repository', repo, '--image', IMAGE, '--source', 'sample'],
      // The bench's own cache folder: the warm-up run writes the API library's code cache there,
      // as a user's first run does; every counted run loads it.
      { XDG_CONFIG_HOME: xdg, XDG_CACHE_HOME: join(dir, 'cache'), DOCKER_CONFIG: dockerConfig, ...extra },
      true,
    );

  const manualScript = (repo: string) => {
    const f = join(dir, `manual-${repo}.sh`);
    const base = `${HOST}/${PROJECT}/${repo}/${IMAGE}`;
    writeFileSync(
      f,
      [
        'set -euo pipefail',
        `gcloud artifacts repositories create ${repo} --repository-format=docker --location=${LOCATION}`,
        `gcloud auth configure-docker ${HOST}`,
        `docker tag ${SAMPLE_LOCAL_REF} ${base}:latest`,
        `docker tag ${SAMPLE_LOCAL_REF} ${base}:${sha}`,
        `docker push ${base}:latest`,
        `docker push ${base}:${sha}`,
        '',
      ].join('\n'),
    );
    return f;
  };

  const checkPushed = async (what: string, repo: string, r: RunStats) => {
    if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}:\n${r.output.slice(-1500)}`);
    const imgs = await lab.images(PROJECT, LOCATION, repo);
    const tags = imgs.filter((i) => i.image === IMAGE).flatMap((i) => i.tags);
    if (!tags.includes('latest') || !tags.includes(sha)) throw new Error(`${what}: the registry holds tags [${tags.join(', ')}] in ${repo}, not latest and ${sha}`);
  };

  const stamp = Date.now().toString(36);
  const fresh = (i: number, side: string) => ({
    repo: `bench-${side}-${stamp}-${i}`,
    xdg: join(dir, `xdg-${side}-${i}`),
  });

  // Warm-up (not counted): builds the verification image once (the manual script pushes that same
  // image), fills the file cache, gcloud's own caches and the API library's code cache.
  log('(b) warm-up wizard run (not counted)');
  {
    const f = fresh(0, 'warm');
    const r = await wizard(f.repo, f.xdg, await lab.newDockerConfig(`bench-warm`));
    await checkPushed('the warm-up wizard run', f.repo, r);
  }

  // The floor: what no setup can avoid, each alone on the same lab: one access token (gcloud's
  // config-helper) and one `docker push --all-tags` of the same image into a repository that exists,
  // with the credHelpers entry already in place (Docker asks the helper once).
  const gcloudBin = which('gcloud', basePath);
  const dockerBin = which('docker', basePath);
  const floor = async (i: number) => {
    const f = fresh(i, 'floor');
    const env = lab.toolEnv({ CI: undefined });
    execFileSync(gcloudBin, ['artifacts', 'repositories', 'create', f.repo, '--repository-format=docker', `--location=${LOCATION}`, `--project=${PROJECT}`, '--quiet'], { env, stdio: 'ignore' });
    const dockerConfig = await lab.newDockerConfig(`bench-floor-${i}`, { credHelpers: { [HOST]: 'gcloud' } });
    const base = `${HOST}/${PROJECT}/${f.repo}/${IMAGE}`;
    for (const t of ['latest', sha]) execFileSync(dockerBin, ['tag', SAMPLE_LOCAL_REF, `${base}:${t}`], { env, stdio: 'ignore' });
    const helper = await measured('floor-helper', gcloudBin, ['config', 'config-helper', '--format=json'], { DOCKER_CONFIG: dockerConfig }, false);
    const pushed = await measured('floor-push', dockerBin, ['push', '--all-tags', base], { DOCKER_CONFIG: dockerConfig }, false);
    if (helper.exitCode !== 0 || pushed.exitCode !== 0) throw new Error(`the floor did not run: config-helper exit ${helper.exitCode}, push exit ${pushed.exitCode}\n${pushed.output.slice(-800)}`);
    return { helper: helper.ms, push: pushed.ms };
  };

  const manual: RunStats[] = [];
  const full: RunStats[] = [];
  const floors: { helper: number; push: number }[] = [];
  let last: { repo: string; xdg: string; dockerConfig: string } | undefined;
  for (let i = 1; i <= N_FULL; i++) {
    log(`(b) run ${i}/${N_FULL}: the guide's commands, then the wizard`);
    const m = fresh(i, 'manual');
    const mr = await measured('manual', '/bin/bash', [manualScript(m.repo)], { DOCKER_CONFIG: await lab.newDockerConfig(`bench-manual-${i}`) }, false);
    await checkPushed('the manual script', m.repo, mr);
    manual.push(mr);
    const w = fresh(i, 'wizard');
    const dockerConfig = await lab.newDockerConfig(`bench-wizard-${i}`);
    const wr = await wizard(w.repo, w.xdg, dockerConfig);
    await checkPushed('the wizard', w.repo, wr);
    full.push(wr);
    last = { repo: w.repo, xdg: w.xdg, dockerConfig };
    log(`(f) run ${i}/${N_FULL}: the floor (config-helper alone, then docker push --all-tags alone)`);
    floors.push(await floor(i));
  }

  // Each re-run right after config-helper alone: the machine's speed drifts over minutes, and the
  // re-run's goal is a ratio to that one process.
  const reruns: RunStats[] = [];
  // What any wizard written for node pays on a re-run before its own work: node's start, then
  // config-helper (the same way the wizard starts it), and nothing else.
  const nodeFloor = join(dir, 'node-floor.mjs');
  writeFileSync(
    nodeFloor,
    "import { spawn } from 'node:child_process';\n" +
      "const c = spawn('gcloud', ['config', 'config-helper', '--format=json'], { stdio: ['ignore', 'pipe', 'pipe'] });\n" +
      "c.stdout.resume(); c.stderr.resume(); c.on('close', (code) => process.exit(code ?? 1));\n",
  );
  const nodeFloors: number[] = [];
  const helpersBeside: number[] = [];
  const helperAnswers: number[] = [];
  const helperCpu: number[] = [];
  // The same re-run without NODE_EXTRA_CA_CERTS (see firstFrame): what a machine that does not set it sees.
  const helpersNoCa: number[] = [];
  const rerunsNoCa: number[] = [];
  for (let i = 1; i <= N_RERUN && last; i++) {
    log(`(c) re-run ${i}/${N_RERUN} on the completed setup, after config-helper alone`);
    // Marked when its JSON answer is whole (its last line, "}"): gcloud ends a while after that.
    const h = await measured('rerun-helper', gcloudBin, ['config', 'config-helper', '--format=json'], {}, true, /\n\}\s*$/);
    if (h.exitCode !== 0) throw new Error(`config-helper alone exited ${h.exitCode}`);
    helpersBeside.push(h.ms);
    if (h.markMs !== undefined) helperAnswers.push(h.markMs);
    if (h.cpuMs) helperCpu.push(h.cpuMs);
    const r = await wizard(last.repo, last.xdg, last.dockerConfig);
    if (r.exitCode !== 0) throw new Error(`the re-run exited ${r.exitCode}:\n${r.output.slice(-1500)}`);
    reruns.push(r);
    const n = await measured('rerun-node-floor', process.execPath, [nodeFloor], {}, false);
    if (n.exitCode !== 0) throw new Error(`node starting config-helper exited ${n.exitCode}:\n${n.output.slice(-800)}`);
    nodeFloors.push(n.ms);
    if (!EXTRA_CA) continue;
    log(`(c) re-run ${i}/${N_RERUN} again without NODE_EXTRA_CA_CERTS, after config-helper alone`);
    const h2 = await measured('rerun-helper', gcloudBin, ['config', 'config-helper', '--format=json'], {}, false);
    const r2 = await wizard(last.repo, last.xdg, last.dockerConfig, { NODE_EXTRA_CA_CERTS: undefined });
    if (h2.exitCode !== 0 || r2.exitCode !== 0) throw new Error(`config-helper alone exited ${h2.exitCode}, the re-run without NODE_EXTRA_CA_CERTS ${r2.exitCode}:\n${r2.output.slice(-1500)}`);
    helpersNoCa.push(h2.ms);
    rerunsNoCa.push(r2.ms);
  }

  const manualMed = median(manual.map((r) => r.ms));
  const fullMed = median(full.map((r) => r.ms));
  const rerunMed = median(reruns.map((r) => r.ms));
  const floorMed = median(floors.map((f) => f.helper + f.push));
  const describe = (r: RunStats) => {
    const kinds = new Map<string, number>();
    for (const l of r.gcloud) {
      const k = l.split(' ').slice(0, l.startsWith('gcloud') ? 3 : 1).join(' ').trim();
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    return [...kinds].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
  };
  rows.push({ name: "(b) the guide's commands as a bash script", unit: 's', values: manual.map((r) => r.ms) });
  rows.push({ name: '(f) floor: gcloud config config-helper alone', unit: 's', values: floors.map((f) => f.helper) });
  rows.push({ name: '(f) floor: docker push --all-tags of the same image alone', unit: 's', values: floors.map((f) => f.push) });
  rows.push({ name: '(f) floor: the two, one after the other', unit: 's', values: floors.map((f) => f.helper + f.push) });
  rows.push({
    name: '(b) wizard --yes: new repository + verification image',
    unit: 's',
    values: full.map((r) => r.ms),
    baseline: { name: 'script', median: manualMed },
    target: '≤0.6× script, ≤1.3× floor',
    met: fullMed <= 0.6 * manualMed && fullMed <= 1.3 * floorMed,
    note: `${(fullMed / floorMed).toFixed(2)}× floor`,
  });
  const besideMed = median(helpersBeside);
  rows.push({ name: '(f) gcloud config config-helper alone, just before each re-run', unit: 's', values: helpersBeside });
  // The wizard takes the answer then (adapters/early.ts): what is left is gcloud's own shutdown.
  rows.push({ name: '(f) the same, spawn to its answer whole on stdout (it ends after that)', unit: 's', values: helperAnswers, baseline: { name: 'the whole process', median: besideMed } });
  rows.push({
    name: '(c) wizard re-run on the completed setup',
    unit: 's',
    values: reruns.map((r) => r.ms),
    baseline: { name: 'config-helper', median: besideMed },
    target: '≤1.2× config-helper alone',
    met: rerunMed <= 1.2 * besideMed,
  });
  rows.push({ name: '(f) node that only starts config-helper and waits for it, after each re-run', unit: 's', values: nodeFloors, baseline: { name: 'config-helper', median: besideMed } });
  if (rerunsNoCa.length) {
    rows.push({ name: '(c) wizard re-run again, NODE_EXTRA_CA_CERTS unset, each after config-helper alone', unit: 's', values: rerunsNoCa, baseline: { name: 'config-helper', median: median(helpersNoCa) } });
  }
  // On a machine with few cores, the CPU the wizard needs beside gcloud's is what a re-run waits for
  // beyond config-helper itself: config-helper runs beside the wizard's start-up, not alone.
  rows.push({ name: '(d) CPU time of config-helper alone (its own process), before each re-run', unit: 's', values: helperCpu });
  rows.push({ name: '(d) CPU time of the wizard process (all its threads), re-runs', unit: 's', values: reruns.map((r) => r.cpuMs ?? 0).filter((v) => v > 0) });
  const rss = [...full, ...reruns].map((r) => r.peakRss ?? 0).filter((v) => v > 0);
  rows.push({ name: '(d) peak RSS of the wizard process (VmHWM), full runs and re-runs', unit: 'MB', values: rss, target: '≤120 MB', met: rss.length > 0 && Math.max(...rss) <= 120e6 });
  const lastFull = full[full.length - 1];
  const lastManual = manual[manual.length - 1];
  const lastRerun = reruns[reruns.length - 1];
  rows.push({ name: '    gcloud processes, script', unit: 'n', values: [lastManual.gcloud.length], note: describe(lastManual) });
  rows.push({ name: '    gcloud-side processes, wizard full run', unit: 'n', values: [lastFull.gcloud.length], note: describe(lastFull), target: '2', met: lastFull.gcloud.length === 2 });
  if (lastRerun) rows.push({ name: '    gcloud-side processes, wizard re-run', unit: 'n', values: [lastRerun.gcloud.length], note: describe(lastRerun) || 'none', target: '1', met: lastRerun.gcloud.length === 1 });
  rows.push({ name: '    API calls, script', unit: 'n', values: [lastManual.api.gcloud + lastManual.api.node + lastManual.api.other], note: `gcloud ${lastManual.api.gcloud}, node ${lastManual.api.node}` });
  rows.push({ name: '    API calls, wizard full run', unit: 'n', values: [lastFull.api.gcloud + lastFull.api.node + lastFull.api.other], note: `gcloud ${lastFull.api.gcloud}, node ${lastFull.api.node}` });
  if (lastRerun) rows.push({ name: '    API calls, wizard re-run', unit: 'n', values: [lastRerun.api.gcloud + lastRerun.api.node + lastRerun.api.other], note: `gcloud ${lastRerun.api.gcloud}, node ${lastRerun.api.node}` });
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  log(`building (npm run build)${QUICK ? '; quick mode' : ''}`);
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--metafile-out', METAFILE], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) {
    log('the build failed: nothing measured');
    return 1;
  }
  if (!SKIP_FRAME) {
    try {
      await firstFrame();
    } catch (e) {
      problems.push(`(a) ${(e as Error).message}`);
    }
  }
  try {
    await codeCache();
  } catch (e) {
    problems.push(`(g) ${(e as Error).message}`);
  }
  if (!SKIP_LAB) await onLab();
  if (!SKIP_PACK) {
    try {
      await packaging();
    } catch (e) {
      problems.push(`(e) ${(e as Error).message}`);
    }
  }
  printTable();
  return problems.length ? 1 : 0;
}

const code = await main().catch((e) => {
  log(`could not run: ${(e as Error).stack ?? String(e)}`);
  return 1;
});
rmSync(WORK, { recursive: true, force: true });
process.exit(code);
