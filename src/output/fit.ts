// Text laid out to a terminal's width before Ink sees it: every line we hand Ink already fits, in
// columns as the terminal counts them (string-width: wide and combining characters), so neither
// Ink's own wrapping nor the terminal's can break a line mid-word.
import width, { ESCAPE, oneColumnEach } from './width.js';

export const widthOf = width;

// What a terminal shows as one unit: an escape sequence (no width) or one grapheme.
const UNIT = new RegExp(ESCAPE.source, 'y');
let segmenter: Intl.Segmenter | undefined; // made on first use: ~20 ms, and most lines never need it
const graphemes = (s: string) => (segmenter ??= new Intl.Segmenter()).segment(s);

/** `s` as units with their widths, so a head is measured in one pass (widthOf per prefix is quadratic). */
function units(s: string): [string, number][] {
  const out: [string, number][] = [];
  let i = 0;
  while (i < s.length) {
    UNIT.lastIndex = i;
    const esc = UNIT.exec(s);
    const end = esc ? i + esc[0].length : nextEscape(s, i);
    if (esc) out.push([esc[0], 0]);
    else for (const { segment } of graphemes(s.slice(i, end))) out.push([segment, widthOf(segment)]);
    i = end;
  }
  return out;
}
const nextEscape = (s: string, from: number): number => {
  const at = s.indexOf('\u001B', from + 1);
  return at < 0 ? s.length : at;
};

/** The longest head of `s` whose width plus `reserve` fits in `cols`. */
function fittingHead(s: string, cols: number, reserve = 0): string {
  if (oneColumnEach(s)) return s.slice(0, Math.max(0, cols - reserve)); // one column per character
  let head = '';
  let used = reserve;
  for (const [u, w] of units(s)) {
    if (used + w > cols) break;
    head += u;
    used += w;
  }
  return head;
}

/** The longest head of `word` that fits in `cols`, cut after a / - : @ . when there is one in it. */
function headOf(word: string, cols: number): string {
  const head = fittingHead(word, cols);
  if (!head) return [...word][0] ?? '';
  // A path breaks best after a slash; then after other punctuation; else where the line ends.
  for (const marks of [['/'], ['-', ':', '@', '.']]) {
    const cut = Math.max(...marks.map((c) => head.lastIndexOf(c)));
    if (cut > head.length / 2) return head.slice(0, cut + 1);
  }
  return head;
}

/** `text` in lines of at most `cols` columns, broken at spaces; a word wider than a line is cut. */
export function wrap(text: string, cols: number): string[] {
  const width = Math.max(1, cols);
  const lines: string[] = [];
  let line = '';
  const push = () => {
    lines.push(line);
    line = '';
  };
  for (let word of text.split(/ +/).filter(Boolean)) {
    if (line && widthOf(line) + 1 + widthOf(word) > width) push();
    while (widthOf((line ? line + ' ' : '') + word) > width) {
      if (line) push();
      const head = headOf(word, width);
      lines.push(head);
      word = word.slice(head.length);
    }
    if (word) line = line ? `${line} ${word}` : word;
  }
  if (line || !lines.length) push();
  return lines;
}

/** `text` wrapped with a hanging indent: `first` before the first line, `indent` spaces before the others. */
export function hang(text: string, cols: number, first: string, indent = widthOf(first)): string[] {
  const lead = ' '.repeat(indent);
  const inner = Math.max(10, cols - Math.max(widthOf(first), indent));
  return wrap(text, inner).map((l, i) => (i === 0 ? first : lead) + l);
}

/** A line's mark and indent, which its wrapped rows hang under: "  ✗ ", "    - ", "  [ok  ] ". */
const MARK_LEAD = /^\s*(?:\[[^\]]*\] |[✗✓!→•-] )?/;

/** A plain line of output in `cols` columns: broken between words, the rest under its mark. */
export function fitLine(line: string, cols: number): string[] {
  if (widthOf(line) <= cols) return [line];
  const lead = MARK_LEAD.exec(line)![0];
  return hang(line.slice(lead.length), cols, lead);
}

/** A line cut to `cols` columns, with … at the end when cut. */
export function truncate(text: string, cols: number): string {
  if (widthOf(text) <= cols) return text;
  return headOf(text, Math.max(1, cols - 1)).replace(/$/, '…');
}

/** The words of a shell command: split at spaces outside quotes and $( ). */
function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let depth = 0;
  for (const ch of cmd) {
    if (quote) quote = ch === quote ? undefined : quote;
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(' || ch === ')') depth += ch === '(' ? 1 : -1;
    else if (ch === ' ' && depth <= 0) {
      if (cur) words.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur) words.push(cur);
  return words;
}

/** `word` in `cols` columns: its head, …, and its tail (the part after the last /, when it fits). */
export function middle(word: string, cols: number): string {
  if (widthOf(word) <= cols) return word;
  const slash = word.lastIndexOf('/');
  const wanted = slash > 0 && widthOf(word.slice(slash)) <= cols * 0.6 ? word.slice(slash) : '';
  const tail = wanted || [...word].slice(-Math.floor(cols / 3)).join('');
  return `${fittingHead(word, cols, 1 + widthOf(tail))}…${tail}`;
}

/**
 * A shell command to read in `cols` columns: `first` ("$ ") before it, broken between words with
 * a trailing " \" (a shell continuation) and the rest indented; a word wider than a line is
 * shortened in the middle (the summary's script has it whole).
 */
export function wrapCommand(cmd: string, cols: number, first: string): string[] {
  const indent = ' '.repeat(widthOf(first) + 2);
  const room = Math.max(10, cols - widthOf(indent) - 2);
  const lines: string[] = [];
  let line = first;
  for (const word of shellWords(cmd)) {
    const sep = line === first ? '' : ' ';
    if (line !== first && widthOf(line + sep + word) + 2 > cols) {
      lines.push(`${line} \\`);
      line = indent;
    }
    line += (line === first || line === indent ? '' : sep) + middle(word, room);
  }
  lines.push(line);
  return lines;
}

/** A here-document's first line (`cat > F <<'EOF'`): the command before `<<`, and the word that ends it. */
export const HERE_DOC = /^(.*?)\s*<<-?\s*'?(\w+)'?\s*$/;
