// string-width builds an Intl.Segmenter and its RGI_Emoji regex when it loads (~60 ms of CPU, the
// regex alone ~40), though lines that take src/output/width.ts's fast path never need them. This
// rewrites its source so both are built on first use. Used by scripts/build.mjs; checked by
// test/output/lazy-string-width.test.ts against the real module.
const SWAPS = [
  ['const segmenter = new Intl.Segmenter();', 'let segmenterMade; const segmenter = { segment: (s) => (segmenterMade ??= new Intl.Segmenter()).segment(s) };'],
  ['const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', "let rgiEmojiMade; const rgiEmojiRegex = { test: (s) => (rgiEmojiMade ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(s) };"],
];

/** The source with both built lazily; undefined when it is not the code this expects (left as it is). */
export function lazyStringWidth(src) {
  let out = src;
  for (const [eager, lazy] of SWAPS) {
    if (out.split(eager).length !== 2) return undefined;
    out = out.replace(eager, () => lazy); // a function: the text holds $', which replace() would expand
  }
  return out;
}
