// The emulator's world: what a test declares (WorldSpec, JSON) and the live state the
// emulator serves from (WorldStore). The registry front of the lab reads the same
// WorldStore (validToken, repository, isApiEnabled, lacks, billing), so it refuses pushes
// exactly when the Artifact Registry API would.
//
// A WorldStore object lives as long as its emulator: replacing the world (setWorld,
// POST /__lab/world) resets it in place, so references held elsewhere stay valid.

import { createHash, randomUUID } from 'node:crypto';

import { CleanupPolicyError, parseCleanupPolicies, type CleanupPolicy } from './cleanup.js';

export type RepositoryFormat =
  | 'DOCKER'
  | 'MAVEN'
  | 'NPM'
  | 'APT'
  | 'YUM'
  | 'PYTHON'
  | 'KFP'
  | 'GO'
  | 'GENERIC'
  | 'RUBY';

export type RepositoryMode = 'STANDARD_REPOSITORY' | 'VIRTUAL_REPOSITORY' | 'REMOTE_REPOSITORY';

export interface ProjectSpec {
  projectId: string;
  /** Default: 12 digits derived from the project id. */
  projectNumber?: string;
  /** Display name; default the project id. */
  name?: string;
  /** Whether artifactregistry.googleapis.com is enabled; default true. */
  apiEnabled?: boolean;
  /** Whether billing is on; default true. */
  billing?: boolean;
  /** Permissions the caller lacks on this project, e.g. 'artifactregistry.repositories.create'. */
  deniedPermissions?: string[];
  /** Default ACTIVE. Projects list with filter lifecycleState:ACTIVE hides the others. */
  lifecycleState?: 'ACTIVE' | 'DELETE_REQUESTED';
  /** Other services enabled on the project (besides the always-on ones). */
  enabledServices?: string[];
}

export interface RepositorySpec {
  /** Project id (or number). */
  project: string;
  location: string;
  repositoryId: string;
  format: RepositoryFormat;
  /** Default STANDARD_REPOSITORY. */
  mode?: string;
  immutableTags?: boolean;
  description?: string;
  labels?: Record<string, string>;
  /** RFC 3339; default: when the world was loaded. */
  createTime?: string;
  /** As in the v1 API (map id → policy; enum names or ints, durations "2592000s"); checked like a patch. */
  cleanupPolicies?: Record<string, unknown>;
  /** Default false. */
  cleanupPolicyDryRun?: boolean;
}

interface FaultBase {
  /** HTTP method to match (case-insensitive); any when absent. */
  method?: string;
  /** Regular expression tested against the request path (no query); any when absent. */
  path?: string;
  /** Applies to the next `times` matching calls. */
  times: number;
}
export type FaultSpec =
  | (FaultBase & { kind: 'status'; status: 429 | 500 | 503 })
  | (FaultBase & { kind: 'latency'; ms: number })
  | (FaultBase & { kind: 'reset' });

export interface WorldSpec {
  /** The one valid bearer token; default 'lab-token'. */
  token?: string;
  projects: ProjectSpec[];
  /** Artifact Registry locations; default DEFAULT_LOCATIONS. */
  locations?: string[];
  repositories?: RepositorySpec[];
  /** A create/delete operation answers "not done" in the create answer and for this many polls; default 0 (done at once). */
  operationPendingPolls?: number;
  /**
   * A pending Artifact Registry operation also finishes on its own this long after it started,
   * polled or not, as Google's do (a client killed mid-create still gets its repository);
   * default 10000. The operation reports "not done" to polls until then or until its polls run out.
   */
  operationCompleteAfterMs?: number;
  /** After services enable, the API keeps answering SERVICE_DISABLED for this long; default 0. */
  enableDelayMs?: number;
  /** A Service Usage enable operation answers "not done" for this many polls (the service turns
   *  ENABLED when it is done; enableDelayMs counts from then); default 0. */
  enablePendingPolls?: number;
  faults?: FaultSpec[];
}

export const DEFAULT_OPERATION_COMPLETE_AFTER_MS = 10_000;

