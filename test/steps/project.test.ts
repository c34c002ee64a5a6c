import { describe, expect, it } from 'vitest';
import { project, ENABLE_WAIT } from '../../src/steps/project.js';
import { ExternalError, UserError, type FailureReason } from '../../src/errors.js';
import { createEarly } from '../../src/run/early.js';
import { commandsFor, runStep, fakeWorld, any, type Expectation, type PromptAnswer } from '../fakes.js';
import type { Flags } from '../../src/steps/types.js';
import type { WizardState } from '../../src/ports.js';

const LOCS = ['southamerica-east1', 'us-central1', 'europe-west3'];
const P = 'mycoolproject-prod';
const apiErr = (reason: FailureReason | undefined, code: number, message = `${reason ?? 'error'} from the API`, metadata: Record<string, string> = {}) =>
  new ExternalError(message, { code, reason, metadata });
const disabled = () => apiErr('SERVICE_DISABLED', 7, 'Artifact Registry API has not been used in project x before or it is disabled.');
const cfg = (c: object = { account: 'ana@example.com', project: P }): Expectation => ({ call: 'gcloud.config', result: c });
const locs = (p = P): Expectation => ({ call: 'api.listLocations', args: [p], result: LOCS });

type Case = {
  case: string;
  flags?: Partial<Flags>;
  state?: Partial<WizardState>;
  interactive?: boolean;
  calls: Expectation[];
  answers?: PromptAnswer[];
  want?: { project: string; summary?: RegExp; commands?: string[] };
  error?: { cls: Function; message: RegExp; fix?: RegExp; flag?: string };
  activities?: RegExp;
  warnings?: RegExp;
  noWarnings?: boolean;
};

