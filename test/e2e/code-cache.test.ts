// End to end, on the lab: the built CLI keeps the API library's compiled code in the user's cache
// folder (XDG_CACHE_HOME here): written by the run that compiled it, used as it is by the next one,
// written again when it no longer fits, and never written through sudo. Each world is one --yes
// setup of its own (a new repository, the verification image), then re-runs of it.
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { djangoProject } from '../lab/project.js';
import { runCli } from './pty.js';

const PROJECT = 'mycoolproject-prod';
const LOCATION = 'southamerica-east1';

let lab: Lab;
beforeAll(async () => {
  lab = await theLab();
  await lab.setWorld({ projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true }] });
});

let worlds = 0;
async function world(extra: Record<string, string | undefined> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'rs-e2e-cache-'));
  const { dir } = await djangoProject(root, 'mycoolproject');
  const cache = join(root, 'cache');
  const name = `cache-${process.pid}-${++worlds}`;
  const dockerConfig = await lab.newDockerConfig(name, {});
  const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig, XDG_CONFIG_HOME: join(root, 'xdg'), XDG_CACHE_HOME: cache, CI: undefined, ...extra });
  const args = ['--yes', '--project', PROJECT, '--region', LOCATION, '--repository', name, '--image', 'app', '--source', 'sample'];
  const run = async () => {
    const cli = runCli(args, { cwd: dir, env, cols: 100 });
    try {
      expect(await cli.exited, cli.output.slice(-3000)).toBe(0);
      expect(cli.output).toContain('Done: your registry is ready');
    } finally {
      cli.kill();
    }
  };
  const files = async () => (await readdir(join(cache, 'registry-setup')).catch(() => [] as string[])).sort();
  return { cache: join(cache, 'registry-setup'), run, files };
}

describe('the API library code cache, in the user cache folder', () => {
  it('the first run writes one file; the next run loads it and leaves it as it is', async () => {
    const w = await world();
    await w.run();
    const [file, ...more] = await w.files();
    expect(more).toEqual([]);
    expect(file).toMatch(/^api-library-[0-9a-f]{20}\.v8$/);
    const before = await stat(join(w.cache, file!));
    expect(before.size).toBeGreaterThan(100_000);
    await w.run();
    expect(await w.files()).toEqual([file]);
    expect((await stat(join(w.cache, file!))).mtimeMs).toBe(before.mtimeMs);
  });

  it('a spoiled cache file: the run works all the same, and writes it again', async () => {
    const w = await world();
    await w.run();
    const [file] = await w.files();
    await writeFile(join(w.cache, file!), 'not a code cache');
    await w.run();
    expect(await w.files()).toEqual([file]);
    expect((await readFile(join(w.cache, file!))).toString('latin1')).not.toBe('not a code cache');
  });

  it.each([
    { case: 'through sudo (SUDO_USER is another user): nothing written', sudoUser: 'newcomer', written: false },
    { case: 'sudo from root itself: written as usual', sudoUser: 'root', written: true },
  ])('$case', async ({ sudoUser, written }) => {
    const w = await world({ SUDO_USER: sudoUser });
    await w.run();
    expect((await w.files()).length > 0).toBe(written);
  });
});
