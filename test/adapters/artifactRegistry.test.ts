// Pure parts of the Artifact Registry adapter: endpoint parsing, enum and shape mapping, error
// mapping and retry notes. The adapter against the emulator is in test/lab/adapter-artifact-registry.test.ts.
import { describe, expect, it } from 'vitest';
import { NO_CREDENTIAL } from '../../src/adapters/gcloud.js';
import type { Clock, GcloudPort } from '../../src/ports.js';
import {
  GOOGLE_ENDPOINT,
  apiReason,
  type ApiFailure,
  createArtifactRegistry,
  describeFailure,
  formatName,
  isTransient,
  modeName,
  parseEndpoint,
  retryText,
  safeCause,
  duration,
  toApiError,
  toCleanupPolicies,
  toDockerImage,
  toRepository,
} from '../../src/adapters/artifactRegistry.js';
import { CancelError, ExternalError, UserError, type FailureReason } from '../../src/errors.js';

describe('parseEndpoint', () => {
  it.each([
    { url: undefined, want: GOOGLE_ENDPOINT },
    { url: '', want: GOOGLE_ENDPOINT },
    { url: 'http://127.0.0.1:8080/', want: { apiEndpoint: '127.0.0.1', port: 8080, protocol: 'http' } },
    { url: 'http://localhost/', want: { apiEndpoint: 'localhost', port: 80, protocol: 'http' } },
    { url: 'https://us-artifactregistry.googleapis.com/', want: { apiEndpoint: 'us-artifactregistry.googleapis.com', port: 443, protocol: 'https' } },
    { url: 'http://[::1]:9000/', want: { apiEndpoint: '::1', port: 9000, protocol: 'http' } },
  ])('$url', ({ url, want }) => {
    expect(parseEndpoint(url)).toEqual(want);
  });
  it.each([
    { url: 'not a url', msg: /not a URL/ },
    { url: 'ftp://x/', msg: /http\(s\)/ },
    { url: 'http://127.0.0.1:8080/ar/', msg: /has a path \(\/ar\/\)/ },
  ])('refuses $url', ({ url, msg }) => {
    expect(() => parseEndpoint(url)).toThrow(UserError);
    expect(() => parseEndpoint(url)).toThrow(msg);
  });
});

describe('shapes', () => {
  it.each([
    { v: 1, f: 'DOCKER' },
    { v: 'DOCKER', f: 'DOCKER' },
    { v: 2, f: 'MAVEN' },
    { v: '8', f: 'PYTHON' },
    { v: 12, f: 'RUBY' },
    { v: 99, f: '99' },
    { v: undefined, f: 'FORMAT_UNSPECIFIED' },
  ])('format $v → $f', ({ v, f }) => expect(formatName(v)).toBe(f));
  it.each([
    { v: 1, m: 'STANDARD_REPOSITORY' },
    { v: 3, m: 'REMOTE_REPOSITORY' },
    { v: 'VIRTUAL_REPOSITORY', m: 'VIRTUAL_REPOSITORY' },
    { v: null, m: undefined },
  ])('mode $v → $m', ({ v, m }) => expect(modeName(v)).toBe(m));

  it('repository from the decoded protobuf shape', () => {
    expect(
      toRepository({
        name: 'projects/p/locations/l/repositories/r',
        format: 1,
        mode: 0,
        sizeBytes: { toString: () => '12345' },
        createTime: { seconds: '1700000000', nanos: 500_000_000 },
        dockerConfig: { immutableTags: true },
      }),
    ).toEqual({
      name: 'projects/p/locations/l/repositories/r',
      format: 'DOCKER',
      mode: 'STANDARD_REPOSITORY',
      sizeBytes: 12345,
      createTime: '2023-11-14T22:13:20.500Z',
      immutableTags: true,
      cleanupPolicies: [],
    });
  });

  it('docker image', () => {
    expect(toDockerImage({ name: 'n', uri: 'l-docker.pkg.dev/p/r/app@sha256:ab', tags: ['latest'], imageSizeBytes: '10', uploadTime: { seconds: 0 }, mediaType: 'm' })).toEqual({
      name: 'n',
      uri: 'l-docker.pkg.dev/p/r/app@sha256:ab',
      tags: ['latest'],
      imageSizeBytes: 10,
      uploadTime: '1970-01-01T00:00:00.000Z',
      mediaType: 'm',
    });
  });
});

