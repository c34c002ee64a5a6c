import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDockerConfigFile, detectIndent, findJsonError, jsonErrorPosition, parseDockerConfig, shortJsonMessage } from '../../src/adapters/dockerConfig.js';
import { UserError } from '../../src/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'rs-dockercfg-'));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('where the file is', () => {
  it.each([
    { case: 'DOCKER_CONFIG honoured', env: { DOCKER_CONFIG: '/x/dc' }, dir: '/x/dc' },
    { case: 'else ~/.docker', env: {}, dir: '/home/u/.docker' },
    { case: 'empty DOCKER_CONFIG ignored', env: { DOCKER_CONFIG: '' }, dir: '/home/u/.docker' },
  ])('$case', ({ env, dir }) => {
    const f = createDockerConfigFile({ env, homedir: '/home/u' });
    expect(f.dir).toBe(dir);
    expect(f.path).toBe(join(dir, 'config.json'));
  });
});

describe('parsing', () => {
  it.each([
    { text: '', want: {} },
    { text: '  \n', want: {} },
    { text: '\uFEFF{"auths":{}}', want: { auths: {} } },
    { text: '{"credsStore":"desktop","x":[1]}', want: { credsStore: 'desktop', x: [1] } },
  ])('%j', ({ text, want }) => expect(parseDockerConfig(text, '/p')).toEqual(want));

  it.each([
    { case: 'bad token on line 3', text: '{\n  "a": 1,\n  "b" 2\n}', where: 'line 3, column 7' },
    { case: 'truncated', text: '{\n  "a": ', where: 'line 2, column 8' },
    { case: 'trailing comma', text: '{"a": 1,}', where: 'line 1, column 9' },
  ])('malformed: $case → UserError with path and position', ({ text, where }) => {
    let err: unknown;
    try {
      parseDockerConfig(text, '/home/u/.docker/config.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const u = err as UserError;
    expect(u.message).toContain('/home/u/.docker/config.json is not valid JSON');
    expect(u.message).toContain(where);
    expect(u.fix.join('\n')).toMatch(/Fix or move the file.*then run again/);
  });

  it('not an object → UserError', () => {
    expect(() => parseDockerConfig('[1]', '/p')).toThrow(UserError);
  });

  it.each([
    { msg: 'Unexpected token } in JSON at position 4', text: 'ab\ncd', want: { line: 2, column: 2 } },
    { msg: "Expected ',' or '}' after property value in JSON at position 9 (line 2 column 5)", text: '', want: { line: 2, column: 5 } },
  ])('jsonErrorPosition($msg)', ({ msg, text, want }) => expect(jsonErrorPosition(text, msg)).toEqual(want));

  it.each([
    ['{\n\t"a": 1\n}', '\t'],
    ['{\n  "a": 1\n}', '  '],
    ['{"a":1}', '\t'],
  ])('detectIndent %j', (text, want) => expect(detectIndent(text)).toBe(want));
});

describe('read and write on real files', () => {
  it('missing file reads as {}; first write creates the folder 0700 and the file 0600, no backup', async () => {
    const home = tmp();
    const f = createDockerConfigFile({ env: {}, homedir: home });
    expect(await f.read()).toEqual({});
    const r = await f.write({ credHelpers: { 'us-docker.pkg.dev': 'gcloud' } });
    expect(r).toEqual({});
    expect(mode(join(home, '.docker'))).toBe(0o700);
    expect(mode(f.path)).toBe(0o600);
    expect(await f.read()).toEqual({ credHelpers: { 'us-docker.pkg.dev': 'gcloud' } });
  });

  it('keeps unknown keys and key order as given, keeps the mode, and the indentation style', async () => {
    const dir = tmp();
    const p = join(dir, 'config.json');
    writeFileSync(p, '{\n  "auths": {"ghcr.io": {"auth": "abc"}},\n  "credsStore": "desktop",\n  "zzz": {"keep": true}\n}\n', { mode: 0o644 });
    chmodSync(p, 0o644);
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/nonexistent' });
    const cur = await f.read();
    await f.write({ ...cur, credHelpers: { 'europe-west1-docker.pkg.dev': 'gcloud' } });
    const text = readFileSync(p, 'utf8');
    expect(Object.keys(JSON.parse(text))).toEqual(['auths', 'credsStore', 'zzz', 'credHelpers']);
    expect(JSON.parse(text).auths).toEqual({ 'ghcr.io': { auth: 'abc' } });
    expect(text).toContain('\n  "auths"');
    expect(mode(p)).toBe(0o644);
  });

  it('backs up the original once: the backup holds the state before the first change', async () => {
    const dir = tmp();
    const p = join(dir, 'config.json');
    writeFileSync(p, '{"original":true}', { mode: 0o600 });
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/x' });
    const r1 = await f.write({ original: true, step: 1 });
    expect(r1.backupPath).toBe(p + '.registry-setup.bak');
    const r2 = await f.write({ original: true, step: 2 });
    expect(r2.backupPath).toBe(p + '.registry-setup.bak');
    expect(JSON.parse(readFileSync(p + '.registry-setup.bak', 'utf8'))).toEqual({ original: true });
    expect(mode(p + '.registry-setup.bak')).toBe(0o600);
    expect(JSON.parse(readFileSync(p, 'utf8'))).toEqual({ original: true, step: 2 });
    // no temp files left behind
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'config.json.registry-setup.bak']);
  });

  it('malformed file: read() stops with the position; write() refuses; nothing changes', async () => {
    const dir = tmp();
    const p = join(dir, 'config.json');
    const broken = '{\n  "auths": {}\n  "credsStore": "x"\n}';
    writeFileSync(p, broken);
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/x' });
    const err = await f.read().catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON \\(line 3, column 3\\)`));
    await expect(f.write({ a: 1 })).rejects.toBeInstanceOf(UserError);
    expect(readFileSync(p, 'utf8')).toBe(broken);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it.each([
    { case: 'read-only file', setup: (dir: string, p: string) => (writeFileSync(p, '{}'), chmodSync(p, 0o444)), what: /The file .* is read-only/ },
    { case: 'read-only folder', setup: (dir: string, p: string) => (writeFileSync(p, '{}'), chmodSync(dir, 0o555)), what: /The folder .* is read-only/ },
  ])('$case → UserError saying so, nothing changed', async ({ setup, what }) => {
    const dir = tmp();
    const p = join(dir, 'config.json');
    setup(dir, p);
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/x' });
    const err = await f.write({ changed: true }).catch((e) => e);
    chmodSync(dir, 0o755);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(what);
    expect(err.fix.join('\n')).toMatch(/chmod u\+w/);
    expect(readFileSync(p, 'utf8')).toBe('{}');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('a symlinked config.json stays a symlink; its target gets the change', async () => {
    const dir = tmp();
    const real = join(dir, 'dotfiles-docker.json');
    writeFileSync(real, '{"a":1}', { mode: 0o600 });
    mkdirSync(join(dir, 'dc'));
    symlinkSync(real, join(dir, 'dc', 'config.json'));
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: join(dir, 'dc') }, homedir: '/x' });
    await f.write({ a: 1, b: 2 });
    expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({ a: 1, b: 2 });
    expect(existsSync(join(dir, 'dc', 'config.json.registry-setup.bak'))).toBe(true);
  });

  it('atomic: a reader between every two of 60 rewrites always sees complete JSON', async () => {
    const dir = tmp();
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/x' });
    const big = { credHelpers: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`host-${i}.example.com`, 'gcloud'])) };
    await f.write(big);
    let stop = false;
    let reads = 0;
    // The writer waits for a read after each write, so reads and writes interleave on any machine.
    let readDone: () => void = () => undefined;
    const nextRead = () => new Promise<void>((r) => (readDone = r));
    let waiting = nextRead();
    const bad: string[] = [];
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(f.path, 'utf8');
        try {
          JSON.parse(text);
        } catch {
          bad.push(text.slice(-40));
        }
        reads++;
        readDone();
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 60; i++) {
      await f.write({ ...big, n: i });
      await waiting;
      waiting = nextRead();
    }
    stop = true;
    await reader;
    expect(reads).toBeGreaterThanOrEqual(60);
    expect(bad).toEqual([]);
    expect(JSON.parse(readFileSync(f.path, 'utf8')).n).toBe(59);
    // no temp files left; the backup holds the state before the first change to an existing file
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'config.json.registry-setup.bak']);
    expect(JSON.parse(readFileSync(f.path + '.registry-setup.bak', 'utf8'))).toEqual(big);
  });
});

describe('findJsonError (Node 20 does not always give a position)', () => {
  it.each([
    { text: '{"a": 1}', at: -1 },
    { text: '[1, 2.5e3, -0, true, false, null, "x\\u00e9\\n"]', at: -1 },
    { text: '{\n "a": }', at: 8 },
    { text: '{"a": 1,}', at: 8 },
    { text: '{"a" 1}', at: 5 },
    { text: '{"a": tru}', at: 6 },
    { text: '{"a": 1', at: 7 },
    { text: '{"a": "x', at: 8 },
    { text: '{} x', at: 3 },
    { text: '{"a": 01}', at: 7 },
    { text: "{'a': 1}", at: 1 },
    { text: '{"a": [{"b": []}, {}], "c": {"d": [1]}}', at: -1 },
    { text: '[1 2]', at: 3 },
    { text: '[1,]', at: 3 },
    { text: '[', at: 1 },
    { text: '{"a": [1}', at: 8 },
  ])('$text → $at', ({ text, at }) => {
    expect(findJsonError(text)).toBe(at);
    // agrees with JSON.parse on validity
    expect(at === -1).toBe((() => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    })());
  });
  it('short message drops the echoed text', () => {
    expect(shortJsonMessage(`Unexpected token '}', "{\n "a": }" is not valid JSON`)).toBe("Unexpected token '}'");
    expect(shortJsonMessage('Unexpected number in JSON at position 18')).toBe('Unexpected number');
  });
});

describe('what the user already has is preserved', () => {
  const HOST = 'southamerica-east1-docker.pkg.dev';
  const cases: { case: string; text: string }[] = [
    { case: 'auths with credentials', text: '{\n\t"auths": {\n\t\t"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},\n\t\t"ghcr.io": {"auth": "Z2g6dG9r", "email": "a@b.c"}\n\t}\n}' },
    { case: 'other credHelpers', text: '{"credHelpers": {"gcr.io": "gcloud", "123.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login", "us-docker.pkg.dev": "gcloud"}}' },
    { case: 'credsStore', text: '{"credsStore": "desktop", "currentContext": "desktop-linux"}' },
    { case: 'unknown keys, nested, unicode, numbers, nulls', text: '{"zzz": {"deep": [1, 2.5, -3, true, null, "ünïcødé ✓"]}, "proxies": {"default": {"httpProxy": "http://p:3128"}}, "experimental": "enabled", "detachKeys": "ctrl-e,e"}' },
    { case: 'everything at once, 2-space indent', text: JSON.stringify({ auths: { 'x.io': { auth: 'eA==' } }, credsStore: 'pass', credHelpers: { 'gcr.io': 'gcloud' }, plugins: { a: { b: 'c' } }, aliases: { builder: 'buildx' } }, null, 2) },
  ];
  it.each(cases)('$case: adding our credHelpers entry keeps every other value, in order', async ({ text }) => {
    const dir = tmp();
    const p = join(dir, 'config.json');
    writeFileSync(p, text, { mode: 0o600 });
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/nonexistent' });
    const cur = await f.read();
    const original = JSON.parse(text) as Record<string, unknown>;
    expect(cur).toEqual(original);
    const helpers = { ...((cur.credHelpers as Record<string, string>) ?? {}), [HOST]: 'gcloud' };
    const r = await f.write({ ...cur, credHelpers: helpers });
    const after = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    expect(after).toEqual({ ...original, credHelpers: { ...((original.credHelpers as object) ?? {}), [HOST]: 'gcloud' } });
    // key order of every object is kept; ours is appended
    expect(Object.keys(after)).toEqual([...new Set([...Object.keys(original), 'credHelpers'])]);
    expect(Object.keys(after.credHelpers as object)).toEqual([...Object.keys((original.credHelpers as object) ?? {}).filter((k) => k !== HOST), HOST]);
    // the backup is the exact original bytes
    expect(readFileSync(r.backupPath!, 'utf8')).toBe(text);
  });

  it('DOCKER_CONFIG naming a folder that does not exist yet: created (0700, parents too), file 0600, ~/.docker untouched', async () => {
    const root = tmp();
    const home = tmp();
    const dc = join(root, 'a', 'b', 'docker');
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dc }, homedir: home });
    expect(f.dir).toBe(dc);
    expect(await f.read()).toEqual({});
    await f.write({ credHelpers: { [HOST]: 'gcloud' } });
    expect(mode(dc)).toBe(0o700);
    expect(mode(join(dc, 'config.json'))).toBe(0o600);
    expect(existsSync(join(home, '.docker'))).toBe(false);
  });

  it.each([
    { case: 'malformed: nothing written, no backup', text: '{"auths": {}, "credHelpers": {"x": "y",}}', where: /line 1, column 40/ },
    { case: 'malformed on a later line', text: '{\n  "credsStore": "desktop"\n  "auths": {}\n}\n', where: /line 3, column 3/ },
    { case: 'not an object', text: '["a"]', where: /not a JSON object|object/ },
  ])('$case: the error names the path and position; the bytes stay identical', async ({ text, where }) => {
    const dir = tmp();
    const p = join(dir, 'config.json');
    writeFileSync(p, text);
    const before = statSync(p);
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/x' });
    const err = await f.read().catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(p);
    expect(err.message).toMatch(where);
    expect(await f.write({ credHelpers: { [HOST]: 'gcloud' } }).catch((e) => e)).toBeInstanceOf(UserError);
    expect(readFileSync(p, 'utf8')).toBe(text);
    expect(statSync(p).mtimeMs).toBe(before.mtimeMs);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});

describe('running through sudo', () => {
  const cases: { case: string; env: NodeJS.ProcessEnv; want: RegExp | undefined }[] = [
    { case: 'sudo by alice', env: { SUDO_USER: 'alice' }, want: /running through sudo, so it sets up root's Docker config \(\/root\/\.docker\/config\.json\) with root's gcloud login, not alice's.*Run registry-setup as alice, without sudo/ },
    { case: 'sudo with DOCKER_CONFIG kept', env: { SUDO_USER: 'bob', DOCKER_CONFIG: '/home/bob/.docker' }, want: /\(\/home\/bob\/\.docker\/config\.json\).*not bob's/ },
    { case: 'no sudo', env: {}, want: undefined },
    { case: 'empty SUDO_USER', env: { SUDO_USER: '' }, want: undefined },
    { case: 'sudo from root itself', env: { SUDO_USER: 'root' }, want: undefined },
  ];
  it.each(cases)('$case', ({ env, want }) => {
    const f = createDockerConfigFile({ env, homedir: '/root' });
    if (want) expect(f.sudoWarning).toMatch(want);
    else expect(f.sudoWarning).toBeUndefined();
    expect(f.sudoUser).toBe(want ? env.SUDO_USER : undefined);
  });
});

describe('hosts DOCKER_AUTH_CONFIG gives a login for (it shadows config.json in Docker 28.3+)', () => {
  const cases: { case: string; value: string | undefined; hosts: string[] | undefined }[] = [
    { case: 'unset', value: undefined, hosts: undefined },
    { case: 'two hosts', value: JSON.stringify({ auths: { 'a-docker.pkg.dev': { auth: 'dTpw' }, 'ghcr.io': { auth: 'dTpw' } } }), hosts: ['a-docker.pkg.dev', 'ghcr.io'] },
    { case: 'no auths key', value: '{}', hosts: undefined },
    { case: 'auths not an object', value: '{"auths": []}', hosts: undefined },
    { case: 'not JSON (Docker ignores it)', value: '{"auths":', hosts: undefined },
  ];
  it.each(cases)('$case', ({ value, hosts }) => {
    const f = createDockerConfigFile({ env: value === undefined ? {} : { DOCKER_AUTH_CONFIG: value }, homedir: '/home/u' });
    expect(f.envAuthHosts).toEqual(hosts);
    // Only the hosts: the login itself is not kept.
    expect(JSON.stringify(f)).not.toContain('dTpw');
  });
});

describe('the sudo warning reaches the preflight checklist', () => {
  const calls = [
    { call: 'gcloud.version', result: 'Google Cloud SDK 528.0.0' },
    { call: 'gcloud.config', result: { account: 'ana@example.com', project: 'mycoolproject-prod' } },
    { call: 'docker.info', result: { clientVersion: '26.1.5', serverVersion: '26.1.5', path: '/usr/bin/docker' } },
    { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud' },
    { call: 'git.isRepo', result: true },
  ] as import('../fakes.js').Expectation[];
  const cases: { case: string; isRoot: boolean; env: NodeJS.ProcessEnv; status: 'ok' | 'warn'; detail: string; warning?: RegExp }[] = [
    { case: 'sudo by alice', isRoot: true, env: { SUDO_USER: 'alice' }, status: 'warn', detail: 'running as root', warning: /root's Docker config \(\/root\/\.docker\/config\.json\) with root's gcloud login, not alice's/ },
    { case: 'root without sudo', isRoot: true, env: {}, status: 'warn', detail: 'running as root', warning: /Root's ~\/\.docker\/config\.json and gcloud login are not yours/ },
    { case: 'a normal user', isRoot: false, env: {}, status: 'ok', detail: 'running as your own user' },
  ];
  it.each(cases)('$case', async ({ isRoot, env, status, detail, warning }) => {
    const { fakeWorld, runStep } = await import('../fakes.js');
    const { preflight, LABELS } = await import('../../src/steps/preflight.js');
    const w = fakeWorld({ calls, ordered: false, isRoot });
    const real = createDockerConfigFile({ env, homedir: '/root' });
    // only the warning is used by preflight: any read/write would fail the strict fake below
    w.env.dockerConfig = { dir: real.dir, path: real.path, sudoWarning: real.sudoWarning, read: () => Promise.reject(new Error('unexpected read')), write: () => Promise.reject(new Error('unexpected write')) };
    await runStep(preflight, w.ctx(), w.env, new AbortController().signal);
    const item = w.report.finalItems().get(LABELS.root);
    expect(item?.status).toBe(status);
    expect(item?.detail).toBe(detail);
    expect(`${LABELS.root}: ${item?.detail}`).toMatch(/^user account: running as (root|your own user)$/);
    if (warning) expect(w.report.warnings.join('\n')).toMatch(warning);
    else expect(w.report.warnings.join('\n')).not.toMatch(/root/i);
    w.assertDone();
  });
});

describe('temp files a killed write left behind', () => {
  // A pid that is certainly gone: a child that has exited.
  const deadPid = (() => {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(r.stdout);
  })();
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
  const cases: { case: string; name: string; age?: number; removed: boolean }[] = [
    { case: "the config's, writer gone", name: `.config.json.${deadPid}-0123456789ab.tmp`, removed: true },
    { case: "the backup's, writer gone", name: `.config.json.registry-setup.bak.${deadPid}-0123456789ab.tmp`, removed: true },
    { case: 'a live writer (pid 1), just written', name: '.config.json.1-0123456789ab.tmp', removed: false },
    { case: 'a live pid, but older than any write (pid reused)', name: '.config.json.1-0123456789ab.tmp', age: 2, removed: true },
    { case: 'no pid (older versions), just written', name: '.config.json.registry-setup.bak.0123456789ab.tmp', removed: false },
    { case: 'no pid, old', name: '.config.json.registry-setup.bak.0123456789ab.tmp', age: 2, removed: true },
    { case: 'not ours', name: '.config.json.swp', age: 2, removed: false },
  ];
  it.each(cases)('$case: removed $removed', async ({ name, age, removed }) => {
    const dir = tmp();
    writeFileSync(join(dir, 'config.json'), '{"auths":{}}');
    writeFileSync(join(dir, name), '{"partial":');
    if (age) utimesSync(join(dir, name), minutesAgo(age), minutesAgo(age));
    const f = createDockerConfigFile({ env: { DOCKER_CONFIG: dir }, homedir: '/nowhere' });
    await f.write({ auths: {}, credHelpers: { 'h-docker.pkg.dev': 'gcloud' } });
    const left = readdirSync(dir).sort();
    const want = ['config.json', 'config.json.registry-setup.bak', ...(removed ? [] : [name])].sort();
    expect(left).toEqual(want);
  });
});