const cases: Case[] = [
  { case: 'valid --project, API usable', flags: { project: P }, calls: [locs()], want: { project: P, summary: /^mycoolproject-prod$/, commands: [] } },
  { case: 'domain-scoped --project', flags: { project: 'example.com:shop-app' }, calls: [locs('example.com:shop-app')], want: { project: 'example.com:shop-app' } },
  { case: 'invalid --project is rejected before any call', flags: { project: 'My_Project' }, calls: [], error: { cls: UserError, message: /--project .*6 to 30 characters/, flag: '--project' } },
  { case: 'non-interactive uses gcloud default', calls: [cfg(), locs()], want: { project: P } },
  { case: 'saved state wins over gcloud default (resume)', state: { project: 'other-proj1' }, calls: [locs('other-proj1')], want: { project: 'other-proj1' } },
  {
    case: 'non-interactive with no default names --project, with chapter 01\'s commands',
    calls: [cfg({})],
    error: {
      cls: UserError,
      message: /Google Cloud project is needed/,
      flag: '--project',
      fix: /gcloud config set project PROJECT_ID\nNo project yet\? .*gcloud projects create PROJECT_ID, .*gcloud billing projects link PROJECT_ID --billing-account=BILLING_ACCOUNT_ID/,
    },
  },
  {
    case: 'invalid gcloud default is ignored with a warning',
    calls: [cfg({ project: 'BAD' })],
    error: { cls: UserError, message: /project is needed/, flag: '--project' },
    warnings: /not a valid project ID/,
  },
  {
    case: 'interactive: confirm gcloud default',
    interactive: true,
    calls: [cfg(), locs()],
    answers: [{ select: /Project for the repository/, answer: P }],
    want: { project: P },
  },
  {
    case: 'interactive: pick another from hundreds with search',
    interactive: true,
    calls: [
      cfg(),
      { call: 'gcloud.listProjects', result: Array.from({ length: 300 }, (_, i) => ({ projectId: `proj-${String(i).padStart(3, '0')}`, name: `Project ${i}` })) },
      locs('proj-123'),
    ],
    answers: [
      { select: /Project for the repository/, answer: '\u0000pick-another' },
      { search: /Pick a project/, answer: (q: { choices: { value: unknown }[] }) => { expect(q.choices).toHaveLength(301); return 'proj-123'; } },
    ],
    want: { project: 'proj-123' },
  },
  {
    case: 'interactive: no default, type an ID (bad one re-asked); said so, with the command that sets one',
    interactive: true,
    calls: [cfg({}), { call: 'gcloud.listProjects', result: [{ projectId: 'alpha-one' }] }, locs('typed-proj')],
    answers: [
      { search: /^No default project: pick one \(type to filter\)$/, answer: '\u0000type-an-id' },
      { input: /^Project ID$/, answer: ['Bad', 'typed-proj'] },
    ],
    want: { project: 'typed-proj' },
    warnings: /^gcloud has no default project, .*: gcloud config set project typed-proj$/,
  },
  {
    case: 'interactive: no project at all: said so, with chapter 01\'s commands, then the ID',
    interactive: true,
    calls: [cfg({}), { call: 'gcloud.listProjects', result: [] }, locs('brand-new-proj')],
    answers: [
      {
        input: /^No Google Cloud project yet\. Chapter 01 makes one:\n  gcloud projects create PROJECT_ID\n  gcloud config set project PROJECT_ID\n  gcloud billing projects link PROJECT_ID --billing-account=BILLING_ACCOUNT_ID\n.*type the project ID$/,
        answer: 'brand-new-proj',
      },
    ],
    want: { project: 'brand-new-proj' },
    warnings: /gcloud config set project brand-new-proj/,
  },
  {
    case: 'interactive: a default, "Another project…", and no list: plain ID question, no warning',
    interactive: true,
    calls: [cfg(), { call: 'gcloud.listProjects', result: [] }, locs('other-proj1')],
    answers: [
      { select: /Project for the repository/, answer: '\u0000pick-another' },
      { input: /^Project ID$/, answer: 'other-proj1' },
    ],
    want: { project: 'other-proj1' },
    noWarnings: true,
  },
  {
    case: 'interactive: listing projects fails → warn and type',
    interactive: true,
    calls: [cfg({}), { call: 'gcloud.listProjects', throws: new ExternalError('gcloud projects list failed') }, locs('typed-proj')],
    answers: [{ input: /Project ID/, answer: 'typed-proj' }],
    want: { project: 'typed-proj' },
    warnings: /Could not list your projects/,
  },
  {
    case: 'SERVICE_DISABLED with --yes: enable without asking, then wait until it works',
    flags: { project: P, yes: true },
    calls: [
      { call: 'api.listLocations', args: [P], throws: disabled() },
      { call: 'gcloud.enableService', args: [P, 'artifactregistry.googleapis.com'], result: undefined },
      { call: 'api.listLocations', args: [P], throws: disabled() },
      { call: 'api.listLocations', args: [P], throws: disabled() },
      locs(),
    ],
    want: { project: P, summary: /enabled just now/, commands: ['gcloud services enable artifactregistry.googleapis.com --project=mycoolproject-prod'] },
    activities: /waiting for the API to be enabled \(attempt 3\)/,
  },
  {
    case: 'SERVICE_DISABLED interactive: user agrees',
    flags: { project: P },
    interactive: true,
    calls: [
      { call: 'api.listLocations', throws: disabled() },
      { call: 'gcloud.enableService', args: [P, 'artifactregistry.googleapis.com'] },
      locs(),
    ],
    answers: [{ confirm: /Enable the Artifact Registry API/, answer: true }],
    want: { project: P },
  },
  {
    case: 'SERVICE_DISABLED interactive: user declines',
    flags: { project: P },
    interactive: true,
    calls: [{ call: 'api.listLocations', throws: disabled() }],
    answers: [{ confirm: /Enable the Artifact Registry API/, answer: false }],
    error: { cls: UserError, message: /not enabled in project mycoolproject-prod/, fix: /gcloud services enable artifactregistry.googleapis.com --project=mycoolproject-prod/ },
  },
  {
    case: 'SERVICE_DISABLED without a terminal and without --yes',
    flags: { project: P },
    calls: [{ call: 'api.listLocations', throws: disabled() }],
    error: { cls: UserError, message: /not enabled/, fix: /--yes/ },
  },
  {
    case: 'SERVICE_DISABLED that never propagates gives up after about 2 minutes',
    flags: { project: P, yes: true },
    calls: [
      { call: 'api.listLocations', throws: disabled() },
      { call: 'gcloud.enableService', args: [P, any] },
      { call: 'api.listLocations', throws: disabled(), times: Infinity },
    ],
    error: { cls: UserError, message: /enabled .* but is not active yet/, fix: /run registry-setup again/ },
  },
  {
    case: 'billing disabled → console link',
    flags: { project: P },
    calls: [{ call: 'api.listLocations', throws: apiErr('BILLING_DISABLED', 7, 'This API method requires billing to be enabled.') }],
    error: { cls: UserError, message: /Billing is not enabled for project mycoolproject-prod/, fix: /https:\/\/console.cloud.google.com\/billing\/linkedaccount\?project=mycoolproject-prod/ },
  },
  {
    case: 'enabling fails on billing',
    flags: { project: P, yes: true },
    calls: [
      { call: 'api.listLocations', throws: disabled() },
      { call: 'gcloud.enableService', throws: new ExternalError('gcloud services enable failed', { exitCode: 1, stderrTail: 'FAILED_PRECONDITION: Billing account for project is not found. Billing must be enabled for activation of service', reason: 'BILLING_DISABLED' }) },
    ],
    error: { cls: UserError, message: /Billing is not enabled/, fix: /billing\/linkedaccount/ },
  },
  {
    case: 'enabling is not allowed → names the Service Usage role and the grant command',
    flags: { project: P, yes: true },
    calls: [
      { call: 'api.listLocations', throws: disabled() },
      { call: 'gcloud.enableService', throws: new ExternalError('gcloud services enable failed', { exitCode: 1, stderrTail: 'PERMISSION_DENIED: Permission denied to enable service', reason: 'PERMISSION_DENIED' }) },
      cfg(),
    ],
    error: { cls: UserError, message: /ana@example.com may not enable APIs in project mycoolproject-prod/, fix: /--member=user:ana@example.com --role=roles\/serviceusage.serviceUsageAdmin/ },
  },
  {
    case: 'enabling fails otherwise → gcloud\'s error as it is',
    flags: { project: P, yes: true },
    calls: [
      { call: 'api.listLocations', throws: disabled() },
      { call: 'gcloud.enableService', throws: new ExternalError('`gcloud services enable` failed (exit 1): INTERNAL', { exitCode: 1 }) },
    ],
    error: { cls: ExternalError, message: /^enable the Artifact Registry API in mycoolproject-prod: `gcloud services enable` failed/ },
  },
  {
    case: 'IAM permission denied names the role and the grant command',
    flags: { project: P },
    calls: [
      { call: 'api.listLocations', throws: apiErr('PERMISSION_DENIED', 7, "Permission 'artifactregistry.locations.list' denied", { permission: 'artifactregistry.locations.list' }) },
      cfg(),
    ],
    error: {
      cls: UserError,
      message: /ana@example.com may not use Artifact Registry .*artifactregistry.locations.list.*roles\/artifactregistry.admin/,
      fix: /gcloud projects add-iam-policy-binding mycoolproject-prod --member=user:ana@example.com --role=roles\/artifactregistry.admin/,
    },
  },
  {
    case: 'unauthenticated → gcloud auth login',
    flags: { project: P },
    calls: [{ call: 'api.listLocations', throws: apiErr('UNAUTHENTICATED', 16, 'Request had invalid authentication credentials.') }],
    error: { cls: UserError, message: /did not accept your gcloud login/, fix: /gcloud auth login/ },
  },
  {
    case: 'other API errors pass through with context',
    flags: { project: P },
    calls: [{ call: 'api.listLocations', throws: apiErr('UNAVAILABLE', 14, 'unavailable after 5 attempts') }],
    error: { cls: ExternalError, message: /unavailable/ },
  },
];

