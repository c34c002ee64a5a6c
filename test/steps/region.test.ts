import { describe, expect, it } from 'vitest';
import { region } from '../../src/steps/region.js';
import { BugError, ExternalError, UserError } from '../../src/errors.js';
import { commandsFor, runStep, fakeWorld, type Expectation, type PromptAnswer } from '../fakes.js';
import type { Flags } from '../../src/steps/types.js';
import type { WizardState } from '../../src/ports.js';

const P = 'mycoolproject-prod';
const LOCS = ['us-central1', 'southamerica-east1', 'europe-west3', 'us-west1', 'us'];
const base: Partial<WizardState> = { project: P, locations: LOCS };
const cfg = (c: object = {}): Expectation => ({ call: 'gcloud.config', result: c });

type Case = {
  case: string;
  flags?: Partial<Flags>;
  state?: Partial<WizardState>;
  calls: Expectation[];
  answers?: PromptAnswer[];
  want?: string;
  error?: { cls: Function; message: RegExp; flag?: string; fix?: RegExp };
};

const cases: Case[] = [
  { case: '--region in the list', flags: { region: 'us-central1' }, calls: [], want: 'us-central1' },
  { case: 'zone given → says which region', flags: { region: 'us-west1-c' }, calls: [], error: { cls: UserError, message: /us-west1-c is a zone.*the region is us-west1/, flag: '--region', fix: /--region us-west1/ } },
  { case: 'typo → closest suggestion', flags: { region: 'eu-west3' }, calls: [], error: { cls: UserError, message: /no location "eu-west3".*Did you mean europe-west3\?/, flag: '--region' } },
  { case: 'garbage → rule and list', flags: { region: 'Mars Base!' }, calls: [], error: { cls: UserError, message: /not a location name/, flag: '--region', fix: /Pick one of: /} },
  { case: 'default from artifacts/location', calls: [cfg({ artifactsLocation: 'europe-west3', runRegion: 'us-west1' })], want: 'europe-west3' },
  { case: 'default from run/region', calls: [cfg({ runRegion: 'us-west1' })], want: 'us-west1' },
  { case: 'artifacts/location not offered → next default', calls: [cfg({ artifactsLocation: 'moon-south1', runRegion: 'us-west1' })], want: 'us-west1' },
  { case: "default: the guide's southamerica-east1", calls: [cfg()], want: 'southamerica-east1' },
  { case: 'saved answer wins, not asked again, no gcloud config read (resume)', state: { ...base, location: 'us' }, calls: [], want: 'us' },
  {
    case: 'no default at all, non-interactive → names --region',
    state: { project: P, locations: ['us-east4'] },
    calls: [cfg()],
    error: { cls: UserError, message: /region is needed/, flag: '--region' },
  },
  {
    case: 'locations not saved → listed from the API',
    state: { project: P },
    calls: [{ call: 'api.listLocations', args: [P], result: ['asia-east1'] }],
    flags: { region: 'asia-east1' },
    want: 'asia-east1',
  },
  {
    case: 'listing refused → the permission story, with the account',
    state: { project: P },
    calls: [
      { call: 'api.listLocations', args: [P], throws: new ExternalError('permission denied on project mycoolproject-prod', { code: 7, reason: 'PERMISSION_DENIED' }) },
      cfg({ account: 'ana@example.com' }),
    ],
    error: { cls: UserError, message: /^ana@example.com may not list Artifact Registry locations in project mycoolproject-prod/, fix: /--member=user:ana@example.com --role=roles\/artifactregistry.admin/ },
  },
  {
    case: 'interactive: default first, user picks another',
    calls: [cfg({ runRegion: 'us-west1' })],
    answers: [{
      select: /Region for the repository/,
      answer: (q: { choices: { value: unknown; name: string }[]; default?: unknown }) => {
        expect(q.choices[0].value).toBe('us-west1');
        expect(q.choices[0].name).toMatch(/run\/region/);
        expect(q.default).toBe('us-west1');
        expect(q.choices).toHaveLength(LOCS.length);
        return 'europe-west3';
      },
    }],
    want: 'europe-west3',
  },
  { case: 'no project in state is a bug', state: {}, calls: [], error: { cls: BugError, message: /project is not known/ } },
];

describe('region step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls, answers: c.answers, interactive: !!c.answers });
    const p = runStep(region, w.ctx(c.flags, c.state ?? base), w.env, new AbortController().signal);
    if (c.error) {
      const e = await p.then(() => null, (e) => e);
      expect(e).toBeInstanceOf(c.error.cls);
      expect(e.message).toMatch(c.error.message);
      if (c.error.flag) expect(e.flag).toBe(c.error.flag);
      if (c.error.fix) expect(e.fix.join('\n')).toMatch(c.error.fix);
    } else {
      const out = await p;
      expect(out.state.location).toBe(c.want);
      expect(out.summary).toBe(`region ${c.want}`);
    }
    w.assertDone();
  });

  it.each([
    { case: 'saved region still offered', state: { ...base, location: 'us' }, done: true },
    { case: 'saved region gone', state: { ...base, location: 'asia-east9' }, done: false },
    { case: 'no region saved', state: base, done: false },
    { case: '--region differs', state: { ...base, location: 'us' }, flags: { region: 'us-west1' }, done: false },
  ] as { case: string; state: Partial<WizardState>; flags?: Partial<Flags>; done: boolean }[])('check: $case', async (c) => {
    const w = fakeWorld();
    expect((await region.check(w.ctx(c.flags, c.state), w.env)).done).toBe(c.done);
    w.assertDone();
  });

  it('explains same-region traffic is free', () => {
    expect(region.explain).toMatch(/same region/);
    expect(region.explain).toMatch(/costs nothing|free/);
  });
});
