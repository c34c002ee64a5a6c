import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { UiStore } from '../../src/ui/store.js';
import type { RunEvent, StepInfo } from '../../src/runner.js';
import type { StepId } from '../../src/steps/types.js';
import { BugError, ExternalError, UserError } from '../../src/errors.js';
import { KEY_E, CTRL_C, plain, waitFor, waitForFrame } from './helpers.js';
import { labelOf } from '../../src/ui/lines.js';

const STEPS: StepInfo[] = [
  { id: 'preflight', title: 'Preflight', explain: 'Checks that gcloud and Docker are ready before anything changes.' },
  { id: 'project', title: 'Project', explain: 'Picks the Google Cloud project that will own the repository.' },
  { id: 'region', title: 'Region', explain: 'Keeps images next to Cloud Run so pulls cost nothing.' },
  { id: 'repository', title: 'Repository', explain: 'Creates the Docker repository that will hold your images.' },
];

function setup(opts: { debug?: boolean; onInterrupt?: () => void; explain?: boolean } = {}) {
  const store = new UiStore(STEPS);
  const r = render(<App store={store} debug={opts.debug} onInterrupt={opts.onInterrupt} explain={opts.explain} />);
  const send = (...events: RunEvent[]) => events.forEach((e) => store.dispatch(e));
  return { store, ...r, send, frame: () => plain(r.lastFrame()) };
}

const start = (id: StepId, index: number, recheck = false): RunEvent => ({
  type: 'step-start',
  id,
  index,
  total: STEPS.length,
  title: STEPS[index].title,
  explain: STEPS[index].explain,
  recheck,
});

afterEach(() => cleanup());