describe('cleanup policies', () => {
  it('as the Node client decodes them (enum names, {seconds, nanos}, empty lists, the oneof name) → sorted, canonical', () => {
    expect(
      toCleanupPolicies({
        'keep-most-recent': { id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10, packageNamePrefixes: [] }, conditionType: 'mostRecentVersions' },
        'delete-untagged-30d': {
          id: 'delete-untagged-30d',
          action: 'DELETE',
          condition: { tagState: 'UNTAGGED', tagPrefixes: [], versionNamePrefixes: [], packageNamePrefixes: [], olderThan: { seconds: '2592000', nanos: 0 } },
          conditionType: 'condition',
        },
      }),
    ).toEqual([
      { id: 'delete-untagged-30d', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: '2592000s' } },
      { id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
    ]);
  });

  it('enums as ints, unspecified tag state left out, prefixes kept, JSON durations', () => {
    expect(toCleanupPolicies({ a: { action: 1, condition: { tagState: 0, tagPrefixes: ['v'], newerThan: '1.500s' } }, b: { action: 2, mostRecentVersions: { keepCount: '3' } } })).toEqual([
      { id: 'a', action: 'DELETE', condition: { tagPrefixes: ['v'], newerThan: '1.5s' } },
      { id: 'b', action: 'KEEP', mostRecentVersions: { keepCount: 3 } },
    ]);
  });

  it.each([
    { v: undefined, want: [] },
    { v: null, want: [] },
    { v: {}, want: [] },
    { v: 'x', want: [] },
  ])('none: $v', ({ v, want }) => expect(toCleanupPolicies(v)).toEqual(want));

  it.each([
    { v: { seconds: '2592000', nanos: 0 }, want: '2592000s' },
    { v: { seconds: 1, nanos: 500_000_000 }, want: '1.5s' },
    { v: { seconds: { toString: () => '60' } }, want: '60s' },
    { v: '2592000.0s', want: '2592000s' },
    { v: '2592000s', want: '2592000s' },
    { v: undefined, want: undefined },
  ])('duration $v → $want', ({ v, want }) => expect(duration(v)).toBe(want));

  it('a repository carries them, and the dry-run switch only when on', () => {
    const r = toRepository({ name: 'projects/p/locations/l/repositories/r', format: 'DOCKER', cleanupPolicies: { k: { action: 'KEEP', mostRecentVersions: { keepCount: 2 } } }, cleanupPolicyDryRun: true });
    expect(r.cleanupPolicies).toEqual([{ id: 'k', action: 'KEEP', mostRecentVersions: { keepCount: 2 } }]);
    expect(r.cleanupPolicyDryRun).toBe(true);
    expect(toRepository({ name: 'n', format: 'DOCKER', cleanupPolicyDryRun: false })).not.toHaveProperty('cleanupPolicyDryRun');
  });
});

const ep = { apiEndpoint: '127.0.0.1', port: 8080, protocol: 'http' as const };
const googleError = (code: number, message: string, reason?: string, meta?: Record<string, string>) =>
  Object.assign(new Error(message), { name: 'GoogleError', code, reason, errorInfoMetadata: meta });

