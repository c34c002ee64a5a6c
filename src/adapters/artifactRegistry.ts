// The Artifact Registry API, in process, through @google-cloud/artifact-registry (REST mode).
// The library is slow to load (it blocks the event loop meanwhile), so it is loaded lazily
// (deps.loadLibrary): on first use, or in the background via preload() once the run has started its
// first processes. The client and its method stubs are built while gcloud works on the token, for
// the endpoint gcloud will most likely name (a different answer gets a client of its own), and the
// reads a re-run makes are run once through it, answered in process (warmUp), so that the real ones
// find their encoders and decoders built.
//
// Auth: the token comes from the user's gcloud login (gcloud.accessToken()), refreshed once when
// the API answers UNAUTHENTICATED. The endpoint comes from gcloud's api_endpoint_overrides/artifactregistry.
//
// Errors: the auth client is built with validateStatus: () => true so that gax decodes HTTP errors
// into GoogleError with gRPC codes and ErrorInfo.
// Every error leaves as an ExternalError (or UserError) with a short message and its FailureReason;
// what the user should do about a reason is worded once, by the steps (src/steps/failures.ts).
import { CancelError, ExternalError, UserError, isWizardError, type FailureReason } from '../errors.js';
import type { ArtifactRegistryPort, CallOpts, CleanupPolicy, Clock, DockerImage, GcloudPort, ProgressFn, Repository } from '../ports.js';
import { NO_CREDENTIAL, raceSignal } from './gcloud.js';
import { BILLING_DISABLED_TEXT, SERVICE_DISABLED_TEXT } from './googleText.js';
import { memo, memoByKey, sharedWhileRunning } from '../memo.js';
import { redact } from '../redact.js';
import { backoffDelay } from '../retry.js';

// ---------- lazy library ----------

// Only the v1 client: the package's index also loads v1beta2 and its protos.
type ArModule = typeof import('@google-cloud/artifact-registry/build/src/v1/index.js');
type AuthModule = typeof import('google-auth-library');
export interface Lib {
  ar: ArModule;
  auth: AuthModule;
}

/** The library module (src/adapters/artifactRegistryLibrary.ts), however it is loaded. */
export type LoadLibrary = () => Promise<unknown>;

// Run from source, the library is imported; the build gives it a bundle of its own, which
// src/cli.tsx loads (src/adapters/codeCache.ts) and hands over as deps.loadLibrary.
const importLibrary: LoadLibrary | undefined =
  typeof __API_LIBRARY__ === 'string' ? undefined : () => import('./artifactRegistryLibrary.js');

/** A CommonJS module's namespace may come wrapped in `default`. */
const unwrap = <T>(m: unknown, name: string): T => ((m as { default?: Record<string, unknown> }).default?.[name] ? (m as { default: T }).default : (m as T));

/** The library module's two parts, however it was loaded. */
export function toLib(m: unknown): Lib {
  const { ar, auth } = m as { ar: unknown; auth: unknown };
  return { ar: unwrap<ArModule>(ar, 'ArtifactRegistryClient'), auth: unwrap<AuthModule>(auth, 'OAuth2Client') };
}

function libraryLoader(load: LoadLibrary | undefined): () => Promise<Lib> {
  return memo(async (): Promise<Lib> => {
    if (!load) throw new Error('registry-setup: the API library was not given to the adapter');
    return toLib(await load());
  }).get;
}

/**
 * The HTTP client under the API client (gaxios) imports its fetch implementation on its first
 * request, which would otherwise wait until after the token, on the first API call. A request for a
 * `data:` URL makes it do that now, while gcloud is still working, without touching the network.
 */
function warmHttp(auth: AuthModule): Promise<unknown> {
  const gaxios = (auth as unknown as { gaxios?: { request(o: { url: string; responseType: string }): Promise<unknown> } }).gaxios;
  return gaxios ? gaxios.request({ url: 'data:text/plain,', responseType: 'text' }).catch(() => undefined) : Promise.resolve();
}

// ---------- endpoint ----------

export interface ClientEndpoint {
  apiEndpoint: string;
  port: number;
  protocol: 'http' | 'https';
}

export const GOOGLE_ENDPOINT: ClientEndpoint = { apiEndpoint: 'artifactregistry.googleapis.com', port: 443, protocol: 'https' };

/**
 * gcloud's override URL (e.g. "http://127.0.0.1:8080/") → the Node client's options.
 * The Node client cannot use a path prefix, so anything but "/" is refused with a clear message.
 */
export function parseEndpoint(url: string | undefined): ClientEndpoint {
  if (!url) return GOOGLE_ENDPOINT;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`the Artifact Registry endpoint override is not a URL: ${url}`, [
      'Fix or unset it: gcloud config unset api_endpoint_overrides/artifactregistry (or the CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY variable).',
    ]);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UserError(`the Artifact Registry endpoint override must be an http(s) URL: ${url}`, [
      'Fix or unset it: gcloud config unset api_endpoint_overrides/artifactregistry',
    ]);
  }
  if (u.pathname !== '/' && u.pathname !== '') {
    throw new UserError(`the Artifact Registry endpoint override has a path (${u.pathname}), which the API client cannot use: ${url}`, [
      'Serve the API at the root of the host, e.g. http://127.0.0.1:8080/',
    ]);
  }
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { apiEndpoint: host, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol };
}

