// The wizard's header: the first thing a run in a terminal shows. It is written by src/app/boot.ts
// with plain writes before Ink and React load (about 0.2 s before Ink could draw it), so it lives
// here, light, and not in <App>. Colours come from chalk, the same as Ink's, so they match the rest.
import chalk from 'chalk';
import { TONE } from './palette.js';

export const HEADLINE =
  'Creates a Docker repository in Google Artifact Registry, connects Docker to it and pushes a first tagged image: chapter 02 of the guide, done for real and explained.';

export const DRY_RUN_MARK = ' (dry run: nothing will be changed)';

/** Words wrapped to `width` columns (the header's text is ASCII: one column per character). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The header as terminal text, ending with a blank line; drawn the way <App> would draw it. */
export function headerText(columns: number | undefined, dryRun: boolean): string {
  const width = Math.max(20, columns || 80);
  const title = chalk.bold[TONE.accent]('registry-setup') + (dryRun ? chalk[TONE.warn](DRY_RUN_MARK) : '');
  const headline = wrapWords(HEADLINE, width).map((l) => chalk.dim(l));
  return [title, ...headline, '', ''].join('\n');
}
