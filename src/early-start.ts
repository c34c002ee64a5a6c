// The slowest probe starts first: imported by src/cli.tsx right after ui/startup.ts, so this runs
// before Ink, React and the rest of the bundle are evaluated (tens of milliseconds after Node
// starts, instead of a few hundred). Only for a real run (not --help, --version, --dry-run or a
// usage error): gcloud's config-helper process (adapters/early.ts). runCli takes it with
// takeEarly(), hands it to the runner, and stops it if nobody used it.
import process from 'node:process';
import { parseFlags } from './args.js';
import { GCLOUD_CONFIG_HELPER, startEarly, type EarlyRuns } from './adapters/early.js';

let runs: EarlyRuns | undefined;
const parsed = parseFlags(process.argv.slice(2));
if (parsed.kind === 'run' && !parsed.flags.dryRun) runs = startEarly([GCLOUD_CONFIG_HELPER], process.env);

/** The early runs (once), or a fresh start if none were made at load time. */
export function takeEarly(): EarlyRuns {
  const r = runs ?? startEarly([GCLOUD_CONFIG_HELPER], process.env);
  runs = undefined;
  return r;
}