// ---------- enums and shapes ----------

const FORMATS: Record<number, string> = { 0: 'FORMAT_UNSPECIFIED', 1: 'DOCKER', 2: 'MAVEN', 3: 'NPM', 5: 'APT', 6: 'YUM', 8: 'PYTHON', 9: 'KFP', 10: 'GO', 11: 'GENERIC', 12: 'RUBY' };
const MODES: Record<number, string> = { 0: 'MODE_UNSPECIFIED', 1: 'STANDARD_REPOSITORY', 2: 'VIRTUAL_REPOSITORY', 3: 'REMOTE_REPOSITORY' };

function enumName(v: unknown, table: Record<number, string>): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return table[v] ?? String(v);
  if (typeof v === 'string') return /^\d+$/.test(v) ? (table[Number(v)] ?? v) : v;
  return String(v);
}
export const formatName = (v: unknown): string => enumName(v, FORMATS) ?? 'FORMAT_UNSPECIFIED';
export const modeName = (v: unknown): string | undefined => enumName(v, MODES);

/** int64 (number, string or Long) → number. */
function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(typeof v === 'object' ? String(v) : v);
  return Number.isFinite(n) ? n : undefined;
}

/** google.protobuf.Timestamp ({seconds, nanos}) or RFC 3339 string → RFC 3339 string. */
export function timestamp(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object') {
    const t = v as { seconds?: unknown; nanos?: unknown };
    const s = num(t.seconds);
    if (s === undefined) return undefined;
    const ms = s * 1000 + Math.floor((num(t.nanos) ?? 0) / 1e6);
    return new Date(ms).toISOString();
  }
  return undefined;
}

const ACTIONS: Record<number, string> = { 0: 'ACTION_UNSPECIFIED', 1: 'DELETE', 2: 'KEEP' };
const TAG_STATES: Record<number, string> = { 0: 'TAG_STATE_UNSPECIFIED', 1: 'TAGGED', 2: 'UNTAGGED', 3: 'ANY' };

/** google.protobuf.Duration ({seconds, nanos}, or "N[.f]s") → "Ns" / "N.fs". */
export function duration(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    const m = /^(\d+)(?:\.(\d+))?s$/.exec(v);
    return m ? `${Number(m[1])}${m[2] && Number(m[2]) ? `.${m[2].replace(/0+$/, '')}` : ''}s` : v;
  }
  const d = v as { seconds?: unknown; nanos?: unknown };
  const s = num(d.seconds) ?? 0;
  const nanos = num(d.nanos) ?? 0;
  return nanos ? `${s}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}s` : `${s}s`;
}

const list = (v: unknown): string[] | undefined => (Array.isArray(v) && v.length ? v.map(String) : undefined);

/** Copies the defined values only, so equal policies compare equal whatever the decoder left out. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function toCleanupPolicy(id: string, raw: Record<string, unknown>): CleanupPolicy {
  const c = raw.condition as Record<string, unknown> | null | undefined;
  const m = (raw.mostRecentVersions ?? raw.most_recent_versions) as Record<string, unknown> | null | undefined;
  const tagState = enumName(c?.tagState, TAG_STATES);
  const out: CleanupPolicy = { id, action: enumName(raw.action, ACTIONS) ?? 'ACTION_UNSPECIFIED' };
  if (c) {
    out.condition = defined({
      tagState: tagState && tagState !== 'TAG_STATE_UNSPECIFIED' ? (tagState as 'TAGGED' | 'UNTAGGED' | 'ANY') : undefined,
      tagPrefixes: list(c.tagPrefixes),
      versionNamePrefixes: list(c.versionNamePrefixes),
      packageNamePrefixes: list(c.packageNamePrefixes),
      olderThan: duration(c.olderThan),
      newerThan: duration(c.newerThan),
    });
  }
  if (m) out.mostRecentVersions = defined({ packageNamePrefixes: list(m.packageNamePrefixes), keepCount: num(m.keepCount) });
  return out;
}

/** Repository.cleanupPolicies (map id → policy; enum names or ints) → a list sorted by id. */
export function toCleanupPolicies(v: unknown): CleanupPolicy[] {
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, Record<string, unknown>>)
    .filter(([, p]) => p && typeof p === 'object')
    .map(([id, p]) => toCleanupPolicy(id, p))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** A policy as the client takes it: enum names, durations as {seconds, nanos}. */
function toApiPolicy(p: CleanupPolicy): Record<string, unknown> {
  const seconds = (d: string | undefined) => {
    const m = d ? /^(\d+)(?:\.(\d+))?s$/.exec(d) : null;
    return m ? { seconds: Number(m[1]), nanos: Number((m[2] ?? '').padEnd(9, '0')) } : undefined;
  };
  const c = p.condition;
  return defined({
    id: p.id,
    action: p.action,
    condition: c ? defined({ ...c, olderThan: seconds(c.olderThan), newerThan: seconds(c.newerThan) }) : undefined,
    mostRecentVersions: p.mostRecentVersions,
  });
}

