// The registry under the real host names: a TLS server on 127.0.0.1:443 answering for
// LOCATION-docker.pkg.dev. It decides what Google's registry decides (credentials, API
// enabled, IAM permission, repository exists and is DOCKER format, immutable tags) from the
// emulator's WorldStore, and proxies everything else, streaming, to a real docker-registry
// (distribution 2.8) on loopback. Repository names are namespaced by location there
// (LOCATION/PROJECT/REPOSITORY/IMAGE) so that two locations never share an image.
//
// Authentication: the front answers the unauthenticated ping with
// `WWW-Authenticate: Basic realm="Artifact Registry"`, so Docker sends basic auth on every
// request (Google uses a Bearer token flow; Docker's behaviour seen from the outside is the
// same: no credentials -> "no basic auth credentials", bad ones -> "unauthorized: ...").
// Accepted users are the ones Google accepts with an access token as password:
// `_dcgcloud_token` (docker-credential-gcloud), `oauth2accesstoken` (docker login) and `_token`.
//
// Faults: the world's injected faults (POST /__lab/faults) apply here too when their `path`
// regex matches the registry path Docker sends (e.g. "^/v2/.*/blobs/uploads/" or
// "/manifests/latest$"): `reset` drops the connection (a push cut off midway), `status`
// answers 429/500/503 in the registry's error format, `latency` delays the request. A fault
// without a `path` is left to the emulator's API calls.

import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FaultSpec, WorldStore } from './emulator/world.js';
import { locationOfHost } from './layout.js';

export const TOKEN_USERS = new Set(['_dcgcloud_token', 'oauth2accesstoken', '_token']);

export const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

export interface FrontLogEntry {
  time: string;
  method: string;
  host: string;
  path: string;
  user?: string;
  status: number;
  /** Why the front answered itself (not proxied), e.g. 'DENIED'. */
  decision?: string;
}

export interface RegistryFrontOptions {
  /** The emulator's world (read on every request, so setWorld applies at once). */
  world: WorldStore;
  /** The real registry, e.g. http://127.0.0.1:5000 */
  upstream: string;
  key: string | Buffer;
  cert: string | Buffer;
  host?: string; // default 127.0.0.1
  port?: number; // default 443
  /** Append one JSON line per request here (optional). */
  logFile?: string;
}

export interface RegistryFront {
  port: number;
  url: string;
  log: FrontLogEntry[];
  close(): Promise<void>;
}

interface Decision {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/** Splits /v2/NAME/(manifests|blobs|tags)/... ; NAME = PROJECT/REPOSITORY/IMAGE(/more). */
export function parseRegistryPath(path: string): { name: string; kind: 'manifests' | 'blobs' | 'uploads' | 'tags'; ref: string } | null {
  const m = /^\/v2\/(.+?)\/(manifests\/[^/]+|blobs\/uploads\/[^/]*|blobs\/[^/]+|tags\/list)$/.exec(path);
  if (!m) return null;
  const [, name, rest] = m;
  if (rest.startsWith('blobs/uploads/')) return { name, kind: 'uploads', ref: rest.slice('blobs/uploads/'.length) };
  if (rest.startsWith('blobs/')) return { name, kind: 'blobs', ref: rest.slice('blobs/'.length) };
  if (rest.startsWith('manifests/')) return { name, kind: 'manifests', ref: decodeURIComponent(rest.slice('manifests/'.length)) };
  return { name, kind: 'tags', ref: '' };
}

function basicCredentials(req: IncomingMessage): { user: string; password: string } | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Basic\s+(.+)$/i.exec(h);
  if (m) {
    const raw = Buffer.from(m[1], 'base64').toString('utf8');
    const i = raw.indexOf(':');
    if (i < 0) return { user: raw, password: '' };
    return { user: raw.slice(0, i), password: raw.slice(i + 1) };
  }
  const b = /^Bearer\s+(.+)$/i.exec(h);
  if (b) return { user: 'oauth2accesstoken', password: b[1].trim() };
  return null;
}