/** Artifact Registry's locations (regions and multi-regions), as `gcloud artifacts locations list` shows them. */
export const DEFAULT_LOCATIONS: readonly string[] = [
  'africa-south1',
  'asia',
  'asia-east1',
  'asia-east2',
  'asia-northeast1',
  'asia-northeast2',
  'asia-northeast3',
  'asia-south1',
  'asia-south2',
  'asia-southeast1',
  'asia-southeast2',
  'australia-southeast1',
  'australia-southeast2',
  'europe',
  'europe-central2',
  'europe-north1',
  'europe-southwest1',
  'europe-west1',
  'europe-west10',
  'europe-west12',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'europe-west6',
  'europe-west8',
  'europe-west9',
  'me-central1',
  'me-central2',
  'me-west1',
  'northamerica-northeast1',
  'northamerica-northeast2',
  'southamerica-east1',
  'southamerica-west1',
  'us',
  'us-central1',
  'us-east1',
  'us-east4',
  'us-east5',
  'us-south1',
  'us-west1',
  'us-west2',
  'us-west3',
  'us-west4',
];

export const DEFAULT_TOKEN = 'lab-token';
export const AR_SERVICE = 'artifactregistry.googleapis.com';

/** Service Usage catalogue: services the lab knows, with their titles. */
export const SERVICE_TITLES: Readonly<Record<string, string>> = {
  'artifactregistry.googleapis.com': 'Artifact Registry API',
  'cloudbuild.googleapis.com': 'Cloud Build API',
  'cloudresourcemanager.googleapis.com': 'Cloud Resource Manager API',
  'compute.googleapis.com': 'Compute Engine API',
  'containeranalysis.googleapis.com': 'Container Analysis API',
  'containerscanning.googleapis.com': 'Container Scanning API',
  'containerregistry.googleapis.com': 'Container Registry API',
  'iam.googleapis.com': 'Identity and Access Management (IAM) API',
  'logging.googleapis.com': 'Cloud Logging API',
  'ondemandscanning.googleapis.com': 'On-Demand Scanning API',
  'run.googleapis.com': 'Cloud Run Admin API',
  'secretmanager.googleapis.com': 'Secret Manager API',
  'serviceusage.googleapis.com': 'Service Usage API',
  'sqladmin.googleapis.com': 'Cloud SQL Admin API',
  'storage.googleapis.com': 'Cloud Storage API',
};
/** Enabled on every project from the start (as on a new Google Cloud project). */
export const ALWAYS_ENABLED: readonly string[] = [
  'cloudresourcemanager.googleapis.com',
  'logging.googleapis.com',
  'serviceusage.googleapis.com',
  'storage.googleapis.com',
];

export const FORMAT_NUMBERS: Readonly<Record<number, RepositoryFormat | 'FORMAT_UNSPECIFIED'>> = {
  0: 'FORMAT_UNSPECIFIED',
  1: 'DOCKER',
  2: 'MAVEN',
  3: 'NPM',
  5: 'APT',
  6: 'YUM',
  8: 'PYTHON',
  9: 'KFP',
  10: 'GO',
  11: 'GENERIC',
  12: 'RUBY',
};
export const MODE_NUMBERS: Readonly<Record<number, string>> = {
  0: 'MODE_UNSPECIFIED',
  1: 'STANDARD_REPOSITORY',
  2: 'VIRTUAL_REPOSITORY',
  3: 'REMOTE_REPOSITORY',
};
const FORMATS = new Set(Object.values(FORMAT_NUMBERS).filter((f) => f !== 'FORMAT_UNSPECIFIED'));
const MODES = new Set(['STANDARD_REPOSITORY', 'VIRTUAL_REPOSITORY', 'REMOTE_REPOSITORY']);

/** Google's rule for repository IDs. */
export const REPOSITORY_ID_RE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Normalise a format given as a name or as the proto enum number; null when unknown/unspecified. */
export function formatName(v: unknown): RepositoryFormat | null {
  const name = typeof v === 'number' ? FORMAT_NUMBERS[v] : typeof v === 'string' ? (/^\d+$/.test(v) ? FORMAT_NUMBERS[Number(v)] : v.toUpperCase()) : undefined;
  return name && FORMATS.has(name as RepositoryFormat) ? (name as RepositoryFormat) : null;
}
/** Normalise a mode (name or number); MODE_UNSPECIFIED and absent become STANDARD_REPOSITORY; null when unknown. */
export function modeName(v: unknown): RepositoryMode | null {
  if (v === undefined || v === null) return 'STANDARD_REPOSITORY';
  const name = typeof v === 'number' ? MODE_NUMBERS[v] : typeof v === 'string' ? (/^\d+$/.test(v) ? MODE_NUMBERS[Number(v)] : v.toUpperCase()) : undefined;
  if (name === 'MODE_UNSPECIFIED') return 'STANDARD_REPOSITORY';
  return name && MODES.has(name) ? (name as RepositoryMode) : null;
}

