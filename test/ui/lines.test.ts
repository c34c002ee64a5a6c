// The transcript's layout (src/ui/lines.ts over src/output/fit.ts): every row fits the width it
// is laid out for, long words are cut where they read best, commands stay readable shell.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitLine, hang, middle, truncate, widthOf, wrap, wrapCommand } from '../../src/output/fit.js';
import { errorRows, itemRows, planRows, stepHeadRows, summaryRows, teachingRows, textRows, warningRows, type Row } from '../../src/ui/lines.js';
import type { UiStep } from '../../src/ui/store.js';
import { cleanup } from '../../src/steps/cleanup.js';
import type { Flags } from '../../src/steps/types.js';

const text = (r: Row) => r.segs.map((s) => s.text).join('');
const REF = 'southamerica-east1-docker.pkg.dev/mycoolproject-prod/mycoolproject-repo/mycoolproject';
const PATH = '/home/someone/.docker/config.json.registry-setup.bak';
const step = (over: Partial<UiStep>): UiStep => ({ id: 'push', title: 'Push the first image', explain: 'x', status: 'done', ...over });

describe('fit', () => {
  it.each([
    { case: 'words', text: 'one two three four', cols: 9, want: ['one two', 'three', 'four'] },
    { case: 'a path is cut after a slash', text: `see ${PATH}`, cols: 20, want: ['see', '/home/someone/', '.docker/config.json.', 'registry-setup.bak'] },
    { case: 'wide characters count twice', text: '日本語 日本語', cols: 7, want: ['日本語', '日本語'] },
    { case: 'empty text is one empty line', text: '', cols: 10, want: [''] },
  ])('wrap: $case', ({ text: t, cols, want }) => {
    expect(wrap(t, cols)).toEqual(want);
  });

  it.each([
    { case: 'hanging indent', out: hang('aaaa bbbb cccc', 16, '✓ Ab  '), want: ['✓ Ab  aaaa bbbb', '      cccc'] },
    { case: 'truncate with …', out: [truncate('abcdefghij', 6)], want: ['abcde…'] },
    { case: 'truncate leaves a short line alone', out: [truncate('abc', 6)], want: ['abc'] },
  ])('$case', ({ out, want }) => {
    expect(out).toEqual(want);
  });

  it('middle: fits, keeps the head and the image:tag tail', () => {
    const m = middle(`${REF}:latest`, 40);
    expect(widthOf(m)).toBeLessThanOrEqual(40);
    expect(m).toMatch(/^southamerica-east1.*…\/mycoolproject:latest$/);
  });

  it.each([
    {
      case: 'broken between words with shell continuations',
      cmd: 'gcloud artifacts repositories create mycoolproject-repo --repository-format=docker --location=southamerica-east1 --project=mycoolproject-prod',
      cols: 60,
      want: ['$ gcloud artifacts repositories create mycoolproject-repo \\', '    --repository-format=docker \\', '    --location=southamerica-east1 \\', '    --project=mycoolproject-prod'],
    },
    { case: '$( ) is one word', cmd: 'docker push example/app:$(git rev-parse --short HEAD)', cols: 50, want: ['$ docker push \\', '    example/app:$(git rev-parse --short HEAD)'] },
    { case: 'a short command stays one line', cmd: 'docker info', cols: 40, want: ['$ docker info'] },
  ])('wrapCommand: $case', ({ cmd, cols, want }) => {
    const lines = wrapCommand(cmd, cols, '$ ');
    expect(lines).toEqual(want);
    for (const l of lines) expect(widthOf(l), l).toBeLessThanOrEqual(cols);
    // Read back as the shell would (continuations joined): the same command.
    expect(lines.join('\n').replace(/ \\\n\s+/g, ' ').replace(/^\$ /, '')).toBe(cmd);
  });
});

// The cut as it was first written: a character at a time, each head measured whole. The one-pass
// cut must give the same text wherever a character is one grapheme.
function referenceTruncate(text: string, cols: number): string {
  if (widthOf(text) <= cols) return text;
  let head = '';
  for (const ch of text) {
    if (widthOf(head + ch) > Math.max(1, cols - 1)) break;
    head += ch;
  }
  head ||= [...text][0] ?? '';
  for (const marks of [['/'], ['-', ':', '@', '.']]) {
    const cut = Math.max(...marks.map((c) => head.lastIndexOf(c)));
    if (cut > head.length / 2) return `${head.slice(0, cut + 1)}…`;
  }
  return `${head}…`;
}

