// Work a step may start before its turn (Step.prefetch), once its inputs are known: only what
// changes nothing of the user's (a probe, or gcloud writing into a private temp copy). The runner
// holds one Prefetch per run; the step's run() takes the result, or does the work itself.

export interface Prefetch {
  /** Start `fn` under `key` unless something already started there. Its failure is kept for take(). */
  start<T>(key: string, fn: (signal: AbortSignal) => Promise<T>): void;
  /** The started work under `key` (once; later calls get undefined), or undefined if none. */
  take<T>(key: string): Promise<T> | undefined;
  /** Stop what nobody took (the run ended). */
  stop(): void;
}

export function createPrefetch(parent?: AbortSignal): Prefetch {
  const ac = new AbortController();
  const onParentAbort = () => ac.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  const started = new Map<string, Promise<unknown>>();
  const taken = new Set<string>();
  return {
    start(key, fn) {
      if (started.has(key) || taken.has(key) || ac.signal.aborted) return;
      let p: Promise<unknown>;
      try {
        p = fn(ac.signal);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.catch(() => {}); // reported only to whoever takes it
      started.set(key, p);
    },
    take<T>(key: string) {
      const p = started.get(key) as Promise<T> | undefined;
      if (p) {
        started.delete(key);
        taken.add(key);
      }
      return p;
    },
    stop() {
      parent?.removeEventListener('abort', onParentAbort);
      ac.abort(new Error('the run ended'));
      started.clear();
    },
  };
}

/** The prefetched result if there is one and it succeeded; otherwise `fn()` now (a background failure is never reported as such). */
export async function takeOr<T>(p: Prefetch | undefined, key: string, fn: () => Promise<T>): Promise<{ value: T; early: boolean }> {
  const early = p?.take<T>(key);
  if (early) {
    try {
      return { value: await early, early: true };
    } catch {
      // fall through: do it now, and report that attempt's error if it fails too
    }
  }
  return { value: await fn(), early: false };
}
