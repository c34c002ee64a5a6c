import type { EarlyRuns } from '../../src/adapters/early.js';
import { TextStream } from '../streams.js';
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, USAGE } from '../../src/args.js';
import { runCli, type CliDeps, type EnvHooks } from '../../src/app/runCli.js';
import { choosePlain } from '../../src/app/mode.js';
import type { Step, StepId } from '../../src/steps/types.js';
import type { Env, ProgressStore, RunLock, SavedRun } from '../../src/ports.js';
import { createProgressStore } from '../../src/adapters/progress.js';
import { createRunLock } from '../../src/adapters/lock.js';
import { writeFileSync, readdirSync } from 'node:fs';
import { ExternalError, UserError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('parseFlags', () => {
  const good: [string, string[], Record<string, unknown>][] = [
    ['no flags', [], { yes: false, restart: false, dryRun: false, json: false, debug: false }],
    ['project and region', ['--project', 'mycoolproject-prod', '--region', 'southamerica-east1'], { project: 'mycoolproject-prod', region: 'southamerica-east1' }],
    ['= form', ['--project=mycoolproject-prod', '--repository=mycoolproject-repo'], { project: 'mycoolproject-prod', repository: 'mycoolproject-repo' }],
    ['domain-scoped project', ['--project', 'example.com:my-proj'], { project: 'example.com:my-proj' }],
    ['-y', ['-y'], { yes: true }],
    ['--json implies --yes', ['--json'], { json: true, yes: true }],
    ['--source build', ['--source', 'build'], { source: 'build' }],
    ['--source sample', ['--source', 'sample'], { source: 'sample' }],
    ['--source local image', ['--source', 'myapp:latest'], { source: { local: 'myapp:latest' } }],
    ['--image path', ['--image', 'backend/api'], { image: 'backend/api' }],
    ['everything', ['--restart', '--dry-run', '--debug'], { restart: true, dryRun: true, debug: true }],
    ['--plain', ['--plain'], { plain: true, yes: false }],
  ];
  it.each(good)('%s', (_name, argv, want) => {
    const r = parseFlags(argv);
    expect(r.kind).toBe('run');
    if (r.kind === 'run') expect(r.flags).toMatchObject(want);
  });

  const special: [string[], string][] = [
    [['--help'], 'help'],
    [['-h'], 'help'],
    [['--version'], 'version'],
    [['-v'], 'version'],
    [['--project', 'x', '--help'], 'help'],
  ];
  it.each(special)('%j → %s', (argv, kind) => {
    expect(parseFlags(argv).kind).toBe(kind);
  });

  const bad: [string, string[], RegExp][] = [
    ['unknown flag', ['--projekt', 'x'], /Unknown option "--projekt"/],
    ['unknown short flag', ['-x'], /Unknown option/],
    ['positional', ['mycoolproject-prod'], /Unexpected argument "mycoolproject-prod"/],
    ['missing value', ['--project'], /--project needs a value/],
    ['value for a boolean', ['--yes=no'], /--yes does not take a value/],
    ['bad project', ['--project', 'My_Project'], /--project: .*project ID/],
    ['short project', ['--project', 'abc'], /--project: .*too short/],
    ['empty project', ['--project='], /--project: A project ID is required/],
    ['zone for region', ['--region', 'us-west1-c'], /--region: .*zone.*us-west1/],
    ['bad repository', ['--repository', 'My_Repo'], /--repository: /],
    ['bad image', ['--image', 'App!'], /--image: /],
    ['bad source', ['--source=-rm'], /--source must be build, sample, or a local image reference/],
    ['repeated flag', ['--project', 'aaaaaa-1', '--project', 'bbbbbb-2'], /--project is given more than once/],
  ];
  it.each(bad)('%s → usage error', (_name, argv, msg) => {
    const r = parseFlags(argv);
    expect(r.kind).toBe('usage-error');
    if (r.kind === 'usage-error') expect(r.message).toMatch(msg);
  });

  it('usage lists every flag and the exit codes', () => {
    for (const f of ['--project', '--region', '--repository', '--image', '--source', '--yes', '--restart', '--dry-run', '--json', '--debug', '--help', '--version']) {
      expect(USAGE).toContain(f);
    }
    expect(USAGE).toMatch(/Exit codes: 0 done, 1 a step failed, 2 usage error, 130 interrupted/);
  });
});

describe('choosePlain', () => {
  const cases: [string, boolean, NodeJS.ProcessEnv, boolean, boolean, boolean?][] = [
    ['TTY, nothing special', true, {}, false, false],
    ['--plain in a terminal (screen readers)', true, {}, false, true, true],
    ['NO_COLOR alone keeps the live display (colours off only)', true, { NO_COLOR: '1' }, false, false],
    ['not a TTY', false, {}, false, true],
    ['CI=true', true, { CI: 'true' }, false, true],
    ['CI=false', true, { CI: 'false' }, false, false],
    ['TERM=dumb', true, { TERM: 'dumb' }, false, true],
    ['--json', true, {}, true, true],
  ];
  it.each(cases)('%s', (_n, tty, env, json, want, plain) => {
    expect(choosePlain({ json, plain }, tty, env)).toBe(want);
  });
});

describe('the built bundle (bin/registry-setup.js → dist/cli.js)', () => {
  const bin = join(ROOT, 'bin/registry-setup.js');
  beforeAll(() => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }, 120_000);
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync('node', [bin, ...args], {
      cwd: mkdtempSync(join(tmpdir(), 'rs-cli-')),
      env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'rs-home-')), XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'rs-cfg-')), ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exists after the build', () => {
    expect(existsSync(join(ROOT, 'dist/cli.js'))).toBe(true);
  });

  it('--version prints the package version', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.stderr).toBe('');
  });

  it('--help prints the usage with examples', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: registry-setup');
    expect(r.stdout).toContain('Examples:');
  });

  const usageErrors: [string[], RegExp][] = [
    [['--bogus'], /Unknown option "--bogus"/],
    [['--project', 'Bad_Project'], /--project: /],
    [['--region'], /--region needs a value/],
    [['extra'], /Unexpected argument/],
  ];
  it.each(usageErrors)('%j → exit 2, message and usage on stderr, nothing on stdout, no stack', (args, msg) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).toContain('Usage: registry-setup');
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--dry-run --json changes nothing and prints one JSON document with the plan', () => {
    const r = run(['--dry-run', '--json', '--project', 'mycoolproject-prod', '--region', 'southamerica-east1']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { status: string; dryRun: boolean; steps: { id: string; status: string; commands?: string[] }[] };
    expect(doc.status).toBe('done');
    expect(doc.dryRun).toBe(true);
    expect(doc.steps.map((s) => s.id)).toEqual(['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'cleanup', 'summary']);
    expect(doc.steps.every((s) => s.status === 'planned')).toBe(true);
    expect(doc.steps.flatMap((s) => s.commands ?? []).join('\n')).toContain('mycoolproject-prod');
  });

  it('plain mode without a TTY: one line per event, no cursor escapes', () => {
    const r = run(['--dry-run', '--project', 'mycoolproject-prod']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Dry run: nothing will be changed.');
    expect(r.stdout).toMatch(/^\[1\/8\] .+: /m);
    expect(r.stdout).toMatch(/^    \$ gcloud /m);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\u001B\[/);
  });
});

