// Rows as terminal text with the transcript's colours, for what is written outside Ink (the
// summary, after Ink is gone): the same tones as <App> gives Ink, through chalk as Ink does.
import chalk, { type ChalkInstance } from 'chalk';
import type { Row, Tone } from './lines.js';
import { TONE as PALETTE } from './palette.js';

const STYLE: Record<Tone, ChalkInstance | null> = {
  plain: null,
  dim: chalk.dim,
  bold: chalk.bold,
  command: chalk[PALETTE.accent],
  ok: chalk[PALETTE.ok],
  warn: chalk[PALETTE.warn],
  fail: chalk[PALETTE.fail],
  info: chalk[PALETTE.accent],
  heading: chalk.bold,
};

/** Each row on a line of its own; `asIs` rows whole (they are laid out to fit already, or meant to be copied whole). */
export function rowsText(rows: Row[]): string {
  return rows.map((r) => r.segs.map((s) => (STYLE[s.tone ?? 'plain'] ?? String)(s.text)).join('') + '\n').join('');
}
