import { describe, expect, it } from 'vitest';
import { repository } from '../../src/steps/repository.js';
import { ExternalError, UserError } from '../../src/errors.js';
import { commandsFor, runStep, fakeWorld, any, type Expectation, type PromptAnswer } from '../fakes.js';
import type { Flags } from '../../src/steps/types.js';
import type { Repository, WizardState } from '../../src/ports.js';

const P = 'mycoolproject-prod';
const L = 'southamerica-east1';
const base: Partial<WizardState> = { project: P, location: L };
const NAME = (r: string) => `projects/${P}/locations/${L}/repositories/${r}`;
const repo = (r: string, over: Partial<Repository> = {}): Repository => ({ name: NAME(r), format: 'DOCKER', mode: 'STANDARD_REPOSITORY', ...over });
const get = (r: string, result: Repository | null): Expectation => ({ call: 'api.getRepository', args: [NAME(r)], result });
const create = (r: string, result: Repository | Error = repo(r)): Expectation => ({
  call: 'api.createRepository',
  args: [{ project: P, location: L, repositoryId: r, description: any as string }],
  ...(result instanceof Error ? { throws: result } : { result }),
});
const CREATE_CMD = 'gcloud artifacts repositories create mycoolproject-repo --repository-format=docker --location=southamerica-east1 --project=mycoolproject-prod';

type Case = {
  case: string;
  flags?: Partial<Flags>;
  state?: Partial<WizardState>;
  calls: Expectation[];
  answers?: PromptAnswer[];
  want?: Partial<WizardState> & { summary?: RegExp; commands?: string[] };
  error?: { cls: Function; message: RegExp; flag?: string; fix?: RegExp };
  warnings?: RegExp;
  notes?: RegExp;
};

const cases: Case[] = [
  {
    case: 'derived default, not found → created',
    calls: [get('mycoolproject-repo', null), create('mycoolproject-repo')],
    want: { repository: 'mycoolproject-repo', repositoryName: NAME('mycoolproject-repo'), registryHost: 'southamerica-east1-docker.pkg.dev', createdRepository: true, immutableTags: false, summary: /^mycoolproject-repo created in southamerica-east1$/, commands: [CREATE_CMD] },
  },
  {
    case: 'existing DOCKER repo is reused (nothing created)',
    calls: [get('mycoolproject-repo', repo('mycoolproject-repo', { immutableTags: true }))],
    want: { repository: 'mycoolproject-repo', createdRepository: false, immutableTags: true, summary: /^mycoolproject-repo in southamerica-east1 \(already there: reused\)$/ },
  },
  {
    case: '--repository flag used as is',
    flags: { repository: 'images' },
    calls: [get('images', null), create('images')],
    want: { repository: 'images', createdRepository: true },
  },
  { case: 'invalid --repository rejected before any call', flags: { repository: 'My_Repo' }, calls: [], error: { cls: UserError, message: /--repository "My_Repo".*lowercase/, flag: '--repository' } },
  {
    case: 'other format, non-interactive → error naming --repository',
    calls: [get('mycoolproject-repo', repo('mycoolproject-repo', { format: 'MAVEN' }))],
    error: { cls: UserError, message: /already exists .* MAVEN repository/, fix: /--repository mycoolproject-repo-docker/ },
  },
  {
    case: 'remote-mode Docker repo is not reused',
    calls: [get('mycoolproject-repo', repo('mycoolproject-repo', { mode: 'REMOTE_REPOSITORY' }))],
    error: { cls: UserError, message: /REMOTE_REPOSITORY/ },
  },
  {
    case: 'other format, interactive → explains and asks another name',
    calls: [get('mycoolproject-repo', repo('mycoolproject-repo', { format: 'NPM' })), get('web-images', null), create('web-images')],
    answers: [
      { input: /Repository ID/, answer: '' },
      { input: /taken by a NPM repository/, answer: ['Web_Images', 'web-images'] },
    ],
    want: { repository: 'web-images', createdRepository: true },
    warnings: /NPM repository, not a Docker one/,
  },
  {
    case: 'ALREADY_EXISTS race on create → looked up again and reused',
    calls: [
      get('mycoolproject-repo', null),
      create('mycoolproject-repo', new ExternalError('already exists', { code: 6, reason: 'ALREADY_EXISTS' })),
      get('mycoolproject-repo', repo('mycoolproject-repo')),
    ],
    want: { repository: 'mycoolproject-repo', createdRepository: true },
  },
  {
    case: 'ALREADY_EXISTS while an interrupted run\'s create is still finishing → waits until it shows, then reuses it',
    calls: [
      get('mycoolproject-repo', null),
      create('mycoolproject-repo', new ExternalError('already exists', { code: 6, reason: 'ALREADY_EXISTS' })),
      get('mycoolproject-repo', null),
      get('mycoolproject-repo', null),
      get('mycoolproject-repo', repo('mycoolproject-repo')),
    ],
    want: { repository: 'mycoolproject-repo', createdRepository: true },
    notes: /still being created .*attempt 3 of 12/,
  },
  {
    case: 'ALREADY_EXISTS and it never shows → the API\'s error, after a bounded wait',
    calls: [
      get('mycoolproject-repo', null),
      create('mycoolproject-repo', new ExternalError('already exists', { code: 6, reason: 'ALREADY_EXISTS' })),
      ...Array.from({ length: 12 }, () => get('mycoolproject-repo', null)),
    ],
    error: { cls: ExternalError, message: /^create repository mycoolproject-repo: already exists/ },
  },
  {
    case: 'ALREADY_EXISTS, then looking again is refused → that explained, not the create error',
    calls: [
      get('mycoolproject-repo', null),
      create('mycoolproject-repo', new ExternalError('already exists', { code: 6, reason: 'ALREADY_EXISTS' })),
      { call: 'api.getRepository', throws: new ExternalError('refused the access token', { code: 16, reason: 'UNAUTHENTICATED' }) },
    ],
    error: { cls: UserError, message: /^create repository mycoolproject-repo: Google did not accept your gcloud login/, fix: /gcloud auth login/ },
  },
  {
    case: 'create denied → names roles/artifactregistry.admin',
    calls: [
      get('mycoolproject-repo', null),
      create('mycoolproject-repo', new ExternalError("Permission 'artifactregistry.repositories.create' denied", { code: 7, reason: 'PERMISSION_DENIED', metadata: { permission: 'artifactregistry.repositories.create' } })),
      { call: 'gcloud.config', result: { account: 'ana@example.com' } },
    ],
    error: { cls: UserError, message: /^create repository mycoolproject-repo: .*roles\/artifactregistry.admin/, fix: /add-iam-policy-binding mycoolproject-prod --member=user:ana@example.com --role=roles\/artifactregistry.admin/ },
  },
  {
    case: 'host comes from the location the API reports',
    flags: { repository: 'images' },
    calls: [get('images', null), create('images', { name: `projects/${P}/locations/us/repositories/images`, format: 'DOCKER' })],
    want: { registryHost: 'us-docker.pkg.dev' },
  },
  {
    case: 'lookup failure keeps context',
    calls: [{ call: 'api.getRepository', throws: new ExternalError('unavailable', { code: 14, reason: 'UNAVAILABLE' }) }],
    error: { cls: ExternalError, message: /^look up repository mycoolproject-repo: unavailable/ },
  },
];