export function toRepository(r: Record<string, unknown>): Repository {
  const docker = r.dockerConfig as { immutableTags?: unknown } | null | undefined;
  const out: Repository = { name: String(r.name ?? ''), format: formatName(r.format) };
  const mode = modeName(r.mode);
  if (mode) out.mode = mode === 'MODE_UNSPECIFIED' ? 'STANDARD_REPOSITORY' : mode;
  const size = num(r.sizeBytes);
  if (size !== undefined) out.sizeBytes = size;
  const ct = timestamp(r.createTime);
  if (ct) out.createTime = ct;
  if (docker && typeof docker === 'object') out.immutableTags = docker.immutableTags === true;
  out.cleanupPolicies = toCleanupPolicies(r.cleanupPolicies);
  if (r.cleanupPolicyDryRun === true) out.cleanupPolicyDryRun = true;
  return out;
}

export function toDockerImage(i: Record<string, unknown>): DockerImage {
  const out: DockerImage = { name: String(i.name ?? ''), uri: String(i.uri ?? ''), tags: Array.isArray(i.tags) ? i.tags.map(String) : [] };
  const size = num(i.imageSizeBytes);
  if (size !== undefined) out.imageSizeBytes = size;
  const up = timestamp(i.uploadTime);
  if (up) out.uploadTime = up;
  if (typeof i.mediaType === 'string' && i.mediaType) out.mediaType = i.mediaType;
  return out;
}

// ---------- errors ----------

export const GRPC_NAMES: Record<number, string> = {
  0: 'OK',
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

const HTTP_TO_GRPC: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 499: 1, 500: 13, 501: 12, 502: 14, 503: 14, 504: 4 };

const NETWORK_TRANSIENT = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ENETUNREACH', 'EHOSTUNREACH']);

/** What we know about a failed call, whatever shape the library threw. */
export interface ApiFailure {
  code?: number; // gRPC
  httpStatus?: number;
  reason?: string; // ErrorInfo's, as the API sent it
  metadata?: Record<string, string>;
  message: string;
  network?: string; // ECONNRESET etc.
}

