// The README's picture (recorded by `npm run record`, never by a test): the committed recording is
// valid asciicast v2 and shows nothing secret, the SVG made from it is there, and the README shows it.
// The recorder's timing (scripts/cast.ts) is tested on an injected clock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CastRecorder, parseCast } from '../scripts/cast.js';
import { DEFAULT_WORLD } from './lab/layout.js';

const ROOT = join(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('docs/demo.cast and docs/demo.svg', () => {
  it('the README shows the SVG near the top and says how to re-record it', () => {
    const readme = read('README.md');
    const at = readme.indexOf('![registry-setup in a terminal](docs/demo.svg)');
    expect(at).toBeGreaterThan(0);
    expect(readme.slice(0, at).split('\n').length).toBeLessThan(20);
    expect(readme).toContain('npm run record');
  });

  it('the recording is asciicast v2, a real run of the wizard to its end, with no secret in it', () => {
    const { header, events } = parseCast(read('docs/demo.cast'));
    expect(header).toMatchObject({ version: 2, width: 100, height: 32 });
    const shown = events.map((e) => e[2]).join('');
    expect(shown).toContain('registry-setup');
    expect(shown).toContain('europe-west3-docker.pkg.dev/mycoolproject-prod/mycoolproject-repo');
    for (const secret of [DEFAULT_WORLD.token, 'ya29.', 'Bearer ', 'PRIVATE KEY']) expect(shown).not.toContain(secret);
  });

  it('the SVG is an animated picture of the same terminal size', () => {
    const svg = read('docs/demo.svg');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('@keyframes');
    expect(svg).toContain('registry-setup');
  });
});

describe('CastRecorder', () => {
  it('real gaps between chunks, a long pause shortened to maxIdle, and a hold at the end', () => {
    const times = [1000, 1000, 1250, 9250, 9300];
    const rec = new CastRecorder({ version: 2, width: 80, height: 24 }, { maxIdle: 2, now: () => times.shift()! });
    for (const d of ['$ ', 'a', 'b', 'c', 'd']) rec.output(d);
    rec.hold(5);
    const { header, events } = parseCast(rec.text());
    expect(header).toEqual({ version: 2, width: 80, height: 24 });
    expect(events).toEqual([
      [0, 'o', '$ '],
      [0, 'o', 'a'],
      [0.25, 'o', 'b'],
      [2.25, 'o', 'c'],
      [2.3, 'o', 'd'],
      [7.3, 'o', ''],
    ]);
  });

  it.each([
    ['a header that is not v2', '{"version":1,"width":80,"height":24}\n', /not an asciicast v2 header/],
    ['an input event', '{"version":2,"width":80,"height":24}\n[0.1,"i","x"]\n', /event 1 is not/],
    ['time going back', '{"version":2,"width":80,"height":24}\n[1,"o","x"]\n[0.5,"o","y"]\n', /event 2 goes back in time/],
  ])('parseCast refuses %s', (_c, text, err) => {
    expect(() => parseCast(text)).toThrow(err);
  });
});