describe('repository step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls, answers: c.answers, interactive: !!c.answers });
    const p = runStep(repository, w.ctx(c.flags, c.state ?? base), w.env, new AbortController().signal);
    if (c.error) {
      const e = await p.then(() => null, (e) => e);
      expect(e).toBeInstanceOf(c.error.cls);
      expect(e.fullMessage).toMatch(c.error.message);
      if (c.error.flag) expect(e.flag).toBe(c.error.flag);
      if (c.error.fix) expect(e.fix.join('\n')).toMatch(c.error.fix);
    } else {
      const out = await p;
      const { summary, commands, ...state } = c.want!;
      expect(out.state).toMatchObject(state);
      if (summary) expect(out.summary).toMatch(summary);
      if (commands) expect(out.commands).toEqual(commands);
    }
    if (c.warnings) expect(w.report.warnings.join('\n')).toMatch(c.warnings);
    if (c.notes) expect(JSON.stringify(w.report)).toMatch(c.notes);
    w.assertDone();
  });

  it.each([
    { case: 'still there and DOCKER', result: repo('r1'), done: true },
    { case: 'deleted since', result: null, done: false },
    { case: 'now another format', result: repo('r1', { format: 'PYTHON' }), done: false },
  ])('check: $case', async (c) => {
    const w = fakeWorld({ calls: [get('r1', c.result)] });
    expect((await repository.check(w.ctx({}, { ...base, repositoryName: NAME('r1') }), w.env)).done).toBe(c.done);
    w.assertDone();
  });

  it.each([
    { case: 'created earlier', created: true, want: [CREATE_CMD] },
    { case: 'reused earlier', created: false, want: [expect.stringMatching(/already existed/), expect.stringMatching(/^gcloud artifacts repositories describe mycoolproject-repo/)] },
  ])('plan after a run: $case', ({ created, want }) => {
    const w = fakeWorld();
    expect(commandsFor(repository, w.ctx({}, { ...base, repositoryName: NAME('mycoolproject-repo'), createdRepository: created }))).toEqual(want);
  });

  it('a check that errors means "run it again"', async () => {
    const w = fakeWorld({ calls: [{ call: 'api.getRepository', throws: new ExternalError('denied', { code: 7, reason: 'PERMISSION_DENIED' }) }] });
    expect((await repository.check(w.ctx({}, { ...base, repositoryName: NAME('r1') }), w.env)).done).toBe(false);
    w.assertDone();
  });

  it('plan derives the default name', () => {
    const w = fakeWorld();
    expect(commandsFor(repository, w.ctx({}, base))).toContain(CREATE_CMD);
  });
});
