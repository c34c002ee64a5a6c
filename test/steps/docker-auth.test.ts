import { describe, expect, it } from 'vitest';
import { dockerAuth, mergeCredHelper } from '../../src/steps/docker-auth.js';
import { UserError } from '../../src/errors.js';
import { commandsFor, runStep, fakeWorld, type Expectation } from '../fakes.js';
import type { WizardState } from '../../src/ports.js';

const HOST = 'southamerica-east1-docker.pkg.dev';
const state: Partial<WizardState> = { project: 'mycoolproject-prod', location: 'southamerica-east1', registryHost: HOST };
const SECRET = 'dXNlcjpodW50ZXIy';

const userConfig = () => ({
  auths: { 'ghcr.io': { auth: SECRET } },
  credsStore: 'desktop',
  credHelpers: { 'us-docker.pkg.dev': 'gcloud', 'public.ecr.aws': 'ecr-login' },
  'experimental-thing': { keep: [1, 2, 3] },
  psFormat: 'table {{.ID}}',
});

// The helper is only looked for on PATH: Docker runs it when it pushes (the push step diagnoses a refusal).
const helperFound: Expectation[] = [{ call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' }];

type Case = {
  case: string;
  calls: Expectation[];
  want?: { state: Partial<WizardState>; summary: RegExp };
  error?: { cls: Function; message: RegExp; fix?: RegExp };
  items?: RegExp;
  warnings?: RegExp;
};

const cases: Case[] = [
  {
    case: 'adds only this host; other keys, credsStore and order kept; backup recorded',
    calls: [
      { call: 'dockerConfig.read', result: userConfig() },
      {
        call: 'dockerConfig.write',
        impl: (next: Record<string, unknown>) => {
          expect(Object.keys(next)).toEqual(['auths', 'credsStore', 'credHelpers', 'experimental-thing', 'psFormat']);
          expect(next).toEqual({ ...userConfig(), credHelpers: { ...userConfig().credHelpers, [HOST]: 'gcloud' } });
          return { backupPath: '/home/u/.docker/config.json.registry-setup.bak' };
        },
      },
      ...helperFound,
    ],
    want: { state: { dockerConfigBackup: '/home/u/.docker/config.json.registry-setup.bak', dockerEntryAdded: true }, summary: /^gcloud for southamerica-east1-docker.pkg.dev \(Docker config updated, backed up first\)$/ },
    items: /as gcloud auth configure-docker does[\s\S]*credsStore "desktop".*credHelpers entry, which wins/,
  },
  {
    case: 'empty config (no ~/.docker yet)',
    calls: [{ call: 'dockerConfig.read', result: {} }, { call: 'dockerConfig.write', args: [{ credHelpers: { [HOST]: 'gcloud' } }], result: {} }, ...helperFound],
    want: { state: { dockerEntryAdded: true }, summary: /updated/ },
  },
  {
    case: 'already configured: nothing written',
    calls: [{ call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'gcloud' } } }, ...helperFound],
    want: { state: {}, summary: /already set/ },
  },
  {
    case: 'another helper for this host is replaced with a warning (not recorded as ours to remove)',
    calls: [{ call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'desktop' } } }, { call: 'dockerConfig.write', args: [{ credHelpers: { [HOST]: 'gcloud' } }], result: {} }, ...helperFound],
    want: { state: {}, summary: /updated/ },
    warnings: /helper "desktop"/,
  },
  {
    case: 'malformed config: its UserError, nothing changed',
    calls: [{ call: 'dockerConfig.read', throws: new UserError('/home/u/.docker/config.json is not valid JSON (line 3, column 5)', ['Fix the file']) }],
    error: { cls: UserError, message: /not valid JSON \(line 3/ },
  },
  {
    case: 'credHelpers that is not an object',
    calls: [{ call: 'dockerConfig.read', result: { credHelpers: 'gcloud' } }],
    error: { cls: UserError, message: /"credHelpers" .* is not an object/ },
  },
  {
    case: 'the write fails: its error, with context',
    calls: [{ call: 'dockerConfig.read', result: {} }, { call: 'dockerConfig.write', throws: new UserError('The folder /home/u/.docker is read-only') }],
    error: { cls: UserError, message: /^update \/home\/u\/\.docker\/config\.json: The folder .* is read-only/ },
  },
  {
    case: 'helper missing from PATH: explain PATH and the docker login fallback',
    calls: [{ call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'gcloud' } } }, { call: 'docker.findHelper', args: ['gcloud'], result: null }],
    error: { cls: UserError, message: /docker-credential-gcloud on your PATH/, fix: /gcloud auth print-access-token \| docker login -u oauth2accesstoken --password-stdin southamerica-east1-docker.pkg.dev/ },
  },
];