/** A deterministic 12-digit project number for a project id. */
export function projectNumberFor(projectId: string): string {
  const h = createHash('sha256').update(projectId).digest();
  const n = (h.readUInt32BE(0) * 1000 + (h.readUInt16BE(4) % 1000)) % 900_000_000_000;
  return String(100_000_000_000 + n);
}

export interface ProjectState {
  projectId: string;
  projectNumber: string;
  name: string;
  lifecycleState: 'ACTIVE' | 'DELETE_REQUESTED';
  createTime: string;
  billing: boolean;
  denied: Set<string>;
  /** service name → epoch ms from which calls to it work (enabled). Absent = disabled. */
  services: Map<string, number>;
}

export interface RepositoryState {
  name: string; // projects/ID/locations/L/repositories/R (always with the project id)
  project: string; // project id
  location: string;
  repositoryId: string;
  format: RepositoryFormat;
  mode: RepositoryMode;
  immutableTags: boolean;
  description?: string;
  labels?: Record<string, string>;
  /** Canonical API form (see cleanup.ts); empty = none. */
  cleanupPolicies: Record<string, CleanupPolicy>;
  cleanupPolicyDryRun: boolean;
  createTime: string;
  updateTime: string;
}

export interface OperationError {
  code: number; // gRPC code
  message: string;
}
export interface OperationState {
  name: string;
  /** 'ar' operations live under projects/P/locations/L/operations; 'su' ones under operations/. */
  api: 'ar' | 'su';
  pollsLeft: number;
  done: boolean;
  metadata?: Record<string, unknown>;
  response?: Record<string, unknown>;
  error?: OperationError;
  /** Repository name a pending create will make (a second create of it gets ALREADY_EXISTS). */
  creates?: string;
  /** Runs once, when the operation becomes done; returns its outcome. */
  complete?: () => { response?: Record<string, unknown>; error?: OperationError };
}

export type ClientKind = 'gcloud' | 'node' | 'other';
export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  /** Query parameters (access_token redacted). */
  query: Record<string, string>;
  userAgent: string;
  client: ClientKind;
  /** gcloud's command from its user agent, e.g. gcloud.artifacts.repositories.create. */
  command?: string;
  /** 'ok', 'missing', 'invalid' (the token itself is never logged), or 'n/a' for admin calls. */
  auth: 'ok' | 'missing' | 'invalid' | 'n/a';
  /** Parsed JSON request body, when there was one. */
  body?: unknown;
  status?: number;
  fault?: FaultSpec['kind'];
  ms?: number;
}

interface PendingFault {
  spec: FaultSpec;
  re?: RegExp;
  left: number;
}

export interface WorldStoreOptions {
  /** Clock (epoch ms); default Date.now. */
  now?: () => number;
}

const MAX_LOG = 10_000;

export class WorldStore {
  token = DEFAULT_TOKEN;
  projects = new Map<string, ProjectState>(); // by project id
  repositories = new Map<string, RepositoryState>(); // by name
  operations = new Map<string, OperationState>(); // by name
  operationPendingPolls = 0;
  operationCompleteAfterMs = DEFAULT_OPERATION_COMPLETE_AFTER_MS;
  enableDelayMs = 0;
  enablePendingPolls = 0;
  requests: RequestLogEntry[] = [];
  private locationList: string[] = [...DEFAULT_LOCATIONS];
  private faults: PendingFault[] = [];
  private seq = 0;
  private opSeq = 0;
  readonly now: () => number;

  constructor(spec?: WorldSpec, opts: WorldStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.reset(spec ?? { projects: [] });
  }