// ---------- runCli with injected world (fake steps and env; no processes) ----------


function fakeCli(o: {
  argv: string[];
  run?: Partial<Record<StepId, (signal: AbortSignal) => Promise<void>>>;
  makeEnvThrows?: unknown;
  store?: ProgressStore;
  lock?: RunLock;
}) {
  const stdout = new TextStream();
  const stderr = new TextStream();
  let handler: (() => void) | undefined;
  const exits: number[] = [];
  const ids: StepId[] = ['preflight', 'project', 'summary'];
  const steps: Step[] = ids.map((id) => ({
    id,
    title: id,
    explain: `why ${id}`,
    check: async () => ({ done: true }),
    execute: async (_ctx, _env, signal) => {
      await o.run?.[id]?.(signal);
      return {
        state: id === 'project' ? { project: 'demo-proj', location: 'us-central1', repository: 'r', registryHost: 'us-central1-docker.pkg.dev', imageUris: ['us-central1-docker.pkg.dev/demo-proj/r/app:latest'], digest: 'sha256:1' } : {},
        summary: `${id} ok`,
      };
    },
    commands: () => [`cmd ${id}`],
  }));
  let saved: SavedRun | null = null;
  const store: ProgressStore = { path: '/p', latest: async () => saved, save: async (r) => void (saved = r), clear: async () => void (saved = null) };
  const deps: CliDeps = {
    argv: o.argv,
    processEnv: {},
    stdin: { isTTY: false } as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    version: '9.9.9',
    steps,
    makeEnv: async (hooks) => {
      if (o.makeEnvThrows) throw o.makeEnvThrows;
      expect(hooks.interactive).toBe(false);
      return { env: { prompter: { interactive: false }, clock: { now: () => 0 }, files: { cwd: '/w/app' }, dockerConfig: { path: '/h/.docker/config.json' } } as unknown as Env, store: o.store ?? store, lock: o.lock };
    },
    onSignal: (h) => {
      handler = h;
      return () => (handler = undefined);
    },
    exitNow: (c) => exits.push(c),
  };
  return { deps, stdout, stderr, exits, interrupt: () => handler?.() };
}

