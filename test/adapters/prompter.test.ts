import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPrompter, filterChoices } from '../../src/adapters/prompter.js';
import { BugError, CancelError } from '../../src/errors.js';
import { validateImageName, validateProjectId, validateRepositoryId } from '../../src/validate.js';

// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1B\[[0-9;?]*[A-Za-z]/g, '');
const KEY = { up: '\x1B[A', down: '\x1B[B', enter: '\r', tab: '\t', backspace: '\x7f', ctrlC: '\x03', escape: '\x1B' };

function terminal() {
  const input = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (b: boolean) => void };
  input.isTTY = true;
  input.setRawMode = () => undefined;
  const output = new PassThrough();
  let text = '';
  output.on('data', (d) => (text += d.toString()));
  /** Where the screen is now: `waitFor(needle, mark())` looks only at what is drawn after it. */
  const mark = () => text.length;
  /** Wait until the screen shows `needle` (no bare sleeps: poll the content, give up after 10 s). */
  const waitFor = async (needle: string, from = 0) => {
    const t0 = Date.now();
    while (!strip(text.slice(from)).includes(needle)) {
      if (Date.now() - t0 > 10_000) throw new Error(`screen never showed ${JSON.stringify(needle)}; it shows:\n${strip(text)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const type = (s: string) => input.write(s);
  return { input, output, waitFor, mark, type, screen: () => strip(text) };
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
  it('select: arrow down + enter', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.select({ message: 'Which region?', choices: [{ value: 'us-east1', name: 'us-east1' }, { value: 'southamerica-east1', name: 'southamerica-east1' }] });
    await t.waitFor('Which region?');
    t.type(KEY.down);
    await t.waitFor('❯ southamerica-east1');
    t.type(KEY.enter);
    expect(await answer).toBe('southamerica-east1');
  });

  it.each(['select', 'search'] as const)('%s: the description is broken between words to the terminal\'s width', async (kind) => {
    const t = terminal();
    (t.output as PassThrough & { columns?: number }).columns = 40;
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const description = 'Keeps the 10 most recent versions of each image; untagged versions older than 30 days go.';
    const answer = p[kind]({ message: 'Cleanup policy', choices: [{ value: 'yes', name: 'Keep 10', description }] });
    await t.waitFor('go.');
    const lines = t.screen().split('\n').map((l) => l.trimEnd());
    for (const l of lines) expect(l.length, l).toBeLessThan(40);
    // Every word whole on some line: nothing cut at the edge.
    for (const w of description.split(' ')) expect(lines.some((l) => l.split(' ').includes(w)), w).toBe(true);
    t.type(KEY.enter);
    expect(await answer).toBe('yes');
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
  ])('$case → CancelError', async ({ key }) => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.confirm({ message: 'Go on?' });
    await t.waitFor('Go on?');
    t.type(key);
    await expect(answer).rejects.toBeInstanceOf(CancelError);
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


describe('search prompt (synchronous type-to-filter)', () => {
  /** The answer, or a failure showing the screen if there is none within `ms` (a key that was ignored leaves the question waiting). */
  async function answerOf<T>(t: ReturnType<typeof terminal>, answer: Promise<T>, ms = 10_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms; the screen shows:\n${t.screen()}`)), ms);
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const described = [
    { value: 'us-east1', name: 'us-east1', description: 'South Carolina' },
    { value: 'europe-west1', name: 'europe-west1', description: 'Belgium' },
    { value: 'asia-east1', name: 'asia-east1', description: 'Taiwan' },
  ];

  it.each([
    { case: 'a filter term', chunk: 'dev\r', want: 'other-dev', name: 'other-dev' },
    { case: 'a pasted value', chunk: 'zeta-123\r', want: 'zeta-123', name: 'Zeta' },
  ])('typed text and Enter in ONE chunk pick the filtered item ($case)', async ({ chunk, want, name }) => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which project?', choices: projects });
    await t.waitFor('❯ mycoolproject-prod');
    t.type(chunk); // one write: readline emits every key of it in one go
    expect(await answerOf(t, answer)).toBe(want);
    // the last line is the answer: the chosen item's name
    expect(t.screen()).toContain(`✔ Which project? ${name}`);
  });

  it('backspaces, new text and Enter in one chunk: Enter uses the list of the term as it is then', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which project?', choices: projects });
    await t.waitFor('Which project?');
    t.type('zet');
    await t.waitFor('❯ Zeta');
    t.type(`${KEY.backspace.repeat(3)}other${KEY.enter}`);
    expect(await answerOf(t, answer)).toBe('other-dev');
  });

  it('arrows move the active item (shown with its description; no wrapping at the ends), Enter picks it', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which region?', choices: described });
    await t.waitFor('❯ us-east1');
    await t.waitFor('South Carolina');
    t.type(KEY.up); // already the first: stays
    let at = t.mark();
    t.type(KEY.down);
    await t.waitFor('❯ europe-west1', at);
    await t.waitFor('Belgium', at);
    at = t.mark();
    t.type(KEY.down);
    await t.waitFor('❯ asia-east1', at);
    await t.waitFor('Taiwan', at);
    t.type(KEY.down); // already the last: stays (wrapping would make it us-east1, and the up below asia-east1)
    t.type(KEY.up);
    t.type(KEY.enter);
    expect(await answerOf(t, answer)).toBe('europe-west1');
  });

  it('Tab puts the active item’s name into the term; typing goes on from there', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which project?', choices: projects });
    await t.waitFor('Which project?');
    t.type('o');
    await t.waitFor('❯ mycoolproject-prod');
    let at = t.mark();
    t.type(KEY.down);
    await t.waitFor('❯ other-dev', at);
    at = t.mark();
    t.type(KEY.tab);
    await t.waitFor('Which project? other-dev', at);
    at = t.mark();
    t.type('x'); // the line now holds the name: the term is "other-devx"
    await t.waitFor('Which project? other-devx', at);
    await t.waitFor('No results found', at);
    at = t.mark();
    t.type(KEY.backspace);
    await t.waitFor('❯ other-dev', at);
    t.type(KEY.enter);
    expect(await answerOf(t, answer)).toBe('other-dev');
  });

  it.each([
    { case: 'the default is the active item at first', def: 'zeta-123', active: '❯ Zeta', want: 'zeta-123' },
    { case: 'a default that is not among the choices: the first item is active', def: 'gone', active: '❯ mycoolproject-prod', want: 'mycoolproject-prod' },
  ])('$case', async ({ def, active, want }) => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which project?', choices: projects, default: def });
    await t.waitFor(active);
    t.type(KEY.enter);
    expect(await answerOf(t, answer)).toBe(want);
  });

  it('no match: Enter does nothing (the term stays), then Backspace and typing recover', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which project?', choices: projects });
    await t.waitFor('Which project?');
    let at = t.mark();
    t.type('zzz');
    await t.waitFor('No results found', at);
    t.type(KEY.enter);
    // the term is still "zzz" after that Enter: two backspaces leave "z", which only Zeta matches
    // (had the Enter emptied it, every project would be listed with the first one active)
    at = t.mark();
    t.type(KEY.backspace.repeat(2));
    await t.waitFor('❯ Zeta', at);
    at = t.mark();
    t.type(`${KEY.backspace}dev`);
    await t.waitFor('❯ other-dev', at);
    t.type(KEY.enter);
    expect(await answerOf(t, answer)).toBe('other-dev');
  });

  it('Escape in the search → CancelError', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const answer = p.search({ message: 'Which project?', choices: projects });
    await t.waitFor('Which project?');
    t.type('ze');
    await t.waitFor('❯ Zeta');
    t.type(KEY.escape);
    await expect(answer).rejects.toThrow(/Escape/);
    await expect(answer).rejects.toBeInstanceOf(CancelError);
  });

  it('an aborted signal cancels the search', async () => {
    const t = terminal();
    const p = createPrompter({ input: t.input, output: t.output, interactive: true });
    const ac = new AbortController();
    const answer = p.search({ message: 'Which project?', choices: projects }, { signal: ac.signal });
    await t.waitFor('❯ mycoolproject-prod');
    ac.abort();
    await expect(answer).rejects.toBeInstanceOf(CancelError);
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
