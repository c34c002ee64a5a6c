// Property tests over flag combinations: src/args.ts (parseFlags) and the CLI around it (runCli).
// Any unknown flag or bad value → a usage error naming the flag (exit 2, usage on stderr, no stack);
// any valid combination → the flags, exactly; never a throw.
import { TextStream } from './streams.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseFlags, USAGE } from '../src/args.js';
import { runCli, type CliDeps } from '../src/app/runCli.js';
import { validateImageName, validateLocation, validateProjectId, validateRepositoryId } from '../src/validate.js';
import type { Env, ProgressStore, SavedRun } from '../src/ports.js';
import type { Step, StepId } from '../src/steps/types.js';

const KNOWN = ['project', 'region', 'repository', 'image', 'source', 'cleanup', 'yes', 'restart', 'dry-run', 'json', 'debug', 'plain', 'help', 'version'];
const SHORT = ['y', 'h', 'v'];

const VALID = {
  project: ['mycoolproject-prod', 'demo-proj', 'example.com:my-proj', 'abcdef'],
  region: ['southamerica-east1', 'us-central1', 'us', 'europe'],
  repository: ['mycoolproject-repo', 'r', 'a-1'],
  image: ['app', 'backend/api', 'web-1'],
  source: ['build', 'sample', 'myapp:latest'],
  cleanup: ['keep=5', 'keep=1', 'keep=1000', 'none'],
};
const BOOLS = ['yes', 'restart', 'dry-run', 'json', 'debug', 'plain'] as const;

/** One valid option with its tokens and what it sets. */
const validOption = fc.oneof(
  ...(Object.keys(VALID) as (keyof typeof VALID)[]).map((name) =>
    fc.tuple(fc.constantFrom(...VALID[name]), fc.boolean()).map(([v, eq]) => ({ name, tokens: eq ? [`--${name}=${v}`] : [`--${name}`, v], value: v as string | boolean })),
  ),
  fc.constantFrom(...BOOLS).map((name) => ({ name: name as string, tokens: [`--${name}`], value: true as string | boolean })),
);
const validArgv = fc.uniqueArray(validOption, { selector: (o) => o.name, maxLength: 10 });

const unknownName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,14}$/)
  .filter((n) => !KNOWN.includes(n));

function expectUsageError(argv: string[], mention: string): void {
  const r = parseFlags(argv);
  expect(r.kind, JSON.stringify(argv)).toBe('usage-error');
  if (r.kind === 'usage-error') expect(r.message, JSON.stringify(argv)).toContain(mention);
}