describe('docker-auth step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls });
    const p = runStep(dockerAuth, w.ctx({}, state), w.env, new AbortController().signal);
    if (c.error) {
      const e = await p.then(() => null, (e) => e);
      expect(e).toBeInstanceOf(c.error.cls);
      expect(e.fullMessage).toMatch(c.error.message);
      if (c.error.fix) expect(e.fix.join('\n')).toMatch(c.error.fix);
    } else {
      const out = await p;
      expect(out.state).toEqual(c.want!.state);
      expect(out.summary).toMatch(c.want!.summary);
      expect(out.commands).toEqual([`gcloud auth configure-docker ${HOST}`]);
    }
    if (c.items) expect(w.report.items.map((i) => i.detail).join('\n')).toMatch(c.items);
    if (c.warnings) expect(w.report.warnings.join('\n')).toMatch(c.warnings);
    expect(w.report.text()).not.toContain(SECRET);
    w.assertDone();
  });

  it.each([
    { case: 'entry present and helper found', cfg: { credHelpers: { [HOST]: 'gcloud' } }, helper: '/usr/bin/docker-credential-gcloud', done: true },
    { case: 'entry missing', cfg: { credHelpers: {} }, helper: undefined, done: false },
    { case: 'helper gone from PATH', cfg: { credHelpers: { [HOST]: 'gcloud' } }, helper: null, done: false },
  ])('check: $case', async (c) => {
    const calls: Expectation[] = [{ call: 'dockerConfig.read', result: c.cfg }];
    if (c.helper !== undefined) calls.push({ call: 'docker.findHelper', args: ['gcloud'], result: c.helper });
    const w = fakeWorld({ calls });
    expect((await dockerAuth.check(w.ctx({}, state), w.env)).done).toBe(c.done);
    w.assertDone();
  });

  it('check on a malformed config means "run it again" (run() then reports it)', async () => {
    const w = fakeWorld({ calls: [{ call: 'dockerConfig.read', throws: new UserError('config.json is not valid JSON (line 1, column 2)') }] });
    expect(await dockerAuth.check(w.ctx({}, state), w.env)).toEqual({ done: false, why: expect.stringMatching(/not valid JSON/) });
    w.assertDone();
  });

  it('mergeCredHelper keeps key order and other entries', () => {
    const orig = { a: 1, credHelpers: { x: 'y' }, z: 2 };
    const m = mergeCredHelper(orig, 'h', 'gcloud');
    expect(Object.keys(m)).toEqual(['a', 'credHelpers', 'z']);
    expect(m.credHelpers).toEqual({ x: 'y', h: 'gcloud' });
    expect(orig.credHelpers).toEqual({ x: 'y' });
  });
});

describe('docker-auth commands and changes (the plan)', () => {
  it.each([
    { case: 'host known', flags: {}, st: state, commands: [`gcloud auth configure-docker ${HOST}`], changes: /credHelpers\["southamerica-east1-docker.pkg.dev"\] to "gcloud" in \/home\/u\/\.docker\/config\.json, written directly/ },
    { case: 'only --region', flags: { region: 'europe-west3' }, st: {}, commands: ['gcloud auth configure-docker europe-west3-docker.pkg.dev'], changes: /europe-west3-docker.pkg.dev/ },
    { case: 'nothing known (--dry-run)', flags: {}, st: {}, commands: ['gcloud auth configure-docker REGION-docker.pkg.dev'], changes: /^$/ },
  ])('$case', ({ flags, st, commands, changes }) => {
    const w = fakeWorld();
    expect(commandsFor(dockerAuth, w.ctx(flags, st))).toEqual(commands);
    expect((dockerAuth.changes?.({ flags: w.ctx(flags, st).flags, state: st, dockerConfigPath: '/home/u/.docker/config.json' }) ?? []).join('\n')).toMatch(changes);
    w.assertDone();
  });
});
