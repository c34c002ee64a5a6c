import { createEarly } from '../../src/run/early.js';
import { describe, expect, it } from 'vitest';
import { preflight, LABELS } from '../../src/steps/preflight.js';
import { CancelError, ExternalError, UserError } from '../../src/errors.js';
import { commandsFor, runStep, fakeWorld, type Expectation, type PromptAnswer } from '../fakes.js';

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
    error: /^2 checks failed: gcloud CLI, gcloud login\.$/,
    fix: /^gcloud CLI: gcloud was not found\. Install the Google Cloud CLI \(https:\/\/cloud.google.com\/sdk\/docs\/install\)/,
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
    error: /^One check failed: gcloud login\.$/,
    fix: /^gcloud login: gcloud auth print-access-token failed\. Log in again: gcloud auth login$/,
  },
  {
    case: 'docker daemon not running',
    over: { docker: { call: 'docker.info', result: { clientVersion: '26.1.5', daemonProblem: 'not-running', daemonMessage: 'Cannot connect to the Docker daemon' } } },
    items: { [LABELS.docker]: 'fail' },
    error: /^One check failed: Docker CLI and daemon\.$/,
    fix: /^Docker CLI and daemon: the Docker daemon is not running \(Cannot connect to the Docker daemon\)\. Start it: sudo systemctl start docker \(Linux\), or open Docker Desktop/,
  },
  {
    case: 'docker socket permission denied → docker group hint',
    over: { docker: { call: 'docker.info', result: { clientVersion: '26.1.5', daemonProblem: 'permission-denied' } } },
    items: { [LABELS.docker]: 'fail' },
    error: /Docker CLI and daemon/,
    fix: /^Docker CLI and daemon: permission denied on the Docker socket\. .*usermod -aG docker/,
  },
  {
    case: 'DOCKER_HOST problem',
    over: { docker: { call: 'docker.info', result: { clientVersion: '26.1.5', daemonProblem: 'docker-host', daemonMessage: 'tcp://10.0.0.9:2375 timed out' } } },
    items: { [LABELS.docker]: 'fail' },
    error: /Docker CLI and daemon/,
    fix: /DOCKER_HOST points to a daemon that does not answer \(tcp:\/\/10.0.0.9:2375 timed out\)\. .*unset DOCKER_HOST/,
  },
  {
    case: 'docker CLI missing',
    over: { docker: { call: 'docker.info', result: { clientVersion: null } } },
    items: { [LABELS.docker]: 'fail' },
    error: /Docker CLI and daemon/,
    fix: /^Docker CLI and daemon: the docker command was not found\. Install Docker \(https:\/\/docs.docker.com\/get-started\/get-docker\/\)/,
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
    fix: /^docker-credential-gcloud on PATH: .*not found on PATH\. .*gcloud components install docker-credential-gcloud/,
  },
  { case: 'root warns', over: {}, isRoot: true, items: { [LABELS.root]: 'warn' }, warning: /Root's ~\/.docker/ },
  { case: 'not a git repo warns', over: { git: { call: 'git.isRepo', result: false } }, items: { [LABELS.git]: 'warn' }, warning: /only the latest tag/ },
  {
    case: 'a check that crashes becomes a failed item, not a crash',
    over: { git: { call: 'git.isRepo', throws: new ExternalError('git exploded.') } },
    items: { [LABELS.git]: 'fail' },
    error: /git repository/,
    fix: /^git repository \(for the sha tag\): git exploded\. Run the failing check by hand/,
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
      // One finding per line, each with its fix; no parentheses inside parentheses.
      expect(e.fix).toHaveLength(Object.values(c.items).filter((s) => s === 'fail').length);
      expect(e.message).not.toMatch(/\([^)]*\(/);
      expect(e.fix.join('\n')).not.toMatch(/\.\./);
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

  it.each<{ case: string; over: Record<string, Expectation>; state: object }>([
    { case: 'an active account is saved for doctor (it notices a switch later)', over: {}, state: { account: 'ana@example.com' } },
    { case: 'none when only a token is obtainable', over: { config: { call: 'gcloud.config', result: {} }, token: { call: 'gcloud.accessToken', result: 't' } }, state: {} },
  ])('$case', async ({ over, state }) => {
    const w = world(over);
    const out = await runStep(preflight, w.ctx(), w.env, new AbortController().signal);
    expect(out.state).toEqual(state);
    // The account is the item's detail, not an extra field of what is shown.
    expect(w.report.items.every((i) => !('account' in i))).toBe(true);
    w.assertDone();
  });

  it('check() always asks to re-run', async () => {
    const w = fakeWorld();
    expect(await preflight.check(w.ctx(), w.env)).toEqual({ done: false, why: expect.any(String) });
    expect(commandsFor(preflight, w.ctx())).toContain('docker info');
  });
});

// ---------- first-time gaps: closed in a terminal, stopped on without one ----------

const noLogin = () => new ExternalError('gcloud has no logged-in account to get an access token from', { exitCode: 1, reason: 'GCLOUD_NO_CREDENTIAL' }, ['Log in with: gcloud auth login']);
const loggedOut: Expectation[] = [
  { call: 'gcloud.config', result: {} },
  { call: 'gcloud.accessToken', throws: noLogin() },
];
const loggedIn: Expectation = { call: 'gcloud.config', result: { account: 'ana@example.com' } };
const dockerDown = (problem: 'not-running' | 'docker-host' | 'permission-denied' = 'not-running'): Expectation => ({
  call: 'docker.info',
  result: { clientVersion: '26.1.5', daemonProblem: problem, daemonMessage: 'Cannot connect to the Docker daemon' },
});
const dockerUp = good.docker;
const cancelled = () => {
  throw new CancelError('cancelled (Escape)');
};

type GapCase = {
  case: string;
  over: Record<string, Expectation | Expectation[] | null>;
  interactive: boolean;
  platform?: string;
  answers?: PromptAnswer[];
  /** The questions asked, in order (their messages). */
  asked: RegExp[];
  outcome: { summary: RegExp } | { error: typeof UserError | typeof CancelError; message?: RegExp; fix?: RegExp };
  items?: Record<string, 'ok' | 'warn' | 'fail'>;
};

const gapCases: GapCase[] = [
  {
    case: 'no login, in a terminal: offered, accepted, gcloud auth login runs, the re-check passes',
    over: { config: [...loggedOut, { call: 'gcloud.login' }, loggedIn] },
    interactive: true,
    answers: [{ confirm: /^Not logged in to gcloud\. Run gcloud auth login\?$/, answer: true }],
    asked: [/Run gcloud auth login\?$/],
    outcome: { summary: /^ready/ },
    items: { [LABELS.account]: 'ok' },
  },
  {
    case: 'no login, in a terminal, declined: the same error as without one',
    over: { config: loggedOut },
    interactive: true,
    answers: [{ confirm: /Run gcloud auth login\?$/, answer: false }],
    asked: [/Run gcloud auth login\?$/],
    outcome: { error: UserError, message: /^One check failed: gcloud login\.$/, fix: /^gcloud login: gcloud has no logged-in account\. Log in: gcloud auth login$/ },
    items: { [LABELS.account]: 'fail' },
  },
  {
    case: 'the login fails (the browser was closed): the re-check still fails, offered again, declined',
    over: { config: [...loggedOut, { call: 'gcloud.login', throws: new ExternalError('`gcloud auth login` failed (exit 1)', { exitCode: 1 }) }, ...loggedOut] },
    interactive: true,
    answers: [
      { confirm: /Run gcloud auth login\?$/, answer: true },
      { confirm: /^Still not logged in\. Run gcloud auth login again\?$/, answer: false },
    ],
    asked: [/Run gcloud auth login\?$/, /Still not logged in/],
    outcome: { error: UserError, fix: /gcloud auth login/ },
    items: { [LABELS.account]: 'fail' },
  },
  {
    case: 'Ctrl-C during the login stops the run',
    over: { config: [...loggedOut, { call: 'gcloud.login', throws: new CancelError('interrupted') }] },
    interactive: true,
    answers: [{ confirm: /Run gcloud auth login\?$/, answer: true }],
    asked: [/Run gcloud auth login\?$/],
    outcome: { error: CancelError },
  },
  {
    case: 'no login with --yes or no terminal: no question, exit with the fix',
    over: { config: loggedOut },
    interactive: false,
    asked: [],
    outcome: { error: UserError, fix: /^gcloud login: gcloud has no logged-in account\. Log in: gcloud auth login$/ },
  },
  {
    case: 'Docker stopped, in a terminal: "start it, then press Enter" until it answers',
    over: { docker: [dockerDown(), dockerDown(), dockerUp] },
    interactive: true,
    platform: 'linux',
    answers: [
      { input: /^Docker is not running: start it, then press Enter$/, answer: '' },
      { input: /^Docker still does not answer: start it, then press Enter$/, answer: '' },
    ],
    asked: [/Docker is not running/, /Docker still does not answer/],
    outcome: { summary: /^ready/ },
    items: { [LABELS.docker]: 'ok' },
  },
  {
    case: 'DOCKER_HOST names a daemon that is not up yet: the same offer',
    over: { docker: [dockerDown('docker-host'), dockerUp] },
    interactive: true,
    answers: [{ input: /^Docker does not answer: start it, then press Enter$/, answer: '' }],
    asked: [/Docker does not answer/],
    outcome: { summary: /^ready/ },
  },
  {
    case: 'Docker stopped, and the user presses Escape at the question: stopped',
    over: { docker: dockerDown() },
    interactive: true,
    answers: [{ input: /start it, then press Enter/, answer: cancelled }],
    asked: [/Docker is not running/],
    outcome: { error: CancelError },
  },
  {
    case: 'Docker stopped with --yes or no terminal: no question; the fix for this system',
    over: { docker: dockerDown() },
    interactive: false,
    platform: 'darwin',
    asked: [],
    outcome: { error: UserError, fix: /^Docker CLI and daemon: the Docker daemon is not running \(Cannot connect to the Docker daemon\)\. Start it: open Docker Desktop$/ },
  },
  {
    case: 'both gaps: the login first, then Docker',
    over: { config: [...loggedOut, { call: 'gcloud.login' }, loggedIn], docker: [dockerDown(), dockerUp] },
    interactive: true,
    answers: [
      { confirm: /Run gcloud auth login\?$/, answer: true },
      { input: /Docker is not running/, answer: '' },
    ],
    asked: [/Run gcloud auth login\?$/, /Docker is not running/],
    outcome: { summary: /^ready/ },
    items: { [LABELS.account]: 'ok', [LABELS.docker]: 'ok' },
  },
  {
    case: 'a gap next to a failure no terminal can fix (no credential helper): no question, every fix at once',
    over: { config: loggedOut, helper: { call: 'docker.findHelper', args: ['gcloud'], result: null } },
    interactive: true,
    asked: [],
    outcome: { error: UserError, message: /^2 checks failed: gcloud login, docker-credential-gcloud on PATH\.$/ },
  },
  {
    case: 'permission denied on the socket is not offered (it needs a new login session)',
    over: { docker: dockerDown('permission-denied') },
    interactive: true,
    asked: [],
    outcome: { error: UserError, fix: /usermod -aG docker/ },
  },
  {
    case: 'gcloud missing on Linux: its install page, no question',
    over: { version: { call: 'gcloud.version', result: null }, config: null },
    interactive: true,
    platform: 'linux',
    asked: [],
    outcome: { error: UserError, fix: /^gcloud CLI: gcloud was not found\. Install the Google Cloud CLI for Linux \(https:\/\/cloud\.google\.com\/sdk\/docs\/install\)/ },
  },
  {
    case: 'Docker missing on macOS: Docker Desktop for Mac',
    over: { docker: { call: 'docker.info', result: { clientVersion: null } } },
    interactive: true,
    platform: 'darwin',
    asked: [],
    outcome: { error: UserError, fix: /Install Docker Desktop for macOS \(https:\/\/docs\.docker\.com\/desktop\/setup\/install\/mac-install\/\)/ },
  },
  {
    case: 'Docker missing on Windows: Docker Desktop for Windows',
    over: { docker: { call: 'docker.info', result: { clientVersion: null } } },
    interactive: false,
    platform: 'win32',
    asked: [],
    outcome: { error: UserError, fix: /Install Docker Desktop for Windows \(https:\/\/docs\.docker\.com\/desktop\/setup\/install\/windows-install\/\)/ },
  },
  {
    case: 'Docker missing on Linux: Docker Engine',
    over: { docker: { call: 'docker.info', result: { clientVersion: null } } },
    interactive: false,
    platform: 'linux',
    asked: [],
    outcome: { error: UserError, fix: /Install Docker Engine for Linux \(https:\/\/docs\.docker\.com\/engine\/install\/\)/ },
  },
];

describe('preflight: first-time gaps', () => {
  it.each(gapCases)('$case', async (c) => {
    const calls: Expectation[] = [];
    for (const v of Object.values({ ...good, ...c.over })) if (v) calls.push(...(Array.isArray(v) ? v : [v]));
    const w = fakeWorld({ calls, ordered: false, interactive: c.interactive, answers: c.answers ?? [], platform: c.platform });
    const p = runStep(preflight, w.ctx(), w.env, new AbortController().signal);
    if ('summary' in c.outcome) {
      expect((await p).summary).toMatch(c.outcome.summary);
    } else {
      const e = await p.then(() => null, (e) => e);
      expect(e).toBeInstanceOf(c.outcome.error);
      if (c.outcome.message) expect(e.message).toMatch(c.outcome.message);
      if (c.outcome.fix) expect(e.fix.join('\n')).toMatch(c.outcome.fix);
    }
    expect(w.prompter.asked.map((q) => q.message)).toHaveLength(c.asked.length);
    c.asked.forEach((re, i) => expect(w.prompter.asked[i]!.message).toMatch(re));
    const final = w.report.finalItems();
    for (const [label, status] of Object.entries(c.items ?? {})) expect(final.get(label)?.status, label).toBe(status);
    w.assertDone();
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
