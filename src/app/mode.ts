// Which output a run uses. Light on purpose: src/app/boot.ts decides with it before Ink loads.
import type { Flags } from '../steps/types.js';

function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Plain lines (no spinner, no redraws, no colours) when stdout is not a terminal, in CI, on a dumb
 * terminal, for --json, or on request (--plain, for screen readers).
 */
export function choosePlain(flags: Pick<Flags, 'json' | 'plain'>, stdoutIsTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return flags.json || !!flags.plain || !stdoutIsTTY || isCI(env) || env.TERM === 'dumb';
}

/** No colours at all: NO_COLOR set to anything non-empty (no-color.org), or a dumb terminal. */
export function colorsOff(env: NodeJS.ProcessEnv): boolean {
  return (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
}
