// Plain-lines and JSON reporters: events in, text out.
import { describe, expect, it } from 'vitest';
import { createPlainSink } from '../../src/output/plain.js';
import { createJsonCollector, imagesOf } from '../../src/output/json.js';
import { summaryView } from '../../src/output/format.js';
import { HEADLINE } from '../../src/ui/header.js';
import type { RunEvent, StepInfo } from '../../src/runner.js';
import { CancelError, ExternalError, UserError } from '../../src/errors.js';

const STEPS: StepInfo[] = [
  { id: 'preflight', title: 'Preflight', explain: 'x' },
  { id: 'project', title: 'Project', explain: 'x' },
  { id: 'region', title: 'Region', explain: 'x' },
];
const start: RunEvent = { type: 'run-start', steps: STEPS, dryRun: false };

function plainLines(events: RunEvent[], debug = false): string[] {
  const lines: string[] = [];
  const sink = createPlainSink({ write: (l) => lines.push(...l.split('\n')), debug });
  events.forEach(sink);
  return lines;
}

describe('plain reporter', () => {
  const cases: [string, RunEvent[], string[], RegExp[]?][] = [
    [
      'step lines with counters, activity, warnings, items',
      [
        start,
        { type: 'step-start', id: 'region', index: 2, total: 3, title: 'Region', explain: 'x', recheck: false },
        { type: 'step-activity', id: 'region', text: 'gcloud auth configure-docker southamerica-east1-docker.pkg.dev --quiet' },
        { type: 'step-item', id: 'region', item: { label: 'docker', status: 'running' } },
        { type: 'step-item', id: 'region', item: { label: 'docker', status: 'fail', detail: 'not running', fix: 'start it' } },
        { type: 'step-warn', id: 'region', text: 'image is arm64' },
        { type: 'step-note', id: 'region', note: { type: 'retry', text: 'retrying in 2 s, attempt 2 of 5', attempt: 2, of: 5, delayMs: 2000 } },
        { type: 'step-done', id: 'region', summary: 'southamerica-east1', skipped: false },
      ],
      [
        '[3/3] Region',
        '  → gcloud auth configure-docker southamerica-east1-docker.pkg.dev --quiet',
        '  [FAIL] docker: not running',
        '         fix: start it',
        '  ! image is arm64',
        '  ! retrying in 2 s, attempt 2 of 5',
        '[3/3] Region: southamerica-east1',
      ],
    ],
    [
      'a warning that repeats a checklist item is printed once',
      [
        start,
        { type: 'step-start', id: 'preflight', index: 0, total: 3, title: 'Preflight', explain: 'x', recheck: false },
        { type: 'step-item', id: 'preflight', item: { label: 'git', status: 'warn', detail: 'not a git repository', fix: 'git init' } },
        { type: 'step-warn', id: 'preflight', text: 'not a git repository — git init' },
        { type: 'step-warn', id: 'preflight', text: 'something else' },
      ],
      ['  [warn] git: not a git repository', '  ! something else'],
      [/! not a git repository/],
    ],
    [
      'layers: only final statuses, once each',
      [
        start,
        { type: 'step-start', id: 'project', index: 1, total: 3, title: 'Project', explain: 'x', recheck: false },
        { type: 'step-note', id: 'project', note: { type: 'layer', id: 'aaaaaaaaaaaa9999', status: 'Pushing' } },
        { type: 'step-note', id: 'project', note: { type: 'layer', id: 'aaaaaaaaaaaa9999', status: 'Pushed' } },
        { type: 'step-note', id: 'project', note: { type: 'layer', id: 'aaaaaaaaaaaa9999', status: 'Pushed' } },
      ],
      ['    aaaaaaaaaaaa: Pushed'],
      [/Pushing/],
    ],
    [
      'a re-checked step says so',
      [start, { type: 'step-start', id: 'project', index: 1, total: 3, title: 'Project', explain: 'x', recheck: true }, { type: 'step-done', id: 'project', summary: 'demo', skipped: true }],
      ['[2/3] Project (done earlier: re-checking)', '[2/3] Project: demo (done earlier, still in place)'],
    ],
    [
      'external failure: command, exit code, stderr tail; no stack',
      [
        start,
        { type: 'step-failed', id: 'project', error: new ExternalError('exit 1', { command: 'gcloud projects list', exitCode: 1, stderrTail: 'ERROR: denied' }, ['log in']) },
        { type: 'run-failed', state: {}, error: new ExternalError('exit 1'), stepId: 'project' },
      ],
      ['[2/3] Project failed: exit 1', 'What to do:', '  - log in', 'Command: gcloud projects list', 'Exit code: 1', '  | ERROR: denied'],
      [/Stack/, /\s+at /],
    ],
    [
      'cancel: one line',
      [start, { type: 'run-cancelled', state: {}, message: 'Stopped. Run `registry-setup` again to resume from Region.' }],
      ['Stopped. Run `registry-setup` again to resume from Region.'],
    ],
    ['the run opens with the header\'s headline', [start], [`registry-setup: ${HEADLINE}`], [/Dry run/]],
    ['a dry run says so', [{ ...start, dryRun: true }], [`registry-setup: ${HEADLINE}`, 'Dry run: nothing will be changed.']],
    [
      'a dry run\'s plan: commands after $, a here-document\'s lines as the file\'s text',
      [
        { ...start, dryRun: true },
        {
          type: 'plan',
          dryRun: true,
          steps: [{ id: 'cleanup', title: 'Add a cleanup policy', explain: 'x', changes: [], commands: ["cat > p.json <<'EOF'", '[{"name": "keep"}]', 'EOF', 'gcloud artifacts repositories set-cleanup-policies r --policy=p.json'] }],
        },
      ],
      ["    $ cat > p.json <<'EOF'", '      [{"name": "keep"}]', '      EOF', '    $ gcloud artifacts repositories set-cleanup-policies r --policy=p.json'],
      [/\$ \[/, /\$ EOF/],
    ],
    [
      'a failure before any step is still shown',
      [start, { type: 'run-failed', state: {}, error: new UserError('saved progress is from a newer version', ['use --restart']) }],
      ['saved progress is from a newer version', '  - use --restart'],
    ],
  ];
  it.each(cases)('%s', (_n, events, want, not = []) => {
    const lines = plainLines(events);
    let at = -1;
    for (const w of want) {
      const i = lines.indexOf(w, at + 1);
      expect(i, `"${w}" after line ${at} in\n${lines.join('\n')}`).toBeGreaterThan(at);
      at = i;
    }
    for (const n of not) expect(lines.filter((l) => n.test(l))).toEqual([]);
    // eslint-disable-next-line no-control-regex
    expect(lines.join('\n')).not.toMatch(/\u001B/);
  });
});

describe('JSON result', () => {
  it('a finished run: resource name, registry path, images grouped with tags and digest, per-step status', () => {
    const j = createJsonCollector();
    const state = {
      project: 'demo-proj',
      location: 'southamerica-east1',
      repository: 'demo-repo',
      repositoryName: 'projects/demo-proj/locations/southamerica-east1/repositories/demo-repo',
      registryHost: 'southamerica-east1-docker.pkg.dev',
      imageUris: ['southamerica-east1-docker.pkg.dev/demo-proj/demo-repo/app:latest', 'southamerica-east1-docker.pkg.dev/demo-proj/demo-repo/app:a1b2c3d'],
      digest: 'sha256:abc',
    };
    [
      start,
      { type: 'step-done', id: 'preflight', summary: 'ok', skipped: true },
      { type: 'step-done', id: 'project', summary: 'demo-proj', skipped: false },
      { type: 'step-done', id: 'region', summary: 'southamerica-east1', skipped: false },
      { type: 'run-done', state, commandsByStep: {}, dryRun: false },
    ].forEach((e) => j.sink(e as RunEvent));
    expect(j.result({ status: 'done', state })).toEqual({
      status: 'done',
      project: 'demo-proj',
      location: 'southamerica-east1',
      repository: 'projects/demo-proj/locations/southamerica-east1/repositories/demo-repo',
      registry: 'southamerica-east1-docker.pkg.dev/demo-proj/demo-repo',
      images: [{ uri: 'southamerica-east1-docker.pkg.dev/demo-proj/demo-repo/app', tags: ['latest', 'a1b2c3d'], digest: 'sha256:abc' }],
      steps: [
        { id: 'preflight', status: 'done', summary: 'ok', rechecked: true },
        { id: 'project', status: 'done', summary: 'demo-proj' },
        { id: 'region', status: 'done', summary: 'southamerica-east1' },
      ],
      warnings: [],
    });
  });

  it('a failed run: error kind, message with context, fix, the failed step; never a token', () => {
    const j = createJsonCollector();
    const err = new ExternalError('token ya29.A0secret rejected', { command: 'docker login -u oauth2accesstoken', exitCode: 1 }, ['gcloud auth login']);
    err.context.unshift('push');
    j.sink(start);
    j.sink({ type: 'step-failed', id: 'region', error: err });
    const doc = j.result({ status: 'failed', state: { project: 'p' }, error: err });
    expect(doc.error).toEqual({ kind: 'external', message: 'push: token [redacted] rejected', fix: ['gcloud auth login'], step: 'region', command: 'docker login -u oauth2accesstoken', exitCode: 1 });
    expect(doc.steps.map((s) => s.status)).toEqual(['pending', 'pending', 'failed']);
    expect(JSON.stringify(doc)).not.toContain('ya29');
  });

  it('a cancelled run marks the rest cancelled', () => {
    const j = createJsonCollector();
    j.sink(start);
    j.sink({ type: 'step-done', id: 'preflight', summary: 'ok', skipped: false });
    j.sink({ type: 'run-cancelled', state: {}, message: 'Stopped.' });
    const doc = j.result({ status: 'cancelled', state: {}, error: new CancelError() });
    expect(doc.steps.map((s) => s.status)).toEqual(['done', 'cancelled', 'cancelled']);
    expect(doc.error?.kind).toBe('cancel');
  });

  const imageCases: [string[], { uri: string; tags: string[] }[]][] = [
    [['h/p/r/app:latest', 'h/p/r/app:abc1234'], [{ uri: 'h/p/r/app', tags: ['latest', 'abc1234'] }]],
    [['localhost:5000/p/r/app:latest'], [{ uri: 'localhost:5000/p/r/app', tags: ['latest'] }]],
    [['h/example.com/proj/r/app@sha256:ff'], [{ uri: 'h/example.com/proj/r/app', tags: [] }]],
    [[], []],
  ];
  it.each(imageCases)('images of %j', (uris, want) => {
    expect(imagesOf({ imageUris: uris }).map(({ uri, tags }) => ({ uri, tags }))).toEqual(want);
  });
});

describe('summary', () => {
  it('summary: a string script is split in lines without the trailing blank; chapters become lines', () => {
    const v = summaryView(() => ({ script: 'a\nb\n', next: [{ number: '03', title: 'Cloud SQL', what: 'db' }], costFacts: ['free'] }), {}, {});
    expect(v.script).toEqual(['a', 'b']);
    expect(v.next).toEqual(['03 Cloud SQL: db']);
  });

  it('summary falls back to the state when renderSummary throws', () => {
    const v = summaryView(
      () => {
        throw new Error('boom');
      },
      { registryHost: 'h', project: 'p', repository: 'r', imageUris: ['h/p/r/a:latest'] },
      { repository: ['gcloud artifacts repositories create r'] },
    );
    expect(v.registryUrl).toBe('h/p/r');
    expect(v.script).toEqual(['gcloud artifacts repositories create r']);
  });
});
