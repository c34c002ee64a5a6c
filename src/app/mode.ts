// Which output a run uses. Light on purpose: src/app/boot.ts decides with it before Ink loads.
import type { Flags } from '../steps/types.js';

function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Plain lines when stdout is not a terminal, in CI, on a dumb terminal, or for --json. */
export function choosePlain(flags: Pick<Flags, 'json'>, stdoutIsTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return flags.json || !stdoutIsTTY || isCI(env) || env.TERM === 'dumb';
}
