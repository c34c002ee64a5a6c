// One wizard at a time: the working folder's lock for the whole run, and PROJECT/LOCATION/REPOSITORY's
// as soon as those are known. Not taken for --dry-run, which changes nothing.
import type { RunLock, RunLockHandle } from '../ports.js';
import { toWizardError, type AnyWizardError } from '../errors.js';

/** The key of the folder lock. */
export function folderLockKey(cwd: string): string {
  return `the folder ${cwd}`;
}

export class RunLocks {
  private readonly held = new Map<string, RunLockHandle>();
  constructor(
    private readonly lock: RunLock | undefined,
    private readonly folderKey: string,
    private readonly notice: (text: string) => void,
  ) {}

  /** Takes the lock for `key` (once); the error when another live run holds it. */
  async take(key: string): Promise<AnyWizardError | null> {
    if (!this.lock || !key || this.held.has(key)) return null;
    try {
      const h = await this.lock.acquire(key);
      this.held.set(key, h);
      if (h.notice) this.notice(h.notice);
    } catch (e) {
      return toWizardError(e);
    }
    // The answers changed to another repository (a step run again): the old one is not ours any more.
    for (const [k, h] of this.held) {
      if (k !== key && k !== this.folderKey) {
        this.held.delete(k);
        await h.release().catch(() => {});
      }
    }
    return null;
  }

  async releaseAll(): Promise<void> {
    for (const h of this.held.values()) await h.release().catch(() => {});
    this.held.clear();
  }
}