describe('parseFlags properties', () => {
  it('never throws, whatever the argv', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom(...KNOWN.map((k) => `--${k}`), '-y', '-h', '-v', '--', '-', '--=', '---x')), { maxLength: 8 }), (argv) => {
        const r = parseFlags(argv);
        expect(['run', 'help', 'version', 'usage-error']).toContain(r.kind);
        if (r.kind === 'usage-error') {
          expect(r.message.length).toBeGreaterThan(0);
          expect(r.message).not.toMatch(/\n\s+at /);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('any valid combination, in any order and either form, parses to exactly those flags', () => {
    fc.assert(
      fc.property(validArgv, (opts) => {
        const argv = opts.flatMap((o) => o.tokens);
        const r = parseFlags(argv);
        expect(r.kind, JSON.stringify(argv)).toBe('run');
        if (r.kind !== 'run') return;
        const set = Object.fromEntries(opts.map((o) => [o.name, o.value]));
        expect(r.flags.project).toBe(set.project);
        expect(r.flags.region).toBe(set.region);
        expect(r.flags.repository).toBe(set.repository);
        expect(r.flags.image).toBe(set.image);
        const src = set.source as string | undefined;
        expect(r.flags.source).toEqual(src === undefined ? undefined : src === 'build' || src === 'sample' ? src : { local: src });
        const cleanup = set.cleanup as string | undefined;
        expect(r.flags.cleanup).toEqual(cleanup === undefined ? undefined : cleanup === 'none' ? 'none' : { keep: Number(cleanup.slice(5)) });
        expect(r.flags.restart).toBe(!!set.restart);
        expect(r.flags.dryRun).toBe(!!set['dry-run']);
        expect(r.flags.json).toBe(!!set.json);
        expect(r.flags.debug).toBe(!!set.debug);
        expect(r.flags.plain).toBe(!!set.plain);
        expect(r.flags.yes).toBe(!!set.yes || !!set.json);
      }),
      { numRuns: 300 },
    );
  });

  it('an unknown long flag anywhere among valid ones → usage error naming it', () => {
    fc.assert(
      fc.property(validArgv, unknownName, fc.nat(), fc.boolean(), (opts, name, at, withValue) => {
        const groups = opts.map((o) => o.tokens);
        groups.splice(at % (groups.length + 1), 0, withValue ? [`--${name}=x`] : [`--${name}`]);
        expectUsageError(groups.flat(), `"--${name}"`);
      }),
      { numRuns: 300 },
    );
  });

  it('an unknown short flag → usage error naming it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z]$/).filter((c) => !SHORT.includes(c)), (c) => expectUsageError([`-${c}`], `-${c}`)),
    );
  });

  const validated: [string, (v: string) => true | string][] = [
    ['project', validateProjectId],
    ['region', validateLocation],
    ['repository', validateRepositoryId],
    ['image', validateImageName],
  ];
  it.each(validated)('any value --%s rejects → usage error naming --%s and stating the rule (both forms)', (name, validate) => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9_.:/-]{0,70}$/)).filter((v) => validate(v) !== true && !v.startsWith('-')),
        fc.boolean(),
        (v, eq) => {
          const argv = eq ? [`--${name}=${v}`] : [`--${name}`, v];
          const r = parseFlags(argv);
          expect(r.kind, JSON.stringify(argv)).toBe('usage-error');
          if (r.kind === 'usage-error') {
            expect(r.message.startsWith(`--${name}: `), r.message).toBe(true);
            expect(r.message).toContain(validate(v) as string);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    { v: 'keep=0', says: '--cleanup keep=0: Keep between 1 and 1000 versions.' },
    { v: 'keep=1001', says: '--cleanup keep=1001: Keep between 1 and 1000 versions.' },
    { v: 'keep=-3', says: '--cleanup keep=-3: Enter a whole number' },
    { v: 'keep=2.5', says: '--cleanup keep=2.5: Enter a whole number' },
    { v: 'keep=', says: '--cleanup keep=: Enter a whole number' },
    { v: 'keep', says: '--cleanup must be keep=N' },
    { v: '10', says: '--cleanup must be keep=N' },
    { v: 'None', says: '--cleanup must be keep=N' },
    { v: 'delete=5', says: '--cleanup must be keep=N' },
  ])('--cleanup $v → usage error: $says', ({ v, says }) => {
    expectUsageError(['--cleanup', v], says);
    expectUsageError([`--cleanup=${v}`], says);
  });

  it('a value-taking flag with no value, or followed by another flag → usage error naming it', () => {
    fc.assert(
      fc.property(fc.constantFrom('project', 'region', 'repository', 'image', 'source', 'cleanup'), fc.constantFrom(...BOOLS), (name, next) => {
        expectUsageError([`--${name}`], `--${name}`);
        expectUsageError([`--${name}`, `--${next}`], `--${name}`);
      }),
    );
  });

  it('a boolean flag given a value → usage error naming it', () => {
    fc.assert(fc.property(fc.constantFrom(...BOOLS), fc.string({ maxLength: 10 }), (name, v) => expectUsageError([`--${name}=${v}`], `--${name} does not take a value`)));
  });

  it('the same flag twice → usage error naming it', () => {
    fc.assert(
      fc.property(validOption, validArgv, (twice, others) => {
        const rest = others.filter((o) => o.name !== twice.name).map((o) => o.tokens);
        const argv = [...twice.tokens, ...rest.flat(), ...twice.tokens];
        expectUsageError(argv, `--${twice.name} is given more than once`);
      }),
      { numRuns: 200 },
    );
  });

  it('a stray positional → usage error naming it', () => {
    fc.assert(
      fc.property(validArgv, fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,10}$/).filter((w) => w !== 'doctor' && w !== 'undo'), (opts, word) => {
        // a word right after a value-taking flag would be its value: put it first
        expectUsageError([word, ...opts.flatMap((o) => o.tokens)], `Unexpected argument "${word}"`);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------- through the CLI: exit 2, usage, no stack; --debug shows a stack for bugs ----------


function cli(argv: string[], stepRun?: (id: StepId) => void) {
  const stdout = new TextStream();
  const stderr = new TextStream();
  let envBuilt = 0;
  const ids: StepId[] = ['preflight', 'project'];
  const steps: Step[] = ids.map((id) => ({
    id,
    title: id,
    explain: id,
    check: async () => ({ done: true }),
    execute: async () => {
      stepRun?.(id);
      return { state: {}, summary: `${id} ok` };
    },
    commands: () => [],
  }));
  let saved: SavedRun | null = null;
  const store: ProgressStore = { path: '/p', latest: async () => saved, save: async (r) => void (saved = r), clear: async () => void (saved = null) };
  const deps: CliDeps = {
    argv,
    processEnv: {},
    stdin: { isTTY: false } as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    version: '1.2.3',
    steps,
    makeEnv: async () => {
      envBuilt++;
      return { env: { prompter: { interactive: false }, clock: { now: () => 0 }, files: { cwd: '/w/app' }, dockerConfig: { path: '/h/.docker/config.json' } } as unknown as Env, store, warmUp: () => {} };
    },
    onSignal: () => () => {},
    exitNow: () => {
      throw new Error('exitNow must not be called');
    },
  };
  return { deps, stdout, stderr, envBuilt: () => envBuilt };
}

describe('runCli with bad flags (property)', () => {
  const badArgv = fc.oneof(
    unknownName.map((n) => [`--${n}`]),
    fc.tuple(fc.constantFrom('project', 'region', 'repository', 'image'), fc.stringMatching(/^[A-Z_!@# ]{1,12}$/)).map(([n, v]) => [`--${n}=${v}`]),
    fc.constantFrom(...BOOLS).map((n) => [`--${n}=nope`]),
    fc.constantFrom('project', 'region', 'source', 'cleanup').map((n) => [`--${n}`]),
    fc.stringMatching(/^[a-z=0-9]{1,10}$/).filter((v) => !/^(none|keep=\d+)$/.test(v)).map((v) => ['--cleanup', v]),
    fc.stringMatching(/^[a-z]{1,8}$/).map((w) => [w]),
  );
  it('exit 2, "registry-setup: <message naming the flag>" then the usage on stderr, nothing on stdout, no stack, no work', async () => {
    await fc.assert(
      fc.asyncProperty(badArgv, fc.boolean(), async (argv, debug) => {
        const c = cli(debug ? ['--debug', ...argv] : argv);
        expect(await runCli(c.deps)).toBe(2);
        expect(c.stdout.text).toBe('');
        const first = c.stderr.text.split('\n')[0];
        expect(first.startsWith('registry-setup: ')).toBe(true);
        const named = argv[0].startsWith('--') ? argv[0].split('=')[0] : argv[0];
        expect(first).toContain(named);
        expect(c.stderr.text).toContain(USAGE);
        expect(c.stderr.text).not.toMatch(/\n\s+at /);
        expect(c.envBuilt()).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});

describe('errors of the bug kind', () => {
  const cases: { case: string; argv: string[]; stack: boolean }[] = [
    { case: 'without --debug: the message and a request to report it, no stack', argv: [], stack: false },
    { case: 'with --debug: the stack too', argv: ['--debug'], stack: true },
  ];
  it.each(cases)('$case', async ({ argv, stack }) => {
    const c = cli(argv, (id) => {
      if (id === 'project') (undefined as unknown as { x: () => void }).x();
    });
    expect(await runCli(c.deps)).toBe(1);
    const out = c.stdout.text + c.stderr.text;
    expect(out).toMatch(/Cannot read properties of undefined/);
    expect(out).toMatch(/This is a bug in registry-setup/);
    if (stack) expect(out).toMatch(/\n\s+at .*args\.property\.test\.ts:\d+/);
    else expect(out).not.toMatch(/\n\s+at /);
  });
});
