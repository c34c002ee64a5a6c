// Helpers for Ink UI tests: wait for content (no bare sleeps), ANSI stripped, key constants.
import { stripVTControlCharacters as stripAnsi } from 'node:util';

export const ENTER = '\r';
export const DOWN = '\u001B[B';
export const UP = '\u001B[A';
export const ESC = '\u001B';
export const CTRL_C = '\u0003';
export const KEY_E = 'e';

export function plain(frame: string | undefined): string {
  return stripAnsi(frame ?? '');
}

/** Poll until `pred` holds (or throw with the last frame after `timeoutMs`). */
export async function waitFor(pred: () => boolean, describe: () => string = () => '', timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    let ok = false;
    try {
      ok = pred();
    } catch {
      ok = false;
    }
    if (ok) return;
    if (Date.now() - start > timeoutMs) throw new Error(`waitFor timed out. Last frame:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Wait until the last frame (ANSI stripped) contains every given text. */
export async function waitForFrame(lastFrame: () => string | undefined, ...texts: (string | RegExp)[]): Promise<string> {
  await waitFor(
    () => texts.every((t) => (typeof t === 'string' ? plain(lastFrame()).includes(t) : t.test(plain(lastFrame())))),
    () => `${plain(lastFrame())}\n(waiting for: ${texts.map(String).join(', ')})`,
  );
  return plain(lastFrame());
}
