import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, USAGE } from '../src/args.js';
import { choosePlain } from '../src/ui/runCli.js';

const ROOT = join(import.meta.dirname, '..');
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
  const cases: [string, boolean, NodeJS.ProcessEnv, boolean, boolean][] = [
    ['TTY, nothing special', true, {}, false, false],
    ['not a TTY', false, {}, false, true],
    ['CI=true', true, { CI: 'true' }, false, true],
    ['CI=false', true, { CI: 'false' }, false, false],
    ['TERM=dumb', true, { TERM: 'dumb' }, false, true],
    ['--json', true, {}, true, true],
  ];
  it.each(cases)('%s', (_n, tty, env, json, want) => {
    expect(choosePlain({ json }, tty, env)).toBe(want);
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
    expect(doc.steps.map((s) => s.id)).toEqual(['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'summary']);
    expect(doc.steps.every((s) => s.status === 'planned')).toBe(true);
    expect(doc.steps.flatMap((s) => s.commands ?? []).join('\n')).toContain('mycoolproject-prod');
  });

  it('plain mode without a TTY: one line per event, no cursor escapes', () => {
    const r = run(['--dry-run', '--project', 'mycoolproject-prod']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Dry run: nothing will be changed.');
    expect(r.stdout).toMatch(/^\[1\/7\] .+: /m);
    expect(r.stdout).toMatch(/^    \$ gcloud /m);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\u001B\[/);
  });
});
