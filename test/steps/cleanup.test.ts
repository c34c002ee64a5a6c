import { describe, expect, it } from 'vitest';
import { cleanup } from '../../src/steps/cleanup.js';
import { cleanupFact } from '../../src/steps/summary.js';
import { cleanupOf } from '../../src/output/json.js';
import { ourPolicies } from '../../src/cleanupPolicy.js';
import { ExternalError, UserError } from '../../src/errors.js';
import { commandsFor, runStep, fakeWorld, type Expectation, type PromptAnswer } from '../fakes.js';
import type { Flags } from '../../src/steps/types.js';
import type { CleanupPolicy, DockerImage, Repository, WizardState } from '../../src/ports.js';

const P = 'mycoolproject-prod';
const L = 'southamerica-east1';
const R = 'mycoolproject-repo';
const RN = `projects/${P}/locations/${L}/repositories/${R}`;
const BASE = `${L}-docker.pkg.dev/${P}/${R}/app`;
const DAY = 86_400_000;
const NOW = 1_700_000_000_000; // fakeClock's start
const SET_CMD = `gcloud artifacts repositories set-cleanup-policies ${R} --location=${L} --project=${P} --policy=cleanup-policy.json --no-dry-run`;

/** State after the repository step found (or created) the repository, and the push. */
const existing: Partial<WizardState> = { project: P, location: L, repository: R, repositoryName: RN, repositoryExists: true };
const FOREIGN: CleanupPolicy[] = [{ id: 'keep-prod', action: 'KEEP', condition: { tagState: 'TAGGED', tagPrefixes: ['prod'] } }];

const repo = (cleanupPolicies: CleanupPolicy[] = [], dryRun = false): Repository => ({ name: RN, format: 'DOCKER', cleanupPolicies, ...(dryRun ? { cleanupPolicyDryRun: true } : {}) });
const get = (policies: CleanupPolicy[] = [], dryRun = false): Expectation => ({ call: 'api.getRepository', args: [RN], result: repo(policies, dryRun) });
const image = (n: number, tags: string[], daysOld: number): DockerImage => ({
  name: `${RN}/dockerImages/app@sha256:${String(n).repeat(64)}`,
  uri: `${BASE}@sha256:${String(n).repeat(64)}`,
  tags,
  imageSizeBytes: 1_000_000,
  uploadTime: new Date(NOW - daysOld * DAY).toISOString(),
});
/** One tagged version from today, one untagged version 40 days old (deleted with keep=1, kept with keep=2+). */
const IMAGES = [image(1, ['latest', 'a3f9c12'], 0), image(2, [], 40)];
const list = (images = IMAGES): Expectation => ({ call: 'api.listDockerImages', args: [RN], result: images });
/** The checkpoint (what undo needs, saved first), then the patch: our two policies, dry run off. */
const set = (keep: number, result: Repository | Error = repo(ourPolicies(keep)), saved: Partial<WizardState> = { cleanupSet: ourPolicies(keep) }): Expectation[] => [
  { call: 'step.save', args: [saved] },
  { call: 'api.setCleanupPolicies', args: [RN, ourPolicies(keep), false], ...(result instanceof Error ? { throws: result } : { result }) },
];

type Case = {
  case: string;
  flags?: Partial<Flags>;
  state?: Partial<WizardState>;
  calls: Expectation[];
  answers?: PromptAnswer[];
  want?: Partial<WizardState> & { summary?: RegExp; commands?: string[] };
  error?: { cls: Function; message: RegExp; flag?: string; fix?: RegExp };
  warnings?: RegExp;
  items?: RegExp;
  asked?: RegExp;
};

