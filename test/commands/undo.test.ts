// `registry-setup undo` over strict fakes: each case is the saved record, the calls undo must make
// (in order: the look, then each removal followed by its save), the answers, and what comes out.
import { describe, expect, it } from 'vitest';
import { undo } from '../../src/commands/undo.js';
import type { CommandDeps } from '../../src/commands/types.js';
import type { CommandFlags } from '../../src/args.js';
import { ExternalError, UserError } from '../../src/errors.js';
import type { CleanupPolicy, RunLock, SavedRun, WizardState } from '../../src/ports.js';
import { ourPolicies } from '../../src/cleanupPolicy.js';
import { fakeWorld, type Expectation, type PromptAnswer } from '../fakes.js';

const P = 'mycoolproject-prod';
const L = 'southamerica-east1';
const R = 'mycoolproject-repo';
const HOST = `${L}-docker.pkg.dev`;
const NAME = `projects/${P}/locations/${L}/repositories/${R}`;
const TAGS = [`${HOST}/${P}/${R}/app:latest`, `${HOST}/${P}/${R}/app:a3f9c12`];
const SECRET = 'bmV3Y29tZXI6aHVudGVyMg==';
const CWD = '/home/u/mycoolproject';
const BACKUP = '/home/u/.docker/config.json.registry-setup.bak';
const ALL_DONE = ['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'summary'];

/** A finished setup that created the repository and added the entry. */
const made: Partial<WizardState> = {
  project: P,
  location: L,
  repository: R,
  repositoryName: NAME,
  registryHost: HOST,
  image: 'app',
  source: 'sample',
  localImage: 'registry-setup-verify:latest',
  imageUris: TAGS,
  digest: `sha256:${'d'.repeat(64)}`,
  createdRepository: true,
  repositoryExists: true,
  dockerEntryAdded: true,
  dockerConfigBackup: BACKUP,
};
/** The same setup on a repository and an entry that were there before it ran. */
const found: Partial<WizardState> = { ...made, createdRepository: false, dockerEntryAdded: undefined };

const record = (state: Partial<WizardState>, done = ALL_DONE): SavedRun => ({ version: 1, key: `${P}/${L}/${R}`, updatedAt: '2024-05-01T10:00:00.000Z', done, state });

/** The user's Docker config; entry null: no credHelpers entry for HOST. */
const config = (entry: string | null = 'gcloud') => ({
  auths: { 'ghcr.io': { auth: SECRET } },
  credHelpers: { 'us-docker.pkg.dev': 'gcloud', ...(entry ? { [HOST]: entry } : {}) },
  psFormat: 'table {{.ID}}',
});

// ---------- calls ----------

const latest = (run: SavedRun | null): Expectation => ({ call: 'progress.latest', result: run });
const readConfig = (entry: string | null = 'gcloud'): Expectation => ({ call: 'dockerConfig.read', result: config(entry) });
const inspect = (ref: string, there = true): Expectation => ({ call: 'docker.inspectImage', args: [ref], result: there ? { ref, id: 'sha256:1' } : null });
const lookRepo = (images: number[] | null): Expectation[] =>
  images === null
    ? [{ call: 'api.getRepository', args: [NAME], result: null }]
    : [
        { call: 'api.getRepository', args: [NAME], result: { name: NAME, format: 'DOCKER' } },
        { call: 'api.listDockerImages', args: [NAME], result: images.map((b, i) => ({ name: `i${i}`, uri: `u${i}`, tags: [], imageSizeBytes: b })) },
      ];
/** A save whose record passes `check`. */
const save = (check: (r: SavedRun) => void): Expectation => ({ call: 'progress.save', impl: (r: SavedRun) => check(r) });
const removeEntry: Expectation[] = [
  readConfig('gcloud'),
  {
    call: 'dockerConfig.write',
    impl: (next: Record<string, unknown>) => {
      // Only our key goes; every other key, value and order stays.
      expect(Object.keys(next)).toEqual(['auths', 'credHelpers', 'psFormat']);
      expect(next).toEqual({ ...config(null), credHelpers: { 'us-docker.pkg.dev': 'gcloud' } });
      return { backupPath: BACKUP };
    },
  },
  save((r) => {
    expect(r.state.dockerEntryAdded).toBeUndefined();
    expect(r.done).toEqual(['preflight', 'project', 'region', 'repository', 'push']);
  }),
];
const untag = (ref: string, left: string[]): Expectation[] => [
  { call: 'docker.untag', args: [ref], result: true },
  save((r) => expect(r.state.imageUris ?? []).toEqual(left)),
];
const deleteRepo: Expectation[] = [
  { call: 'api.deleteRepository', args: [NAME], result: true },
  save((r) => {
    expect(r.state.createdRepository).toBeUndefined();
    expect(r.state.repositoryName).toBeUndefined();
    expect(r.done).not.toContain('repository');
    expect(r.state.project).toBe(P); // the answers stay
  }),
];
const clear: Expectation = { call: 'progress.clear' };

// ---------- the cleanup policy ----------

const KEEP5 = ourPolicies(5);
const [DEL, KEEP] = KEEP5 as [CleanupPolicy, CleanupPolicy];
const FOREIGN: CleanupPolicy[] = [{ id: 'keep-prod', action: 'KEEP', condition: { tagState: 'TAGGED', tagPrefixes: ['prod'] } }];
const MINE: CleanupPolicy = { id: 'delete-old-dev', action: 'DELETE', condition: { tagPrefixes: ['dev'], olderThan: '604800s' } };
const WITH_CLEANUP = [...ALL_DONE.slice(0, -1), 'cleanup', 'summary'];
/** The repository was there before; the setup set our policy on it (replacing `replaced`, if given). */
const policySet = (replaced?: { policies: CleanupPolicy[]; dryRun: boolean }): Partial<WizardState> => ({
  ...found,
  imageUris: undefined,
  cleanup: { keep: 5, ...(replaced ? { replace: true } : {}) },
  cleanupPolicies: KEEP5,
  cleanupSet: KEEP5,
  ...(replaced ? { cleanupReplaced: replaced } : {}),
});
const getRepo = (policies: CleanupPolicy[] | null, dryRun = false): Expectation => ({
  call: 'api.getRepository',
  args: [NAME],
  result: policies && { name: NAME, format: 'DOCKER', cleanupPolicies: policies, ...(dryRun ? { cleanupPolicyDryRun: true } : {}) },
});
const writePolicies = (next: CleanupPolicy[], dryRun = false): Expectation => ({ call: 'api.setCleanupPolicies', args: [NAME, next, dryRun], result: { name: NAME, format: 'DOCKER', cleanupPolicies: next } });
const forgetPolicy = save((r) => {
  for (const k of ['cleanup', 'cleanupPolicies', 'cleanupSet', 'cleanupReplaced'] as const) expect(r.state[k]).toBeUndefined();
  expect(r.done).toEqual(['preflight', 'project', 'region', 'repository', 'docker-auth', 'push']);
  expect(r.state.project).toBe(P);
});
const KEPT_FOUND = [`docker-entry credHelpers["${HOST}"]`, 'local-image registry-setup-verify:latest', `repository ${R}`];
const OUR_POLICY = `cleanup-policy keep-most-recent (keep 5) and delete-untagged-30d on ${R}`;

// ---------- the command's deps ----------

function recordingLock(held?: string): { lock: RunLock; log: string[] } {
  const log: string[] = [];
  const lock: RunLock = {
    dir: '/home/u/.config/registry-setup',
    async acquire(key) {
      if (key === held) throw new UserError(`another registry-setup (pid 4242) is working on ${key}`, ['Wait for it to finish.']);
      log.push(`take ${key}`);
      return { release: async () => void log.push(`give ${key}`) };
    },
  };
  return { lock, log };
}

interface Case {
  case: string;
  flags?: Partial<CommandFlags>;
  /** A terminal (questions may be asked). */
  terminal?: boolean;
  calls: Expectation[];
  answers?: PromptAnswer[];
  held?: string;
  code?: number;
  error?: { cls: Function; message: RegExp; fix?: RegExp };
  json?: { status: string; removed: string[]; kept: string[]; already?: string[] };
  says?: RegExp[];
  saysNot?: RegExp[];
  /** Messages the name question gave for rejected answers. */
  rejected?: RegExp[];
}

const YES_DELETE = { yes: true, deleteRepository: true, json: true };

const cases: Case[] = [
  {
    case: 'a repository it created and an entry it added, --yes --delete-repository: all goes, other keys stay, record cleared',
    flags: YES_DELETE,
    calls: [latest(record(made)), readConfig(), inspect(TAGS[0]!), inspect(TAGS[1]!), ...lookRepo([1000, 500]), ...removeEntry, ...untag(TAGS[0]!, [TAGS[1]!]), ...untag(TAGS[1]!, []), ...deleteRepo, clear],
    json: { status: 'done', removed: [`docker-entry credHelpers["${HOST}"]`, `local-tag ${TAGS[0]}`, `local-tag ${TAGS[1]}`, `repository ${R}`], kept: ['local-image registry-setup-verify:latest'] },
    says: [/Will remove:\n.*credHelpers\["southamerica-east1-docker\.pkg\.dev"\]: added to \/home\/u\/\.docker\/config\.json by registry-setup/, new RegExp(`repository ${R}: created by registry-setup in ${L}; its images go with it; it holds 2 images \\(1\\.5 KB\\)`), /operation|Removing repository/, /Done: removed the credHelpers entry, 2 local tags and repository mycoolproject-repo\./, /saved record is cleared/, /config\.json\.registry-setup\.bak/],
  },
  {
    case: 'a repository and an entry that were there before: only the tags go; no API call at all',
    flags: { yes: true, json: true },
    calls: [latest(record(found)), readConfig(), inspect(TAGS[0]!), inspect(TAGS[1]!), ...untag(TAGS[0]!, [TAGS[1]!]), ...untag(TAGS[1]!, []), clear],
    json: { status: 'done', removed: [`local-tag ${TAGS[0]}`, `local-tag ${TAGS[1]}`], kept: [`docker-entry credHelpers["${HOST}"]`, 'local-image registry-setup-verify:latest', `repository ${R}`] },
    says: [/repository mycoolproject-repo: registry-setup found it already there, so undo never deletes it/, /credHelpers\["southamerica-east1-docker\.pkg\.dev"\]: registry-setup has no record of adding it/],
  },
  {
    case: '--yes without --delete-repository: the repository stays, with how to delete it; the record keeps it',
    flags: { yes: true, json: true },
    calls: [
      latest(record(made)), readConfig(), inspect(TAGS[0]!), inspect(TAGS[1]!), ...lookRepo([2_000_000]),
      ...removeEntry, ...untag(TAGS[0]!, [TAGS[1]!]),
      { call: 'docker.untag', args: [TAGS[1]], result: true },
      save((r) => {
        expect(r.state.createdRepository).toBe(true);
        expect(r.state.repositoryName).toBe(NAME);
        expect(r.done).toEqual(['preflight', 'project', 'region', 'repository']);
      }),
    ],
    json: { status: 'done', removed: [`docker-entry credHelpers["${HOST}"]`, `local-tag ${TAGS[0]}`, `local-tag ${TAGS[1]}`], kept: ['local-image registry-setup-verify:latest', `repository ${R}`] },
    says: [/repository mycoolproject-repo: created by registry-setup, holds 1 image \(2\.0 MB\); --delete-repository was not given, so it stays\. To delete it: registry-setup undo --yes --delete-repository, or gcloud artifacts repositories delete mycoolproject-repo --location=southamerica-east1 --project=mycoolproject-prod/, /saved record keeps/],
  },
  {
    case: 'in a terminal: a wrong name is refused, an empty one keeps the repository; the rest goes after the one confirmation',
    terminal: true,
    calls: [latest(record(made)), readConfig(), inspect(TAGS[0]!), inspect(TAGS[1]!), ...lookRepo([10]), ...removeEntry, ...untag(TAGS[0]!, [TAGS[1]!]), { call: 'docker.untag', args: [TAGS[1]], result: true }, save((r) => expect(r.state.createdRepository).toBe(true))],
    answers: [{ input: `Type ${R} to delete it`, answer: ['mycoolproject', R.toUpperCase(), ''] }, { confirm: /^Remove them\?$/, answer: true }],
    rejected: [/^Not mycoolproject-repo; Enter alone keeps it\.$/, /^Not mycoolproject-repo;/],
    says: [/Deleted only if you type its name below:\n  - repository mycoolproject-repo: .*it holds 1 image \(10 B\)/, /Deleting repository mycoolproject-repo deletes the 1 image \(10 B\) in it, for good\. Enter alone keeps it\./, /To remove: the credHelpers entry and 2 local tags\./, /Repository mycoolproject-repo stays \(you kept it\)\./],
    saysNot: [/Removing repository/],
  },
  {
    case: 'in a terminal: the name typed, then the confirmation: the repository goes too',
    terminal: true,
    calls: [latest(record(made)), readConfig(), inspect(TAGS[0]!), inspect(TAGS[1]!), ...lookRepo([]), ...removeEntry, ...untag(TAGS[0]!, [TAGS[1]!]), ...untag(TAGS[1]!, []), ...deleteRepo, clear],
    answers: [{ input: `Type ${R} to delete it`, answer: ` ${R} ` }, { confirm: /^Remove them\?$/, answer: true }],
    says: [/deletes the 0 images in it/, /To remove: the credHelpers entry, 2 local tags and repository mycoolproject-repo\./, /removed: repository mycoolproject-repo/],
  },
  {
    case: 'in a terminal, declined at the confirmation: nothing removed, the record untouched',
    terminal: true,
    calls: [latest(record(made)), readConfig(), inspect(TAGS[0]!), inspect(TAGS[1]!), ...lookRepo([10])],
    answers: [{ input: `Type ${R}`, answer: R }, { confirm: 'Remove', answer: false }],
    code: 130,
    says: [/Nothing was removed\./],
  },
  {
    case: 'no terminal and no --yes: the plan, then an error naming --yes; nothing changed',
    calls: [latest(record(made)), readConfig(), inspect(TAGS[0]!), inspect(TAGS[1]!), ...lookRepo([10])],
    error: { cls: UserError, message: /no terminal to ask in/, fix: /--yes/ },
    says: [/Will remove:/],
  },
  {
    case: 'a second undo: no record left, nothing to do (exit 0)',
    flags: { yes: true, json: true },
    calls: [latest(null)],
    json: { status: 'nothing', removed: [], kept: [] },
    says: [/Nothing to undo: there is no saved record of registry-setup for this folder/],
  },
  {
    case: 'resumed after a kill (the entry and one tag went): the rest goes, nothing is redone',
    flags: YES_DELETE,
    calls: [
      latest(record({ ...made, dockerEntryAdded: undefined, imageUris: [TAGS[1]!] }, ['preflight', 'project', 'region', 'repository'])),
      readConfig(null), inspect(TAGS[1]!), ...lookRepo([1]), ...untag(TAGS[1]!, []), ...deleteRepo, clear,
    ],
    json: { status: 'done', removed: [`local-tag ${TAGS[1]}`, `repository ${R}`], kept: ['local-image registry-setup-verify:latest'] },
    saysNot: [/credHelpers/],
  },
  {
    case: 'resumed after a kill during the delete: all gone already, only the record changes',
    flags: YES_DELETE,
    calls: [
      latest(record(made)), readConfig(null), inspect(TAGS[0]!, false), inspect(TAGS[1]!, false), ...lookRepo(null),
      save((r) => expect(r.state.dockerEntryAdded).toBeUndefined()), save((r) => expect(r.state.imageUris).toEqual([TAGS[1]])), save((r) => expect(r.state.imageUris).toBeUndefined()), save((r) => expect(r.state.createdRepository).toBeUndefined()),
      clear,
    ],
    json: { status: 'nothing', removed: [], kept: ['local-image registry-setup-verify:latest'], already: [`docker-entry credHelpers["${HOST}"]`, `local-tag ${TAGS[0]}`, `local-tag ${TAGS[1]}`, `repository ${R}`] },
    says: [/Already gone \(the saved record is updated\):/, /Nothing to remove\./],
  },
  {
    case: 'the entry now names another helper: it stays, and the record forgets it',
    flags: YES_DELETE,
    calls: [latest(record({ ...made, imageUris: undefined, createdRepository: false })), readConfig('desktop'), save((r) => expect(r.state.dockerEntryAdded).toBeUndefined()), clear],
    json: { status: 'nothing', removed: [], kept: [`docker-entry credHelpers["${HOST}"]`, 'local-image registry-setup-verify:latest', `repository ${R}`] },
    says: [/sends southamerica-east1-docker\.pkg\.dev to "desktop" now, not "gcloud": changed since registry-setup added it, so it stays/],
  },
  {
    case: 'Docker does not answer: the tags stay on record (with why), the rest goes',
    flags: YES_DELETE,
    calls: [
      latest(record(made)), readConfig(),
      { call: 'docker.inspectImage', args: [TAGS[0]], throws: new ExternalError('`docker image inspect x` failed (exit 1): Cannot connect to the Docker daemon', {}) },
      { call: 'docker.inspectImage', args: [TAGS[1]], throws: new ExternalError('`docker image inspect x` failed (exit 1): Cannot connect to the Docker daemon', {}) },
      ...lookRepo([1]), ...removeEntry, ...deleteRepo.slice(0, 1), save((r) => expect(r.state.imageUris).toEqual(TAGS)),
    ],
    json: { status: 'done', removed: [`docker-entry credHelpers["${HOST}"]`, `repository ${R}`], kept: [`local-tag ${TAGS[0]}`, `local-tag ${TAGS[1]}`, 'local-image registry-setup-verify:latest'] },
    says: [/Docker could not be asked about it \(.*Cannot connect to the Docker daemon\); run registry-setup undo again once Docker answers/, /saved record keeps/],
  },
  {
    case: 'not allowed to delete the repository: the table words the grant; what went before stays recorded',
    flags: YES_DELETE,
    calls: [
      latest(record({ ...made, imageUris: undefined })), readConfig(), ...lookRepo([1]), ...removeEntry,
      { call: 'api.deleteRepository', args: [NAME], throws: new ExternalError('permission denied (artifactregistry.repositories.delete) on project p', { reason: 'PERMISSION_DENIED', code: 7, metadata: { permission: 'artifactregistry.repositories.delete' } }) },
      { call: 'gcloud.config', result: { account: 'newcomer@example.com' } },
    ],
    error: { cls: UserError, message: /newcomer@example.com may not delete repositories in project mycoolproject-prod \(missing permission artifactregistry.repositories.delete\)/, fix: /--member=user:newcomer@example.com --role=roles\/artifactregistry.admin/ },
    json: { status: 'failed', removed: [`docker-entry credHelpers["${HOST}"]`], kept: ['local-image registry-setup-verify:latest'] },
  },
  {
    case: 'a tag a container still uses: the table says how to free it',
    flags: { yes: true },
    calls: [
      latest(record({ ...found, imageUris: [TAGS[0]!] })), readConfig(), inspect(TAGS[0]!),
      { call: 'docker.untag', args: [TAGS[0]], throws: new ExternalError('a container uses the image', { reason: 'IMAGE_IN_USE' }) },
    ],
    error: { cls: UserError, message: /Docker will not remove southamerica-east1-docker\.pkg\.dev\/mycoolproject-prod\/mycoolproject-repo\/app:latest: it is the last name of an image that a container uses/, fix: /docker ps -a --filter ancestor=/ },
  },
  {
    case: 'a repository that was there before, with our policy on it: the policy goes (an empty list), the repository stays',
    flags: { yes: true, json: true },
    calls: [latest(record(policySet(), WITH_CLEANUP)), readConfig(), getRepo(KEEP5), getRepo(KEEP5), writePolicies([]), forgetPolicy, clear],
    json: { status: 'done', removed: [OUR_POLICY], kept: KEPT_FOUND },
    says: [/Will remove:\n  - cleanup policy keep-most-recent \(keep 5\) and delete-untagged-30d on mycoolproject-repo: set by registry-setup; only these go$/m, /Done: removed registry-setup's cleanup policy\./, /registry-setup found it already there, so undo never deletes it/],
  },
  {
    case: 'the policies it replaced come back as they were (dry run too); the plan says so',
    flags: { yes: true, json: true },
    calls: [latest(record(policySet({ policies: FOREIGN, dryRun: true }), WITH_CLEANUP)), readConfig(), getRepo(KEEP5), getRepo(KEEP5), writePolicies(FOREIGN, true), forgetPolicy, clear],
    json: { status: 'done', removed: [OUR_POLICY], kept: KEPT_FOUND },
    says: [/only these go; then your earlier policy comes back as they were \(in dry run: they only log\): keep-prod: Keep tagged versions tagged prod\*/],
  },
  {
    case: 'a policy the user added next to ours stays; ours go; the earlier ones come back beside it',
    flags: { yes: true, json: true },
    calls: [latest(record(policySet({ policies: FOREIGN, dryRun: false }), WITH_CLEANUP)), readConfig(), getRepo([DEL, MINE, KEEP]), getRepo([DEL, MINE, KEEP]), writePolicies([MINE, ...FOREIGN]), forgetPolicy, clear],
    json: { status: 'done', removed: [OUR_POLICY], kept: KEPT_FOUND },
    says: [/only these go \(the repository's other policy stays\); then your earlier policy comes back/],
  },
  {
    case: 'our Keep policy edited since: it stays (with a note), only our Delete policy goes',
    flags: { yes: true, json: true },
    calls: [
      latest(record(policySet(), WITH_CLEANUP)), readConfig(),
      getRepo([DEL, { ...KEEP, mostRecentVersions: { keepCount: 3 } }]), getRepo([DEL, { ...KEEP, mostRecentVersions: { keepCount: 3 } }]),
      writePolicies([{ ...KEEP, mostRecentVersions: { keepCount: 3 } }]), forgetPolicy, clear,
    ],
    json: { status: 'done', removed: [`cleanup-policy delete-untagged-30d on ${R}`], kept: [KEPT_FOUND[0]!, KEPT_FOUND[1]!, `cleanup-policy keep-most-recent on ${R}`, KEPT_FOUND[2]!] },
    says: [/keep-most-recent on mycoolproject-repo: changed since registry-setup set it \(now keep-most-recent: Keep the 3 most recent versions\), so it stays/, /only it goes \(the repository's other policy stays\)/],
  },
  {
    case: 'our policies taken off by the user and other policies set since: nothing written, the earlier ones not put back (with a note); the record forgets',
    flags: { yes: true, json: true },
    calls: [latest(record(policySet({ policies: FOREIGN, dryRun: false }), WITH_CLEANUP)), readConfig(), getRepo([MINE]), forgetPolicy, clear],
    json: { status: 'nothing', removed: [], kept: [KEPT_FOUND[0]!, KEPT_FOUND[1]!, `cleanup-policy your earlier policies on ${R}`, KEPT_FOUND[2]!] },
    says: [/not put back, as registry-setup's policy was already taken off and the policies changed since; they were: keep-prod: Keep tagged versions tagged prod\*/],
  },
  {
    case: 'resumed after a kill right after the write (the earlier policies back already): only the record changes',
    flags: { yes: true, json: true },
    calls: [latest(record(policySet({ policies: FOREIGN, dryRun: false }), WITH_CLEANUP)), readConfig(), getRepo(FOREIGN), forgetPolicy, clear],
    json: { status: 'nothing', removed: [], kept: KEPT_FOUND, already: [OUR_POLICY] },
    says: [/Already gone \(the saved record is updated\):\n  - cleanup policy/],
  },
  {
    case: 'changed between the look and the write (ours gone by then): nothing is written; counted as gone already',
    flags: { yes: true, json: true },
    calls: [latest(record(policySet(), WITH_CLEANUP)), readConfig(), getRepo(KEEP5), getRepo([]), forgetPolicy, clear],
    json: { status: 'done', removed: [], kept: KEPT_FOUND, already: [OUR_POLICY] },
  },
  {
    case: 'the repository that was there is gone: the policy with it, only the record changes',
    flags: { yes: true, json: true },
    calls: [latest(record(policySet(), WITH_CLEANUP)), readConfig(), getRepo(null), forgetPolicy, clear],
    json: { status: 'nothing', removed: [], kept: KEPT_FOUND, already: [`cleanup-policy keep-most-recent (keep 5) and delete-untagged-30d on ${R}`] },
  },
  {
    case: 'a repository it created, deleted: its policies go with it (no write); the record forgets both',
    flags: YES_DELETE,
    calls: [
      latest(record({ ...made, imageUris: undefined, dockerEntryAdded: undefined, cleanup: { keep: 5 }, cleanupSet: KEEP5 }, WITH_CLEANUP)), readConfig(),
      getRepo(KEEP5), { call: 'api.listDockerImages', args: [NAME], result: [] },
      { call: 'api.deleteRepository', args: [NAME], result: true },
      save((r) => {
        expect(r.state.cleanupSet).toBeUndefined();
        expect(r.state.createdRepository).toBeUndefined();
        expect(r.done).toEqual(['preflight', 'project', 'region', 'docker-auth']);
      }),
      clear,
    ],
    json: { status: 'done', removed: [`repository ${R}`], kept: [`docker-entry credHelpers["${HOST}"]`, 'local-image registry-setup-verify:latest'] },
    saysNot: [/Removing cleanup policy/],
  },
  {
    case: 'a repository it created, kept (--yes alone): our policy goes; the record keeps the repository',
    flags: { yes: true, json: true },
    calls: [
      latest(record({ ...made, imageUris: undefined, dockerEntryAdded: undefined, cleanup: { keep: 5 }, cleanupSet: KEEP5 }, WITH_CLEANUP)), readConfig(),
      getRepo(KEEP5), { call: 'api.listDockerImages', args: [NAME], result: [] },
      getRepo(KEEP5), writePolicies([]),
      save((r) => {
        expect(r.state.cleanupSet).toBeUndefined();
        expect(r.state.createdRepository).toBe(true);
      }),
    ],
    json: { status: 'done', removed: [OUR_POLICY], kept: [`docker-entry credHelpers["${HOST}"]`, 'local-image registry-setup-verify:latest', `repository ${R}`] },
  },
  {
    case: 'in a terminal: the plan shows the policy and what deleting the repository does to it; kept, the policy goes after the one confirmation',
    terminal: true,
    calls: [
      latest(record({ ...made, imageUris: undefined, dockerEntryAdded: undefined, cleanup: { keep: 5 }, cleanupSet: KEEP5 }, WITH_CLEANUP)), readConfig(),
      getRepo(KEEP5), { call: 'api.listDockerImages', args: [NAME], result: [] },
      getRepo(KEEP5), writePolicies([]), save((r) => expect(r.state.cleanupSet).toBeUndefined()),
    ],
    answers: [{ input: `Type ${R} to delete it`, answer: '' }, { confirm: /^Remove it\?$/, answer: true }],
    says: [/its cleanup policies go with it; kept, it only loses registry-setup's policy/, /To remove: registry-setup's cleanup policy\./, /removed: cleanup policy keep-most-recent \(keep 5\) and delete-untagged-30d on mycoolproject-repo/],
  },
  {
    case: 'not allowed to change the policies: the table words the grant (the update permission)',
    flags: { yes: true },
    calls: [
      latest(record(policySet(), WITH_CLEANUP)), readConfig(), getRepo(KEEP5), getRepo(KEEP5),
      { call: 'api.setCleanupPolicies', args: [NAME, [], false], throws: new ExternalError('permission denied (artifactregistry.repositories.update)', { reason: 'PERMISSION_DENIED', code: 7, metadata: { permission: 'artifactregistry.repositories.update' } }) },
      { call: 'gcloud.config', result: { account: 'newcomer@example.com' } },
    ],
    error: { cls: UserError, message: /newcomer@example.com may not change the cleanup policies of repositories in project mycoolproject-prod \(missing permission artifactregistry.repositories.update\)\. That needs the role roles\/artifactregistry.admin/, fix: /--member=user:newcomer@example.com --role=roles\/artifactregistry.admin/ },
  },
  {
    case: 'another registry-setup holds the folder: nothing is read',
    flags: { yes: true },
    held: `the folder ${CWD}`,
    calls: [],
    error: { cls: UserError, message: /another registry-setup \(pid 4242\)/ },
  },
];

function deps(c: Case) {
  const w = fakeWorld({ calls: c.calls, answers: c.answers, interactive: !!c.terminal, cwd: CWD });
  const { lock, log } = recordingLock(c.held);
  const lines: string[] = [];
  const docs: unknown[] = [];
  const flags: CommandFlags = { json: false, plain: false, debug: false, fix: false, yes: false, deleteRepository: false, ...c.flags };
  const d: CommandDeps = { flags, env: w.env, store: w.progress, lock, say: (l) => void lines.push(l), json: (doc) => void docs.push(doc), interactive: !!c.terminal, signal: new AbortController().signal };
  return { w, d, lines, docs, log };
}

const names = (list: { kind: string; name: string }[]) => list.map((i) => `${i.kind} ${i.name}`);

describe('registry-setup undo', () => {
  it.each(cases.map((c) => [c.case, c] as const))('%s', async (_name, c) => {
    const { w, d, lines, docs, log } = deps(c);
    const out = await undo(d).then(
      (code) => ({ code }),
      (error: unknown) => ({ error }),
    );
    const text = lines.join('\n');
    if (c.error) {
      expect('error' in out, text).toBe(true);
      const e = (out as { error: UserError }).error;
      expect(e).toBeInstanceOf(c.error.cls);
      expect(e.message).toMatch(c.error.message);
      if (c.error.fix) expect(e.fix.join('\n')).toMatch(c.error.fix);
    } else if (c.code === 130) {
      expect((out as { error: Error }).error?.name, text).toBe('CancelError');
    } else {
      expect(out, text).toEqual({ code: c.code ?? 0 });
    }
    w.assertDone();
    for (const re of c.says ?? []) expect(text).toMatch(re);
    for (const re of c.saysNot ?? []) expect(text).not.toMatch(re);
    if (c.rejected) {
      const asked = w.prompter.asked.find((q) => q.kind === 'input')!;
      expect(asked.rejected).toHaveLength(c.rejected.length);
      c.rejected.forEach((re, i) => expect(asked.rejected![i]).toMatch(re));
    }
    if (c.json) {
      expect(docs).toHaveLength(1);
      const doc = docs[0] as { status: string; removed: { kind: string; name: string; already?: true }[]; kept: { kind: string; name: string }[] };
      expect(doc.status).toBe(c.json.status);
      expect(names(doc.removed.filter((i) => !i.already))).toEqual(c.json.removed);
      expect(names(doc.removed.filter((i) => i.already))).toEqual(c.json.already ?? []);
      expect(names(doc.kept)).toEqual(c.json.kept);
    } else expect(docs).toEqual([]);
    // Never a secret of the Docker config in what undo says or prints.
    expect(JSON.stringify({ text, docs })).not.toContain(SECRET);
    // The folder's lock (and the repository's) held for the run, and given back.
    if (!c.held) {
      expect(log[0]).toBe(`take the folder ${CWD}`);
      expect(log.filter((l) => l.startsWith('take')).length).toBe(log.filter((l) => l.startsWith('give')).length);
      if (c.calls.some((x) => x.call === 'progress.latest' && x.result)) expect(log).toContain(`take ${P}/${L}/${R}`);
    }
  });
});
