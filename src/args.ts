// Command-line flags: strict parsing (node:util parseArgs) and syntax checks, before any work.
import { parseArgs } from 'node:util';
import type { Flags } from './steps/types.js';
import type { ImageSource } from './ports.js';
import { validateImageName, validateLocalImageRef, validateLocation, validateProjectId, validateRepositoryId } from './validate.js';
import { parseCleanupFlag } from './cleanupPolicy.js';

export const USAGE = `Usage: registry-setup [options]
       registry-setup doctor [--fix] [--json] [--plain]
       registry-setup undo [--yes [--delete-repository]] [--json] [--plain]

Sets up a Docker repository in Google Artifact Registry for your project, step by step,
for real, and explains each step: project, region, repository, Docker auth, a first
tagged push (latest + the git short sha), and a summary with the equivalent commands.
Progress is saved after each step; run it again to resume.

Commands:
  (none)              Run the setup (or resume it)
  doctor              Re-check a finished setup for drift; exit 0 healthy, 1 with findings
  undo                Remove what registry-setup created here, and nothing else

Options:
  --project ID        Google Cloud project (default: gcloud's active project)
  --region LOCATION   Artifact Registry location, e.g. southamerica-east1
                      (default: gcloud's artifacts/location or run/region property)
  --repository ID     Repository ID (default: derived from the project, e.g. mycoolproject-repo)
  --image NAME        Image name inside the repository (default: from this folder's name)
  --source SOURCE     What to push: build (./Dockerfile), sample (a tiny verification
                      image built offline), or a local image reference such as myapp:latest
  --cleanup POLICY    After the push: keep=N sets a cleanup policy on the repository that
                      keeps the N most recent versions of each image and deletes untagged
                      versions older than 30 days; none sets none. Default: offered in a
                      terminal; with --yes, no policy is set
  -y, --yes           Never ask: use flags and defaults (a missing answer is an error naming its flag)
      --restart       Discard saved progress and start from the first step
      --dry-run       Print the plan and the equivalent commands; change nothing
      --json          Print one JSON result on stdout (progress goes to stderr); implies --yes
      --debug         Show stack traces and more detail when something fails
      --plain         Plain lines for screen readers: no colours, spinner or redraws;
                      questions are asked one line at a time (type a number or a value)
  -h, --help          Show this help
  -v, --version       Show the version

Examples:
  npx registry-setup
  npx registry-setup --project mycoolproject-prod --region southamerica-east1
  npx registry-setup --yes --project mycoolproject-prod --region us-central1 --source sample --json
  npx registry-setup --yes --cleanup keep=5
  npx registry-setup --dry-run

Colours: NO_COLOR=1 turns them off; TERM=dumb, --plain, or output that is not a
terminal gives plain lines.

Exit codes: 0 done, 1 a step failed, 2 usage error, 130 interrupted.`;

/** Flags of `doctor` and `undo`. */
export interface CommandFlags {
  json: boolean;
  /** Questions as plain numbered lines (screen readers); the output is plain lines anyway. */
  plain: boolean;
  debug: boolean;
  /** doctor: apply the safe fixes. */
  fix: boolean;
  /** undo: never ask (the repository is deleted only with deleteRepository too). */
  yes: boolean;
  /** undo: delete the repository this tool created (with --yes; interactively the name is typed). */
  deleteRepository: boolean;
}

export type CommandName = 'doctor' | 'undo';

export type ParsedArgs =
  | { kind: 'run'; flags: Flags }
  | { kind: 'command'; command: CommandName; flags: CommandFlags }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