describe('<App>', () => {
  it('first frame: the header and every step pending, before the runner says anything', async () => {
    const t = setup();
    const f = await waitForFrame(t.lastFrame, 'registry-setup', 'Starting');
    for (const s of STEPS) expect(f).toContain(`- ${s.title}`);
    // ASCII only: Ink's first measurement of non-ASCII text costs ~100 ms of Unicode set-up.
    expect(f).toMatch(/^[\x20-\x7E\n]*$/);
  });

  it('step list: done steps with their summary, the running step with a spinner, pending ones', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('preflight', 0));
    t.send({ type: 'step-done', id: 'preflight', summary: 'all checks passed', skipped: false }, start('project', 1));
    const f = await waitForFrame(t.lastFrame, /✓ Tools {2,}all checks passed/, 'Project', 'step 2 of 4');
    expect(f).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Project/);
    expect(f).toContain('· Region');
    expect(f).toContain('· Repository');
    expect(f).not.toContain('· Preflight');
    expect(f).not.toContain('Starting');
  });

  it('live panel: the call in progress, the retry line, the last 5 output lines, layers', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('repository', 3));
    t.send({ type: 'step-activity', id: 'repository', text: 'artifactregistry.repositories.create demo-repo' });
    t.send({ type: 'step-note', id: 'repository', note: { type: 'retry', text: 'retrying in 2 s, attempt 2 of 5', attempt: 2, of: 5, delayMs: 2000 } });
    let f = await waitForFrame(t.lastFrame, '→ artifactregistry.repositories.create demo-repo', '↻ retrying in 2 s, attempt 2 of 5');
    for (let i = 1; i <= 7; i++) t.send({ type: 'step-note', id: 'repository', note: { type: 'line', text: `output line ${i}` } });
    t.send({ type: 'step-note', id: 'repository', note: { type: 'layer', id: 'abcdef0123456789', status: 'Pushing' } });
    f = await waitForFrame(t.lastFrame, 'output line 7', 'abcdef012345: Pushing');
    expect(f).toContain('output line 3');
    expect(f).not.toContain('output line 2');
    // A new output line replaces the retry note.
    expect(f).not.toContain('retrying in 2 s');
  });

  it('preflight checklist items and warnings, kept in the finished step', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('preflight', 0));
    t.send({ type: 'step-item', id: 'preflight', item: { label: 'gcloud', status: 'running' } });
    t.send({ type: 'step-item', id: 'preflight', item: { label: 'docker daemon', status: 'fail', detail: 'permission denied', fix: 'add yourself to the docker group' } });
    t.send({ type: 'step-item', id: 'preflight', item: { label: 'gcloud', status: 'ok', detail: '502.0.0' } });
    t.send({ type: 'step-warn', id: 'preflight', text: 'not a git repository: only the latest tag' });
    let f = await waitForFrame(t.lastFrame, '✓ gcloud 502.0.0', '✗ docker daemon permission denied', '→ add yourself to the docker group', '! not a git repository');
    expect(f.indexOf('gcloud')).toBeLessThan(f.indexOf('docker daemon'));
    t.send({ type: 'step-done', id: 'preflight', summary: 'ready, 1 warning', skipped: false });
    f = await waitForFrame(t.lastFrame, /✓ Tools {2,}ready, 1 warning/);
    expect(f).toContain('✓ gcloud 502.0.0');
    expect(f).toContain('! not a git repository');
  });

  it('explanation: shown with a hint, hidden and shown again with e', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('region', 2));
    await waitForFrame(t.lastFrame, 'Keeps images next to Cloud Run', 'e: hide what this step does');
    t.stdin.write(KEY_E);
    await waitFor(() => !t.frame().includes('Keeps images next to Cloud Run'), t.frame);
    expect(t.frame()).toContain('e: show what this step does');
    t.stdin.write(KEY_E);
    await waitForFrame(t.lastFrame, 'Keeps images next to Cloud Run', 'e: hide');
  });

  it('Ctrl-C while the UI reads keys calls onInterrupt', async () => {
    let interrupted = 0;
    const t = setup({ onInterrupt: () => interrupted++ });
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('region', 2));
    await waitForFrame(t.lastFrame, 'Region');
    t.stdin.write(CTRL_C);
    await waitFor(() => interrupted === 1, () => `interrupted=${interrupted}`);
  });

  it('questions: one heading line for the step, live area gone, events queued until the questions end', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('region', 2));
    t.send({ type: 'step-activity', id: 'region', text: 'listing locations' });
    await waitForFrame(t.lastFrame, '→ listing locations');
    const released = t.store.whenReleased();
    t.send({ type: 'step-prompt-start', id: 'region', title: 'Region', message: 'Which region?' });
    await released;
    let f = await waitForFrame(t.lastFrame, '? Region');
    expect(f).toMatch(/^\? Region$/m);
    expect(f).not.toContain('listing locations');
    expect(f).not.toContain('· Repository');
    // Keys go to the prompt, not to the UI.
    t.stdin.write(KEY_E);
    t.send({ type: 'step-activity', id: 'region', text: 'checking southamerica-east1' });
    f = t.frame();
    expect(f).not.toContain('checking southamerica-east1');
    t.send({ type: 'step-prompt-end', id: 'region' });
    f = await waitForFrame(t.lastFrame, '→ checking southamerica-east1', '· Repository');
    expect(f).toContain('Keeps images next to Cloud Run'); // the e typed during the prompt did not toggle it
    expect(f.indexOf('? Region')).toBeLessThan(f.indexOf('checking southamerica-east1'));
  });

  it('error panel: message with context, what to do, command, exit code, stderr tail; no stack without --debug', async () => {
    const t = setup();
    const err = new ExternalError('exit status 1', { command: 'gcloud auth configure-docker southamerica-east1-docker.pkg.dev --quiet', exitCode: 1, stderrTail: 'line a\nERROR: permission denied\n' }, ['Run `gcloud auth login`']);
    err.context.unshift('configure Docker auth');
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('repository', 3));
    t.send({ type: 'step-failed', id: 'repository', error: err }, { type: 'run-failed', state: {}, error: err, stepId: 'repository' });
    const f = await waitForFrame(
      t.lastFrame,
      /✗ Repository {2,}failed/,
      'configure Docker auth: exit status 1',
      'What to do:',
      '- Run `gcloud auth login`',
      'Command: gcloud auth configure-docker southamerica-east1-docker.pkg.dev --quiet',
      'Exit code: 1',
      '| ERROR: permission denied',
      'Your progress is saved',
    );
    expect(f).toContain('✗ Repository');
    expect(f).not.toMatch(/at .*\(.*:\d+:\d+\)/);
    expect(f).not.toContain('Stack');
  });

  it('user error: fix lines; bug: report request; --debug adds the stack', async () => {
    const t = setup({ debug: true });
    const bug = new BugError('undefined is not a function');
    bug.stack = 'BugError: undefined is not a function\n    at thing (/x/y.ts:1:2)';
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('project', 1));
    t.send({ type: 'step-failed', id: 'project', error: bug });
    const f = await waitForFrame(t.lastFrame, 'undefined is not a function', 'This is a bug in registry-setup', 'Stack (--debug):', 'at thing (/x/y.ts:1:2)');
    expect(f).toMatch(/✗ Project {2,}failed/);

    cleanup();
    const u = setup();
    u.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('preflight', 0));
    u.send({ type: 'step-failed', id: 'preflight', error: new UserError('Docker is not running', ['Start Docker Desktop', 'or: sudo systemctl start docker']) });
    await waitForFrame(u.lastFrame, /✗ Tools {2,}failed/, 'Docker is not running', '- Start Docker Desktop', '- or: sudo systemctl start docker');
  });

  it('cancelled: one line saying how to resume', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('region', 2));
    t.send({ type: 'run-cancelled', state: {}, resumeFrom: 'region', resumeTitle: 'Region', message: 'Stopped. Run `registry-setup` again to resume from Region.' });
    const f = await waitForFrame(t.lastFrame, 'Stopped. Run `registry-setup` again to resume from Region.');
    expect(f).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });

  it('re-checked steps say so', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, { type: 'resume', done: ['preflight', 'project', 'region'], resumeFrom: 'repository', savedKey: '', complete: false });
    t.send(start('preflight', 0, true));
    await waitForFrame(t.lastFrame, '· Project (done earlier: a quick re-check)', '· Region (done earlier: a quick re-check)');
    expect(t.frame()).toMatch(/· Repository$/m);
    t.send({ type: 'step-done', id: 'preflight', summary: 'ok', skipped: true }, start('project', 1, true));
    await waitForFrame(t.lastFrame, 'done earlier, re-checking');
    t.send({ type: 'step-done', id: 'project', summary: 'demo-proj', skipped: true });
    await waitForFrame(t.lastFrame, /✓ Project {2,}demo-proj \(done earlier, re-checked\)/);
  });

  it('a token in an error never reaches the screen', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('repository', 3));
    t.send({ type: 'step-failed', id: 'repository', error: new ExternalError('bad auth with ya29.a0AfB_secretvalue', { stderrTail: 'Authorization: Bearer ya29.zzz' }) });
    const f = await waitForFrame(t.lastFrame, 'bad auth with [redacted]');
    expect(f).not.toContain('ya29');
  });
});

