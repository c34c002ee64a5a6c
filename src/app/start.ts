// The first thing a run does (src/cli.tsx calls it before loading anything else, the header too):
// read the flags and, in every real run (plain lines and --json too), start gcloud's config-helper,
// the slowest probe, whose token every run waits for. Only the flag parser and cross-spawn (node's
// child_process) load before it; each module more would start gcloud later.
// --help, --version and usage errors are left to runCli; --dry-run starts nothing (it runs no command).
import { parseFlags, type ParsedArgs } from '../args.js';
import type { EarlyRuns } from '../adapters/early.js';

export interface Started {
  parsed: ParsedArgs;
  /** Commands already started (handed to runCli instead of starting them again); none for --dry-run. */
  early?: EarlyRuns;
}

export function start(argv: string[], startEarly: () => EarlyRuns): Started {
  const parsed = parseFlags(argv);
  return parsed.kind === 'run' && !parsed.flags.dryRun ? { parsed, early: startEarly() } : { parsed };
}
