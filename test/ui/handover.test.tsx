// The terminal hand-over between Ink and a prompt (mountInk's beforePrompt/afterPrompt), on fake
// TTY streams: what is written before, during and after the prompt; and what is written once Ink
// is gone (the summary).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { mountInk } from '../../src/ui/mount.js';
import type { RunEvent, StepInfo } from '../../src/runner.js';
import type { RenderSummary } from '../../src/output/format.js';
import { plain, waitFor } from './helpers.js';

class FakeStdout extends EventEmitter {
  isTTY = true;
  columns = 100;
  rows = 40;
  chunks: string[] = [];
  write = (s: string, cb?: () => void): boolean => {
    this.chunks.push(s);
    if (cb) setImmediate(cb);
    return true;
  };
  get all(): string {
    return this.chunks.join('');
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  raw = false;
  refs = 0;
  private queue: string[] = [];
  setRawMode(b: boolean) {
    this.raw = b;
  }
  setEncoding() {}
  ref() {
    this.refs++;
  }
  unref() {}
  resume() {}
  pause() {}
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  type(s: string) {
    this.queue.push(s);
    this.emit('readable');
  }
}

const STEPS: StepInfo[] = [
  { id: 'region', title: 'Region', explain: 'Keeps images next to Cloud Run.' },
  { id: 'repository', title: 'Repository', explain: 'Creates the repository.' },
];

function setup(o: { renderSummary?: RenderSummary; columns?: number } = {}) {
  const stdout = new FakeStdout();
  if (o.columns) stdout.columns = o.columns;
  const stdin = new FakeStdin();
  const stderr = new FakeStdout();
  let interrupts = 0;
  const ui = mountInk({
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    steps: STEPS,
    dryRun: false,
    debug: false,
    onInterrupt: () => interrupts++,
    renderSummary: o.renderSummary,
  });
  return { stdout, stdin, ui, interrupts: () => interrupts };
}

describe('prompt hand-over', () => {
  it('before: the step\'s heading line, stdin released; during: nothing drawn; after: fresh line, queued events drawn', async () => {
    const { stdout, stdin, ui } = setup();
    const send = (e: RunEvent) => ui.sink(e);
    send({ type: 'run-start', steps: STEPS, dryRun: false });
    send({ type: 'step-start', id: 'region', index: 0, total: 2, title: 'Region', explain: STEPS[0].explain, recheck: false });
    send({ type: 'step-activity', id: 'region', text: 'listing locations' });
    await waitFor(() => plain(stdout.all).includes('listing locations') && stdin.raw, () => plain(stdout.all));

    // The runner announces the question, then the Prompter calls beforePrompt.
    send({ type: 'step-prompt-start', id: 'region', title: 'Region', message: 'Which region?' });
    const refsBefore = stdin.refs;
    await ui.beforePrompt();
    expect(plain(stdout.all)).toMatch(/^\? Region$/m);
    expect(stdin.raw).toBe(false); // Ink stopped reading keys
    expect(stdin.listenerCount('readable')).toBe(0);
    expect(stdin.refs).toBeGreaterThan(refsBefore); // the process stays alive while the prompt reads

    // While the prompt owns the terminal, Ink writes nothing, whatever happens.
    const mark = stdout.chunks.length;
    send({ type: 'step-activity', id: 'region', text: 'checking us-central1' });
    stdin.type('e');
    await new Promise((r) => setImmediate(r));
    expect(stdout.chunks.slice(mark).join('')).toBe('');
    stdout.write('? Which region? us-central1\n'); // what the prompt leaves behind

    ui.afterPrompt();
    send({ type: 'step-prompt-end', id: 'region' });
    await waitFor(() => plain(stdout.chunks.slice(mark).join('')).includes('checking us-central1'), () => plain(stdout.all));
    const after = stdout.chunks.slice(mark).join('');
    // A fresh line first, so Ink's next erase cannot reach the prompt's answer line.
    expect(after.indexOf('? Which region? us-central1\n\n')).toBe(0);
    await waitFor(() => stdin.raw, () => 'raw mode not back on');
    expect(plain(after)).toContain('Keeps images next to Cloud Run.'); // the 'e' typed into the prompt did not reach the UI
    await ui.finish();
  });

  it('a prompt the runner never announced (beforePrompt alone) still hands over and back', async () => {
    const { stdout, stdin, ui } = setup();
    ui.sink({ type: 'run-start', steps: STEPS, dryRun: false });
    await waitFor(() => stdin.raw, () => plain(stdout.all));
    await ui.beforePrompt();
    expect(plain(stdout.all)).toMatch(/^\? registry-setup$/m);
    expect(stdin.raw).toBe(false);
    ui.afterPrompt();
    await waitFor(() => stdin.raw, () => 'raw mode not back on');
    await ui.finish();
  });

  it('finish() during a prompt (Ctrl-C race) still ends cleanly with the cancel line', async () => {
    const { stdout, ui } = setup();
    ui.sink({ type: 'run-start', steps: STEPS, dryRun: false });
    ui.sink({ type: 'step-start', id: 'region', index: 0, total: 2, title: 'Region', explain: 'x', recheck: false });
    ui.sink({ type: 'step-prompt-start', id: 'region', title: 'Region', message: 'Which region?' });
    await ui.beforePrompt();
    ui.sink({ type: 'run-cancelled', state: {}, message: 'Stopped. Run `registry-setup` again to resume from Region.' });
    await ui.finish();
    expect(plain(stdout.all)).toContain('Stopped. Run `registry-setup` again to resume from Region.');
  });

  it('Ctrl-C while Ink reads keys goes to onInterrupt', async () => {
    const { stdin, ui, interrupts } = setup();
    ui.sink({ type: 'run-start', steps: STEPS, dryRun: false });
    await waitFor(() => stdin.raw, () => 'raw');
    stdin.type('\u0003');
    await waitFor(() => interrupts() === 1, () => `interrupts=${interrupts()}`);
    await ui.finish();
  });
});

describe('frame pacing', () => {
  // Ink redraws at once, unpaced, whenever its <Static> box is updated; <App> keeps that element
  // unchanged unless the transcript grows, so live-panel updates are drawn at Ink's paced rate.
  it('20 live-panel updates in quick succession are drawn in a few frames, not 20', async () => {
    const { stdout, stdin, ui } = setup();
    ui.sink({ type: 'run-start', steps: STEPS, dryRun: false });
    ui.sink({ type: 'step-start', id: 'region', index: 0, total: 2, title: 'Region', explain: STEPS[0].explain, recheck: false });
    await waitFor(() => plain(stdout.all).includes('step 1 of 2') && stdin.raw, () => plain(stdout.all));
    await new Promise((r) => setTimeout(r, 150)); // past the paced frame that drew it
    const mark = stdout.chunks.length;
    const t0 = Date.now();
    for (let i = 1; i <= 20; i++) {
      ui.sink({ type: 'step-activity', id: 'region', text: `checking location ${i}` });
      await new Promise((r) => setImmediate(r)); // each update in its own turn of the event loop
    }
    const elapsed = Date.now() - t0;
    await waitFor(() => plain(stdout.chunks.slice(mark).join('')).includes('checking location 20'), () => plain(stdout.all));
    const frames = stdout.chunks.slice(mark).filter((c) => plain(c).includes('checking location')).length;
    expect(frames).toBeGreaterThanOrEqual(1);
    // Paced: about one frame per 100 ms the updates took (+ the trailing one), however slow the
    // machine; unpaced it is one frame per update, 21 in all.
    expect(frames).toBeLessThanOrEqual(Math.min(20, Math.ceil(elapsed / 100) + 2));
    await ui.finish();
  });
});

describe('the summary, once Ink is gone', () => {
  const LONG = 'gcloud artifacts repositories create demo-repo --repository-format=docker --location=southamerica-east1 --project=demo-proj';
  const renderSummary: RenderSummary = (state, cmds) => ({
    registryUrl: `${state.registryHost}/${state.project}/${state.repository}`,
    imageUris: state.imageUris ?? [],
    digest: state.digest,
    script: Object.values(cmds).flat() as string[],
    costFacts: ['first 0.5 GB free'],
    next: [{ number: '03', title: 'Cloud SQL', what: 'a database' }],
  });
  const done: RunEvent = {
    type: 'run-done',
    dryRun: false,
    state: { project: 'demo-proj', repository: 'demo-repo', registryHost: 'southamerica-east1-docker.pkg.dev', imageUris: ['h/p/r/app:latest', 'h/p/r/app:a1b2c3d'], digest: 'sha256:abc' },
    commandsByStep: { repository: [LONG], 'docker-auth': ['gcloud auth configure-docker southamerica-east1-docker.pkg.dev'] },
  };

  it.each([
    { case: 'a finished run: registry, images, digest, the script whole, costs, next, after the last frame', event: done, want: true },
    { case: 'a dry run: no summary', event: { ...done, dryRun: true } as RunEvent, want: false },
  ])('$case', async ({ event, want }) => {
    const { stdout, ui } = setup({ renderSummary, columns: 100 });
    ui.sink({ type: 'run-start', steps: STEPS, dryRun: false });
    ui.sink(event);
    await ui.finish();
    const out = plain(stdout.all);
    const texts = [
      'Done: your registry is ready',
      'Registry: southamerica-east1-docker.pkg.dev/demo-proj/demo-repo',
      'h/p/r/app:latest',
      'h/p/r/app:a1b2c3d',
      'Digest: sha256:abc',
      `\n${LONG}\n`, // one line, though wider than the terminal: it is there to be copied
      'gcloud auth configure-docker southamerica-east1-docker.pkg.dev',
      '- first 0.5 GB free',
      '- 03 Cloud SQL: a database',
    ];
    for (const t of texts) expect(out.includes(t), t).toBe(want);
    if (!want) return;
    // Written after Ink's last frame, in one piece: nothing of Ink's comes after it.
    const last = stdout.chunks.filter((c) => c !== '').at(-1)!;
    expect(plain(last)).toContain('Done: your registry is ready');
    expect(plain(last).trimEnd().endsWith('- 03 Cloud SQL: a database')).toBe(true);
  });
});
