// What a run shows before anything heavy loads (src/cli.tsx calls it right after src/app/start.ts has
// started gcloud): in a terminal, the header, written at once with plain writes. Ink, React and the
// adapters load while the user already reads it and gcloud already works; Ink draws the live area
// below it and leaves the header out (`headerShown`).
import type { Started } from './start.js';
import type { EarlyRuns } from '../adapters/early.js';
import chalk from 'chalk';
import { choosePlain, colorsOff } from './mode.js';
import { headerText } from '../ui/header.js';

export interface Boot {
  /** The header is on screen: Ink must not draw it again. */
  headerShown: boolean;
  /** Commands already started (handed to runCli instead of starting them again); none for --dry-run. */
  early?: EarlyRuns;
}

export interface BootDeps extends Started {
  processEnv: NodeJS.ProcessEnv;
  stdout: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
}

export function boot(d: BootDeps): Boot {
  // chalk (Ink's colours as well as the header's) honours TERM=dumb and FORCE_COLOR, not NO_COLOR.
  if (colorsOff(d.processEnv)) chalk.level = 0;
  const { parsed } = d;
  if (parsed.kind !== 'run') return { headerShown: false };
  const plain = choosePlain(parsed.flags, !!d.stdout.isTTY, d.processEnv);
  if (!plain) d.stdout.write(headerText(d.stdout.columns, parsed.flags.dryRun));
  return { headerShown: !plain, ...(d.early ? { early: d.early } : {}) };
}
