// Colours: NO_COLOR and TERM=dumb turn every colour off (the header written before Ink loads, and
// Ink's frames); the colours we do use read on light and dark backgrounds (no yellow, blue, gray or
// white); plain lines carry no escape sequence, whatever a tool printed.
import React from 'react';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import chalk from 'chalk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import { boot } from '../../src/app/boot.js';
import { parseFlags } from '../../src/args.js';
import { colorsOff } from '../../src/app/mode.js';
import { App } from '../../src/ui/App.js';
import { UiStore } from '../../src/ui/store.js';
import { rowsText } from '../../src/ui/ansi.js';
import { summaryRows } from '../../src/ui/lines.js';
import { createPlainSink, withoutEscapes } from '../../src/output/plain.js';
import type { RunEvent, StepInfo } from '../../src/runner.js';
import { waitForFrame } from './helpers.js';

const ESC = '\u001B[';
// SGR foregrounds that fade on one background or the other: yellow, blue, white, gray (and bright white).
const FADING = /\u001B\[(?:33|34|37|90|97)m/;

const STEPS: StepInfo[] = [{ id: 'region', title: 'Choose the region', explain: 'Same-region pulls are free.' }];
const EVENTS: RunEvent[] = [
  { type: 'run-start', steps: STEPS, dryRun: true },
  { type: 'notice', text: 'Resuming from your last run.' },
  { type: 'step-start', id: 'region', index: 0, total: 1, title: STEPS[0].title, explain: STEPS[0].explain, recheck: false },
  { type: 'step-activity', id: 'region', text: 'gcloud artifacts locations list' },
  { type: 'step-warn', id: 'region', text: 'europe is a multi-region.' },
  { type: 'step-item', id: 'region', item: { label: 'Docker daemon', status: 'fail', detail: 'not running', fix: 'start Docker' } },
];

/** What Ink draws for EVENTS (a dry-run header, a notice, a running step with a warning and a failed item). */
async function inkFrame(): Promise<string> {
  const store = new UiStore(STEPS, { dryRun: true, header: true });
  const r = render(<App store={store} />);
  for (const e of EVENTS) store.dispatch(e);
  await waitForFrame(r.lastFrame, 'dry run', 'Resuming', 'multi-region', 'start Docker');
  return r.lastFrame() ?? '';
}

function bootHeader(env: NodeJS.ProcessEnv): string {
  let text = '';
  boot({ parsed: parseFlags(['--dry-run']), processEnv: env, stdout: { isTTY: true, columns: 80, write: (s: string) => ((text += s), true) } });
  return text;
}

describe('NO_COLOR and TERM=dumb', () => {
  let level: typeof chalk.level;
  // As in a colour terminal (the test worker's stdout is not one, so chalk would start with none).
  beforeEach(() => {
    level = chalk.level;
    chalk.level = 1;
  });
  afterEach(() => {
    chalk.level = level;
    cleanup();
  });

  it.each([
    { env: {}, off: false },
    { env: { NO_COLOR: '1' }, off: true },
    { env: { NO_COLOR: 'false' }, off: true }, // any non-empty value (no-color.org)
    { env: { NO_COLOR: '' }, off: false },
    { env: { TERM: 'dumb' }, off: true },
    { env: { TERM: 'xterm-256color' }, off: false },
  ])('colorsOff($env) = $off', ({ env, off }) => {
    expect(colorsOff(env)).toBe(off);
  });

  it('in a colour terminal, the header and Ink frames are coloured', async () => {
    expect(bootHeader({})).toContain(ESC);
    expect(await inkFrame()).toContain(ESC);
  });

  it.each([
    { level: 1 as const, escapes: true },
    { level: 0 as const, escapes: false }, // what boot sets for NO_COLOR and TERM=dumb
  ])('the summary written after Ink follows chalk too (level $level)', ({ level, escapes }) => {
    chalk.level = level;
    const text = rowsText(summaryRows({ registryUrl: 'h/p/r', imageUris: ['h/p/r/app:latest'], digest: 'sha256:abc', script: ['gcloud auth configure-docker h'], costFacts: ['first 0.5 GB free'], next: [] }, 80));
    expect(text).toContain('Done: your registry is ready');
    expect(text.includes(ESC)).toBe(escapes);
    expect(text).not.toMatch(FADING);
  });

  it('NO_COLOR=1: boot turns colours off; neither the header nor any Ink frame has an escape sequence', async () => {
    const header = bootHeader({ NO_COLOR: '1' });
    expect(header).toContain('registry-setup (dry run');
    expect(header).not.toContain(ESC);
    expect(await inkFrame()).not.toContain(ESC);
  });

  it('the colours used read on light and dark backgrounds: no yellow, blue, white or gray', async () => {
    chalk.level = 3;
    expect(bootHeader({})).not.toMatch(FADING);
    expect(await inkFrame()).not.toMatch(FADING);
  });
});

describe('no fading colour named anywhere in src/ (Ink props, chalk, styleText)', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
    });
  const NAMED = /(?:color|Color)=["{]'?(?:yellow|blue|white|gray|grey|black)|chalk(?:\.\w+)*\.(?:yellow|blue|white|gray|grey)\b|styleText\(\s*'(?:yellow|blue|white|gray|grey)'/;
  it.each(files(join(import.meta.dirname, '..', '..', 'src')).map((f) => [f.split('/src/')[1], f]))('%s', (_name, file) => {
    const hits = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => NAMED.test(l));
    expect(hits).toEqual([]);
  });
});

describe('plain lines carry no escape sequence', () => {
  it.each([
    ['colours', '\u001B[31mred\u001B[0m text', 'red text'],
    ['cursor moves', 'a\u001B[2K\u001B[1Gb\u001B[3A', 'ab'],
    ['a title (OSC)', '\u001B]0;title\u0007line', 'line'],
    ['carriage returns and bells', 'progress\r50%\u0007', 'progress50%'],
    ['tabs and newlines stay', 'a\tb\nc', 'a\tb\nc'],
  ])('withoutEscapes: %s', (_c, text, want) => {
    expect(withoutEscapes(text)).toBe(want);
  });

  it("a tool's coloured output reaches the plain sink without its escapes", () => {
    const lines: string[] = [];
    const sink = createPlainSink({ write: (l) => lines.push(l), debug: false });
    sink({ type: 'run-start', steps: STEPS, dryRun: false });
    sink({ type: 'step-note', id: 'region', note: { type: 'line', text: '\u001B[1;33mWARNING:\u001B[0m colourful gcloud' } });
    expect(lines.at(-1)).toBe('    WARNING: colourful gcloud');
    expect(lines.join('\n')).not.toContain('\u001B');
  });
});