const cases: Case[] = [
  {
    case: '--cleanup none: nothing looked at, nothing set; the script shows how to add one, commented',
    flags: { yes: true, cleanup: 'none' },
    calls: [],
    want: { cleanup: 'declined', summary: /^none set \(add one later: registry-setup --cleanup keep=10\)$/, commands: [expect.stringMatching(/^# no cleanup policy was set; to add one/) as unknown as string, "#   cat > cleanup-policy.json <<'EOF'", '#   [', expect.stringContaining('"keepCount":10') as unknown as string, expect.any(String) as unknown as string, '#   ]', '#   EOF', `#   ${SET_CMD}`] },
  },
  {
    case: '--yes without --cleanup, a repository still to be created: no policy, no call',
    flags: { yes: true },
    state: { project: P, location: L, repository: R, repositoryExists: false },
    calls: [],
    want: { cleanup: 'not-asked', cleanupPolicies: [], summary: /^none set/ },
  },
  {
    case: '--yes without --cleanup, an existing repository: its policies are read (for the summary), nothing set',
    flags: { yes: true },
    state: existing,
    calls: [get(FOREIGN)],
    want: { cleanup: 'not-asked', cleanupPolicies: FOREIGN },
  },
  {
    case: '--cleanup keep=5: read, listed for the panel, set with our two policies',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [get(), get(), list(), ...set(5)],
    want: { cleanup: { keep: 5 }, cleanupPolicies: ourPolicies(5), summary: /^keep 5 most recent, delete untagged after 30 days$/, commands: ["cat > cleanup-policy.json <<'EOF'", '[', '  {"name":"keep-most-recent","action":{"type":"Keep"},"mostRecentVersions":{"keepCount":5}},', '  {"name":"delete-untagged-30d","action":{"type":"Delete"},"condition":{"tagState":"untagged","olderThan":"30d"}}', ']', 'EOF', SET_CMD] },
    items: /"preview".*today it would delete nothing \(2 versions in the repository\)/,
  },
  {
    case: '--cleanup keep=1: the panel says what goes today (the old untagged version)',
    flags: { yes: true, cleanup: { keep: 1 } },
    state: existing,
    calls: [get(), get(), list(), ...set(1)],
    want: { cleanup: { keep: 1 } },
    items: /today it would delete 1 untagged version older than 30 days, 1\.0 MB: app@222222222222 \(2023-10-05\)/,
  },
  {
    case: 'the same policy is already there: nothing is set again',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [get(ourPolicies(5)), get(ourPolicies(5))],
    want: { cleanup: { keep: 5 }, cleanupPolicies: ourPolicies(5), summary: /^keep 5 most recent, delete untagged after 30 days \(already in place\)$/ },
  },
  {
    case: 'our own policy with another count is updated (it is ours: no warning)',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [get(ourPolicies(10)), get(ourPolicies(10)), list(), ...set(5, undefined, { cleanupSet: ourPolicies(5), cleanupReplaced: { policies: ourPolicies(10), dryRun: false } })],
    want: { cleanup: { keep: 5 }, cleanupPolicies: ourPolicies(5), cleanupSet: ourPolicies(5), cleanupReplaced: { policies: ourPolicies(10), dryRun: false } },
  },
  {
    case: 'our own count changed again: both versions are on record until the write is done, once each (a kill between leaves either one ours)',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: { ...existing, cleanupSet: ourPolicies(10) },
    calls: [get(ourPolicies(10)), get(ourPolicies(10)), list(), ...set(5, undefined, { cleanupSet: [...ourPolicies(10), ourPolicies(5)[1]!] })],
    want: { cleanup: { keep: 5 }, cleanupSet: ourPolicies(5) },
  },
  {
    case: 'our policy in place but its dry run turned on: set again, dry run off (nothing replaced: it is ours)',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: { ...existing, cleanupSet: ourPolicies(5) },
    calls: [get(ourPolicies(5), true), get(ourPolicies(5), true), list(), ...set(5)],
    want: { cleanup: { keep: 5 }, cleanupSet: ourPolicies(5) },
  },
  {
    case: 'the progress cannot be saved before the write: nothing is written',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [get(), get(), list(), { call: 'step.save', throws: new UserError('save progress to /p.json: disk full') }],
    error: { cls: UserError, message: /disk full/ },
  },
  {
    case: '--cleanup keep=5 on a repository with policies of its own: left alone, with a warning that says how to replace them',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [get(FOREIGN)],
    want: { cleanup: 'kept-existing', cleanupPolicies: FOREIGN, summary: /^its own policies, left as they are$/, commands: [
      `# ${R} keeps its own cleanup policies; to see them:`,
      `gcloud artifacts repositories list-cleanup-policies ${R} --location=${L} --project=${P}`,
      "# to replace them with registry-setup's policy instead (keep the 5 most recent versions of each image, delete untagged versions older than 30 days):",
      "#   cat > cleanup-policy.json <<'EOF'",
      '#   [',
      '#     {"name":"keep-most-recent","action":{"type":"Keep"},"mostRecentVersions":{"keepCount":5}},',
      '#     {"name":"delete-untagged-30d","action":{"type":"Delete"},"condition":{"tagState":"untagged","olderThan":"30d"}}',
      '#   ]',
      '#   EOF',
      `#   ${SET_CMD}`,
    ] },
    warnings: /already has a cleanup policy of its own \(keep-prod: Keep tagged versions tagged prod\*\), left as it is: --cleanup keep=5 was not applied.*set-cleanup-policies .*policy file from the summary's script/,
  },
  {
    case: 'policies of its own appear between the question and the execution: left alone too',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [get(), get(FOREIGN)],
    want: { cleanup: 'kept-existing', cleanupPolicies: FOREIGN },
    warnings: /left as it is: --cleanup keep=5 was not applied/,
  },
  {
    case: 'the API still off at question time: nothing looked at then; executing reads first',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: { ...existing, enableApi: true },
    calls: [get(), list(), ...set(5)],
    want: { cleanup: { keep: 5 } },
  },
  {
    case: 'interactive, the default accepted: the question shows what it would delete today',
    state: existing,
    calls: [get(), list(), get(), list(), ...set(10)],
    answers: [{ select: /^Cleanup policy$/, answer: 'default' }],
    asked: /"description":"Keeps the 10 most recent versions of each image; untagged versions older than 30 days go\. Today it would delete nothing \(2 versions in the repository\)\.","short":"keep 10 recent versions"/,
    want: { cleanup: { keep: 10 }, cleanupPolicies: ourPolicies(10) },
  },
  {
    case: 'interactive, another number: asked, previewed again, confirmed',
    state: existing,
    calls: [get(), list(), get(), list(), ...set(1)],
    answers: [
      { select: /^Cleanup policy$/, answer: 'other' },
      { input: /^Versions to keep \(1 to 1000\)$/, answer: ['0', 'x', '1'] },
      { select: /^Keep 1: add this policy\?$/, answer: 'yes' },
    ],
    asked: /"message":"Keep 1: add this policy\?".*Today it would delete 1 untagged version older than 30 days, 1\.0 MB: app@222222222222 \(2023-10-05\)\./,
    want: { cleanup: { keep: 1 } },
  },
  {
    case: 'interactive, another number, then no: declined, nothing set',
    state: existing,
    calls: [get(), list()],
    answers: [
      { select: /^Cleanup policy$/, answer: 'other' },
      { input: /Versions to keep/, answer: '3' },
      { select: /add this policy\?/, answer: 'no' },
    ],
    want: { cleanup: 'declined', summary: /^none set/ },
  },
  {
    case: 'interactive, no: declined',
    state: existing,
    calls: [get(), list()],
    answers: [{ select: /^Cleanup policy$/, answer: 'no' }],
    want: { cleanup: 'declined' },
  },
  {
    case: 'interactive, a new repository: nothing to list, nothing to delete',
    // (its name is known by the time the step executes)
    state: { project: P, location: L, repository: R, repositoryExists: false, repositoryName: RN },
    calls: [get(), list([]), ...set(10)],
    answers: [{ select: /^Cleanup policy$/, answer: 'default' }],
    asked: /Today it would delete nothing \(0 versions in the repository\)/,
    want: { cleanup: { keep: 10 } },
  },
  {
    case: 'interactive, policies of its own, left as they are (the default): no offer',
    state: existing,
    calls: [get(FOREIGN)],
    answers: [{ select: /^Its own cleanup policies$/, answer: (q: { default?: unknown }) => q.default }],
    asked: /"description":"keep-prod: Keep tagged versions tagged prod\*\. registry-setup sets no policy of its own\."/,
    want: { cleanup: 'kept-existing', cleanupPolicies: FOREIGN },
  },
  {
    case: 'interactive, policies of its own, replaced: then the offer; set over them',
    state: existing,
    calls: [get(FOREIGN), list(), get(FOREIGN), list(), ...set(10, undefined, { cleanupSet: ourPolicies(10), cleanupReplaced: { policies: FOREIGN, dryRun: false } })],
    answers: [
      { select: /^Its own cleanup policies$/, answer: 'replace' },
      { select: /^Cleanup policy$/, answer: 'default' },
    ],
    want: { cleanup: { keep: 10, replace: true }, cleanupPolicies: ourPolicies(10), cleanupSet: ourPolicies(10), cleanupReplaced: { policies: FOREIGN, dryRun: false } },
  },
  {
    case: 'replacing policies of its own that only logged (dry run): the record keeps that, for undo to put back as it was',
    state: { ...existing, cleanup: { keep: 10, replace: true } },
    calls: [get(FOREIGN, true), list(), ...set(10, undefined, { cleanupSet: ourPolicies(10), cleanupReplaced: { policies: FOREIGN, dryRun: true } })],
    answers: [],
    want: { cleanupReplaced: { policies: FOREIGN, dryRun: true } },
  },
  {
    case: 'resumed after a kill right after the write: already in place; the record from before the write stays as it was',
    state: { ...existing, cleanup: { keep: 10, replace: true }, cleanupSet: ourPolicies(10), cleanupReplaced: { policies: FOREIGN, dryRun: false } },
    calls: [get(ourPolicies(10))],
    answers: [],
    want: { cleanupPolicies: ourPolicies(10), summary: /already in place/ },
  },
  {
    case: 'answered in an earlier run: not asked again',
    state: { ...existing, cleanup: { keep: 7 } },
    calls: [get(), list(), ...set(7)],
    answers: [],
    want: { cleanup: { keep: 7 } },
  },
  {
    case: 'the policy update is refused: names the permission, the role, the grant, and how to go on without it',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [
      get(),
      get(),
      list(),
      ...set(5, new ExternalError('permission denied (artifactregistry.repositories.update)', { code: 7, reason: 'PERMISSION_DENIED', metadata: { permission: 'artifactregistry.repositories.update' } })),
      { call: 'gcloud.config', result: { account: 'ana@example.com' } },
    ],
    error: {
      cls: UserError,
      message: /^set the cleanup policy of mycoolproject-repo: ana@example.com may not change the cleanup policies of repositories in project mycoolproject-prod \(missing permission artifactregistry.repositories.update\)\. That needs the role roles\/artifactregistry.admin\.$/,
      fix: /add-iam-policy-binding mycoolproject-prod --member=user:ana@example.com --role=roles\/artifactregistry.admin[\s\S]*--cleanup none \(everything done so far is kept\)/,
    },
  },
  {
    case: 'reading the repository is refused at question time: explained',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [{ call: 'api.getRepository', throws: new ExternalError('unavailable', { code: 14, reason: 'UNAVAILABLE' }) }],
    error: { cls: ExternalError, message: /^read the repository: unavailable/ },
  },
  {
    case: 'a listing that fails does not fail the step (the panel just has no preview)',
    flags: { yes: true, cleanup: { keep: 5 } },
    state: existing,
    calls: [get(), get(), { call: 'api.listDockerImages', throws: new ExternalError('unavailable', { code: 14, reason: 'UNAVAILABLE' }) }, ...set(5)],
    want: { cleanup: { keep: 5 } },
  },
  { case: 'keep=0 refused before any call, naming --cleanup', flags: { cleanup: { keep: 0 } }, state: existing, calls: [], error: { cls: UserError, message: /--cleanup keep=0/, flag: '--cleanup' } },
  { case: 'keep=1001 refused', flags: { cleanup: { keep: 1001 } }, state: existing, calls: [], error: { cls: UserError, message: /between 1 and 1000/, flag: '--cleanup' } },
];

describe('cleanup step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls, answers: c.answers, interactive: !!c.answers });
    const p = runStep(cleanup, w.ctx(c.flags, c.state ?? existing), w.env, new AbortController().signal);
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
    else expect(w.report.warnings).toEqual([]);
    if (c.items) expect(JSON.stringify(w.report.items)).toMatch(c.items);
    if (c.asked) expect(JSON.stringify(w.prompter.asked)).toMatch(c.asked);
    w.assertDone();
  });

  it.each([
    { case: 'our policy still there', state: { cleanup: { keep: 5 } }, calls: [get(ourPolicies(5))], done: true },
    { case: 'our policy gone', state: { cleanup: { keep: 5 } }, calls: [get()], done: false, why: /no longer in place/ },
    { case: 'our policy there, but only logging (dry run)', state: { cleanup: { keep: 5 } }, calls: [get(ourPolicies(5), true)], done: false, why: /only logs what it would delete/ },
    { case: 'replaced by policies of its own', state: { cleanup: { keep: 5 } }, calls: [get(FOREIGN)], done: false },
    { case: 'the repository is gone', state: { cleanup: { keep: 5 } }, calls: [{ call: 'api.getRepository', args: [RN], result: null }], done: false },
    { case: 'no policy was wanted: nothing to look at', state: { cleanup: 'not-asked' }, calls: [], done: true },
    { case: 'declined earlier, --cleanup keep=5 now', state: { cleanup: 'declined' }, flags: { cleanup: { keep: 5 } }, calls: [], done: false, why: /--cleanup keep=5 differs/ },
    { case: 'keep=10 earlier, --cleanup keep=5 now', state: { cleanup: { keep: 10 } }, flags: { cleanup: { keep: 5 } }, calls: [], done: false },
    { case: 'keep=5 earlier, --cleanup none now: left as it is', state: { cleanup: { keep: 5 } }, flags: { cleanup: 'none' }, calls: [], done: true },
    { case: 'no answer yet', state: {}, calls: [], done: false },
  ] as { case: string; state: Partial<WizardState>; flags?: Partial<Flags>; calls: Expectation[]; done: boolean; why?: RegExp }[])('check: $case', async (c) => {
    const w = fakeWorld({ calls: c.calls });
    const r = await cleanup.check(w.ctx(c.flags, { ...existing, ...c.state }), w.env);
    expect(r.done).toBe(c.done);
    if (c.why && !r.done) expect(r.why).toMatch(c.why);
    w.assertDone();
  });

  it.each([
    { case: 'not decided yet, interactive: the plan says it is offered', flags: {}, state: {}, first: /^# a cleanup policy is offered after the push; to add one/ },
    { case: '--yes: not set, commented', flags: { yes: true }, state: {}, first: /^# no cleanup policy was set/ },
    { case: '--cleanup keep=3 in a dry run: the real commands', flags: { cleanup: { keep: 3 } }, state: {}, first: /^cat > cleanup-policy.json <<'EOF'$/ },
  ] as { case: string; flags: Partial<Flags>; state: Partial<WizardState>; first: RegExp }[])('commands: $case', (c) => {
    const w = fakeWorld();
    const cmds = commandsFor(cleanup, w.ctx(c.flags, { ...existing, ...c.state }));
    expect(cmds[0]).toMatch(c.first);
    expect(cmds.at(-1)).toContain(SET_CMD);
  });

  it('the policy file in the script is what gcloud documents (a list of name, action.type, mostRecentVersions or condition)', () => {
    const w = fakeWorld();
    const cmds = commandsFor(cleanup, w.ctx({}, { ...existing, cleanup: { keep: 4 } }));
    const file = cmds.slice(cmds.indexOf("cat > cleanup-policy.json <<'EOF'") + 1, cmds.indexOf('EOF')).join('\n');
    expect(JSON.parse(file)).toEqual([
      { name: 'keep-most-recent', action: { type: 'Keep' }, mostRecentVersions: { keepCount: 4 } },
      { name: 'delete-untagged-30d', action: { type: 'Delete' }, condition: { tagState: 'untagged', olderThan: '30d' } },
    ]);
  });

  it.each([
    { case: 'keep=5 to set', state: { cleanup: { keep: 5 } }, want: ['sets a cleanup policy on mycoolproject-repo: keep the 5 most recent versions of each image, delete untagged versions older than 30 days'] },
    { case: 'replacing its own', state: { cleanup: { keep: 5, replace: true }, cleanupPolicies: FOREIGN }, want: [expect.stringMatching(/\(replacing its 1 own policy\)$/)] },
    { case: 'already in place', state: { cleanup: { keep: 5 }, cleanupPolicies: ourPolicies(5) }, want: [] },
    { case: 'declined', state: { cleanup: 'declined' }, want: [] },
  ] as { case: string; state: Partial<WizardState>; want: unknown[] }[])('changes: $case', (c) => {
    expect(cleanup.changes!({ flags: { yes: false, restart: false, dryRun: false, json: false, debug: false }, state: { ...existing, ...c.state } })).toEqual(c.want);
  });
});

describe('the summary and --json say what the cleanup step did', () => {
  it.each([
    { case: 'set', state: { cleanup: { keep: 5 }, cleanupPolicies: ourPolicies(5) }, fact: /^Cleanup policy on mycoolproject-repo: the 5 most recent versions .* about once a day\.$/, json: { applied: true, keep: 5, choice: 'set', policies: ourPolicies(5) } },
    { case: 'not asked (--yes)', state: { cleanup: 'not-asked', cleanupPolicies: [] }, fact: /^No cleanup policy on mycoolproject-repo: .*registry-setup --cleanup keep=10/, json: { applied: false, choice: 'not-asked', policies: [] } },
    { case: 'its own kept', state: { cleanup: 'kept-existing', cleanupPolicies: FOREIGN }, fact: /^mycoolproject-repo has cleanup policies of its own, left as they were: keep-prod: Keep tagged versions tagged prod\*\.$/, json: { applied: false, choice: 'kept-existing', policies: FOREIGN } },
    { case: 'set was chosen, the run failed before it', state: { cleanup: { keep: 5 } }, fact: /^No cleanup policy/, json: { applied: false, choice: 'set', policies: [] } },
    { case: 'before the step', state: {}, fact: undefined, json: undefined },
  ] as { case: string; state: Partial<WizardState>; fact?: RegExp; json: unknown }[])('$case', (c) => {
    const state = { ...existing, ...c.state };
    if (c.fact) expect(cleanupFact(state)).toMatch(c.fact);
    else expect(cleanupFact(state)).toBeUndefined();
    expect(cleanupOf(state)).toEqual(c.json);
  });
});