describe('runCli: the commands started before anything else loaded (src/app/start.ts)', () => {
  const early = () => {
    const killed: string[] = [];
    const runs: EarlyRuns = new Map([
      ['taken', { result: new Promise(() => {}), kill: () => killed.push('taken') }],
      ['left', { result: new Promise(() => {}), kill: () => killed.push('left') }],
    ]);
    return { runs, killed };
  };

  // When boot starts them (and when not: --dry-run, --help, a usage error) is test/ui/boot.test.tsx.
  it.each([
    { case: 'in a terminal: handed to the env, the ones nobody took stopped at the end; Ink leaves the header out', argv: ['--yes'], dry: false, plain: false },
    { case: 'plain lines: the same, with no header drawn', argv: ['--yes'], dry: false, plain: true },
    { case: '--dry-run: boot started nothing, so nothing is handed', argv: ['--dry-run'], dry: true, plain: false },
  ])('$case', async ({ argv, dry, plain }) => {
    const c = fakeCli({ argv });
    const booted = early();
    let handed: EarlyRuns | undefined;
    let headerShown: boolean | undefined;
    c.deps.boot = { headerShown: !plain, ...(dry ? {} : { early: booted.runs }) };
    // A terminal, so runCli mounts the (stand-in) Ink UI; or not, for plain lines.
    (c.deps.stdout as { isTTY: boolean }).isTTY = !plain;
    c.deps.mountInk = (o) => {
      headerShown = o.headerShown;
      return { store: undefined as never, sink: () => {}, beforePrompt: async () => {}, afterPrompt: () => {}, finish: async () => {} };
    };
    const makeEnv = c.deps.makeEnv;
    c.deps.makeEnv = async (hooks) => {
      handed = hooks.early;
      hooks.early?.delete('taken'); // what the runner does when it takes one
      return makeEnv(hooks);
    };
    await runCli(c.deps);
    expect(headerShown).toBe(plain ? undefined : true);
    expect(handed).toBe(dry ? undefined : booted.runs);
    expect(booted.killed).toEqual(dry ? [] : ['left']);
  });
});

