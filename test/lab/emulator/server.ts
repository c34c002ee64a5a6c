// The Artifact Registry emulator: one plain node:http server on loopback serving
//   /v1/…, /v1beta2/…     Artifact Registry (locations, repositories, operations, dockerImages)
//   /crm/v1/…             Cloud Resource Manager v1 (projects list/get, testIamPermissions)
//   /su/v1/…              Service Usage v1 (services get/list/enable/batchEnable/disable, operations)
//   /__lab/…              admin, no auth, loopback only (world, faults, request log)
// Shapes as measured in /work/shared/reference/wire.md, so the real gcloud and the real
// @google-cloud/artifact-registry (REST) client both accept them.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { MemoryImageCatalog, type CatalogImage, type ImageCatalog } from './catalog.js';
import { CleanupPolicyError, parseCleanupPolicies, type CleanupPolicy } from './cleanup.js';
import {
  ApiError,
  alreadyExists,
  billingDisabled,
  consumerInvalid,
  faultError,
  invalidArgument,
  notFound,
  permissionDenied,
  serviceDisabled,
  unauthenticated,
} from './errors.js';
import {
  AR_SERVICE,
  REPOSITORY_ID_RE,
  SERVICE_TITLES,
  WorldStore,
  formatName,
  modeName,
  repositoryName,
  type ClientKind,
  type FaultSpec,
  type OperationState,
  type ProjectState,
  type RepositoryState,
  type WorldSpec,
} from './world.js';

export type { ImageCatalog, CatalogImage } from './catalog.js';
export { MemoryImageCatalog } from './catalog.js';

export interface EmulatorOptions {
  world?: WorldSpec;
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where dockerImages come from; default an empty MemoryImageCatalog. */
  images?: ImageCatalog;
}

export interface Emulator {
  /** http://HOST:PORT/ (with the trailing slash gcloud's overrides need). */
  url: string;
  port: number;
  world: WorldStore;
  images: ImageCatalog;
  setWorld(spec: WorldSpec): void;
  close(): Promise<void>;
}

const AR_OP_METADATA = 'type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata';
const AR_REPOSITORY = 'type.googleapis.com/google.devtools.artifactregistry.v1.Repository';
const PROTO_EMPTY = 'type.googleapis.com/google.protobuf.Empty';
const SU_ENABLE_RESPONSE = 'type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse';
const SU_BATCH_ENABLE_RESPONSE = 'type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse';
const SU_DISABLE_RESPONSE = 'type.googleapis.com/google.api.serviceusage.v1.DisableServiceResponse';
const CRM_SERVICE = 'cloudresourcemanager.googleapis.com';
const SU_SERVICE = 'serviceusage.googleapis.com';
/** Services whose activation needs billing. */
const NEEDS_BILLING = new Set([
  AR_SERVICE,
  'cloudbuild.googleapis.com',
  'compute.googleapis.com',
  'containerregistry.googleapis.com',
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'sqladmin.googleapis.com',
]);

const FORMAT_HOST: Record<string, string> = {
  DOCKER: 'docker',
  MAVEN: 'maven',
  NPM: 'npm',
  PYTHON: 'python',
  APT: 'apt',
  YUM: 'yum',
  GO: 'go',
  KFP: 'kfp',
  GENERIC: 'generic',
  RUBY: 'ruby',
};

interface Call {
  method: string;
  path: string;
  segs: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
}
interface Reply {
  status: number;
  body: unknown;
}

/**
 * The catalog as the emulator reads it. Deleting a repository deletes its images: the
 * emulator asks the catalog to drop them when the delete is done, and reads of that
 * repository wait until they are gone (a repository created again starts empty).
 */
class EmulatorCatalog implements ImageCatalog {
  /** Drops under way, by repository; each settles to undefined or the error. */
  private readonly dropping = new Map<string, Promise<unknown>>();
  constructor(private readonly inner: ImageCatalog) {}

  forget(project: string, location: string, repositoryId: string): void {
    if (!this.inner.drop) return;
    const key = `${project}/${location}/${repositoryId}`;
    const before = this.dropping.get(key) ?? Promise.resolve();
    const p: Promise<unknown> = before
      .then(() => this.inner.drop!(project, location, repositoryId))
      .then(
        () => {
          if (this.dropping.get(key) === p) this.dropping.delete(key);
          return undefined;
        },
        (err: unknown) => err ?? new Error('drop failed'),
      );
    this.dropping.set(key, p);
  }

  async list(project: string, location: string, repositoryId: string): Promise<CatalogImage[]> {
    const key = `${project}/${location}/${repositoryId}`;
    const pending = this.dropping.get(key);
    if (pending) {
      const err = await pending;
      if (err !== undefined) {
        // Reported once (as a lab problem, by the caller); later reads see what is left.
        if (this.dropping.get(key) === pending) this.dropping.delete(key);
        throw err;
      }
    }
    return this.inner.list(project, location, repositoryId);
  }
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const world = new WorldStore(opts.world);
  const images = opts.images ?? new MemoryImageCatalog();
  const catalog = new EmulatorCatalog(images);
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    handle(world, catalog, req, res).catch((err) => {
      // A bug in the emulator: still a JSON body (never leave a client hanging).
      if (!res.headersSent) send(res, 500, { error: { code: 500, status: 'INTERNAL', message: `lab emulator bug: ${String(err?.stack ?? err)}` } });
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    world,
    images,
    setWorld: (spec) => world.reset(spec),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const s of sockets) s.destroy();
      }),
  };
}

