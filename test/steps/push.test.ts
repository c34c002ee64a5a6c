import { describe, expect, it } from 'vitest';
import { push, VERIFY_RETRY } from '../../src/steps/push.js';
import { verificationArchive } from '../../src/sampleImage.js';
import { createEarly } from '../../src/run/early.js';
import { imagesWithDigest } from '../../src/steps/common.js';
import { ExternalError, UserError, type FailureReason } from '../../src/errors.js';
import { commandsFor, runStep, fakeWorld, match, untilCalls, type Expectation, type PromptAnswer } from '../fakes.js';
import type { Flags } from '../../src/steps/types.js';
import type { DockerImage, WizardState } from '../../src/ports.js';

const P = 'mycoolproject-prod';
const R = 'mycoolproject-repo';
const H = 'southamerica-east1-docker.pkg.dev';
const RN = `projects/${P}/locations/southamerica-east1/repositories/${R}`;
const BASE = `${H}/${P}/${R}/mycoolproject`;
const D = 'sha256:' + 'a'.repeat(64);
const OTHER = 'sha256:' + 'b'.repeat(64);
const SHA = 'a3f9c12';
const state: Partial<WizardState> = { project: P, location: 'southamerica-east1', repository: R, repositoryName: RN, registryHost: H, immutableTags: false };

const amd64 = (ref: string) => ({ call: 'docker.inspectImage', args: [ref], result: { ref, id: 'sha256:1234', os: 'linux', architecture: 'amd64' } }) as Expectation;
const listed = (tags: string[], digest = D, base = BASE): DockerImage => ({ name: `${RN}/dockerImages/mycoolproject@${digest}`, uri: `${base}@${digest}`, tags });
const build = (context = '/home/u/mycoolproject', tag = 'mycoolproject:latest', platform?: string, noCache?: boolean): Expectation => ({
  call: 'docker.build',
  args: [{ context, tag, ...(platform ? { platform } : {}), ...(noCache ? { noCache } : {}) }],
});
// A rebuild for another platform skips the cache (the legacy builder's cache ignores --platform).
const rebuild = (tag: string) => build('/home/u/mycoolproject', tag, 'linux/amd64', true);
// The usual path: the local tags of BASE are exactly ours, so one `docker push --all-tags`.
// With explicit per-tag `pushes`, another local tag exists ('old'), so each tag is pushed by name.
const tagAndPush = (local: string, tags = ['latest', SHA], pushes?: Expectation[]): Expectation[] => [
  ...tags.map((t) => ({ call: 'docker.tag', args: [local, `${BASE}:${t}`] }) as Expectation),
  ...(pushes
    ? [{ call: 'docker.localTags', args: [BASE], result: [...tags, 'old'] } as Expectation, ...pushes]
    : [
        { call: 'docker.localTags', args: [BASE], result: [...tags].reverse() } as Expectation,
        { call: 'docker.pushAllTags', args: [BASE], result: Object.fromEntries(tags.map((t) => [t, { digest: D, size: 528 }])) } as Expectation,
      ]),
];
const allTags = (r: Partial<Expectation>): Expectation => ({ call: 'docker.pushAllTags', args: [BASE], ...r }) as Expectation;
// Both tags made, and what `docker image ls BASE` answered meanwhile (it decides how to push).
const tagsListed = (local: string[]): Expectation[] => [{ call: 'docker.tag', times: 2 }, { call: 'docker.localTags', args: [BASE], result: local }];
const verified = (tags = ['latest', SHA]): Expectation => ({ call: 'api.listDockerImages', args: [RN], result: [listed(['older'], OTHER), listed(tags)] });
const hasDockerfile = (v: boolean): Expectation => ({ call: 'files.exists', args: ['Dockerfile'], result: v });
const git = (sha: string | null = SHA): Expectation => ({ call: 'git.shortSha', result: sha });
// ./Dockerfile built as mycoolproject:latest (amd64), inside a git repository.
const builtHere = (): Expectation[] => [hasDockerfile(true), build(), amd64('mycoolproject:latest'), git()];
// Pushed by name: the first tag (latest) alone, retried if need be, then the others.
const pushL = (r: Partial<Expectation>): Expectation => ({ call: 'docker.push', args: [`${BASE}:latest`], ...r }) as Expectation;
const pushS = (r: Partial<Expectation>): Expectation => ({ call: 'docker.push', args: [`${BASE}:${SHA}`], ...r }) as Expectation;
// A failed push as the Docker adapter reports it: its reason, and what Docker printed.
const pushErr = (reason: FailureReason, stderr: string) => new ExternalError('docker push failed', { command: 'docker push', exitCode: 1, stderrTail: stderr, reason });

