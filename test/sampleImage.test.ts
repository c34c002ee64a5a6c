import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BugError } from '../src/errors.js';
import { SAMPLE_IMAGE_LABEL, SAMPLE_IMAGE_LABEL_VALUE, SAMPLE_LOCAL_REF, SAMPLE_TEXT, sampleImageArchive } from '../src/sampleImage.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const dec = new TextDecoder();

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  data: Uint8Array;
}

/** A strict ustar reader: checks every header's checksum, magic, padding and the end marker. */
function readTar(t: Uint8Array): TarEntry[] {
  expect(t.length % 512).toBe(0);
  const str = (h: Uint8Array, o: number, n: number) => dec.decode(h.subarray(o, o + n)).replace(/\0.*$/s, '');
  const oct = (h: Uint8Array, o: number, n: number) => {
    const s = str(h, o, n).trim();
    expect(s).toMatch(/^[0-7]+$/);
    return parseInt(s, 8);
  };
  const out: TarEntry[] = [];
  let at = 0;
  for (;;) {
    const h = t.subarray(at, at + 512);
    expect(h.length).toBe(512);
    if (h.every((b) => b === 0)) {
      // End of archive: two zero blocks, and nothing after them.
      expect(t.subarray(at).length).toBe(1024);
      expect(t.subarray(at).every((b) => b === 0)).toBe(true);
      return out;
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    expect(oct(h, 148, 8)).toBe(sum);
    expect(str(h, 257, 6)).toBe('ustar');
    expect(str(h, 263, 2)).toBe('00');
    const size = oct(h, 124, 12);
    const e: TarEntry = {
      name: str(h, 0, 100),
      type: str(h, 156, 1),
      mode: oct(h, 100, 8),
      uid: oct(h, 108, 8),
      gid: oct(h, 116, 8),
      size,
      mtime: oct(h, 136, 12),
      data: t.slice(at + 512, at + 512 + size),
    };
    const padded = Math.ceil(size / 512) * 512;
    expect(t.subarray(at + 512 + size, at + 512 + padded).every((b) => b === 0)).toBe(true);
    out.push(e);
    at += 512 + padded;
  }
}

const sample = () => sampleImageArchive({ tag: SAMPLE_LOCAL_REF, files: [{ name: 'hello.txt', content: SAMPLE_TEXT }] });

describe('sampleImageArchive', () => {
  it('is deterministic: the same input gives the same bytes', () => {
    const a = sample();
    const b = sample();
    expect(Buffer.compare(a, b)).toBe(0);
    expect(sha(a)).toBe(sha(b));
    // A different input gives a different archive.
    expect(sha(sampleImageArchive({ tag: SAMPLE_LOCAL_REF, files: [{ name: 'hello.txt', content: 'other' }] }))).not.toBe(sha(a));
  });

  it('a docker-archive: manifest, config and layer agree (diff_id, config name)', () => {
    const entries = readTar(sample());
    const byName = new Map(entries.map((e) => [e.name, e]));
    const manifest = JSON.parse(dec.decode(byName.get('manifest.json')!.data)) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(manifest).toHaveLength(1);
    const m = manifest[0]!;
    expect(m.RepoTags).toEqual([SAMPLE_LOCAL_REF]);
    expect(m.Config).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(m.Layers).toHaveLength(1);
    expect(m.Layers[0]).toMatch(/^[0-9a-f]{64}\/layer\.tar$/);

    const configBytes = byName.get(m.Config)!.data;
    expect(m.Config).toBe(`${sha(configBytes)}.json`);
    const layer = byName.get(m.Layers[0]!)!;
    expect(layer.type).toBe('0');
    expect(m.Layers[0]).toBe(`${sha(layer.data)}/layer.tar`);
    const dir = byName.get(m.Layers[0]!.replace(/layer\.tar$/, ''))!;
    expect(dir.type).toBe('5');

    const config = JSON.parse(dec.decode(configBytes));
    expect(config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Labels: { [SAMPLE_IMAGE_LABEL]: SAMPLE_IMAGE_LABEL_VALUE } },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer.data)}`] },
    });
    expect(config.history).toEqual([{ created: '1970-01-01T00:00:00Z', created_by: 'COPY hello.txt /' }]);
    expect(entries.map((e) => e.name).sort()).toEqual([m.Config, m.Layers[0], m.Layers[0]!.replace(/layer\.tar$/, ''), 'manifest.json'].sort());
  });

  it('the layer holds the files: mode 0644, owner 0:0, fixed mtime, exact bytes', () => {
    const outer = readTar(sample());
    const layerTar = outer.find((e) => e.name.endsWith('/layer.tar'))!.data;
    const files = readTar(layerTar);
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f).toMatchObject({ name: 'hello.txt', type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: Buffer.byteLength(SAMPLE_TEXT) });
    expect(dec.decode(f.data)).toBe(SAMPLE_TEXT);
  });

  it('several files, a given creation time, and a size that fills whole blocks', () => {
    const created = '2024-01-02T03:04:05Z';
    const a = sampleImageArchive({ tag: 'x:1', created, files: [{ name: 'a.txt', content: 'é'.repeat(256) }, { name: 'dir/b', content: '' }] });
    const outer = readTar(a);
    const config = JSON.parse(dec.decode(outer.find((e) => e.name.endsWith('.json') && e.name !== 'manifest.json')!.data));
    expect(config.created).toBe(created);
    expect(config.history[0].created_by).toBe('COPY a.txt dir/b /');
    const files = readTar(outer.find((e) => e.name.endsWith('/layer.tar'))!.data);
    expect(files.map((f) => [f.name, f.size, f.mtime])).toEqual([
      ['a.txt', 512, Date.parse(created) / 1000],
      ['dir/b', 0, Date.parse(created) / 1000],
    ]);
  });

  it.each([
    ['an absolute name', { tag: 't:1', files: [{ name: '/etc/passwd', content: '' }] }],
    ['a .. name', { tag: 't:1', files: [{ name: '../x', content: '' }] }],
    ['a name too long for ustar', { tag: 't:1', files: [{ name: 'a'.repeat(101), content: '' }] }],
    ['a name twice', { tag: 't:1', files: [{ name: 'a', content: '' }, { name: 'a', content: '' }] }],
    ['no files', { tag: 't:1', files: [] }],
    ['a flag-like tag', { tag: '--help', files: [{ name: 'a', content: '' }] }],
    ['a bad created', { tag: 't:1', files: [{ name: 'a', content: '' }], created: 'yesterday' }],
  ])('refuses %s', (_, o) => {
    expect(() => sampleImageArchive(o)).toThrow(BugError);
  });
});
