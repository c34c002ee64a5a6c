// gcloud started first (src/app/start.ts), then the header drawn before Ink loads (src/app/boot.ts,
// src/ui/header.ts): when, what, and that it
// looks the way <App> draws it.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import { boot } from '../../src/app/boot.js';
import { start } from '../../src/app/start.js';
import { DRY_RUN_MARK, HEADLINE, headerText, wrapWords } from '../../src/ui/header.js';
import { App } from '../../src/ui/App.js';
import { UiStore } from '../../src/ui/store.js';
import type { EarlyRuns } from '../../src/adapters/early.js';
import { plain, waitForFrame } from '../ui/helpers.js';

function term(isTTY: boolean, columns = 100) {
  const out = { isTTY, columns, text: '', write: (s: string) => ((out.text += s), true) };
  return out;
}

const cases: { case: string; argv: string[]; tty: boolean; env?: NodeJS.ProcessEnv; header: boolean; started: boolean }[] = [
  { case: 'a run in a terminal: the config-helper started, then the header', argv: [], tty: true, header: true, started: true },
  { case: '--yes in a terminal: the same', argv: ['--yes', '--project', 'mycoolproject-prod'], tty: true, header: true, started: true },
  { case: '--dry-run: header, nothing started', argv: ['--dry-run'], tty: true, header: true, started: false },
  { case: 'stdout not a terminal: plain lines, no header here; gcloud started', argv: [], tty: false, header: false, started: true },
  { case: 'CI=true: plain lines; gcloud started', argv: [], tty: true, env: { CI: 'true' }, header: false, started: true },
  { case: 'TERM=dumb: plain lines; gcloud started', argv: [], tty: true, env: { TERM: 'dumb' }, header: false, started: true },
  { case: '--plain in a terminal: plain lines, no header here; gcloud started', argv: ['--plain'], tty: true, header: false, started: true },
  { case: '--json: no header; gcloud started', argv: ['--json'], tty: true, header: false, started: true },
  { case: '--dry-run without a terminal: nothing', argv: ['--dry-run'], tty: false, header: false, started: false },
  { case: '--help: left to runCli', argv: ['--help'], tty: true, header: false, started: false },
  { case: '--version: left to runCli', argv: ['--version'], tty: true, header: false, started: false },
  { case: 'a usage error: left to runCli', argv: ['--nope'], tty: true, header: false, started: false },
];

describe('start, then boot: gcloud first, then the header, before anything heavy loads', () => {
  it.each(cases)('$case', ({ argv, tty, env, header, started }) => {
    const stdout = term(tty);
    const runs: EarlyRuns = new Map();
    let calls = 0;
    const order: string[] = [];
    const write = stdout.write;
    stdout.write = (s: string) => (order.push('header'), write(s));
    const s = start(argv, () => {
      calls++;
      order.push('gcloud');
      return runs;
    });
    expect(calls).toBe(started ? 1 : 0);
    expect(s.early).toBe(started ? runs : undefined);
    const b = boot({ ...s, processEnv: env ?? {}, stdout });
    expect(b.headerShown).toBe(header);
    expect(b.early).toBe(started ? runs : undefined);
    expect(order).toEqual([...(started ? ['gcloud'] : []), ...(header ? ['header'] : [])]);
    if (header) expect(plain(stdout.text)).toContain('registry-setup');
    else expect(stdout.text).toBe('');
  });
});

describe('headerText', () => {
  it('wraps the headline to the terminal, marks a dry run, ends with a blank line', () => {
    const t = plain(headerText(60, true));
    const lines = t.split('\n');
    expect(lines[0]).toBe(`registry-setup${DRY_RUN_MARK}`);
    for (const l of lines.slice(1)) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.slice(1, -2).join(' ')).toBe(HEADLINE);
    expect(t.endsWith('\n\n')).toBe(true);
    expect(plain(headerText(60, false)).split('\n')[0]).toBe('registry-setup');
  });

  it.each([
    ['one word longer than the width stays whole', 'a verylongword b', 5, ['a', 'verylongword', 'b']],
    ['breaks between words', 'aa bb cc', 5, ['aa bb', 'cc']],
    ['collapses spaces', '  aa   bb ', 80, ['aa bb']],
  ])('wrapWords: %s', (_c, text, width, want) => {
    expect(wrapWords(text, width)).toEqual(want);
  });

  it('looks the way <App> draws the header (same lines at the same width)', async () => {
    const store = new UiStore([]);
    const r = render(<App store={store} />);
    const frame = await waitForFrame(r.lastFrame, 'registry-setup', 'done for real');
    const inkHeader = frame.split('\n').slice(0, 3).map((l) => l.trimEnd());
    const ours = plain(headerText(100, false)).split('\n').slice(0, 3);
    expect(ours).toEqual(inkHeader);
    cleanup();
  });
});
