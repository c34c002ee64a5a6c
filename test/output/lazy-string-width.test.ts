// The build's rewrite of string-width (its segmenter and emoji regex built on first use) must
// measure exactly as the module it rewrites: both are loaded here side by side and compared.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript
import { lazyStringWidth } from '../../scripts/lazy-string-width.mjs';

const source = createRequire(import.meta.url).resolve('string-width');
// Next to the original, so that its own imports (strip-ansi, get-east-asian-width) resolve the same.
const rewritten = join(dirname(source), `index.lazy-test-${process.pid}.js`);
let lazyWidth: (s: string) => number;

beforeAll(async () => {
  const lazy = (lazyStringWidth as (s: string) => string | undefined)(await readFile(source, 'utf8'));
  expect(lazy, 'the rewrite no longer matches string-width: update scripts/lazy-string-width.mjs').toBeDefined();
  await writeFile(rewritten, lazy!);
  lazyWidth = ((await import(pathToFileURL(rewritten).href)) as { default: (s: string) => number }).default;
});
afterAll(async () => {
  await rm(rewritten, { force: true });
});

describe('string-width, segmenter and emoji regex built on first use', () => {
  it.each(['', 'abc', '日本語', '👍', '👩‍💻 dev', 'e\u0301', '✔️ ok', '\u001B[31m✗\u001B[39m', 'ℹ️', '한국어', '\u200B', 'ｶﾞ'])('%j', (s) => {
    expect(lazyWidth(s)).toBe(stringWidth(s));
  });

  it('measures any string as string-width does', () => {
    const pieces = ['a', ' ', '日', '👍', '👩‍💻', '\u0301', '\uFE0F', '✓', '→', '\u001B[2m', '한', 'ｶ', 'ﾞ', '\u200D', '1\u20E3'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 30 }), (parts) => {
        const s = parts.join('');
        expect(lazyWidth(s)).toBe(stringWidth(s));
      }),
      { numRuns: 1000 },
    );
  });
});
