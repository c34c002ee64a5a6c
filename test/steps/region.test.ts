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
  timeZone?: string;
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
  { case: "--yes ignores the time zone: the guide's region", timeZone: 'Europe/Berlin', calls: [cfg()], want: 'southamerica-east1' },
  { case: '--yes ignores the time zone: run/region', timeZone: 'Europe/Berlin', calls: [cfg({ runRegion: 'us-west1' })], want: 'us-west1' },
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
      search: /^Region/,
      answer: (q: { choices: { value: unknown; name: string; description?: string }[]; default?: unknown }) => {
        expect(q.choices[0].value).toBe('us-west1');
        expect(q.choices[0].description).toMatch(/run\/region/);
        expect(q.default).toBe('us-west1');
        expect(q.choices).toHaveLength(LOCS.length);
        return 'europe-west3';
      },
    }],
    want: 'europe-west3',
  },
  {
    case: 'API still off: typed in, the time zone not used (the locations are not known)',
    timeZone: 'Europe/Berlin',
    state: { project: P, enableApi: true },
    calls: [cfg(), { call: 'api.listLocations', args: [P], result: LOCS }],
    answers: [{
      input: /^Region/,
      answer: (q: { default?: string }) => {
        expect(q.default).toBe('southamerica-east1');
        return '';
      },
    }],
    want: 'southamerica-east1',
  },
  { case: 'no project in state is a bug', state: {}, calls: [], error: { cls: BugError, message: /project is not known/ } },
];

describe('region step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls, answers: c.answers, interactive: !!c.answers, timeZone: c.timeZone });
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
      expect(out.summary).toBe(c.want);
    }
    w.assertDone();
  });

  // The question as asked: which choice comes first and is highlighted, what the names say, which one is the time zone's.
  const berlin = 'europe-west3  (suggested)';
  it.each([
    { case: 'TZ=Europe/Berlin: its nearest region highlighted, with the reason', timeZone: 'Europe/Berlin', config: {}, first: ['europe-west3'], why: /nearest region to your time zone, Europe\/Berlin/, names: { 'europe-west3': berlin, 'southamerica-east1': 'southamerica-east1' }, suggested: 'europe-west3' },
    {
      case: "gcloud's artifacts/location beats the time zone, which is still marked, second",
      timeZone: 'Europe/Berlin',
      config: { artifactsLocation: 'us-central1' },
      first: ['us-central1', 'europe-west3'],
      why: /gcloud's artifacts\/location/,
      names: { 'us-central1': 'us-central1  (default)', 'europe-west3': berlin },
      suggested: 'europe-west3',
    },
    { case: "gcloud's run/region beats the time zone", timeZone: 'Europe/Berlin', config: { runRegion: 'us-west1' }, first: ['us-west1', 'europe-west3'], why: /gcloud's run\/region, where your Cloud Run services go/, names: { 'us-west1': 'us-west1  (default)' }, suggested: 'europe-west3' },
    { case: "the time zone's region is the guide's: the reason is the time zone", timeZone: 'America/Sao_Paulo', config: {}, first: ['southamerica-east1'], why: /time zone, America\/Sao_Paulo/, names: { 'southamerica-east1': 'southamerica-east1  (suggested)' }, suggested: 'southamerica-east1' },
    { case: "TZ=UTC: no suggestion, the guide's region", timeZone: 'UTC', config: {}, first: ['southamerica-east1'], why: /The guide's region/, names: { 'southamerica-east1': 'southamerica-east1  (default)' } },
    { case: "time zone unknown: the guide's region", config: {}, first: ['southamerica-east1'], why: /The guide's region/, names: { 'southamerica-east1': 'southamerica-east1  (default)' } },
    { case: "Asia/Tokyo, whose region the API does not list: the guide's region", timeZone: 'Asia/Tokyo', config: {}, first: ['southamerica-east1'], why: /The guide's region/, names: { 'southamerica-east1': 'southamerica-east1  (default)' } },
    { case: 'multi-regions marked, as the default too', config: { artifactsLocation: 'us' }, first: ['us'], why: /artifacts\/location.*single region/, names: { us: 'us  (multi-region, default)', 'us-west1': 'us-west1' } },
  ] as { case: string; timeZone?: string; config: object; first: string[]; why: RegExp; names: Record<string, string>; suggested?: string }[])('question: $case', async (c) => {
    const w = fakeWorld({ calls: [cfg(c.config)], answers: [{ search: /^Region/, answer: (q: { default?: unknown }) => q.default }], timeZone: c.timeZone });
    const out = await runStep(region, w.ctx({}, base), w.env);
    w.assertDone();
    const [q] = w.prompter.asked;
    expect(q.kind).toBe('search');
    expect(`? ${q.message}`.length).toBeLessThanOrEqual(60);
    const values = q.choices!.map((ch) => ch.value);
    expect(values.slice(0, c.first.length)).toEqual(c.first);
    expect([...values].sort()).toEqual([...LOCS].sort());
    expect(q.default).toBe(c.first[0]);
    expect(out.state.location).toBe(c.first[0]);
    const names = Object.fromEntries(q.choices!.map((ch) => [ch.value, ch.name]));
    for (const [v, name] of Object.entries(c.names)) expect(names[v]).toBe(name);
    // The reason is the highlighted choice's description (its own line under the list), not its name.
    expect(q.choices![0]!.description).toMatch(c.why);
    expect(q.choices!.filter((ch) => /suggested/.test(ch.name)).map((ch) => ch.value)).toEqual(c.suggested ? [c.suggested] : []);
  });

  it('question: a multi-region says why a single region is what keeps pulls free', async () => {
    const w = fakeWorld({ calls: [cfg()], answers: [{ search: /Region/, answer: 'us' }] });
    expect((await runStep(region, w.ctx({}, base), w.env)).state.location).toBe('us');
    w.assertDone();
    const us = w.prompter.asked[0].choices!.find((ch) => ch.value === 'us')!;
    expect(us.name).toBe('us  (multi-region)');
    expect(us.description).toMatch(/Cloud Run runs in a single region.*same region.*pulls free/);
    const single = w.prompter.asked[0].choices!.find((ch) => ch.value === 'us-west1')!;
    expect(single.description).toMatch(/Deploy Cloud Run in us-west1 too/);
  });

  it('question: a saved answer is not asked again, whatever the time zone', async () => {
    const w = fakeWorld({ interactive: true, timeZone: 'Europe/Berlin' });
    expect((await runStep(region, w.ctx({}, { ...base, location: 'us-west1' }), w.env)).state.location).toBe('us-west1');
    w.assertDone();
    expect(w.prompter.asked).toEqual([]);
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