describe('<App> failures and notices', () => {
  const failures: { case: string; error: Error & { kind: string }; index: number }[] = [
    { case: 'external error', error: new ExternalError('exit status 1', { command: 'gcloud projects list', exitCode: 1 }, ['Run gcloud auth login']), index: 1 },
    { case: 'user error', error: new UserError('another registry-setup is already working on p/l/r (pid 7, started 2026-01-01T00:00:00.000Z)', ['wait']), index: 3 },
    { case: 'bug', error: new BugError('undefined is not a function'), index: 0 },
  ];
  it.each(failures)('a failed step is named once ($case)', async ({ error, index }) => {
    const t = setup();
    const id = STEPS[index].id;
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start(id, index));
    t.send({ type: 'step-failed', id, error: error as never }, { type: 'run-failed', state: {}, error: error as never, stepId: id });
    const label = labelOf(id, STEPS[index].title);
    const f = await waitForFrame(t.lastFrame, new RegExp(`✗ ${label} +failed`), error.message.slice(0, 30), 'Your progress is saved');
    expect(f.match(/✗/g)).toHaveLength(1);
    expect(f.split('\n').filter((l) => l.includes(label))).toHaveLength(1);
  });

  it('a failure before any step has its own heading, once', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false });
    t.send({ type: 'run-failed', state: {}, error: new UserError('another registry-setup is already working on the folder /w (pid 7, started x)', ['Let it finish']) });
    const f = await waitForFrame(t.lastFrame, '✗ Failed', 'already working on the folder /w', '- Let it finish', 'Nothing was changed.');
    expect(f.match(/✗/g)).toHaveLength(1);
    expect(f).not.toContain('continue from this step');
  });

  it('refused between steps (another run took the repository): progress so far is saved, no step is blamed', async () => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, start('preflight', 0), { type: 'step-done', id: 'preflight', summary: 'ok', skipped: false });
    t.send({ type: 'run-failed', state: {}, error: new UserError('another registry-setup is already working on p/l/r (pid 7, started x)') });
    const f = await waitForFrame(t.lastFrame, /✓ Tools {2,}ok/, '✗ Failed', 'Your progress so far is saved');
    expect(f.match(/✗/g)).toHaveLength(1);
  });

  const notices = [
    'The saved progress file /home/u/.config/registry-setup/progress.json was damaged (not valid JSON). It was set aside as /home/u/.config/registry-setup/progress.json.corrupt-2026, and this run starts fresh.',
    'Took over a lock left by process 4242 (started 2026-11-26T09:00:00.000Z), which is no longer running on the folder /w.',
  ];
  it.each(notices)('a notice reaches the panel: %s', async (text) => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, { type: 'notice', text }, start('preflight', 0));
    // 'step 1 of': the running panel, drawn in the same frame as the notice (the first frame already says 'Preflight').
    const f = await waitForFrame(t.lastFrame, 'step 1 of');
    expect(f.replace(/\s+/g, ' ')).toContain(text);
  });
});

