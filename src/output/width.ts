// Terminal width of a string: string-width's answer, with a fast path for what our lines are made
// of. string-width segments graphemes and tests Unicode-property regexes for any string that is not
// plain ASCII (~0.1 ms a line, and ~40 ms to compile those regexes on first use), and Ink measures
// every line of every frame with it: our marks (→ ✓ │ … and the spinner's braille) would send every
// line down that path. The build makes Ink use this too (scripts/build.mjs).
import stringWidth from 'string-width';

/**
 * Characters that are one column wide and one UTF-16 unit long, whatever is next to them: printable
 * ASCII and Latin-1 (not the soft hyphen), and the symbols our lines use. (test/output/width.test.ts
 * checks each against string-width.)
 */
const ONE_COLUMN = /^[\x20-\x7E\u00A0-\u00AC\u00AE-\u00FF–—‘’“”•…→↑↓↻≥│■⏎✓✗ℹ·\u2800-\u28FF]*$/;
/** One terminal escape sequence (CSI, OSC, or a two-character one): it takes no column. */
// eslint-disable-next-line no-control-regex
export const ESCAPE = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/;
/** Colour and style sequences (SGR): no width. */
const SGR = /\u001B\[[0-9;]*m/g;

/** Every character of `s` is one column and one UTF-16 unit: its width is its length. */
export const oneColumnEach = (s: string): boolean => ONE_COLUMN.test(s);

export default function width(s: string): number {
  if (typeof s !== 'string') return stringWidth(s);
  const bare = s.includes('\u001B') ? s.replace(SGR, '') : s;
  return ONE_COLUMN.test(bare) ? bare.length : stringWidth(s);
}
