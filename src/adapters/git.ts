// git, for the short sha tag. Never fails the run: outside a repository (or before the first
// commit) there is simply no sha. A missing git binary counts as "not a repository".
import { CancelError, ExternalError } from '../errors.js';
import type { GitPort } from '../ports.js';
import type { Runner } from './exec.js';

export function createGit(deps: { run: Runner; cwd: string }): GitPort {
  const { run, cwd } = deps;
  /** stdout of a git command, or null when git says no (or is missing). */
  async function ask(args: string[], signal?: AbortSignal): Promise<string | null> {
    try {
      const r = await run('git', args, { cwd, signal, reject: false });
      return r.exitCode === 0 ? r.stdout.trim() : null;
    } catch (e) {
      if (e instanceof CancelError) throw e;
      if (e instanceof ExternalError && e.details.exitCode === null) return null; // git not installed
      throw e;
    }
  }
  return {
    async shortSha(opts) {
      const out = await ask(['rev-parse', '--short', 'HEAD'], opts?.signal);
      return out && /^[0-9a-f]{4,40}$/.test(out) ? out : null;
    },
    async isRepo(opts) {
      return (await ask(['rev-parse', '--is-inside-work-tree'], opts?.signal)) === 'true';
    },
  };
}
