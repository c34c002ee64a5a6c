// A promise shared by concurrent callers: the work runs once and everyone waits for the same
// result. A failure is not kept, so the next call tries again.

export interface Memo<T> {
  /** The shared promise; when there is none, starts `fn` (default: the memo's work). */
  get(fn?: () => Promise<T>): Promise<T>;
  /** Start `fn` (default: the work) even if a promise is kept; callers from now on share the new one. */
  renew(fn?: () => Promise<T>): Promise<T>;
  /** Forget the promise: the next get() starts the work again. */
  reset(): void;
}

export function memo<T>(work: () => Promise<T>): Memo<T> {
  let kept: Promise<T> | undefined;
  const keep = (p: Promise<T>): Promise<T> => {
    kept = p;
    p.catch(() => {
      if (kept === p) kept = undefined;
    });
    return p;
  };
  return {
    get: (fn = work) => kept ?? keep(fn()),
    renew: (fn = work) => keep(fn()),
    reset() {
      kept = undefined;
    },
  };
}

/** One memo per key; the call that starts a key's work gives the arguments it runs with. */
export function memoByKey<K, A extends unknown[], T>(work: (key: K, ...args: A) => Promise<T>): (key: K, ...args: A) => Promise<T> {
  const byKey = new Map<K, Memo<T>>();
  return (key, ...args) => {
    const start = () => work(key, ...args);
    let m = byKey.get(key);
    if (!m) byKey.set(key, (m = memo(start)));
    return m.get(start);
  };
}

/** Concurrent calls with the same key share one run of the work; once it settles, the next call runs it anew. */
export function sharedWhileRunning<K, A extends unknown[], T>(work: (key: K, ...args: A) => Promise<T>): (key: K, ...args: A) => Promise<T> {
  const running = new Map<K, Promise<T>>();
  return (key, ...args) => {
    const now = running.get(key);
    if (now) return now;
    const p = work(key, ...args).finally(() => running.delete(key));
    running.set(key, p);
    return p;
  };
}
