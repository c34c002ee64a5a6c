import { createEarly } from '../../src/run/early.js';
import { describe, expect, it } from 'vitest';
import { preflight, LABELS } from '../../src/steps/preflight.js';
import { ExternalError, UserError } from '../../src/errors.js';
import { commandsFor, runStep, fakeWorld, type Expectation } from '../fakes.js';

const good: Record<string, Expectation> = {
  version: { call: 'gcloud.version', result: 'Google Cloud SDK 528.0.0' },
  config: { call: 'gcloud.config', result: { account: 'ana@example.com', project: 'mycoolproject-prod' } },
  docker: { call: 'docker.info', result: { clientVersion: '26.1.5', serverVersion: '26.1.5', path: '/usr/bin/docker' } },
  helper: { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
  git: { call: 'git.isRepo', result: true },
};
const world = (over: Record<string, Expectation | Expectation[] | null>, isRoot = false) => {
  const calls: Expectation[] = [];
  for (const v of Object.values({ ...good, ...over })) if (v) calls.push(...(Array.isArray(v) ? v : [v]));
  return fakeWorld({ calls, ordered: false, isRoot });
};

type Case = {
  case: string;
  over: Record<string, Expectation | Expectation[] | null>;
  isRoot?: boolean;
  items: Record<string, 'ok' | 'warn' | 'fail'>;
  error?: RegExp;
  fix?: RegExp;
  warning?: RegExp;
};

const cases: Case[] = [
  { case: 'all good', over: {}, items: { [LABELS.gcloud]: 'ok', [LABELS.account]: 'ok', [LABELS.docker]: 'ok', [LABELS.helper]: 'ok', [LABELS.git]: 'ok', [LABELS.root]: 'ok' } },
  {
    case: 'gcloud missing → two blocking items, no config call',
    over: { version: { call: 'gcloud.version', result: null }, config: null },
    items: { [LABELS.gcloud]: 'fail', [LABELS.account]: 'fail' },
    error: /2 checks failed: gcloud CLI/,
    fix: /Install the Google Cloud CLI/,
  },
  {
    case: 'no account but a token is obtainable',
    over: { config: { call: 'gcloud.config', result: {} }, token: { call: 'gcloud.accessToken', result: 'ya29.SECRET' } },
    items: { [LABELS.account]: 'ok' },
  },
  {
    case: 'no account and no token',
    over: {
      config: { call: 'gcloud.config', result: {} },
      token: { call: 'gcloud.accessToken', throws: new ExternalError('gcloud auth print-access-token failed', { exitCode: 1 }) },
    },
    items: { [LABELS.account]: 'fail' },
    error: /gcloud login/,
    fix: /gcloud auth login/,
  },
  {
    case: 'docker daemon not running',
    over: { docker: { call: 'docker.info', result: { clientVersion: '26.1.5', daemonProblem: 'not-running', daemonMessage: 'Cannot connect to the Docker daemon' } } },
    items: { [LABELS.docker]: 'fail' },
    error: /daemon is not running/,
    fix: /systemctl start docker/,
  },
  {
    case: 'docker socket permission denied → docker group hint',
    over: { docker: { call: 'docker.info', result: { clientVersion: '26.1.5', daemonProblem: 'permission-denied' } } },
    items: { [LABELS.docker]: 'fail' },
    error: /permission denied/,
    fix: /usermod -aG docker/,
  },
  {
    case: 'DOCKER_HOST problem',
    over: { docker: { call: 'docker.info', result: { clientVersion: '26.1.5', daemonProblem: 'docker-host', daemonMessage: 'tcp://10.0.0.9:2375 timed out' } } },
    items: { [LABELS.docker]: 'fail' },
    error: /DOCKER_HOST/,
    fix: /unset DOCKER_HOST/,
  },
  {
    case: 'docker CLI missing',
    over: { docker: { call: 'docker.info', result: { clientVersion: null } } },
    items: { [LABELS.docker]: 'fail' },
    error: /docker command was not found/,
  },
  {
    case: 'snap docker warns',
    over: { docker: { call: 'docker.info', result: { clientVersion: '24', serverVersion: '24', path: '/snap/bin/docker' } } },
    items: { 'Docker installed from snap': 'warn' },
    warning: /Snap-confined/,
  },
  {
    case: 'credential helper missing is blocking',
    over: { helper: { call: 'docker.findHelper', args: ['gcloud'], result: null } },
    items: { [LABELS.helper]: 'fail' },
    error: /docker-credential-gcloud/,
    fix: /PATH/,
  },
  { case: 'root warns', over: {}, isRoot: true, items: { [LABELS.root]: 'warn' }, warning: /Root's ~\/.docker/ },
  { case: 'not a git repo warns', over: { git: { call: 'git.isRepo', result: false } }, items: { [LABELS.git]: 'warn' }, warning: /only the latest tag/ },
  {
    case: 'a check that crashes becomes a failed item, not a crash',
    over: { git: { call: 'git.isRepo', throws: new ExternalError('git exploded') } },
    items: { [LABELS.git]: 'fail' },
    error: /git exploded/,
  },
];

describe('preflight', () => {
  it.each(cases)('$case', async (c) => {
    const w = world(c.over, c.isRoot);
    const p = runStep(preflight, w.ctx(), w.env, new AbortController().signal);
    if (c.error) {
      const e = await p.then(() => null, (e) => e);
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toMatch(c.error);
      if (c.fix) expect(e.fix.join('\n')).toMatch(c.fix);
    } else {
      const out = await p;
      expect(out.summary).toMatch(/^ready/);
      expect(out.commands?.length).toBeGreaterThan(0);
    }
    const final = w.report.finalItems();
    for (const [label, status] of Object.entries(c.items)) expect(final.get(label)?.status, label).toBe(status);
    for (const i of final.values()) expect(i.status).not.toBe('running');
    if (c.warning) expect(w.report.warnings.join('\n')).toMatch(c.warning);
    expect(w.report.text()).not.toContain('SECRET');
    w.assertDone();
  });

  it('check() always asks to re-run', async () => {
    const w = fakeWorld();
    expect(await preflight.check(w.ctx(), w.env)).toEqual({ done: false, why: expect.any(String) });
    expect(commandsFor(preflight, w.ctx())).toContain('docker info');
  });
});

describe('preflight early work (started with every run)', () => {
  it('docker info and the API client start once, however often it is offered; gcloud answers from its adapter', async () => {
    const w = fakeWorld({
      calls: [
        { call: 'docker.info', result: { clientVersion: '26', serverVersion: '26' } },
        { call: 'gcloud.version', result: 'Google Cloud SDK 528.0.0', times: 2 },
        { call: 'gcloud.config', result: {}, times: 2 },
        { call: 'gcloud.accessToken', result: 't', times: 2 },
      ],
      ordered: false,
    });
    let preloads = 0;
    w.env.api.preload = async () => void preloads++;
    const early = createEarly();
    preflight.early!({ ...w.ctx(), early }, w.env);
    preflight.early!({ ...w.ctx(), early }, w.env);
    await new Promise((r) => setImmediate(r));
    expect(preloads).toBe(1);
    expect(await early.take('docker info')).toMatchObject({ serverVersion: '26' });
    w.assertDone();
  });
});