function sendError(res: ServerResponse, d: Decision): void {
  const body = JSON.stringify({ errors: [{ code: d.code, message: d.message }] });
  res.writeHead(d.status, {
    'content-type': 'application/json; charset=utf-8',
    'docker-distribution-api-version': 'registry/2.0',
    'content-length': Buffer.byteLength(body),
    ...(d.headers ?? {}),
  });
  res.end(body);
}

const CHALLENGE = { 'www-authenticate': 'Basic realm="Artifact Registry"' };

/** What Artifact Registry says to a Docker client whose token it does not accept. */
export const BAD_CREDENTIALS_MESSAGE =
  "You don't have the needed permissions to perform this operation, and you may have invalid credentials. " +
  'To authenticate your request, follow the steps in: https://cloud.google.com/artifact-registry/docs/docker/authentication';

function disabledMessage(project: string): string {
  return (
    `Artifact Registry API has not been used in project ${project} before or it is disabled. ` +
    `Enable it by visiting https://console.developers.google.com/apis/api/artifactregistry.googleapis.com/overview?project=${project} then retry. ` +
    'If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.'
  );
}

/** The emulator's BILLING_DISABLED text (test/lab/emulator/errors.ts), as the registry's refusal. */
function billingMessage(projectNumber: string): string {
  return (
    `This API method requires billing to be enabled. Please enable billing on project #${projectNumber} by visiting ` +
    `https://console.developers.google.com/billing/enable?project=${projectNumber} then retry. ` +
    'If you enabled billing for this project recently, wait a few minutes for the action to propagate to our systems and retry.'
  );
}

/**
 * What Google's registry would answer for this request before any content is touched, or
 * null when it may go through. Exported for unit tests.
 */
export function decide(world: WorldStore, method: string, host: string | undefined, path: string, auth: { user: string; password: string } | null): Decision | null {
  const location = locationOfHost(host);
  if (!location || !world.hasLocation(location)) {
    return { status: 404, code: 'NOT_FOUND', message: `unknown registry host ${host ?? ''}` };
  }
  const authOk = auth !== null && TOKEN_USERS.has(auth.user) && world.validToken(auth.password);
  if (path === '/v2/' || path === '/v2') {
    if (!auth) return { status: 401, code: 'UNAUTHORIZED', message: 'authentication required', headers: CHALLENGE };
    if (!authOk) return { status: 401, code: 'UNAUTHORIZED', message: BAD_CREDENTIALS_MESSAGE, headers: CHALLENGE };
    return null;
  }
  if (!auth) return { status: 401, code: 'UNAUTHORIZED', message: 'authentication required', headers: CHALLENGE };
  if (!authOk) return { status: 401, code: 'UNAUTHORIZED', message: BAD_CREDENTIALS_MESSAGE, headers: CHALLENGE };

  const parsed = parseRegistryPath(path);
  if (!parsed) return { status: 404, code: 'NOT_FOUND', message: `${path} is not served by Artifact Registry` };
  const parts = parsed.name.split('/');
  if (parts.length < 3 || parts.some((p) => p === '')) {
    // Google needs PROJECT/REPOSITORY/IMAGE: a path without the image part is invalid.
    return { status: 400, code: 'NAME_INVALID', message: `invalid repository name "${parsed.name}": want LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE` };
  }
  const [project, repositoryId] = parts;
  const repoName = `projects/${project}/locations/${location}/repositories/${repositoryId}`;
  const write = !['GET', 'HEAD'].includes(method.toUpperCase());
  const permission = method.toUpperCase() === 'DELETE'
    ? 'artifactregistry.repositories.deleteArtifacts'
    : write
      ? 'artifactregistry.repositories.uploadArtifacts'
      : 'artifactregistry.repositories.downloadArtifacts';
  const denied: Decision = {
    status: 403,
    code: 'DENIED',
    message: `Permission "${permission}" denied on resource "${repoName}" (or it may not exist)`,
  };
  const projectState = world.project(project);
  if (!projectState) return denied;
  // Same order as the emulator's API checks: API enabled, billing, then IAM.
  if (!world.isApiEnabled(project)) return { status: 403, code: 'DENIED', message: disabledMessage(project) };
  if (!world.billing(project)) return { status: 403, code: 'DENIED', message: billingMessage(projectState.projectNumber) };
  if (world.lacks(project, permission)) return denied;
  const repo = world.repository(project, location, repositoryId);
  if (!repo) return { status: 404, code: 'NAME_UNKNOWN', message: `Repository "${repositoryId}" not found` };
  if (repo.format !== 'DOCKER') {
    // Google refuses Docker traffic to a repository of another format. (The exact text it
    // uses is not recorded in wire.md; this keeps Docker's "denied:" prefix and names the format.)
    return {
      status: 403,
      code: 'DENIED',
      message: `Repository "${repoName}" has format ${repo.format}; Docker images can only be pushed to and pulled from DOCKER-format repositories`,
    };
  }
  return null;
}