describe('project step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls, answers: c.answers, interactive: c.interactive ?? false });
    const p = runStep(project, w.ctx(c.flags, c.state ?? {}), w.env, new AbortController().signal);
    if (c.error) {
      const e = await p.then(() => null, (e) => e);
      expect(e, 'should fail').toBeInstanceOf(c.error.cls);
      expect(e.fullMessage ?? e.message).toMatch(c.error.message);
      if (c.error.fix) expect(e.fix.join('\n')).toMatch(c.error.fix);
      if (c.error.flag) expect(e.flag).toBe(c.error.flag);
    } else {
      const out = await p;
      expect(out.state).toMatchObject({ project: c.want!.project, locations: LOCS });
      expect(out.state.apiEnabledHere === true).toBe(/enabled just now/.test(out.summary));
      if (c.want!.summary) expect(out.summary).toMatch(c.want!.summary);
      if (c.want!.commands) expect(out.commands).toEqual(c.want!.commands);
    }
    if (c.activities) expect(w.report.activities.join('\n')).toMatch(c.activities);
    if (c.warnings) expect(w.report.warnings.join('\n')).toMatch(c.warnings);
    if (c.noWarnings) expect(w.report.warnings).toEqual([]);
    w.assertDone();
  });

  it('waits with backoff on the clock, within about two minutes', async () => {
    const w = fakeWorld({
      calls: [
        { call: 'api.listLocations', throws: disabled() },
        { call: 'gcloud.enableService' },
        { call: 'api.listLocations', throws: disabled(), times: Infinity },
      ],
    });
    await expect(runStep(project, w.ctx({ project: P, yes: true }), w.env, new AbortController().signal)).rejects.toThrow(UserError);
    const total = w.clock.sleeps.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(ENABLE_WAIT.maxElapsedMs);
    expect(total).toBeGreaterThan(60_000);
    expect(w.report.notes.some((n) => n.type === 'retry')).toBe(true);
  });

  it.each([
    { case: 'saved project still answers', state: { project: P }, calls: [locs()], want: { done: true } },
    { case: 'API stopped answering', state: { project: P }, calls: [{ call: 'api.listLocations', throws: disabled() }], want: { done: false } },
    { case: 'nothing saved', state: {}, calls: [], want: { done: false } },
    { case: '--project differs from saved', state: { project: P }, flags: { project: 'another-one' }, calls: [], want: { done: false } },
  ] as { case: string; state: Partial<WizardState>; flags?: Partial<Flags>; calls: Expectation[]; want: { done: boolean } }[])('check: $case', async (c) => {
    const w = fakeWorld({ calls: c.calls });
    const r = await project.check(w.ctx(c.flags, c.state), w.env);
    expect(r.done).toBe(c.want.done);
    w.assertDone();
  });

  it('plan shows the commands', () => {
    const w = fakeWorld();
    expect(commandsFor(project, w.ctx({ project: P }))).toContain('gcloud artifacts locations list --project=mycoolproject-prod');
  });
});

describe('project early work (started with the run)', () => {
  it.each([
    { case: 'a newcomer in a terminal: the project list for the question', flags: {}, st: {}, interactive: true, calls: [{ call: 'gcloud.listProjects', result: [] }] },
    { case: '--project given: nothing', flags: { project: P }, st: {}, interactive: true, calls: [] },
    { case: 'no terminal: nothing to pick from', flags: {}, st: {}, interactive: false, calls: [] },
    { case: 'a saved project: nothing to ask', flags: {}, st: { project: P }, interactive: true, calls: [] },
  ])('$case', async ({ flags, st, interactive, calls }) => {
    const w = fakeWorld({ calls: calls as Expectation[], interactive });
    const early = createEarly();
    project.early!({ ...w.ctx(flags, st), early }, w.env);
    project.early!({ ...w.ctx(flags, st), early }, w.env); // offered again before the next step: started once
    await new Promise((r) => setImmediate(r));
    w.assertDone();
  });
});