// ---------------------------------------------------------------- plumbing

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 4 * 1024 * 1024) throw invalidArgument('Request body too large.');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || (addr?.startsWith('127.') ?? false);
}

function clientOf(req: http.IncomingMessage, query: URLSearchParams): { client: ClientKind; command?: string } {
  const ua = String(req.headers['user-agent'] ?? '');
  if (/gcloud\//.test(ua)) return { client: 'gcloud', command: /command\/(\S+)/.exec(ua)?.[1] };
  const apiClient = String(req.headers['x-goog-api-client'] ?? '');
  if (/gax\//.test(apiClient) || query.has('$alt')) return { client: 'node' };
  return { client: 'other' };
}

function redactedQuery(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of q) out[k] = k === 'access_token' ? '<redacted>' : v;
  return out;
}

function serviceOfPath(segs: string[]): string {
  if (segs[0] === 'crm') return CRM_SERVICE;
  if (segs[0] === 'su') return SU_SERVICE;
  return AR_SERVICE;
}

async function handle(world: WorldStore, images: EmulatorCatalog, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const t0 = performance.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const raw = req.url ?? '/';
  let url: URL;
  try {
    // Not new URL(raw, base): a path starting with "//" would be taken for a host.
    url = new URL(raw.startsWith('/') ? `http://emulator.invalid${raw}` : raw);
  } catch {
    return send(res, 400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: `Invalid request URL: ${raw}` } });
  }
  const path = url.pathname;
  let segs: string[];
  try {
    segs = path.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    segs = path.split('/').slice(1);
  }
  if (segs.length > 0 && segs[segs.length - 1] === '') segs.pop();

  // ---- admin
  if (segs[0] === '__lab') {
    if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, { error: { code: 403, status: 'PERMISSION_DENIED', message: 'lab admin is loopback only' } });
    try {
      const text = await readBody(req);
      const body = text.trim() ? JSON.parse(text) : undefined;
      const r = admin(world, method, segs.slice(1), body, url.searchParams);
      return send(res, r.status, r.body);
    } catch (err) {
      return send(res, 400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: String((err as Error).message ?? err) } });
    }
  }

  const who = clientOf(req, url.searchParams);
  const entry = world.log({
    method,
    path,
    query: redactedQuery(url.searchParams),
    userAgent: String(req.headers['user-agent'] ?? ''),
    client: who.client,
    command: who.command,
    auth: 'missing',
  });
  const finish = (status: number, body: unknown, headers?: Record<string, string>) => {
    entry.status = status;
    entry.ms = Math.round(performance.now() - t0);
    send(res, status, body, headers);
  };

  let text = '';
  try {
    text = await readBody(req);
  } catch (err) {
    if (err instanceof ApiError) return finish(err.httpStatus, err.body());
    throw err;
  }
  let body: Record<string, unknown> = {};
  let badJson = false;
  if (text.trim()) {
    try {
      const parsed = JSON.parse(text);
      body = parsed && typeof parsed === 'object' ? parsed : {};
      entry.body = parsed;
    } catch {
      badJson = true;
      entry.body = text.slice(0, 200);
    }
  }

  const header = String(req.headers.authorization ?? '');
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  const token = m?.[1]?.trim() ?? url.searchParams.get('access_token') ?? '';
  entry.auth = !token ? 'missing' : world.validToken(token) ? 'ok' : 'invalid';

  // ---- faults come first: they stand for the network and Google's front ends
  const fault: FaultSpec | null = world.takeFault(method, path);
  if (fault) {
    entry.fault = fault.kind;
    if (fault.kind === 'reset') {
      entry.status = 0;
      entry.ms = Math.round(performance.now() - t0);
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'status') {
      const e = faultError(fault.status);
      return finish(e.httpStatus, e.body());
    }
    await sleep(fault.ms);
  }

  // ---- auth (answered after faults, but logged for every call)
  if (entry.auth !== 'ok') {
    const e = unauthenticated(serviceOfPath(segs), entry.auth === 'missing');
    return finish(e.httpStatus, e.body(), e.headers);
  }

  if (badJson) {
    const e = invalidArgument('Invalid JSON payload received.');
    return finish(e.httpStatus, e.body());
  }

  try {
    const call: Call = { method, path, segs, query: url.searchParams, body };
    let reply: Reply;
    if (segs[0] === 'crm' && segs[1] === 'v1') reply = crm(world, { ...call, segs: segs.slice(2) });
    else if (segs[0] === 'su' && segs[1] === 'v1') reply = su(world, { ...call, segs: segs.slice(2) });
    else if (segs[0] === 'v1' || segs[0] === 'v1beta2') reply = await ar(world, images, { ...call, segs: segs.slice(1) });
    else throw notFound(`The requested URL ${path} was not found on this server.`);
    return finish(reply.status, reply.body);
  } catch (err) {
    if (err instanceof ApiError) return finish(err.httpStatus, err.body(), err.headers);
    throw err;
  }
}

// ---------------------------------------------------------------- admin

