// The verification image as a docker-archive tar (what `docker save` writes and `docker load`
// reads), made in memory. `docker load` asks no credential helper, while the legacy
// `docker build` asks every helper in the user's Docker config, each a slow process.
// Pure: no I/O, no clock. The same input gives byte-identical output, hence the same image ID.
//
// Layout of the archive:
//   manifest.json          [{"Config":"<C>.json","RepoTags":[tag],"Layers":["<L>/layer.tar"]}]
//   <C>.json               the image config; C = sha256 of these bytes (the image ID)
//   <L>/layer.tar          the one layer (a plain tar of the files); L = its sha256 = its diff_id
import { createHash } from 'node:crypto';
import { BugError } from './errors.js';

export interface SampleImageOptions {
  /** repo:tag the loaded image gets, e.g. "registry-setup-verify:latest". */
  tag: string;
  /** Files put at the image's root (mode 0644, owner 0:0). Names are plain relative paths. */
  files: { name: string; content: string }[];
  /** The image's creation time (ISO 8601, whole seconds); fixed so the image is deterministic. */
  created?: string;
}

export const SAMPLE_IMAGE_CREATED = '1970-01-01T00:00:00Z';
export const SAMPLE_IMAGE_LABEL = 'org.opencontainers.image.title';
export const SAMPLE_IMAGE_LABEL_VALUE = 'registry-setup verification image';

const BLOCK = 512;
const enc = new TextEncoder();

function sha256hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** `n` as zero-padded octal filling `width - 1` digits, then NUL. */
function octal(n: number, width: number): string {
  const s = n.toString(8);
  if (s.length > width - 1) throw new BugError(`tar field too small for ${n}`);
  return s.padStart(width - 1, '0') + '\0';
}

function put(h: Uint8Array, offset: number, width: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > width) throw new BugError(`tar field too long: ${JSON.stringify(s)}`);
  h.set(b, offset);
}

interface Entry {
  name: string;
  type: 'file' | 'dir';
  data?: Uint8Array;
  mode: number;
  mtime: number;
}

/** One ustar header block (POSIX 1003.1-1988 layout, GNU-style checksum field). */
function header(e: Entry): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const size = e.type === 'file' ? (e.data?.length ?? 0) : 0;
  put(h, 0, 100, e.name);
  put(h, 100, 8, octal(e.mode, 8));
  put(h, 108, 8, octal(0, 8)); // uid
  put(h, 116, 8, octal(0, 8)); // gid
  put(h, 124, 12, octal(size, 12));
  put(h, 136, 12, octal(e.mtime, 12));
  put(h, 148, 8, '        '); // checksum counted as spaces
  put(h, 156, 1, e.type === 'file' ? '0' : '5');
  put(h, 257, 6, 'ustar\0');
  put(h, 263, 2, '00');
  put(h, 265, 32, 'root'); // uname
  put(h, 297, 32, 'root'); // gname
  put(h, 329, 8, octal(0, 8)); // devmajor
  put(h, 337, 8, octal(0, 8)); // devminor
  let sum = 0;
  for (const b of h) sum += b;
  put(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** A tar of the entries: header + data padded to 512 per entry, then two zero blocks. */
function tar(entries: Entry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const e of entries) {
    const h = header(e);
    parts.push(h);
    total += h.length;
    if (e.type === 'file' && e.data && e.data.length > 0) {
      const padded = new Uint8Array(Math.ceil(e.data.length / BLOCK) * BLOCK);
      padded.set(e.data);
      parts.push(padded);
      total += padded.length;
    }
  }
  const out = new Uint8Array(total + 2 * BLOCK);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkName(name: string): void {
  // Plain relative paths of safe ASCII only: fits ustar's 100-byte name field, no escapes.
  const ok =
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) && name.length <= 100 && !name.split('/').some((p) => p === '.' || p === '..');
  if (!ok) throw new BugError(`not a file name for the sample image: ${JSON.stringify(name)}`);
}

/** A docker-archive tar (for `docker load`) of a one-layer linux/amd64 image holding `files`. */
export function sampleImageArchive(o: SampleImageOptions): Uint8Array {
  if (!o.tag || /[\s\0]/.test(o.tag) || o.tag.startsWith('-')) throw new BugError(`not an image tag: ${JSON.stringify(o.tag)}`);
  if (o.files.length === 0) throw new BugError('the sample image needs at least one file');
  const names = new Set<string>();
  for (const f of o.files) {
    checkName(f.name);
    if (names.has(f.name)) throw new BugError(`file listed twice: ${f.name}`);
    names.add(f.name);
  }
  const created = o.created ?? SAMPLE_IMAGE_CREATED;
  const ms = Date.parse(created);
  if (!Number.isFinite(ms) || ms < 0) throw new BugError(`not a creation time: ${JSON.stringify(created)}`);
  const mtime = Math.floor(ms / 1000);

  const layer = tar(o.files.map((f) => ({ name: f.name, type: 'file', data: enc.encode(f.content), mode: 0o644, mtime })));
  const layerHex = sha256hex(layer);

  const config = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Labels: { [SAMPLE_IMAGE_LABEL]: SAMPLE_IMAGE_LABEL_VALUE } },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] },
    history: [{ created, created_by: `COPY ${o.files.map((f) => f.name).join(' ')} /` }],
  };
  const configBytes = enc.encode(JSON.stringify(config));
  const configHex = sha256hex(configBytes);

  const manifest = [{ Config: `${configHex}.json`, RepoTags: [o.tag], Layers: [`${layerHex}/layer.tar`] }];
  const manifestBytes = enc.encode(JSON.stringify(manifest));

  return tar([
    { name: `${layerHex}/`, type: 'dir', mode: 0o755, mtime },
    { name: `${layerHex}/layer.tar`, type: 'file', data: layer, mode: 0o644, mtime },
    { name: `${configHex}.json`, type: 'file', data: configBytes, mode: 0o644, mtime },
    { name: 'manifest.json', type: 'file', data: manifestBytes, mode: 0o644, mtime },
  ]);
}

// ---------- registry-setup's verification image ----------

export const SAMPLE_LOCAL_REF = 'registry-setup-verify:latest';
export const SAMPLE_TEXT =
  'This image was pushed by registry-setup to prove that Docker can log in and push to your Artifact Registry repository.\n' +
  'It holds only this file and does not run anything. Your real Django image comes with the Dockerfile chapter (06).\n';

let verification: Uint8Array | undefined;
/** The verification image's archive (one instance per process, so a load started early is recognised). */
export function verificationArchive(): Uint8Array {
  verification ??= sampleImageArchive({ tag: SAMPLE_LOCAL_REF, files: [{ name: 'hello.txt', content: SAMPLE_TEXT }] });
  return verification;
}