  /** Replace the whole world (keeps this object; clears operations, faults and the request log;
   *  request numbers keep counting up, so `requests?since=N` stays meaningful).
   *  Throws, leaving the current world as it was, when the spec is invalid. */
  reset(spec: WorldSpec): void {
    validateWorldSpec(spec);
    const nowIso = this.isoNow();
    const projects = new Map<string, ProjectState>();
    for (const p of spec.projects) {
      const services = new Map<string, number>();
      for (const s of ALWAYS_ENABLED) services.set(s, 0);
      for (const s of p.enabledServices ?? []) services.set(s, 0);
      if (p.apiEnabled ?? true) services.set(AR_SERVICE, 0);
      else services.delete(AR_SERVICE);
      projects.set(p.projectId, {
        projectId: p.projectId,
        projectNumber: p.projectNumber ?? projectNumberFor(p.projectId),
        name: p.name ?? p.projectId,
        lifecycleState: p.lifecycleState ?? 'ACTIVE',
        createTime: '2024-01-15T10:00:00.000Z',
        billing: p.billing ?? true,
        denied: new Set(p.deniedPermissions ?? []),
        services,
      });
    }
    const findProject = (ref: string) => projects.get(ref) ?? [...projects.values()].find((p) => p.projectNumber === ref);
    const repositories = new Map<string, RepositoryState>();
    for (const r of spec.repositories ?? []) {
      const project = findProject(r.project);
      if (!project) throw new Error(`world: repository ${r.repositoryId} names unknown project ${r.project}`);
      if (typeof r.location !== 'string' || !r.location) throw new Error(`world: repository ${r.repositoryId} needs a location`);
      if (typeof r.repositoryId !== 'string' || !REPOSITORY_ID_RE.test(r.repositoryId)) throw new Error(`world: invalid repository ID ${String(r.repositoryId)}`);
      const format = formatName(r.format);
      if (!format) throw new Error(`world: repository ${r.repositoryId} has unknown format ${String(r.format)}`);
      const mode = modeName(r.mode);
      if (!mode) throw new Error(`world: repository ${r.repositoryId} has unknown mode ${String(r.mode)}`);
      const created = r.createTime ?? nowIso;
      const name = repositoryName(project.projectId, r.location, r.repositoryId);
      if (repositories.has(name)) throw new Error(`world: duplicate repository ${name}`);
      let cleanupPolicies: Record<string, CleanupPolicy>;
      try {
        cleanupPolicies = parseCleanupPolicies(r.cleanupPolicies, 'cleanupPolicies');
      } catch (e) {
        if (e instanceof CleanupPolicyError) throw new Error(`world: repository ${r.repositoryId}: ${e.message}`);
        throw e;
      }
      if (r.cleanupPolicyDryRun !== undefined && typeof r.cleanupPolicyDryRun !== 'boolean') throw new Error(`world: repository ${r.repositoryId}: cleanupPolicyDryRun must be a boolean`);
      repositories.set(name, {
        name,
        project: project.projectId,
        location: r.location,
        repositoryId: r.repositoryId,
        format,
        mode,
        immutableTags: r.immutableTags ?? false,
        description: r.description,
        labels: r.labels,
        cleanupPolicies,
        cleanupPolicyDryRun: r.cleanupPolicyDryRun ?? false,
        createTime: created,
        updateTime: created,
      });
    }
    const faults = (spec.faults ?? []).map(compileFault);
    const pendingPolls = spec.operationPendingPolls ?? 0;
    const completeAfter = spec.operationCompleteAfterMs ?? DEFAULT_OPERATION_COMPLETE_AFTER_MS;
    if (typeof completeAfter !== 'number' || !(completeAfter >= 0)) throw new Error('world: operationCompleteAfterMs must be >= 0');
    const delay = spec.enableDelayMs ?? 0;
    const enablePolls = spec.enablePendingPolls ?? 0;
    if (!Number.isInteger(enablePolls) || enablePolls < 0) throw new Error('world: enablePendingPolls must be a non-negative integer');
    if (!Number.isInteger(pendingPolls) || pendingPolls < 0) throw new Error('world: operationPendingPolls must be a non-negative integer');
    if (typeof delay !== 'number' || delay < 0) throw new Error('world: enableDelayMs must be >= 0');

    // All valid: swap in.
    this.token = spec.token ?? DEFAULT_TOKEN;
    this.locationList = [...(spec.locations ?? DEFAULT_LOCATIONS)];
    this.operationPendingPolls = pendingPolls;
    this.operationCompleteAfterMs = completeAfter;
    this.enableDelayMs = delay;
    this.enablePendingPolls = enablePolls;
    this.projects = projects;
    this.repositories = repositories;
    this.operations = new Map();
    this.faults = faults;
    this.requests = [];
  }

  isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  // ---------- what the registry front (and the emulator) ask ----------

  validToken(t: string): boolean {
    return t.length > 0 && t === this.token;
  }

  locations(): string[] {
    return [...this.locationList];
  }