const OPTIONS = {
  project: { type: 'string' },
  region: { type: 'string' },
  repository: { type: 'string' },
  image: { type: 'string' },
  source: { type: 'string' },
  cleanup: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  restart: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  plain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function parseSource(v: string): { source: ImageSource } | { error: string } {
  if (v === 'build' || v === 'sample') return { source: v };
  const ok = validateLocalImageRef(v);
  if (ok !== true) return { error: `--source must be build, sample, or a local image reference. ${ok}` };
  return { source: { local: v } };
}

function show(v: string): string {
  return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
}

const COMMAND_OPTIONS: Record<CommandName, Record<string, { type: 'boolean'; short?: string }>> = {
  doctor: { fix: { type: 'boolean' }, json: { type: 'boolean' }, plain: { type: 'boolean' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  undo: {
    yes: { type: 'boolean', short: 'y' },
    'delete-repository': { type: 'boolean' },
    json: { type: 'boolean' },
    plain: { type: 'boolean' },
    debug: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
};

function parseCommand(command: CommandName, argv: string[]): ParsedArgs {
  let values: Record<string, boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: COMMAND_OPTIONS[command], strict: true, allowPositionals: false }).values as Record<string, boolean | undefined>;
  } catch (e) {
    const arg = /'([^']+)'/.exec((e as Error).message ?? '')?.[1];
    return { kind: 'usage-error', message: `${command} does not take ${arg ? show(arg.split('=')[0]) : 'that argument'}.` };
  }
  if (values.help) return { kind: 'help' };
  const flags: CommandFlags = {
    json: !!values.json,
    plain: !!values.plain,
    debug: !!values.debug,
    fix: !!values.fix,
    yes: !!values.yes || !!values.json,
    deleteRepository: !!values['delete-repository'],
  };
  if (flags.deleteRepository && !flags.yes) {
    return { kind: 'usage-error', message: '--delete-repository goes with --yes (without --yes, undo asks you to type the repository name).' };
  }
  return { kind: 'command', command, flags };
}

export function parseFlags(argv: string[]): ParsedArgs {
  if (argv[0] === 'doctor' || argv[0] === 'undo') return parseCommand(argv[0], argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const arg = /'([^']+)'/.exec(err.message ?? '')?.[1];
    switch (err.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        return { kind: 'usage-error', message: `Unknown option ${arg ? show(arg.split('=')[0]) : ''}.`.replace(' .', '.') };
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        return { kind: 'usage-error', message: `Unexpected argument ${arg ? show(arg) : ''}: every value goes after its option, e.g. --project mycoolproject-prod.` };
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
        const m = /--([a-z-]+)/.exec(err.message ?? '');
        const name = m ? `--${m[1]}` : 'An option';
        const isBool = m && (OPTIONS as Record<string, { type: string }>)[m[1]]?.type === 'boolean';
        return { kind: 'usage-error', message: isBool ? `${name} does not take a value.` : `${name} needs a value, e.g. ${name} VALUE.` };
      }
      default:
        return { kind: 'usage-error', message: err.message ?? String(e) };
    }
  }
  const { values, tokens } = parsed;
  // The same option twice is almost always a mistake; refuse it rather than silently keep one.
  const seen = new Set<string>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) return { kind: 'usage-error', message: `--${t.name} is given more than once.` };
    seen.add(t.name);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const checks: [string, string | undefined, (v: string) => true | string][] = [
    ['--project', values.project, validateProjectId],
    ['--region', values.region, validateLocation],
    ['--repository', values.repository, validateRepositoryId],
    ['--image', values.image, validateImageName],
  ];
  for (const [flag, v, check] of checks) {
    if (v === undefined) continue;
    const r = check(v);
    if (r !== true) return { kind: 'usage-error', message: `${flag}: ${r}` };
  }
  let source: ImageSource | undefined;
  if (values.source !== undefined) {
    const s = parseSource(values.source);
    if ('error' in s) return { kind: 'usage-error', message: s.error };
    source = s.source;
  }
  let cleanup: Flags['cleanup'];
  if (values.cleanup !== undefined) {
    const c = parseCleanupFlag(values.cleanup);
    if ('error' in c) return { kind: 'usage-error', message: c.error };
    cleanup = c.cleanup;
  }
  const flags: Flags = {
    project: values.project,
    region: values.region,
    repository: values.repository,
    image: values.image,
    source,
    ...(cleanup ? { cleanup } : {}),
    yes: !!values.yes || !!values.json,
    restart: !!values.restart,
    dryRun: !!values['dry-run'],
    json: !!values.json,
    debug: !!values.debug,
    plain: !!values.plain,
  };
  return { kind: 'run', flags };
}
