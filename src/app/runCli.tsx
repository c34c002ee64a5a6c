// The CLI's orchestration, with everything from the outside world injected (src/cli.tsx passes the
// real process, streams and env builder): parse flags, pick the mode (Ink / plain lines / JSON),
// draw the first frame before any slow work, build the env, run, report, exit code.
import { setMaxListeners } from 'node:events';
import type { Env, ProgressStore, RunLock } from '../ports.js';
import type { Flags, Step } from '../steps/types.js';
import { parseFlags, USAGE } from '../args.js';
import { exitCodeFor, runWizard, type RunResult, type Sink } from '../runner.js';
import { createPlainSink, fanout } from '../output/plain.js';
import { createJsonCollector } from '../output/json.js';
import { fatalLines, type RenderSummary } from '../output/format.js';
import { toWizardError } from '../errors.js';
import type { InkUi } from '../ui/mount.js';
import type { EarlyRuns } from '../adapters/early.js';
import { choosePlain } from './mode.js';
import { runCommand } from './command.js';
import type { Boot } from './boot.js';

export interface EnvHooks {
  interactive: boolean;
  /** Plain lines (no Ink): questions one line at a time as well. */
  plain: boolean;
  /** Commands src/app/start.ts started before anything else loaded (handed to the runner). */
  early?: EarlyRuns;
}

export interface CliDeps {
  argv: string[];
  processEnv: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  version: string;
  steps: Step[];
  renderSummary?: RenderSummary;
  /** Builds the env (loaded after the first frame: adapters pull in execa, conf, …). */
  makeEnv: (hooks: EnvHooks) => Promise<{ env: Env; store: ProgressStore; lock?: RunLock }>;
  /** Subscribe to SIGINT/SIGTERM; returns an unsubscribe function. */
  onSignal: (handler: () => void) => () => void;
  /** Exit right now (second Ctrl-C). */
  exitNow: (code: number) => void;
  /** What src/app/start.ts and src/app/boot.ts already did before the modules loaded: gcloud started, the header drawn. */
  boot?: Boot;
  /** Mount Ink (injected so plain-mode runs never load it). */
  mountInk?: (o: Parameters<typeof import('../ui/mount.js').mountInk>[0]) => InkUi;
}

function line(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text + '\n');
}

export async function runCli(d: CliDeps): Promise<number> {
  const parsed = parseFlags(d.argv);
  if (parsed.kind === 'help') {
    line(d.stdout, USAGE);
    return 0;
  }
  if (parsed.kind === 'version') {
    line(d.stdout, d.version);
    return 0;
  }
  if (parsed.kind === 'usage-error') {
    line(d.stderr, `registry-setup: ${parsed.message}\n`);
    line(d.stderr, USAGE);
    return 2;
  }
  if (parsed.kind === 'command') return runCommand(d, parsed.command, parsed.flags);
  const flags = parsed.flags;
  const plain = choosePlain(flags, !!d.stdout.isTTY, d.processEnv);
  const interactive = !!d.stdin.isTTY && !!d.stdout.isTTY && !flags.yes && !flags.json && !flags.dryRun;

  const ac = new AbortController();
  // Every outside call listens on this one signal; many in one run is normal, not a leak.
  setMaxListeners(1000, ac.signal);
  let interrupts = 0;
  const interrupt = () => {
    interrupts++;
    if (interrupts === 1) ac.abort();
    else d.exitNow(130);
  };
  const offSignal = d.onSignal(interrupt);

  // ---- first frame, before any slow work ----
  let ui: InkUi | undefined;
  let sink: Sink;
  const json = flags.json ? createJsonCollector() : undefined;
  if (!plain && d.mountInk) {
    ui = d.mountInk({
      stdout: d.stdout,
      stdin: d.stdin,
      stderr: d.stderr,
      steps: d.steps.map((s) => ({ id: s.id, title: s.title, explain: s.explain })),
      dryRun: flags.dryRun,
      debug: flags.debug,
      renderSummary: d.renderSummary,
      onInterrupt: interrupt,
      headerShown: d.boot?.headerShown === true,
      // Someone who passes the answers as flags knows the way: a compact transcript (e still shows more).
      explain: !answeredByFlags(flags),
    });
    sink = ui.sink;
  } else {
    const progress = createPlainSink({
      write: (l) => line(flags.json ? d.stderr : d.stdout, l),
      debug: flags.debug,
      renderSummary: d.renderSummary,
      summary: !flags.json,
    });
    sink = json ? fanout(progress, json.sink) : progress;
  }

  // The slowest probe (gcloud, about a second) has been running since the flags were read
  // (src/app/start.ts): the runner takes its result; what nobody takes is stopped at the end.
  const early = d.boot?.early;

  let result: RunResult | undefined;
  let fatal: unknown;
  try {
    const real = await d.makeEnv({ interactive, plain, early });
    const terminal = ui ? { beforeQuestions: ui.beforePrompt, afterQuestions: ui.afterPrompt } : undefined;
    result = await runWizard({ steps: d.steps, env: real.env, store: real.store, lock: real.lock, flags, signal: ac.signal, sink, terminal });
  } catch (e) {
    fatal = e;
  } finally {
    offSignal();
    // Early commands nobody asked for (the run stopped first) are not left running.
    for (const r of early?.values() ?? []) r.kill();
  }

  if (ui) await ui.finish();
  if (fatal !== undefined || !result) {
    // Something failed outside any step (building the env, reading saved progress…).
    const w = toWizardError(fatal);
    const out = json ? d.stderr : d.stdout;
    if (w.kind === 'cancel' || ac.signal.aborted) {
      line(out, 'Stopped.');
      if (json) line(d.stdout, JSON.stringify({ status: 'cancelled', steps: [], images: [] }));
      return 130;
    }
    for (const l of fatalLines('registry-setup', w, flags.debug)) line(d.stderr, l);
    if (json) {
      const doc = json.result({ status: 'failed', state: {}, error: w }, flags.debug);
      line(d.stdout, JSON.stringify(doc, null, 2));
    }
    return 1;
  }
  if (json) line(d.stdout, JSON.stringify(json.result(result, flags.debug), null, 2));
  // A missing or bad flag value found by a step (e.g. --yes without --project) is a usage error.
  if (result.status === 'failed' && result.error?.kind === 'user' && result.error.flag) return 2;
  return exitCodeFor(result);
}

/** --yes, or any answer given as a flag. */
function answeredByFlags(flags: Flags): boolean {
  return flags.yes || [flags.project, flags.region, flags.repository, flags.image, flags.source].some((v) => v !== undefined);
}