  hasLocation(location: string): boolean {
    return this.locationList.includes(location);
  }

  /** A project by id or by number. */
  project(ref: string): ProjectState | null {
    const byId = this.projects.get(ref);
    if (byId) return byId;
    for (const p of this.projects.values()) if (p.projectNumber === ref) return p;
    return null;
  }

  /** The repository (project by id or number), or null. Pending creations are not visible. */
  repository(project: string, location: string, repositoryId: string): RepositoryState | null {
    const p = this.project(project);
    if (!p) return null;
    return this.repositories.get(repositoryName(p.projectId, location, repositoryId)) ?? null;
  }

  /** Whether `service` (default Artifact Registry) answers for the project now (false for unknown projects). */
  isApiEnabled(project: string, service: string = AR_SERVICE): boolean {
    const at = this.project(project)?.services.get(service);
    return at !== undefined && this.now() >= at;
  }

  /** Whether Service Usage reports the service as ENABLED (true right after enable, before it takes effect). */
  serviceState(project: string, service: string): 'ENABLED' | 'DISABLED' {
    return this.project(project)?.services.has(service) ? 'ENABLED' : 'DISABLED';
  }

  /** Whether the caller lacks `permission` on the project (true for unknown projects). */
  lacks(project: string, permission: string): boolean {
    const p = this.project(project);
    return !p || p.denied.has(permission);
  }

  billing(project: string): boolean {
    return this.project(project)?.billing ?? false;
  }

  // ---------- mutations ----------

  putRepository(r: RepositoryState): void {
    this.repositories.set(r.name, r);
  }

  /** Removes the repository; when `only` is given, only if that is still the stored object
   *  (a stale delete operation must not remove a repository created again since). */
  deleteRepository(name: string, only?: RepositoryState): boolean {
    if (only && this.repositories.get(name) !== only) return false;
    return this.repositories.delete(name);
  }

  /** Mark a service enabled; calls to it work after enableDelayMs. */
  enableService(project: string, service: string): void {
    const p = this.project(project);
    if (!p) throw new Error(`unknown project ${project}`);
    if (!p.services.has(service)) p.services.set(service, this.now() + this.enableDelayMs);
  }

  disableService(project: string, service: string): void {
    this.project(project)?.services.delete(service);
  }

  newOperation(
    api: 'ar' | 'su',
    prefix: string,
    init: Omit<OperationState, 'name' | 'api' | 'pollsLeft' | 'done'> & { pendingPolls?: number },
  ): OperationState {
    this.opSeq += 1;
    const id = api === 'ar' ? randomUUID() : `acat.p2-${prefix}-${randomUUID()}`;
    const name = api === 'ar' ? `${prefix}/operations/${id}` : `operations/${id}`;
    const op: OperationState = {
      name,
      api,
      pollsLeft: init.pendingPolls ?? 0,
      done: false,
      metadata: init.metadata,
      response: init.response,
      error: init.error,
      creates: init.creates,
      complete: init.complete,
    };
    this.operations.set(name, op);
    if (op.pollsLeft <= 0) this.finishOperation(op);
    else if (api === 'ar') {
      // Google finishes the work whether or not anyone polls; so do we (only if this is still
      // the same world: a replaced world drops its operations).
      setTimeout(() => {
        if (this.operations.get(name) === op) this.finishOperation(op);
      }, this.operationCompleteAfterMs).unref();
    }
    return op;
  }

  /** One poll of an operation: counts down the pending polls, then completes it. */
  pollOperation(name: string): OperationState | null {
    const op = this.operations.get(name);
    if (!op) return null;
    if (!op.done) {
      // Answers "not done" for pendingPolls polls; the next one completes it.
      if (op.pollsLeft > 0) op.pollsLeft -= 1;
      else this.finishOperation(op);
    }
    return op;
  }

  private finishOperation(op: OperationState): void {
    if (op.done) return;
    if (op.complete) {
      const out = op.complete();
      if (out.response) op.response = out.response;
      if (out.error) op.error = out.error;
      op.complete = undefined;
    }
    op.done = true;
  }

  /** Creations still pending for a repository name (to answer ALREADY_EXISTS for a second create). */
  pendingCreate(name: string): boolean {
    for (const op of this.operations.values()) if (!op.done && op.creates === name) return true;
    return false;
  }

  // ---------- faults ----------

