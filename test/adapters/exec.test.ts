import { describe, expect, it } from 'vitest';
import { createRunner, displayCommand, mergeEnv, tail } from '../../src/adapters/exec.js';
import { BugError, CancelError, ExternalError } from '../../src/errors.js';
import { earlyKey, startEarly, wholeJson } from '../../src/adapters/early.js';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const node = process.execPath;
const run = createRunner({ PATH: process.env.PATH, BASE_ONLY: 'base', OVERRIDE_ME: 'old' });

describe('createRunner (real processes, no shell)', () => {
  it.each([
    { case: 'stdout, trailing newline stripped', args: ['-e', 'console.log("hi")'], opts: {}, stdout: 'hi', exitCode: 0 },
    { case: 'stdin input reaches the process', args: ['-e', 'process.stdin.pipe(process.stdout)'], opts: { input: 'secret-on-stdin' }, stdout: 'secret-on-stdin', exitCode: 0 },
    {
      case: 'env merged onto base, undefined removes',
      args: ['-e', 'console.log([process.env.BASE_ONLY, process.env.OVERRIDE_ME, process.env.NEW, process.env.PATH ? "path" : "nopath"].join(","))'],
      opts: { env: { OVERRIDE_ME: 'new', NEW: 'n', PATH: process.env.PATH } },
      stdout: 'base,new,n,path',
      exitCode: 0,
    },
    {
      case: 'env key set to undefined is removed',
      args: ['-e', 'console.log(String(process.env.BASE_ONLY))'],
      opts: { env: { BASE_ONLY: undefined } },
      stdout: 'undefined',
      exitCode: 0,
    },
    { case: 'shell metacharacters stay literal', args: ['-e', 'console.log(process.argv[1])', '$(echo pwned); `id` | cat'], opts: {}, stdout: '$(echo pwned); `id` | cat', exitCode: 0 },
    { case: 'reject:false returns the exit code', args: ['-e', 'process.exit(3)'], opts: { reject: false }, stdout: '', exitCode: 3 },
  ])('$case', async ({ args, opts, stdout, exitCode }) => {
    const r = await run(node, args, opts);
    expect(r.stdout).toBe(stdout);
    expect(r.exitCode).toBe(exitCode);
  });

  it.each([
    { case: 'terminal: the command gets our stdin, stdout and stderr (gcloud auth login talks to the user)', terminal: true, same: true },
    { case: 'otherwise its output is piped to us', terminal: false, same: false },
  ])('$case', async ({ terminal, same }) => {
    const { fstatSync } = await import('node:fs');
    const ids = (fd: number) => `${fstatSync(fd).dev}:${fstatSync(fd).ino}`;
    // The child exits 0 when its stdout and stderr are the very files ours are.
    const script = 'const f=require("fs");const id=(fd)=>f.fstatSync(fd).dev+":"+f.fstatSync(fd).ino;process.exit(id(1)===process.argv[1]&&id(2)===process.argv[2]?0:5)';
    const r = await run(node, ['-e', script, ids(1), ids(2)], { terminal, reject: false });
    expect(r.exitCode).toBe(same ? 0 : 5);
  });

  it('does not inherit the parent environment beyond the base env', async () => {
    process.env.REGISTRY_SETUP_TEST_LEAK = 'leak';
    try {
      const r = await run(node, ['-e', 'console.log(String(process.env.REGISTRY_SETUP_TEST_LEAK))']);
      expect(r.stdout).toBe('undefined');
    } finally {
      delete process.env.REGISTRY_SETUP_TEST_LEAK;
    }
  });

  it('non-zero exit → ExternalError with command, exit code and the stderr tail (last 10 lines)', async () => {
    const script = 'for (let i = 1; i <= 15; i++) console.error("line " + i); console.error("ERROR: (gcloud.x) went wrong"); process.exit(2)';
    const err = await run(node, ['-e', script], { display: 'gcloud x' }).catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details.command).toBe('gcloud x');
    expect(err.details.exitCode).toBe(2);
    expect(err.details.stderrTail.split('\n')).toEqual(['line 7', 'line 8', 'line 9', 'line 10', 'line 11', 'line 12', 'line 13', 'line 14', 'line 15', 'ERROR: (gcloud.x) went wrong']);
    expect(err.message).toBe('`gcloud x` failed (exit 2): ERROR: (gcloud.x) went wrong');
  });

  it('missing command → ExternalError "not installed or not on PATH", exit code null', async () => {
    const err = await run('registry-setup-no-such-cmd', ['--version']).catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toBe('`registry-setup-no-such-cmd` is not installed or not on PATH');
    expect(err.details.exitCode).toBeNull();
  });

  it('abort → CancelError (before and during the run)', async () => {
    const pre = new AbortController();
    pre.abort();
    await expect(run(node, ['-e', '0'], { signal: pre.signal })).rejects.toBeInstanceOf(CancelError);
    const ac = new AbortController();
    const p = run(node, ['-e', 'setTimeout(() => {}, 20000)'], { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toBeInstanceOf(CancelError);
  });

  it('timeout → retryable ExternalError', async () => {
    const err = await run(node, ['-e', 'setTimeout(() => {}, 20000)'], { timeoutMs: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details.retryable).toBe(true);
    expect(err.message).toMatch(/stopped/);
  });

  it('onLine sees each line of both streams as it comes, and the result still holds the output', async () => {
    const lines: [string, string][] = [];
    const r = await run(node, ['-e', 'console.log("a\\nb"); console.error("c")'], { onLine: (l, s) => lines.push([l, s]) });
    expect(lines).toEqual(expect.arrayContaining([['a', 'stdout'], ['b', 'stdout'], ['c', 'stderr']]));
    expect(lines).toHaveLength(3);
    expect(r.stdout).toBe('a\nb');
    expect(r.stderr).toBe('c');
  });
});

describe('helpers', () => {
  it.each([
    { args: ['auth', 'configure-docker', 'us-docker.pkg.dev', '--quiet'], shown: 'gcloud auth configure-docker us-docker.pkg.dev --quiet' },
    { args: ['config', 'list', '--format=value(name)'], shown: "gcloud config list '--format=value(name)'" },
    { args: ["it's", ''], shown: "gcloud 'it'\\''s' ''" },
  ])('displayCommand $shown', ({ args, shown }) => {
    expect(displayCommand('gcloud', args)).toBe(shown);
  });
  it('tail keeps the last non-empty lines', () => {
    expect(tail('a\n\nb\nc\n', 2)).toBe('b\nc');
  });
  it('mergeEnv drops undefined', () => {
    expect(mergeEnv({ A: '1', B: undefined, C: '3' }, { C: undefined, D: '4' })).toEqual({ A: '1', D: '4' });
  });
});

describe('createRunner with early runs (started before the runner existed)', () => {
  const pidScript = ['-e', 'console.log(process.pid)'];

  it('the first matching call takes the early result; later calls run afresh', async () => {
    const early = startEarly([[node, pidScript]], process.env);
    const firstPid = (await early.get(earlyKey(node, pidScript))!.result).stdout.trim();
    const r = createRunner({ PATH: process.env.PATH }, early);
    const a = await r(node, pidScript);
    expect(a).toEqual({ stdout: firstPid, stderr: '', exitCode: 0 });
    expect(early.size).toBe(0);
    const b = await r(node, pidScript);
    expect(b.stdout).not.toBe(firstPid);
  });

  it.each([
    { case: 'non-zero exit', cmd: node, args: ['-e', 'console.error("ERROR: (gcloud.x) nope"); process.exit(4)'] },
    { case: 'not installed', cmd: 'registry-setup-no-such-command', args: ['x'] },
    { case: 'killed by a signal', cmd: node, args: ['-e', 'process.kill(process.pid, "SIGKILL")'] },
  ])('$case: the same error as when the runner starts it itself', async ({ cmd, args }) => {
    const plain = await createRunner({ PATH: process.env.PATH })(cmd, args).catch((e) => e);
    const viaEarly = await createRunner({ PATH: process.env.PATH }, startEarly([[cmd, args]], process.env))(cmd, args).catch((e) => e);
    expect(plain).toBeInstanceOf(ExternalError);
    expect(viaEarly).toBeInstanceOf(ExternalError);
    expect({ m: viaEarly.message, d: viaEarly.details, f: viaEarly.fix }).toEqual({ m: plain.message, d: plain.details, f: plain.fix });
  });

  it.each([
    { case: 'its own env', opts: { env: { X: '1' } } },
    { case: 'input', opts: { input: '' } },
    { case: 'a line tap', opts: { onLine: () => {} } },
    { case: 'a timeout', opts: { timeoutMs: 5000 } },
  ])('a call that would run an early command differently ($case) is our bug, never a second process', async ({ opts }) => {
    const early = startEarly([[node, pidScript]], process.env);
    const r = createRunner({ PATH: process.env.PATH }, early);
    await expect(r(node, pidScript, opts)).rejects.toBeInstanceOf(BugError);
    expect(early.size).toBe(1);
    early.get(earlyKey(node, pidScript))!.kill();
  });

  it('aborting while waiting: CancelError at once, and the early process is stopped', async () => {
    const slow = ['-e', 'setTimeout(() => console.log("finished"), 20000)'];
    const early = startEarly([[node, slow]], process.env);
    const run = early.get(earlyKey(node, slow))!;
    const ac = new AbortController();
    const p = createRunner({ PATH: process.env.PATH }, early)(node, slow, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toBeInstanceOf(CancelError);
    const r = await run.result;
    expect(r.signal).toBe('SIGTERM');
    expect(r.stdout).toBe('');
  });
});

describe('background runs', () => {
  it.each([
    { case: 'background: nice 10 (and its children inherit it)', background: true, want: 10 },
    { case: 'normal: the same priority as ours', background: false, want: 0 },
  ])('$case', async ({ background, want }) => {
    const base = (await import('node:os')).getPriority();
    const r = await createRunner({ PATH: process.env.PATH })(node, ['-e', 'console.log(require("os").getPriority())'], { background });
    expect(Number(r.stdout)).toBe(Math.min(19, base + want));
  });
});

describe('wholeJson: when a --format=json answer is whole', () => {
  it.each([
    { stdout: '{}', whole: true },
    { stdout: '{\n  "a": [1, 2]\n}\n', whole: true },
    { stdout: '[]\n', whole: true },
    { stdout: '{\n  "a": ', whole: false },
    { stdout: '[\n  {"projectId": "p"}', whole: false },
    { stdout: '[\n  {"projectId": "p"},\n  {}', whole: false },
    { stdout: '{"a": 1} and more', whole: false },
    { stdout: 'null', whole: false },
    { stdout: '', whole: false },
  ])('$stdout → $whole', ({ stdout, whole }) => {
    expect(wholeJson(stdout)).toBe(whole);
  });
});

describe('answers taken when whole (gcloud ends a while after printing its answer)', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Prints its answer (with its pid), then stays: only its answer can end the call.
  const staysAfter = ['-e', 'process.stdout.write(JSON.stringify({ pid: process.pid }) + "\\n"); setTimeout(() => {}, 600000)'];
  const paths = [
    { path: 'started early', runner: (args: string[]) => createRunner({ PATH: process.env.PATH }, startEarly([[node, args, wholeJson]], process.env)) },
    { path: 'started by the runner', runner: () => createRunner({ PATH: process.env.PATH }) },
  ];

  it.each(paths)('$path: returned as a success while the process goes on, which is left be', async ({ runner }) => {
    const r = await runner(staysAfter)(node, staysAfter, { answered: wholeJson });
    const { pid } = JSON.parse(r.stdout) as { pid: number };
    try {
      expect(r).toEqual({ stdout: JSON.stringify({ pid }), stderr: '', exitCode: 0 });
      expect(alive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it.each([
    {
      case: 'a part first, the rest later: the whole answer',
      args: ['-e', 'process.stdout.write("{\\"a\\": "); setTimeout(() => process.stdout.write("[1]}\\n"), 50)'],
      want: { stdout: '{"a": [1]}', stderr: '', exitCode: 0 },
    },
    {
      case: 'an answer that is not JSON: taken at the exit, as without',
      args: ['-e', 'console.log("plain"); console.error("note")'],
      want: { stdout: 'plain', stderr: 'note', exitCode: 0 },
    },
    {
      // gcloud prints its answer only on success; the exit that follows is not waited for
      case: 'a whole answer, then a failing exit: the answer stands',
      args: ['-e', 'process.stdout.write("{}\\n", () => process.exit(3))'],
      want: { stdout: '{}', stderr: '', exitCode: 0 },
    },
  ])('$case', async ({ args, want }) => {
    for (const { runner } of paths) expect(await runner(args)(node, args, { answered: wholeJson })).toEqual(want);
  });

  it.each(paths)('$path: a failure (nothing on stdout) is the same error as without', async ({ runner }) => {
    const args = ['-e', 'console.error("ERROR: (gcloud.x) nope"); process.exit(4)'];
    const plain = await createRunner({ PATH: process.env.PATH })(node, args).catch((e) => e);
    const taken = await runner(args)(node, args, { answered: wholeJson }).catch((e) => e);
    expect(taken).toBeInstanceOf(ExternalError);
    expect({ m: taken.message, d: taken.details }).toEqual({ m: plain.message, d: plain.details });
  });

  it('a call that would feed it or tap its lines is our bug, never a process', async () => {
    const fail = ['-e', 'process.exit(9)'];
    for (const opts of [{ input: '' }, { onLine: () => {} }, { timeoutMs: 5000 }, { cwd: '/' }, { background: true }]) {
      await expect(createRunner({ PATH: process.env.PATH })(node, fail, { ...opts, answered: wholeJson })).rejects.toBeInstanceOf(BugError);
    }
  });

  // In a process of its own: it must end by itself while the command it asked is still running.
  it('the process that took the answer ends on its own: the command no longer keeps it alive', async () => {
    const exec = fileURLToPath(new URL('../../src/adapters/exec.ts', import.meta.url));
    const earlyTs = fileURLToPath(new URL('../../src/adapters/early.ts', import.meta.url));
    const script = `
      import { createRunner } from ${JSON.stringify(exec)};
      import { wholeJson } from ${JSON.stringify(earlyTs)};
      const r = await createRunner(process.env)(process.execPath, ${JSON.stringify(staysAfter)}, { answered: wholeJson });
      console.log(r.stdout);
    `;
    const { stdout } = await promisify(execFile)(node, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const { pid } = JSON.parse(stdout) as { pid: number };
    try {
      expect(alive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});