function admin(world: WorldStore, method: string, segs: string[], body: unknown, q: URLSearchParams): Reply {
  const what = segs.join('/');
  if (what === 'world' && method === 'GET') return { status: 200, body: world.snapshot() };
  if (what === 'world' && (method === 'POST' || method === 'PUT')) {
    world.reset(body as WorldSpec);
    return { status: 200, body: world.snapshot() };
  }
  if (what === 'faults' && method === 'POST') {
    world.addFaults(Array.isArray(body) ? (body as FaultSpec[]) : [body as FaultSpec]);
    return { status: 200, body: { faults: world.pendingFaults() } };
  }
  if (what === 'faults' && method === 'DELETE') {
    world.clearFaults();
    return { status: 200, body: { faults: [] } };
  }
  if (what === 'faults' && method === 'GET') return { status: 200, body: { faults: world.pendingFaults() } };
  if (what === 'requests' && method === 'GET') {
    const since = Number(q.get('since') ?? 0);
    return { status: 200, body: { requests: world.requests.filter((r) => r.seq > since) } };
  }
  if (what === 'requests' && method === 'DELETE') {
    world.clearRequests();
    return { status: 200, body: {} };
  }
  return { status: 404, body: { error: { code: 404, status: 'NOT_FOUND', message: `no admin endpoint ${method} /__lab/${what}` } } };
}

// ---------------------------------------------------------------- helpers

const VERBS = new Set(['testIamPermissions', 'getIamPolicy', 'setIamPolicy', 'enable', 'disable', 'batchEnable', 'batchGet']);

/** Splits "name:verb" off the last segment. */
function verbOf(segs: string[]): { segs: string[]; verb?: string } {
  const last = segs[segs.length - 1];
  const i = last?.lastIndexOf(':') ?? -1;
  // Ignore colons that belong to names (domain-scoped projects "example.com:p", digests "app@sha256:…").
  if (!last || i <= 0 || last.includes('@') || !VERBS.has(last.slice(i + 1))) return { segs };
  return { segs: [...segs.slice(0, -1), last.slice(0, i)], verb: last.slice(i + 1) };
}

const PAGE_TOKEN_PREFIX = 'lab-page:';

function page<T>(items: T[], q: URLSearchParams, defaultSize: number, maxSize: number): { items: T[]; next?: string } {
  const rawSize = q.get('pageSize') ?? q.get('page_size');
  let size = rawSize ? Number(rawSize) : defaultSize;
  if (!Number.isInteger(size) || size < 0) throw invalidArgument(`Invalid page size: ${rawSize}`);
  if (size === 0) size = defaultSize;
  size = Math.min(size, maxSize);
  const token = q.get('pageToken') ?? q.get('page_token') ?? '';
  let offset = 0;
  if (token) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith(PAGE_TOKEN_PREFIX) || !/^\d+$/.test(decoded.slice(PAGE_TOKEN_PREFIX.length))) throw invalidArgument('Invalid page token.');
    offset = Number(decoded.slice(PAGE_TOKEN_PREFIX.length));
  }
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`${PAGE_TOKEN_PREFIX}${offset + size}`).toString('base64url') : undefined;
  return { items: slice, next };
}

function listBody(key: string, p: { items: unknown[]; next?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.items.length) out[key] = p.items;
  if (p.next) out.nextPageToken = p.next;
  return out;
}

/** Checks in Google's order: project exists, API enabled, billing, IAM. Returns the project. */
function gate(world: WorldStore, projectRef: string, permission: string | null, resource: string): ProjectState {
  const project = world.project(projectRef);
  if (!project) throw consumerInvalid(AR_SERVICE, projectRef);
  if (!world.isApiEnabled(project.projectId)) throw serviceDisabled(AR_SERVICE, SERVICE_TITLES[AR_SERVICE], project.projectId);
  if (!project.billing) throw billingDisabled(AR_SERVICE, project.projectNumber);
  if (permission && project.denied.has(permission)) throw permissionDenied(permission, `//artifactregistry.googleapis.com/${resource}`, 'artifactregistry.googleapis.com');
  return project;
}

function needLocation(world: WorldStore, location: string): void {
  if (!world.hasLocation(location)) throw invalidArgument(`Location "${location}" is invalid or not supported by Artifact Registry.`);
}

/** Registry path project part: domain-scoped ids "example.com:p" appear as "example.com/p". */
function uriProject(projectId: string): string {
  return projectId.replace(':', '/');
}

function repositoryJson(r: RepositoryState): Record<string, unknown> {
  const out: Record<string, unknown> = { name: r.name, format: r.format };
  if (r.description) out.description = r.description;
  if (r.labels && Object.keys(r.labels).length) out.labels = r.labels;
  out.createTime = r.createTime;
  out.updateTime = r.updateTime;
  if (r.format === 'DOCKER' && r.immutableTags) out.dockerConfig = { immutableTags: true };
  out.mode = r.mode;
  // Proto3 JSON leaves out defaults: no policies, dry run off.
  if (Object.keys(r.cleanupPolicies).length) out.cleanupPolicies = r.cleanupPolicies;
  if (r.cleanupPolicyDryRun) out.cleanupPolicyDryRun = true;
  out.sizeBytes = '0';
  const host = FORMAT_HOST[r.format];
  if (host) out.registryUri = `${r.location}-${host}.pkg.dev/${uriProject(r.project)}/${r.repositoryId}`;
  return out;
}