  /** Append faults (all or none: throws on an invalid one). */
  addFaults(faults: FaultSpec[]): void {
    const compiled = faults.map(compileFault);
    this.faults.push(...compiled);
  }

  /** The fault for this call, if one is pending (consumes one of its `times`). */
  takeFault(method: string, path: string): FaultSpec | null {
    for (const f of this.faults) {
      if (f.left <= 0) continue;
      if (f.spec.method && f.spec.method.toUpperCase() !== method.toUpperCase()) continue;
      if (f.re && !f.re.test(path)) continue;
      f.left -= 1;
      this.faults = this.faults.filter((x) => x.left > 0);
      return f.spec;
    }
    return null;
  }

  /** Drop every pending fault. */
  clearFaults(): void {
    this.faults = [];
  }

  pendingFaults(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f.spec, times: f.left }));
  }

  // ---------- request log ----------

  log(entry: Omit<RequestLogEntry, 'seq' | 'time'>): RequestLogEntry {
    this.seq += 1;
    const e: RequestLogEntry = { seq: this.seq, time: this.isoNow(), ...entry };
    this.requests.push(e);
    if (this.requests.length > MAX_LOG) this.requests.splice(0, this.requests.length - MAX_LOG);
    return e;
  }

  clearRequests(): void {
    this.requests = [];
  }

  // ---------- snapshot (GET /__lab/world) ----------

  snapshot(): Record<string, unknown> {
    const now = this.now();
    return {
      locations: this.locations(),
      operationPendingPolls: this.operationPendingPolls,
      operationCompleteAfterMs: this.operationCompleteAfterMs,
      enableDelayMs: this.enableDelayMs,
      enablePendingPolls: this.enablePendingPolls,
      projects: [...this.projects.values()].map((p) => ({
        projectId: p.projectId,
        projectNumber: p.projectNumber,
        name: p.name,
        lifecycleState: p.lifecycleState,
        billing: p.billing,
        apiEnabled: this.isApiEnabled(p.projectId),
        deniedPermissions: [...p.denied],
        services: [...p.services.entries()].map(([name, at]) => ({ name, effective: now >= at, effectiveAt: new Date(at).toISOString() })),
      })),
      repositories: [...this.repositories.values()],
      operations: [...this.operations.values()].map(({ complete: _c, ...op }) => op),
      faults: this.pendingFaults(),
    };
  }
}

export function repositoryName(projectId: string, location: string, repositoryId: string): string {
  return `projects/${projectId}/locations/${location}/repositories/${repositoryId}`;
}

function compileFault(f: FaultSpec): PendingFault {
  validateFault(f);
  return { spec: { ...f }, re: f.path ? new RegExp(f.path) : undefined, left: f.times };
}

function validateFault(f: FaultSpec): void {
  if (!f || typeof f !== 'object') throw new Error('fault: not an object');
  if (!Number.isInteger(f.times) || f.times < 1) throw new Error('fault: times must be a positive integer');
  if (f.path !== undefined) new RegExp(f.path); // throws on a bad regex
  switch (f.kind) {
    case 'status':
      if (![429, 500, 503].includes(f.status)) throw new Error('fault: status must be 429, 500 or 503');
      break;
    case 'latency':
      if (!(typeof f.ms === 'number' && f.ms >= 0)) throw new Error('fault: latency needs ms >= 0');
      break;
    case 'reset':
      break;
    default:
      throw new Error(`fault: unknown kind ${String((f as { kind?: unknown }).kind)}`);
  }
}

function validateWorldSpec(spec: WorldSpec): void {
  if (!spec || typeof spec !== 'object' || !Array.isArray(spec.projects)) throw new Error('world: projects must be an array');
  const ids = new Set<string>();
  for (const p of spec.projects) {
    if (!p || typeof p.projectId !== 'string' || !p.projectId) throw new Error('world: every project needs a projectId');
    if (ids.has(p.projectId)) throw new Error(`world: duplicate project ${p.projectId}`);
    ids.add(p.projectId);
    if (p.projectNumber !== undefined && !/^\d+$/.test(p.projectNumber)) throw new Error(`world: projectNumber of ${p.projectId} must be digits`);
  }
  if (spec.locations !== undefined && (!Array.isArray(spec.locations) || spec.locations.some((l) => typeof l !== 'string')))
    throw new Error('world: locations must be an array of strings');
  if (spec.token !== undefined && (typeof spec.token !== 'string' || !spec.token)) throw new Error('world: token must be a non-empty string');
}
