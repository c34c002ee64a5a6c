// The ImageCatalog the emulator's dockerImages list/get read: what is really in the lab's
// docker-registry, through its v2 API (catalog, tags, manifests). Repositories there are
// named LOCATION/PROJECT/REPOSITORY/IMAGE (see registry-front.ts).
//
// Upload time: the modification time of the manifest blob in the registry's storage
// (when the storage folder is known), else the first time this catalog saw the digest.
// Untagged images (a manifest whose tags all moved away) are listed from the storage
// folder's revision links, as Artifact Registry lists them too.
//
// drop (a deleted repository): removes the repository's folder from the storage, as
// lab.ts's clearImages does for all of them (the registry runs without a cache).

import { readdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import type { CatalogImage, ImageCatalog } from './emulator/catalog.js';
import { MANIFEST_TYPES } from './registry-front.js';

export type { CatalogImage, ImageCatalog };

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function registryCatalog(upstream: string, storageDir?: string): ImageCatalog & { registryNames(): Promise<string[]> } {
  const base = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const firstSeen = new Map<string, string>();

  function get(method: 'GET' | 'HEAD', path: string, headers: Record<string, string> = {}): Promise<Got> {
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(15_000, () => req.destroy(new Error(`registry ${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  async function registryNames(): Promise<string[]> {
    const names: string[] = [];
    let path: string | null = '/v2/_catalog?n=1000';
    while (path) {
      const r = await get('GET', path);
      if (r.status !== 200) throw new Error(`registry catalog: HTTP ${r.status}`);
      names.push(...((JSON.parse(r.body.toString('utf8')) as { repositories?: string[] }).repositories ?? []));
      const link = r.headers.link;
      const m = typeof link === 'string' ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
      path = m ? m[1] : null;
    }
    return names;
  }

  async function tagsOf(name: string): Promise<string[]> {
    const r = await get('GET', `/v2/${name}/tags/list`);
    if (r.status !== 200) return [];
    return (JSON.parse(r.body.toString('utf8')) as { tags?: string[] | null }).tags ?? [];
  }

  async function untaggedDigests(name: string): Promise<string[]> {
    if (!storageDir) return [];
    const dir = join(storageDir, 'docker', 'registry', 'v2', 'repositories', name, '_manifests', 'revisions', 'sha256');
    try {
      return (await readdir(dir)).map((hex) => `sha256:${hex}`);
    } catch {
      return [];
    }
  }

  async function uploadTime(digest: string): Promise<string> {
    if (storageDir) {
      const hex = digest.replace(/^sha256:/, '');
      try {
        const s = await stat(join(storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'));
        return s.mtime.toISOString();
      } catch {
        /* fall through */
      }
    }
    let t = firstSeen.get(digest);
    if (!t) {
      t = new Date().toISOString();
      firstSeen.set(digest, t);
    }
    return t;
  }

  /** The image config's `created` (Artifact Registry's buildTime), when there is one. */
  async function buildTime(name: string, configDigest: string | undefined): Promise<string | undefined> {
    if (!configDigest) return undefined;
    const r = await get('GET', `/v2/${name}/blobs/${configDigest}`);
    if (r.status !== 200) return undefined;
    try {
      const created = (JSON.parse(r.body.toString('utf8')) as { created?: string }).created;
      return created ? new Date(created).toISOString() : undefined;
    } catch {
      return undefined;
    }
  }

  async function manifest(name: string, ref: string): Promise<{ digest: string; mediaType: string; sizeBytes: number; configDigest?: string } | null> {
    const r = await get('GET', `/v2/${name}/manifests/${encodeURIComponent(ref)}`, { accept: MANIFEST_TYPES.join(', ') });
    if (r.status !== 200) return null;
    const digest = String(r.headers['docker-content-digest'] ?? '');
    let doc: { mediaType?: string; config?: { size?: number; digest?: string }; layers?: Array<{ size?: number }>; manifests?: Array<{ size?: number }> } = {};
    try {
      doc = JSON.parse(r.body.toString('utf8'));
    } catch {
      doc = {};
    }
    const mediaType = doc.mediaType || String(r.headers['content-type'] ?? '').split(';')[0] || MANIFEST_TYPES[0];
    const sizeBytes =
      (doc.config?.size ?? 0) +
      (doc.layers ?? []).reduce((a, l) => a + (l.size ?? 0), 0) +
      (doc.manifests ?? []).reduce((a, m) => a + (m.size ?? 0), 0);
    return { digest, mediaType, sizeBytes, configDigest: doc.config?.digest };
  }

  return {
    registryNames,
    async drop(project, location, repositoryId) {
      if (!storageDir) throw new Error('the lab catalog drops images only from a known storage folder');
      await rm(join(storageDir, 'docker', 'registry', 'v2', 'repositories', location, project, repositoryId), { recursive: true, force: true });
    },
    async list(project, location, repositoryId) {
      const prefix = `${location}/${project}/${repositoryId}/`;
      const names = (await registryNames()).filter((n) => n.startsWith(prefix));
      const out: CatalogImage[] = [];
      for (const name of names) {
        const image = name.slice(prefix.length);
        const byDigest = new Map<string, CatalogImage>();
        for (const tag of await tagsOf(name)) {
          const m = await manifest(name, tag);
          if (!m || !m.digest) continue;
          const e = byDigest.get(m.digest);
          if (e) e.tags.push(tag);
          else byDigest.set(m.digest, { image, digest: m.digest, tags: [tag], sizeBytes: m.sizeBytes, uploadTime: await uploadTime(m.digest), mediaType: m.mediaType, buildTime: await buildTime(name, m.configDigest) });
        }
        for (const digest of await untaggedDigests(name)) {
          if (byDigest.has(digest)) continue;
          const m = await manifest(name, digest);
          if (!m) continue;
          byDigest.set(digest, { image, digest, tags: [], sizeBytes: m.sizeBytes, uploadTime: await uploadTime(digest), mediaType: m.mediaType, buildTime: await buildTime(name, m.configDigest) });
        }
        for (const e of byDigest.values()) e.tags.sort();
        out.push(...byDigest.values());
      }
      return out;
    },
  };
}
