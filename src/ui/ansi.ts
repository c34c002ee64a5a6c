// How each tone of a row looks, once for both ways rows reach the terminal: through Ink (<App>, as
// Text props) and as styled lines written outside Ink (the plan and the summary, through chalk as
// Ink does).
import chalk from 'chalk';
import type { Row, Tone } from './lines.js';
import { TONE as PALETTE } from './palette.js';

type Colour = (typeof PALETTE)[keyof typeof PALETTE];

export const LOOK: Record<Tone, { color?: Colour; bold?: true; dim?: true }> = {
  plain: {},
  dim: { dim: true },
  bold: { bold: true },
  command: { color: PALETTE.accent },
  ok: { color: PALETTE.ok },
  warn: { color: PALETTE.warn },
  fail: { color: PALETTE.fail },
  info: { color: PALETTE.accent },
  heading: { bold: true },
};

function styled(text: string, tone: Tone = 'plain'): string {
  const { color, bold, dim } = LOOK[tone];
  let s = color ? chalk[color](text) : text;
  if (bold) s = chalk.bold(s);
  if (dim) s = chalk.dim(s);
  return s;
}

/** Each row on a line of its own, as it is (rows are laid out to fit already, or meant to be copied whole). */
export function rowsText(rows: Row[]): string {
  return rows.map((r) => r.segs.map((s) => styled(s.text, s.tone)).join('') + '\n').join('');
}