/** A pending world fault meant for the registry (one with a `path` that matches), consumed; else null. */
export function takeFrontFault(world: WorldStore, method: string, path: string): FaultSpec | null {
  // takeFault() would take the first fault in line that matches; only go ahead when that one
  // names a path (a path-less fault in front of it stays for the emulator).
  const first = world
    .pendingFaults()
    .find((f) => (!f.method || f.method.toUpperCase() === method.toUpperCase()) && (f.path === undefined || new RegExp(f.path).test(path)));
  return first && first.path !== undefined ? world.takeFault(method, path) : null;
}

function frontLog(log: FrontLogEntry[], file: string | undefined, e: FrontLogEntry): void {
  log.push(e);
  if (log.length > 5000) log.splice(0, log.length - 5000);
  if (file) {
    try {
      appendFileSync(file, JSON.stringify(e) + '\n');
    } catch {
      /* logging must never break the registry */
    }
  }
}

export async function startRegistryFront(opts: RegistryFrontOptions): Promise<RegistryFront> {
  const upstream = new URL(opts.upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const log: FrontLogEntry[] = [];

  function upstreamRequest(method: string, path: string, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    return http.request({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method,
      path,
      headers: { ...headers, host: upstream.host },
      agent,
    });
  }

  /** The digest the tag currently points at in the registry, or null. */
  function currentDigest(nsName: string, tag: string): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const r = upstreamRequest('HEAD', `/v2/${nsName}/manifests/${encodeURIComponent(tag)}`, { accept: MANIFEST_TYPES.join(', ') });
      r.on('response', (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? String(res.headers['docker-content-digest'] ?? '') || null : null);
      });
      r.on('error', reject);
      r.end();
    });
  }

  function readBody(req: IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        if (n > limit) {
          reject(new Error('manifest too large'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://front.invalid');
    const host = req.headers.host;
    const auth = basicCredentials(req);
    const entry: FrontLogEntry = { time: new Date().toISOString(), method, host: host ?? '', path: url.pathname, user: auth?.user, status: 0 };
    const answer = (d: Decision): void => {
      entry.status = d.status;
      entry.decision = d.code;
      frontLog(log, opts.logFile, entry);
      sendError(res, d);
    };
    try {
      const fault = takeFrontFault(opts.world, method, url.pathname);
      if (fault?.kind === 'reset') {
        entry.status = 0;
        entry.decision = 'FAULT_RESET';
        frontLog(log, opts.logFile, entry);
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        const code = fault.status === 429 ? 'TOOMANYREQUESTS' : fault.status === 503 ? 'UNAVAILABLE' : 'UNKNOWN';
        return answer({ status: fault.status, code, message: `injected fault: HTTP ${fault.status} (lab)` });
      }
      if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
      const d = decide(opts.world, method, host, url.pathname, auth);
      if (d) return answer(d);
      if (url.pathname === '/v2/' || url.pathname === '/v2') {
        entry.status = 200;
        frontLog(log, opts.logFile, entry);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'docker-distribution-api-version': 'registry/2.0' });
        res.end('{}');
        return;
      }
      const location = locationOfHost(host)!;
      const parsed = parseRegistryPath(url.pathname)!;
      const nsName = `${location}/${parsed.name}`;
      const rest = url.pathname.slice(`/v2/${parsed.name}`.length);
      // Cross-repository blob mounts name the source repository: namespace it too.
      const q = new URLSearchParams(url.search);
      const from = q.get('from');
      if (from) q.set('from', `${location}/${from}`);
      const qs = q.toString();
      const upstreamPath = `/v2/${nsName}${rest}${qs ? `?${qs}` : ''}`;

      const headers: http.OutgoingHttpHeaders = { ...req.headers };
      delete headers.authorization;
      delete headers.host;
      delete headers.connection;
      headers['x-forwarded-proto'] = 'https';
      headers['x-forwarded-host'] = host;

      let body: Buffer | null = null;
      if (parsed.kind === 'manifests' && method === 'PUT') {
        body = await readBody(req);
        const repo = opts.world.repository(parsed.name.split('/')[0], location, parsed.name.split('/')[1]);
        const isTag = !parsed.ref.startsWith('sha256:');
        if (repo?.immutableTags && isTag) {
          const incoming = 'sha256:' + createHash('sha256').update(body).digest('hex');
          const existing = await currentDigest(nsName, parsed.ref);
          if (existing && existing !== incoming) {
            // Google refuses to move a tag in a repository with immutable tags; Docker shows it
            // as "denied: ...". (Same digest again is accepted: nothing changes.)
            return answer({
              status: 403,
              code: 'DENIED',
              message: `Tag "${parsed.ref}" already exists in repository "projects/${parsed.name.split('/')[0]}/locations/${location}/repositories/${parsed.name.split('/')[1]}", which has immutable tags; it cannot be moved to another image`,
            });
          }
        }
        headers['content-length'] = String(body.length);
        delete headers['transfer-encoding'];
      }

      const up = upstreamRequest(method, upstreamPath, headers);
      up.on('response', (ur) => {
        const out: http.OutgoingHttpHeaders = { ...ur.headers };
        delete out.connection;
        delete out['keep-alive'];
        const prefix = `/v2/${location}/`;
        const fix = (v: string): string => {
          // Relative URLs (http.relativeurls) or absolute ones to the upstream: map back.
          let s = v.replace(`${upstream.protocol}//${upstream.host}`, '');
          s = s.split(prefix).join('/v2/');
          return s;
        };
        if (typeof out.location === 'string') out.location = fix(out.location);
        if (typeof out.link === 'string') out.link = fix(out.link);
        entry.status = ur.statusCode ?? 502;
        frontLog(log, opts.logFile, entry);
        res.writeHead(ur.statusCode ?? 502, out);
        ur.pipe(res);
      });
      up.on('error', (e) => {
        if (!res.headersSent) answer({ status: 502, code: 'UNAVAILABLE', message: `registry backend: ${e.message}` });
        else res.destroy(e);
      });
      if (body) up.end(body);
      else req.pipe(up);
    } catch (e) {
      if (!res.headersSent) answer({ status: 500, code: 'UNKNOWN', message: `lab registry front: ${(e as Error).message}` });
      else res.destroy();
    }
  };

  const server = https.createServer({ key: opts.key, cert: opts.cert }, (req, res) => {
    void handler(req, res);
  });
  server.on('secureConnection', (s) => s.setNoDelay(true));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 443, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://${opts.host ?? '127.0.0.1'}:${port}/`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
