// What a run does before anything heavy loads (src/cli.tsx calls it first, then imports the rest).
//
// In a terminal, the header is written at once with plain writes. Then, in every real run (plain
// lines and --json too), gcloud's config-helper starts: the slowest probe, whose token every run
// waits for. Ink, React and the adapters load while the user already reads the header and gcloud
// already works; Ink draws the live area below it and leaves the header out (`headerShown`).
// --help, --version and usage errors are left to runCli; --dry-run starts nothing (it runs no command).
import { parseFlags } from '../args.js';
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

export interface BootDeps {
  argv: string[];
  processEnv: NodeJS.ProcessEnv;
  stdout: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
  startEarly: () => EarlyRuns;
}

export function boot(d: BootDeps): Boot {
  // chalk (Ink's colours as well as the header's) honours TERM=dumb and FORCE_COLOR, not NO_COLOR.
  if (colorsOff(d.processEnv)) chalk.level = 0;
  const parsed = parseFlags(d.argv);
  if (parsed.kind !== 'run') return { headerShown: false };
  const plain = choosePlain(parsed.flags, !!d.stdout.isTTY, d.processEnv);
  if (!plain) d.stdout.write(headerText(d.stdout.columns, parsed.flags.dryRun));
  return { headerShown: !plain, ...(parsed.flags.dryRun ? {} : { early: d.startEarly() }) };
}