describe('runCli', () => {
  it('--json: exactly one JSON document on stdout, progress on stderr, exit 0', async () => {
    const c = fakeCli({ argv: ['--json'] });
    expect(await runCli(c.deps)).toBe(0);
    const doc = JSON.parse(c.stdout.text);
    expect(doc).toMatchObject({ status: 'done', project: 'demo-proj', registry: 'us-central1-docker.pkg.dev/demo-proj/r', images: [{ uri: 'us-central1-docker.pkg.dev/demo-proj/r/app', tags: ['latest'], digest: 'sha256:1' }] });
    expect(c.stderr.text).toContain('[2/3] project: project ok');
  });

  it.each([
    { case: '--plain in a terminal: no Ink, and the questions asked line by line', argv: ['--plain'], env: {}, plainQuestions: true },
    { case: 'TERM=dumb in a terminal: the same', argv: [], env: { TERM: 'dumb' }, plainQuestions: true },
    { case: 'a terminal otherwise: Ink, and its questions', argv: [], env: {}, plainQuestions: false },
  ])('$case', async ({ argv, env, plainQuestions }) => {
    const c = fakeCli({ argv });
    c.deps.processEnv = env;
    c.deps.stdin = { isTTY: true } as NodeJS.ReadStream;
    (c.deps.stdout as { isTTY: boolean }).isTTY = true;
    let mounted = false;
    c.deps.mountInk = () => {
      mounted = true;
      return { store: undefined as never, sink: () => {}, beforePrompt: async () => {}, afterPrompt: () => {}, finish: async () => {} };
    };
    let hooks: EnvHooks | undefined;
    c.deps.makeEnv = async (h) => {
      hooks = h;
      return { env: { prompter: { interactive: true, confirm: async () => true, select: async (q: { choices: { value: unknown }[] }) => q.choices[0].value }, clock: { now: () => 0 }, files: { cwd: '/w/app' }, dockerConfig: { path: '/h/.docker/config.json' } } as unknown as Env, store: { path: '/p', latest: async () => null, save: async () => {}, clear: async () => {} } };
    };
    expect(await runCli(c.deps), c.stdout.text + c.stderr.text).toBe(0);
    expect(hooks).toMatchObject({ interactive: true, plain: plainQuestions });
    expect(mounted).toBe(!plainQuestions);
    if (plainQuestions) expect(c.stdout.text).toContain('[1/3] preflight: preflight ok');
    // eslint-disable-next-line no-control-regex
    if (plainQuestions) expect(c.stdout.text).not.toMatch(/\u001B/);
  });

  it('plain mode: lines on stdout, the summary at the end, exit 0', async () => {
    const c = fakeCli({ argv: [] });
    expect(await runCli(c.deps)).toBe(0);
    expect(c.stdout.text).toContain('[1/3] preflight: preflight ok');
    expect(c.stdout.text).toContain('Registry: us-central1-docker.pkg.dev/demo-proj/r');
    expect(c.stderr.text).toBe('');
  });

  it('a failing step: exit 1, the error with what to do, no stack', async () => {
    const c = fakeCli({ argv: [], run: { project: async () => { throw new ExternalError('API said no', { command: 'gcloud x' }, ['grant the role']); } } });
    expect(await runCli(c.deps)).toBe(1);
    expect(c.stdout.text).toContain('project failed: API said no');
    expect(c.stdout.text).toContain('  - grant the role');
    expect(c.stdout.text).not.toMatch(/\n\s+at /);
  });

  it('a missing flag found by a step (--yes) is a usage error: exit 2', async () => {
    const c = fakeCli({ argv: ['--yes'], run: { project: async () => { throw new UserError('A project is needed', ['Pass --project …'], { flag: '--project' }); } } });
    expect(await runCli(c.deps)).toBe(2);
  });

  it('Ctrl-C mid-step: exit 130 and one line saying how to resume; a second Ctrl-C exits at once', async () => {
    let c!: ReturnType<typeof fakeCli>;
    c = fakeCli({
      argv: [],
      run: {
        project: (signal) =>
          new Promise<void>((_, reject) => {
            c.interrupt();
            signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
          }),
      },
    });
    expect(await runCli(c.deps)).toBe(130);
    expect(c.stdout.text).toContain('Stopped. Run `registry-setup` again to resume from project.');
    expect(c.exits).toEqual([]);
    const d = fakeCli({ argv: [], run: { project: () => new Promise(() => { d.interrupt(); d.interrupt(); }) } });
    const p = runCli(d.deps);
    await waitUntil(() => d.exits.length > 0);
    expect(d.exits).toEqual([130]);
    void p;
  });

  it('an error outside any step (building the env): exit 1, one message, no stack unless --debug', async () => {
    const e = new Error('kaboom');
    const c = fakeCli({ argv: [], makeEnvThrows: e });
    expect(await runCli(c.deps)).toBe(1);
    expect(c.stderr.text).toContain('registry-setup: kaboom');
    expect(c.stderr.text).not.toMatch(/\n\s+at /);
    const d = fakeCli({ argv: ['--debug'], makeEnvThrows: e });
    expect(await runCli(d.deps)).toBe(1);
    expect(d.stderr.text).toMatch(/\n\s+at /);
  });

  it('--help and --version do not build the env', async () => {
    const c = fakeCli({ argv: ['--version'], makeEnvThrows: new Error('should not be called') });
    expect(await runCli(c.deps)).toBe(0);
    expect(c.stdout.text).toBe('9.9.9\n');
  });
});