type Case = {
  case: string;
  flags?: Partial<Flags>;
  st?: Partial<WizardState>;
  calls: Expectation[];
  answers?: PromptAnswer[];
  want?: Partial<WizardState>;
  commands?: RegExp;
  error?: { cls: Function; message: RegExp; flag?: string; fix?: RegExp };
  warnings?: RegExp;
  notes?: RegExp;
  activities?: RegExp;
};

/** Docker's login was refused: the wizard asks the helper directly, as Docker did. */
const helperAsked = (result: { ok: boolean; username?: string; message?: string }): Expectation => ({ call: 'docker.helperCredential', args: ['gcloud', 'southamerica-east1-docker.pkg.dev'], result });

const cases: Case[] = [
  {
    case: 'Dockerfile present → build, tag latest + sha, push, verify',
    calls: [...builtHere(), ...tagAndPush('mycoolproject:latest'), verified()],
    want: { image: 'mycoolproject', source: 'build', localImage: 'mycoolproject:latest', sha: SHA, imageUris: [`${BASE}:latest`, `${BASE}:${SHA}`], digest: D },
    commands: /docker build -t mycoolproject:latest \.\ndocker tag .*\ndocker tag .*\ndocker push .*:latest\ndocker push .*:a3f9c12/,
  },
  {
    case: 'no Dockerfile → offline verification image (FROM scratch, amd64)',
    calls: [
      hasDockerfile(false),
      // Loaded from memory, not built (no credential helper is asked); the same bytes every time.
      { call: 'docker.load', args: [match((a) => a instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(verificationArchive())), 'the verification image archive')] },
      // made for linux/amd64 here: not inspected
      git(),
      ...tagAndPush('registry-setup-verify:latest'),
      verified(),
    ],
    want: { source: 'sample', localImage: 'registry-setup-verify:latest', digest: D },
    commands: /FROM scratch/,
  },
  {
    case: '--source with a local image and --image',
    flags: { source: { local: 'shop:1.0' }, image: 'mycoolproject' },
    calls: [hasDockerfile(false), amd64('shop:1.0'), git(), ...tagAndPush('shop:1.0'), verified()],
    want: { source: { local: 'shop:1.0' }, localImage: 'shop:1.0' },
  },
  {
    case: '--source with a bad reference',
    flags: { source: { local: '--output=x' } },
    // Flags are validated before anything is looked at.
    calls: [],
    error: { cls: UserError, message: /starts with "-"/, flag: '--source' },
  },
  {
    case: '--source with a missing local image',
    flags: { source: { local: 'nothere:1' } },
    calls: [hasDockerfile(false), { call: 'docker.inspectImage', args: ['nothere:1'], result: null }],
    error: { cls: UserError, message: /no local image "nothere:1"/, flag: '--source' },
  },
  { case: '--source build without a Dockerfile', flags: { source: 'build' }, calls: [hasDockerfile(false)], error: { cls: UserError, message: /needs a Dockerfile/, flag: '--source' } },
  { case: 'invalid --image', flags: { image: 'My App' }, calls: [], error: { cls: UserError, message: /--image "My App"/, flag: '--image' } },
  {
    case: 'outside git → only latest, with a warning',
    calls: [hasDockerfile(true), build(), amd64('mycoolproject:latest'), git(null), ...tagAndPush('mycoolproject:latest', ['latest']), verified(['latest'])],
    want: { sha: null, imageUris: [`${BASE}:latest`] },
    warnings: /only the latest tag/,
  },
  {
    case: 'arm64 build, interactive → rebuild for linux/amd64',
    flags: { image: 'mycoolproject' },
    calls: [
      hasDockerfile(true),
      build(),
      { call: 'docker.inspectImage', result: { ref: 'mycoolproject:latest', id: 'x', os: 'linux', architecture: 'arm64' } },
      rebuild('mycoolproject:latest'),
      amd64('mycoolproject:latest'),
      git(),
      ...tagAndPush('mycoolproject:latest'),
      verified(),
    ],
    answers: [{ select: /What to push first/, answer: 'build' }, { confirm: /Cloud Run runs only linux\/amd64.*Rebuild/, answer: true }],
    want: { localImage: 'mycoolproject:latest' },
    commands: /^docker build --platform linux\/amd64 --no-cache -t mycoolproject:latest \./,
  },
  {
    case: 'arm64 local image, interactive, ./Dockerfile here → offered the rebuild from it',
    flags: { image: 'mycoolproject', source: { local: 'web:dev' } },
    calls: [
      hasDockerfile(true),
      { call: 'docker.inspectImage', result: { ref: 'web:dev', id: 'x', os: 'linux', architecture: 'arm64' } },
      hasDockerfile(true),
      rebuild('web:dev'),
      amd64('web:dev'),
      git(),
      ...tagAndPush('web:dev'),
      verified(),
    ],
    answers: [{ confirm: /web:dev is built for linux\/arm64.*Rebuild/, answer: true }],
    want: { localImage: 'web:dev' },
    commands: /^docker build --platform linux\/amd64 --no-cache -t web:dev \./,
  },
  {
    case: 'arm64 with --yes → warning only',
    flags: { yes: true },
    calls: [
      hasDockerfile(true),
      build(),
      { call: 'docker.inspectImage', result: { ref: 'mycoolproject:latest', id: 'x', os: 'linux', architecture: 'arm64' } },
      git(),
      ...tagAndPush('mycoolproject:latest'),
      verified(),
    ],
    want: { digest: D },
    warnings: /linux\/arm64.*exec format error.*--platform linux\/amd64/,
  },
  {
    case: 'immutable tags and latest is another image → explained',
    st: { ...state, immutableTags: true },
    calls: [...builtHere(), { call: 'api.listDockerImages', args: [RN], result: [listed(['latest', 'old1234'], OTHER)] }],
    error: { cls: UserError, message: /immutable tags.*latest already points to another image/, fix: /--image/ },
  },
  {
    case: 'immutable tags, latest is this very commit (resumed push) → proceeds',
    st: { ...state, immutableTags: true },
    calls: [...builtHere(), { call: 'api.listDockerImages', result: [listed(['latest', SHA])] }, ...tagAndPush('mycoolproject:latest'), verified()],
    want: { digest: D },
  },
  {
    case: 'immutable setting not in saved state → read from the API first',
    st: { ...state, immutableTags: undefined },
    calls: [
      ...builtHere(),
      { call: 'api.getRepository', args: [RN], result: { name: RN, format: 'DOCKER', immutableTags: true } },
      { call: 'api.listDockerImages', args: [RN], result: [listed(['latest'], OTHER)] },
    ],
    error: { cls: UserError, message: /immutable tags/ },
  },
  {
    case: 'unauthorized once (token expired mid-push) → retried once and works',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: pushErr('PUSH_UNAUTHORIZED', 'unauthorized: authentication failed') }),
        pushL({ result: { digest: D } }),
        pushS({ result: { digest: D } }),
      ]),
      verified(),
    ],
    want: { digest: D },
    notes: /log in again; pushing again/,
  },
  {
    case: 'unauthorized twice → explains helper, PATH and configure-docker',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: pushErr('PUSH_UNAUTHORIZED', 'unauthorized: authentication failed') }),
        pushL({ throws: pushErr('PUSH_UNAUTHORIZED', 'unauthorized: authentication failed') }),
      ]),
      helperAsked({ ok: true, username: '_dcgcloud_token' }), // the helper answers: the registry refused it
    ],
    error: { cls: UserError, message: /^docker push .*:latest: Docker could not log in to southamerica-east1-docker.pkg.dev/, fix: /docker-credential-gcloud.*PATH[\s\S]*gcloud auth configure-docker southamerica-east1-docker.pkg.dev/ },
  },
  {
    case: '"no basic auth credentials" → no retry, credentials explained',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [pushL({ throws: pushErr('PUSH_NO_CREDENTIALS', 'no basic auth credentials') })]),
      helperAsked({ ok: true }),
    ],
    error: { cls: UserError, message: /could not log in/, fix: /credHelpers/ },
  },
  {
    case: 'the helper fails (on PATH, but broken) → asked directly, its own words',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [pushL({ throws: pushErr('HELPER_FAILED', 'error getting credentials - err: exit status 1, out: ``') })]),
      helperAsked({ ok: false, message: 'ERROR: (gcloud.auth.docker-helper) You do not currently have an active account selected.' }),
    ],
    error: { cls: UserError, message: /^docker push \S+: docker-credential-gcloud gave no credential for southamerica-east1-docker.pkg.dev \(ERROR: \(gcloud.auth.docker-helper\) You do not currently have an active account selected\.\)\.$/, fix: /gcloud auth login/ },
  },
  {
    case: 'the helper cannot even be asked → the registry\'s refusal explained',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [pushL({ throws: pushErr('HELPER_FAILED', 'error getting credentials - err: exit status 1, out: ``') })]),
      { call: 'docker.helperCredential', args: ['gcloud', 'southamerica-east1-docker.pkg.dev'], throws: new Error('spawn failed') },
    ],
    error: { cls: UserError, message: /could not log in/, fix: /credHelpers/ },
  },
  {
    case: 'denied → writer role or missing repository',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: pushErr('PUSH_DENIED', 'denied: Permission "artifactregistry.repositories.uploadArtifacts" denied on resource') }),
      ]),
      { call: 'gcloud.config', result: { account: 'ana@example.com' } },
    ],
    error: { cls: UserError, message: /denied the push .*permission .*or the repository does not exist/, fix: /--member=user:ana@example.com --role=roles\/artifactregistry.writer/ },
  },
  {
    case: 'adapter reason HELPER_MISSING → PATH explained with the docker login fallback',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: new ExternalError('Docker could not run its credential helper', { reason: 'HELPER_MISSING', stderrTail: 'error getting credentials - err: exec: "docker-credential-gcloud": executable file not found in $PATH' }) }),
      ]),
    ],
    error: { cls: UserError, message: /could not run docker-credential-gcloud/, fix: /--password-stdin southamerica-east1-docker.pkg.dev/ },
  },
  {
    case: 'adapter reason TAG_IMMUTABLE → explained',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [pushL({ throws: new ExternalError('immutable', { reason: 'TAG_IMMUTABLE' }) })]),
    ],
    error: { cls: UserError, message: /immutable tags, so latest cannot be moved/, fix: /--image/ },
  },
  {
    case: 'adapter reason PUSH_CONNECTION → retried once',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: new ExternalError('the connection dropped', { reason: 'PUSH_CONNECTION', retryable: true }) }),
        pushL({ result: { digest: D } }),
        pushS({ result: { digest: D } }),
      ]),
      verified(),
    ],
    want: { digest: D },
  },
  {
    case: 'registry says the API is disabled (turned off since) → that, not a permission story',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: pushErr('SERVICE_DISABLED', 'denied: Artifact Registry API has not been used in project mycoolproject-prod before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/artifactregistry.googleapis.com/overview') }),
      ]),
    ],
    error: { cls: UserError, message: /Artifact Registry API is not enabled in project mycoolproject-prod/, fix: /gcloud services enable artifactregistry.googleapis.com --project=mycoolproject-prod/ },
  },
  {
    case: 'registry says billing is off → the billing link',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [pushL({ throws: pushErr('BILLING_DISABLED', 'denied: This API method requires billing to be enabled.') })]),
    ],
    error: { cls: UserError, message: /Billing is not enabled for project mycoolproject-prod/, fix: /billing\/linkedaccount\?project=mycoolproject-prod/ },
  },
  {
    case: 'a failure without a reason → Docker\'s error as it is, no retry',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [pushL({ throws: new ExternalError('`docker push` failed (exit 1): something odd', { exitCode: 1 }) })]),
    ],
    error: { cls: ExternalError, message: /^docker push .*:latest: `docker push` failed \(exit 1\): something odd/ },
  },
  {
    case: 'reading the immutable setting is refused → the permission story',
    st: { ...state, immutableTags: undefined },
    calls: [
      ...builtHere(),
      { call: 'api.getRepository', args: [RN], throws: new ExternalError('permission denied on project mycoolproject-prod', { code: 7, reason: 'PERMISSION_DENIED' }) },
      { call: 'gcloud.config', result: { account: 'ana@example.com' } },
    ],
    error: { cls: UserError, message: /^read repository mycoolproject-repo: ana@example.com may not read repositories/, fix: /--role=roles\/artifactregistry.writer/ },
  },
  {
    case: 'the check after the push is refused (login expired) → gcloud auth login',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest'),
      { call: 'api.listDockerImages', args: [RN], throws: new ExternalError('Artifact Registry refused the access token (UNAUTHENTICATED)', { code: 16, reason: 'UNAUTHENTICATED' }) },
    ],
    error: { cls: UserError, message: /did not accept your gcloud login/, fix: /gcloud auth login/ },
  },
  {
    case: 'dropped connection → retried once',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: pushErr('PUSH_CONNECTION', 'write tcp 10.0.0.2:443: write: connection reset by peer') }),
        pushL({ result: { digest: D } }),
        pushS({ result: { digest: D } }),
      ]),
      verified(),
    ],
    want: { digest: D },
    notes: /connection dropped/,
  },
  {
    case: 'dropped twice → the error, with context',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ throws: pushErr('PUSH_CONNECTION', 'unexpected EOF') }),
        pushL({ throws: pushErr('PUSH_CONNECTION', 'unexpected EOF') }),
      ]),
    ],
    error: { cls: ExternalError, message: /^docker push .*:latest: docker push failed/ },
  },
  {
    case: 'only the sha push fails → its error, named by its tag (latest went up meanwhile)',
    calls: [
      ...builtHere(),
      ...tagAndPush('mycoolproject:latest', ['latest', SHA], [
        pushL({ result: { digest: D } }),
        pushS({ throws: new ExternalError('immutable', { reason: 'TAG_IMMUTABLE' }) }),
      ]),
    ],
    error: { cls: UserError, message: /^docker push .*:a3f9c12: .*immutable tags, so a3f9c12 cannot be moved/ },
  },
  {
    case: 'all tags at once: unauthorized once (token expired mid-push) → retried once and works',
    calls: [
      ...builtHere(),
      ...tagsListed(['latest', SHA]),
      allTags({ throws: pushErr('PUSH_UNAUTHORIZED', 'unauthorized: authentication failed') }),
      allTags({ result: { latest: { digest: D }, [SHA]: { digest: D } } }),
      verified(),
    ],
    want: { digest: D },
    notes: /log in again; pushing again/,
  },
  {
    case: 'all tags at once: denied → the permission story, with the all-tags command as context',
    calls: [
      ...builtHere(),
      ...tagsListed(['latest', SHA]),
      allTags({ throws: pushErr('PUSH_DENIED', 'denied: Permission "artifactregistry.repositories.uploadArtifacts" denied on resource') }),
      { call: 'gcloud.config', result: { account: 'ana@example.com' } },
    ],
    error: { cls: UserError, message: /^docker push --all-tags .*: The registry denied the push/, fix: /roles\/artifactregistry.writer/ },
  },
  {
    case: 'all tags at once: a tag without a digest in the output is not trusted',
    calls: [
      ...builtHere(),
      ...tagsListed(['latest', SHA]),
      allTags({ result: { latest: { digest: D } } }),
    ],
    error: { cls: ExternalError, message: /reported no digest for a3f9c12/ },
  },
  // The local tags are listed while ours are being made, so the listing may not show ours yet.
  {
    case: 'listed before our tags existed, nothing else there → still one push --all-tags',
    calls: [
      ...builtHere(),
      ...tagsListed([]),
      allTags({ result: { latest: { digest: D }, [SHA]: { digest: D } } }),
      verified(),
    ],
    want: { digest: D },
  },
  {
    case: 'listed before our tags existed, another tag there → each tag pushed by name',
    calls: [
      ...builtHere(),
      ...tagsListed(['old']),
      pushL({ result: { digest: D } }),
      pushS({ result: { digest: D } }),
      verified(),
    ],
    want: { digest: D },
    activities: /other local tags of .* exist \(old\), so each of ours is pushed by name/,
  },
  {
    case: 'Docker older than 20.10 (no --all-tags) → each tag pushed by name',
    calls: [
      ...builtHere(),
      ...tagsListed(['latest', SHA]),
      allTags({ throws: new ExternalError('too old', { reason: 'NO_ALL_TAGS', exitCode: 125 }) }),
      pushL({ result: { digest: D } }),
      pushS({ result: { digest: D } }),
      verified(),
    ],
    want: { digest: D },
  },
  {
    case: 'registry lags: listed on the second look',
    calls: [...builtHere(), ...tagAndPush('mycoolproject:latest'), { call: 'api.listDockerImages', result: [] }, verified()],
    want: { digest: D },
  },
  {
    case: 'digest in the API differs from what Docker reported → ExternalError',
    calls: [
      ...builtHere(), ...tagAndPush('mycoolproject:latest'),
      { call: 'api.listDockerImages', result: [listed(['latest', SHA], OTHER)], times: VERIFY_RETRY.attempts },
    ],
    error: { cls: ExternalError, message: /registry does not confirm it/ },
  },
  {
    case: 'a tag missing in the API → ExternalError',
    calls: [
      ...builtHere(), ...tagAndPush('mycoolproject:latest'),
      { call: 'api.listDockerImages', result: [listed(['latest'])], times: VERIFY_RETRY.attempts },
    ],
    error: { cls: ExternalError, message: /tags a3f9c12 are not on/ },
  },
  {
    case: 'interactive: name it, pick a local image from the list',
    calls: [
      hasDockerfile(true),
      { call: 'docker.listImages', result: [{ ref: 'shop:1.0', id: 'sha256:111', os: 'linux', architecture: 'amd64' }, { ref: 'mycoolproject:dev', id: 'sha256:222' }] },
      amd64('mycoolproject:dev'),
      git(),
      ...tagAndPush('mycoolproject:dev'),
      verified(),
    ],
    answers: [
      { input: /Image name/, answer: '' },
      { select: /What to push first/, answer: (q: { choices: { value: unknown }[] }) => { expect(q.choices.map((c) => c.value)).toEqual(['build', 'local', 'sample']); return 'local'; } },
      { search: /Local image/, answer: 'mycoolproject:dev' },
    ],
    want: { image: 'mycoolproject', source: { local: 'mycoolproject:dev' } },
  },
  {
    case: 'interactive: no local images → asked again without that choice',
    calls: [
      hasDockerfile(false),
      { call: 'docker.listImages', result: [] },
      { call: 'docker.load' },
      git(),
      ...tagAndPush('registry-setup-verify:latest'),
      verified(),
    ],
    answers: [
      { input: /Image name/, answer: 'mycoolproject' },
      { select: /What to push first/, answer: 'local' },
      { select: /What to push first/, answer: (q: { choices: { value: unknown }[] }) => { expect(q.choices.map((c) => c.value)).toEqual(['sample']); return 'sample'; } },
    ],
    want: { source: 'sample' },
    warnings: /no tagged local images/,
  },
];

