import { describe, expect, it } from 'vitest';
import { dockerAuth, mergeCredHelper } from '../../src/steps/docker-auth.js';
import { ExternalError, UserError } from '../../src/errors.js';
import { fakeWorld, match, untilCalls, type Expectation } from '../fakes.js';
import { createPrefetch } from '../../src/prefetch.js';
import type { WizardState } from '../../src/ports.js';

const HOST = 'southamerica-east1-docker.pkg.dev';
const TMP = '/tmp/registry-setup-docker-abc';
const state: Partial<WizardState> = { project: 'mycoolproject-prod', location: 'southamerica-east1', registryHost: HOST };
const SECRET = 'dXNlcjpodW50ZXIy';

const userConfig = () => ({
  auths: { 'ghcr.io': { auth: SECRET } },
  credsStore: 'desktop',
  credHelpers: { 'us-docker.pkg.dev': 'gcloud', 'public.ecr.aws': 'ecr-login' },
  'experimental-thing': { keep: [1, 2, 3] },
  psFormat: 'table {{.ID}}',
});

// The helper is asked while gcloud writes the entry (both take about a second): its calls interleave.
const configure = (readBack: unknown = { credHelpers: { 'us-docker.pkg.dev': 'gcloud', 'public.ecr.aws': 'ecr-login', [HOST]: 'gcloud' } }): Expectation[] => [
  { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
  { call: 'files.makeTempDir', args: ['registry-setup-docker'], result: TMP },
  { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: true, username: '_dcgcloud_token' } },
  {
    call: 'files.writeFile',
    args: [`${TMP}/config.json`, match((c) => typeof c === 'string' && !c.includes(SECRET) && !c.includes('auths'), 'a copy without auths')],
  },
  { call: 'gcloud.configureDocker', args: [HOST, TMP] },
  { call: 'files.readJson', args: [`${TMP}/config.json`], result: readBack },
  { call: 'files.removeTempDir', args: [TMP] },
];
const verifyOk: Expectation[] = [
  { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
  { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: true, username: '_dcgcloud_token' } },
];

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
      ...configure(),
      {
        call: 'dockerConfig.write',
        impl: (next: Record<string, unknown>) => {
          expect(Object.keys(next)).toEqual(['auths', 'credsStore', 'credHelpers', 'experimental-thing', 'psFormat']);
          expect(next).toEqual({ ...userConfig(), credHelpers: { ...userConfig().credHelpers, [HOST]: 'gcloud' } });
          return { backupPath: '/home/u/.docker/config.json.registry-setup.bak' };
        },
      },
    ],
    want: { state: { dockerConfigBackup: '/home/u/.docker/config.json.registry-setup.bak' }, summary: /Docker uses gcloud for southamerica-east1-docker.pkg.dev .*updated/ },
    items: /credsStore "desktop".*credHelpers entry, which wins/,
  },
  {
    case: 'empty config (no ~/.docker yet)',
    calls: [
      { call: 'dockerConfig.read', result: {} },
      ...configure({ credHelpers: { [HOST]: 'gcloud' } }),
      { call: 'dockerConfig.write', args: [{ credHelpers: { [HOST]: 'gcloud' } }], result: {} },
    ],
    want: { state: {}, summary: /updated/ },
  },
  {
    case: 'takes ONLY the host entry from gcloud output, ignoring anything else it wrote',
    calls: [
      { call: 'dockerConfig.read', result: { auths: {} } },
      ...configure({ credHelpers: { [HOST]: 'gcloud', 'gcr.io': 'gcloud' }, somethingElse: true }),
      { call: 'dockerConfig.write', args: [{ auths: {}, credHelpers: { [HOST]: 'gcloud' } }], result: {} },
    ],
    want: { state: {}, summary: /updated/ },
  },
  {
    case: 'already configured: nothing written, still verified',
    calls: [{ call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'gcloud' } } }, ...verifyOk],
    want: { state: {}, summary: /already used gcloud/ },
  },
  {
    case: 'another helper for this host is replaced with a warning',
    calls: [
      { call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'desktop' } } },
      ...configure({ credHelpers: { [HOST]: 'gcloud' } }),
      { call: 'dockerConfig.write', args: [{ credHelpers: { [HOST]: 'gcloud' } }], result: {} },
    ],
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
    case: 'gcloud did not add the entry',
    calls: [{ call: 'dockerConfig.read', result: {} }, ...configure({})],
    error: { cls: ExternalError, message: /did not add southamerica-east1-docker.pkg.dev/ },
  },
  {
    case: 'configure-docker fails: context added, nothing written',
    calls: [
      { call: 'dockerConfig.read', result: {} },
      ...configure().slice(0, 4),
      { call: 'gcloud.configureDocker', throws: new ExternalError('exit 1', { exitCode: 1 }) },
      { call: 'files.removeTempDir', args: [TMP] }, // cleaned up even on failure
    ],
    error: { cls: ExternalError, message: /^gcloud auth configure-docker southamerica-east1-docker.pkg.dev: exit 1/ },
  },
  {
    case: 'helper missing from PATH: explain PATH and the docker login fallback',
    calls: [{ call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'gcloud' } } }, { call: 'docker.findHelper', args: ['gcloud'], result: null }],
    error: { cls: UserError, message: /docker-credential-gcloud on your PATH/, fix: /gcloud auth print-access-token \| docker login -u oauth2accesstoken --password-stdin southamerica-east1-docker.pkg.dev/ },
  },
  {
    case: 'helper gives no credential',
    calls: [
      { call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'gcloud' } } },
      { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
      { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: false, message: 'You do not currently have an active account selected.' } },
    ],
    error: { cls: UserError, message: /gave no credential .*active account/, fix: /gcloud auth login/ },
  },
];

