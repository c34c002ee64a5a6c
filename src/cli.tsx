// Entry point (bundled to dist/cli.js, started by bin/registry-setup.js). Wires the real world:
// process env, streams, home and working folder, uid; everything else lives in src/ui/runCli.tsx.
import { restoreFetch } from './ui/startup.js'; // first: see the file
import os from 'node:os';
import process from 'node:process';
import pkg from '../package.json' with { type: 'json' };
import { steps } from './steps/index.js';
import { renderSummary } from './steps/summary.js';
import { runCli } from './ui/runCli.js';
import { mountInk } from './ui/mount.js';
import { GCLOUD_CONFIG_HELPER, startEarly } from './adapters/early.js';

restoreFetch();
const debug = process.argv.includes('--debug');

// Node's own warnings (deprecations, a library's MetadataLookupWarning…) would be written straight
// to the terminal, through the Ink frames. They are for us, not for the user: only --debug shows them.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (debug) process.stderr.write(`registry-setup (debug): ${w.name}: ${w.message}\n`);
});

// Never a stack trace in front of a user unless --debug.
process.on('unhandledRejection', (e) => {
  if (debug) process.stderr.write(`registry-setup (debug): unhandled rejection: ${e instanceof Error ? e.stack : String(e)}\n`);
});
process.on('uncaughtException', (e) => {
  process.stderr.write(`registry-setup: unexpected error: ${e.message}${debug ? `\n${e.stack}` : ' (run with --debug for details)'}\n`);
  process.exit(1);
});

function flushAndExit(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
  setTimeout(() => process.exit(code), 500).unref();
}

const code = await runCli({
  argv: process.argv.slice(2),
  processEnv: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  version: pkg.version,
  steps,
  renderSummary,
  mountInk,
  makeEnv: async (hooks) => {
    const { buildEnv } = await import('./env.js');
    return buildEnv({
      processEnv: process.env,
      stdin: process.stdin,
      stdout: process.stdout,
      homedir: os.homedir(),
      cwd: process.cwd(),
      isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
      ...hooks,
    });
  },
  onSignal: (handler) => {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
  exitNow: (c) => process.exit(c),
  startEarly: () => startEarly([GCLOUD_CONFIG_HELPER], process.env),
});
flushAndExit(code);