describe('retry notes from a step, through the runner, in the panel and in plain lines', () => {
  it('the panel shows the latest "retrying in …, attempt N of 5"; plain mode prints each; gone once the step is done', async () => {
    const { runWizard } = await import('../../src/runner.js');
    const { createPlainSink } = await import('../../src/output/plain.js');
    const store = new UiStore(STEPS.slice(0, 1));
    const r = render(<App store={store} />);
    const lines: string[] = [];
    const plainSink = createPlainSink({ write: (l) => lines.push(...l.split('\n')), debug: false });
    let next!: () => void;
    const steps: import('../../src/steps/types.js').Step[] = [
      {
        id: 'preflight',
        title: 'Preflight',
        explain: 'x',
        check: async () => ({ done: false }),
        commands: () => [],
        execute: async (ctx) => {
          ctx.report.activity('artifactregistry.repositories.create demo-repo');
          for (const [attempt, delayMs] of [[2, 2000], [3, 4000]] as const) {
            ctx.report.note({ type: 'retry', text: `retrying in ${delayMs / 1000} s, attempt ${attempt} of 5`, attempt, of: 5, delayMs });
            await new Promise<void>((res) => (next = res));
          }
          return { state: {}, summary: 'created' };
        },
      },
    ];
    const saved: { run: import('../../src/ports.js').SavedRun | null } = { run: null };
    const done = runWizard({
      steps,
      env: { prompter: { interactive: false }, clock: { now: () => 0 }, files: { cwd: '/w/app' }, dockerConfig: { path: '/h/.docker/config.json' } } as never,
      store: { path: '/p', latest: async () => null, save: async (x) => void (saved.run = x), clear: async () => {} },
      flags: { yes: true, restart: false, dryRun: false, json: false, debug: false },
      signal: new AbortController().signal,
      sink: (e) => {
        store.dispatch(e);
        plainSink(e);
      },
    });
    await waitForFrame(r.lastFrame, '→ artifactregistry.repositories.create demo-repo', '↻ retrying in 2 s, attempt 2 of 5');
    next();
    const f = await waitForFrame(r.lastFrame, '↻ retrying in 4 s, attempt 3 of 5');
    expect(f).not.toContain('attempt 2 of 5');
    next();
    expect((await done).status).toBe('done');
    const end = await waitForFrame(r.lastFrame, /✓ Tools {2,}created/);
    expect(end).not.toContain('retrying');
    expect(lines).toContain('  ! retrying in 2 s, attempt 2 of 5');
    expect(lines).toContain('  ! retrying in 4 s, attempt 3 of 5');
  });
});