describe('push step', () => {
  it.each(cases)('$case', async (c) => {
    const w = fakeWorld({ calls: c.calls, answers: c.answers, interactive: !!c.answers });
    const p = runStep(push, w.ctx(c.flags, c.st ?? state), w.env, new AbortController().signal);
    if (c.error) {
      const e = await p.then(() => null, (e) => e);
      expect(e, 'should fail').toBeInstanceOf(c.error.cls);
      expect(e.fullMessage).toMatch(c.error.message);
      if (c.error.flag) expect(e.flag).toBe(c.error.flag);
      if (c.error.fix) expect(e.fix.join('\n')).toMatch(c.error.fix);
    } else {
      const out = await p;
      expect(out.state).toMatchObject(c.want!);
      if (c.commands) expect(out.commands!.join('\n')).toMatch(c.commands);
      expect(out.summary).toMatch(/^mycoolproject:latest( and :\w+)? \(sha256:/);
    }
    if (c.warnings) expect(w.report.warnings.join('\n')).toMatch(c.warnings);
    if (c.notes) expect(w.report.notes.map((n) => ('text' in n ? n.text : '')).join('\n')).toMatch(c.notes);
    if (c.activities) expect(w.report.activities.join('\n')).toMatch(c.activities);
    w.assertDone();
  });

  const done: Partial<WizardState> = { ...state, digest: D, imageUris: [`${BASE}:latest`, `${BASE}:${SHA}`] };
  it.each([
    { case: 'image and both tags still there', images: [listed(['latest', SHA])], st: done, want: true },
    { case: 'latest moved to another image', images: [listed([SHA]), listed(['latest'], OTHER)], st: done, want: false },
    { case: 'image deleted', images: [], st: done, want: false },
  ])('check: $case', async (c) => {
    const w = fakeWorld({ calls: [{ call: 'api.listDockerImages', args: [RN], result: c.images }] });
    expect((await push.check(w.ctx({}, c.st), w.env)).done).toBe(c.want);
    w.assertDone();
  });

  it('plan after a run (resume) repeats what was done', () => {
    const w = fakeWorld();
    const plan = commandsFor(push, w.ctx({}, { ...done, source: 'build', localImage: 'mycoolproject:latest' }));
    expect(plan).toEqual([
      'docker build -t mycoolproject:latest .',
      `docker tag mycoolproject:latest ${BASE}:latest`,
      `docker tag mycoolproject:latest ${BASE}:${SHA}`,
      `docker push ${BASE}:latest`,
      `docker push ${BASE}:${SHA}`,
    ]);
  });

  it('a check that errors means "run it again", not a failed run', async () => {
    const w = fakeWorld({ calls: [{ call: 'api.listDockerImages', throws: new ExternalError('unavailable', { code: 14 }) }] });
    expect(await push.check(w.ctx({}, done), w.env)).toEqual({ done: false, why: expect.stringMatching(/re-check failed \(unavailable\)/) });
    w.assertDone();
  });

  it('check without a push does not call anything', async () => {
    const w = fakeWorld();
    expect((await push.check(w.ctx({}, state), w.env)).done).toBe(false);
    w.assertDone();
  });

  it('plan before anything is known (--dry-run with --project only): the repository is the derived default', () => {
    const w = fakeWorld();
    const plan = commandsFor(push, w.ctx({ project: 'mycoolproject-prod', region: 'southamerica-east1', image: 'web', source: 'sample' }, {}));
    expect(plan.join('\n')).toContain('docker push southamerica-east1-docker.pkg.dev/mycoolproject-prod/mycoolproject-repo/web:latest');
    expect(plan.join('\n')).not.toContain('REPOSITORY');
  });

  it.each([
    { case: 'without --image: the name the run would pick (this folder\'s)', flags: { project: 'mycoolproject-prod', region: 'southamerica-east1', source: 'sample' as const }, want: '/mycoolproject-repo/mycoolproject:latest' },
    { case: '--image wins', flags: { project: 'mycoolproject-prod', region: 'southamerica-east1', image: 'web' }, want: '/mycoolproject-repo/web:latest' },
  ])('plan with the env (--dry-run): $case', ({ flags, want }) => {
    const w = fakeWorld();
    const plan = commandsFor(push, w.ctx(flags, {}), w.env).join('\n');
    expect(plan).toContain(want);
    expect(plan).not.toContain('IMAGE');
    w.assertDone();
  });

  it('plan lists build, tag and push', () => {
    const w = fakeWorld();
    const plan = commandsFor(push, w.ctx({ image: 'app', source: 'build' }, state));
    expect(plan).toEqual([
      'docker build -t app:latest .',
      `docker tag app:latest ${H}/${P}/${R}/app:latest`,
      `docker tag app:latest ${H}/${P}/${R}/app:$(git rev-parse --short HEAD)`,
      `docker push ${H}/${P}/${R}/app:latest`,
      `docker push ${H}/${P}/${R}/app:$(git rev-parse --short HEAD)`,
    ]);
  });
});

describe('push prefetch: the verification image loads while earlier steps run', () => {
  const UP = { clientVersion: '26', serverVersion: '26' };
  const DOWN = { clientVersion: '26', daemonProblem: 'not-running' };
  /** The run's early store, with preflight's `docker info` started (what it will answer). */
  const withDockerInfo = (info: object | undefined) => {
    const early = createEarly();
    if (info) early.start('docker info', async () => info);
    return early;
  };
  it.each([
    { case: '--source sample: loaded early (niced), and the step takes it', flags: { source: 'sample' as const }, info: UP, early: [{ call: 'docker.load' }] as Expectation[], loadedEarly: true },
    { case: 'no --source, no Dockerfile, --yes: loaded early', flags: {}, info: UP, early: [hasDockerfile(false), { call: 'docker.load' }] as Expectation[], loadedEarly: true },
    { case: 'no --source, a Dockerfile: nothing loaded early', flags: {}, info: UP, early: [hasDockerfile(true)], loadedEarly: false },
    { case: "Docker's daemon is down (preflight's docker info): nothing loaded, nothing shown", flags: { source: 'sample' as const }, info: DOWN, early: [] as Expectation[], loadedEarly: false },
    {
      case: 'no docker info started (a resumed run): Docker is asked first, then it loads',
      flags: { source: 'sample' as const },
      info: undefined,
      early: [{ call: 'docker.info', result: UP }, { call: 'docker.load' }] as Expectation[],
      loadedEarly: true,
    },
    {
      case: 'no docker info started, and the daemon is down: nothing loaded',
      flags: { source: 'sample' as const },
      info: undefined,
      early: [{ call: 'docker.info', result: DOWN }] as Expectation[],
      loadedEarly: false,
    },
  ])('$case', async ({ flags, info, early, loadedEarly }) => {
    const w = fakeWorld({ calls: early });
    const prefetched = withDockerInfo(info);
    push.early!({ ...w.ctx(flags, {}), early: prefetched }, w.env);
    await untilCalls(w, early.length);
    const got = prefetched.take('load the verification image');
    expect(got).toBeDefined();
    if (loadedEarly) await expect(got).resolves.toBeUndefined();
    else await expect(got).rejects.toThrow();
    w.assertDone();
    // preflight still gets its own answer: the push only looked at it
    if (info) await expect(prefetched.take('docker info')).resolves.toEqual(info);
  });

  it.each([
    { case: 'a local image chosen by flag', flags: { source: { local: 'shop:1.0' } } },
    { case: 'build chosen by flag', flags: { source: 'build' as const } },
  ])('nothing starts: $case', ({ flags }) => {
    const w = fakeWorld({ calls: [] });
    const prefetched = createEarly();
    push.early!({ ...w.ctx(flags, {}), early: prefetched }, w.env);
    expect(prefetched.take('load the verification image')).toBeUndefined();
    w.assertDone();
  });

  it('run() takes the early load: no second docker load', async () => {
    const w = fakeWorld({
      calls: [
        { call: 'docker.load' }, // early
        hasDockerfile(false),
        git(),
        ...tagAndPush('registry-setup-verify:latest'),
        verified(),
      ],
    });
    const prefetched = withDockerInfo(UP);
    push.early!({ ...w.ctx({ source: 'sample' }, {}), early: prefetched }, w.env);
    await untilCalls(w, 1);
    const out = await runStep(push, { ...w.ctx({ source: 'sample' }, state), early: prefetched }, w.env, new AbortController().signal);
    expect(out.state.source).toBe('sample');
    w.assertDone();
  });
});

describe('the listing that showed the pushed digest is left for the summary', () => {
  it.each([
    { case: 'nothing was listed before', before: undefined },
    { case: 'in place of a listing started with the re-checks, before this push (stale)', before: [listed(['older'], OTHER)] },
  ])('$case', async ({ before }) => {
    const w = fakeWorld({ calls: [hasDockerfile(false), { call: 'docker.load' }, git(), ...tagAndPush('registry-setup-verify:latest'), verified()] });
    const early = createEarly();
    const key = imagesWithDigest(RN, D);
    if (before) early.start(key, async () => before);
    const out = await runStep(push, { ...w.ctx({ yes: true }, state), early }, w.env, new AbortController().signal);
    expect(out.state.digest).toBe(D);
    await expect(early.take(key)).resolves.toEqual([listed(['older'], OTHER), listed(['latest', SHA])]);
    w.assertDone();
  });
});