describe('the one-pass cut', () => {
  const pieces = ['a', 'Z', '7', ' ', '/', '-', ':', '.', '@', '日', '語', 'é', '\u00FC', 'ß'];
  const texts = fc.array(fc.constantFrom(...pieces), { maxLength: 120 }).map((a) => a.join(''));

  it('truncate gives what measuring each head whole gives', () => {
    fc.assert(
      fc.property(texts, fc.integer({ min: 1, max: 90 }), (t, cols) => {
        expect(truncate(t, cols)).toBe(referenceTruncate(t, cols));
      }),
    );
  });

  it('middle and truncate fit, whatever the characters', () => {
    const any = fc.array(fc.constantFrom(...pieces, 'e\u0301', '👍', '👩‍💻', '\u001B[2m', '\u001B[22m'), { maxLength: 120 }).map((a) => a.join(''));
    fc.assert(
      fc.property(any, fc.integer({ min: 4, max: 90 }), (t, cols) => {
        expect(widthOf(truncate(t, cols))).toBeLessThanOrEqual(cols);
        expect(widthOf(middle(t, cols))).toBeLessThanOrEqual(cols);
      }),
    );
  });

  it.each([
    { case: 'a wide character is not split', out: truncate('ab日本語', 5), want: 'ab日…' },
    { case: 'an emoji sequence stays whole', out: truncate('ab👩‍💻cdef', 5), want: 'ab👩‍💻…' },
    { case: 'an escape sequence takes no room and is not cut', out: truncate('\u001B[2mabcdefgh\u001B[22m', 5), want: '\u001B[2mabcd…' },
  ])('$case', ({ out, want }) => {
    expect(out).toBe(want);
  });
});

describe('fitLine (doctor and undo in a terminal)', () => {
  it.each([
    { case: 'a short line stays', line: '  [ok  ] gcloud login', want: ['  [ok  ] gcloud login'] },
    {
      case: 'a finding hangs under its mark',
      line: '  ✗ /root/.docker/config.json has no credHelpers entry for southamerica-east1-docker.pkg.dev [--fix repairs it]',
      want: ['  ✗ /root/.docker/config.json has no credHelpers entry', '    for southamerica-east1-docker.pkg.dev [--fix', '    repairs it]'],
    },
    { case: 'a fix under its dash', line: '    - Run registry-setup doctor --fix, or run gcloud auth configure-docker again', want: ['    - Run registry-setup doctor --fix, or run gcloud', '      auth configure-docker again'] },
    { case: 'a checked item under its status', line: '  [skip] latest is linux/amd64: the repository could not be read', want: ['  [skip] latest is linux/amd64: the repository could', '         not be read'] },
  ])('$case', ({ line, want }) => {
    const rows = fitLine(line, 55);
    expect(rows).toEqual(want);
    for (const r of rows) expect(widthOf(r)).toBeLessThanOrEqual(55);
  });
});