describe('error mapping (GoogleError and friends → ExternalError)', () => {
  it.each([
    {
      case: 'SERVICE_DISABLED by ErrorInfo',
      e: googleError(7, 'Artifact Registry API has not been used in project demo before or it is disabled. Enable it by visiting https://x then retry.', 'SERVICE_DISABLED', { consumer: 'projects/demo' }),
      project: undefined,
      message: 'the Artifact Registry API is not enabled for project demo',
      details: { code: 7, reason: 'SERVICE_DISABLED', retryable: false },
      fix: null,
    },
    {
      case: 'SERVICE_DISABLED by message only',
      e: googleError(7, 'Artifact Registry API has not been used in project demo before or it is disabled. Enable it by visiting https://x then retry.'),
      project: 'demo',
      message: 'the Artifact Registry API is not enabled for project demo',
      details: { code: 7, reason: 'SERVICE_DISABLED' },
      fix: null,
    },
    {
      case: 'billing, project id preferred over number',
      e: googleError(7, 'This API method requires billing to be enabled.', 'BILLING_DISABLED', { consumer: 'projects/123' }),
      project: 'demo',
      message: 'billing is not enabled for project demo',
      details: { code: 7, reason: 'BILLING_DISABLED', retryable: false },
      fix: null,
    },
    {
      case: 'permission denied names the permission',
      e: googleError(7, "Permission 'artifactregistry.repositories.create' denied", 'IAM_PERMISSION_DENIED', { permission: 'artifactregistry.repositories.create' }),
      project: 'demo',
      message: 'permission denied (artifactregistry.repositories.create) on project demo',
      details: { code: 7, reason: 'PERMISSION_DENIED', metadata: { permission: 'artifactregistry.repositories.create' } },
      fix: null,
    },
    { case: 'unauthenticated', e: googleError(16, 'Request had invalid authentication credentials.'), project: 'demo', message: /refused the access token/, details: { code: 16, reason: 'UNAUTHENTICATED', retryable: false }, fix: null },
    { case: 'not found', e: googleError(5, 'repository nope not found'), project: 'demo', message: 'not found: repository nope not found', details: { code: 5, reason: 'NOT_FOUND' }, fix: null },
    { case: 'already exists', e: googleError(6, 'the repository already exists'), project: 'demo', message: 'already exists: the repository already exists', details: { code: 6, reason: 'ALREADY_EXISTS' }, fix: null },
    { case: 'invalid argument', e: googleError(3, 'Invalid repository ID'), project: 'demo', message: 'the API refused the request (INVALID_ARGUMENT): Invalid repository ID', details: { code: 3, reason: 'INVALID_REQUEST' }, fix: null },
    { case: 'unavailable after retries', e: googleError(14, 'The service is currently unavailable.'), project: 'demo', attempts: 5, message: /unavailable right now \(UNAVAILABLE\); gave up after 5 attempts/, details: { code: 14, reason: 'UNAVAILABLE', retryable: true }, fix: /resumes/ },
    {
      case: 'raw HTTP status (GaxiosError without decoding)',
      e: Object.assign(new Error('{"error":{}}'), { code: 503 }),
      project: 'demo',
      message: /unavailable right now \(UNAVAILABLE 503\)/,
      details: { code: 14, reason: 'UNAVAILABLE', retryable: true },
      fix: /resumes/,
    },
    {
      case: 'connection reset',
      e: Object.assign(new Error('request to http://127.0.0.1/v1 failed, reason: socket hang up'), { code: 'ECONNRESET' }),
      project: 'demo',
      message: /connection was reset \(ECONNRESET\)/,
      details: { code: 'ECONNRESET', reason: 'UNAVAILABLE', retryable: true },
      fix: /resumes/,
    },
    {
      case: 'connection refused',
      e: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      project: 'demo',
      message: 'could not connect to the Artifact Registry API at http://127.0.0.1:8080 (ECONNREFUSED)',
      details: { code: 'ECONNREFUSED', reason: 'UNREACHABLE', retryable: false },
      fix: /api_endpoint_overrides/,
    },
  ])('$case', ({ e, project, message, details, fix, attempts }) => {
    const err = toApiError(e, { what: 'x', project, endpoint: ep, attempts });
    expect(err).toBeInstanceOf(ExternalError);
    const x = err as ExternalError;
    if (typeof message === 'string') expect(x.message).toBe(message);
    else expect(x.message).toMatch(message);
    expect(x.details).toMatchObject(details);
    // What the user should do about a reason is the steps' to say (src/steps/failures.ts).
    if (fix) expect(x.fix.join('\n')).toMatch(fix);
    else expect(x.fix).toEqual([]);
  });

  it.each([
    { case: 'ErrorInfo SERVICE_DISABLED', f: { code: 7, reason: 'SERVICE_DISABLED', message: '' }, want: 'SERVICE_DISABLED' },
    { case: 'ErrorInfo BILLING_DISABLED', f: { code: 7, reason: 'BILLING_DISABLED', message: '' }, want: 'BILLING_DISABLED' },
    { case: 'billing in the message only', f: { code: 9, message: "Billing account for project '123' is not found. Billing must be enabled for activation of service(s)" }, want: 'BILLING_DISABLED' },
    { case: '"requires billing" in the message', f: { code: 7, message: 'This API method requires billing to be enabled.' }, want: 'BILLING_DISABLED' },
    { case: 'IAM_PERMISSION_DENIED', f: { code: 7, reason: 'IAM_PERMISSION_DENIED', message: '' }, want: 'PERMISSION_DENIED' },
    { case: 'a project that does not exist (CONSUMER_INVALID)', f: { code: 7, reason: 'CONSUMER_INVALID', message: '' }, want: 'PERMISSION_DENIED' },
    { case: 'bare PERMISSION_DENIED', f: { code: 7, message: '' }, want: 'PERMISSION_DENIED' },
    { case: 'UNAUTHENTICATED', f: { code: 16, message: '' }, want: 'UNAUTHENTICATED' },
    { case: 'NOT_FOUND', f: { code: 5, message: '' }, want: 'NOT_FOUND' },
    { case: 'ALREADY_EXISTS', f: { code: 6, message: '' }, want: 'ALREADY_EXISTS' },
    { case: 'INVALID_ARGUMENT', f: { code: 3, message: '' }, want: 'INVALID_REQUEST' },
    { case: 'FAILED_PRECONDITION', f: { code: 9, message: '' }, want: 'INVALID_REQUEST' },
    { case: 'OUT_OF_RANGE', f: { code: 11, message: '' }, want: 'INVALID_REQUEST' },
    { case: '503 (UNAVAILABLE)', f: { code: 14, httpStatus: 503, message: '' }, want: 'UNAVAILABLE' },
    { case: '429 (RESOURCE_EXHAUSTED)', f: { code: 8, httpStatus: 429, message: '' }, want: 'UNAVAILABLE' },
    { case: 'a permanent rate limit', f: { code: 8, reason: 'RATE_LIMIT_EXCEEDED_PERMANENT', message: '' }, want: undefined },
    { case: 'connection reset', f: { network: 'ECONNRESET', message: '' }, want: 'UNAVAILABLE' },
    { case: 'connection refused', f: { network: 'ECONNREFUSED', message: '' }, want: 'UNREACHABLE' },
    { case: 'unknown host', f: { network: 'ENOTFOUND', message: '' }, want: 'UNREACHABLE' },
    { case: 'UNKNOWN', f: { code: 2, message: 'odd' }, want: undefined },
  ] as { case: string; f: ApiFailure; want: FailureReason | undefined }[])('apiReason: $case → $want', ({ f, want }) => expect(apiReason(f)).toBe(want));

  it.each([
    { case: 'ErrorInfo', e: googleError(7, 'x', 'SERVICE_DISABLED'), want: 'SERVICE_DISABLED' },
    { case: 'the message only (as gcloud recognises it)', e: googleError(7, 'Artifact Registry API has not been used in project demo before or it is disabled. Enable it by visiting https://x then retry.'), want: 'SERVICE_DISABLED' },
    { case: 'NOT_FOUND stays NOT_FOUND', e: googleError(5, 'repository nope not found'), want: undefined },
  ])('describeFailure reads a disabled API: $case', ({ e, want }) => expect(describeFailure(e).reason).toBe(want));

  it('CancelError passes through', () => {
    const c = new CancelError();
    expect(toApiError(c, { what: 'x', endpoint: ep })).toBe(c);
  });

  it('the kept cause carries no request config and no token', () => {
    const raw = Object.assign(new Error('failed with Bearer ya29.secret-token-value'), {
      code: 'ECONNRESET',
      config: { headers: { Authorization: 'Bearer ya29.secret-token-value' } },
    });
    const err = toApiError(raw, { what: 'x', endpoint: ep }) as ExternalError;
    const cause = err.cause as Error & Record<string, unknown>;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.config).toBeUndefined();
    expect(JSON.stringify({ m: err.message, c: cause.message, s: cause.stack, d: err.details })).not.toContain('secret-token-value');
    expect(safeCause(raw).message).toBe('failed with Bearer [redacted]');
  });

  it.each([
    { f: { code: 14, message: '' }, t: true },
    { f: { code: 8, message: '' }, t: true },
    { f: { code: 4, message: '' }, t: true },
    { f: { code: 13, message: 'Internal error encountered.' }, t: true },
    { f: { code: 7, message: '' }, t: false },
    { f: { code: 5, message: '' }, t: false },
    { f: { network: 'ECONNRESET', message: '' }, t: true },
    { f: { network: 'ECONNREFUSED', message: '' }, t: false },
  ])('isTransient($f) = $t', ({ f, t }) => expect(isTransient(f)).toBe(t));

  it('describeFailure finds a network code in the cause chain', () => {
    const e = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(describeFailure(e).network).toBe('UND_ERR_SOCKET');
  });
});

describe('retry notes', () => {
  it.each([
    { ms: 2000, text: 'retrying in 2 s, attempt 2 of 5' },
    { ms: 1500, text: 'retrying in 1.5 s, attempt 2 of 5' },
    { ms: 12_400, text: 'retrying in 12 s, attempt 2 of 5' },
  ])('retryText $ms', ({ ms, text }) => expect(retryText(ms, 2, 5)).toBe(text));
});

describe('auth', () => {
  it('no gcloud credential → the gcloud error (log in), no network probe', async () => {
    const noCred = new ExternalError('gcloud has no logged-in account to get an access token from', { reason: NO_CREDENTIAL, exitCode: 1 }, ['Log in with: gcloud auth login']);
    const gcloud = {
      config: async () => ({}),
      accessToken: async () => {
        throw noCred;
      },
    } as unknown as GcloudPort;
    const clock: Clock = { now: () => 0, sleep: async () => undefined, random: () => 0.5 };
    const api = createArtifactRegistry({ gcloud, clock, endpoint: 'http://127.0.0.1:9/' });
    await expect(api.listLocations('demo')).rejects.toBe(noCred);
  });
});
