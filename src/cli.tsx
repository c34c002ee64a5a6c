// Entry point (bundled to dist/cli.js, started by bin/registry-setup.js): sets the process up, reads
// the flags and starts gcloud (src/app/start.ts), then draws the header (src/app/boot.ts), and only
// then loads the rest (Ink, React, the steps and runner, in chunks of their own) and wires the real
// world into runCli (src/app/runCli.tsx): process env, streams, home and working folder, uid, and
// the API library's bundle with its code cache in the user's cache folder.
// Its static imports are only what starting gcloud needs: every module more would start it later.
import { restoreFetch } from './app/startup.js'; // first: see the file
import os from 'node:os';
import process from 'node:process';
import pkg from '../package.json' with { type: 'json' };
import { start } from './app/start.js';
import { GCLOUD_CONFIG_HELPER, lowerOwnPriority, startEarly } from './adapters/early.js';

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

const argv = process.argv.slice(2);
// In every real run, gcloud's config-helper first (then this process steps back to a lower CPU
// priority: src/adapters/early.ts); in a terminal, the header next; both before the imports below.
const started = start(argv, () => startEarly([GCLOUD_CONFIG_HELPER], process.env, lowerOwnPriority));
const { boot } = await import('./app/boot.js');
const booted = boot({ ...started, processEnv: process.env, stdout: process.stdout });

const [{ runCli }, { mountInk }, { steps }, { renderSummary }, { cachedBundle }, { default: envPaths }, { fileURLToPath }] = await Promise.all([
  import('./app/runCli.js'),
  import('./ui/mount.js'),
  import('./steps/index.js'),
  import('./steps/summary.js'),
  import('./adapters/codeCache.js'),
  import('env-paths'),
  import('node:url'),
]);
restoreFetch();

// The build makes the API library a bundle of its own, loaded with V8's code cache.
const apiLibrary =
  typeof __API_LIBRARY__ === 'string'
    ? cachedBundle({
        file: fileURLToPath(new URL(__API_LIBRARY__, import.meta.url)),
        name: 'api-library',
        // Through sudo, HOME may still be the user's: no root-owned file left in their cache folder.
        cacheDir: process.env.SUDO_USER && process.env.SUDO_USER !== 'root' ? undefined : envPaths('registry-setup', { suffix: '' }).cache,
        runtime: `${process.version} ${process.arch}`,
      })
    : undefined;
// At exit the run has compiled what it used of the library: the next run loads that.
process.on('exit', () => {
  const saved = apiLibrary?.save();
  if (debug && saved) process.stderr.write(`registry-setup (debug): the API library's code cache: ${saved}\n`);
});

const code = await runCli({
  argv,
  processEnv: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  version: pkg.version,
  steps,
  renderSummary,
  mountInk,
  makeEnv: async (hooks) => {
    const { buildEnv } = await import('./app/env.js');
    return buildEnv({
      processEnv: process.env,
      stdin: process.stdin,
      stdout: process.stdout,
      homedir: os.homedir(),
      cwd: process.cwd(),
      isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
      platform: process.platform,
      ...(apiLibrary ? { loadApiLibrary: apiLibrary.load } : {}),
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
  boot: booted,
});
flushAndExit(code);