async function waitUntil(pred: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('waitUntil timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}


describe('runCli: saved progress and the lock, on real files', () => {
  const damaged: [string, string, RegExp][] = [
    ['truncated JSON', '{"version":1,"runs":{"/w/app":{"ver', /was damaged \(not valid JSON/],
    ['not an object', '"hello"', /was damaged \(not a JSON object\)/],
  ];
  it.each(damaged)('a damaged progress file (%s): set aside, the notice is printed, the run starts fresh and finishes', async (_n, text, why) => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
    writeFileSync(join(dir, 'progress.json'), text);
    const c = fakeCli({ argv: [], store: createProgressStore({ cwd: '/w/app', configDir: dir }) });
    expect(await runCli(c.deps)).toBe(0);
    const notice = c.stdout.text.split('\n').find((l) => l.startsWith('  * The saved progress file'));
    expect(notice).toMatch(why);
    expect(notice).toMatch(/set aside as .*progress\.json\.corrupt-.*this run starts fresh/);
    expect(c.stdout.text).toContain('[1/3] preflight: preflight ok');
    expect(readdirSync(dir).filter((f) => f.includes('.corrupt-'))).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')).runs['/w/app'].done).toEqual(['preflight', 'project', 'summary']);
  });

  it('a format-0 progress file: converted, the notice is printed, the run resumes from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
    writeFileSync(join(dir, 'progress.json'), JSON.stringify({ project: 'demo-proj', done: ['preflight'] }));
    const c = fakeCli({ argv: [], store: createProgressStore({ cwd: '/w/app', configDir: dir }) });
    expect(await runCli(c.deps)).toBe(0);
    expect(c.stdout.text).toMatch(/^  \* Saved progress from an older registry-setup \(format 0\) was converted/m);
    expect(c.stdout.text).toMatch(/^\[1\/3\] preflight: .*\(done earlier, still in place\)$/m);
  });

  it('a progress file from a newer registry-setup: refused clearly (exit 1, nothing runs, file untouched); --restart sets it aside and runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
    const text = JSON.stringify({ version: 7, runs: {} });
    writeFileSync(join(dir, 'progress.json'), text);
    const c = fakeCli({ argv: [], run: { preflight: async () => { throw new Error('must not run'); } }, store: createProgressStore({ cwd: '/w/app', configDir: dir }) });
    expect(await runCli(c.deps)).toBe(1);
    expect(c.stdout.text).toMatch(/written by a newer registry-setup \(format 7; this one reads format 1\)/);
    expect(c.stdout.text).toMatch(/--restart/);
    expect(readFileSync(join(dir, 'progress.json'), 'utf8')).toBe(text);
    const d = fakeCli({ argv: ['--restart'], store: createProgressStore({ cwd: '/w/app', configDir: dir }) });
    expect(await runCli(d.deps)).toBe(0);
    expect(d.stdout.text).toMatch(/^  \* The saved progress file was set aside as .*progress\.json\.newer-/m);
    expect(readdirSync(dir).filter((f) => f.includes('.newer-'))).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')).version).toBe(1);
  });

  it('another run holds this folder: exit 1, the message names pid and start time and what to do, nothing runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
    const held = await createRunLock({ dir }).acquire('the folder /w/app');
    const c = fakeCli({ argv: [], run: { preflight: async () => { throw new Error('must not run'); } }, lock: createRunLock({ dir }) });
    expect(await runCli(c.deps)).toBe(1);
    expect(c.stdout.text).toMatch(new RegExp(`another registry-setup is already working on the folder /w/app \\(pid ${process.pid}, started [^)]+\\); wait for it to finish or stop it`));
    expect(c.stdout.text).toMatch(/delete the lock file .*run-[0-9a-f]{16}\.lock/);
    expect(c.stdout.text).not.toContain('preflight ok');
    expect(c.stdout.text).not.toMatch(/\n\s+at /);
    // No step ran, so nothing is blamed on one: the run changed nothing.
    expect(c.stdout.text).toContain('Nothing was changed.');
    expect(c.stdout.text).not.toContain('continues from the failed step');
    const j = fakeCli({ argv: ['--json'], lock: createRunLock({ dir }) });
    expect(await runCli(j.deps)).toBe(1);
    const doc = JSON.parse(j.stdout.text);
    expect(doc.status).toBe('failed');
    expect(JSON.stringify(doc)).toContain('another registry-setup is already working on the folder /w/app');
    await held.release();
    const d = fakeCli({ argv: [], lock: createRunLock({ dir }) });
    expect(await runCli(d.deps)).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