describe('<App>: the plan before anything changes', () => {
  const planned = (over: Partial<import('../../src/runner.js').PlannedStep>[]) =>
    STEPS.map((s, i) => ({ ...s, commands: [], changes: [], ...over[i] }));
  it.each([
    {
      case: 'what will change, with its commands; a step done earlier is marked; steps with nothing to show are left out',
      dryRun: false,
      steps: planned([
        {},
        { doneEarlier: true, commands: ['gcloud artifacts locations list --project=demo'] },
        {},
        { changes: ['creates the Docker repository demo-repo in southamerica-east1'], commands: ['gcloud artifacts repositories create demo-repo --repository-format=docker --location=southamerica-east1 --project=demo'] },
      ]),
      shows: ['The plan: what will change', 'Project (done earlier: only re-checked)', '→ creates the Docker repository demo-repo in southamerica-east1', '$ gcloud artifacts repositories create demo-repo'],
      hides: ['Preflight', 'Region', 'Keeps images next to Cloud Run'],
    },
    {
      case: '--dry-run: every step, with what it is for',
      dryRun: true,
      steps: planned([{ commands: ['docker info'] }, {}, {}, {}]),
      shows: ['The plan: what each step does', 'Preflight', '$ docker info', 'Keeps images next to Cloud Run so pulls cost nothing.'],
      hides: ['→ '],
    },
  ])('$case', async ({ dryRun, steps, shows, hides }) => {
    const t = setup();
    t.send({ type: 'run-start', steps: STEPS, dryRun }, { type: 'plan', steps, dryRun });
    // Written once above the live area (not redrawn by Ink): the frame that holds it.
    await waitFor(() => t.frames.some((x) => plain(x).includes('The plan')), () => t.frames.map(plain).join('\n---\n'));
    const f = plain(t.frames.find((x) => plain(x).includes('The plan')));
    for (const w of shows) expect(f).toContain(w);
    const plan = f.slice(f.indexOf('The plan'), f.indexOf('· Preflight')); // the step list follows
    for (const h of hides) expect(plan).not.toContain(h);
  });
});

describe('<App>: teaching under a finished step', () => {
  const CMD = 'gcloud artifacts repositories create demo-repo --repository-format=docker --location=southamerica-east1 --project=demo-proj';
  const TAUGHT = /A private, Docker-format shelf/;
  const done = (skipped = false): RunEvent => ({ type: 'step-done', id: 'repository', summary: 'demo-repo created in southamerica-east1', skipped, commands: [CMD] });
  it.each([
    { case: 'a first run: what and why, and the command with its values', explain: true, before: [] as RunEvent[], keyE: false, skipped: false, taught: true },
    { case: 'answers given as flags: compact', explain: false, before: [], keyE: false, skipped: false, taught: false },
    { case: 'answers given as flags, then e: teaching from then on', explain: false, before: [], keyE: true, skipped: false, taught: true },
    { case: 'a resumed run: compact', explain: true, before: [{ type: 'resume', done: ['project'], savedKey: 'k', complete: false } as RunEvent], keyE: false, skipped: false, taught: false },
    { case: 'a step re-checked, not run: nothing to teach', explain: true, before: [], keyE: false, skipped: true, taught: false },
  ])('$case', async (c) => {
    const t = setup({ explain: c.explain });
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, ...c.before, start('repository', 3));
    await waitForFrame(t.lastFrame, 'step 4 of 4');
    if (c.keyE) {
      t.stdin.write(KEY_E);
      await waitForFrame(t.lastFrame, 'e: hide');
    }
    t.send(done(c.skipped), { type: 'run-done', state: {}, commandsByStep: {}, dryRun: false });
    const f = await waitForFrame(t.lastFrame, /✓ Repository {2,}demo-repo created/);
    expect(TAUGHT.test(f)).toBe(c.taught);
    expect(f.includes('$ gcloud artifacts repositories create demo-repo')).toBe(c.taught);
  });

  it('commands the plan showed are not repeated under the step', async () => {
    const t = setup();
    const plan: RunEvent = { type: 'plan', dryRun: false, steps: STEPS.map((s) => ({ ...s, changes: [], commands: s.id === 'repository' ? [CMD] : [] })) };
    t.send({ type: 'run-start', steps: STEPS, dryRun: false }, plan, start('repository', 3), done(), { type: 'run-done', state: {}, commandsByStep: {}, dryRun: false });
    const f = await waitForFrame(t.lastFrame, TAUGHT);
    // In the plan, written once above (no longer in Ink's frames), and not again under the step.
    expect(t.frames.some((x) => plain(x).includes('$ gcloud artifacts repositories create demo-repo'))).toBe(true);
    expect(f).not.toContain('$ gcloud artifacts repositories create demo-repo');
  });
});