function operationJson(op: OperationState): Record<string, unknown> {
  const out: Record<string, unknown> = { name: op.name };
  if (op.metadata) out.metadata = op.metadata;
  if (op.done) {
    out.done = true;
    if (op.error) out.error = { code: op.error.code, message: op.error.message };
    else out.response = op.response ?? { '@type': PROTO_EMPTY };
  }
  return out;
}

function dockerImageJson(repo: RepositoryState, img: CatalogImage): Record<string, unknown> {
  return {
    name: `${repo.name}/dockerImages/${encodeURIComponent(img.image)}@${img.digest}`,
    uri: `${repo.location}-docker.pkg.dev/${uriProject(repo.project)}/${repo.repositoryId}/${img.image}@${img.digest}`,
    tags: img.tags,
    imageSizeBytes: String(img.sizeBytes),
    uploadTime: img.uploadTime,
    mediaType: img.mediaType,
    buildTime: img.buildTime ?? img.uploadTime,
    updateTime: img.uploadTime,
  };
}

function bad(method: string, path: string): ApiError {
  return notFound(`Method ${method} is not supported on ${path} by the lab emulator.`);
}

// ---------------------------------------------------------------- Artifact Registry

async function ar(world: WorldStore, images: EmulatorCatalog, call: Call): Promise<Reply> {
  const { method, query, body } = call;
  const { segs, verb } = verbOf(call.segs);
  if (segs[0] !== 'projects' || segs.length < 3 || segs[2] !== 'locations') throw bad(method, call.path);
  const P = segs[1];
  const n = segs.length;

  // locations
  if (n === 3 && !verb) {
    if (method !== 'GET') throw bad(method, call.path);
    const project = gate(world, P, 'artifactregistry.locations.list', `projects/${P}`);
    const all = world.locations().map((l) => ({ name: `projects/${project.projectId}/locations/${l}`, locationId: l }));
    return { status: 200, body: listBody('locations', page(all, query, 1000, 1000)) };
  }
  const L = segs[3];
  const locName = `projects/${P}/locations/${L}`;
  if (n === 4 && !verb) {
    if (method !== 'GET') throw bad(method, call.path);
    const project = gate(world, P, 'artifactregistry.locations.get', locName);
    if (!world.hasLocation(L)) throw notFound(`Resource '${locName}' was not found`);
    return { status: 200, body: { name: `projects/${project.projectId}/locations/${L}`, locationId: L } };
  }

  // operations
  if (segs[4] === 'operations' && n === 6 && !verb) {
    if (method !== 'GET') throw bad(method, call.path);
    const project = gate(world, P, null, locName);
    const name = `projects/${project.projectId}/locations/${L}/operations/${segs[5]}`;
    const op = world.operations.get(name);
    if (!op || op.api !== 'ar') throw notFound();
    return { status: 200, body: operationJson(world.pollOperation(name)!) };
  }

  if (segs[4] !== 'repositories') throw bad(method, call.path);

  // repositories collection
  if (n === 5 && !verb) {
    if (method === 'GET') {
      const project = gate(world, P, 'artifactregistry.repositories.list', locName);
      needLocation(world, L);
      const prefix = `projects/${project.projectId}/locations/${L}/repositories/`;
      const all = [...world.repositories.values()].filter((r) => r.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
      return { status: 200, body: listBody('repositories', page(all.map(repositoryJson), query, 1000, 1000)) };
    }
    if (method === 'POST') return createRepository(world, P, L, query, body);
    throw bad(method, call.path);
  }

  const R = segs[5];
  const repoResource = `${locName}/repositories/${R}`;

  if (n === 6 && verb === 'testIamPermissions' && method === 'POST') {
    const project = gate(world, P, null, repoResource);
    needLocation(world, L);
    if (!world.repository(project.projectId, L, R)) throw notFound();
    const asked = Array.isArray(body.permissions) ? (body.permissions as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    const granted = asked.filter((p) => !project.denied.has(p));
    return { status: 200, body: granted.length ? { permissions: granted } : {} };
  }
  if (verb) throw bad(method, call.path);

  // one repository
  if (n === 6) {
    if (method === 'GET') {
      const project = gate(world, P, 'artifactregistry.repositories.get', repoResource);
      needLocation(world, L);
      const repo = world.repository(project.projectId, L, R);
      if (!repo) throw notFound();
      return { status: 200, body: repositoryJson(repo) };
    }
    if (method === 'DELETE') {
      const project = gate(world, P, 'artifactregistry.repositories.delete', repoResource);
      needLocation(world, L);
      const repo = world.repository(project.projectId, L, R);
      if (!repo) throw notFound();
      const op = world.newOperation('ar', `projects/${project.projectId}/locations/${L}`, {
        metadata: { '@type': AR_OP_METADATA },
        pendingPolls: world.operationPendingPolls,
        complete: () => {
          // Only this repository (not one created again since); its images go with it.
          if (world.deleteRepository(repo.name, repo)) images.forget(repo.project, repo.location, repo.repositoryId);
          return { response: { '@type': PROTO_EMPTY } };
        },
      });
      return { status: 200, body: operationJson(op) };
    }
    if (method === 'PATCH') return updateRepository(world, P, L, R, query, body);
    throw bad(method, call.path);
  }

  // docker images, and the same content seen as packages / tags / versions
  if ((segs[6] === 'dockerImages' && (n === 7 || n === 8)) || (segs[6] === 'packages' && n >= 7 && n <= 10)) {
    if (method !== 'GET') throw bad(method, call.path);
    const permission = contentPermission(segs);
    if (!permission) throw bad(method, call.path);
    const project = gate(world, P, permission, repoResource);
    needLocation(world, L);
    const repo = world.repository(project.projectId, L, R);
    if (!repo) throw notFound();
    let found: CatalogImage[] = [];
    if (repo.format === 'DOCKER') {
      try {
        found = await images.list(project.projectId, L, R);
      } catch (err) {
        // The lab's registry is not answering: a lab problem, said plainly (a 5xx would only make gcloud retry for 30 s).
        throw new ApiError(400, 'FAILED_PRECONDITION', `lab: the image catalog could not be read: ${String((err as Error)?.message ?? err)}`);
      }
    }
    found.sort((a, b) => a.image.localeCompare(b.image) || a.uploadTime.localeCompare(b.uploadTime) || a.digest.localeCompare(b.digest));
    if (segs[6] === 'packages') return packagesCall(repo, found, segs.slice(7), query);
    if (n === 7) return { status: 200, body: listBody('dockerImages', page(found.map((i) => dockerImageJson(repo, i)), query, 100, 1000)) };
    const ref = segs[7];
    const at = ref.lastIndexOf('@');
    const img = at > 0 ? found.find((i) => i.image === ref.slice(0, at) && i.digest === ref.slice(at + 1)) : undefined;
    if (!img) throw notFound();
    return { status: 200, body: dockerImageJson(repo, img) };
  }
  throw bad(method, call.path);
}

/** The IAM permission for a read of repository content (dockerImages/packages/tags/versions). */
function contentPermission(segs: string[]): string | null {
  const n = segs.length;
  if (segs[6] === 'dockerImages') return n === 7 ? 'artifactregistry.dockerimages.list' : 'artifactregistry.dockerimages.get';
  if (n === 7) return 'artifactregistry.packages.list';
  if (n === 8) return 'artifactregistry.packages.get';
  const kind = segs[8];
  if (kind !== 'tags' && kind !== 'versions') return null;
  return `artifactregistry.${kind}.${n === 9 ? 'list' : 'get'}`;
}

/** Package IDs in resource names encode "/" of image names as %2F. */
const packageId = (image: string): string => image.replace(/\//g, '%2F');
const imageOfPackage = (id: string): string => id.replace(/%2F/gi, '/');

function packagesCall(repo: RepositoryState, found: CatalogImage[], rest: string[], query: URLSearchParams): Reply {
  const byImage = new Map<string, CatalogImage[]>();
  for (const i of found) byImage.set(i.image, [...(byImage.get(i.image) ?? []), i]);
  const pkgJson = (image: string) => {
    const list = byImage.get(image)!;
    const times = list.map((i) => i.uploadTime).sort();
    return { name: `${repo.name}/packages/${packageId(image)}`, createTime: times[0], updateTime: times[times.length - 1] };
  };
  if (rest.length === 0) return { status: 200, body: listBody('packages', page([...byImage.keys()].map(pkgJson), query, 100, 1000)) };
  const image = imageOfPackage(rest[0]);
  const versions = byImage.get(image);
  if (!versions) throw notFound();
  const pkgName = `${repo.name}/packages/${packageId(image)}`;
  if (rest.length === 1) return { status: 200, body: pkgJson(image) };
  const full = (query.get('view') ?? '').toUpperCase() === 'FULL' || query.get('view') === '2';
  const versionJson = (i: CatalogImage) => {
    const out: Record<string, unknown> = { name: `${pkgName}/versions/${i.digest}`, createTime: i.uploadTime, updateTime: i.uploadTime };
    if (full) out.relatedTags = i.tags.map((t) => ({ name: `${pkgName}/tags/${t}`, version: `${pkgName}/versions/${i.digest}` }));
    return out;
  };
  const tags = versions.flatMap((i) => i.tags.map((t) => ({ name: `${pkgName}/tags/${t}`, version: `${pkgName}/versions/${i.digest}` })));
  if (rest[1] === 'tags') {
    if (rest.length === 2) return { status: 200, body: listBody('tags', page(tags, query, 100, 1000)) };
    const tag = tags.find((t) => t.name === `${pkgName}/tags/${rest[2]}`);
    if (!tag) throw notFound();
    return { status: 200, body: tag };
  }
  if (rest.length === 2) return { status: 200, body: listBody('versions', page(versions.map(versionJson), query, 100, 1000)) };
  const v = versions.find((i) => i.digest === rest[2]);
  if (!v) throw notFound();
  return { status: 200, body: versionJson(v) };
}

function createRepository(world: WorldStore, P: string, L: string, query: URLSearchParams, body: Record<string, unknown>): Reply {
  const locName = `projects/${P}/locations/${L}`;
  const project = gate(world, P, 'artifactregistry.repositories.create', locName);
  needLocation(world, L);
  let R = query.get('repositoryId') ?? query.get('repository_id') ?? '';
  if (!R && typeof body.name === 'string') R = body.name.split('/').pop() ?? '';
  if (!R) throw invalidArgument('Repository ID is required.');
  if (!REPOSITORY_ID_RE.test(R))
    throw invalidArgument(
      `Invalid repository ID "${R}": it must start with a lowercase letter, end with a lowercase letter or a number, contain only lowercase letters, numbers and hyphens, and be at most 63 characters long.`,
    );
  const format = formatName(body.format);
  if (!format) throw invalidArgument(body.format === undefined || formatName(body.format) === null ? 'Repository format must be specified.' : `Unsupported format ${String(body.format)}.`);
  const mode = modeName(body.mode);
  if (!mode) throw invalidArgument(`Unsupported mode ${String(body.mode)}.`);
  const name = repositoryName(project.projectId, L, R);
  if (world.repositories.has(name) || world.pendingCreate(name)) throw alreadyExists('the repository already exists');
  const docker = (body.dockerConfig ?? body.docker_config) as Record<string, unknown> | undefined;
  const labels = body.labels && typeof body.labels === 'object' ? (body.labels as Record<string, string>) : undefined;
  const description = typeof body.description === 'string' && body.description ? body.description : undefined;
  const cleanupPolicies = policiesOf(body.cleanupPolicies ?? body.cleanup_policies);
  const cleanupPolicyDryRun = dryRunOf(body.cleanupPolicyDryRun ?? body.cleanup_policy_dry_run);

  const op = world.newOperation('ar', `projects/${project.projectId}/locations/${L}`, {
    metadata: { '@type': AR_OP_METADATA },
    pendingPolls: world.operationPendingPolls,
    creates: name,
    complete: () => {
      if (world.repositories.has(name)) return { error: { code: 6, message: 'the repository already exists' } };
      const now = world.isoNow();
      const repo: RepositoryState = {
        name,
        project: project.projectId,
        location: L,
        repositoryId: R,
        format,
        mode,
        immutableTags: format === 'DOCKER' && Boolean(docker?.immutableTags ?? docker?.immutable_tags),
        description,
        labels: labels && Object.keys(labels).length ? labels : undefined,
        cleanupPolicies,
        cleanupPolicyDryRun,
        createTime: now,
        updateTime: now,
      };
      world.putRepository(repo);
      return { response: { '@type': AR_REPOSITORY, ...repositoryJson(repo) } };
    },
  });
  return { status: 200, body: operationJson(op) };
}

/** Repository fields by JSON name, and what a patch may do with each. */
const REPOSITORY_FIELDS: Readonly<Record<string, 'update' | 'fixed' | 'unmodelled'>> = {
  description: 'update',
  labels: 'update',
  dockerConfig: 'update',
  cleanupPolicies: 'update',
  cleanupPolicyDryRun: 'update',
  // Immutable or output only.
  name: 'fixed',
  format: 'fixed',
  mode: 'fixed',
  kmsKeyName: 'fixed',
  createTime: 'fixed',
  updateTime: 'fixed',
  sizeBytes: 'fixed',
  satisfiesPzs: 'fixed',
  satisfiesPzi: 'fixed',
  registryUri: 'fixed',
  // Real fields the lab does not model.
  mavenConfig: 'unmodelled',
  virtualRepositoryConfig: 'unmodelled',
  remoteRepositoryConfig: 'unmodelled',
  vulnerabilityScanningConfig: 'unmodelled',
  disallowUnspecifiedMode: 'unmodelled',
};

/** JSON field names: Google takes lowerCamel and proto snake_case alike. */
const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function policiesOf(v: unknown): Record<string, CleanupPolicy> {
  try {
    return parseCleanupPolicies(v);
  } catch (e) {
    if (e instanceof CleanupPolicyError) throw invalidArgument(e.message);
    throw e;
  }
}

function dryRunOf(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalidArgument(`Invalid value at 'repository.cleanup_policy_dry_run' (TYPE_BOOL), ${JSON.stringify(v)}`);
  return v;
}

/**
 * PATCH …/repositories/R: the fields named by updateMask (lowerCamel or snake_case, comma
 * separated) take the body's values; a field in the mask but not in the body is cleared (a map
 * is replaced whole). Without a mask, the updatable fields present in the body are updated and
 * the rest ignored (gcloud's delete-cleanup-policies sends the whole repository back so).
 * All or nothing: the repository changes only when every field is valid.
 */
function updateRepository(world: WorldStore, P: string, L: string, R: string, query: URLSearchParams, body: Record<string, unknown>): Reply {
  const resource = `projects/${P}/locations/${L}/repositories/${R}`;
  const project = gate(world, P, 'artifactregistry.repositories.update', resource);
  needLocation(world, L);
  const b: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const f = camel(k);
    if (!Object.hasOwn(REPOSITORY_FIELDS, f)) throw invalidArgument(`Invalid JSON payload received. Unknown name "${k}" at 'repository': Cannot find field.`);
    b[f] = v;
  }
  const maskText = query.get('updateMask') ?? query.get('update_mask') ?? '';
  const given = maskText.split(',').map((s) => s.trim()).filter(Boolean);
  let fields: string[];
  if (given.length) {
    fields = given.map((path) => {
      const f = path.split('.').map(camel).join('.');
      if (f === 'dockerConfig.immutableTags') return 'dockerConfig';
      const kind = f.includes('.') || !Object.hasOwn(REPOSITORY_FIELDS, f) ? undefined : REPOSITORY_FIELDS[f];
      if (kind === 'update') return f;
      if (kind === 'fixed') throw invalidArgument(`Invalid update mask field: ${path} cannot be updated.`);
      if (kind === 'unmodelled') throw invalidArgument(`Invalid update mask field: ${path} (lab: the emulator does not model this field).`);
      throw invalidArgument(`Invalid update mask field: ${path}`);
    });
  } else fields = Object.keys(b).filter((f) => REPOSITORY_FIELDS[f] === 'update');

  const repo = world.repository(project.projectId, L, R);
  if (!repo) throw notFound();
  const next: Partial<RepositoryState> = {};
  for (const f of new Set(fields)) {
    const v = b[f] ?? undefined;
    if (f === 'description') {
      if (v !== undefined && typeof v !== 'string') throw invalidArgument(`Invalid value at 'repository.description' (TYPE_STRING), ${JSON.stringify(v)}`);
      next.description = v ? v : undefined;
    } else if (f === 'labels') {
      if (v !== undefined && (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string')))
        throw invalidArgument(`Invalid value at 'repository.labels' (map<string, string>), ${JSON.stringify(v)}`);
      next.labels = v && Object.keys(v).length ? (v as Record<string, string>) : undefined;
    } else if (f === 'dockerConfig') {
      const d = (v ?? {}) as Record<string, unknown>;
      next.immutableTags = repo.format === 'DOCKER' && Boolean(d.immutableTags ?? d.immutable_tags);
    } else if (f === 'cleanupPolicies') next.cleanupPolicies = policiesOf(v);
    else if (f === 'cleanupPolicyDryRun') next.cleanupPolicyDryRun = dryRunOf(v);
  }
  Object.assign(repo, next, { updateTime: world.isoNow() });
  return { status: 200, body: repositoryJson(repo) };
}

// ---------------------------------------------------------------- Cloud Resource Manager v1

function crmProjectJson(p: ProjectState): Record<string, unknown> {
  return { projectNumber: p.projectNumber, projectId: p.projectId, lifecycleState: p.lifecycleState, name: p.name, createTime: p.createTime };
}

function crmDenied(): ApiError {
  return new ApiError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
}

/** Matches CRM v1 list filters like "lifecycleState:ACTIVE", "id:my-*", "name:demo AND lifecycleState:ACTIVE". */
function crmFilter(filter: string): (p: ProjectState) => boolean {
  const terms = filter
    .split(/\s+(?:AND\s+)?/i)
    .map((t) => t.trim())
    .filter((t) => t && t.toUpperCase() !== 'AND');
  const tests = terms.map((t) => {
    const m = /^([A-Za-z.]+)\s*[:=]\s*"?([^"]*)"?$/.exec(t);
    if (!m) throw invalidArgument(`Request contains an invalid argument: filter ${JSON.stringify(filter)}`);
    const key = m[1].toLowerCase();
    const re = new RegExp(`^${m[2].replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    return (p: ProjectState): boolean => {
      switch (key) {
        case 'lifecyclestate':
          return re.test(p.lifecycleState);
        case 'id':
        case 'projectid':
          return re.test(p.projectId);
        case 'name':
          return re.test(p.name);
        case 'projectnumber':
          return re.test(p.projectNumber);
        default:
          return false;
      }
    };
  });
  return (p) => tests.every((t) => t(p));
}

function crm(world: WorldStore, call: Call): Reply {
  const { method, query, body } = call;
  const { segs, verb } = verbOf(call.segs);
  if (segs[0] !== 'projects') throw bad(method, call.path);
  if (segs.length === 1 && !verb && method === 'GET') {
    const filter = query.get('filter');
    const match = filter ? crmFilter(filter) : () => true;
    const visible = [...world.projects.values()]
      .filter((p) => !p.denied.has('resourcemanager.projects.get') && match(p))
      .sort((a, b) => a.projectId.localeCompare(b.projectId))
      .map(crmProjectJson);
    return { status: 200, body: listBody('projects', page(visible, query, 500, 1000)) };
  }
  if (segs.length === 2) {
    const project = world.project(segs[1]);
    if (!verb && method === 'GET') {
      if (!project || project.denied.has('resourcemanager.projects.get')) throw crmDenied();
      return { status: 200, body: crmProjectJson(project) };
    }
    if (verb === 'testIamPermissions' && method === 'POST') {
      if (!project) throw crmDenied();
      const asked = Array.isArray(body.permissions) ? (body.permissions as unknown[]).filter((x): x is string => typeof x === 'string') : [];
      const granted = asked.filter((p) => !project.denied.has(p));
      return { status: 200, body: granted.length ? { permissions: granted } : {} };
    }
  }
  throw bad(method, call.path);
}

// ---------------------------------------------------------------- Service Usage v1

function suServiceJson(world: WorldStore, p: ProjectState, service: string): Record<string, unknown> {
  return {
    name: `projects/${p.projectNumber}/services/${service}`,
    config: { name: service, title: SERVICE_TITLES[service] ?? service },
    state: world.serviceState(p.projectId, service),
    parent: `projects/${p.projectNumber}`,
  };
}

function suProject(world: WorldStore, ref: string, permission: string, what: string): ProjectState {
  const p = world.project(ref);
  if (!p || p.denied.has(permission))
    throw new ApiError(403, 'PERMISSION_DENIED', `Permission denied to ${what}`, {
      reason: 'AUTH_PERMISSION_DENIED',
      domain: 'serviceusage.googleapis.com',
      metadata: { permission },
    });
  return p;
}

function unknownServices(names: string[]): ApiError {
  return new ApiError(403, 'PERMISSION_DENIED', `Not found or permission denied for service(s): ${names.join(', ')}.`, {
    reason: 'SERVICE_CONFIG_NOT_FOUND_OR_PERMISSION_DENIED',
    domain: 'serviceusage.googleapis.com',
    metadata: { services: names.join(',') },
  });
}

function billingNeeded(p: ProjectState, services: string[]): ApiError {
  return new ApiError(
    400,
    'FAILED_PRECONDITION',
    `Billing account for project '${p.projectNumber}' is not found. Billing must be enabled for activation of service(s) '${services.join(',')}' to proceed.`,
    {
      reason: 'UREQ_PROJECT_BILLING_NOT_FOUND',
      domain: 'serviceusage.googleapis.com',
      metadata: { project: p.projectNumber, services: services.join(',') },
    },
  );
}

function enableOp(world: WorldStore, p: ProjectState, services: string[], batch: boolean): OperationState {
  const unknown = services.filter((s) => !SERVICE_TITLES[s]);
  if (unknown.length) throw unknownServices(unknown);
  const needBilling = services.filter((s) => NEEDS_BILLING.has(s));
  if (!p.billing && needBilling.length) throw billingNeeded(p, needBilling);
  return world.newOperation('su', p.projectNumber, {
    metadata: { '@type': PROTO_EMPTY },
    pendingPolls: world.enablePendingPolls,
    complete: () => {
      for (const s of services) world.enableService(p.projectId, s);
      const svc = services.map((s) => suServiceJson(world, p, s));
      return { response: batch ? { '@type': SU_BATCH_ENABLE_RESPONSE, services: svc } : { '@type': SU_ENABLE_RESPONSE, service: svc[0] } };
    },
  });
}

function su(world: WorldStore, call: Call): Reply {
  const { method, query, body } = call;
  const { segs, verb } = verbOf(call.segs);
  if (segs[0] === 'operations' && segs.length === 2 && !verb && method === 'GET') {
    const name = `operations/${segs[1]}`;
    const op = world.operations.get(name);
    if (!op || op.api !== 'su') throw notFound();
    return { status: 200, body: operationJson(world.pollOperation(name)!) };
  }
  if (segs[0] !== 'projects' || segs[2] !== 'services') throw bad(method, call.path);
  const P = segs[1];
  if (segs.length === 3) {
    if (!verb && method === 'GET') {
      const p = suProject(world, P, 'serviceusage.services.list', `list services of project ${P}`);
      const filter = (query.get('filter') ?? '').trim();
      const fm = /^state\s*[:=]\s*(ENABLED|DISABLED)$/i.exec(filter);
      if (filter && !fm) throw invalidArgument(`Invalid filter: ${filter}`);
      const want = fm?.[1].toUpperCase();
      const all = Object.keys(SERVICE_TITLES)
        .sort()
        .map((s) => suServiceJson(world, p, s))
        .filter((s) => !want || s.state === want);
      return { status: 200, body: listBody('services', page(all, query, 50, 200)) };
    }
    if (verb === 'batchEnable' && method === 'POST') {
      const p = suProject(world, P, 'serviceusage.services.enable', `enable services in project ${P}`);
      const ids = Array.isArray(body.serviceIds) ? (body.serviceIds as unknown[]).filter((x): x is string => typeof x === 'string') : [];
      if (!ids.length) throw invalidArgument('serviceIds must not be empty.');
      return { status: 200, body: operationJson(enableOp(world, p, ids, true)) };
    }
    if (verb === 'batchGet' && method === 'GET') {
      const p = suProject(world, P, 'serviceusage.services.get', `get services of project ${P}`);
      const names = query.getAll('names').map((n) => n.split('/').pop() ?? n);
      return { status: 200, body: { services: names.map((s) => suServiceJson(world, p, s)) } };
    }
    throw bad(method, call.path);
  }
  if (segs.length === 4) {
    const S = segs[3];
    if (!verb && method === 'GET') {
      const p = suProject(world, P, 'serviceusage.services.get', `get service [${S}]`);
      if (!SERVICE_TITLES[S]) throw unknownServices([S]);
      return { status: 200, body: suServiceJson(world, p, S) };
    }
    if (verb === 'enable' && method === 'POST') {
      const p = suProject(world, P, 'serviceusage.services.enable', `enable service [${S}]`);
      return { status: 200, body: operationJson(enableOp(world, p, [S], false)) };
    }
    if (verb === 'disable' && method === 'POST') {
      const p = suProject(world, P, 'serviceusage.services.disable', `disable service [${S}]`);
      if (!SERVICE_TITLES[S]) throw unknownServices([S]);
      world.disableService(p.projectId, S);
      const op = world.newOperation('su', p.projectNumber, { response: { '@type': SU_DISABLE_RESPONSE, service: suServiceJson(world, p, S) } });
      return { status: 200, body: operationJson(op) };
    }
  }
  throw bad(method, call.path);
}
