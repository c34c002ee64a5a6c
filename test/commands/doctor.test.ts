import { describe, expect, it } from 'vitest';
import { doctor } from '../../src/commands/doctor.js';
import type { CommandDeps } from '../../src/commands/types.js';
import type { CommandFlags } from '../../src/args.js';
import type { SavedRun, WizardState } from '../../src/ports.js';
import { ExternalError, UserError } from '../../src/errors.js';
import { fakeWorld, type Expectation, type FakeWorld } from '../fakes.js';
import { ourPolicies } from '../../src/cleanupPolicy.js';

const HOST = 'southamerica-east1-docker.pkg.dev';
const NAME = 'projects/mycoolproject-prod/locations/southamerica-east1/repositories/mycoolproject-repo';
const REF = `${HOST}/mycoolproject-prod/mycoolproject-repo/mycoolproject`;
const DIGEST = 'sha256:' + 'a'.repeat(64);
const CONFIG_PATH = '/home/u/.docker/config.json';

const STATE: Partial<WizardState> = {
  project: 'mycoolproject-prod',
  location: 'southamerica-east1',
  repository: 'mycoolproject-repo',
  repositoryName: NAME,
  registryHost: HOST,
  image: 'mycoolproject',
  imageUris: [`${REF}:latest`, `${REF}:a1b2c3d`],
  digest: DIGEST,
  account: 'ana@example.com',
  createdRepository: true,
  dockerEntryAdded: true,
};
const ALL_DONE = ['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'summary'];
const record = (state: Partial<WizardState> = STATE, done = ALL_DONE): SavedRun => ({ version: 1, key: 'mycoolproject-prod/southamerica-east1/mycoolproject-repo', updatedAt: '2026-01-01T00:00:00.000Z', done, state });

/** A healthy world's answers, one per look-up of a round. */
const good: Record<string, Expectation> = {
  config: { call: 'dockerConfig.read', result: { auths: { 'ghcr.io': { auth: 'eDp5' } }, credHelpers: { [HOST]: 'gcloud' }, credsStore: 'desktop' } },
  helper: { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
  token: { call: 'gcloud.accessToken', result: 'ya29.SECRET' },
  helperCredential: { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: true, username: 'oauth2accesstoken' } },
  info: { call: 'docker.info', result: { clientVersion: '28.1.1', serverVersion: '20.10.24' } },
  gcloudConfig: { call: 'gcloud.config', result: { account: 'ana@example.com', project: 'mycoolproject-prod' } },
  repo: { call: 'api.getRepository', args: [NAME], result: { name: NAME, format: 'DOCKER', sizeBytes: 1234 } },
  images: { call: 'api.listDockerImages', args: [NAME], result: [{ name: 'x', uri: `${REF}@${DIGEST}`, tags: ['latest', 'a1b2c3d'] }] },
  inspect: { call: 'docker.inspectImage', args: [`${REF}@${DIGEST}`], result: { ref: `${REF}@${DIGEST}`, id: 'sha256:c', os: 'linux', architecture: 'amd64' } },
};

type Over = Record<string, Expectation | null>;

function world(o: { over?: Over; rounds?: number; run?: SavedRun | null; isRoot?: boolean; extra?: Expectation[] } = {}): FakeWorld {
  const rounds = o.rounds ?? 1;
  const calls: Expectation[] = [{ call: 'progress.latest', result: o.run === undefined ? record() : o.run }];
  for (const v of Object.values({ ...good, ...o.over })) if (v) calls.push({ times: rounds, ...v });
  calls.push(...(o.extra ?? []));
  return fakeWorld({ calls, ordered: false, isRoot: o.isRoot });
}

function deps(w: FakeWorld, flags: Partial<CommandFlags> = {}) {
  const out: string[] = [];
  const docs: unknown[] = [];
  const d: CommandDeps = {
    flags: { json: false, plain: false, debug: false, fix: false, yes: false, deleteRepository: false, ...flags },
    env: w.env,
    store: w.progress,
    say: (l) => void out.push(l),
    json: (doc) => void docs.push(doc),
    interactive: false,
    signal: new AbortController().signal,
  };
  return { d, out, docs };
}

interface Case {
  case: string;
  over?: Over;
  run?: SavedRun | null;
  isRoot?: boolean;
  setup?: (w: FakeWorld) => void;
  /** The finding ids, in order; [] = healthy. */
  ids: string[];
  says?: RegExp[];
  fixable?: boolean;
  /** Checks that must have been skipped. */
  skipped?: string[];
}

const denied = (reason: string) => new ExternalError('the call failed', { reason: reason as never, code: 7 });

/** A setup that set our cleanup policy (keep 5); the repository as read now has `policies`. */
const POLICY_RUN = record({ ...STATE, cleanup: { keep: 5 }, cleanupSet: ourPolicies(5) }, [...ALL_DONE.slice(0, -1), 'cleanup', 'summary']);
const repoWith = (cleanupPolicies: unknown[], dryRun = false): Expectation => ({
  call: 'api.getRepository',
  args: [NAME],
  result: { name: NAME, format: 'DOCKER', cleanupPolicies, ...(dryRun ? { cleanupPolicyDryRun: true } : {}) },
});
const SET_AGAIN = /Set it again: registry-setup --cleanup keep=5[\s\S]*gcloud artifacts repositories set-cleanup-policies mycoolproject-repo --location=southamerica-east1 --project=mycoolproject-prod --policy=cleanup-policy\.json --no-dry-run/;

const cases: Case[] = [
  { case: 'healthy (credsStore next to our entry is harmless)', ids: [], says: [/credHelpers\["southamerica-east1-docker\.pkg\.dev"\] is "gcloud"/, /Healthy/, /\[ok {2}\] registry-setup's cleanup policy .*: registry-setup set no cleanup policy here: nothing to check/] },
  { case: 'our cleanup policy in place (read with the repository: no call of its own)', run: POLICY_RUN, over: { repo: repoWith(ourPolicies(5)) }, ids: [], says: [/\[ok {2}\] registry-setup's cleanup policy is on mycoolproject-repo, and not in dry run: delete-untagged-30d, keep-most-recent, deleting for real/] },
  {
    case: 'our cleanup policy gone (not fixed by --fix: it would delete images unasked)',
    run: POLICY_RUN,
    over: { repo: repoWith([]) },
    ids: ['cleanup-policy-gone'],
    fixable: false,
    says: [/The cleanup policy registry-setup set on mycoolproject-repo is not there as it was set \(delete-untagged-30d, keep-most-recent removed or changed\)/, SET_AGAIN],
  },
  {
    case: 'our Keep policy edited: named as changed',
    run: POLICY_RUN,
    over: { repo: repoWith([ourPolicies(5)[0], { ...ourPolicies(5)[1], mostRecentVersions: { keepCount: 2 } }]) },
    ids: ['cleanup-policy-gone'],
    says: [/\(keep-most-recent removed or changed\)/],
  },
  {
    case: 'our cleanup policy in dry run: it deletes nothing',
    run: POLICY_RUN,
    over: { repo: repoWith(ourPolicies(5), true) },
    ids: ['cleanup-policy-dry-run'],
    fixable: false,
    says: [/is in dry run: it only logs what it would delete, and deletes nothing/, SET_AGAIN],
  },
  {
    case: 'the entry removed, no credsStore: Docker has no login',
    over: { config: { call: 'dockerConfig.read', result: { credHelpers: { 'us-docker.pkg.dev': 'gcr' } } } },
    ids: ['entry-missing'],
    fixable: true,
    says: [/has no credHelpers entry for southamerica-east1-docker\.pkg\.dev \(credHelpers\["southamerica-east1-docker\.pkg\.dev"\] = "gcloud" is gone\)/, /has no login for/, /doctor --fix puts it back/],
  },
  {
    case: 'the entry removed, a docker login under auths: it expires',
    over: { config: { call: 'dockerConfig.read', result: { auths: { [HOST]: { auth: 'eDp5' } } } } },
    ids: ['entry-missing'],
    fixable: true,
    says: [/sends the login docker login saved under "auths"/, /after about an hour/],
  },
  {
    case: 'the entry set up for another region only',
    over: { config: { call: 'dockerConfig.read', result: { credHelpers: { 'us-central1-docker.pkg.dev': 'gcloud' } } } },
    ids: ['entry-missing'],
    fixable: true,
    says: [/Docker has gcloud entries for us-central1-docker\.pkg\.dev: other locations' hosts, while this repository is in southamerica-east1/],
  },
  {
    case: 'Docker Desktop rewrote the file: entry gone, credsStore back',
    over: { config: { call: 'dockerConfig.read', result: { auths: {}, credsStore: 'desktop' } } },
    ids: ['creds-store-takes-over'],
    fixable: true,
    says: [/lost its credHelpers\["southamerica-east1-docker\.pkg\.dev"\] = "gcloud" entry, and its credsStore "desktop" answers for that host/, /docker-credential-desktop has no gcloud login/, /credsStore may stay/],
  },
  {
    case: 'the entry names another helper',
    over: { config: { call: 'dockerConfig.read', result: { credHelpers: { [HOST]: 'desktop' } } } },
    ids: ['entry-other-helper'],
    fixable: true,
    says: [/is "desktop", not "gcloud"/],
  },
  {
    case: 'DOCKER_AUTH_CONFIG shadows the entry (Docker 28.3+)',
    setup: (w) => void (w.env.dockerConfig.envAuthHosts = ['ghcr.io', HOST]),
    ids: ['entry-shadowed'],
    says: [/DOCKER_AUTH_CONFIG holds a login for southamerica-east1-docker\.pkg\.dev/, /unset DOCKER_AUTH_CONFIG/],
  },
  {
    case: 'the Docker config is not valid JSON: the adapter\'s words',
    over: { config: { call: 'dockerConfig.read', throws: new UserError(`${CONFIG_PATH} is not valid JSON (line 3, column 1)`, ['Fix or move the file']) } },
    ids: ['docker-config-unreadable'],
    says: [/is not valid JSON \(line 3, column 1\)/, /Fix or move the file/],
  },
  {
    case: 'credHelpers is not an object',
    over: { config: { call: 'dockerConfig.read', result: { credHelpers: 'gcloud' } } },
    ids: ['docker-config-unreadable'],
    says: [/"credHelpers" in \/home\/u\/\.docker\/config\.json is not an object/],
  },
  {
    case: 'the helper is not on PATH (the credential is then not asked)',
    over: { helper: { call: 'docker.findHelper', args: ['gcloud'], result: null }, helperCredential: null },
    ids: ['helper-missing'],
    says: [/docker-credential-gcloud on your PATH/, /gcloud components install docker-credential-gcloud/],
    skipped: ['helper-credential'],
  },
  {
    case: 'the helper runs but gives no credential',
    over: { helperCredential: { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: false, message: 'docker-credential-gcloud get failed: broken' } } },
    ids: ['helper-no-credential'],
    says: [/gave no credential for southamerica-east1-docker\.pkg\.dev \(docker-credential-gcloud get failed: broken\)/],
  },
  {
    case: "under sudo, root's config has no entry (not fixed: it would use root's login)",
    isRoot: true,
    setup: (w) => void Object.assign(w.env.dockerConfig, { sudoUser: 'ana', sudoWarning: 'sudo' }),
    over: { config: { call: 'dockerConfig.read', result: {} }, info: null },
    ids: ['sudo-root-config'],
    fixable: false,
    says: [/runs through sudo, so the Docker config here is root's/, /sudo usermod -aG docker ana/, /sudo gcloud auth configure-docker southamerica-east1-docker\.pkg\.dev/],
  },
  {
    case: 'docker needs sudo: the socket refuses the user',
    over: { info: { call: 'docker.info', result: { clientVersion: '28.1.1', daemonProblem: 'permission-denied' } } },
    ids: ['docker-needs-sudo'],
    says: [/sudo docker reads root's Docker config/, /usermod -aG docker \$USER/],
  },
  {
    case: 'the saved host is in another region than the repository',
    run: record({ ...STATE, registryHost: 'us-central1-docker.pkg.dev', imageUris: ['us-central1-docker.pkg.dev/mycoolproject-prod/mycoolproject-repo/mycoolproject:latest'] }),
    ids: ['region-mismatch'],
    says: [/pushed to us-central1-docker\.pkg\.dev, but repository mycoolproject-repo is in southamerica-east1, whose host is southamerica-east1-docker\.pkg\.dev/],
  },
  {
    case: 'gcloud has no login: one finding (the helper fails for the same reason; the API is not asked)',
    over: {
      token: { call: 'gcloud.accessToken', throws: new ExternalError('gcloud has no logged-in account to get an access token from', { reason: 'GCLOUD_NO_CREDENTIAL', exitCode: 1 }, ['Log in with: gcloud auth login']) },
      helperCredential: { call: 'docker.helperCredential', args: ['gcloud', HOST], result: { ok: false, message: 'docker-credential-gcloud get failed: no active account' } },
      repo: null,
      images: null,
      inspect: null,
    },
    ids: ['gcloud-login'],
    says: [/no logged-in account/, /gcloud auth login/],
    skipped: ['helper-credential', 'repository', 'latest'],
  },
  {
    case: 'the token is refused by Google (expired): the table words it',
    over: { repo: { call: 'api.getRepository', args: [NAME], throws: denied('UNAUTHENTICATED') }, images: null, inspect: null },
    ids: ['gcloud-login'],
    says: [/Google did not accept your gcloud login/, /gcloud auth login/],
    skipped: ['latest'],
  },
  {
    case: 'no permission to read the repository: the table words it',
    over: { repo: { call: 'api.getRepository', args: [NAME], throws: denied('PERMISSION_DENIED') }, images: null, inspect: null },
    ids: ['permission-denied'],
    says: [/ana@example\.com may not read Artifact Registry repositories in project mycoolproject-prod/, /add-iam-policy-binding/],
  },
  {
    case: 'gcloud switched to another account',
    over: { gcloudConfig: { call: 'gcloud.config', result: { account: 'bob@example.com' } } },
    ids: ['account-changed'],
    says: [/active account is bob@example\.com, but the setup ran as ana@example\.com/, /gcloud config set account ana@example\.com/, /--member=user:bob@example\.com --role=roles\/artifactregistry\.writer/],
  },
  {
    case: 'an older record without the account: that check is skipped',
    run: record({ ...STATE, account: undefined }),
    over: { gcloudConfig: null },
    ids: [],
    skipped: ['account'],
  },
  {
    case: 'the repository was deleted (latest is then not looked for)',
    over: { repo: { call: 'api.getRepository', args: [NAME], result: null }, images: null, inspect: null },
    ids: ['repository-deleted'],
    says: [/Repository mycoolproject-repo is not in project mycoolproject-prod \(southamerica-east1\) any more/],
    skipped: ['latest'],
  },
  {
    case: 'latest is gone from the repository',
    over: { images: { call: 'api.listDockerImages', args: [NAME], result: [{ name: 'x', uri: `${REF}@${DIGEST}`, tags: ['a1b2c3d'] }] }, inspect: null },
    ids: ['latest-missing'],
  },
  {
    case: 'latest is linux/arm64',
    over: { inspect: { call: 'docker.inspectImage', args: [`${REF}@${DIGEST}`], result: { ref: 'x', id: 'y', os: 'linux', architecture: 'arm64' } } },
    ids: ['latest-platform'],
    says: [/:latest is built for linux\/arm64/, /docker build --platform linux\/amd64/],
  },
  {
    case: "latest's digest is not on this machine: its platform is not read, said so",
    over: { inspect: { call: 'docker.inspectImage', args: [`${REF}@${DIGEST}`], result: null } },
    ids: [],
    skipped: ['latest'],
    says: [/not on this machine, so its platform was not read/],
  },
  {
    case: 'a setup that stopped before the push',
    run: record(STATE, ['preflight', 'project', 'region', 'repository', 'docker-auth']),
    over: { images: null, inspect: null },
    ids: ['setup-unfinished'],
    says: [/did not finish \(done: preflight, project, region, repository, docker-auth\)/, /resumes where it stopped/],
    skipped: ['latest'],
  },
  {
    case: 'no record for this folder',
    run: null,
    over: Object.fromEntries(Object.keys(good).map((k) => [k, null])),
    ids: ['no-record'],
    says: [/No registry-setup record for this folder \(\/home\/u\/mycoolproject\)/, /Run registry-setup in this folder first/],
  },
];

describe('doctor: each drift', () => {
  it.each(cases)('$case', async (c) => {
    const w = world({ over: c.over, run: c.run, isRoot: c.isRoot });
    c.setup?.(w);
    const { d, out } = deps(w);
    const code = await doctor(d);
    const text = out.join('\n');
    expect(code, text).toBe(c.ids.length ? 1 : 0);
    const shown = [...text.matchAll(/^ {2}✗ /gm)].length;
    expect(shown).toBe(c.ids.length);
    for (const re of c.says ?? []) expect(text).toMatch(re);
    if (c.skipped?.length) expect(text).toMatch(/^ {2}\[skip\] /m);
    if (c.fixable !== undefined) expect(text.includes('[--fix repairs it]')).toBe(c.fixable);
    expect(text).not.toContain('SECRET');
    w.assertDone();

    // The same world, as --json: the ids, and the checks skipped.
    const j = world({ over: c.over, run: c.run, isRoot: c.isRoot });
    c.setup?.(j);
    const js = deps(j, { json: true });
    expect(await doctor(js.d)).toBe(code);
    const doc = js.docs[0] as { healthy: boolean; findings: { id: string; fixable: boolean }[]; checked: { id: string; status: string }[] };
    expect(js.docs).toHaveLength(1);
    expect(doc.healthy).toBe(c.ids.length === 0);
    expect(doc.findings.map((f) => f.id)).toEqual(c.ids);
    for (const id of c.skipped ?? []) expect(doc.checked.find((x) => x.id === id)?.status, id).toBe('skipped');
    if (c.fixable !== undefined) expect(doc.findings.every((f) => f.fixable === c.fixable)).toBe(true);
    expect(JSON.stringify(js.docs)).not.toContain('SECRET');
    j.assertDone();
  });
});

describe('doctor --fix', () => {
  const BEFORE = { auths: { 'ghcr.io': { auth: 'eDp5' } }, credHelpers: { 'us-docker.pkg.dev': 'gcloud' }, credsStore: 'desktop', psFormat: 'table' };
  const AFTER = { ...BEFORE, credHelpers: { 'us-docker.pkg.dev': 'gcloud', [HOST]: 'gcloud' } };

  it.each([
    { case: 'the entry removed', before: BEFORE, after: AFTER },
    { case: 'the entry on another helper', before: { ...BEFORE, credHelpers: { ...BEFORE.credHelpers, [HOST]: 'desktop' } }, after: AFTER },
  ])('$case: restores only that entry (backed up, every other key kept), checks again, exit 0', async ({ before, after }) => {
    const w = world({
      rounds: 2,
      over: { config: null },
      extra: [
        // The first round and the fix read the drifted file; the second round reads the fixed one.
        { call: 'dockerConfig.read', result: before, times: 2 },
        { call: 'dockerConfig.write', args: [after], result: { backupPath: `${CONFIG_PATH}.registry-setup.bak` } },
        { call: 'dockerConfig.read', result: after },
      ],
    });
    const { d, out } = deps(w, { fix: true });
    expect(await doctor(d)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/Fixed: credHelpers\["southamerica-east1-docker\.pkg\.dev"\] set to "gcloud" in \/home\/u\/\.docker\/config\.json \(backup: \/home\/u\/\.docker\/config\.json\.registry-setup\.bak\)/);
    expect(text).toMatch(/Checking again:[\s\S]*Healthy/);
    w.assertDone();
  });

  it('--json: one document, after the fix, saying what was fixed', async () => {
    const w = world({
      rounds: 2,
      over: { config: null },
      extra: [
        { call: 'dockerConfig.read', result: BEFORE, times: 2 },
        { call: 'dockerConfig.write', args: [AFTER], result: {} },
        { call: 'dockerConfig.read', result: AFTER },
      ],
    });
    const { d, docs } = deps(w, { fix: true, json: true });
    expect(await doctor(d)).toBe(0);
    expect(docs).toEqual([
      expect.objectContaining({ healthy: true, findings: [], fixed: [`credHelpers["${HOST}"] set to "gcloud" in ${CONFIG_PATH}`] }),
    ]);
    w.assertDone();
  });

  it.each([
    { case: 'nothing fixable (the repository deleted): no write, exit 1', over: { repo: { call: 'api.getRepository', args: [NAME], result: null }, images: null, inspect: null } as Over, isRoot: false },
    { case: "under sudo: root's config is not written", over: { config: { call: 'dockerConfig.read', result: {} }, info: null } as Over, isRoot: true },
  ])('$case', async ({ over, isRoot }) => {
    const w = world({ over, isRoot });
    if (isRoot) Object.assign(w.env.dockerConfig, { sudoUser: 'ana', sudoWarning: 'sudo' });
    const { d, out } = deps(w, { fix: true });
    expect(await doctor(d)).toBe(1);
    expect(out.join('\n')).not.toMatch(/Fixed:/);
    w.assertDone(); // no dockerConfig.write was expected
  });

  it('healthy: nothing to do, one round', async () => {
    const w = world();
    const { d, docs } = deps(w, { fix: true, json: true });
    expect(await doctor(d)).toBe(0);
    expect(docs[0]).toMatchObject({ healthy: true, findings: [], fixed: [] });
    w.assertDone();
  });
});

describe('doctor --json', () => {
  it('one document: healthy, the setup, findings with id/message/fix/fixable, every check; lines go to say (stderr)', async () => {
    const w = world({ over: { config: { call: 'dockerConfig.read', result: {} } } });
    const { d, docs, out } = deps(w, { json: true });
    expect(await doctor(d)).toBe(1);
    expect(docs).toHaveLength(1);
    const doc = docs[0] as { healthy: boolean; setup: unknown; findings: Record<string, unknown>[]; checked: { id: string; what: string; status: string }[] };
    expect(doc.healthy).toBe(false);
    expect(doc.setup).toEqual({ project: 'mycoolproject-prod', location: 'southamerica-east1', repository: 'mycoolproject-repo', host: HOST });
    expect(doc.findings).toEqual([{ id: 'entry-missing', message: expect.stringContaining(`credHelpers["${HOST}"]`), fix: expect.arrayContaining([`or: gcloud auth configure-docker ${HOST}`]), fixable: true }]);
    expect(doc.checked.map((c) => c.id)).toEqual(['docker-entry', 'docker-auth-config', 'helper', 'helper-credential', 'docker-user', 'region', 'gcloud-login', 'account', 'repository', 'cleanup-policy', 'latest']);
    expect(doc.checked.find((c) => c.id === 'docker-entry')).toMatchObject({ status: 'problem' });
    expect(out.join('\n')).toMatch(/\[FAIL\]/);
    w.assertDone();
  });
});
