// The line-by-line prompter (--plain, dumb terminals): every question asked with plain writes and
// answered with a typed line, on injected streams.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { choiceLines, createLinePrompter, pickChoice } from '../../src/adapters/linePrompter.js';
import { BugError, CancelError } from '../../src/errors.js';
import type { Choice } from '../../src/ports.js';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d) => (text += d.toString()));
  /** Wait until the output shows `needle` after `from` (poll the content, give up after 10 s). */
  const waitFor = async (needle: string, from = 0) => {
    const t0 = Date.now();
    while (!text.slice(from).includes(needle)) {
      if (Date.now() - t0 > 10_000) throw new Error(`never showed ${JSON.stringify(needle)}; shows:\n${text}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const prompter = createLinePrompter({ input, output, interactive: true });
  return { input, prompter, waitFor, type: (s: string) => input.write(s), mark: () => text.length, text: () => text };
}

const regions: Choice<string>[] = [
  { value: 'europe-west3', name: 'europe-west3  (suggested: your time zone is Europe/Berlin)', description: 'Frankfurt' },
  { value: 'europe-west1', name: 'europe-west1', description: 'Belgium' },
  { value: 'us-east4', name: 'us-east4', description: 'Virginia' },
  { value: 'us', name: 'us  (multi-region)', description: 'several US regions' },
];

describe('pickChoice: what a typed line means for a numbered list', () => {
  const def = regions[0];
  it.each([
    { case: 'Enter takes the default', text: '', def, want: { picked: 'europe-west3' } },
    { case: 'Enter with no default asks again', text: '', def: undefined, want: { again: /Type a number from 1 to 4/ } },
    { case: 'a number in range', text: '3', def, want: { picked: 'us-east4' } },
    { case: 'a number out of range', text: '9', def, want: { again: /no 9 in the list: type a number from 1 to 4/ } },
    { case: 'zero', text: '0', def, want: { again: /no 0 in the list/ } },
    { case: 'a value typed out, any case', text: 'US', def, want: { picked: 'us' } },
    { case: 'a unique part of a name', text: 'east4', def, want: { picked: 'us-east4' } },
    { case: 'part of several names narrows the list', text: 'europe', def, want: { narrowed: ['europe-west3', 'europe-west1'] } },
    { case: 'nothing matches', text: 'mars', def, want: { again: /Nothing matches "mars"/ } },
  ])('$case', ({ text, def: d, want }) => {
    const r = pickChoice(regions, regions, text, d);
    if ('picked' in want) expect(r).toEqual({ kind: 'picked', choice: regions.find((c) => c.value === want.picked) });
    else if ('narrowed' in want) expect(r.kind === 'narrowed' && r.choices.map((c) => c.value)).toEqual(want.narrowed);
    else expect(r.kind === 'again' && r.message).toMatch(want.again);
  });

  it('numbers count in the list as shown (after narrowing)', () => {
    const shown = [regions[1], regions[2]];
    expect(pickChoice(regions, shown, '1', undefined)).toEqual({ kind: 'picked', choice: regions[1] });
    expect(pickChoice(regions, shown, '3', undefined)).toMatchObject({ kind: 'again', message: expect.stringContaining('from 1 to 2') });
  });

  it('choiceLines: numbered; descriptions only on short lists', () => {
    expect(choiceLines(regions.slice(0, 2))).toEqual(['  1) europe-west3  (suggested: your time zone is Europe/Berlin): Frankfurt', '  2) europe-west1: Belgium']);
    const many = Array.from({ length: 11 }, (_, i) => ({ value: i, name: `r${i}`, description: 'd' }));
    expect(choiceLines(many)[10]).toBe('  11) r10');
  });
});

describe('createLinePrompter on injected streams', () => {
  it('search: lists numbered choices, narrows on a typed part, then takes a number; no escape sequences', async () => {
    const t = terminal();
    const answer = t.prompter.search({ message: 'Region for the repository', choices: regions, default: 'europe-west3' });
    await t.waitFor('Enter for europe-west3');
    expect(t.text()).toContain('  4) us  (multi-region): several US regions');
    const m = t.mark();
    t.type('europe\n');
    await t.waitFor('2 match "europe":', m);
    await t.waitFor('Type a number (1-2)', m);
    t.type('2\n');
    expect(await answer).toBe('europe-west1');
    expect(t.text()).toContain('  → europe-west1\n');
    // eslint-disable-next-line no-control-regex
    expect(t.text()).not.toMatch(/\u001B/);
  });

  it('select: Enter takes the default; a wrong number is explained and asked again', async () => {
    const t = terminal();
    const answer = t.prompter.select({ message: 'What should the first push contain?', choices: regions.slice(0, 2), default: 'europe-west1' });
    await t.waitFor('Enter for europe-west1: ');
    t.type('7\n');
    await t.waitFor('  ! There is no 7 in the list: type a number from 1 to 2.');
    t.type('\n');
    expect(await answer).toBe('europe-west1');
  });

  it('answers typed ahead in one chunk are each kept for their own question', async () => {
    const t = terminal();
    t.type('1\nmy-repo\ny\n');
    expect(await t.prompter.select({ message: 'Pick', choices: regions })).toBe('europe-west3');
    expect(await t.prompter.input({ message: 'Repository name' })).toBe('my-repo');
    expect(await t.prompter.confirm({ message: 'Go on?' })).toBe(true);
  });

  it('input: the default on Enter, validation explained and asked again, the answer trimmed', async () => {
    const t = terminal();
    const p = t.prompter.input({ message: 'Repository name', default: 'mycoolproject-repo', validate: (v) => (/^[a-z-]+$/.test(v) ? true : 'lowercase letters and hyphens') });
    await t.waitFor('Repository name (Enter for mycoolproject-repo): ');
    t.type('Bad_Name\n');
    await t.waitFor('  ! lowercase letters and hyphens');
    t.type('  my-repo  \r\n');
    expect(await p).toBe('my-repo');
    const q = t.prompter.input({ message: 'Image', default: 'app' });
    t.type('\n');
    expect(await q).toBe('app');
  });

  it.each([
    { typed: 'yes\n', def: false, want: true },
    { typed: 'N\n', def: true, want: false },
    { typed: '\n', def: true, want: true },
    { typed: 'maybe\nno\n', def: true, want: false },
  ])('confirm: $typed → $want', async ({ typed, def, want }) => {
    const t = terminal();
    const p = t.prompter.confirm({ message: 'Enable the API?', default: def });
    await t.waitFor(`Enable the API? (yes or no, Enter for ${def ? 'yes' : 'no'}): `);
    t.type(typed);
    expect(await p).toBe(want);
    if (typed.startsWith('maybe')) expect(t.text()).toContain('  ! Type yes or no.');
  });

  it('the end of input (Ctrl-D) cancels', async () => {
    const t = terminal();
    const p = t.prompter.input({ message: 'Repository name' });
    await t.waitFor('Repository name: ');
    t.input.end();
    await expect(p).rejects.toBeInstanceOf(CancelError);
  });

  it("the run's signal (Ctrl-C) cancels a question that waits", async () => {
    const t = terminal();
    const ac = new AbortController();
    const p = t.prompter.select({ message: 'Pick', choices: regions }, { signal: ac.signal });
    await t.waitFor('Pick');
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelError);
    // Nothing keeps reading after the question: the input is paused again.
    expect(t.input.isPaused()).toBe(true);
  });

  it('never asks in a non-interactive run', async () => {
    const input = new PassThrough();
    const p = createLinePrompter({ input, output: new PassThrough(), interactive: false });
    await expect(p.confirm({ message: 'Go on?' })).rejects.toBeInstanceOf(BugError);
  });
});