export function describeFailure(e: unknown): ApiFailure {
  const err = (e ?? {}) as Record<string, unknown>;
  const message = typeof err.message === 'string' ? err.message : String(e);
  const out: ApiFailure = { message };
  const code = err.code;
  if (typeof code === 'number') {
    if (code >= 0 && code <= 16) out.code = code;
    else if (code >= 100) {
      out.httpStatus = code;
      out.code = HTTP_TO_GRPC[code] ?? (code >= 500 ? 14 : 2);
    }
  } else if (typeof code === 'string') {
    if (/^\d{3}$/.test(code)) {
      out.httpStatus = Number(code);
      out.code = HTTP_TO_GRPC[out.httpStatus] ?? (out.httpStatus >= 500 ? 14 : 2);
    } else out.network = code;
  }
  const status = (err.response as { status?: unknown } | undefined)?.status;
  if (out.code === undefined && typeof status === 'number') {
    out.httpStatus = status;
    out.code = HTTP_TO_GRPC[status] ?? (status >= 500 ? 14 : 2);
  }
  if (typeof err.reason === 'string') out.reason = err.reason;
  if (err.errorInfoMetadata && typeof err.errorInfoMetadata === 'object') {
    out.metadata = Object.fromEntries(Object.entries(err.errorInfoMetadata as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  // Network failures can hide in a cause chain (fetch → "socket hang up").
  if (!out.network && out.code === undefined) {
    let c: unknown = err.cause;
    for (let i = 0; c && i < 4; i++) {
      const cc = c as Record<string, unknown>;
      if (typeof cc.code === 'string' && !/^\d+$/.test(cc.code)) {
        out.network = cc.code;
        break;
      }
      c = cc.cause;
    }
    if (!out.network && /socket hang up|ECONNRESET|other side closed|terminated/i.test(message)) out.network = 'ECONNRESET';
  }
  // A disabled API is recognised by its message too (as gcloud does), not only by ErrorInfo.
  if (!out.reason && SERVICE_DISABLED_TEXT.test(message)) out.reason = 'SERVICE_DISABLED';
  return out;
}

export function isTransient(f: ApiFailure): boolean {
  if (f.network) return NETWORK_TRANSIENT.has(f.network);
  if (f.code === 8 || f.code === 14 || f.code === 4) return f.reason !== 'RATE_LIMIT_EXCEEDED_PERMANENT';
  if (f.code === 13) return f.httpStatus === 500 || /internal error encountered|retry|backend error/i.test(f.message) || f.httpStatus === undefined;
  return false;
}

/** What steps act on, from what the API said; undefined when nothing in particular. */
export function apiReason(f: ApiFailure): FailureReason | undefined {
  if (f.reason === 'SERVICE_DISABLED') return 'SERVICE_DISABLED';
  if (f.reason === 'BILLING_DISABLED' || BILLING_DISABLED_TEXT.test(f.message)) return 'BILLING_DISABLED';
  if (f.network === 'ECONNREFUSED' || f.network === 'ENOTFOUND') return 'UNREACHABLE';
  switch (f.code) {
    case 16:
      return 'UNAUTHENTICATED';
    case 7:
      return 'PERMISSION_DENIED';
    case 5:
      return 'NOT_FOUND';
    case 6:
      return 'ALREADY_EXISTS';
    case 3:
    case 9:
    case 11:
      return 'INVALID_REQUEST';
    default:
      return isTransient(f) ? 'UNAVAILABLE' : undefined;
  }
}

/** The project the error is about: the one we asked about, else the one ErrorInfo names (may be a number). */
function projectOf(f: ApiFailure, asked?: string): string | undefined {
  if (asked) return asked;
  const consumer = f.metadata?.consumer ?? f.metadata?.containerInfo;
  const m = consumer && /^projects\/([^/]+)/.exec(consumer);
  return m ? m[1] : undefined;
}

/**
 * A cause safe to keep on our error: the library's errors carry the request config, including the
 * Authorization header, so only the name, code and (redacted) message are kept.
 */
export function safeCause(e: unknown): Error {
  const err = (e ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  const c = new Error(redact(typeof err.message === 'string' ? err.message : String(e)));
  c.name = typeof err.name === 'string' ? err.name : 'Error';
  if (err.code !== undefined) (c as Error & { code?: unknown }).code = err.code;
  c.stack = `${c.name}: ${c.message}`;
  return c;
}

export interface FailureContext {
  /** What we were doing ("create repository x"). */
  what: string;
  project?: string;
  endpoint: ClientEndpoint;
  attempts?: number;
}

/**
 * One API failure → a typed error with its reason and a short message. Never includes a token.
 * Only what the adapter alone knows gets a fix here (its endpoint, its retries).
 */
export function toApiError(e: unknown, ctx: FailureContext): ExternalError | CancelError {
  if (e instanceof CancelError) return e;
  const f = describeFailure(e);
  const reason = apiReason(f);
  const name = f.code !== undefined ? GRPC_NAMES[f.code] : undefined;
  const details = { code: f.code ?? f.network, reason, metadata: f.metadata, retryable: isTransient(f) };
  const project = projectOf(f, ctx.project);
  const apiMsg = redact(f.message).replace(/^\d+ [A-Z_]+: /, '').trim();
  const short = apiMsg.length > 240 ? apiMsg.slice(0, 237) + '…' : apiMsg;
  const host = ctx.endpoint === GOOGLE_ENDPOINT ? 'Artifact Registry' : `the Artifact Registry API at ${ctx.endpoint.protocol}://${ctx.endpoint.apiEndpoint}:${ctx.endpoint.port}`;
  const fail = (message: string, fix: string[] = [], over: { retryable?: boolean } = {}) =>
    new ExternalError(message, { ...details, ...over }, fix, { cause: safeCause(e) });

  switch (reason) {
    case 'SERVICE_DISABLED':
      return fail(`the Artifact Registry API is not enabled for project ${project ?? 'this project'}`, [], { retryable: false });
    case 'BILLING_DISABLED':
      return fail(`billing is not enabled for project ${project || 'this project'}`, [], { retryable: false });
    case 'UNREACHABLE':
      return fail(`could not connect to ${host} (${f.network})`, [
        ctx.endpoint === GOOGLE_ENDPOINT
          ? 'Check your internet connection (and any proxy settings), then run again.'
          : 'Check gcloud\'s api_endpoint_overrides/artifactregistry setting (gcloud config list), or unset it.',
      ]);
    case 'UNAUTHENTICATED':
      return fail(`${host} refused the access token (UNAUTHENTICATED)`);
    case 'PERMISSION_DENIED': {
      const permission = f.metadata?.permission;
      return fail(`permission denied${permission ? ` (${permission})` : ''}${project ? ` on project ${project}` : ''}`);
    }
    case 'NOT_FOUND':
      return fail(`not found: ${short}`);
    case 'ALREADY_EXISTS':
      return fail(`already exists: ${short}`);
    case 'INVALID_REQUEST':
      return fail(`the API refused the request (${name}): ${short}`);
    case 'UNAVAILABLE': {
      const what = f.network ? `the connection was reset (${f.network})` : `${host} is unavailable right now (${name}${f.httpStatus ? ` ${f.httpStatus}` : ''})`;
      return fail(ctx.attempts ? `${what}; gave up after ${ctx.attempts} attempts` : what, [
        'This is usually temporary. Run registry-setup again in a minute: it resumes where it stopped.',
      ]);
    }
    default:
      return fail(`${host} answered with an error${name ? ` (${name})` : f.network ? ` (${f.network})` : ''}: ${short}`);
  }
}

// ---------- retries ----------

export const MAX_ATTEMPTS = 5;
/** Full jitter (src/retry.ts) over caps of 2, 4, 8, 16 s: on average 1, 2, 4, 8 s before attempts 2 to 5. */
const BACKOFF_BASE_MS = 2000;
const BACKOFF_MAX_MS = 32_000;

export function retryText(delayMs: number, attempt: number, of: number): string {
  const s = delayMs < 10_000 ? Math.max(0.1, Math.round(delayMs / 100) / 10) : Math.round(delayMs / 1000);
  const shown = Number.isInteger(s) ? String(s) : s.toFixed(1);
  return `retrying in ${shown} s, attempt ${attempt} of ${of}`;
}

// ---------- the adapter ----------

type Client = InstanceType<ArModule['ArtifactRegistryClient']>;

interface Session {
  client: Client;
  endpoint: ClientEndpoint;
  /** Replace the token after UNAUTHENTICATED (calls that failed with the same token share one refresh). */
  refresh(seenGeneration: number): Promise<void>;
  /** Bumped each time the token is replaced. */
  generation(): number;
}

/** What every call needs: the run's one session (made on first use) and the clock for its waits. */
interface Api {
  session(): Promise<Session>;
  clock: Clock;
}

const CALL_TIMEOUT_MS = 60_000;

/** The auth client under the API client; while `answer` is set, it answers the client's requests itself. */
type OAuth = InstanceType<AuthModule['OAuth2Client']> & { answer?: (url: string) => string };

/** A client made before the token: its auth client gets the token when gcloud gives it. */
export interface Prepared {
  client: Client;
  oauth: OAuth;
  endpoint: ClientEndpoint;
}

function newOAuth(auth: AuthModule): OAuth {
  // The user's gcloud login; without one, gcloud's error (with the login fix) is the answer.
  const oauth: OAuth = new auth.OAuth2Client({ transporterOptions: { validateStatus: () => true } } as ConstructorParameters<AuthModule['OAuth2Client']>[0]);
  const fetchForReal = oauth.fetch.bind(oauth);
  // The API client sends every request through here, with its URL as a string.
  oauth.fetch = ((...args: Parameters<OAuth['fetch']>) => {
    const answer = oauth.answer;
    if (!answer || typeof args[0] !== 'string') return fetchForReal(...args);
    return Promise.resolve(new Response(answer(args[0]), { status: 200, headers: { 'content-type': 'application/json' } }));
  }) as OAuth['fetch'];
  return oauth;
}

export function prepare({ ar, auth }: Lib, endpoint: ClientEndpoint): Prepared {
  const oauth = newOAuth(auth);
  const client = new ar.ArtifactRegistryClient({
    fallback: true,
    apiEndpoint: endpoint.apiEndpoint,
    port: endpoint.port,
    protocol: endpoint.protocol,
    authClient: oauth as unknown, // gax types it with its own copy of google-auth-library
  } as ConstructorParameters<ArModule['ArtifactRegistryClient']>[0]);
  return { client, oauth, endpoint };
}

// The warm-up's calls, answered in process with every field the API's own answers carry: the
// client builds each message type's encoder and decoder on first use, which would otherwise happen
// after the token, between the calls a re-run waits for.
const WARM_PROJECT = 'projects/registry-setup-warm-up';
const WARM_REPO = `${WARM_PROJECT}/locations/warm-up/repositories/warm-up`;
const WARM_TIME = '2026-01-01T00:00:00.000Z';
const WARM_ANSWERS: [RegExp, object][] = [
  [/\/dockerImages$/, {
    dockerImages: [{ name: `${WARM_REPO}/dockerImages/app@sha256:0`, uri: 'warm-up', tags: ['latest'], imageSizeBytes: '1', uploadTime: WARM_TIME, mediaType: 'warm-up', buildTime: WARM_TIME, updateTime: WARM_TIME }],
  }],
  [/\/repositories\/[^/]+$/, {
    name: WARM_REPO, format: 'DOCKER', description: 'warm-up', labels: { k: 'v' }, createTime: WARM_TIME, updateTime: WARM_TIME, mode: 'STANDARD_REPOSITORY', sizeBytes: '1', registryUri: 'warm-up', cleanupPolicyDryRun: false,
    cleanupPolicies: {
      keep: { id: 'keep', action: 'KEEP', mostRecentVersions: { keepCount: 1 } },
      del: { id: 'del', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: '1s' } },
    },
  }],
  [/\/locations$/, { locations: [{ name: `${WARM_PROJECT}/locations/warm-up`, locationId: 'warm-up' }] }],
];

async function drain(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The reads a re-run makes, answered in process: nothing leaves it, and no token is needed. What they decoded to. */
export async function warmUp(p: Prepared): Promise<unknown[]> {
  p.oauth.answer = (url) => JSON.stringify(WARM_ANSWERS.find(([re]) => re.test(new URL(url).pathname))?.[1] ?? {});
  try {
    return await Promise.all([
      p.client.getRepository({ name: WARM_REPO }).then(([r]) => r),
      drain(p.client.listDockerImagesAsync({ parent: WARM_REPO }, { autoPaginate: false })),
      drain(p.client.listLocationsAsync({ name: WARM_PROJECT }, { autoPaginate: false })),
    ]);
  } finally {
    p.oauth.answer = undefined;
  }
}

/**
 * Build the client and its method stubs now (parsing the API's protos takes a while), for the
 * endpoint gcloud will most likely name; the session takes it when gcloud does name that one, and
 * only once this promise resolves: never while the warm-up's answers are the client's.
 */
function prepareEarly(loadLib: () => Promise<Lib>, endpointUrl: string | undefined): Promise<Prepared | undefined> {
  return loadLib()
    .then(async (lib) => {
      const p = prepare(lib, parseEndpoint(endpointUrl));
      await Promise.all([p.client.initialize(), p.client.locationsClient.initialize(), warmHttp(lib.auth)]);
      await warmUp(p).catch(() => undefined); // only a warm-up: the real calls build what they need
      return p;
    })
    .catch(() => undefined); // a bad override URL: the session says so, with gcloud's value
}

const sameEndpoint = (a: ClientEndpoint, b: ClientEndpoint) => a.apiEndpoint === b.apiEndpoint && a.port === b.port && a.protocol === b.protocol;

async function makeSession(
  gcloud: GcloudPort,
  loadLib: () => Promise<Lib>,
  endpointOverride: string | undefined,
  early: Promise<Prepared | undefined> | undefined,
): Promise<Session> {
  // The library loads while gcloud answers (both take a while).
  const [url, lib, made] = await Promise.all([endpointOverride ?? gcloud.config().then((c) => c.artifactRegistryEndpoint), loadLib(), early]);
  const endpoint = parseEndpoint(url);
  const { client, oauth } = made && sameEndpoint(made.endpoint, endpoint) ? made : prepare(lib, endpoint);
  oauth.setCredentials({ access_token: await gcloud.accessToken() });
  let gen = 0;
  // One refresh at a time, shared by the calls that failed with the same token.
  const refreshing = memo(() =>
    gcloud
      .accessToken({ refresh: true })
      .then((fresh) => {
        oauth.setCredentials({ access_token: fresh });
        gen++;
      })
      .finally(() => refreshing.reset()),
  );
  const refresh = (seen: number) => (seen !== gen ? Promise.resolve() : refreshing.get()); // another call already replaced it
  return { client, endpoint, refresh, generation: () => gen };
}

/**
 * Run one API call with: UNAUTHENTICATED → refresh the token once and retry at once;
 * transient failures → bounded exponential backoff with jitter, each retry reported.
 */
async function call<T>(
  api: Api,
  what: string,
  ctx: { project?: string; callText: string },
  opts: CallOpts | undefined,
  fn: (s: Session) => Promise<T>,
  onFail?: (f: ApiFailure, attempt: number) => Promise<{ value: T } | undefined>,
): Promise<T> {
  const signal = opts?.signal;
  let refreshed = false;
  let s: Session;
  try {
    s = await raceSignal(api.session(), signal);
  } catch (e) {
    if (isWizardError(e)) throw e;
    throw new ExternalError(`could not start the Artifact Registry client: ${e instanceof Error ? e.message : String(e)}`, {}, [], { cause: safeCause(e) });
  }
  opts?.onProgress?.({ type: 'call', text: ctx.callText });
  let gen = 0;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new CancelError('cancelled', { cause: signal.reason });
    try {
      gen = s.generation();
      return await raceSignal(fn(s), signal);
    } catch (e) {
      if (e instanceof CancelError) throw e;
      if (isWizardError(e)) throw e;
      const f = describeFailure(e);
      if (onFail) {
        const handled = await onFail(f, attempt);
        if (handled) return handled.value;
      }
      if (f.code === 16 && !refreshed) {
        refreshed = true;
        await s.refresh(gen);
        attempt--; // a token refresh is not a retry of a transient failure
        continue;
      }
      if (isTransient(f) && attempt < MAX_ATTEMPTS) {
        const delayMs = backoffDelay(attempt, BACKOFF_BASE_MS, BACKOFF_MAX_MS, api.clock.random());
        opts?.onProgress?.({ type: 'retry', text: retryText(delayMs, attempt + 1, MAX_ATTEMPTS), attempt: attempt + 1, of: MAX_ATTEMPTS, delayMs });
        await api.clock.sleep(delayMs, { signal });
        continue;
      }
      throw toApiError(e, { what, project: ctx.project, endpoint: s.endpoint, attempts: isTransient(f) ? attempt : undefined });
    }
  }
}

function splitRepo(name: string): { project: string; location: string; repositoryId: string } {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)$/.exec(name);
  if (!m) throw new UserError(`not a repository resource name: ${name}`, ['Expected projects/PROJECT/locations/LOCATION/repositories/REPOSITORY.']);
  return { project: m[1]!, location: m[2]!, repositoryId: m[3]! };
}

async function getRepository(api: Api, name: string, opts?: CallOpts): Promise<Repository | null> {
  const { project } = splitRepo(name);
  return call<Repository | null>(
    api,
    `get repository ${name}`,
    { project, callText: `artifactregistry.repositories.get ${name}` },
    opts,
    async (s) => {
      const [repo] = await s.client.getRepository({ name }, { timeout: CALL_TIMEOUT_MS });
      return toRepository(repo as unknown as Record<string, unknown>);
    },
    async (f) => (f.code === 5 && f.reason !== 'SERVICE_DISABLED' ? { value: null } : undefined),
  );
}

function listLocations(api: Api, project: string, onProgress?: ProgressFn): Promise<string[]> {
  return call(
    api,
    `list locations of project ${project}`,
    { project, callText: `artifactregistry.locations.list projects/${project}` },
    { onProgress },
    async (s) => {
      const ids: string[] = [];
      for await (const loc of s.client.listLocationsAsync({ name: `projects/${project}` }, { timeout: CALL_TIMEOUT_MS, autoPaginate: false })) {
        const l = loc as { locationId?: string | null; name?: string | null };
        const id = l.locationId || (l.name ? l.name.split('/').pop() : undefined);
        if (id) ids.push(id);
      }
      return ids;
    },
  );
}

type CreateArgs = Parameters<ArtifactRegistryPort['createRepository']>[0];

/** A long-running operation (create or delete a repository), as the client returns it and as polling reads it. */
interface Operation {
  done?: boolean | null;
  result?: unknown;
  name?: string;
  error?: unknown;
  __existing?: boolean;
}

async function createRepository(api: Api, args: CreateArgs, opts?: CallOpts): Promise<Repository> {
  const { project, location, repositoryId, description } = args;
  const parent = `projects/${project}/locations/${location}`;
  const name = `${parent}/repositories/${repositoryId}`;
  let sawTransient = false;
  const op = await call(
    api,
    `create repository ${repositoryId}`,
    { project, callText: `artifactregistry.repositories.create ${name}` },
    opts,
    async (s) => {
      const [operation] = await s.client.createRepository(
        { parent, repositoryId, repository: { format: 'DOCKER' as never, ...(description ? { description } : {}) } },
        { timeout: CALL_TIMEOUT_MS },
      );
      return operation;
    },
    async (f) => {
      // A retried create whose first attempt went through: the repository is there. Use it.
      if (f.code === 6 && sawTransient) {
        const existing = await getRepository(api, name, { signal: opts?.signal });
        if (existing) return { value: { done: true, result: existing, name: '', __existing: true } as never };
      }
      if (isTransient(f)) sawTransient = true;
      return undefined;
    },
  );
  const o = op as unknown as Operation;
  if (o.__existing) return o.result as Repository;
  const kind: OperationKind = { project, what: `create repository ${repositoryId}`, check: (s, opName) => s.client.checkCreateRepositoryProgress(opName) };
  const current = await pollOperation(api, o, kind, opts);
  if (current.error) throw await operationError(api, current, kind);
  if (current.result && typeof current.result === 'object' && (current.result as { name?: unknown }).name) {
    return toRepository(current.result as Record<string, unknown>);
  }
  // Done without a decodable response: read the repository back.
  const repo = await getRepository(api, name, { signal: opts?.signal });
  if (!repo) throw new ExternalError(`create repository ${repositoryId}: the operation finished but the repository is not there`, {});
  return repo;
}

/** What polling an operation needs: the words for messages, and the client's check for this kind of operation. */
interface OperationKind {
  project: string;
  /** "create repository x" */
  what: string;
  check(s: Session, opName: string): Promise<unknown>;
}

/** Poll the long-running operation ourselves (with the injected clock) so each poll shows. */
async function pollOperation(api: Api, op: Operation, kind: OperationKind, opts?: CallOpts): Promise<Operation> {
  const { clock } = api;
  let current = op;
  const started = clock.now();
  let polls = 0;
  const schedule = [100, 200, 400, 800, 1000];
  while (!current.done) {
    const delay = schedule[Math.min(polls, schedule.length - 1)]!;
    polls++;
    await clock.sleep(delay, { signal: opts?.signal });
    const opName = current.name!;
    current = (await call(
      api,
      kind.what,
      { project: kind.project, callText: `artifactregistry.operations.get ${opName}` },
      { signal: opts?.signal, onProgress: (n) => (n.type === 'retry' ? opts?.onProgress?.(n) : undefined) },
      (s) => kind.check(s, opName),
    )) as Operation;
    const secs = Math.round((clock.now() - started) / 100) / 10;
    opts?.onProgress?.({
      type: 'line',
      text: current.done ? `operation finished (after ${polls} ${polls === 1 ? 'poll' : 'polls'}, ${secs} s)` : `operation still running (poll ${polls}, ${secs} s)`,
    });
    if (polls > 600) {
      throw new ExternalError(`${kind.what}: the operation did not finish`, { retryable: true }, [
        'Run registry-setup again later: it looks at the repository before doing anything.',
      ]);
    }
  }
  return current;
}

/** A finished operation's error, as the call's own error would be. */
async function operationError(api: Api, op: Operation, kind: Pick<OperationKind, 'project' | 'what'>): Promise<ExternalError | CancelError> {
  const s = await api.session();
  const raw = op.error as { code?: unknown; message?: unknown };
  return toApiError({ code: raw.code, message: raw.message } as unknown, { what: kind.what, project: kind.project, endpoint: s.endpoint });
}

/**
 * Deletes the repository (and so every image in it), waiting for the long-running operation.
 * True when this call deleted it; false when it was not there (never was, or already deleted).
 */
async function deleteRepository(api: Api, name: string, opts?: CallOpts): Promise<boolean> {
  const { project, repositoryId } = splitRepo(name);
  const kind: OperationKind = { project, what: `delete repository ${repositoryId}`, check: (s, opName) => s.client.checkDeleteRepositoryProgress(opName) };
  const op = await call<Operation | null>(
    api,
    kind.what,
    { project, callText: `artifactregistry.repositories.delete ${name}` },
    opts,
    async (s) => {
      const [operation] = await s.client.deleteRepository({ name }, { timeout: CALL_TIMEOUT_MS });
      return operation as unknown as Operation;
    },
    // Gone already (a retried delete whose first attempt went through, or an earlier run's).
    async (f) => (f.code === 5 && f.reason !== 'SERVICE_DISABLED' ? { value: null } : undefined),
  );
  if (!op) return false;
  const current = await pollOperation(api, op, kind, opts);
  if (!current.error) return true;
  const err = await operationError(api, current, kind);
  if (err instanceof ExternalError && err.details.reason === 'NOT_FOUND') return false;
  throw err;
}

async function listDockerImages(api: Api, repositoryName: string, opts?: CallOpts): Promise<DockerImage[]> {
  const { project } = splitRepo(repositoryName);
  return call(
    api,
    `list images in ${repositoryName}`,
    { project, callText: `artifactregistry.dockerImages.list ${repositoryName}` },
    opts,
    async (s) => {
      const out: DockerImage[] = [];
      for await (const img of s.client.listDockerImagesAsync({ parent: repositoryName }, { timeout: CALL_TIMEOUT_MS, autoPaginate: false })) {
        out.push(toDockerImage(img as unknown as Record<string, unknown>));
      }
      return out;
    },
  );
}

/** The update mask of a cleanup policy change: the policies (replaced whole) and the dry-run switch, as gcloud's --no-dry-run sends. */
export const CLEANUP_MASK = ['cleanup_policies', 'cleanup_policy_dry_run'];

async function setCleanupPolicies(api: Api, name: string, policies: CleanupPolicy[], dryRun: boolean, opts?: CallOpts): Promise<Repository> {
  const { project } = splitRepo(name);
  return call(api, `set the cleanup policies of ${name}`, { project, callText: `artifactregistry.repositories.patch ${name} (updateMask ${CLEANUP_MASK.join(',')})` }, opts, async (s) => {
    const cleanupPolicies = Object.fromEntries(policies.map((p) => [p.id, toApiPolicy(p)]));
    const [repo] = await s.client.updateRepository(
      { repository: { name, cleanupPolicies, cleanupPolicyDryRun: dryRun } as never, updateMask: { paths: CLEANUP_MASK } },
      { timeout: CALL_TIMEOUT_MS },
    );
    return toRepository(repo as unknown as Record<string, unknown>);
  });
}

export function createArtifactRegistry(deps: {
  gcloud: GcloudPort;
  clock: Clock;
  /** The endpoint, when the caller knows it (gcloud is not asked). */
  endpoint?: string;
  /** The endpoint gcloud will most likely name (its environment override): a client is prepared for it (preload(), or the first session). */
  likelyEndpoint?: string;
  /** How the library is loaded (the build's bundle); default, run from source: imported. */
  loadLibrary?: LoadLibrary;
}): ArtifactRegistryPort & { /** Load and prepare the client, warm its HTTP stack (never rejects; no request is sent, gcloud is not asked). */ preload(): Promise<void> } {
  let early: Promise<Prepared | undefined> | undefined;
  const loadLib = libraryLoader(deps.loadLibrary ?? importLibrary);
  const prepareNow = () => (early ??= prepareEarly(loadLib, deps.endpoint ?? deps.likelyEndpoint));
  // A session asked for before the token (a re-run's re-checks start at once) prepares the client while it waits.
  const api: Api = { session: memo(() => makeSession(deps.gcloud, loadLib, deps.endpoint, prepareNow())).get, clock: deps.clock };
  // One list per project and run (the project and region steps both ask, at once on a re-run).
  const locations = memoByKey((project: string, onProgress?: ProgressFn) => listLocations(api, project, onProgress));
  // A re-run's push check and the summary's listing ask at the same moment: one request answers both.
  const images = sharedWhileRunning((name: string, onProgress?: ProgressFn) => listDockerImages(api, name, { onProgress }));
  return {
    preload: () => prepareNow().then(() => undefined), // prepareEarly never rejects
    listLocations(project, opts) {
      // Each caller may stop waiting (its own signal) without stopping the shared list.
      return raceSignal(locations(project, opts?.onProgress), opts?.signal).then((ids) => [...ids]);
    },
    getRepository: (name, opts) => getRepository(api, name, opts),
    createRepository: (args, opts) => createRepository(api, args, opts),
    deleteRepository: (name, opts) => deleteRepository(api, name, opts),
    listDockerImages: (repositoryName, opts) => raceSignal(images(repositoryName, opts?.onProgress), opts?.signal).then((list) => [...list]),
    setCleanupPolicies: (name, policies, dryRun, opts) => setCleanupPolicies(api, name, policies, dryRun, opts),
  };
}