describe('transcript rows fit the terminal', () => {
  const layouts: [string, (cols: number) => Row[]][] = [
    ['a step line', (c) => stepHeadRows(step({ summary: `mycoolproject:latest and :a3f9c12 (sha256:${'f'.repeat(12)}…) ${REF}` }), c)],
    ['a failed step line', (c) => stepHeadRows(step({ status: 'failed' }), c)],
    ['a checklist item with a fix', (c) => itemRows({ label: 'backup', status: 'warn', detail: PATH, fix: `restore it: cp ${PATH} ~/.docker/config.json` }, c)],
    ['a warning', (c) => warningRows(`${PATH} sent the host to the helper "desktop"; it will use "gcloud" from now on.`, c)],
    ['teaching with commands', (c) => teachingRows('push', [`docker tag registry-setup-verify:latest ${REF}:latest`, `docker push ${REF}:latest`], c)],
    ['an error panel', (c) => errorRows(['create repository: permission denied', 'What to do:', `  - Ask for roles/artifactregistry.admin on ${REF}`, '  | ERROR: (gcloud) PERMISSION_DENIED: the caller does not have permission'], c)],
    ['a notice', (c) => textRows(`Saved progress: step Push the first image, project mycoolproject-prod, ${REF}.`, c, 'ℹ ')],
    [
      'a plan',
      (c) => planRows([{ id: 'repository', title: 'Create the Docker repository', explain: 'x', doneEarlier: true, changes: [`creates ${REF}`], commands: [`gcloud artifacts repositories create r --location=southamerica-east1 --project=p`] }], false, c),
    ],
    ['a summary but its script', (c) => summaryRows({ registryUrl: REF, imageUris: [`${REF}:latest`], digest: `sha256:${'a'.repeat(64)}`, script: [`docker push ${REF}:latest`], costFacts: ['The first 0.5 GB stored each month is free.'], next: ['03 Cloud SQL'] }, c)],
  ];
  const cases = layouts.flatMap(([name, f]) => [30, 60, 80, 120].map((cols) => ({ name, f, cols })));
  it.each(cases)('$name at $cols columns', ({ f, cols }) => {
    const rows = f(cols);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows.filter((x) => !x.asIs)) expect(widthOf(text(r)), text(r)).toBeLessThanOrEqual(cols);
  });

  it('a step line: label and result aligned, the result wrapped under itself', () => {
    const rows = stepHeadRows(step({ id: 'region', title: 'Choose the region', summary: 'southamerica-east1' }), 80).map(text);
    expect(rows).toEqual(['✓ Region       southamerica-east1']);
    const long = stepHeadRows(step({ id: 'docker-auth', summary: 'gcloud for southamerica-east1-docker.pkg.dev (Docker config updated, backed up first)' }), 60).map(text);
    expect(long[0]).toMatch(/^✓ Docker auth  gcloud for/);
    expect(long[1]).toMatch(/^ {15}\S/);
  });

  it("teaching: a here-document (the cleanup policy's file) is one line, its text left to the script", () => {
    const set = 'gcloud artifacts repositories set-cleanup-policies r --location=l --project=p --policy=cleanup-policy.json --no-dry-run';
    const cmds = ["cat > cleanup-policy.json <<'EOF'", '[', '  {"name":"keep-most-recent"}', ']', 'EOF', set];
    const rows = teachingRows('cleanup', cmds, 200).map(text).filter((r) => r.trimStart().startsWith('$'));
    expect(rows).toEqual(['    $ cat > cleanup-policy.json # its text: in the script at the end', `    $ ${set}`]);
  });

  it("the plan: a here-document's lines are the file's text, whole and wrapped, not commands", () => {
    const body = ['[', '  {"name":"keep-most-recent","action":{"type":"Keep"},"mostRecentVersions":{"keepCount":10}},', ']'];
    const cmds = ["cat > cleanup-policy.json <<'EOF'", ...body, 'EOF', 'gcloud artifacts repositories set-cleanup-policies r --policy=cleanup-policy.json'];
    const rows = planRows([{ id: 'cleanup', title: 'Add a cleanup policy', explain: 'x', changes: [], commands: cmds }], false, 60).map(text);
    for (const r of rows) expect(widthOf(r), r).toBeLessThanOrEqual(60);
    const at = rows.indexOf("   $ cat > cleanup-policy.json <<'EOF'");
    const end = rows.indexOf('     EOF');
    expect(at).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(at);
    const file = rows.slice(at + 1, end);
    expect(file.every((r) => r.startsWith('       ') && !r.includes('$'))).toBe(true);
    expect(file.map((r) => r.trim()).join('')).toBe(body.map((l) => l.trim()).join(''));
    expect(rows.at(-3)).toMatch(/^ {3}\$ gcloud artifacts repositories set-cleanup-policies/);
  });

  // The cleanup step's commands when no policy was set: the recipe, commented out (a here-document
  // among it). Copied from the screen, no row of it may run.
  const notSet = cleanup.commands({
    flags: { yes: true } as Flags,
    state: { project: 'mycoolproject-prod', location: 'southamerica-east1', repository: 'mycoolproject-repo', cleanup: 'not-asked' },
    cwd: '/home/u/app',
  });
  it.each([30, 60, 80, 110, 120])('the plan at %i columns: a comment stays a comment on every row (a commented-out here-document too)', (cols) => {
    expect(notSet.every((l) => l.startsWith('#'))).toBe(true);
    expect(notSet.some((l) => /<<'EOF'$/.test(l))).toBe(true);
    const rows = planRows([{ id: 'cleanup', title: 'Add a cleanup policy', explain: 'x', changes: [], commands: notSet }], false, cols).map(text).slice(4, -1);
    for (const r of rows) expect(widthOf(r), r).toBeLessThanOrEqual(cols);
    for (const r of rows) expect(r).toMatch(/^ {3}(\$ | {2})#/);
    expect(rows.filter((r) => r.startsWith('   $ '))).toHaveLength(notSet.length);
    // Nothing lost: the recipe's words, in order.
    const words = (ls: string[]) => ls.join(' ').replace(/#/g, ' ').split(/\s+/).join('');
    expect(words(rows.map((r) => r.replace(/^ {3}(\$ | {2})/, '')))).toBe(words(notSet));
  });

  it.each([false, true])('the plan (dry run: %s) stands apart: a blank row before its heading and after its last row', (dryRun) => {
    const rows = planRows([{ id: 'repository', title: 'Create the Docker repository', explain: 'x', changes: ['creates r'], commands: ['gcloud artifacts repositories create r'] }], dryRun, 80).map(text);
    expect(rows[0]).toBe('');
    expect(rows[1]).toMatch(/^The plan: /);
    expect(rows.at(-1)).toBe('');
    expect(rows.at(-2)).toBe('   $ gcloud artifacts repositories create r');
  });

  it("teaching: a commented-out here-document does not hide the commands after it", () => {
    const cmds = ["# cat > cleanup-policy.json <<'EOF'", '# [', '# ]', '# EOF', 'gcloud artifacts repositories describe r'];
    const rows = teachingRows('cleanup', cmds, 120).map(text).filter((r) => r.trimStart().startsWith('$'));
    expect(rows).toEqual(['    $ gcloud artifacts repositories describe r']);
  });

  it('the summary keeps its script as it is (rows marked to print whole)', () => {
    const script = [`docker push ${REF}:latest`];
    const rows = summaryRows({ imageUris: [], script, costFacts: [], next: [] }, 30);
    expect(rows.filter((r) => r.asIs).map(text)).toEqual(script);
  });
});