describe('docker-auth step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls });
    const p = dockerAuth.run(w.ctx({}, state), w.env, new AbortController().signal);
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

describe('docker-auth prefetch (early work while earlier steps run)', () => {
  const flagsWithRegion = { region: 'southamerica-east1' };

  it('with --region known at launch: helper asked and gcloud run into a private copy early; run() takes both and only writes', async () => {
    const w = fakeWorld({
      calls: [
        // prefetch (before the earlier steps): helper + private configure-docker
        { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
        { call: 'dockerConfig.read', result: {} },
        { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: true, username: '_dcgcloud_token' } },
        { call: 'files.makeTempDir', args: ['registry-setup-docker'], result: TMP },
        { call: 'files.writeFile', args: [`${TMP}/config.json`, '{}\n'] },
        { call: 'gcloud.configureDocker', args: [HOST, TMP] },
        { call: 'files.readJson', args: [`${TMP}/config.json`], result: { credHelpers: { [HOST]: 'gcloud' } } },
        { call: 'files.removeTempDir', args: [TMP] },
        // run(): reads the real config and writes it; no second gcloud or helper process
        { call: 'dockerConfig.read', result: { auths: {} } },
        { call: 'dockerConfig.write', args: [{ auths: {}, credHelpers: { [HOST]: 'gcloud' } }], result: {} },
      ],
    });
    const prefetched = createPrefetch();
    const early = { ...w.ctx(flagsWithRegion, {}), prefetched };
    dockerAuth.prefetch!(early, w.env);
    await untilCalls(w, 8); // the earlier steps run meanwhile: the early work is done
    const out = await dockerAuth.run({ ...w.ctx(flagsWithRegion, state), prefetched }, w.env, new AbortController().signal);
    expect(out.summary).toMatch(/updated/);
    expect(w.report.activities.join('\n')).toMatch(/already ran in the background/);
    expect(w.report.items.map((i) => i.label)).toContain(`credentials for ${HOST}`);
    w.assertDone();
  });

  it('a failed early configure-docker is not reported: run() runs it again, and that result counts', async () => {
    const w = fakeWorld({
      calls: [
        { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
        { call: 'dockerConfig.read', result: {} },
        { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: true } },
        { call: 'files.makeTempDir', args: ['registry-setup-docker'], throws: new Error('disk full, for a moment') },
        { call: 'dockerConfig.read', result: {} },
        ...configure({ credHelpers: { [HOST]: 'gcloud' } }).filter((e) => !e.call.startsWith('docker.')),
        { call: 'dockerConfig.write', args: [{ credHelpers: { [HOST]: 'gcloud' } }], result: {} },
      ],
    });
    const prefetched = createPrefetch();
    dockerAuth.prefetch!({ ...w.ctx(flagsWithRegion, {}), prefetched }, w.env);
    await untilCalls(w, 4); // helper asked; the private copy failed
    const out = await dockerAuth.run({ ...w.ctx(flagsWithRegion, state), prefetched }, w.env, new AbortController().signal);
    expect(out.summary).toMatch(/updated/);
    w.assertDone();
  });

  it.each([
    { case: 'no region known yet', flags: {}, st: {} },
    { case: 'an invalid --region never reaches a command line', flags: { region: '--evil' }, st: {} },
  ])('nothing starts: $case', ({ flags, st }) => {
    const w = fakeWorld({ calls: [] });
    const prefetched = createPrefetch();
    dockerAuth.prefetch!({ ...w.ctx(flags, st), prefetched }, w.env);
    expect(prefetched.take(`helper:${HOST}`)).toBeUndefined();
    w.assertDone();
  });
});
