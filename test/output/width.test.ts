// The width fast path must give string-width's answer, always: each character it takes on trust,
// and any mix of them with colour sequences and characters it leaves to string-width.
import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import width, { oneColumnEach } from '../../src/output/width.js';

const ranges: [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0xff],
  [0x2800, 0x28ff],
];
const symbols = '–—‘’“”•…→↑↓↻≥│■⏎✓✗ℹ·';
const trusted = [...ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCharCode(a + i))), ...symbols].filter(oneColumnEach);
const others = ['\u00AD', '\u0301', 'e\u0301', '日', '語', '👍', '👩‍💻', '✔️', '\u200B', '\t', '\u001B]8;;x\u0007', '\uFE0F', 'ℹ️'];
const sgr = ['\u001B[2m', '\u001B[22m', '\u001B[32m', '\u001B[39m', '\u001B[1;36m', '\u001B[0m'];

describe('width', () => {
  it('takes on trust only characters string-width counts as one column, each one UTF-16 unit', () => {
    expect(trusted.length).toBeGreaterThan(400);
    for (const ch of trusted) expect([ch, stringWidth(ch), ch.length]).toEqual([ch, 1, 1]);
    expect(oneColumnEach('\u00AD')).toBe(false); // the soft hyphen takes no column
  });

  it.each([
    { case: 'ASCII', s: 'docker push --all-tags', want: 22 },
    { case: 'our marks', s: '  → artifactregistry.locations.list … ✓', want: 39 },
    { case: 'colour sequences take no room', s: '\u001B[32m✓\u001B[39m Region', want: 8 },
    { case: 'wide characters go to string-width', s: '日本 ok', want: 7 },
    { case: 'an emoji goes to string-width', s: 'ok 👍', want: 5 },
    { case: 'not a string', s: undefined as unknown as string, want: 0 },
  ])('$case', ({ s, want }) => {
    expect(width(s)).toBe(want);
    expect(width(s)).toBe(stringWidth(s));
  });

  it('gives string-width\'s answer for any mix of trusted characters, colour sequences and others', () => {
    const piece = fc.oneof({ arbitrary: fc.constantFrom(...trusted), weight: 8 }, { arbitrary: fc.constantFrom(...sgr), weight: 2 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const s = parts.join('');
        expect(width(s)).toBe(stringWidth(s));
      }),
      { numRuns: 2000 },
    );
  });
});
