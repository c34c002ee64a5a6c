import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPrompter, filterChoices } from '../../src/adapters/prompter.js';
import { BugError, CancelError } from '../../src/errors.js';
import { validateImageName, validateProjectId, validateRepositoryId } from '../../src/validate.js';

// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1B\[[0-9;?]*[A-Za-z]/g, '');
const KEY = { down: '\x1B[B', enter: '\r', ctrlC: '\x03', escape: '\x1B' };

function terminal() {
  const input = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (b: boolean) => void };
  input.isTTY = true;
  input.setRawMode = () => undefined;
  const output = new PassThrough();
  let text = '';
  output.on('data', (d) => (text += d.toString()));
  /** Wait until the screen shows `needle` (no bare sleeps: poll the content, give up after 5 s). */
  const waitFor = async (needle: string) => {
    const t0 = Date.now();
    while (!strip(text).includes(needle)) {
      if (Date.now() - t0 > 5000) throw new Error(`screen never showed ${JSON.stringify(needle)}; it shows:\n${strip(text)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const type = (s: string) => input.write(s);
  return { input, output, waitFor, type, screen: () => strip(text) };
}

const projects = [
  { value: 'mycoolproject-prod', name: 'mycoolproject-prod (My Cool Project)' },
  { value: 'other-dev', name: 'other-dev' },
  { value: 'zeta-123', name: 'Zeta' },
];

describe('filterChoices', () => {
  it.each([
    { term: undefined, want: ['mycoolproject-prod', 'other-dev', 'zeta-123'] },
    { term: '', want: ['mycoolproject-prod', 'other-dev', 'zeta-123'] },
    { term: 'COOL', want: ['mycoolproject-prod'] },
    { term: 'dev', want: ['other-dev'] },
    { term: '123', want: ['zeta-123'] },
    { term: 'zzz', want: [] },
  ])('$term', ({ term, want }) => expect(filterChoices(projects, term).map((c) => c.value)).toEqual(want));
});

describe('prompter on injected streams', () => {
  it('select: arrow down + enter; beforePrompt/afterPrompt around the question', async () => {
    const t = terminal();
    const calls: string[] = [];
    const p = createPrompter({
      input: t.input,
      output: t.output,
      interactive: true,
      beforePrompt: async () => void calls.push('before'),
      afterPrompt: () => void calls.push('after'),
    });
    const answer = p.select({ message: 'Which region?', choices: [{ value: 'us-east1', name: 'us-east1' }, { value: 'southamerica-east1', name: 'southamerica-east1' }] });
    await t.waitFor('Which region?');
    expect(calls).toEqual(['before']);
    t.type(KEY.down);
    await t.waitFor('❯ southamerica-east1');
    t.type(KEY.enter);
    expect(await answer).toBe('southamerica-east1');
    expect(calls).toEqual(['before', 'after']);
  });

  it('search: typing filters (case-insensitive, name and value), enter picks', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which project?', choices: projects });
    await t.waitFor('Which project?');
    t.type('ZET');
    await t.waitFor('❯ Zeta');
    expect(t.screen().split('ZET').pop()).not.toContain('other-dev');
    t.type(KEY.enter);
    expect(await answer).toBe('zeta-123');
  });

  it('input: validation message, then a valid answer (trimmed)', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.input({ message: 'Repository name?', validate: (v) => (/^[a-z][a-z0-9-]*$/.test(v) ? true : 'lowercase letters, digits and hyphens') });
    await t.waitFor('Repository name?');
    t.type('Bad_Name');
    t.type(KEY.enter);
    await t.waitFor('lowercase letters, digits and hyphens');
    for (let i = 0; i < 8; i++) t.type('\x7f');
    t.type(' good-name ');
    t.type(KEY.enter);
    expect(await answer).toBe('good-name');
  });

  it('confirm: default on enter', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.confirm({ message: 'Create it?', default: true });
    await t.waitFor('Create it?');
    t.type(KEY.enter);
    expect(await answer).toBe(true);
  });

  it.each([
    { case: 'Ctrl-C', key: KEY.ctrlC },
    { case: 'Escape', key: KEY.escape },
  ])('$case → CancelError, afterPrompt still runs', async ({ key }) => {
    const t = terminal();
    let after = 0;
    const p = createPrompter({ input: t.input, output: t.output, interactive: true, afterPrompt: () => void after++ });
    const answer = p.confirm({ message: 'Go on?' });
    await t.waitFor('Go on?');
    t.type(key);
    await expect(answer).rejects.toBeInstanceOf(CancelError);
    expect(after).toBe(1);
  });

  it('an aborted signal cancels the question', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const ac = new AbortController();
    const answer = p.input({ message: 'Name?' }, { signal: ac.signal });
    await t.waitFor('Name?');
    ac.abort();
    await expect(answer).rejects.toBeInstanceOf(CancelError);
  });

  it('asking when not interactive is a bug', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: false });
    expect(p.interactive).toBe(false);
    await expect(p.confirm({ message: 'x' })).rejects.toBeInstanceOf(BugError);
    expect(t.screen()).toBe('');
  });
});


describe('typed input is re-asked with the rule (the validators the steps use, on the real prompter)', () => {
  const cases = [
    { case: 'project ID with capitals and underscore', message: 'Project ID', validate: validateProjectId, bad: ['My_Project', 'abc', 'proj-'], good: 'mycoolproject-prod' },
    { case: 'repository ID with an underscore', message: 'Repository ID', validate: validateRepositoryId, bad: ['repo_1', '1repo'], good: 'mycoolproject-repo' },
    { case: 'image name with a bang', message: 'Image name inside the repository', validate: validateImageName, bad: ['App!'], good: 'backend/api' },
  ];
  it.each(cases)('$case', async ({ message, validate, bad, good }) => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.input({ message, validate });
    await t.waitFor(message);
    let typed = '';
    for (const b of bad) {
      for (let i = 0; i < typed.length; i++) t.type('\x7f');
      t.type(b);
      typed = b;
      t.type(KEY.enter);
      const rule = validate(b);
      expect(rule).not.toBe(true);
      // the start of the rule's own message (long ones wrap on the screen)
      await t.waitFor((rule as string).slice(0, 30));
    }
    for (let i = 0; i < typed.length; i++) t.type('\x7f');
    t.type(good);
    t.type(KEY.enter);
    expect(await answer).toBe(good);
    expect(validate(good)).toBe(true);
  });
});
